// ModernBertFamily: ModernBERT (`ModernBertForSequenceClassification`). A pre-LN encoder
// (PreNormLayer.swift) with no position table: rotary positions (Rotary.swift) with a global and a local
// theta, local layers attending to keys within `local_attention` / 2 and global ones to all (`layer_types`,
// or every `global_attn_every_n_layers`-th layer in older configs), a GeGLU feed-forward (`mlp.Wi` gives
// input and gate), no biases unless `attention_bias`/`mlp_bias`/`norm_bias`, a `final_norm`; head
// `head.dense` → `classifier_activation` → `head.norm` on the first token or the mean
// (`classifier_pooling`), then dropout (`classifier_dropout`) and `classifier`.
import Foundation
import Tensors

public struct ModernBertFamily: ModelFamily {
    public var modelType: String { "modernbert" }
    public var classificationArchitecture: String { "ModernBertForSequenceClassification" }
    public var baseArchitecture: String { "ModernBertModel" }
    public var prefix: String { "model." }
    public init() {}

    public func config(from json: ConfigReader) throws -> EncoderConfig {
        let layers = try json.int("num_hidden_layers", default: 22)
        // Checked here as EncoderConfig checks it, because the per-layer attention pattern is built first.
        guard layers >= 1, layers <= 1024 else {
            throw EngineError.invalidConfig("num_hidden_layers must be in 1...1024, got \(layers)")
        }
        let size = try json.int("hidden_size", default: 768), heads = try json.int("num_attention_heads", default: 12)
        if !json.isAbsent("head_dim"), heads > 0, try json.int("head_dim") != size / heads {
            throw EngineError.invalidConfig("head_dim other than hidden_size / num_attention_heads is not supported")
        }
        if !json.isAbsent("rope_scaling") {
            throw EngineError.invalidConfig("rope_scaling is not supported (robust implements the default rotary embedding)")
        }
        var global: [Bool]
        if let types = json.raw["layer_types"] as? [String] {
            global = try types.map { type in
                guard ["full_attention", "sliding_attention"].contains(type) else {
                    throw EngineError.invalidConfig("layer_types entry '\(type)' is not supported (only 'full_attention', 'sliding_attention')")
                }
                return type == "full_attention"
            }
        } else {
            let every = try json.int("global_attn_every_n_layers", default: 3)
            guard every >= 1 else { throw EngineError.invalidConfig("global_attn_every_n_layers must be at least 1") }
            global = (0..<layers).map { $0 % every == 0 }
        }
        let thetas = try ropeThetas(json)
        var architecture = Architecture()
        architecture.positions = .none
        architecture.block = .preNorm
        architecture.attention = .rotary(RotaryAttention(globalTheta: thetas.global, localTheta: thetas.local,
                                                         localHalfWindow: try json.int("local_attention", default: 128) / 2,
                                                         globalLayers: global))
        architecture.gatedFeedForward = true
        architecture.fusedQKV = true
        architecture.firstBlockNorm = false
        architecture.attentionBias = try json.bool("attention_bias", default: false)
        architecture.feedForwardBias = try json.bool("mlp_bias", default: false)
        architecture.normBias = try json.bool("norm_bias", default: false)
        try json.require("classifier_pooling", in: ["cls", "mean"], default: "cls")
        architecture.head = HeadConfig(pooling: try json.string("classifier_pooling", default: "cls") == "mean" ? .mean : .first,
                                       denseBias: try json.bool("classifier_bias", default: false),
                                       activation: try json.activation("classifier_activation", default: "gelu"), norm: true)
        let attention = try json.float("attention_dropout", default: 0)
        return try EncoderConfig(
            modelType: modelType, vocabSize: try json.int("vocab_size"), hiddenSize: size, embeddingSize: size,
            layerCount: layers, headCount: heads, intermediateSize: try json.int("intermediate_size", default: 1152),
            maxPositions: try json.int("max_position_embeddings", default: 8192), typeVocabSize: 0,
            layerNormEps: try json.float("norm_eps", default: 1e-5), padTokenID: try json.int("pad_token_id", default: 50283),
            activation: try json.activation("hidden_activation", default: "gelu"),
            dropout: DropoutRates(embeddings: try json.float("embedding_dropout", default: 0), attention: attention,
                                  attentionOutput: attention, feedForward: try json.float("mlp_dropout", default: 0),
                                  classifier: try json.float("classifier_dropout", default: 0)),
            architecture: architecture, labels: try json.labels())
    }

