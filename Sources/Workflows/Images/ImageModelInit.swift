// ImageModelInit: `robust model init --family vit` — a new, seeded random Vision Transformer of a preset size (or given dimensions) for
// the images and labels of a dataset (or given ones), with a preprocessor_config.json whose per-channel mean and
// standard deviation come from the training images (or are given), written as a Hugging Face folder that
// transformers loads and `robust train` starts from.
import Basics
import Foundation
import Training
import Transformer

public struct ImageModelInit {
    public var dimensions: VitFamily.Dimensions
    public var shape: ImageShape
    public var patchSize: Int
    public var labels: [String]
    public var normalization: PixelNormalization
    public var seed: UInt64
    public var dropout: Float = 0
    public var out: URL
    public var overwrite = false

    public init(dimensions: VitFamily.Dimensions, shape: ImageShape, patchSize: Int, labels: [String], normalization: PixelNormalization,
                seed: UInt64, out: URL) {
        self.dimensions = dimensions
        self.shape = shape
        self.patchSize = patchSize
        self.labels = labels
        self.normalization = normalization
        self.seed = seed
        self.out = out
    }

    /// The image shape, labels and training-pixel normalisation of an image dataset (by name or folder).
    public static func describing(_ data: String) throws -> (shape: ImageShape, labels: [String], normalization: PixelNormalization) {
        let dataset = try ImageData.load(data)
        return (dataset.shape, dataset.labels, statistics(of: try ImageData.examples(dataset.train)))
    }

    /// Per-channel mean and standard deviation of 8-bit images in [0, 1] (population std), as normalisation.
    public static func statistics(of examples: ImageExamples) -> PixelNormalization {
        let shape = examples.shape, plane = shape.height * shape.width
        var sums = [Double](repeating: 0, count: shape.channels), squares = sums
        examples.pixels.withUnsafeBufferPointer { pixels in
            for image in 0..<examples.count {
                for c in 0..<shape.channels {
                    let start = image * shape.count + c * plane
                    var s = 0.0, q = 0.0
                    for i in start..<(start + plane) {
                        let x = Double(pixels[i]) / 255
                        s += x
                        q += x * x
                    }
                    sums[c] += s
                    squares[c] += q
                }
            }
        }
        let n = Double(max(examples.count * plane, 1))
        let mean = sums.map { $0 / n }
        let std = zip(squares, mean).map { max(($0 / n - $1 * $1).squareRoot(), 1e-3) }
        // Rounded to 4 decimals, so preprocessor_config.json reads as people write it.
        func round(_ x: Double) -> Float { Float((x * 10_000).rounded() / 10_000) }
        return PixelNormalization(mean: mean.map(round), std: std.map(round))
    }

    /// Writes the folder; returns the config written.
    @discardableResult
    public func run() throws -> EncoderConfig {
        try OutputFolder.checkWritable(out, what: "--out")
        let config: EncoderConfig
        do {
            config = try VitFamily().newConfig(dimensions: dimensions, shape: shape, patchSize: patchSize, labels: labels, dropout: dropout)
        } catch EngineError.invalidConfig(let message) {
            // The config is the one asked for, not a file read: say so, not "invalid config.json".
            throw UserError("cannot make this ViT: \(message)")
        }
        try UserError.wrapping {
            try ImageModelHandle.writeNew(config: config, preprocessor: ImagePreprocessor(shape: shape, normalization: normalization),
                                          seed: seed, to: out, overwrite: overwrite)
        }
        return config
    }
}
