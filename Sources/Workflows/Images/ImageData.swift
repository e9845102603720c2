// ImageData: image datasets as the workflows use them — a split as `ImageExamples` for training and
// evaluation, the selection of images an eval or attack works on (split, offset, first N or a seeded sample of
// N, as for texts), a stratified training subset, and recording clean predictions of images as run rows.
import Basics
import Datasets
import Foundation
import Results
import Training

public enum ImageData {
    public static func examples(_ split: ImageSplit) throws -> ImageExamples {
        try UserError.wrapping { try ImageExamples(shape: split.shape, pixels: split.pixels, labels: split.labels.map(Int.init)) }
    }

    /// Whether `argument` names an image dataset: a built-in image dataset's name, or a fetched name or dataset folder
    /// whose manifest says `kind: images` (only dataset.json is read).
    public static func isImageDataset(_ argument: String) -> Bool {
        if BuiltinImageDataset(rawValue: argument) != nil { return true }
        var candidates = [URL(fileURLWithPath: argument)]
        if DatasetStore.isValidName(argument) {
            candidates = DatasetStore.searchDirectories().map { $0.appendingPathComponent(argument) } + candidates
        }
        for folder in candidates {
            guard let data = try? FileLimits.read(folder.appendingPathComponent("dataset.json"), as: .metadata),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            return (object["kind"] as? String) == DatasetManifest.imagesKind
        }
        return false
    }

    /// Loads an image dataset by name or folder; one line when it is missing or broken.
    public static func load(_ argument: String) throws -> ImageDataset {
        try UserError.wrapping { try ImageDataset.resolve(argument) }
    }

    /// The images `selection` picks from `dataset` (with their indices within the split, which name them in
    /// records: `SPLIT/INDEX`). `all` is train, then dev, then test, indices counted across them.
    public static func select(_ dataset: ImageDataset, _ selection: ExampleSelection, seed: UInt64) throws
        -> (split: String, indices: [Int], examples: ImageExamples) {
        try UserError.wrapping { try selection.validate() }
        let parts = selection.split == ExampleSelection.all ? [dataset.train, dataset.dev, dataset.test]
            : [try dataset.split(selection.split).orThrow(UserError("dataset \(dataset.name) has no \(selection.split) split"))]
        var pixels: [UInt8] = [], labels: [Int32] = []
        for part in parts {
            pixels += part.pixels
            labels += part.labels
        }
        let pool = try UserError.wrapping { try ImageExamples(shape: dataset.shape, pixels: pixels, labels: labels.map(Int.init)) }
        let what = selection.split == ExampleSelection.all ? "\(dataset.name) (all splits)" : "the \(selection.split) split of \(dataset.name)"
        guard !pool.isEmpty else { throw UserError("\(what) is empty") }
        guard selection.offset < pool.count else {
            throw UserError("--num-examples-offset \(selection.offset) is past the end of \(what), which has \(pool.count) images")
        }
        var indices = Array(selection.offset..<pool.count)
        if let limit = selection.limit { indices = Array(indices.prefix(limit)) }
        if let sample = selection.sample { indices = Sampling.sample(indices, count: sample, seed: seed) }
        return (selection.split, indices, pool.subset(indices))
    }

    /// A seeded subset of `count` training images with each class's share kept (largest remainders), in split order.
    public static func stratifiedSubset(labels: [Int], count: Int, seed: UInt64) -> [Int] {
        var byClass: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { byClass[label, default: []].append(index) }
        let classes = byClass.keys.sorted()
        let total = labels.count
        var quotas = classes.map { byClass[$0, default: []].count * count / total }
        var remainders = classes.enumerated().map { ($0.offset, byClass[$0.element, default: []].count * count % total) }
        remainders.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        var missing = count - quotas.reduce(0, +)
        for (position, _) in remainders where missing > 0 {
            quotas[position] += 1
            missing -= 1
        }
        var chosen: [Int] = []
        for (position, label) in classes.enumerated() {
            var members = byClass[label, default: []]
            var random = SeededRandom(seed: SeededRandom.mix(seed, label, 0x5B5E7))
            for i in stride(from: members.count - 1, to: 0, by: -1) { members.swapAt(i, random.below(i + 1)) }
            chosen += members.prefix(quotas[position])
        }
        return chosen.sorted()
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let value = self else { throw error() }
        return value
    }
}

public enum ImageRecording {
    /// How an image is named in records: `dataset/split/index`.
    public static func name(dataset: String, split: String, index: Int) -> String { "\(dataset)/\(split)/\(index)" }

    /// Clean predictions of `examples` (the split's first images, indices 0…) as rows of the clean recipe, with
    /// each image's loss, and the clean metrics.
    public static func recordClean(_ store: ResultStore, run: Int64, split: String, dataset: String, examples: ImageExamples,
                                   indices: [Int]? = nil, result: Evaluation.Result, labels: [String], seconds: Double) throws {
        let perImage = examples.isEmpty ? 0 : seconds * 1000 / Double(examples.count)
        let done = try store.completedExampleIndices(run: run, recipe: RunRecording.cleanRecipe)
        let losses = Evaluation.losses(probabilities: result.probabilities, gold: examples.labels)
        for position in 0..<examples.count {
            let index = indices?[position] ?? position
            guard !done.contains(index) else { continue }
            let gold = labels[examples.labels[position]], predicted = labels[result.predictions[position]]
            try store.recordExample(ExampleRecord(
                runID: run, recipe: RunRecording.cleanRecipe, exampleIndex: index,
                text: name(dataset: dataset, split: split, index: index), gold: gold, cleanPrediction: predicted,
                status: predicted == gold ? .skipped : .cleanWrong, queries: 1, wordsChanged: 0, wordsTotal: examples.shape.count,
                milliseconds: perImage, detailJSON: losses[position].isFinite ? "{\"loss\":\(losses[position])}" : nil))
        }
        try store.recordMetrics(RunRecording.cleanMetrics(of: try store.examples(run: run, recipe: RunRecording.cleanRecipe),
                                                          labels: labels, run: run))
    }
}

/// Images as PNG for records and reports.
public enum ImagePNG {
    /// One image (CHW, pixels in [0, 1]) as base64 PNG (8-bit, grey or RGB); nil when it cannot be encoded.
    public static func encode(_ pixels: [Float], shape: ImageShape) -> String? {
        guard pixels.count == shape.count, shape.channels == 1 || shape.channels == 3 else { return nil }
        let bytes = pixels.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
        guard let image = try? PixelImage(shape: shape, pixels: bytes), let png = try? ImageCodec.encodePNG(image) else { return nil }
        return Data(png).base64EncodedString()
    }
}
