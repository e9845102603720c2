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
        let hidden = try json.float("hidden_dropout_prob", default: 0.1)
        let classifier = try json.optionalFloat("classifier_dropout") ?? hidden
        var architecture = Architecture()
        architecture.positions = .learnedAfterPadding
        architecture.head = HeadConfig(pooling: .first, denseBias: true, activation: .tanh)
        return try BertFamily.bertStyleConfig(
            json, modelType: modelType, padTokenID: 1, activation: try json.activation("hidden_act", default: "gelu"),
            architecture: architecture,
            dropout: DropoutRates(embeddings: hidden, attention: try json.float("attention_probs_dropout_prob", default: 0.1),
                                  attentionOutput: hidden, feedForward: hidden, headInput: classifier, classifier: classifier))
    }

    public func configKeys(_ config: EncoderConfig) -> [String: Any] {
        BertFamily.bertKeys(config).merging(["position_embedding_type": "absolute"]) { a, _ in a }
    }

    static let names = KeyRenaming([("pooler.dense.", "classifier.dense."), ("classifier.", "classifier.out_proj.")])

    public func rename(_ parameter: String) -> String { Self.names.apply(parameter) }
    public func isTopLevel(_ parameter: String) -> Bool { EncoderWeights.isHead(parameter) }
}
