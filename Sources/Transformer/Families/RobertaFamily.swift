// RobertaFamily: RoBERTa and XLM-RoBERTa (`RobertaForSequenceClassification`,
// `XLMRobertaForSequenceClassification`). BERT's encoder and names under `roberta.`, but positions start
// after the padding id (padding_idx + 1 + the count of non-padding tokens so far, as transformers'
// `create_position_ids_from_input_ids`), and the head is `classifier.dense` → tanh → `classifier.out_proj`
// on `<s>`, with dropout before and after the dense layer; the encoder's pooler is not used.
import Foundation
import Tensors

public struct RobertaFamily: ModelFamily {
    /// "roberta" or "xlm-roberta": the same model under two names.
    public let modelType: String
    public var classificationArchitecture: String { architecturePrefix + "ForSequenceClassification" }
    public var baseArchitecture: String { architecturePrefix + "Model" }
    public var prefix: String { "roberta." }
    var architecturePrefix: String { modelType == "xlm-roberta" ? "XLMRoberta" : "Roberta" }

    public init(modelType: String = "roberta") { self.modelType = modelType }

    public func config(from json: ConfigReader) throws -> EncoderConfig {
        try json.require("position_embedding_type", in: ["absolute"], default: "absolute")
        let hidden = try json.float("hidden_dropout_prob", default: 0.1)
        let classifier = try json.optionalFloat("classifier_dropout") ?? hidden
        var architecture = Architecture()
        architecture.positions = .learnedAfterPadding
        architecture.head = HeadConfig(pooling: .first, denseBias: true, activation: .tanh)
        let size = try json.int("hidden_size", default: 768)
        return try EncoderConfig(
            modelType: modelType, vocabSize: try json.int("vocab_size"), hiddenSize: size, embeddingSize: size,
            layerCount: try json.int("num_hidden_layers", default: 12), headCount: try json.int("num_attention_heads", default: 12),
            intermediateSize: try json.int("intermediate_size", default: 3072),
            maxPositions: try json.int("max_position_embeddings", default: 512),
            typeVocabSize: try json.int("type_vocab_size", default: 2),
            layerNormEps: try json.float("layer_norm_eps", default: 1e-12), padTokenID: try json.int("pad_token_id", default: 1),
            activation: try json.activation("hidden_act", default: "gelu"),
            dropout: DropoutRates(embeddings: hidden, attention: try json.float("attention_probs_dropout_prob", default: 0.1),
                                  attentionOutput: hidden, feedForward: hidden, headInput: classifier, classifier: classifier),
            architecture: architecture, labels: try json.labels())
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        BertFamily.bertKeys(config).merging(["position_embedding_type": "absolute"]) { a, _ in a }
    }

    static let names = KeyRenaming([("pooler.dense.", "classifier.dense."), ("classifier.", "classifier.out_proj.")])

    public func rename(_ parameter: String) -> String { Self.names.apply(parameter) }
    public func isTopLevel(_ parameter: String) -> Bool { EncoderWeights.isHead(parameter) }
}
