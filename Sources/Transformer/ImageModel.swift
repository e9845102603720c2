// ImageModel: a loaded image classifier folder (a Hugging Face `ViTForImageClassification`: config.json,
// model.safetensors, preprocessor_config.json) — its family, engine model, the preprocessor's image shape and
// per-channel normalisation, the SHA-256 of its weights — saved back in the same format (transformers
// loads what robust trains), and written new from a seeded random initialisation (`robust model init`).
// Pixels robust hands the model are in [0, 1]; the preprocessor's rescale (1/255 of 8-bit values) is
// implied, its normalisation runs inside the engine (PatchEmbeddings.swift), so gradients reach [0, 1] pixels.
import Basics
import Foundation
import SafeTensors
import Tensors

/// What preprocessor_config.json says the model expects: image shape and normalisation.
public struct ImagePreprocessor: Sendable, Equatable {
    public var shape: ImageShape
    public var normalization: PixelNormalization

    public init(shape: ImageShape, normalization: PixelNormalization) {
        self.shape = shape
        self.normalization = normalization
    }

    /// transformers' ViTImageProcessor defaults (IMAGENET_STANDARD mean and std 0.5) for a folder without
    /// preprocessor_config.json.
    public static func defaults(for geometry: PatchGeometry) -> ImagePreprocessor {
        ImagePreprocessor(shape: ImageShape(channels: geometry.channels, height: geometry.imageSize, width: geometry.imageSize),
                          normalization: PixelNormalization(mean: Array(repeating: 0.5, count: geometry.channels),
                                                            std: Array(repeating: 0.5, count: geometry.channels)))
    }

    /// Reads `raw` (preprocessor_config.json) for a model of `geometry`, refusing what robust does not
    /// implement with one line.
    public static func read(_ raw: [String: Any], geometry: PatchGeometry, file: String) throws -> ImagePreprocessor {
        func fail(_ message: String) -> EngineError { EngineError.checkpoint("\(file): \(message)") }
        func flag(_ key: String, _ value: Bool) throws -> Bool {
            guard let entry = raw[key], !(entry is NSNull) else { return value }
            guard let number = entry as? NSNumber, ConfigReader.isBoolean(entry) else { throw fail("\(key) must be true or false") }
            return number.boolValue
        }
        func floats(_ key: String) throws -> [Float]? {
            guard let entry = raw[key], !(entry is NSNull) else { return nil }
            if let number = entry as? NSNumber, !ConfigReader.isBoolean(entry) {
                return Array(repeating: number.floatValue, count: geometry.channels)
            }
            guard let list = entry as? [Any] else { throw fail("\(key) must be a number or a list of numbers") }
            let values = list.compactMap { ($0 as? NSNumber)?.floatValue }
            guard values.count == list.count else { throw fail("\(key) must be a list of numbers") }
            return values
        }
        var processor = defaults(for: geometry)
        if try flag("do_rescale", true) {
            if let factor = (raw["rescale_factor"] as? NSNumber)?.doubleValue, abs(factor - 1.0 / 255.0) > 1e-9 {
                throw fail("rescale_factor \(factor) is not supported (robust reads 8-bit images as value / 255)")
            }
        } else {
            throw fail("do_rescale: false is not supported (robust feeds the model pixels rescaled to [0, 1])")
        }
        if try flag("do_normalize", true) {
            processor.normalization.mean = try floats("image_mean") ?? processor.normalization.mean
            processor.normalization.std = try floats("image_std") ?? processor.normalization.std
        } else {
            processor.normalization = .identity(channels: geometry.channels)
        }
        do { try processor.normalization.validate(channels: geometry.channels) } catch { throw fail("\(error)") }
        if let size = raw["size"] as? [String: Any] {
            let height = (size["height"] as? NSNumber)?.intValue ?? (size["shortest_edge"] as? NSNumber)?.intValue
            let width = (size["width"] as? NSNumber)?.intValue ?? height
            if let height, let width, height != geometry.imageSize || width != geometry.imageSize {
                throw fail("size \(height)×\(width) differs from the model's image_size \(geometry.imageSize)")
            }
        }
        return processor
    }

