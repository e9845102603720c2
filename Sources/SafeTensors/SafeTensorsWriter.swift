// SafeTensorsWriter: builds reference-identical headers and writes checkpoints atomically (temp file, fsync, rename).

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes safetensors files the way the reference Python/Rust library does.
///
/// Layout, matching `safetensors.serialize`: tensors sorted by descending dtype (in the reference
/// `Dtype` order, so I64 before F32), then by name (bytewise); the header is compact JSON in the
/// reference's form — `__metadata__` first, then each tensor as
/// `{"dtype":..,"shape":[..],"data_offsets":[b,e]}` in data order — padded with spaces so the data
/// buffer starts at a multiple of 8. The reference keeps metadata in a hash map (arbitrary order);
/// this writer sorts metadata keys so its output is deterministic.
public enum SafeTensorsWriter {
    /// One tensor to write: a name, a shape, a stored dtype, and where its values come from.
    ///
    /// Sources are closures that lend a buffer for the duration of a call, so large tensors are
    /// written straight from their storage without an intermediate copy:
    ///
    ///     SafeTensorsWriter.Tensor(name: "w", shape: [384, 384]) { body in
    ///         try weights.withUnsafeBufferPointer(body)
    ///     }
    public struct Tensor {
        public let name: String
        public let shape: [Int]
        /// The dtype stored in the file.
        public let dtype: DType

        enum Source {
            case floats((_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void)
            case raw((_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Void)
        }
        let source: Source

        /// Float values held in an array, stored as F32 (default), F16 or BF16.
        public init(name: String, shape: [Int], values: [Float], storedAs dtype: DType = .f32) {
            self.name = name
            self.shape = shape
            self.dtype = dtype
            self.source = .floats { body in try values.withUnsafeBufferPointer(body) }
        }

        /// Float values lent by a closure, stored as F32 (default), F16 or BF16. The closure must
        /// call `body` exactly once with a buffer of exactly `shape`-product floats.
        public init(name: String, shape: [Int], storedAs dtype: DType = .f32,
                    floats: @escaping (_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void) {
            self.name = name
            self.shape = shape
            self.dtype = dtype
            self.source = .floats(floats)
        }

        /// Already-encoded little-endian bytes of any dtype, lent by a closure that must call `body`
        /// exactly once with exactly the tensor's byte count.
        public init(name: String, shape: [Int], dtype: DType,
                    rawBytes: @escaping (_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) {
            self.name = name
            self.shape = shape
            self.dtype = dtype
            self.source = .raw(rawBytes)
        }

        /// A tensor copied byte for byte from an open file (any dtype); no conversion.
        public init(copying name: String, from file: SafeTensorsFile) throws {
            let info = try file.requireInfo(name)
            self.name = name
            self.shape = info.shape
            self.dtype = info.dtype
            self.source = .raw { body in try file.withRawBytes(name, body) }
        }
    }

    /// Writes F32 tensors from arrays. See `write(_:metadata:to:)` for the layout.
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])],
                             metadata: [String: String]? = nil, to url: URL) throws {
        try write(tensors.map { Tensor(name: $0.name, shape: $0.shape, values: $0.values) },
                  metadata: metadata, to: url)
    }

