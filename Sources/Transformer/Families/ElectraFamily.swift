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
        let hidden = try json.float("hidden_dropout_prob", default: 0.1)
        let classifier = try json.optionalFloat("classifier_dropout") ?? hidden
        let embedding = try json.int("embedding_size", default: 128)
        var architecture = Architecture()
        architecture.embeddingProjection = try embedding == json.int("hidden_size") ? .none : .afterNorm
        architecture.head = HeadConfig(pooling: .first, denseBias: true, activation: .gelu)
        return try BertFamily.bertStyleConfig(
            json, modelType: modelType, embeddingSize: embedding, activation: try json.activation("hidden_act", default: "gelu"),
            architecture: architecture,
            dropout: DropoutRates(embeddings: hidden, attention: try json.float("attention_probs_dropout_prob", default: 0.1),
                                  attentionOutput: hidden, feedForward: hidden, headInput: classifier, classifier: classifier))
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
