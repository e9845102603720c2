// BertFamily: BERT (`BertModel`, `BertForSequenceClassification`) — the engine's own layout and names.
// Post-LN encoder, absolute positions, token types, tanh pooler over [CLS], linear classifier. Keys sit
// under `bert.` in a classifier (none in a bare encoder such as MiniLM); old TensorFlow conversions name
// LayerNorm parameters `gamma`/`beta`.
import Foundation
import Tensors

public struct BertFamily: ModelFamily {
    public var modelType: String { "bert" }
    public var classificationArchitecture: String { "BertForSequenceClassification" }
    public var baseArchitecture: String { "BertModel" }
    public var prefix: String { "bert." }
    public init() {}

    public func config(from json: ConfigReader) throws -> EncoderConfig {
        let hidden = try json.float("hidden_dropout_prob", default: 0.1)
        return try BertFamily.bertStyleConfig(
            json, modelType: modelType, activation: try BertFamily.exactGELU(json, "hidden_act"), architecture: Architecture(),
            dropout: DropoutRates(hidden: hidden, attention: try json.float("attention_probs_dropout_prob", default: 0.1),
                                  classifier: try json.optionalFloat("classifier_dropout") ?? hidden))
    }

    /// A config from the keys BERT, RoBERTa, ELECTRA and ALBERT share (sizes, positions, token types,
    /// epsilon, padding id, labels); the family gives its variants, embedding size, activation and dropout.
    static func bertStyleConfig(_ json: ConfigReader, modelType: String, embeddingSize: Int? = nil, padTokenID: Int = 0,
                                activation: Activation, architecture: Architecture, dropout: DropoutRates) throws -> EncoderConfig {
        try json.require("position_embedding_type", in: ["absolute"], default: "absolute")
        let size = try json.int("hidden_size")
        return try EncoderConfig(
            modelType: modelType, vocabSize: try json.int("vocab_size"), hiddenSize: size, embeddingSize: embeddingSize ?? size,
            layerCount: try json.int("num_hidden_layers"), headCount: try json.int("num_attention_heads"),
            intermediateSize: try json.int("intermediate_size"), maxPositions: try json.int("max_position_embeddings", default: 512),
            typeVocabSize: try json.int("type_vocab_size", default: 2), layerNormEps: try json.float("layer_norm_eps", default: 1e-12),
            padTokenID: try json.int("pad_token_id", default: padTokenID), activation: activation, dropout: dropout,
            architecture: architecture, labels: try json.labels())
    }

    /// BERT-style encoders run the exact erf GELU their pretrained weights were trained with.
    static func exactGELU(_ json: ConfigReader, _ key: String) throws -> Activation {
        let name = try json.string(key, default: "gelu")
        guard ["gelu", "gelu_python"].contains(name) else {
            throw EngineError.invalidConfig("\(key) '\(name)' is not supported (robust implements exact erf GELU: \"gelu\")")
        }
        return .gelu
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        BertFamily.bertKeys(config).merging(["position_embedding_type": "absolute"]) { a, _ in a }
    }

    /// The keys BERT, RoBERTa, ELECTRA and ALBERT share.
    static func bertKeys(_ config: EncoderConfig) -> [String: Any] {
        let decimal = ConfigWriter.decimal
        return [
            "vocab_size": config.vocabSize, "hidden_size": config.hiddenSize, "num_hidden_layers": config.layerCount,
            "num_attention_heads": config.headCount, "intermediate_size": config.intermediateSize, "hidden_act": config.activation.huggingFaceName,
            "hidden_dropout_prob": decimal(config.hiddenDropout),
            "attention_probs_dropout_prob": decimal(config.attentionDropout),
            "classifier_dropout": NSNull(),
            "max_position_embeddings": config.maxPositions, "type_vocab_size": config.typeVocabSize,
            "layer_norm_eps": decimal(config.layerNormEps), "pad_token_id": config.padTokenID,
        ]
    }

    /// The pooler belongs to `BertModel` (`bert.pooler.dense`); LayerNorm `gamma`/`beta` of old conversions.
    public func alternativeKeys(_ parameter: String) -> [String] {
        guard parameter.contains("LayerNorm.") else { return [] }
        let old = parameter.hasSuffix(".weight") ? String(parameter.dropLast(6)) + "gamma"
            : parameter.hasSuffix(".bias") ? String(parameter.dropLast(4)) + "beta" : parameter
        return [prefix + old, old]
    }
}
