// ImageAugmentWorkflow: `robust augment --recipe image-… --data IMAGE_DATASET` — a new image dataset whose training
// split holds every original image followed by its augmented copies (per-image draws seeded by (seed, copy,
// index), so the same seed gives the same bytes), dev and test unchanged; optionally PNG files of the first images
// beside their copies, to look at what a recipe does. Recipes that mix images (mixup, cutmix) make soft labels a
// dataset cannot hold: they apply on the fly in training only. Recorded as an augment run.
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Training
import Vision

public struct ImageAugmentWorkflow {
    public var dataset: ImageDataset
    public var recipes: [String]
    public var perExample = 1
    public var seed: UInt64 = 42
    public var trainSubset: Int?
    public var out: URL
    public var name: String
    public var replace = false
    public var database: String
    /// Write PNGs of the first N training images and their copies here.
    public var pngFolder: URL?
    public var pngCount = 16

    public init(dataset: ImageDataset, recipes: [String], out: URL, name: String, database: String) {
        self.dataset = dataset
        self.recipes = recipes
        self.out = out
        self.name = name
        self.database = database
    }

    public struct Outcome {
        public var runID: Int64
        public var dataset: ImageDataset
        public var added: Int
        public var pngs: Int
    }

    public func run(reporter: Reporter) throws -> Outcome {
        guard (1...100).contains(perExample) else { throw UserError("--per-example must be in 1...100 for images") }
        let plan = try ImageAugmentationPlan(recipes: recipes, shape: dataset.shape, classes: dataset.labels.count, seed: seed)
        if let mixing = plan.recipes.first(where: \.mixesBatches) {
            throw UserError("\(mixing.name) mixes images and labels (mixup/cutmix): it applies on the fly in training (robust train --augment), not to a stored dataset")
        }
        var train = try ImageData.examples(dataset.train)
        if let count = trainSubset {
            guard count < train.count else { throw UserError("--train-subset \(count) is not smaller than the training split (\(train.count) images)") }
            train = train.subset(ImageData.stratifiedSubset(labels: train.labels, count: count, seed: seed))
        }
        let n = train.shape.count
        let buffer = FloatBuffer(capacity: n)
        var pixels: [UInt8] = [], labels: [Int32] = []
        pixels.reserveCapacity(train.count * (perExample + 1) * n)
        var pngs = 0
        if let pngFolder { try UserError.wrapping { try FileManager.default.createDirectory(at: pngFolder, withIntermediateDirectories: true) } }
        for index in 0..<train.count {
            if index % 1000 == 0 { reporter.progress("augmenting: \(index)/\(train.count)") }
            let original = train.pixels[(index * n)..<((index + 1) * n)]
            pixels += original
            labels.append(Int32(train.labels[index]))
            for copy in 0..<perExample {
                train.gather([index], into: buffer.pointer)
                // The copy number plays the epoch's part: copy k of image i is what epoch k of training would draw.
                _ = try plan.apply(buffer.pointer, indices: [index], labels: [train.labels[index]], epoch: copy)
                let bytes = (0..<n).map { UInt8(max(0, min(255, (buffer.pointer[$0] * 255).rounded()))) }
                pixels += bytes
                labels.append(Int32(train.labels[index]))
                if let pngFolder, index < pngCount {
                    let label = dataset.labels[train.labels[index]].replacingOccurrences(of: "/", with: "-")
                    if copy == 0, let png = try? ImageCodec.encodePNG(PixelImage(shape: train.shape, pixels: Array(original))) {
                        try UserError.wrapping { try Data(png).write(to: pngFolder.appendingPathComponent("\(index)-\(label)-original.png")) }
                        pngs += 1
                    }
                    if let png = try? ImageCodec.encodePNG(PixelImage(shape: train.shape, pixels: bytes)) {
                        try UserError.wrapping { try Data(png).write(to: pngFolder.appendingPathComponent("\(index)-\(label)-copy\(copy + 1).png")) }
                        pngs += 1
                    }
                }
            }
        }
        reporter.endProgress()
        let augmentedTrain = try UserError.wrapping { try ImageSplit(shape: dataset.shape, pixels: pixels, labels: labels) }
        var preparation = dataset.manifest.preparation
        preparation.notes.append("training split: each of \(train.count) images followed by \(perExample) cop\(perExample == 1 ? "y" : "ies") made with \(plan.recipes.map(\.name).joined(separator: ", ")) (seed \(seed), recipes sha256 \(plan.sha256))")
        let augmented = try UserError.wrapping {
            try ImageDataset(name: name, description: "\(dataset.name) augmented with \(plan.recipes.map(\.name).joined(separator: ", "))",
                             labels: dataset.labels, shape: dataset.shape, train: augmentedTrain, dev: dataset.dev, test: dataset.test,
                             sources: dataset.manifest.sources, split: dataset.manifest.split, preparation: preparation,
                             robustVersion: RobustVersion.current)
        }
        let store = try RunRecording.openForWriting(database)
        struct Config: Codable { var recipes: [String]; var perExample: Int; var seed: UInt64; var trainSubset: Int?; var out: String }
        var run = try RunRecording.run(kind: .augment, modelHash: "", dataHash: dataset.manifest.contentSHA256, seed: seed,
                                       config: Config(recipes: plan.recipes.map(\.name), perExample: perExample, seed: seed,
                                                      trainSubset: trainSubset, out: out.path))
        run.recipeHash = plan.sha256
        var written: ImageDataset?
        let runID = try UserError.wrapping {
            try store.withRun(run) { started in
                written = try augmented.write(to: out, replace: replace)
                return started.runID
            }
        }
        return Outcome(runID: runID, dataset: written ?? augmented, added: train.count * perExample, pngs: pngs)
    }
}
