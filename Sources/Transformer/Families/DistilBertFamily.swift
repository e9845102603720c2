// DistilBertFamily: DistilBERT (`DistilBertForSequenceClassification`). Differs from BERT in: no token
// types, no dropout on the attention output, its own config keys (`dim`, `n_layers`, `hidden_dim`,
// `activation`, …) and weight names (`transformer.layer.N.attention.q_lin`, `sa_layer_norm`, `ffn.lin1`,
// `output_layer_norm`), and its head: first token → `pre_classifier` → ReLU → dropout
// (`seq_classif_dropout`) → `classifier`. Sinusoidal position tables (`sinusoidal_pos_embds`) are stored
// in the checkpoint like learned ones and, as in transformers 5, trained.
import Foundation
import Tensors

public struct DistilBertFamily: ModelFamily {
    public var modelType: String { "distilbert" }
    public var classificationArchitecture: String { "DistilBertForSequenceClassification" }
    public var baseArchitecture: String { "DistilBertModel" }
    public var prefix: String { "distilbert." }
    public init() {}

    public func config(from json: ConfigReader) throws -> EncoderConfig {
        let dropout = try json.float("dropout", default: 0.1)
        var architecture = Architecture()
        architecture.head = HeadConfig(pooling: .first, denseBias: true, activation: .relu)
        let dim = try json.int("dim", default: 768)
        return try EncoderConfig(
            modelType: modelType, vocabSize: try json.int("vocab_size"), hiddenSize: dim, embeddingSize: dim,
            layerCount: try json.int("n_layers", default: 6), headCount: try json.int("n_heads", default: 12),
            intermediateSize: try json.int("hidden_dim", default: 4 * 768),
            maxPositions: try json.int("max_position_embeddings", default: 512), typeVocabSize: 0, layerNormEps: 1e-12,
            padTokenID: try json.int("pad_token_id", default: 0), activation: try json.activation("activation", default: "gelu"),
            dropout: DropoutRates(embeddings: dropout, attention: try json.float("attention_dropout", default: 0.1),
                                  feedForward: dropout, classifier: try json.float("seq_classif_dropout", default: 0.2)),
            architecture: architecture, labels: try json.labels())
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        let decimal = ConfigWriter.decimal
        return [
            "vocab_size": config.vocabSize, "dim": config.hiddenSize, "n_layers": config.layerCount, "n_heads": config.headCount,
            "hidden_dim": config.intermediateSize, "max_position_embeddings": config.maxPositions,
            "dropout": decimal(config.dropout.feedForward ?? 0), "attention_dropout": decimal(config.dropout.attention ?? 0),
            "seq_classif_dropout": decimal(config.dropout.classifier ?? 0), "activation": config.activation.huggingFaceName,
            "sinusoidal_pos_embds": false, "pad_token_id": config.padTokenID,
        ]
    }

    static let names = KeyRenaming([
        ("encoder.layer.", "transformer.layer."),
        ("attention.self.query.", "attention.q_lin."), ("attention.self.key.", "attention.k_lin."),
        ("attention.self.value.", "attention.v_lin."), ("attention.output.dense.", "attention.out_lin."),
        ("attention.output.LayerNorm.", "sa_layer_norm."), ("intermediate.dense.", "ffn.lin1."),
        ("output.dense.", "ffn.lin2."), ("output.LayerNorm.", "output_layer_norm."),
        ("pooler.dense.", "pre_classifier."),
    ])

    public func rename(_ parameter: String) -> String { Self.names.apply(parameter) }
    public func isTopLevel(_ parameter: String) -> Bool { EncoderWeights.isHead(parameter) }
}
