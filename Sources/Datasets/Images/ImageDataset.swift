// ImageDataset: owns image datasets on disk and in memory — `ImageSplit` (pixels + class indices), the
// folder format and its atomic write, the checked load, resolving a NAME or folder, the content hash, and
// the seeded stratified assignment of class-indexed examples to splits.
//
// ON-DISK FORMAT (format_version 1, like text datasets; same data dir resolution via `DatasetStore`, same
// atomic write into `.NAME.partial-…` then rename, see `DatasetFolder`):
//   train.safetensors, dev.safetensors, test.safetensors — each holds exactly two tensors:
//     pixels   U8  [N, C, H, W]   channel-major images, 0…255 (Basics.ImageShape; value / 255 gives [0, 1])
//     labels   I64 [N]            class indices into the manifest's `labels` (I32 is accepted on load)
//     and `__metadata__` {"split": NAME}. An empty split has N = 0. Each split keeps its source order.
//   dataset.json — the `DatasetManifest` of text datasets plus
//     kind          "images" (its absence means a text dataset),
//     image_shape   {channels, height, width},
//   with counts per split and label, sources (file, sha256), split method/seed/ratios, preparation notes
//   (what was skipped and why), content_sha256 (`ImageContentHash`, checked on every load) and robust_version.
//   No timestamps: the same sources and seed give byte-identical folders.
// A load refuses, in one line naming the file: a text manifest, a missing or extra tensor, a wrong dtype or
// shape, a label out of range, counts that differ from the manifest, or a content hash mismatch.
import Basics
import Foundation
import SafeTensors

/// The images and class indices of one split: `count` images of `shape`, one after another (NCHW, UInt8).
public struct ImageSplit: Sendable, Equatable {
    public var shape: ImageShape
    /// count × shape.count values.
    public var pixels: [UInt8]
    /// Class indices into the dataset's labels, one per image.
    public var labels: [Int32]

    public var count: Int { labels.count }

    /// Checks that `pixels` holds `labels.count` images of `shape`.
    public init(shape: ImageShape, pixels: [UInt8], labels: [Int32]) throws {
        guard shape.channels >= 1, shape.height >= 1, shape.width >= 1 else {
            throw DatasetError(.invalidArgument, "image shape \(shape) has an empty side")
        }
        let (needed, overflow) = shape.count.multipliedReportingOverflow(by: labels.count)
        guard !overflow, pixels.count == needed else {
            throw DatasetError(.invalidArgument, "\(labels.count) images of \(shape) need \(shape.count * labels.count) pixel values, got \(pixels.count)")
        }
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
    }

    init(unchecked shape: ImageShape, pixels: [UInt8], labels: [Int32]) {
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
    }

    public static func empty(_ shape: ImageShape) -> ImageSplit { ImageSplit(unchecked: shape, pixels: [], labels: []) }

    /// The pixels of image `index` (CHW), or nil when out of range.
    public func pixels(of index: Int) -> ArraySlice<UInt8>? {
        guard index >= 0, index < count else { return nil }
        return pixels[(index * shape.count)..<((index + 1) * shape.count)]
    }

    /// Image `index` as a `PixelImage`, or nil when out of range.
    public func image(_ index: Int) -> PixelImage? {
        pixels(of: index).map { PixelImage(unchecked: shape, pixels: Array($0)) }
    }

    /// The images at `indices`, in that order (indices must be in range).
    func subset(_ indices: [Int]) -> ImageSplit {
        let size = shape.count
        var out = [UInt8]()
        out.reserveCapacity(indices.count * size)
        pixels.withUnsafeBufferPointer { source in
            for index in indices {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: source[(index * size)..<((index + 1) * size)]))
            }
        }
        return ImageSplit(unchecked: shape, pixels: out, labels: indices.map { labels[$0] })
    }
}

/// An image dataset: class names, one image shape, and train/dev/test splits.
public struct ImageDataset: Sendable {
    public var name: String
    /// Class names in their fixed order: class index i is labels[i].
    public var labels: [String]
    public var shape: ImageShape
    public var train: ImageSplit
    public var dev: ImageSplit
    public var test: ImageSplit
    public var manifest: DatasetManifest
    /// The folder it was loaded from or written to; nil for one built in memory.
    public var directory: URL?

