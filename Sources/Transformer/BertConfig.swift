// BertConfig: the Hugging Face `config.json` of a BERT-family model, decoded by HF's own key names
// and validated; unknown keys are kept so a saved checkpoint loses nothing.
import Foundation

public enum EngineError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case checkpoint(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidConfig(let message): return "invalid config.json: \(message)"
        case .checkpoint(let message): return "checkpoint: \(message)"
        case .invalidInput(let message): return "invalid input: \(message)"
        }
    }
}

public struct BertConfig: Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var hiddenDropout: Float
    public var attentionDropout: Float
    public var classifierDropout: Float?
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var padTokenID: Int
    public var hiddenAct: String
    /// Class names in id order; empty for a bare encoder.
    public var labels: [String]

    public var headSize: Int { hiddenSize / headCount }
    public var effectiveClassifierDropout: Float { classifierDropout ?? hiddenDropout }

    public init(vocabSize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                hiddenDropout: Float = 0.1, attentionDropout: Float = 0.1, classifierDropout: Float? = nil,
                maxPositions: Int = 512, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12,
                padTokenID: Int = 0, hiddenAct: String = "gelu", labels: [String] = []) throws {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.classifierDropout = classifierDropout
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.padTokenID = padTokenID
        self.hiddenAct = hiddenAct
        self.labels = labels
        try validate()
    }

    func validate() throws {
        func positive(_ value: Int, _ name: String, limit: Int = 1 << 24) throws {
            guard value > 0, value <= limit else { throw EngineError.invalidConfig("\(name) must be in 1...\(limit), got \(value)") }
        }
        try positive(vocabSize, "vocab_size")
        try positive(hiddenSize, "hidden_size", limit: 1 << 16)
        try positive(layerCount, "num_hidden_layers", limit: 1024)
        try positive(headCount, "num_attention_heads", limit: 1024)
        try positive(intermediateSize, "intermediate_size", limit: 1 << 18)
        try positive(maxPositions, "max_position_embeddings", limit: 1 << 16)
        try positive(typeVocabSize, "type_vocab_size", limit: 1 << 16)
        guard hiddenSize % headCount == 0 else {
            throw EngineError.invalidConfig("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
        }
        for (name, p) in [("hidden_dropout_prob", hiddenDropout), ("attention_probs_dropout_prob", attentionDropout),
                          ("classifier_dropout", classifierDropout ?? 0)] where !(p >= 0 && p < 1) {
            throw EngineError.invalidConfig("\(name) must be in [0, 1), got \(p)")
        }
        guard layerNormEps > 0, layerNormEps.isFinite else { throw EngineError.invalidConfig("layer_norm_eps must be positive") }
        guard ["gelu", "gelu_python"].contains(hiddenAct) else {
            throw EngineError.invalidConfig("hidden_act '\(hiddenAct)' is not supported (robust implements exact erf GELU: \"gelu\")")
        }
        guard padTokenID >= 0, padTokenID < vocabSize else { throw EngineError.invalidConfig("pad_token_id \(padTokenID) outside the vocabulary") }
    }

    // MARK: JSON

    /// Parses `config.json`; `raw` keeps every key for round-tripping.
    public static func decode(_ data: Data) throws -> (config: BertConfig, raw: [String: Any]) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw EngineError.invalidConfig("not valid JSON (\(error.localizedDescription))")
        }
        guard let raw = object as? [String: Any] else { throw EngineError.invalidConfig("top level is not an object") }
        _ = try ModelFamilies.family(modelType: raw["model_type"] as? String)
        if let embedding = raw["position_embedding_type"] as? String, embedding != "absolute" {
            throw EngineError.invalidConfig("position_embedding_type '\(embedding)' is not supported (only 'absolute')")
        }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let number = raw[key] as? NSNumber, let exact = Int(exactly: number.doubleValue) { return exact }
            if raw[key] == nil || raw[key] is NSNull, let value { return value }
            throw EngineError.invalidConfig(raw[key] == nil ? "missing '\(key)'" : "'\(key)' must be an integer")
        }
        func float(_ key: String, default value: Float?) throws -> Float? {
            if let number = raw[key] as? NSNumber { return number.floatValue }
            if raw[key] == nil || raw[key] is NSNull { return value }
            throw EngineError.invalidConfig("'\(key)' must be a number")
        }
        let labels = try decodeLabels(raw)
        let config = try BertConfig(
            vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
            layerCount: try int("num_hidden_layers"), headCount: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            hiddenDropout: try float("hidden_dropout_prob", default: 0.1) ?? 0.1,
            attentionDropout: try float("attention_probs_dropout_prob", default: 0.1) ?? 0.1,
            classifierDropout: try float("classifier_dropout", default: nil),
            maxPositions: try int("max_position_embeddings", default: 512),
            typeVocabSize: try int("type_vocab_size", default: 2),
            layerNormEps: try float("layer_norm_eps", default: 1e-12) ?? 1e-12,
            padTokenID: try int("pad_token_id", default: 0),
            hiddenAct: (raw["hidden_act"] as? String) ?? "gelu",
            labels: labels)
        return (config, raw)
    }

    /// Reads `id2label` ({"0": "neg", "1": "pos"}); ids must be exactly 0..<n.
    static func decodeLabels(_ raw: [String: Any]) throws -> [String] {
        guard let map = raw["id2label"] else { return [] }
        guard let dictionary = map as? [String: Any] else { throw EngineError.invalidConfig("id2label must be an object") }
        var labels = [String?](repeating: nil, count: dictionary.count)
        for (key, value) in dictionary {
            guard let id = Int(key), id >= 0, id < dictionary.count else {
                throw EngineError.invalidConfig("id2label key '\(key)' is not an id in 0..<\(dictionary.count)")
            }
            guard let name = value as? String else { throw EngineError.invalidConfig("id2label[\(key)] must be a string") }
            labels[id] = name
        }
        return labels.compactMap { $0 }
    }

    /// `config.json` for a `BertForSequenceClassification` checkpoint, keeping unknown keys of `base`.
    public func encoded(mergingInto base: [String: Any] = [:]) throws -> Data {
        // Float → shortest decimal text → Double, so 0.1 is written as 0.1, not 0.10000000149.
        func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }
        var raw = base
        raw["architectures"] = labels.isEmpty ? ["BertModel"] : ["BertForSequenceClassification"]
        raw["model_type"] = "bert"
        raw["vocab_size"] = vocabSize
        raw["hidden_size"] = hiddenSize
        raw["num_hidden_layers"] = layerCount
        raw["num_attention_heads"] = headCount
        raw["intermediate_size"] = intermediateSize
        raw["hidden_act"] = hiddenAct
        raw["hidden_dropout_prob"] = decimal(hiddenDropout)
        raw["attention_probs_dropout_prob"] = decimal(attentionDropout)
        raw["classifier_dropout"] = classifierDropout.map { decimal($0) as Any } ?? NSNull()
        raw["max_position_embeddings"] = maxPositions
        raw["type_vocab_size"] = typeVocabSize
        raw["layer_norm_eps"] = decimal(layerNormEps)
        raw["pad_token_id"] = padTokenID
        raw["position_embedding_type"] = "absolute"
        if !labels.isEmpty {
            var id2label: [String: String] = [:], label2id: [String: Int] = [:]
            for (id, name) in labels.enumerated() { id2label[String(id)] = name; label2id[name] = id }
            raw["id2label"] = id2label
            raw["label2id"] = label2id
            raw["problem_type"] = "single_label_classification"
        }
        raw.removeValue(forKey: "_name_or_path")
        return try JSONSerialization.data(withJSONObject: raw, options: [.prettyPrinted, .sortedKeys])
    }
}
