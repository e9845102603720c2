// IDXReader: owns the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), plain or
// gzip-compressed (detected by the gzip signature, not the extension), and `Gzip`, the capped inflater
// (zlib behind CImageCodecs) it uses.
//
// FORMAT: a big-endian header — magic (0x00 0x00, element type, number of dimensions), then each dimension as
// a big-endian UInt32 — followed by the elements, row-major. robust reads unsigned-byte files only (type 0x08):
//   images  magic 2051 (0x00000803): [count, rows, columns], then count × rows × columns pixels (0 = background)
//   labels  magic 2049 (0x00000801): [count], then count class indices
// Every declared size is checked against the actual byte length: fewer bytes is "truncated", more is
// "trailing bytes"; an image pair's counts must agree and every label must be below the class count.
// Errors are one line naming the file.
import Basics
import CImageCodecs
import Foundation

/// The images of an IDX image file: `count` greyscale images of `rows` × `columns`, one after another.
public struct IDXImages: Sendable, Equatable {
    public var count: Int
    public var rows: Int
    public var columns: Int
    /// count × rows × columns bytes, image after image, each row-major (= CHW with one channel).
    public var pixels: [UInt8]

    public var shape: ImageShape { ImageShape(channels: 1, height: rows, width: columns) }
}

public enum IDXReader {
    public static let imagesMagic: UInt32 = 2051
    public static let labelsMagic: UInt32 = 2049
    /// The largest IDX file read from disk, compressed or not, and the largest decompressed size.
    public static let fileLimit = FileLimits.Kind("IDX file", maxBytes: 1 << 30)
    public static let decompressedLimit = 1 << 30
    /// The largest image side accepted (as for decoded images).
    public static let maxSide = Int(ROBUST_IMAGE_MAX_SIDE)

    // MARK: - Files

    /// Reads an IDX image file (magic 2051), gzip-compressed or not.
    public static func readImages(_ url: URL) throws -> IDXImages {
        try images(from: contents(of: url), file: url.path)
    }

    /// Reads an IDX label file (magic 2049), gzip-compressed or not; every label must be below `classCount`.
    public static func readLabels(_ url: URL, classCount: Int) throws -> [Int32] {
        try labels(from: contents(of: url), file: url.path, classCount: classCount)
    }

    /// Reads an image file and its label file and checks that they describe the same number of examples.
    public static func readPair(images imagesURL: URL, labels labelsURL: URL, classCount: Int)
        throws -> (images: IDXImages, labels: [Int32]) {
        let images = try readImages(imagesURL)
        let labels = try readLabels(labelsURL, classCount: classCount)
        guard images.count == labels.count else {
            throw DatasetError(.invalidIDX, file: labelsURL.path,
                               "has \(labels.count) labels but \(imagesURL.lastPathComponent) has \(images.count) images; they must pair up one to one")
        }
        return (images, labels)
    }

    /// A file's bytes, decompressed when they start with the gzip signature.
    public static func contents(of url: URL) throws -> [UInt8] {
        let raw: [UInt8]
        do { raw = [UInt8](try FileLimits.read(url, as: fileLimit)) } catch let error as FileLimits.ReadError {
            throw DatasetError(.io, file: error.path, error.reason)
        }
        return try decompressedIfGzip(raw, file: url.path)
    }

    /// `bytes` inflated when they start with the gzip signature (1F 8B), else unchanged.
    public static func decompressedIfGzip(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
        return try Gzip.decompress(bytes, limit: decompressedLimit, file: file)
    }

    // MARK: - Parsing

    /// Parses the (decompressed) bytes of an image file.
    public static func images(from bytes: [UInt8], file: String) throws -> IDXImages {
        let dimensions = try header(bytes, file: file, magic: imagesMagic, what: "image")
        let count = dimensions[0], rows = dimensions[1], columns = dimensions[2]
        guard (1...maxSide).contains(rows), (1...maxSide).contains(columns) else {
            throw DatasetError(.invalidIDX, file: file, "images of \(rows)×\(columns) pixels: each side must be 1 to \(maxSide)")
        }
        guard count >= 1 else { throw DatasetError(.invalidIDX, file: file, "declares 0 images") }
        // count < 2^32 and rows × columns ≤ 2^28: no overflow in 64-bit Int.
        let expected = count * rows * columns
        try checkLength(bytes.count - 16, expected: expected, file: file, unit: "\(count) images of \(rows)×\(columns)")
        return IDXImages(count: count, rows: rows, columns: columns, pixels: Array(bytes[16...]))
    }

