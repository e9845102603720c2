// ImageCodec: owns turning image files into pixels and back — `PixelImage` (UInt8, channel-major CHW, 1 or 3
// channels), decoding PNG and JPEG chosen by their signature (never the extension), and encoding PNG (reports
// and `robust augment` write PNGs with it). The C side (CImageCodecs) does the libpng/libjpeg calls behind a
// setjmp, enforces the size limits before allocating, and hands back one-line messages; this file names the
// file in every error.
//
// CANONICAL CHANNELS: a decoded image is grey (1 channel) when the file is grey or grey+alpha, RGB (3) when
// it is RGB, RGBA or palette. Alpha is dropped, not composited (PIL's `convert("RGB")` on RGBA does the same);
// 16-bit PNG samples keep their high byte; gamma and ICC profiles are ignored (as PIL does). CMYK JPEGs are
// refused. Pixel limits: ≤ 16,384 per side and ≤ 2^27 pixels (ROBUST_IMAGE_MAX_SIDE/MAX_PIXELS).
import Basics
import CImageCodecs
import Foundation

/// An 8-bit image, channel-major: all of channel 0 (rows top to bottom), then channel 1, …
/// `pixels.count == shape.count`; 1 channel is grey, 3 are R, G, B.
public struct PixelImage: Sendable, Equatable {
    public var shape: ImageShape
    public var pixels: [UInt8]

    /// Checks that `pixels` holds exactly `shape.count` values and the shape is positive.
    public init(shape: ImageShape, pixels: [UInt8]) throws {
        guard shape.channels >= 1, shape.height >= 1, shape.width >= 1 else {
            throw DatasetError(.invalidImage, "image shape \(shape) has an empty side")
        }
        guard pixels.count == shape.count else {
            throw DatasetError(.invalidImage, "image shape \(shape) needs \(shape.count) pixels, got \(pixels.count)")
        }
        self.shape = shape
        self.pixels = pixels
    }

    /// For values built here, already known to match.
    init(unchecked shape: ImageShape, pixels: [UInt8]) {
        self.shape = shape
        self.pixels = pixels
    }

    public var width: Int { shape.width }
    public var height: Int { shape.height }
    public var channels: Int { shape.channels }
}

/// The image file formats robust reads.
public enum ImageFormat: String, Sendable, Equatable {
    case png, jpeg

    /// The format from the first bytes: PNG's 8-byte signature, or JPEG's SOI marker followed by a marker.
    public static func detect<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
        let head = Array(bytes.prefix(8))
        if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        return nil
    }
}

public enum ImageCodec {
    /// The largest image file read (a 16,384² RGB PNG of noise is about 800 MB; real photos are far smaller).
    public static let fileLimit = FileLimits.Kind("image file", maxBytes: 256 << 20)

