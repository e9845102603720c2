// FashionMNISTTests: the built-in fashion-mnist from the Debian package dataset-fashion-mnist (installed by
// scripts/setup.sh; these tests fail, not skip, without it) — split sizes 55,000 / 5,000 / 10,000 with 500 per
// class in dev, byte-identical folders for the same seed, a tampered split refused on load, and a missing or
// altered source file refused in one line.
import Basics
import Foundation
import XCTest
@testable import Datasets

final class FashionMNISTTests: XCTestCase {
    let source = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    func testFetchSplitsDeterminismAndTamperDetection() throws {
        let data = try imageTemporaryFolder()
        let dataset = try BuiltinImageDataset.fashionMNIST.fetch(seed: 42, dataDirectory: data, replace: false, robustVersion: "test",
                                                                 sourceDirectory: source)
        let manifest = dataset.manifest
        XCTAssertTrue(manifest.isImages)
        XCTAssertEqual(manifest.imageShape, ImageShape(channels: 1, height: 28, width: 28))
        XCTAssertEqual(manifest.labels.first, "T-shirt/top")
        XCTAssertEqual(manifest.labels.last, "Ankle boot")
        XCTAssertEqual(manifest.total("train"), 55_000)
        XCTAssertEqual(manifest.total("dev"), 5_000)
        XCTAssertEqual(manifest.total("test"), 10_000)
        for label in manifest.labels {
            XCTAssertEqual(manifest.counts["dev"]?[label], 500, label)
            XCTAssertEqual(manifest.counts["train"]?[label], 5_500, label)
            XCTAssertEqual(manifest.counts["test"]?[label], 1_000, label)
        }
        XCTAssertEqual(manifest.sources.map(\.file), ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                                      "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
        XCTAssertEqual(manifest.sources.first?.package, "dataset-fashion-mnist")
        XCTAssertEqual(manifest.split.method, "official-test")

        // Loaded back: the official test set is whole and in source order (its first label is 9, Ankle boot,
        // as in the published t10k file), and train + dev partition the training images in source order.
        let folder = data.appendingPathComponent("fashion-mnist")
        let loaded = try ImageDataset.load(directory: folder)
        XCTAssertEqual(loaded.test.labels.prefix(5), [9, 2, 1, 1, 6])
        let official = try IDXReader.readImages(source.appendingPathComponent("train-images-idx3-ubyte.gz"))
        XCTAssertEqual(official.count, 60_000)
        var t = 0, d = 0
        official.pixels.withUnsafeBufferPointer { all in
            loaded.train.pixels.withUnsafeBufferPointer { train in
                loaded.dev.pixels.withUnsafeBufferPointer { dev in
                    for i in 0..<official.count {
                        let image = all.baseAddress! + i * 784
                        if t < loaded.train.count, memcmp(image, train.baseAddress! + t * 784, 784) == 0 { t += 1 }
                        else if d < loaded.dev.count, memcmp(image, dev.baseAddress! + d * 784, 784) == 0 { d += 1 }
                        else { break }
                    }
                }
            }
        }
        XCTAssertEqual(t, 55_000, "train is the official training images left after dev, in source order")
        XCTAssertEqual(d, 5_000, "dev is taken from the official training images, in source order")

        // Same seed → byte-identical folder; another seed → another dev split.
        let again = try imageTemporaryFolder()
        _ = try BuiltinImageDataset.fashionMNIST.fetch(seed: 42, dataDirectory: again, replace: false, robustVersion: "test",
                                                       sourceDirectory: source)
        for name in ["train.safetensors", "dev.safetensors", "test.safetensors", "dataset.json"] {
            let first = try SHA256.hex(fileAt: folder.appendingPathComponent(name))
            let second = try SHA256.hex(fileAt: again.appendingPathComponent("fashion-mnist").appendingPathComponent(name))
            XCTAssertEqual(first, second, name)
        }
        assertDatasetError(.alreadyExists, ["already exists; pass --force"]) {
            _ = try BuiltinImageDataset.fashionMNIST.fetch(seed: 42, dataDirectory: again, replace: false, robustVersion: "test",
                                                           sourceDirectory: self.source)
        }

        // A tampered split file is refused on load.
        let devFile = folder.appendingPathComponent("dev.safetensors")
        var bytes = [UInt8](try Data(contentsOf: devFile))
        bytes[bytes.count - 1000] ^= 0x40
        try Data(bytes).write(to: devFile)
        assertDatasetError(.contentHashMismatch, [folder.path, "content_sha256"]) { _ = try ImageDataset.load(directory: folder) }
    }

    func testMissingPackageAndAlteredFilesAreOneLine() throws {
        let empty = try imageTemporaryFolder()
        let data = try imageTemporaryFolder()
        assertDatasetError(.notFound, ["train-images-idx3-ubyte.gz", "apt-get install dataset-fashion-mnist"]) {
            _ = try BuiltinImageDataset.fashionMNIST.fetch(seed: 42, dataDirectory: data, replace: false, robustVersion: "test",
                                                           sourceDirectory: empty)
        }
        try Data("not the file".utf8).write(to: empty.appendingPathComponent("train-images-idx3-ubyte.gz"))
        assertDatasetError(.checksumMismatch, ["train-images-idx3-ubyte.gz", "expected b0564c3e", "refusing to use it"]) {
            _ = try BuiltinImageDataset.fashionMNIST.fetch(seed: 42, dataDirectory: data, replace: false, robustVersion: "test",
                                                           sourceDirectory: empty)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: data.path), [], "nothing written")
        XCTAssertEqual(BuiltinImageDataset.defaultSourceDirectory(.fashionMNIST, environment: [:]).path, "/usr/share/datasets/fashion-mnist")
        XCTAssertEqual(BuiltinImageDataset.defaultSourceDirectory(.fashionMNIST, environment: ["ROBUST_FASHION_MNIST_DIR": "/x"]).path, "/x")
    }
}
