// DebertaV2Family: DeBERTa-v2 and -v3 (`DebertaV2ForSequenceClassification`). BERT's post-LN block with
// disentangled attention (DisentangledAttention.swift): relative positions, log-bucketed
// (`position_buckets`), content→position and position→content terms (`pos_att_type`), through the
// attention's own projections (`share_att_key`) or `pos_key_proj`/`pos_query_proj`, over a relative table
// that may be LayerNorm'd (`norm_rel_ebd`). Absolute positions only with `position_biased_input`, token
// types only with `type_vocab_size` > 0, and an `embed_proj` (no bias) before the embedding LayerNorm
// when `embedding_size` differs. Head: the ContextPooler (dropout `pooler_dropout`, `pooler.dense`,
// `pooler_hidden_act`), then dropout (`cls_dropout`, else `hidden_dropout_prob`) and `classifier`.
import Foundation
import Tensors

public struct DebertaV2Family: ModelFamily {
    public var modelType: String { "deberta-v2" }
    public var classificationArchitecture: String { "DebertaV2ForSequenceClassification" }
    public var baseArchitecture: String { "DebertaV2Model" }
    public var prefix: String { "deberta." }
    public init() {}

    public func config(from json: ConfigReader) throws -> EncoderConfig {
        let size = try json.int("hidden_size", default: 1536), heads = try json.int("num_attention_heads", default: 24)
        if !json.isAbsent("attention_head_size"), heads > 0, try json.int("attention_head_size") != size / heads {
            throw EngineError.invalidConfig("attention_head_size other than hidden_size / num_attention_heads is not supported")
        }
        if try json.int("conv_kernel_size", default: 0) > 0 {
            throw EngineError.invalidConfig("conv_kernel_size > 0 (DeBERTa-v2's convolution layer) is not supported")
        }
        if try json.int("pooler_hidden_size", default: size) != size {
            throw EngineError.invalidConfig("pooler_hidden_size other than hidden_size is not supported")
        }
        let types = try positionAttentionTypes(json)
        let maxPositions = try json.int("max_position_embeddings", default: 512)
        var architecture = Architecture()
        if try json.bool("relative_attention", default: false) {
            var maxRelative = try json.int("max_relative_positions", default: -1)
            if maxRelative < 1 { maxRelative = maxPositions }
            let norms = try json.string("norm_rel_ebd", default: "none").lowercased().split(separator: "|")
                .map { $0.trimmingCharacters(in: .whitespaces) }
            for norm in norms where !["none", "layer_norm"].contains(norm) {
                throw EngineError.invalidConfig("norm_rel_ebd '\(norm)' is not supported (only 'none', 'layer_norm')")
            }
            architecture.attention = .disentangled(DisentangledAttention(
                contentToPosition: types.contains("c2p"), positionToContent: types.contains("p2c"),
                sharesKey: try json.bool("share_att_key", default: false), buckets: try json.int("position_buckets", default: -1),
                maxRelativePositions: maxRelative, normalisesEmbeddings: norms.contains("layer_norm")))
        } else if !types.isEmpty {
            throw EngineError.invalidConfig("pos_att_type without relative_attention is not supported")
        }
        architecture.positions = try json.bool("position_biased_input", default: true) ? .learned : .none
        let embedding = try json.int("embedding_size", default: size)
        architecture.embeddingProjection = embedding == size ? .none : .beforeNorm
        architecture.head = HeadConfig(pooling: .first, denseBias: true,
                                       activation: try json.activation("pooler_hidden_act", default: "gelu"))
        let hidden = try json.float("hidden_dropout_prob", default: 0.1)
        return try EncoderConfig(
            modelType: modelType, vocabSize: try json.int("vocab_size"), hiddenSize: size, embeddingSize: embedding,
            layerCount: try json.int("num_hidden_layers", default: 24), headCount: heads,
            intermediateSize: try json.int("intermediate_size", default: 6144), maxPositions: maxPositions,
            typeVocabSize: try json.int("type_vocab_size", default: 0), layerNormEps: try json.float("layer_norm_eps", default: 1e-7),
            padTokenID: try json.int("pad_token_id", default: 0), activation: try json.activation("hidden_act", default: "gelu"),
            dropout: DropoutRates(embeddings: hidden, attention: try json.float("attention_probs_dropout_prob", default: 0.1),
                                  attentionOutput: hidden, feedForward: hidden, relativeEmbeddings: hidden,
                                  headInput: try json.float("pooler_dropout", default: 0),
                                  classifier: try json.optionalFloat("cls_dropout") ?? hidden),
            architecture: architecture, labels: try json.labels())
    }

