// IDXReaderTests: the IDX format plain and gzip-compressed — round trips, and every bad input refused in one
// line naming the file (wrong magic, truncation, trailing bytes, mismatched counts, labels out of range,
// corrupt or oversized gzip).
import Basics
import Foundation
import XCTest
@testable import Datasets

final class IDXReaderTests: XCTestCase {
    let images = IDXImages(count: 3, rows: 2, columns: 4, pixels: (0..<24).map { UInt8($0 * 10) })
    let labels: [UInt8] = [2, 0, 1]

    func testRoundTripPlainAndGzip() throws {
        let folder = try imageTemporaryFolder()
        let imageBytes = IDXReader.encodeImages(images)
        XCTAssertEqual(Array(imageBytes.prefix(4)), [0, 0, 8, 3])
        XCTAssertEqual(imageBytes.count, 16 + 24)
        XCTAssertEqual(try IDXReader.images(from: imageBytes, file: "x"), images)
        XCTAssertEqual(try IDXReader.labels(from: IDXReader.encodeLabels(labels), file: "y", classCount: 3), [2, 0, 1])

        let plainImages = folder.appendingPathComponent("images-idx3-ubyte")
        let plainLabels = folder.appendingPathComponent("labels-idx1-ubyte")
        try Data(imageBytes).write(to: plainImages)
        try Data(IDXReader.encodeLabels(labels)).write(to: plainLabels)
        let plain = try IDXReader.readPair(images: plainImages, labels: plainLabels, classCount: 3)
        XCTAssertEqual(plain.images, images)
        XCTAssertEqual(plain.labels, [2, 0, 1])
        XCTAssertEqual(plain.images.shape, ImageShape(channels: 1, height: 2, width: 4))

        // gzip is detected by its signature, whatever the name says.
        let gzImages = folder.appendingPathComponent("images.bin")
        let gzLabels = folder.appendingPathComponent("labels.gz")
        try Data(ImageFixtures.gzip(imageBytes)).write(to: gzImages)
        try Data(ImageFixtures.gzip(IDXReader.encodeLabels(labels))).write(to: gzLabels)
        let compressed = try IDXReader.readPair(images: gzImages, labels: gzLabels, classCount: 3)
        XCTAssertEqual(compressed.images, images)
        XCTAssertEqual(compressed.labels, [2, 0, 1])
    }

    func testConcatenatedGzipMembers() throws {
        let bytes = IDXReader.encodeImages(images)
        let joined = try ImageFixtures.gzip(Array(bytes[..<10])) + ImageFixtures.gzip(Array(bytes[10...]))
        XCTAssertEqual(try IDXReader.decompressedIfGzip(joined, file: "x"), bytes)
    }

    func testWrongMagic() {
        let labelBytes = IDXReader.encodeLabels(labels)
        assertDatasetError(.invalidIDX, ["labels.idx", "wrong magic 2049", "IDX label file", "magic 2051"]) {
            _ = try IDXReader.images(from: labelBytes, file: "labels.idx")
        }
        assertDatasetError(.invalidIDX, ["images.idx", "wrong magic 2051", "magic 2049"]) {
            _ = try IDXReader.labels(from: IDXReader.encodeImages(images), file: "images.idx", classCount: 3)
        }
        assertDatasetError(.invalidIDX, ["photo.png", "not an IDX file (magic 0x89504E47)"]) {
            _ = try IDXReader.images(from: [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0], file: "photo.png")
        }
        var floats = IDXReader.encodeImages(images)
        floats[2] = 0x0D
        assertDatasetError(.invalidIDX, ["f.idx", "element type 0xD (float) is not supported"]) {
            _ = try IDXReader.images(from: floats, file: "f.idx")
        }
        var fourDimensions = IDXReader.encodeImages(images)
        fourDimensions[3] = 4
        assertDatasetError(.invalidIDX, ["d.idx", "wrong magic 2052 (4 dimensions)"]) {
            _ = try IDXReader.images(from: fourDimensions, file: "d.idx")
        }
    }