    /// Parses the (decompressed) bytes of a label file; every label must be below `classCount`.
    public static func labels(from bytes: [UInt8], file: String, classCount: Int) throws -> [Int32] {
        let dimensions = try header(bytes, file: file, magic: labelsMagic, what: "label")
        let count = dimensions[0]
        guard count >= 1 else { throw DatasetError(.invalidIDX, file: file, "declares 0 labels") }
        try checkLength(bytes.count - 8, expected: count, file: file, unit: "\(count) labels")
        var labels = [Int32](repeating: 0, count: count)
        try bytes.withUnsafeBufferPointer { source in
            try labels.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let value = source[8 + i]
                    guard Int(value) < classCount else {
                        throw DatasetError(.invalidIDX, file: file,
                                           "label \(value) at index \(i) is out of range (0…\(classCount - 1) for \(classCount) classes)")
                    }
                    out[i] = Int32(value)
                }
            }
        }
        return labels
    }

    /// Checks the magic number and returns the dimensions.
    private static func header(_ bytes: [UInt8], file: String, magic: UInt32, what: String) throws -> [Int] {
        let dimensionCount = Int(magic & 0xFF)
        let headerLength = 4 + 4 * dimensionCount
        guard bytes.count >= 4 else {
            throw DatasetError(.invalidIDX, file: file, "truncated: \(bytes.count) bytes, too short for an IDX header")
        }
        let found = bigEndian(bytes, at: 0)
        guard found != magic else {
            guard bytes.count >= headerLength else {
                throw DatasetError(.invalidIDX, file: file, "truncated: \(bytes.count) bytes, the IDX \(what) header needs \(headerLength)")
            }
            return (0..<dimensionCount).map { Int(bigEndian(bytes, at: 4 + 4 * $0)) }
        }
        let expected = "an IDX \(what) file (magic \(magic): unsigned bytes, \(dimensionCount) dimension\(dimensionCount == 1 ? "" : "s"))"
        if bytes[0] != 0 || bytes[1] != 0 {
            throw DatasetError(.invalidIDX, file: file, "not an IDX file (magic 0x\(hex(found))); expected \(expected)")
        }
        if found == imagesMagic || found == labelsMagic {
            let other = found == imagesMagic ? "image" : "label"
            throw DatasetError(.invalidIDX, file: file, "wrong magic \(found) (an IDX \(other) file); expected \(expected)")
        }
        let types: [UInt8: String] = [0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short", 0x0C: "int", 0x0D: "float", 0x0E: "double"]
        if bytes[2] != 0x08 {
            throw DatasetError(.invalidIDX, file: file,
                               "wrong magic 0x\(hex(found)): element type 0x\(String(bytes[2], radix: 16, uppercase: true)) (\(types[bytes[2]] ?? "unknown")) is not supported; expected \(expected)")
        }
        throw DatasetError(.invalidIDX, file: file, "wrong magic \(found) (\(bytes[3]) dimensions); expected \(expected)")
    }

    private static func checkLength(_ actual: Int, expected: Int, file: String, unit: String) throws {
        if actual < expected {
            throw DatasetError(.invalidIDX, file: file, "truncated: \(unit) need \(expected) data bytes, the file has \(actual)")
        }
        if actual > expected {
            throw DatasetError(.invalidIDX, file: file, "\(actual - expected) trailing bytes after the \(unit) the header declares")
        }
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    // MARK: - Writing (tests and tools)

    /// The bytes of an unsigned-byte IDX image file (uncompressed).
    public static func encodeImages(_ images: IDXImages) -> [UInt8] {
        var out = header(magic: imagesMagic, dimensions: [images.count, images.rows, images.columns])
        out.append(contentsOf: images.pixels)
        return out
    }

    /// The bytes of an unsigned-byte IDX label file (uncompressed); labels must be 0…255.
    public static func encodeLabels(_ labels: [UInt8]) -> [UInt8] {
        header(magic: labelsMagic, dimensions: [labels.count]) + labels
    }

    private static func header(magic: UInt32, dimensions: [Int]) -> [UInt8] {
        ([Int(magic)] + dimensions).flatMap { value -> [UInt8] in
            let v = UInt32(truncatingIfNeeded: value)
            return [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        }
    }
}

/// gzip decompression with an output cap (zlib's inflate with gzip headers and CRC-32 checks).
public enum Gzip {
    /// Inflates `bytes` (one or more gzip members); fails past `limit` output bytes, on corrupt or truncated
    /// data, and on trailing bytes that do not start another member. Errors name `file`.
    public static func decompress(_ bytes: [UInt8], limit: Int, file: String) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32 = bytes.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { text in
                guard let base = buffer.baseAddress, let errorBase = text.baseAddress else { return -1 }
                return robust_gunzip(base, buffer.count, max(0, limit), &output, &size, errorBase, text.count)
            }
        }
        defer { robust_free(output) }
        guard status == 0, let output else {
            throw DatasetError(.invalidIDX, file: file, ImageCodec.cString(message).isEmpty ? "not gzip data" : ImageCodec.cString(message))
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
