// ModelCommand: `robust model init` — a new, seeded random model to train from scratch (today: a Vision
// Transformer for a dataset's images and labels).
import ArgumentParser
import Basics
import Foundation
import Training
import Transformer
import Workflows

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Make models to train from scratch.", subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Write a new, seeded random Vision Transformer (Hugging Face ViTForImageClassification folder) for an image dataset.")

        @Option(help: "Model family (vit).") var family = "vit"
        @Option(help: "Size: tiny (hidden 64, 6 layers, 4 heads, MLP 128) or small (hidden 192, 6 layers, 3 heads, MLP 384).")
        var size = "tiny"
        @Option(help: "Hidden size, overriding --size's.") var hiddenSize: Int?
        @Option(help: "Number of encoder layers, overriding --size's.") var layers: Int?
        @Option(help: "Number of attention heads (must divide the hidden size), overriding --size's.") var heads: Int?
        @Option(help: "Feed-forward (MLP) size, overriding --size's.") var intermediateSize: Int?
        @Option(help: "Image dataset whose image shape, labels and training-pixel mean/std the model takes (a fetched name or folder).")
        var data: String?
        @Option(help: "Class names, comma-separated (instead of --data).") var labels: String?
        @Option(help: "Square image side in pixels (instead of --data).") var imageSize: Int?
        @Option(help: "Channels, 1 or 3 (instead of --data).") var channels: Int?
        @Option(help: "Per-channel normalisation mean, comma-separated (default: the training images', or 0.5).") var mean: String?
        @Option(help: "Per-channel normalisation std, comma-separated (default: the training images', or 0.5).") var std: String?
        @Option(help: "Patch side in pixels (the image side must be a multiple).") var patchSize = 4
        @Option(help: "Dropout on hidden states and attention written into config.json.") var dropout: Float = 0
        @Option(help: "Seed of the initial weights.") var seed: UInt64 = 42
        @Option(help: "Output model folder.") var out: String
        @Flag(help: "Replace a model already in --out.") var overwrite = false

        func validate() throws {
            guard family == "vit" else { throw ValidationError("--family must be vit (text models start from a pretrained checkpoint)") }
            guard VitFamily.Size(rawValue: size) != nil else {
                throw ValidationError("--size must be one of \(VitFamily.Size.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if data == nil && (labels == nil || imageSize == nil) {
                throw ValidationError("give --data DATASET, or --labels, --image-size (and --channels)")
            }
            if data != nil && (labels != nil || imageSize != nil || channels != nil) {
                throw ValidationError("--data sets the labels and image shape; leave out --labels, --image-size and --channels")
            }
            guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1)") }
        }

        static func floats(_ text: String?, _ name: String, count: Int) throws -> [Float]? {
            guard let text else { return nil }
            let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == count, values.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--\(name) needs \(count) comma-separated number(s)")
            }
            return values.compactMap { $0 }
        }

        func run() throws {
            var shape: ImageShape, classes: [String], normalization: PixelNormalization
            if let data {
                (shape, classes, normalization) = try ImageModelInit.describing(data)
            } else {
                let side = imageSize ?? 0
                shape = ImageShape(channels: channels ?? 3, height: side, width: side)
                classes = (labels ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                normalization = PixelNormalization(mean: Array(repeating: 0.5, count: shape.channels),
                                                   std: Array(repeating: 0.5, count: shape.channels))
            }
            if let mean = try Self.floats(mean, "mean", count: shape.channels) { normalization.mean = mean }
            if let std = try Self.floats(std, "std", count: shape.channels) { normalization.std = std }
            guard let preset = VitFamily.Size(rawValue: size) else { throw ValidationError("unknown --size \(size)") }
            var dimensions = preset.dimensions
            dimensions.hidden = hiddenSize ?? dimensions.hidden
            dimensions.layers = layers ?? dimensions.layers
            dimensions.heads = heads ?? dimensions.heads
            dimensions.inner = intermediateSize ?? dimensions.inner
            var workflow = ImageModelInit(dimensions: dimensions, shape: shape, patchSize: patchSize,
                                          labels: classes, normalization: normalization, seed: seed, out: URL(fileURLWithPath: out))
            workflow.dropout = dropout
            workflow.overwrite = overwrite
            let config = try workflow.run()
            let geometry = config.architecture.patches
            let custom = dimensions != preset.dimensions ? " with overrides" : ""
            print("wrote \(out): ViT \(size)\(custom) (hidden \(config.hiddenSize), \(config.layerCount) layers, \(config.headCount) heads, MLP \(config.intermediateSize)), " +
                  "\(shape) images in \(geometry?.patchCount ?? 0) patches of \(patchSize)×\(patchSize), \(classes.count) labels, " +
                  "normalisation mean \(normalization.mean) std \(normalization.std), seed \(seed)")
        }
    }
}
