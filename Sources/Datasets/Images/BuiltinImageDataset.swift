// BuiltinImageDataset: owns the image datasets robust knows how to build — Fashion-MNIST from the Debian
// package dataset-fashion-mnist (0.0~git20200523.55506a9-1, files under /usr/share/datasets/fashion-mnist,
// each checked against its pinned sha256; nothing is downloaded) — and their split rules.
//
// fashion-mnist  10 classes (T-shirt/top … Ankle boot), 1×28×28 greyscale. The official test set (10,000) is
//   kept whole as test; dev is a seeded stratified 5,000 (500 per class) taken from the 60,000 training images
//   (`ImageSplitting.assign`, classes in index order), train is the other 55,000. Every split keeps the
//   source order. Same seed → byte-identical folder.
import Basics
import Foundation

/// One pinned file of a system package.
public struct PinnedFile: Sendable, Equatable {
    public var name: String
    public var sha256: String
}

public enum BuiltinImageDataset: String, CaseIterable, Sendable {
    case fashionMNIST = "fashion-mnist"

    /// The Debian package that installs the source files, and its version.
    public var debianPackage: (name: String, version: String) {
        switch self {
        case .fashionMNIST: return ("dataset-fashion-mnist", "0.0~git20200523.55506a9-1")
        }
    }

    /// Where the package puts the files; `ROBUST_FASHION_MNIST_DIR` overrides it (tests, other layouts).
    public static func defaultSourceDirectory(_ dataset: BuiltinImageDataset,
                                              environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        switch dataset {
        case .fashionMNIST:
            let override = environment["ROBUST_FASHION_MNIST_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            return URL(fileURLWithPath: override ?? "/usr/share/datasets/fashion-mnist")
        }
    }

    /// train images, train labels, test images, test labels.
    public var files: [PinnedFile] {
        switch self {
        case .fashionMNIST:
            return [
                PinnedFile(name: "train-images-idx3-ubyte.gz", sha256: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
                PinnedFile(name: "train-labels-idx1-ubyte.gz", sha256: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
                PinnedFile(name: "t10k-images-idx3-ubyte.gz", sha256: "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
                PinnedFile(name: "t10k-labels-idx1-ubyte.gz", sha256: "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
            ]
        }
    }

    public var labels: [String] {
        switch self {
        case .fashionMNIST:
            return ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        }
    }

    public var shape: ImageShape {
        switch self {
        case .fashionMNIST: return ImageShape(channels: 1, height: 28, width: 28)
        }
    }

    /// Dev images taken per class from the official training set.
    public var devPerClass: Int {
        switch self {
        case .fashionMNIST: return 500
        }
    }

    public var summary: String {
        switch self {
        case .fashionMNIST:
            return "Fashion-MNIST (Zalando, MIT), 1×28×28 greyscale, 10 classes; official test kept whole, dev = seeded 500 per class of train"
        }
    }

    /// Reads and verifies the source files in `sourceDirectory`, splits them and writes the dataset to
    /// `dataDirectory/NAME` atomically (replacing an existing one only when `replace`).
    public func fetch(seed: UInt64, dataDirectory: URL, replace: Bool, robustVersion: String,
                      sourceDirectory: URL? = nil, log: (String) -> Void = { _ in }) throws -> ImageDataset {
        let destination = dataDirectory.appendingPathComponent(rawValue)
        if FileManager.default.fileExists(atPath: destination.path) && !replace {
            throw DatasetError(.alreadyExists, file: destination.path, "already exists; pass --force to rebuild it")
        }
        let dataset = try prepare(seed: seed, robustVersion: robustVersion,
                                  sourceDirectory: sourceDirectory ?? Self.defaultSourceDirectory(self), log: log)
        log("writing \(destination.path)")
        return try dataset.write(to: destination, replace: replace)
    }

    /// The dataset in memory, from verified source files.
    public func prepare(seed: UInt64, robustVersion: String, sourceDirectory: URL, log: (String) -> Void = { _ in }) throws -> ImageDataset {
        var contents: [[UInt8]] = []
        for file in files {
            let url = sourceDirectory.appendingPathComponent(file.name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw DatasetError(.notFound, file: url.path,
                                   "not found; install the Debian package \(debianPackage.name): apt-get install \(debianPackage.name)")
            }
            let raw: [UInt8]
            do { raw = [UInt8](try FileLimits.read(url, as: IDXReader.fileLimit)) } catch let error as FileLimits.ReadError {
                throw DatasetError(.io, file: error.path, error.reason)
            }
            var hasher = SHA256()
            hasher.update(raw)
            let actual = hasher.finalizeHex()
            guard actual == file.sha256 else {
                throw DatasetError(.checksumMismatch, file: url.path,
                                   "sha256 is \(actual), expected \(file.sha256) (\(debianPackage.name) \(debianPackage.version)); refusing to use it")
            }
            log("verified \(url.path)")
            contents.append(try IDXReader.decompressedIfGzip(raw, file: url.path))
        }
        let paths = files.map { sourceDirectory.appendingPathComponent($0.name).path }
        let trainImages = try IDXReader.images(from: contents[0], file: paths[0])
        let trainLabels = try IDXReader.labels(from: contents[1], file: paths[1], classCount: labels.count)
        let testImages = try IDXReader.images(from: contents[2], file: paths[2])
        let testLabels = try IDXReader.labels(from: contents[3], file: paths[3], classCount: labels.count)
        for (images, imagePath, labelCount, labelPath) in [(trainImages, paths[0], trainLabels.count, paths[1]),
                                                           (testImages, paths[2], testLabels.count, paths[3])] {
            guard images.count == labelCount else {
                throw DatasetError(.invalidIDX, file: labelPath,
                                   "has \(labelCount) labels but \((imagePath as NSString).lastPathComponent) has \(images.count) images; they must pair up one to one")
            }
            guard images.shape == shape else {
                throw DatasetError(.invalidIDX, file: imagePath, "images are \(images.shape), expected \(shape)")
            }
        }
        let official = ImageSplit(unchecked: shape, pixels: trainImages.pixels, labels: trainLabels)
        let perClass = devPerClass
        let assignment = try ImageSplitting.assign(labels: trainLabels, classCount: labels.count, seed: seed) { n in
            guard n > perClass else {
                throw DatasetError(.invalidIDX, file: paths[1], "a class has \(n) training images; \(perClass + 1) or more are needed to carve \(perClass) for dev")
            }
            return (perClass, 0)
        }
        let parts = ImageSplitting.apply(assignment, to: official)
        let test = ImageSplit(unchecked: shape, pixels: testImages.pixels, labels: testLabels)
        let package = debianPackage
        return try ImageDataset(
            name: rawValue, description: summary, labels: labels, shape: shape,
            train: parts.train, dev: parts.dev, test: test,
            sources: files.map { .init(package: package.name, version: package.version, file: $0.name, sha256: $0.sha256) },
            split: .init(method: "official-test", seed: seed,
                         ratios: [Double(parts.train.count) / Double(official.count), Double(parts.dev.count) / Double(official.count), 0],
                         note: "test: the official 10,000; dev: a seeded stratified \(perClass) per class of the official training set; train: the rest"),
            preparation: .init(recordsRead: trainImages.count + testImages.count,
                               notes: ["\(trainImages.count) training and \(testImages.count) test images of \(shape) read from \(files.map(\.name).joined(separator: ", "))"]),
            robustVersion: robustVersion)
    }
}
