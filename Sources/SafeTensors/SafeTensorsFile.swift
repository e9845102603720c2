// SafeTensorsFile: the reader — maps (or copies) a file's bytes, validates them once, and hands out tensors.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns the bytes of one file: a read-only private mapping, or a heap copy for in-memory input.
private final class Backing {
    let base: UnsafeRawBufferPointer
    private let mapped: Bool

    /// Takes ownership of a mapping made with `mmap`.
    init(mapping: UnsafeMutableRawPointer, count: Int) {
        base = UnsafeRawBufferPointer(start: mapping, count: count)
        mapped = true
    }

    /// Copies `bytes` into a 16-byte-aligned heap block.
    init(copying bytes: UnsafeRawBufferPointer) {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        if let source = bytes.baseAddress, bytes.count > 0 {
            block.copyMemory(from: source, byteCount: bytes.count)
        }
        base = UnsafeRawBufferPointer(start: block, count: bytes.count)
        mapped = false
    }

    deinit {
        guard let address = base.baseAddress else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: address), base.count)
        } else {
            UnsafeMutableRawPointer(mutating: address).deallocate()
        }
    }
}

/// A validated safetensors file.
///
/// The whole header is checked when the file is opened (see `SafeTensorsError.Kind` for what is
/// rejected); afterwards every tensor's byte range is known to lie inside the data buffer, so the
/// accessors only check names, dtypes and destination sizes.
///
/// A file opened from disk is mapped with `mmap` (read-only, private) and unmapped when this
/// object goes away. The object is immutable, so it can be shared between threads.
/// As with any memory-mapped reader, truncating the file on disk while it is open makes later
/// reads fault (SIGBUS); replace checkpoints by rename (as `SafeTensorsWriter` does) instead.
public final class SafeTensorsFile: @unchecked Sendable {
    /// The name used in error messages: the file's last path component, or the label given.
    public let label: String
    /// The tensors in data-buffer order (by offset; for files written by the reference library
    /// that is descending dtype, then name).
    public let tensors: [TensorInfo]
    /// The `__metadata__` map (empty when absent or null).
    public let metadata: [String: String]
    /// N, the header length in bytes, padding included.
    public let headerLength: Int
    /// Where the data buffer starts in the file (8 + N).
    public let dataStart: Int
    /// The total size of the file in bytes.
    public var fileSize: Int { backing.base.count }

    private let backing: Backing
    private let index: [String: Int]

