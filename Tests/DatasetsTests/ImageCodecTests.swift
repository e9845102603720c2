// ImageCodecTests: PNG encode → decode round trips (grey, RGB), PNG variants and JPEGs decoded as Pillow
// decodes them (Tests/Fixtures/images, made by make_fixtures.py), and corrupt, truncated, oversized and
// non-image input refused in one line naming the file — never a crash or an exit.
import Basics
import Foundation
import TestSupport
import XCTest
@testable import Datasets

final class ImageCodecTests: XCTestCase {
    func testPNGRoundTripGreyAndRGB() throws {
        for (channels, height, width) in [(1, 5, 7), (3, 6, 8), (1, 1, 1), (3, 1, 13)] {
            let image = ImageFixtures.formula(channels: channels, height: height, width: width)
            let png = try ImageCodec.encodePNG(image)
            XCTAssertEqual(ImageFormat.detect(png), .png)
            XCTAssertEqual(try ImageCodec.encodePNG(image), png, "the same pixels give the same bytes")
            let decoded = try ImageCodec.decode(png, file: "round.png")
            XCTAssertEqual(decoded, image, "\(channels)×\(height)×\(width)")
        }
        let folder = try imageTemporaryFolder()
        let url = folder.appendingPathComponent("written.png")
        let image = ImageFixtures.formula(channels: 3, height: 4, width: 9)
        try ImageCodec.writePNG(image, to: url)
        XCTAssertEqual(try ImageCodec.decode(contentsOf: url), image)
    }

    func testEncodeRefusesBadImages() {
        let two = PixelImage(unchecked: ImageShape(channels: 2, height: 2, width: 2), pixels: [UInt8](repeating: 0, count: 8))
        assertDatasetError(.invalidImage, ["out.png", "1 (grey) or 3 (RGB) channels, not 2"]) {
            _ = try ImageCodec.encodePNG(two, file: "out.png")
        }
        assertDatasetError(.invalidImage, ["needs 12 pixels, got 3"]) {
            _ = try PixelImage(shape: ImageShape(channels: 3, height: 2, width: 2), pixels: [1, 2, 3])
        }
    }

    func testPNGVariantsDecodeLikePillow() throws {
        let expected = try XCTUnwrap(ImageFixtures.expected()["png"] as? [String: [String: Any]])
        XCTAssertEqual(expected.count, 5)
        for (name, entry) in expected {
            let size = try XCTUnwrap(entry["size"] as? [Int])
            let channels = try XCTUnwrap(entry["channels"] as? Int)
            let pixels = try XCTUnwrap(entry["pixels"] as? [Int]).map(UInt8.init)
            let image = try ImageCodec.decode(contentsOf: ImageFixtures.folder.appendingPathComponent(name))
            XCTAssertEqual(image.shape, ImageShape(channels: channels, height: size[1], width: size[0]), name)
            XCTAssertEqual(image.pixels, pixels, name)
        }
    }

    func testJPEGDecodesLikePillow() throws {
        let expected = try XCTUnwrap(ImageFixtures.expected()["jpeg"] as? [String: [String: Any]])
        XCTAssertEqual(expected.count, 3)
        for (name, entry) in expected {
            let size = try XCTUnwrap(entry["size"] as? [Int])
            let channels = (entry["mode"] as? String) == "L" ? 1 : 3
            let pixels = try XCTUnwrap(entry["pixels"] as? [Int])
            let url = ImageFixtures.folder.appendingPathComponent(name)
            let bytes = [UInt8](try Data(contentsOf: url))
            XCTAssertEqual(ImageFormat.detect(bytes), .jpeg)
            let image = try ImageCodec.decode(bytes, file: url.path)
            XCTAssertEqual(image.shape, ImageShape(channels: channels, height: size[1], width: size[0]), name)
            // Pillow's wheel has libjpeg-turbo 3.x, Debian 2.1: the islow IDCT and fancy upsampling are the same.
            let largest = zip(image.pixels, pixels).map { abs(Int($0) - $1) }.max() ?? 0
            XCTAssertEqual(largest, 0, "\(name): largest difference from Pillow \(largest)")
        }
    }