    /// Decodes PNG or JPEG bytes (by signature) to a grey or RGB `PixelImage`. `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> PixelImage {
        guard let format = ImageFormat.detect(bytes) else {
            throw DatasetError(.invalidImage, file: file, "not a PNG or JPEG file (unrecognised signature)")
        }
        return try decode(bytes, format: format, file: file)
    }

    /// Decodes bytes known (or claimed) to be `format`.
    public static func decode(_ bytes: [UInt8], format: ImageFormat, file: String) throws -> PixelImage {
        var decoded = robust_decoded_image()
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32 = bytes.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { text in
                guard let base = buffer.baseAddress, let errorBase = text.baseAddress else { return -1 }
                switch format {
                case .png: return robust_png_decode(base, buffer.count, &decoded, errorBase, text.count)
                case .jpeg: return robust_jpeg_decode(base, buffer.count, &decoded, errorBase, text.count)
                }
            }
        }
        defer { robust_free(decoded.pixels) }
        guard status == 0, let source = decoded.pixels else {
            let reason = cString(message)
            throw DatasetError(.invalidImage, file: file,
                               "cannot decode the \(format == .png ? "PNG" : "JPEG"): \(reason.isEmpty ? "empty file" : reason)")
        }
        let width = Int(decoded.width), height = Int(decoded.height), channels = Int(decoded.channels)
        guard width >= 1, height >= 1, channels == 1 || channels == 3 else {
            throw DatasetError(.invalidImage, file: file, "decoder returned an unexpected layout \(channels)×\(height)×\(width)")
        }
        let shape = ImageShape(channels: channels, height: height, width: width)
        let planeSize = width * height
        // Interleaved (HWC) from the C side → channel-major (CHW).
        let pixels = [UInt8](unsafeUninitializedCapacity: shape.count) { out, initialised in
            if channels == 1 {
                if let destination = out.baseAddress { destination.initialize(from: source, count: planeSize) }
            } else {
                for p in 0..<planeSize {
                    out[p] = source[3 * p]
                    out[planeSize + p] = source[3 * p + 1]
                    out[2 * planeSize + p] = source[3 * p + 2]
                }
            }
            initialised = shape.count
        }
        return PixelImage(unchecked: shape, pixels: pixels)
    }

    /// Reads (regular files only, at most `fileLimit`) and decodes an image file.
    public static func decode(contentsOf url: URL) throws -> PixelImage {
        try decode(readFile(url), file: url.path)
    }

    /// The bytes of an image file (regular files only, at most `fileLimit`), errors naming the file.
    public static func readFile(_ url: URL) throws -> [UInt8] {
        do { return [UInt8](try FileLimits.read(url, as: fileLimit)) } catch let error as FileLimits.ReadError {
            throw DatasetError(.io, file: error.path, error.reason)
        }
    }

    /// Encodes a grey or RGB image as PNG bytes (deterministic: the same pixels give the same bytes).
    public static func encodePNG(_ image: PixelImage, file: String = "<memory>") throws -> [UInt8] {
        let shape = image.shape
        guard shape.channels == 1 || shape.channels == 3 else {
            throw DatasetError(.invalidImage, file: file, "PNG encoding takes 1 (grey) or 3 (RGB) channels, not \(shape.channels)")
        }
        guard image.pixels.count == shape.count, shape.count > 0 else {
            throw DatasetError(.invalidImage, file: file, "image shape \(shape) needs \(shape.count) pixels, got \(image.pixels.count)")
        }
        guard shape.width <= Int(ROBUST_IMAGE_MAX_SIDE), shape.height <= Int(ROBUST_IMAGE_MAX_SIDE) else {
            throw DatasetError(.invalidImage, file: file, "\(shape.width)x\(shape.height) is over the \(ROBUST_IMAGE_MAX_SIDE)-pixel side limit")
        }
        let planeSize = shape.width * shape.height
        // Channel-major → interleaved for libpng.
        let interleaved: [UInt8]
        if shape.channels == 1 {
            interleaved = image.pixels
        } else {
            interleaved = [UInt8](unsafeUninitializedCapacity: shape.count) { out, initialised in
                image.pixels.withUnsafeBufferPointer { source in
                    for p in 0..<planeSize {
                        out[3 * p] = source[p]
                        out[3 * p + 1] = source[planeSize + p]
                        out[3 * p + 2] = source[2 * planeSize + p]
                    }
                }
                initialised = shape.count
            }
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32 = interleaved.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { text in
                guard let base = buffer.baseAddress, let errorBase = text.baseAddress else { return -1 }
                return robust_png_encode(base, Int32(shape.width), Int32(shape.height), Int32(shape.channels),
                                         &output, &size, errorBase, text.count)
            }
        }
        defer { robust_free(output) }
        guard status == 0, let output else {
            throw DatasetError(.invalidImage, file: file, "cannot encode the PNG: \(cString(message))")
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Encodes `image` as PNG and writes it to `url` (via a temporary file renamed into place).
    public static func writePNG(_ image: PixelImage, to url: URL) throws {
        let bytes = try encodePNG(image, file: url.path)
        do { try Data(bytes).write(to: url, options: .atomic) } catch {
            throw DatasetError(.io, file: url.path, "cannot write: \(error.localizedDescription)")
        }
    }

    static func cString(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