    func testTruncatedAndTrailing() {
        let bytes = IDXReader.encodeImages(images)
        assertDatasetError(.invalidIDX, ["t.idx", "truncated: 2 bytes, too short for an IDX header"]) {
            _ = try IDXReader.images(from: [0, 0], file: "t.idx")
        }
        assertDatasetError(.invalidIDX, ["t.idx", "truncated: 10 bytes, the IDX image header needs 16"]) {
            _ = try IDXReader.images(from: Array(bytes.prefix(10)), file: "t.idx")
        }
        assertDatasetError(.invalidIDX, ["t.idx", "truncated: 3 images of 2×4 need 24 data bytes, the file has 23"]) {
            _ = try IDXReader.images(from: Array(bytes.dropLast()), file: "t.idx")
        }
        assertDatasetError(.invalidIDX, ["t.idx", "2 trailing bytes after the 3 images of 2×4"]) {
            _ = try IDXReader.images(from: bytes + [1, 2], file: "t.idx")
        }
        let labelBytes = IDXReader.encodeLabels(labels)
        assertDatasetError(.invalidIDX, ["l.idx", "truncated: 3 labels need 3 data bytes, the file has 2"]) {
            _ = try IDXReader.labels(from: Array(labelBytes.dropLast()), file: "l.idx", classCount: 3)
        }
        assertDatasetError(.invalidIDX, ["l.idx", "1 trailing bytes after the 3 labels"]) {
            _ = try IDXReader.labels(from: labelBytes + [0], file: "l.idx", classCount: 3)
        }
        // A header that declares more than the file could ever hold is caught by length, not allocated.
        let huge = [0, 0, 8, 3] + ImageFixtures.bigEndian(0xFFFF_FFFF) + ImageFixtures.bigEndian(16384) + ImageFixtures.bigEndian(16384)
        assertDatasetError(.invalidIDX, ["h.idx", "truncated"]) { _ = try IDXReader.images(from: huge, file: "h.idx") }
        let zeroRows = [0, 0, 8, 3] + ImageFixtures.bigEndian(1) + ImageFixtures.bigEndian(0) + ImageFixtures.bigEndian(4)
        assertDatasetError(.invalidIDX, ["z.idx", "images of 0×4 pixels"]) { _ = try IDXReader.images(from: zeroRows, file: "z.idx") }
        let noImages = [0, 0, 8, 3] + ImageFixtures.bigEndian(0) + ImageFixtures.bigEndian(2) + ImageFixtures.bigEndian(2)
        assertDatasetError(.invalidIDX, ["n.idx", "declares 0 images"]) { _ = try IDXReader.images(from: noImages, file: "n.idx") }
    }

    func testMismatchedCountsAndLabelsOutOfRange() throws {
        let folder = try imageTemporaryFolder()
        let imageFile = folder.appendingPathComponent("i-idx3-ubyte")
        let labelFile = folder.appendingPathComponent("l-idx1-ubyte")
        try Data(IDXReader.encodeImages(images)).write(to: imageFile)
        try Data(IDXReader.encodeLabels([0, 1])).write(to: labelFile)
        assertDatasetError(.invalidIDX, [labelFile.path, "has 2 labels but i-idx3-ubyte has 3 images"]) {
            _ = try IDXReader.readPair(images: imageFile, labels: labelFile, classCount: 3)
        }
        try Data(IDXReader.encodeLabels([0, 1, 3])).write(to: labelFile)
        assertDatasetError(.invalidIDX, [labelFile.path, "label 3 at index 2 is out of range (0…2 for 3 classes)"]) {
            _ = try IDXReader.readPair(images: imageFile, labels: labelFile, classCount: 3)
        }
        assertDatasetError(.io, [folder.appendingPathComponent("missing").path, "cannot open"]) {
            _ = try IDXReader.readImages(folder.appendingPathComponent("missing"))
        }
        assertDatasetError(.io, [folder.path, "is a folder"]) { _ = try IDXReader.readImages(folder) }
    }

    func testCorruptTruncatedAndOversizedGzip() throws {
        let compressed = try ImageFixtures.gzip(IDXReader.encodeImages(images))
        var corrupt = compressed
        corrupt[corrupt.count - 6] ^= 0xFF   // inside the CRC-32 trailer
        assertDatasetError(.invalidIDX, ["c.gz", "corrupt gzip data"]) { _ = try IDXReader.decompressedIfGzip(corrupt, file: "c.gz") }
        assertDatasetError(.invalidIDX, ["t.gz", "truncated gzip data"]) {
            _ = try IDXReader.decompressedIfGzip(Array(compressed.dropLast(9)), file: "t.gz")
        }
        assertDatasetError(.invalidIDX, ["g.gz", "3 bytes of trailing garbage"]) {
            _ = try IDXReader.decompressedIfGzip(compressed + [1, 2, 3], file: "g.gz")
        }
        assertDatasetError(.invalidIDX, ["b.gz", "decompresses to more than 39 bytes"]) {
            _ = try Gzip.decompress(compressed, limit: 39, file: "b.gz")
        }
        XCTAssertEqual(try Gzip.decompress(compressed, limit: 40, file: "ok.gz").count, 40, "exactly at the cap is fine")
        // A gzip bomb: 64 MB of zeros is refused at a 1 MB cap without inflating it all.
        let bomb = try ImageFixtures.gzip([UInt8](repeating: 0, count: 64 << 20))
        assertDatasetError(.invalidIDX, ["bomb.gz", "decompresses to more than 1048576 bytes"]) {
            _ = try Gzip.decompress(bomb, limit: 1 << 20, file: "bomb.gz")
        }
    }
}
