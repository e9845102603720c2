// VitFamily: the Vision Transformer (`ViTForImageClassification`, `ViTModel`). Patch embedding
// (PatchEmbeddings.swift: Conv2d of stride = kernel = patch_size as a GEMM, [CLS] row, learned positions,
// dropout), pre-LN blocks (`layernorm_before` → self-attention with `qkv_bias` → dropout + residual,
// `layernorm_after` → dense → exact GELU → dense → dropout + residual), the final `layernorm`, and a plain
// linear `classifier` on the [CLS] row (no pooler: `add_pooling_layer=False`). Keys sit under `vit.`.
// The image's rescaling and normalisation live in preprocessor_config.json (ImageModel.swift).
import Foundation
import Tensors

public struct VitFamily: ModelFamily {
    public var modelType: String { "vit" }
    public var classificationArchitecture: String { "ViTForImageClassification" }
    public var baseArchitecture: String { "ViTModel" }
    public var prefix: String { "vit." }
    public init() {}

    public func config(from json: ConfigReader) throws -> EncoderConfig {
        let imageSize = try VitFamily.squareSize(json, "image_size", default: 224)
        let patchSize = try VitFamily.squareSize(json, "patch_size", default: 16)
        let channels = try json.int("num_channels", default: 3)
        guard patchSize >= 1, imageSize >= 1, imageSize <= 4096, imageSize % patchSize == 0 else {
            throw EngineError.invalidConfig("image_size \(imageSize) must be a multiple of patch_size \(patchSize) (and at most 4096)")
        }
        let geometry = PatchGeometry(channels: channels, imageSize: imageSize, patchSize: patchSize)
        var architecture = Architecture()
        architecture.input = .patches(geometry)
        architecture.block = .preNorm
        architecture.firstBlockNorm = true
        architecture.feedForwardDropoutOnOutput = true
        // transformers' ViTSelfOutput keeps its bias whatever qkv_bias says; only query, key and value lose theirs.
        architecture.qkvBias = try json.bool("qkv_bias", default: true)
        architecture.head = HeadConfig(pooling: .first, denseBias: true, norm: false, dense: false)
        let hidden = try json.float("hidden_dropout_prob", default: 0)
        let size = try json.int("hidden_size", default: 768)
        return try EncoderConfig(
            modelType: modelType, vocabSize: 1, hiddenSize: size, embeddingSize: size,
            layerCount: try json.int("num_hidden_layers", default: 12), headCount: try json.int("num_attention_heads", default: 12),
            intermediateSize: try json.int("intermediate_size", default: 3072), maxPositions: geometry.sequenceLength,
            typeVocabSize: 0, layerNormEps: try json.float("layer_norm_eps", default: 1e-12), padTokenID: 0,
            activation: try BertFamily.exactGELU(json, "hidden_act"),
            dropout: DropoutRates(embeddings: hidden, attention: try json.float("attention_probs_dropout_prob", default: 0),
                                  attentionOutput: hidden, feedForward: hidden),
            architecture: architecture, labels: try json.labels())
    }

    /// `image_size` / `patch_size`: an integer, or a [height, width] pair that must be square.
    static func squareSize(_ json: ConfigReader, _ key: String, default value: Int) throws -> Int {
        if let pair = json.raw[key] as? [Any] {
            let sides = pair.compactMap { ($0 as? NSNumber)?.intValue }
            guard sides.count == 2, sides.count == pair.count, sides[0] == sides[1] else {
                throw EngineError.invalidConfig("\(key) must be one number or a square [height, width] pair")
            }
            return sides[0]
        }
        return try json.int(key, default: value)
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        let decimal = ConfigWriter.decimal
        let geometry = config.architecture.patches ?? PatchGeometry(channels: 3, imageSize: 224, patchSize: 16)
        return [
            "image_size": geometry.imageSize, "patch_size": geometry.patchSize, "num_channels": geometry.channels,
            "encoder_stride": geometry.patchSize, "hidden_size": config.hiddenSize, "num_hidden_layers": config.layerCount,
            "num_attention_heads": config.headCount, "intermediate_size": config.intermediateSize,
            "hidden_act": config.activation.huggingFaceName, "hidden_dropout_prob": decimal(config.dropout.feedForward ?? 0),
            "attention_probs_dropout_prob": decimal(config.dropout.attention ?? 0),
            "layer_norm_eps": decimal(config.layerNormEps), "qkv_bias": config.architecture.qkvBias,
            "initializer_range": 0.02,
        ]
    }

    static let names = KeyRenaming([
        ("attention.LayerNorm.", "layernorm_before."), ("attention.self.", "attention.attention."),
        ("intermediate.LayerNorm.", "layernorm_after."), ("encoder.LayerNorm.", "layernorm."),
    ])

    public func rename(_ parameter: String) -> String { VitFamily.names.apply(parameter) }
}