    /// `pos_att_type`: a list, or the older "p2c|c2p" string; robust implements c2p and p2c.
    func positionAttentionTypes(_ json: ConfigReader) throws -> [String] {
        var types: [String]
        if json.isAbsent("pos_att_type") {
            types = []
        } else if let list = json.raw["pos_att_type"] as? [String] {
            types = list.map { $0.lowercased() }
        } else if let text = json.raw["pos_att_type"] as? String {
            types = text.lowercased().split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            throw EngineError.invalidConfig("'pos_att_type' must be a list or a string")
        }
        for type in types where !["c2p", "p2c"].contains(type) {
            throw EngineError.invalidConfig("pos_att_type '\(type)' is not supported (only 'c2p', 'p2c')")
        }
        return types
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        let decimal = ConfigWriter.decimal
        var keys: [String: Any] = [
            "vocab_size": config.vocabSize, "hidden_size": config.hiddenSize, "num_hidden_layers": config.layerCount,
            "num_attention_heads": config.headCount, "intermediate_size": config.intermediateSize,
            "hidden_act": config.activation.huggingFaceName, "hidden_dropout_prob": decimal(config.dropout.feedForward ?? 0),
            "attention_probs_dropout_prob": decimal(config.dropout.attention ?? 0),
            "max_position_embeddings": config.maxPositions, "type_vocab_size": config.typeVocabSize,
            "layer_norm_eps": decimal(config.layerNormEps), "pad_token_id": config.padTokenID,
            "position_biased_input": config.architecture.positions != .none, "embedding_size": config.embeddingSize,
            "pooler_dropout": decimal(config.dropout.headInput ?? 0),
            "pooler_hidden_act": config.architecture.head.activation.huggingFaceName,
            "pooler_hidden_size": config.hiddenSize, "cls_dropout": decimal(config.dropout.classifier ?? 0),
            "relative_attention": false,
        ]
        if case .disentangled(let d) = config.architecture.attention {
            keys["relative_attention"] = true
            keys["pos_att_type"] = (d.contentToPosition ? ["c2p"] : []) + (d.positionToContent ? ["p2c"] : [])
            keys["share_att_key"] = d.sharesKey
            keys["position_buckets"] = d.buckets
            keys["max_relative_positions"] = d.maxRelativePositions
            keys["norm_rel_ebd"] = d.normalisesEmbeddings ? "layer_norm" : "none"
        }
        return keys
    }

    static let names = KeyRenaming([
        ("embeddings.projection.", "embeddings.embed_proj."),
        ("attention.self.query.", "attention.self.query_proj."), ("attention.self.key.", "attention.self.key_proj."),
        ("attention.self.value.", "attention.self.value_proj."),
        ("attention.self.position_key.", "attention.self.pos_key_proj."),
        ("attention.self.position_query.", "attention.self.pos_query_proj."),
        ("encoder.relative_embeddings.LayerNorm.", "encoder.LayerNorm."),
        ("encoder.relative_embeddings.", "encoder.rel_embeddings."),
    ])

    public func rename(_ parameter: String) -> String { Self.names.apply(parameter) }
    public func isTopLevel(_ parameter: String) -> Bool { EncoderWeights.isHead(parameter) }
}