    func testCorruptTruncatedAndUnknownFilesAreOneLineErrors() throws {
        let png = try ImageCodec.encodePNG(ImageFixtures.formula(channels: 3, height: 6, width: 8))
        assertDatasetError(.invalidImage, ["cut.png", "cannot decode the PNG"]) {
            _ = try ImageCodec.decode(Array(png.prefix(png.count / 2)), file: "cut.png")
        }
        assertDatasetError(.invalidImage, ["sig.png", "cannot decode the PNG"]) {
            _ = try ImageCodec.decode(Array(png.prefix(8)), file: "sig.png")
        }
        // A flipped byte inside IDAT (zlib notices first), and a flipped byte of IDAT's CRC.
        var flipped = png
        let idat = try XCTUnwrap(flipped.indices.first { flipped[$0..<min($0 + 4, flipped.count)].elementsEqual(Array("IDAT".utf8)) })
        flipped[idat + 6] ^= 0x55
        assertDatasetError(.invalidImage, ["data.png", "cannot decode the PNG", "IDAT"]) {
            _ = try ImageCodec.decode(flipped, file: "data.png")
        }
        var badCRC = png
        let idatLength = Int(png[idat - 4]) << 24 | Int(png[idat - 3]) << 16 | Int(png[idat - 2]) << 8 | Int(png[idat - 1])
        badCRC[idat + 4 + idatLength] ^= 0x01
        assertDatasetError(.invalidImage, ["crc.png", "cannot decode the PNG", "IDAT: CRC error"]) {
            _ = try ImageCodec.decode(badCRC, file: "crc.png")
        }

        let jpeg = [UInt8](try Data(contentsOf: ImageFixtures.folder.appendingPathComponent("rgb-8x6.jpg")))
        assertDatasetError(.invalidImage, ["cut.jpg", "cannot decode the JPEG", "Premature end of JPEG file"]) {
            _ = try ImageCodec.decode(Array(jpeg.prefix(jpeg.count - 40)), file: "cut.jpg")
        }
        assertDatasetError(.invalidImage, ["head.jpg", "cannot decode the JPEG"]) {
            _ = try ImageCodec.decode(Array(jpeg.prefix(20)), file: "head.jpg")
        }
        assertDatasetError(.invalidImage, ["soi.jpg", "cannot decode the JPEG"]) {
            _ = try ImageCodec.decode([0xFF, 0xD8, 0xFF], file: "soi.jpg")
        }
        let progressive = [UInt8](try Data(contentsOf: ImageFixtures.folder.appendingPathComponent("progressive-9x4.jpg")))
        assertDatasetError(.invalidImage, ["p.jpg", "cannot decode the JPEG"]) {
            _ = try ImageCodec.decode(Array(progressive.prefix(progressive.count - 60)), file: "p.jpg")
        }

        let cmyk = [UInt8](try Data(contentsOf: ImageFixtures.folder.appendingPathComponent("cmyk-4x4.jpg")))
        assertDatasetError(.invalidImage, ["cmyk.jpg", "a CMYK JPEG is not supported (convert it to RGB or greyscale)"]) {
            _ = try ImageCodec.decode(cmyk, file: "cmyk.jpg")
        }
        assertDatasetError(.invalidImage, ["notes.txt", "not a PNG or JPEG file"]) {
            _ = try ImageCodec.decode(Array("hello, world".utf8), file: "notes.txt")
        }
        assertDatasetError(.invalidImage, ["empty.png", "not a PNG or JPEG file"]) { _ = try ImageCodec.decode([], file: "empty.png") }
        // The extension does not matter: a JPEG named .png decodes as JPEG.
        XCTAssertEqual(try ImageCodec.decode(jpeg, file: "really-a-jpeg.png").shape, ImageShape(channels: 3, height: 6, width: 8))
    }

    func testOversizedHeadersAreRefusedBeforeAllocating() throws {
        // A PNG whose IHDR claims 20000 × 20000 pixels (valid CRC): refused from the header.
        func png(width: UInt32, height: UInt32) -> [UInt8] {
            let ihdr = ImageFixtures.bigEndian(width) + ImageFixtures.bigEndian(height) + [8, 0, 0, 0, 0]
            return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + ImageFixtures.chunk("IHDR", ihdr)
                + ImageFixtures.chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + ImageFixtures.chunk("IEND", [])
        }
        assertDatasetError(.invalidImage, ["big.png", "cannot decode the PNG"]) { _ = try ImageCodec.decode(png(width: 20000, height: 20000), file: "big.png") }
        // Within each side's limit but over 2^27 pixels.
        assertDatasetError(.invalidImage, ["wide.png", "16384x8193 pixels is over the limit"]) {
            _ = try ImageCodec.decode(png(width: 16384, height: 8193), file: "wide.png")
        }

        // A JPEG whose SOF0 claims 20000 × 20000 pixels (0x4E20), and one claiming 65535 (over libjpeg's own limit).
        var jpeg = [UInt8](try Data(contentsOf: ImageFixtures.folder.appendingPathComponent("rgb-8x6.jpg")))
        let sof = try XCTUnwrap(jpeg.indices.first { jpeg[$0] == 0xFF && $0 + 1 < jpeg.count && jpeg[$0 + 1] == 0xC0 })
        jpeg[sof + 5] = 0x4E; jpeg[sof + 6] = 0x20   // height
        jpeg[sof + 7] = 0x4E; jpeg[sof + 8] = 0x20   // width
        assertDatasetError(.invalidImage, ["big.jpg", "20000x20000 pixels is over the limit"]) { _ = try ImageCodec.decode(jpeg, file: "big.jpg") }
        jpeg[sof + 5] = 0xFF; jpeg[sof + 6] = 0xFF
        assertDatasetError(.invalidImage, ["huge.jpg", "cannot decode the JPEG"]) { _ = try ImageCodec.decode(jpeg, file: "huge.jpg") }
    }

    func testReadFileRefusesFoldersAndMissingFiles() throws {
        let folder = try imageTemporaryFolder()
        assertDatasetError(.io, [folder.path, "is a folder"]) { _ = try ImageCodec.decode(contentsOf: folder) }
        let missing = folder.appendingPathComponent("nope.png")
        assertDatasetError(.io, [missing.path, "cannot open"]) { _ = try ImageCodec.decode(contentsOf: missing) }
    }
}