    /// `rope_parameters` (transformers 5), else `global_rope_theta`/`local_rope_theta` (older configs).
    func ropeThetas(_ json: ConfigReader) throws -> (global: Float, local: Float) {
        var global = try json.float("global_rope_theta", default: 160_000), local = try json.float("local_rope_theta", default: 10_000)
        if let parameters = json.raw["rope_parameters"] as? [String: Any] {
            for (key, value) in parameters {
                guard let entry = value as? [String: Any] else { continue }
                let inner = ConfigReader(entry)
                try inner.require("rope_type", in: ["default"], default: "default")
                let theta = try inner.optionalFloat("rope_theta")
                if key == "full_attention", let theta { global = theta }
                if key == "sliding_attention", let theta { local = theta }
            }
        }
        return (global, local)
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        let decimal = ConfigWriter.decimal
        let a = config.architecture
        var keys: [String: Any] = [
            "vocab_size": config.vocabSize, "hidden_size": config.hiddenSize, "num_hidden_layers": config.layerCount,
            "num_attention_heads": config.headCount, "intermediate_size": config.intermediateSize,
            "hidden_activation": config.activation.huggingFaceName, "max_position_embeddings": config.maxPositions,
            "norm_eps": decimal(config.layerNormEps), "pad_token_id": config.padTokenID, "attention_bias": a.attentionBias,
            "mlp_bias": a.feedForwardBias, "norm_bias": a.normBias, "embedding_dropout": decimal(config.dropout.embeddings ?? 0),
            "attention_dropout": decimal(config.dropout.attention ?? 0), "mlp_dropout": decimal(config.dropout.feedForward ?? 0),
            "classifier_dropout": decimal(config.dropout.classifier ?? 0), "classifier_bias": a.head.denseBias,
            "classifier_activation": a.head.activation.huggingFaceName,
            "classifier_pooling": a.head.pooling == .mean ? "mean" : "cls",
        ]
        if case .rotary(let r) = a.attention {
            keys["local_attention"] = 2 * r.localHalfWindow
            keys["layer_types"] = r.globalLayers.map { $0 ? "full_attention" : "sliding_attention" }
            keys["rope_parameters"] = [
                "full_attention": ["rope_theta": decimal(r.globalTheta), "rope_type": "default"],
                "sliding_attention": ["rope_theta": decimal(r.localTheta), "rope_type": "default"],
            ]
        }
        return keys
    }

    static let names = KeyRenaming([
        ("embeddings.word_embeddings.", "embeddings.tok_embeddings."), ("embeddings.LayerNorm.", "embeddings.norm."),
        ("encoder.layer.", "layers."), ("attention.LayerNorm.", "attn_norm."), ("attention.self.qkv.", "attn.Wqkv."),
        ("attention.output.dense.", "attn.Wo."), ("intermediate.LayerNorm.", "mlp_norm."), ("intermediate.dense.", "mlp.Wi."),
        ("output.dense.", "mlp.Wo."), ("encoder.LayerNorm.", "final_norm."), ("pooler.dense.", "head.dense."),
        ("pooler.LayerNorm.", "head.norm."),
    ])

    public func rename(_ parameter: String) -> String { Self.names.apply(parameter) }
    public func isTopLevel(_ parameter: String) -> Bool { EncoderWeights.isHead(parameter) }
}