    /// Assembles a dataset and its manifest (counts and content hash computed here). Every split must have
    /// `shape` and labels in 0..<labels.count.
    public init(name: String, description: String, labels: [String], shape: ImageShape, train: ImageSplit,
                dev: ImageSplit, test: ImageSplit, sources: [DatasetManifest.Source], split: DatasetManifest.Split,
                preparation: DatasetManifest.Preparation, robustVersion: String) throws {
        guard !labels.isEmpty, Set(labels).count == labels.count else {
            throw DatasetError(.invalidArgument, "an image dataset needs distinct class names, got \(labels)")
        }
        for (splitName, part) in zip(DatasetManifest.splitNames, [train, dev, test]) {
            guard part.shape == shape else {
                throw DatasetError(.invalidArgument, "the \(splitName) split has images of \(part.shape), the dataset \(shape)")
            }
            if let bad = part.labels.first(where: { $0 < 0 || Int($0) >= labels.count }) {
                throw DatasetError(.invalidArgument, "the \(splitName) split has class index \(bad); there are \(labels.count) classes")
            }
        }
        self.name = name
        self.labels = labels
        self.shape = shape
        self.train = train
        self.dev = dev
        self.test = test
        self.directory = nil
        var counts: [String: [String: Int]] = [:]
        for (splitName, part) in zip(DatasetManifest.splitNames, [train, dev, test]) {
            var perClass = [Int](repeating: 0, count: labels.count)
            for label in part.labels { perClass[Int(label)] += 1 }
            counts[splitName] = Dictionary(uniqueKeysWithValues: zip(labels, perClass))
        }
        manifest = DatasetManifest(
            formatVersion: DatasetManifest.currentFormat, name: name, description: description, sources: sources,
            labels: labels, counts: counts, split: split, preparation: preparation,
            contentSHA256: ImageContentHash.compute(train: train, dev: dev, test: test), robustVersion: robustVersion,
            kind: DatasetManifest.imagesKind, imageShape: shape)
    }

    private init(manifest: DatasetManifest, shape: ImageShape, splits: [ImageSplit], directory: URL) {
        name = manifest.name
        labels = manifest.labels
        self.shape = shape
        train = splits[0]
        dev = splits[1]
        test = splits[2]
        self.manifest = manifest
        self.directory = directory
    }

    /// The split named train, dev or test.
    public func split(_ name: String) -> ImageSplit? {
        switch name {
        case "train": return train
        case "dev": return dev
        case "test": return test
        default: return nil
        }
    }

    // MARK: - Loading

    /// Loads an image dataset folder and checks every split against the manifest and the content hash.
    public static func load(directory: URL) throws -> ImageDataset {
        let manifest = try DatasetSplits.loadManifest(directory: directory)
        let manifestPath = directory.appendingPathComponent("dataset.json").path
        guard manifest.isImages else {
            throw DatasetError(.wrongKind, file: directory.path, "is a text dataset, not an image dataset")
        }
        guard let shape = manifest.imageShape, shape.channels >= 1, shape.height >= 1, shape.width >= 1,
              shape.height <= IDXReader.maxSide, shape.width <= IDXReader.maxSide, shape.channels <= 4 else {
            throw DatasetError(.invalidRecord, file: manifestPath, "image_shape is missing or invalid")
        }
        guard !manifest.labels.isEmpty, Set(manifest.labels).count == manifest.labels.count else {
            throw DatasetError(.invalidRecord, file: manifestPath, "labels must be a non-empty list of distinct class names")
        }
        var splits: [ImageSplit] = []
        for splitName in DatasetManifest.splitNames {
            let url = directory.appendingPathComponent("\(splitName).safetensors")
            let part = try readSplit(url, shape: shape, classCount: manifest.labels.count)
            guard part.count == manifest.total(splitName) else {
                throw DatasetError(.contentHashMismatch, file: url.path,
                                   "has \(part.count) images but dataset.json says \(manifest.total(splitName)); rebuild the dataset")
            }
            splits.append(part)
        }
        let hash = ImageContentHash.compute(train: splits[0], dev: splits[1], test: splits[2])
        guard hash == manifest.contentSHA256 else {
            throw DatasetError(.contentHashMismatch, file: directory.path,
                               "the split files do not match dataset.json's content_sha256 (edited after it was written?); rebuild the dataset")
        }
        return ImageDataset(manifest: manifest, shape: shape, splits: splits, directory: directory)
    }