    /// Writes `tensors` to `url` atomically: into a temporary file in the same folder, flushed
    /// with fsync, then renamed over `url`. A failure or crash part-way leaves any existing file
    /// at `url` untouched (the temporary file is removed on failure).
    public static func write(_ tensors: [Tensor], metadata: [String: String]? = nil, to url: URL) throws {
        let label = url.lastPathComponent
        let plan = try makePlan(tensors, metadata: metadata, label: label)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + String(label.prefix(100)) + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func ioError(_ what: String) -> SafeTensorsError {
            SafeTensorsError(.io, file: label, "\(what): \(String(cString: strerror(errno)))")
        }

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("cannot create \(temporary)") }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temporary) }
        }
        let sink = FileSink(fd: fd, label: label)
        try emit(plan, label: label) { try sink.write($0) }
        try sink.flush()
        guard fsync(fd) == 0 else { throw ioError("cannot fsync \(temporary)") }
        closed = true
        guard close(fd) == 0 else { throw ioError("cannot close \(temporary)") }
        guard rename(temporary, url.path) == 0 else { throw ioError("cannot rename \(temporary) to \(url.path)") }
        renamed = true
        // Make the rename itself durable. Some file systems refuse fsync on a folder; that is not an error here.
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// The complete file as bytes (for tests, fuzz seeds and small files).
    public static func serialize(_ tensors: [Tensor], metadata: [String: String]? = nil) throws -> [UInt8] {
        let plan = try makePlan(tensors, metadata: metadata, label: "<memory>")
        var out: [UInt8] = []
        out.reserveCapacity(plan.totalSize)
        try emit(plan, label: "<memory>") { out.append(contentsOf: $0) }
        return out
    }

    /// Only the header JSON (unpadded), exactly as it will be written.
    public static func headerJSON(_ tensors: [Tensor], metadata: [String: String]? = nil) throws -> String {
        let plan = try makePlan(tensors, metadata: metadata, label: "<memory>")
        return String(decoding: plan.headerJSON, as: UTF8.self)
    }

    // MARK: - Planning

    struct Plan {
        var ordered: [(tensor: Tensor, byteCount: Int, elementCount: Int)]
        var headerJSON: [UInt8]
        var paddedHeaderLength: Int
        var totalSize: Int
    }

    static func makePlan(_ tensors: [Tensor], metadata: [String: String]?, label: String) throws -> Plan {
        func bad(_ message: String) -> SafeTensorsError { SafeTensorsError(.invalidArgument, file: label, message) }
        var seen = Set<String>()
        var sized: [(tensor: Tensor, byteCount: Int, elementCount: Int)] = []
        sized.reserveCapacity(tensors.count)
        for t in tensors {
            if t.name == "__metadata__" { throw bad("'__metadata__' is reserved and cannot name a tensor") }
            if !seen.insert(t.name).inserted { throw bad("tensor \(quoted(t.name)) is given twice") }
            if case .floats = t.source, !t.dtype.isConvertibleToFloat {
                throw bad("tensor \(quoted(t.name)): Float values can be stored as F32, F16 or BF16, not \(t.dtype)")
            }
            var count = 1
            for d in t.shape {
                guard d >= 0 else { throw bad("tensor \(quoted(t.name)): negative dimension in shape \(t.shape)") }
                let (p, o) = count.multipliedReportingOverflow(by: d)
                if o { throw SafeTensorsError(.overflow, file: label, "tensor \(quoted(t.name)): shape \(t.shape) overflows") }
                count = p
            }
            let (bits, o) = count.multipliedReportingOverflow(by: t.dtype.bitWidth)
            if o { throw SafeTensorsError(.overflow, file: label, "tensor \(quoted(t.name)): shape \(t.shape) overflows") }
            guard bits % 8 == 0 else {
                throw SafeTensorsError(.misalignedSize, file: label,
                                       "tensor \(quoted(t.name)): \(count) × \(t.dtype) is not a whole number of bytes")
            }
            sized.append((t, bits / 8, count))
        }
        sized.sort { a, b in
            let ra = a.tensor.dtype.referenceRank, rb = b.tensor.dtype.referenceRank
            if ra != rb { return ra > rb }
            return a.tensor.name.utf8.lexicographicallyPrecedes(b.tensor.name.utf8)
        }

        var json: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        if let metadata {
            json.append(contentsOf: Array("\"__metadata__\":{".utf8))
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { json.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &json)
                json.append(UInt8(ascii: ":"))
                appendJSONString(metadata[key] ?? "", to: &json)
            }
            json.append(UInt8(ascii: "}"))
            first = false
        }
        var offset = 0
        for entry in sized {
            if !first { json.append(UInt8(ascii: ",")) }
            first = false
            appendJSONString(entry.tensor.name, to: &json)
            json.append(contentsOf: Array(":{\"dtype\":\"".utf8))
            json.append(contentsOf: Array(entry.tensor.dtype.rawValue.utf8))
            json.append(contentsOf: Array("\",\"shape\":[".utf8))
            json.append(contentsOf: Array(entry.tensor.shape.map(String.init).joined(separator: ",").utf8))
            let (end, o) = offset.addingReportingOverflow(entry.byteCount)
            if o { throw SafeTensorsError(.overflow, file: label, "total data size overflows") }
            json.append(contentsOf: Array("],\"data_offsets\":[\(offset),\(end)]}".utf8))
            offset = end
        }
        json.append(UInt8(ascii: "}"))
        let padded = (json.count + 7) / 8 * 8
        guard padded <= maxHeaderLength else {
            throw SafeTensorsError(.headerTooLarge, file: label, "header would be \(padded) bytes, over the 100000000-byte limit")
        }
        let (total, o) = (8 + padded).addingReportingOverflow(offset)
        if o { throw SafeTensorsError(.overflow, file: label, "total file size overflows") }
        return Plan(ordered: sized, headerJSON: json, paddedHeaderLength: padded, totalSize: total)
    }

    // MARK: - Emitting

    /// Streams the file's bytes to `output` in order: length, header, padding, then each tensor.
    static func emit(_ plan: Plan, label: String, _ output: (UnsafeRawBufferPointer) throws -> Void) throws {
        var length = UInt64(plan.paddedHeaderLength).littleEndian
        try withUnsafeBytes(of: &length) { try output($0) }
        var header = plan.headerJSON
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: plan.paddedHeaderLength - header.count))
        try header.withUnsafeBytes { try output($0) }

        let chunk = 1 << 16  // elements converted per step when the stored form differs from memory
        var scratch = [UInt8](repeating: 0, count: chunk * 4)
        for (tensor, byteCount, elementCount) in plan.ordered {
            func mismatch(_ got: Int, _ unit: String) -> SafeTensorsError {
                SafeTensorsError(.countMismatch, file: label,
                                 "tensor \(quoted(tensor.name)): shape \(tensor.shape) needs \(unit == "bytes" ? byteCount : elementCount) \(unit) but the source gave \(got)")
            }
            var calls = 0
            switch tensor.source {
            case .raw(let lend):
                try lend { raw in
                    calls += 1
                    guard calls == 1 else { return }
                    guard raw.count == byteCount else { throw mismatch(raw.count, "bytes") }
                    try output(raw)
                }
            case .floats(let lend):
                try lend { values in
                    calls += 1
                    guard calls == 1 else { return }
                    guard values.count == elementCount else { throw mismatch(values.count, "values") }
                    #if _endian(little)
                    if tensor.dtype == .f32 {
                        try output(UnsafeRawBufferPointer(values))
                        return
                    }
                    #endif
                    let width = tensor.dtype.bitWidth / 8
                    var start = 0
                    while start < values.count {
                        let n = min(chunk, values.count - start)
                        try scratch.withUnsafeMutableBytes { buffer in
                            guard let destination = buffer.baseAddress else { return }
                            encodeFloats(UnsafeBufferPointer(rebasing: values[start..<(start + n)]), as: tensor.dtype,
                                         into: destination)
                            try output(UnsafeRawBufferPointer(rebasing: buffer[0..<(n * width)]))
                        }
                        start += n
                    }
                }
            }
            guard calls == 1 else {
                throw SafeTensorsError(.invalidArgument, file: label,
                                       "tensor \(quoted(tensor.name)): the source closure called its body \(calls) times, not once")
            }
        }
    }
}

/// Buffered writes to a file descriptor, retrying short writes and EINTR.
private final class FileSink {
    private let fd: Int32
    private let label: String
    private var buffer: [UInt8] = []
    private let capacity = 1 << 20

    init(fd: Int32, label: String) {
        self.fd = fd
        self.label = label
        buffer.reserveCapacity(capacity)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count >= capacity {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = posixWrite(fd, pointer, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw SafeTensorsError(.io, file: label, "write failed: \(String(cString: strerror(errno)))")
            }
            pointer += n
            remaining -= n
        }
    }
}

/// The POSIX `write`, named apart from `FileSink.write`.
@inline(__always)
private func posixWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, pointer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, pointer, count)
    #else
    return Darwin.write(fd, pointer, count)
    #endif
}