    /// preprocessor_config.json as ViTImageProcessor saves it, with `base`'s other keys kept.
    public func data(mergingInto base: [String: Any] = [:]) throws -> Data {
        var raw = base
        raw["image_processor_type"] = raw["image_processor_type"] ?? "ViTImageProcessor"
        raw["do_resize"] = raw["do_resize"] ?? true
        raw["resample"] = raw["resample"] ?? 2
        raw["do_rescale"] = true
        raw["rescale_factor"] = 1.0 / 255.0
        raw["do_normalize"] = true
        raw["image_mean"] = normalization.mean.map(ConfigWriter.decimal)
        raw["image_std"] = normalization.std.map(ConfigWriter.decimal)
        raw["size"] = ["height": shape.height, "width": shape.width]
        return try ConfigWriter.data(raw)
    }
}

public final class ImageModelHandle: @unchecked Sendable {
    public let folder: URL
    public let family: any ModelFamily
    public let model: EncoderModel
    public let preprocessor: ImagePreprocessor
    /// Whether the classification head came from the file (false: new, seeded).
    public let hasTrainedHead: Bool
    let weights: ModelFolder
    let rawPreprocessor: [String: Any]

    public var config: EncoderConfig { model.config }
    public var labels: [String] { model.config.labels }
    public var shape: ImageShape { preprocessor.shape }
    public var path: String { folder.relativePath }
    /// SHA-256 (hex) of model.safetensors as loaded (a run's `model_hash`).
    public var weightsSHA256: String { weights.sha256 }

    /// Loads `directory`: an image model's weights and its preprocessor_config.json (absent: transformers'
    /// defaults). `labels` names the classes of a new head; `seed` initialises anything new.
    public init(directory: URL, labels: [String]? = nil, seed: UInt64 = 0) throws {
        let weights = try ModelFolder.load(directory: directory, labels: labels, seed: seed)
        guard let geometry = weights.model.config.architecture.patches else {
            throw EngineError.checkpoint("\(directory.path) holds a \(weights.model.config.modelType) text model, not an image model")
        }
        let file = directory.appendingPathComponent("preprocessor_config.json")
        var raw: [String: Any] = [:]
        if FileManager.default.fileExists(atPath: file.path) {
            do {
                let data = try FileLimits.read(file, as: .modelConfig)
                guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw EngineError.checkpoint("\(file.path): not a JSON object")
                }
                raw = parsed
            } catch let error as EngineError { throw error } catch {
                throw EngineError.checkpoint("\(file.path): \(error.localizedDescription)")
            }
            preprocessor = try ImagePreprocessor.read(raw, geometry: geometry, file: file.path)
        } else {
            preprocessor = ImagePreprocessor.defaults(for: geometry)
        }
        folder = directory
        family = weights.family
        model = weights.model
        self.weights = weights
        hasTrainedHead = weights.hasTrainedHead
        rawPreprocessor = raw
    }

    /// Whether `directory`'s config.json describes an image model (ViT); false when it is absent or unreadable.
    public static func isImageModel(_ directory: URL) -> Bool {
        guard let data = try? FileLimits.read(directory.appendingPathComponent("config.json"), as: .modelConfig),
              let raw = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return (raw["model_type"] as? String) == VitFamily().modelType
    }

    public func requireTrainedHead() throws {
        guard hasTrainedHead else {
            throw UserError("\(path) has no trained classification head; train it first with robust train")
        }
    }

    /// Writes the folder as a `ViTForImageClassification` checkpoint with its preprocessor_config.json.
    public func save(to directory: URL, overwrite: Bool = false, extraFiles: [String: Data] = [:]) throws {
        try CheckpointStaging.write(to: directory, overwrite: overwrite) { staging in
            try weights.writeWeights(into: staging)
            try preprocessor.data(mergingInto: rawPreprocessor).write(to: staging.appendingPathComponent("preprocessor_config.json"))
            for (name, data) in extraFiles { try data.write(to: staging.appendingPathComponent(name)) }
        }
    }

    /// Writes a new, seeded random image model (HF's initialisation: normal(0, 0.02), zero biases, unit
    /// LayerNorm gains) of `config` with `preprocessor` into `directory`.
    public static func writeNew(config: EncoderConfig, preprocessor: ImagePreprocessor, seed: UInt64, to directory: URL,
                                overwrite: Bool = false) throws {
        guard config.architecture.patches != nil else { throw EngineError.invalidConfig("not an image model") }
        let family = try ModelFamilies.family(modelType: config.modelType)
        let model = try EncoderModel(config: config, classes: config.labels.count, seed: seed)
        try CheckpointStaging.write(to: directory, overwrite: overwrite) { staging in
            try ModelFolder.writeWeights(model, family: family, rawConfig: [:], into: staging)
            try preprocessor.data().write(to: staging.appendingPathComponent("preprocessor_config.json"))
        }
    }
}

