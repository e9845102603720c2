// AlbertFamily: ALBERT (`AlbertForSequenceClassification`). Factorised embeddings (`embedding_size`,
// projected by `encoder.embedding_hidden_mapping_in` after the embedding LayerNorm), and
// `num_hidden_layers` blocks that share `num_hidden_groups` groups of `inner_group_num` layers
// (`encoder.albert_layer_groups.G.albert_layers.I`): the weights are shared and their gradients add up
// over the repeats. No dropout after the feed-forward block; `gelu_new` (the tanh approximation) by
// default; head `albert.pooler` → tanh → dropout (`classifier_dropout_prob`) → `classifier`.
import Foundation
import Tensors

public struct AlbertFamily: ModelFamily {
    public var modelType: String { "albert" }
    public var classificationArchitecture: String { "AlbertForSequenceClassification" }
    public var baseArchitecture: String { "AlbertModel" }
    public var prefix: String { "albert." }
    /// Inner layers per group, for the key names (0 until a config is read).
    let innerLayers: Int

    public init(innerLayers: Int = 1) { self.innerLayers = innerLayers }

    public func config(from json: ConfigReader) throws -> EncoderConfig {
        let hidden = try json.float("hidden_dropout_prob", default: 0)
        var architecture = Architecture()
        architecture.embeddingProjection = .afterNorm
        architecture.sharedGroups = try json.int("num_hidden_groups", default: 1)
        architecture.innerLayers = try json.int("inner_group_num", default: 1)
        architecture.head = HeadConfig(pooling: .first, denseBias: true, activation: .tanh)
        return try BertFamily.bertStyleConfig(
            json, modelType: modelType, embeddingSize: try json.int("embedding_size", default: 128),
            activation: try json.activation("hidden_act", default: "gelu_new"), architecture: architecture,
            dropout: DropoutRates(embeddings: hidden, attention: try json.float("attention_probs_dropout_prob", default: 0),
                                  attentionOutput: hidden, classifier: try json.float("classifier_dropout_prob", default: 0.1)))
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        let decimal = ConfigWriter.decimal
        var keys = BertFamily.bertKeys(config)
        keys.removeValue(forKey: "classifier_dropout")
        keys["hidden_act"] = config.activation.huggingFaceName
        keys["hidden_dropout_prob"] = decimal(config.dropout.attentionOutput ?? 0)
        keys["embedding_size"] = config.embeddingSize
        keys["num_hidden_groups"] = config.architecture.sharedGroups ?? 1
        keys["inner_group_num"] = config.architecture.innerLayers
        keys["classifier_dropout_prob"] = decimal(config.dropout.classifier ?? 0)
        return keys
    }

    /// The key names need the config's inner layers per group.
    public func specialised(for config: EncoderConfig) -> any ModelFamily { AlbertFamily(innerLayers: config.architecture.innerLayers) }

    static let names = KeyRenaming([
        ("embeddings.projection.", "encoder.embedding_hidden_mapping_in."),
        ("attention.self.query.", "attention.query."), ("attention.self.key.", "attention.key."),
        ("attention.self.value.", "attention.value."), ("attention.output.dense.", "attention.dense."),
        ("attention.output.LayerNorm.", "attention.LayerNorm."), ("intermediate.dense.", "ffn."),
        ("output.dense.", "ffn_output."), ("output.LayerNorm.", "full_layer_layer_norm."), ("pooler.dense.", "pooler."),
    ])

    /// `encoder.layer.K.` (the K-th physical layer) is group K / inner, inner layer K % inner.
    public func rename(_ parameter: String) -> String {
        let renamed = Self.names.apply(parameter)
        let marker = "encoder.layer."
        guard renamed.hasPrefix(marker) else { return renamed }
        let rest = renamed.dropFirst(marker.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]) else { return renamed }
        let inner = max(innerLayers, 1)
        return "encoder.albert_layer_groups.\(layer / inner).albert_layers.\(layer % inner)" + rest[dot...]
    }
}
