// ElectraFamily: ELECTRA (`ElectraForSequenceClassification`). BERT's encoder and names under
// `electra.`, with word vectors of `embedding_size` projected to the hidden size (`embeddings_project`,
// after the embedding LayerNorm) when the two differ, and the head `classifier.dense` → GELU →
// `classifier.out_proj` on the first token, with dropout before and after the dense layer.
import Foundation
import Tensors

public struct ElectraFamily: ModelFamily {
    public var modelType: String { "electra" }
    public var classificationArchitecture: String { "ElectraForSequenceClassification" }
    public var baseArchitecture: String { "ElectraModel" }
    public var prefix: String { "electra." }
    public init() {}

    public func config(from json: ConfigReader) throws -> EncoderConfig {
        try json.require("position_embedding_type", in: ["absolute"], default: "absolute")
        let hidden = try json.float("hidden_dropout_prob", default: 0.1)
        let classifier = try json.optionalFloat("classifier_dropout") ?? hidden
        let size = try json.int("hidden_size", default: 256), embedding = try json.int("embedding_size", default: 128)
        var architecture = Architecture()
        architecture.embeddingProjection = embedding == size ? .none : .afterNorm
        architecture.head = HeadConfig(pooling: .first, denseBias: true, activation: .gelu)
        return try EncoderConfig(
            modelType: modelType, vocabSize: try json.int("vocab_size"), hiddenSize: size, embeddingSize: embedding,
            layerCount: try json.int("num_hidden_layers", default: 12), headCount: try json.int("num_attention_heads", default: 4),
            intermediateSize: try json.int("intermediate_size", default: 1024),
            maxPositions: try json.int("max_position_embeddings", default: 512),
            typeVocabSize: try json.int("type_vocab_size", default: 2),
            layerNormEps: try json.float("layer_norm_eps", default: 1e-12), padTokenID: try json.int("pad_token_id", default: 0),
            activation: try json.activation("hidden_act", default: "gelu"),
            dropout: DropoutRates(embeddings: hidden, attention: try json.float("attention_probs_dropout_prob", default: 0.1),
                                  attentionOutput: hidden, feedForward: hidden, headInput: classifier, classifier: classifier),
            architecture: architecture, labels: try json.labels())
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        BertFamily.bertKeys(config).merging(["embedding_size": config.embeddingSize, "position_embedding_type": "absolute"]) { a, _ in a }
    }

    static let names = KeyRenaming([
        ("embeddings.projection.", "embeddings_project."), ("pooler.dense.", "classifier.dense."),
        ("classifier.", "classifier.out_proj."),
    ])

    public func rename(_ parameter: String) -> String { Self.names.apply(parameter) }
    public func isTopLevel(_ parameter: String) -> Bool { EncoderWeights.isHead(parameter) }
}