    /// Reads one split file: exactly `pixels` (U8 [N, C, H, W] of `shape`) and `labels` (I64 or I32 [N],
    /// each in 0..<classCount). Errors are one line naming the file.
    public static func readSplit(_ url: URL, shape: ImageShape, classCount: Int) throws -> ImageSplit {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatasetError(.notFound, file: path, "missing split file; rebuild the dataset")
        }
        do {
            let file = try SafeTensorsFile(contentsOf: url)
            let names = Set(file.names)
            guard names == ["pixels", "labels"] else {
                let extra = names.subtracting(["pixels", "labels"]).sorted()
                let missing = Set(["pixels", "labels"]).subtracting(names).sorted()
                throw DatasetError(.invalidRecord, file: path,
                                   "must hold exactly the tensors pixels and labels"
                                   + (missing.isEmpty ? "" : "; missing \(missing.joined(separator: ", "))")
                                   + (extra.isEmpty ? "" : "; unexpected \(extra.prefix(5).joined(separator: ", "))"))
            }
            let pixelInfo = try file.requireInfo("pixels")
            let labelInfo = try file.requireInfo("labels")
            guard pixelInfo.dtype == .u8 else {
                throw DatasetError(.invalidRecord, file: path, "pixels is \(pixelInfo.dtype), expected U8")
            }
            guard labelInfo.dtype == .i64 || labelInfo.dtype == .i32 else {
                throw DatasetError(.invalidRecord, file: path, "labels is \(labelInfo.dtype), expected I64 or I32")
            }
            guard labelInfo.shape.count == 1 else {
                throw DatasetError(.invalidRecord, file: path, "labels has shape \(labelInfo.shape), expected [N]")
            }
            let count = labelInfo.shape[0]
            guard pixelInfo.shape == [count, shape.channels, shape.height, shape.width] else {
                throw DatasetError(.invalidRecord, file: path,
                                   "pixels has shape \(pixelInfo.shape), expected [\(count), \(shape.channels), \(shape.height), \(shape.width)] (labels has \(count))")
            }
            let labels: [Int32]
            if labelInfo.dtype == .i64 {
                let wide = try file.int64s("labels")
                var narrow = [Int32](repeating: 0, count: wide.count)
                for (i, value) in wide.enumerated() {
                    guard value >= 0, value < Int64(classCount) else { throw outOfRange(value, at: i, classCount: classCount, path: path) }
                    narrow[i] = Int32(value)
                }
                labels = narrow
            } else {
                labels = try file.int32s("labels")
                if let i = labels.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
                    throw outOfRange(Int64(labels[i]), at: i, classCount: classCount, path: path)
                }
            }
            let pixels = try file.rawBytes("pixels")
            return ImageSplit(unchecked: shape, pixels: pixels, labels: labels)
        } catch let error as SafeTensorsError {
            throw DatasetError(.invalidRecord, file: path, error.message)
        }
    }

    private static func outOfRange(_ value: Int64, at index: Int, classCount: Int, path: String) -> DatasetError {
        DatasetError(.invalidRecord, file: path, "label \(value) at index \(index) is out of range (\(classCount) classes)")
    }

    /// Resolves a NAME under the data dir (`dataDirectory`, else `DatasetStore.searchDirectories()`) or a
    /// dataset folder to an image dataset.
    public static func resolve(_ argument: String, dataDirectory: URL? = nil) throws -> ImageDataset {
        let fileManager = FileManager.default
        let folders = dataDirectory.map { [$0] } ?? DatasetStore.searchDirectories()
        if DatasetStore.isValidName(argument) {
            for dataFolder in folders {
                let folder = dataFolder.appendingPathComponent(argument)
                if fileManager.fileExists(atPath: folder.appendingPathComponent("dataset.json").path) {
                    return try load(directory: folder)
                }
            }
        }
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue,
           fileManager.fileExists(atPath: URL(fileURLWithPath: argument).appendingPathComponent("dataset.json").path) {
            return try load(directory: URL(fileURLWithPath: argument))
        }
        let under = folders.map { $0.path + "/" }.joined(separator: " or ")
        if BuiltinImageDataset(rawValue: argument) != nil {
            throw DatasetError(.notFound, file: (dataDirectory ?? DatasetStore.defaultDirectory()).appendingPathComponent(argument).path,
                               "dataset \(argument) is not fetched; run: robust data fetch \(argument)")
        }
        throw DatasetError(.notFound,
                           "no image dataset \"\(argument)\": not a dataset under \(under), nor a dataset folder (built-in: \(BuiltinImageDataset.allCases.map(\.rawValue).joined(separator: ", ")); import a folder of images with robust data import DIR --name NAME)")
    }

    // MARK: - Writing

    /// Writes the dataset folder atomically (see the file comment); with `replace`, an existing folder is
    /// swapped out only after the new one is complete. Returns the dataset with `directory` set.
    @discardableResult
    public func write(to directory: URL, replace: Bool) throws -> ImageDataset {
        try write(to: directory, replace: replace, afterEachFile: { _ in })
    }

    func write(to directory: URL, replace: Bool, afterEachFile: (String) throws -> Void) throws -> ImageDataset {
        var files: [DatasetFolder.File] = zip(DatasetManifest.splitNames, [train, dev, test]).map { splitName, part in
            DatasetFolder.File(name: "\(splitName).safetensors") { url in try Self.writeSplit(part, name: splitName, to: url) }
        }
        files.append(DatasetFolder.File(name: "dataset.json") { [manifest] in try manifest.encoded().write(to: $0) })
        var written = self
        written.directory = try DatasetFolder.write(files, to: directory, replace: replace, afterEachFile: afterEachFile)
        return written
    }

    /// Writes one split file (`pixels` U8 [N, C, H, W], `labels` I64 [N], metadata {"split": name}) atomically.
    public static func writeSplit(_ part: ImageSplit, name: String, to url: URL) throws {
        let shape = part.shape
        let labels = part.labels.map { Int64($0).littleEndian }
        let tensors = [
            SafeTensorsWriter.Tensor(name: "pixels", shape: [part.count, shape.channels, shape.height, shape.width], dtype: .u8) { body in
                try part.pixels.withUnsafeBytes(body)
            },
            SafeTensorsWriter.Tensor(name: "labels", shape: [part.count], dtype: .i64) { body in
                try labels.withUnsafeBytes(body)
            },
        ]
        do { try SafeTensorsWriter.write(tensors, metadata: ["split": name], to: url) } catch let error as SafeTensorsError {
            throw DatasetError(.io, file: url.path, error.message)
        }
    }
}

