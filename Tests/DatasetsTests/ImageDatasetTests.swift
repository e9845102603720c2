// ImageDatasetTests: the image dataset folder — write/load round trip with stable bytes, the manifest's kind and
// shape (text manifests unchanged), the text loader and the image loader refusing each other's datasets, and a
// tampered, truncated, mistyped or inconsistent split file refused in one line; the seeded stratified assignment.
import Basics
import Foundation
import SafeTensors
import XCTest
@testable import Datasets

final class ImageDatasetTests: XCTestCase {
    let shape = ImageShape(channels: 3, height: 2, width: 3)

    /// `count` images whose pixels depend on their index, with labels cycling over 3 classes.
    func split(_ count: Int, offset: Int = 0) -> ImageSplit {
        var pixels: [UInt8] = []
        for i in 0..<count { for p in 0..<shape.count { pixels.append(UInt8(((i + offset) * 7 + p * 3) % 256)) } }
        return ImageSplit(unchecked: shape, pixels: pixels, labels: (0..<count).map { Int32(($0 + offset) % 3) })
    }

    func dataset() throws -> ImageDataset {
        try ImageDataset(name: "tiny", description: "a tiny image dataset", labels: ["cat", "dog", "fish"], shape: shape,
                         train: split(9), dev: split(3, offset: 100), test: split(4, offset: 200),
                         sources: [.init(file: "made-up", sha256: String(repeating: "0", count: 64))],
                         split: .init(method: "stratified", seed: 7, ratios: SplitRatios.standard.array),
                         preparation: .init(recordsRead: 16), robustVersion: "test")
    }