extension VitFamily {
    /// The shape of a ViT's encoder: what a size preset fixes, and what `robust model init` can override.
    public struct Dimensions: Equatable, Sendable {
        public var hidden: Int
        public var layers: Int
        public var heads: Int
        public var inner: Int

        public init(hidden: Int, layers: Int, heads: Int, inner: Int) {
            self.hidden = hidden
            self.layers = layers
            self.heads = heads
            self.inner = inner
        }
    }

    /// The sizes `robust model init --family vit --size` offers.
    public enum Size: String, CaseIterable, Sendable {
        /// hidden 64, 6 layers, 4 heads, feed-forward 128.
        case tiny
        /// hidden 192, 6 layers, 3 heads, feed-forward 384 (DeiT-Tiny's width).
        case small

        public var dimensions: Dimensions {
            switch self {
            case .tiny: return Dimensions(hidden: 64, layers: 6, heads: 4, inner: 128)
            case .small: return Dimensions(hidden: 192, layers: 6, heads: 3, inner: 384)
            }
        }
    }

    /// The config of a new ViT of `size` for square images of `shape`, cut into `patchSize` patches,
    /// classifying into `labels`; read back through `config(from:)`, so it is exactly what loading gives.
    public func newConfig(size: Size, shape: ImageShape, patchSize: Int, labels: [String], dropout: Float = 0) throws -> EncoderConfig {
        try newConfig(dimensions: size.dimensions, shape: shape, patchSize: patchSize, labels: labels, dropout: dropout)
    }

    /// Encoder parameters (4·hidden² + 2·hidden·feed-forward a layer) a new model may have: 0.5B, 2 GB in fp32,
    /// about 8 GB once AdamW's moments and the gradients join them in training.
    public static let largestNewModel = 5e8

    /// The config of a new ViT of the given `dimensions` (see `newConfig(size:…)`).
    public func newConfig(dimensions d: Dimensions, shape: ImageShape, patchSize: Int, labels: [String], dropout: Float = 0) throws -> EncoderConfig {
        // Positive sizes and heads dividing hidden are EncoderConfig's checks (below, through config(from:)); here
        // only what a from-scratch model adds: its random weights are allocated and written at once.
        let encoderParameters = Double(max(d.layers, 0)) * (4 * Double(d.hidden) * Double(d.hidden) + 2 * Double(d.hidden) * Double(d.inner))
        guard encoderParameters <= Self.largestNewModel else {
            throw EngineError.invalidConfig(String(format: "a ViT of hidden %d, %d layers, feed-forward %d has about %.1fB parameters; robust makes at most %.1fB from scratch",
                                                   d.hidden, d.layers, d.inner, encoderParameters / 1e9, Self.largestNewModel / 1e9))
        }
        guard shape.height == shape.width else {
            throw EngineError.invalidConfig("a ViT needs square images, got \(shape.height)×\(shape.width)")
        }
        guard labels.count >= 2 else { throw EngineError.invalidConfig("an image classifier needs at least 2 labels") }
        var raw: [String: Any] = [
            "model_type": modelType, "image_size": shape.height, "patch_size": patchSize, "num_channels": shape.channels,
            "hidden_size": d.hidden, "num_hidden_layers": d.layers, "num_attention_heads": d.heads,
            "intermediate_size": d.inner, "hidden_act": "gelu", "hidden_dropout_prob": Double(dropout),
            "attention_probs_dropout_prob": Double(dropout), "layer_norm_eps": 1e-12, "qkv_bias": true,
        ]
        ConfigWriter.setLabels(labels, classification: classificationArchitecture, base: baseArchitecture, into: &raw)
        var config = try self.config(from: ConfigReader(raw))
        config.labels = labels
        return config
    }
}