/// The image dataset content hash: SHA-256 over, for each split in the order train, dev, test, the split
/// name, a NUL, the image count in decimal, a NUL, "C×H×W" as "C,H,W", a NUL, then every label as a
/// little-endian Int64 and then every pixel byte (NCHW). It depends only on the images, labels and their order.
public enum ImageContentHash {
    public static func compute(train: ImageSplit, dev: ImageSplit, test: ImageSplit) -> String {
        var hasher = SHA256()
        for (name, part) in zip(DatasetManifest.splitNames, [train, dev, test]) {
            hasher.update(name)
            hasher.update([0])
            hasher.update(String(part.count))
            hasher.update([0])
            hasher.update("\(part.shape.channels),\(part.shape.height),\(part.shape.width)")
            hasher.update([0])
            let labels = part.labels.map { Int64($0).littleEndian }
            labels.withUnsafeBytes { hasher.update($0) }
            part.pixels.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalizeHex()
    }
}

/// Seeded stratified assignment of class-indexed examples to train (0), dev (1) and test (2).
public enum ImageSplitting {
    /// For each class in ascending index order, its example indices (in input order) are shuffled with a
    /// Fisher–Yates shuffle driven by one `SeededRandom(seed)` shared across classes; the first `shares(n).dev`
    /// go to dev, the next `shares(n).test` to test, the rest stay in train. Returns one assignment per example.
    public static func assign(labels: [Int32], classCount: Int, seed: UInt64,
                              shares: (_ classSize: Int) throws -> (dev: Int, test: Int)) rethrows -> [UInt8] {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() where label >= 0 && Int(label) < classCount {
            byClass[Int(label)].append(index)
        }
        var assignment = [UInt8](repeating: 0, count: labels.count)
        var generator = SeededRandom(seed: seed)
        for var indices in byClass {
            let n = indices.count
            let (devCount, testCount) = try shares(n)
            guard n > 0, devCount + testCount > 0 else { continue }
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = generator.next(below: i + 1)
                indices.swapAt(i, j)
            }
            let dev = min(devCount, n), test = min(testCount, n - dev)
            for position in 0..<dev { assignment[indices[position]] = 1 }
            for position in dev..<(dev + test) { assignment[indices[position]] = 2 }
        }
        return assignment
    }

    /// The shares `stratifiedSplit` gives text labels: round(n·ratio) (at least 1 for a positive ratio, train
    /// keeping at least 1), nothing for classes smaller than `stratifiedSplitMinimum(ratios)`.
    public static func ratioShares(_ ratios: SplitRatios) -> (Int) -> (dev: Int, test: Int) {
        let minimum = stratifiedSplitMinimum(ratios)
        return { n in n < minimum ? (0, 0) : stratifiedShares(n, ratios: ratios) }
    }

    /// Splits `part` by `assignment` (0 train, 1 dev, 2 test), keeping input order within each split.
    public static func apply(_ assignment: [UInt8], to part: ImageSplit) -> (train: ImageSplit, dev: ImageSplit, test: ImageSplit) {
        var groups: [[Int]] = [[], [], []]
        for (index, target) in assignment.enumerated() where index < part.count { groups[Int(min(target, 2))].append(index) }
        return (part.subset(groups[0]), part.subset(groups[1]), part.subset(groups[2]))
    }
}