    func testWriteLoadRoundTripAndStableBytes() throws {
        let folder = try imageTemporaryFolder()
        let original = try dataset()
        XCTAssertEqual(original.manifest.counts["train"], ["cat": 3, "dog": 3, "fish": 3])
        XCTAssertEqual(original.manifest.counts["test"], ["cat": 1, "dog": 1, "fish": 2])
        let written = try original.write(to: folder.appendingPathComponent("tiny"), replace: false)
        let directory = try XCTUnwrap(written.directory)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)),
                       ["train.safetensors", "dev.safetensors", "test.safetensors", "dataset.json"])
        let loaded = try ImageDataset.load(directory: directory)
        XCTAssertEqual(loaded.train, original.train)
        XCTAssertEqual(loaded.dev, original.dev)
        XCTAssertEqual(loaded.test, original.test)
        XCTAssertEqual(loaded.labels, ["cat", "dog", "fish"])
        XCTAssertEqual(loaded.shape, shape)
        XCTAssertEqual(loaded.manifest, original.manifest)
        XCTAssertEqual(loaded.split("dev")?.count, 3)
        XCTAssertNil(loaded.split("validation"))
        XCTAssertEqual(loaded.test.image(1)?.pixels, Array(original.test.pixels[shape.count..<(2 * shape.count)]))
        XCTAssertNil(loaded.test.image(4))

        // The split files are safetensors any reader can open: U8 [N, C, H, W] pixels, I64 [N] labels.
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("train.safetensors"))
        XCTAssertEqual(file.info("pixels")?.dtype, .u8)
        XCTAssertEqual(file.info("pixels")?.shape, [9, 3, 2, 3])
        XCTAssertEqual(file.info("labels")?.dtype, .i64)
        XCTAssertEqual(try file.int64s("labels"), [0, 1, 2, 0, 1, 2, 0, 1, 2])
        XCTAssertEqual(file.metadata, ["split": "train"])

        // The manifest marks the kind and the shape.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("dataset.json"))) as? [String: Any])
        XCTAssertEqual(json["kind"] as? String, "images")
        XCTAssertEqual(json["image_shape"] as? [String: Int], ["channels": 3, "height": 2, "width": 3])

        // Same content → same bytes.
        let again = try dataset().write(to: folder.appendingPathComponent("again"), replace: false)
        for name in ["train.safetensors", "dev.safetensors", "test.safetensors", "dataset.json"] {
            XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent(name)),
                           try Data(contentsOf: try XCTUnwrap(again.directory).appendingPathComponent(name)), name)
        }
        // Resolving by name under a data dir, and as a folder.
        XCTAssertEqual(try ImageDataset.resolve("tiny", dataDirectory: folder).train.count, 9)
        XCTAssertEqual(try ImageDataset.resolve(directory.path, dataDirectory: folder).test.count, 4)
        assertDatasetError(.notFound, ["no image dataset \"nothing\""]) { _ = try ImageDataset.resolve("nothing", dataDirectory: folder) }
        assertDatasetError(.notFound, ["robust data fetch fashion-mnist"]) { _ = try ImageDataset.resolve("fashion-mnist", dataDirectory: folder) }
    }

    func testEmptySplitsRoundTrip() throws {
        let folder = try imageTemporaryFolder()
        let testOnly = try ImageDataset(name: "only", description: "", labels: ["a", "b"], shape: shape,
                                        train: .empty(shape), dev: .empty(shape), test: split(2),
                                        sources: [], split: .init(method: "files", seed: 0, ratios: []),
                                        preparation: .init(recordsRead: 2), robustVersion: "test")
        let written = try testOnly.write(to: folder.appendingPathComponent("only"), replace: false)
        let loaded = try ImageDataset.load(directory: try XCTUnwrap(written.directory))
        XCTAssertEqual(loaded.train.count, 0)
        XCTAssertEqual(loaded.test, testOnly.test)
    }

    func testTextAndImageLoadersRefuseEachOther() throws {
        let folder = try imageTemporaryFolder()
        let images = try dataset().write(to: folder.appendingPathComponent("pics"), replace: false)
        assertDatasetError(.wrongKind, ["pics", "is an image dataset (3×2×3 images), not a text dataset"]) {
            _ = try DatasetSplits.load(directory: try XCTUnwrap(images.directory))
        }
        assertDatasetError(.wrongKind, ["is an image dataset"]) { _ = try DatasetSplits.resolve("pics", dataDirectory: folder) }

        let text = DatasetSplits(name: "words", description: "", labels: ["a", "b"],
                                 train: [Example(text: "x", label: "a"), Example(text: "y", label: "b")], dev: [], test: [],
                                 sources: [], split: .init(method: "stratified", seed: 1, ratios: SplitRatios.standard.array),
                                 preparation: .init(recordsRead: 2), robustVersion: "test")
        let written = try text.write(to: folder.appendingPathComponent("words"), replace: false)
        assertDatasetError(.wrongKind, ["words", "is a text dataset, not an image dataset"]) {
            _ = try ImageDataset.load(directory: try XCTUnwrap(written.directory))
        }
        // Text manifests carry no image keys (their bytes are as before image datasets existed).
        let manifest = try String(contentsOf: try XCTUnwrap(written.directory).appendingPathComponent("dataset.json"), encoding: .utf8)
        XCTAssertFalse(manifest.contains("\"kind\""))
        XCTAssertFalse(manifest.contains("image_shape"))
        XCTAssertNil(try DatasetSplits.loadManifest(directory: try XCTUnwrap(written.directory)).kind)
        // Both kinds are listed.
        XCTAssertEqual(DatasetStore.entries(in: folder).map(\.name), ["pics", "words"])
    }

    func testTamperedAndInconsistentFilesAreRefused() throws {
        let folder = try imageTemporaryFolder()
        let written = try dataset().write(to: folder.appendingPathComponent("tiny"), replace: false)
        let directory = try XCTUnwrap(written.directory)
        let train = directory.appendingPathComponent("train.safetensors")
        let pristine = try Data(contentsOf: train)

        // One pixel changed: the content hash catches it.
        var bytes = [UInt8](pristine)
        bytes[bytes.count - 80] ^= 0x01
        try Data(bytes).write(to: train)
        assertDatasetError(.contentHashMismatch, [directory.path, "content_sha256"]) { _ = try ImageDataset.load(directory: directory) }

        // Truncated.
        try pristine.prefix(pristine.count - 10).write(to: train)
        assertDatasetError(.invalidRecord, [train.path]) { _ = try ImageDataset.load(directory: directory) }

        // A label out of range, pixels of the wrong dtype or shape, an extra tensor, fewer images than the manifest.
        func replace(_ tensors: [SafeTensorsWriter.Tensor]) throws { try Data(SafeTensorsWriter.serialize(tensors)).write(to: train) }
        let pixels = try dataset().train.pixels
        func pixelTensor(_ data: [UInt8], shape: [Int]) -> SafeTensorsWriter.Tensor {
            .init(name: "pixels", shape: shape, dtype: .u8) { try data.withUnsafeBytes($0) }
        }
        func labelTensor(_ labels: [Int64]) -> SafeTensorsWriter.Tensor {
            .init(name: "labels", shape: [labels.count], dtype: .i64) { try labels.withUnsafeBytes($0) }
        }
        try replace([pixelTensor(pixels, shape: [9, 3, 2, 3]), labelTensor([0, 1, 2, 0, 1, 2, 0, 1, 3])])
        assertDatasetError(.invalidRecord, [train.path, "label 3 at index 8 is out of range (3 classes)"]) { _ = try ImageDataset.load(directory: directory) }
        try replace([pixelTensor(pixels, shape: [9, 3, 3, 2]), labelTensor([0, 1, 2, 0, 1, 2, 0, 1, 2])])
        assertDatasetError(.invalidRecord, [train.path, "pixels has shape [9, 3, 3, 2], expected [9, 3, 2, 3]"]) { _ = try ImageDataset.load(directory: directory) }
        try replace([.init(name: "pixels", shape: [9, 3, 2, 3], values: pixels.map(Float.init)), labelTensor([0, 1, 2, 0, 1, 2, 0, 1, 2])])
        assertDatasetError(.invalidRecord, [train.path, "pixels is F32, expected U8"]) { _ = try ImageDataset.load(directory: directory) }
        try replace([pixelTensor(pixels, shape: [9, 3, 2, 3]), labelTensor([0, 1, 2, 0, 1, 2, 0, 1, 2]),
                     .init(name: "extra", shape: [1], values: [0])])
        assertDatasetError(.invalidRecord, [train.path, "unexpected extra"]) { _ = try ImageDataset.load(directory: directory) }
        try replace([pixelTensor(Array(pixels.prefix(8 * 18)), shape: [8, 3, 2, 3]), labelTensor([0, 1, 2, 0, 1, 2, 0, 1])])
        assertDatasetError(.contentHashMismatch, [train.path, "has 8 images but dataset.json says 9"]) { _ = try ImageDataset.load(directory: directory) }
        // I32 labels with the same values are accepted (same content hash).
        let narrow: [Int32] = [0, 1, 2, 0, 1, 2, 0, 1, 2]
        try replace([pixelTensor(pixels, shape: [9, 3, 2, 3]), .init(name: "labels", shape: [9], dtype: .i32) { try narrow.withUnsafeBytes($0) }])
        XCTAssertEqual(try ImageDataset.load(directory: directory).train.labels, narrow)

        // A missing split file.
        try FileManager.default.removeItem(at: train)
        assertDatasetError(.notFound, [train.path, "missing split file"]) { _ = try ImageDataset.load(directory: directory) }
    }

    func testInterruptedWriteLeavesNothing() throws {
        let folder = try imageTemporaryFolder()
        struct Stop: Error {}
        XCTAssertThrowsError(try dataset().write(to: folder.appendingPathComponent("tiny"), replace: false) { name in
            if name == "dev.safetensors" { throw Stop() }
        })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [], "no dataset and no staging folder left")
        // Replacing keeps the old dataset until the new one is complete.
        let first = try dataset().write(to: folder.appendingPathComponent("tiny"), replace: false)
        XCTAssertThrowsError(try dataset().write(to: folder.appendingPathComponent("tiny"), replace: true) { _ in throw Stop() })
        XCTAssertNoThrow(try ImageDataset.load(directory: try XCTUnwrap(first.directory)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["tiny"])
        assertDatasetError(.alreadyExists, ["already exists"]) { _ = try dataset().write(to: folder.appendingPathComponent("tiny"), replace: false) }
    }

    func testInvalidDatasetsAreRefusedInMemory() {
        assertDatasetError(.invalidArgument, ["class index 3"]) {
            _ = try ImageDataset(name: "x", description: "", labels: ["a", "b", "c"], shape: shape,
                                 train: ImageSplit(unchecked: shape, pixels: [UInt8](repeating: 0, count: 18), labels: [3]),
                                 dev: .empty(shape), test: .empty(shape), sources: [],
                                 split: .init(method: "files", seed: 0, ratios: []), preparation: .init(recordsRead: 1), robustVersion: "t")
        }
        assertDatasetError(.invalidArgument, ["need 36 pixel values, got 18"]) {
            _ = try ImageSplit(shape: shape, pixels: [UInt8](repeating: 0, count: 18), labels: [0, 1])
        }
    }

    func testStratifiedAssignmentIsSeededAndExact() {
        let labels = (0..<300).map { Int32($0 % 3) }
        let a = ImageSplitting.assign(labels: labels, classCount: 3, seed: 5) { _ in (10, 5) }
        XCTAssertEqual(a, ImageSplitting.assign(labels: labels, classCount: 3, seed: 5) { _ in (10, 5) })
        XCTAssertNotEqual(a, ImageSplitting.assign(labels: labels, classCount: 3, seed: 6) { _ in (10, 5) })
        for c in 0..<3 {
            let mine = a.enumerated().filter { labels[$0.offset] == c }.map(\.element)
            XCTAssertEqual(mine.filter { $0 == 1 }.count, 10)
            XCTAssertEqual(mine.filter { $0 == 2 }.count, 5)
        }
        // Ratio shares follow the text split's rounding: 100 per class → 10 dev, 10 test.
        let standard = ImageSplitting.assign(labels: labels, classCount: 3, seed: 1, shares: ImageSplitting.ratioShares(.standard))
        XCTAssertEqual(standard.filter { $0 == 1 }.count, 30)
        XCTAssertEqual(standard.filter { $0 == 2 }.count, 30)
        // Applying keeps input order within each split.
        let part = ImageSplit(unchecked: ImageShape(channels: 1, height: 1, width: 1), pixels: (0..<300).map { UInt8($0 % 256) }, labels: labels)
        let parts = ImageSplitting.apply(standard, to: part)
        XCTAssertEqual(parts.train.count + parts.dev.count + parts.test.count, 300)
        let devIndices = standard.enumerated().filter { $0.element == 1 }.map(\.offset)
        XCTAssertEqual(parts.dev.pixels, devIndices.map { UInt8($0 % 256) })
    }
}