    /// Maps and validates the file at `url`.
    public convenience init(contentsOf url: URL) throws {
        let label = url.lastPathComponent
        let path = url.path
        // O_NONBLOCK: opening a FIFO must not hang; it is rejected below as not a regular file.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw SafeTensorsError(.io, file: label, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SafeTensorsError(.io, file: label, "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SafeTensorsError(.io, file: label, "\(path) is not a regular file")
        }
        let size = Int(info.st_size)
        let backing: Backing
        if size == 0 {
            backing = Backing(copying: UnsafeRawBufferPointer(start: nil, count: 0))  // mmap rejects length 0
        } else {
            let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
                throw SafeTensorsError(.io, file: label, "cannot map \(path): \(String(cString: strerror(errno)))")
            }
            backing = Backing(mapping: address, count: size)
        }
        try self.init(backing: backing, label: label)
    }

    /// Calls `body` with every byte of the file (header and data), e.g. to hash it.
    public func withUnsafeFileBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(backing.base)
    }

    /// Validates a copy of in-memory bytes (for tests and fuzzing).
    public convenience init(bytes: [UInt8], label: String = "<memory>") throws {
        let backing = bytes.withUnsafeBytes { Backing(copying: $0) }
        try self.init(backing: backing, label: label)
    }

    /// Validates a copy of in-memory bytes.
    public convenience init(data: Data, label: String = "<memory>") throws {
        let backing = data.withUnsafeBytes { Backing(copying: $0) }
        try self.init(backing: backing, label: label)
    }

    /// The one validation path: every initialiser ends here. If it throws, `backing` is released
    /// and its mapping or copy freed.
    private init(backing: Backing, label: String) throws {
        let header = try parseHeader(backing.base, file: label)
        self.backing = backing
        self.label = label
        self.tensors = header.tensors
        self.index = header.index
        self.metadata = header.metadata
        self.headerLength = header.headerLength
        self.dataStart = header.dataStart
    }

    // MARK: - Lookup

    /// Tensor names in data-buffer order.
    public var names: [String] { tensors.map(\.name) }

    /// The number of tensors.
    public var count: Int { tensors.count }

    /// The description of tensor `name`, or nil if there is none.
    public func info(_ name: String) -> TensorInfo? {
        guard let i = index[name] else { return nil }
        return tensors[i]
    }

    /// The description of tensor `name`, or a `.noSuchTensor` error.
    public func requireInfo(_ name: String) throws -> TensorInfo {
        guard let i = index[name] else {
            throw SafeTensorsError(.noSuchTensor, file: label, "no tensor named \(quoted(name))")
        }
        return tensors[i]
    }

    // MARK: - Raw bytes

    /// Calls `body` with the tensor's bytes as stored (little-endian, possibly unaligned).
    /// The pointer is valid only inside `body`.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let t = try requireInfo(name)
        return try withExtendedLifetime(backing) {
            try body(UnsafeRawBufferPointer(rebasing: backing.base[t.fileOffsets]))
        }
    }

    /// A copy of the tensor's bytes as stored. Works for every dtype.
    public func rawBytes(_ name: String) throws -> [UInt8] {
        try withRawBytes(name) { [UInt8]($0) }
    }

    // MARK: - Floats

    /// The tensor's values as Float, converted from F32, F16 or BF16. Other dtypes throw `.unsupportedDType`.
    public func floats(_ name: String) throws -> [Float] {
        let t = try floatTensor(name)
        return [Float](unsafeUninitializedCapacity: t.elementCount) { buffer, initialised in
            if let destination = buffer.baseAddress, t.elementCount > 0 {
                decode(t, into: destination)
            }
            initialised = t.elementCount
        }
    }

    /// Converts the tensor (F32, F16 or BF16) into `destination`, which must hold exactly
    /// `elementCount` floats. F32 on a little-endian host is a plain memcpy.
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let t = try floatTensor(name)
        guard destination.count == t.elementCount else {
            throw SafeTensorsError(.countMismatch, file: label,
                                   "tensor \(quoted(name)) has \(t.elementCount) elements but the destination holds \(destination.count)")
        }
        if let address = destination.baseAddress, t.elementCount > 0 {
            decode(t, into: address)
        }
    }

    private func floatTensor(_ name: String) throws -> TensorInfo {
        let t = try requireInfo(name)
        guard t.dtype.isConvertibleToFloat else {
            throw SafeTensorsError(.unsupportedDType, file: label,
                                   "tensor \(quoted(name)) is \(t.dtype); only F32, F16 and BF16 convert to Float")
        }
        return t
    }

    private func decode(_ t: TensorInfo, into destination: UnsafeMutablePointer<Float>) {
        withExtendedLifetime(backing) {
            guard let base = backing.base.baseAddress else { return }
            decodeFloats(t.dtype, from: base + t.fileOffsets.lowerBound, count: t.elementCount, into: destination)
        }
    }

    // MARK: - Integers

    /// The values of an I64 tensor (e.g. `embeddings.position_ids`). Other dtypes throw `.unsupportedDType`.
    public func int64s(_ name: String) throws -> [Int64] {
        try integers(name, dtype: .i64, as: Int64.self)
    }

    /// The values of an I32 tensor. Other dtypes throw `.unsupportedDType`.
    public func int32s(_ name: String) throws -> [Int32] {
        try integers(name, dtype: .i32, as: Int32.self)
    }

    private func integers<T: FixedWidthInteger>(_ name: String, dtype: DType, as: T.Type) throws -> [T] {
        let t = try requireInfo(name)
        guard t.dtype == dtype else {
            throw SafeTensorsError(.unsupportedDType, file: label,
                                   "tensor \(quoted(name)) is \(t.dtype), not \(dtype)")
        }
        return try withRawBytes(name) { raw in
            (0..<t.elementCount).map { i in
                T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
        }
    }
}
