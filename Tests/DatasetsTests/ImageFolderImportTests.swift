// ImageFolderImportTests: folders of images as users have them — one folder per class (split 80/10/10), or
// train/ and test/ folders (dev carved from train); PNG and JPEG recognised by content; other files skipped
// and counted; target shape from the first image or --size/--channels; and every refusal one line naming the
// file or folder (corrupt image, empty class, sizes or channels that disagree, mixed layouts, differing classes).
import Basics
import Foundation
import XCTest
@testable import Datasets

final class ImageFolderImportTests: XCTestCase {
    /// Writes `count` PNGs of `shape` into root/relative, pixel values depending on `seed` and the index.
    func writeImages(_ root: URL, _ relative: String, count: Int, shape: ImageShape = ImageShape(channels: 3, height: 6, width: 5),
                     seed: Int = 0) throws {
        let folder = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for i in 0..<count {
            let pixels = (0..<shape.count).map { UInt8(($0 * 13 + i * 29 + seed * 71) % 256) }
            try ImageCodec.writePNG(try PixelImage(shape: shape, pixels: pixels), to: folder.appendingPathComponent(String(format: "img%03d.png", i)))
        }
    }

    func testClassFoldersAreSplitStratifiedWithSkipsCounted() throws {
        let root = try imageTemporaryFolder()
        try writeImages(root, "cat", count: 10, seed: 1)
        try writeImages(root, "dog", count: 10, seed: 2)
        try writeImages(root, "bird", count: 20, seed: 3)
        try Data("notes".utf8).write(to: root.appendingPathComponent("cat/README.txt"))
        try Data([0, 1, 2]).write(to: root.appendingPathComponent("dog/.DS_Store"))
        try Data("x".utf8).write(to: root.appendingPathComponent("labels.csv"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("bird/more"), withIntermediateDirectories: true)
        // A JPEG with a .png name is read as the JPEG it is (after conversion to the target size it fits).
        try FileManager.default.copyItem(at: ImageFixtures.folder.appendingPathComponent("rgb-8x6.jpg"),
                                         to: root.appendingPathComponent("cat/photo.png"))

        let dataset = try ImageDataset.fromFolder(root, name: "pets", options: ImageFolderOptions(height: 6, width: 5), seed: 42,
                                                  robustVersion: "test")
        XCTAssertEqual(dataset.labels, ["bird", "cat", "dog"])
        XCTAssertEqual(dataset.shape, ImageShape(channels: 3, height: 6, width: 5))
        let manifest = dataset.manifest
        XCTAssertEqual(manifest.counts["train"], ["bird": 16, "cat": 9, "dog": 8])
        XCTAssertEqual(manifest.counts["dev"], ["bird": 2, "cat": 1, "dog": 1])
        XCTAssertEqual(manifest.counts["test"], ["bird": 2, "cat": 1, "dog": 1])
        XCTAssertEqual(manifest.split.method, "stratified")
        XCTAssertEqual(manifest.preparation.recordsRead, 41)
        let notes = manifest.preparation.notes.joined(separator: "\n")
        XCTAssertTrue(notes.contains("skipped 1 files that are not PNG or JPEG: cat/README.txt"), notes)
        XCTAssertTrue(notes.contains("skipped 1 hidden files or folders: dog/.DS_Store"), notes)
        XCTAssertTrue(notes.contains("skipped 1 files beside the class folders: labels.csv"), notes)
        XCTAssertTrue(notes.contains("skipped 1 nested folders (not read): bird/more"), notes)
        XCTAssertTrue(notes.contains("41 images read, target 3×6×5 (RGB); 0 converted (grey to RGB), 1 resized (bilinear)"), notes)
        XCTAssertEqual(manifest.sources.first?.file, root.standardizedFileURL.path)

        // The same folder and seed give the same dataset; the written folder loads back.
        let again = try ImageDataset.fromFolder(root, name: "pets", options: ImageFolderOptions(height: 6, width: 5), seed: 42,
                                                robustVersion: "test")
        XCTAssertEqual(again.manifest, manifest)
        let data = try imageTemporaryFolder()
        let written = try dataset.write(to: data.appendingPathComponent("pets"), replace: false)
        XCTAssertEqual(try ImageDataset.load(directory: try XCTUnwrap(written.directory)).train, dataset.train)
        // A changed image changes the source hash.
        try writeImages(root, "dog", count: 1, seed: 9)
        let changed = try ImageDataset.fromFolder(root, name: "pets", options: ImageFolderOptions(height: 6, width: 5), seed: 42,
                                                  robustVersion: "test")
        XCTAssertNotEqual(changed.manifest.sources.first?.sha256, manifest.sources.first?.sha256)
    }

    func testShapeFromFirstImageAndFlags() throws {
        let root = try imageTemporaryFolder()
        try writeImages(root, "a", count: 3, shape: ImageShape(channels: 1, height: 4, width: 4))
        try writeImages(root, "b", count: 3, shape: ImageShape(channels: 1, height: 4, width: 4), seed: 5)
        let plain = try ImageDataset.fromFolder(root, name: "g", seed: 1, robustVersion: "test")
        XCTAssertEqual(plain.shape, ImageShape(channels: 1, height: 4, width: 4))
        // Every image is stored exactly as decoded when nothing changes.
        let decoded = try ImageCodec.decode(contentsOf: root.appendingPathComponent("a/img000.png"))
        let all = [plain.train, plain.dev, plain.test]
        XCTAssertTrue(all.contains { part in (0..<part.count).contains { part.image($0) == decoded } })

        // A different size: refused without --size, resized with it.
        try writeImages(root, "b", count: 1, shape: ImageShape(channels: 1, height: 5, width: 4), seed: 6)
        assertDatasetError(.invalidImage, ["b/img000.png", "is 5x4 but the first image (a/img000.png) is 4x4", "--size"]) {
            _ = try ImageDataset.fromFolder(root, name: "g", seed: 1, robustVersion: "test")
        }
        let sized = try ImageDataset.fromFolder(root, name: "g", options: ImageFolderOptions(height: 8, width: 8), seed: 1, robustVersion: "test")
        XCTAssertEqual(sized.shape, ImageShape(channels: 1, height: 8, width: 8))
        XCTAssertTrue(sized.manifest.preparation.notes.contains { $0.contains("6 resized") })

        // Different channels: refused without --channels, converted with it.
        try writeImages(root, "b", count: 1, shape: ImageShape(channels: 3, height: 4, width: 4), seed: 6)
        assertDatasetError(.invalidImage, ["b/img000.png", "has 3 channels but the first image (a/img000.png) has 1", "--channels"]) {
            _ = try ImageDataset.fromFolder(root, name: "g", seed: 1, robustVersion: "test")
        }
        let rgb = try ImageDataset.fromFolder(root, name: "g", options: ImageFolderOptions(channels: 3), seed: 1, robustVersion: "test")
        XCTAssertEqual(rgb.shape, ImageShape(channels: 3, height: 4, width: 4))
        XCTAssertTrue(rgb.manifest.preparation.notes.contains { $0.contains("5 converted (grey to RGB)") })
        let grey = try ImageDataset.fromFolder(root, name: "g", options: ImageFolderOptions(channels: 1), seed: 1, robustVersion: "test")
        XCTAssertTrue(grey.manifest.preparation.notes.contains { $0.contains("1 converted (RGB to grey)") })

        assertDatasetError(.invalidArgument, ["--channels must be 1 (grey) or 3 (RGB), not 2"]) {
            _ = try ImageDataset.fromFolder(root, name: "g", options: ImageFolderOptions(channels: 2), seed: 1, robustVersion: "test")
        }
        XCTAssertEqual(ImageFolderOptions.parseSize("32x24")?.height, 32)
        XCTAssertEqual(ImageFolderOptions.parseSize("32x24")?.width, 24)
        XCTAssertEqual(ImageFolderOptions.parseSize("28")?.width, 28)
        XCTAssertEqual(ImageFolderOptions.parseSize("7×9")?.width, 9)
        for bad in ["", "x", "0x4", "4x", "4x4x4", "-3x3", "99999x2", "axb"] { XCTAssertNil(ImageFolderOptions.parseSize(bad), bad) }
    }

    func testSplitFoldersKeepTestAndCarveDev() throws {
        let root = try imageTemporaryFolder()
        for (split, count) in [("train", 20), ("test", 4)] {
            try writeImages(root, "\(split)/yes", count: count, seed: 1)
            try writeImages(root, "\(split)/no", count: count, seed: 2)
        }
        let dataset = try ImageDataset.fromFolder(root, name: "yn", seed: 3, robustVersion: "test")
        let manifest = dataset.manifest
        XCTAssertEqual(manifest.split.method, "files")
        XCTAssertEqual(manifest.total("test"), 8)
        XCTAssertEqual(manifest.counts["dev"], ["no": 2, "yes": 2])
        XCTAssertEqual(manifest.counts["train"], ["no": 18, "yes": 18])
        XCTAssertEqual(manifest.split.origins?["test"]?.how, "file")
        XCTAssertEqual(manifest.split.origins?["dev"]?.how, "carved")
        XCTAssertEqual(manifest.split.origins?["dev"]?.carvedFrom, "train")
        XCTAssertEqual(manifest.split.origins?["train"]?.how, "rest")
        XCTAssertEqual(manifest.split.note, "train the rest of train/; dev a seeded stratified 10% of train/ (seed 3); test from test/")
        // The test folder's images, class by class in label order, file by file.
        let firstTest = try ImageCodec.decode(contentsOf: root.appendingPathComponent("test/no/img000.png"))
        XCTAssertEqual(dataset.test.image(0), firstTest)
        XCTAssertEqual(dataset.test.labels, [0, 0, 0, 0, 1, 1, 1, 1])

        // All three given: nothing carved. Only test: a test-only dataset.
        try writeImages(root, "dev/yes", count: 2, seed: 4)
        try writeImages(root, "dev/no", count: 2, seed: 5)
        let three = try ImageDataset.fromFolder(root, name: "yn", seed: 3, robustVersion: "test")
        XCTAssertEqual([three.train.count, three.dev.count, three.test.count], [40, 4, 8])
        let onlyTest = try imageTemporaryFolder()
        try writeImages(onlyTest, "test/yes", count: 2)
        try writeImages(onlyTest, "test/no", count: 2, seed: 1)
        let heldOut = try ImageDataset.fromFolder(onlyTest, name: "t", seed: 3, robustVersion: "test")
        XCTAssertEqual([heldOut.train.count, heldOut.dev.count, heldOut.test.count], [0, 0, 4])
        XCTAssertEqual(heldOut.manifest.split.origins?["train"]?.how, "empty")
    }

    func testRefusals() throws {
        let root = try imageTemporaryFolder()
        try writeImages(root, "a", count: 3)
        try writeImages(root, "b", count: 3, seed: 1)

        // A corrupt image (a PNG cut short) stops the import, naming the file.
        let good = [UInt8](try Data(contentsOf: root.appendingPathComponent("b/img001.png")))
        try Data(good.prefix(good.count - 20)).write(to: root.appendingPathComponent("b/img001.png"))
        assertDatasetError(.invalidImage, [root.appendingPathComponent("b/img001.png").path, "cannot decode the PNG"]) {
            _ = try ImageDataset.fromFolder(root, name: "x", seed: 1, robustVersion: "test")
        }
        try Data(good).write(to: root.appendingPathComponent("b/img001.png"))

        // An empty class folder, or one with no images.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("c"), withIntermediateDirectories: true)
        assertDatasetError(.noUsableRows, [root.appendingPathComponent("c").path, "class folder has no PNG or JPEG images"]) {
            _ = try ImageDataset.fromFolder(root, name: "x", seed: 1, robustVersion: "test")
        }
        try Data("text".utf8).write(to: root.appendingPathComponent("c/notes.txt"))
        assertDatasetError(.noUsableRows, ["class folder has no PNG or JPEG images (1 other file skipped)"]) {
            _ = try ImageDataset.fromFolder(root, name: "x", seed: 1, robustVersion: "test")
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent("c"))

        // Split folders beside class folders.
        try writeImages(root, "train/a", count: 2)
        assertDatasetError(.invalidArgument, ["has train/ beside other folders (a, b)"]) {
            _ = try ImageDataset.fromFolder(root, name: "x", seed: 1, robustVersion: "test")
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent("train"))

        // One class only; no folder; a file instead of a folder.
        let single = try imageTemporaryFolder()
        try writeImages(single, "only", count: 3)
        assertDatasetError(.singleClass, ["only the class folder \"only\""]) { _ = try ImageDataset.fromFolder(single, name: "x", seed: 1, robustVersion: "test") }
        assertDatasetError(.notFound, ["no such folder"]) {
            _ = try ImageDataset.fromFolder(single.appendingPathComponent("missing"), name: "x", seed: 1, robustVersion: "test")
        }
        assertDatasetError(.invalidArgument, ["is a file, not a folder"]) {
            _ = try ImageDataset.fromFolder(single.appendingPathComponent("only/img000.png"), name: "x", seed: 1, robustVersion: "test")
        }
        let flat = try imageTemporaryFolder()
        try Data(good).write(to: flat.appendingPathComponent("x.png"))
        assertDatasetError(.noUsableRows, ["has no sub-folders"]) { _ = try ImageDataset.fromFolder(flat, name: "x", seed: 1, robustVersion: "test") }

        // Split folders with different classes.
        let splits = try imageTemporaryFolder()
        try writeImages(splits, "train/a", count: 3)
        try writeImages(splits, "train/b", count: 3)
        try writeImages(splits, "test/a", count: 1)
        try writeImages(splits, "test/c", count: 1)
        assertDatasetError(.labelsDiffer, ["class folders differ between train/ and test/: only in train/: b; only in test/: c"]) {
            _ = try ImageDataset.fromFolder(splits, name: "x", seed: 1, robustVersion: "test")
        }
    }
}
