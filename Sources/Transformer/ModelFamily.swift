// ModelFamily: the seam between a Hugging Face model family and the shared engine. One file per family
// (Families/) says how its config.json reads into an `EncoderConfig` (sizes, dropout sites and the
// `Architecture` variants it uses) and back, and what each engine parameter is called in its
// checkpoints (`savedKey`). The registry lists every family robust loads and picks one from config.json's
// `model_type` (and `architectures`).
import Foundation

public protocol ModelFamily: Sendable {
    /// The config.json `model_type` this family reads (its name in runs and messages, e.g. "bert").
    var modelType: String { get }
    /// The architectures entry of a classifier (e.g. "BertForSequenceClassification") and of a bare encoder.
    var classificationArchitecture: String { get }
    var baseArchitecture: String { get }
    /// The encoder's key prefix in a classifier's checkpoint (e.g. "bert."); a bare encoder's keys lack it.
    var prefix: String { get }

    /// The engine's config from config.json, refusing options robust does not implement with one line.
    func config(from json: ConfigReader) throws -> EncoderConfig
    /// The family as it names the weights of a model of `config` (ALBERT's names depend on its grouping).
    func specialised(for config: EncoderConfig) -> any ModelFamily
    /// `config` under the family's own keys, as config.json holds them. Saving writes those the loaded
    /// file lacked (so transformers reads the values robust used) and keeps every key it had.
    func configKeys(_ config: EncoderConfig) -> [String: Any]

    /// The family's name for an engine parameter, without the encoder prefix.
    func rename(_ parameter: String) -> String
    /// Whether the parameter sits at the top level of a classifier's checkpoint (its head), not under `prefix`.
    func isTopLevel(_ parameter: String) -> Bool
    /// Other keys a file may hold the parameter under (besides `savedKey` and a bare encoder's `rename`).
    func alternativeKeys(_ parameter: String) -> [String]
}

extension ModelFamily {
    public var name: String { modelType }

    public func rename(_ parameter: String) -> String { parameter }
    public func specialised(for config: EncoderConfig) -> any ModelFamily { self }
    public func isTopLevel(_ parameter: String) -> Bool { parameter.hasPrefix("classifier.") }
    public func alternativeKeys(_ parameter: String) -> [String] { [] }

    /// The key of an engine parameter in the family's `*ForSequenceClassification` checkpoint.
    public func savedKey(_ parameter: String) -> String {
        isTopLevel(parameter) ? rename(parameter) : prefix + rename(parameter)
    }

    /// Every key a file may hold the parameter under, the classifier's first: a bare encoder's keys lack
    /// the prefix.
    public func acceptedKeys(_ parameter: String) -> [String] {
        let saved = savedKey(parameter)
        var keys = [saved]
        if !isTopLevel(parameter) { keys.append(rename(parameter)) }
        for key in alternativeKeys(parameter) where !keys.contains(key) { keys.append(key) }
        return keys
    }

    /// config.json for a checkpoint of this family: the loaded keys, the family's keys the file lacked,
    /// and the labels and architectures.
    public func configData(_ config: EncoderConfig, mergingInto base: [String: Any]) throws -> Data {
        var raw = base
        for (key, value) in configKeys(config) where raw[key] == nil { raw[key] = value }
        raw["model_type"] = config.modelType
        ConfigWriter.setLabels(config.labels, classification: classificationArchitecture, base: baseArchitecture, into: &raw)
        return try ConfigWriter.data(raw)
    }
}

/// Renames engine parameter names to a family's: every occurrence of a rule's engine fragment in the
/// name becomes its family fragment, all at once (a replacement is never matched again), the first rule
/// winning where several match at one place. The one table per family that says what its weights are called.
public struct KeyRenaming: Sendable {
    public let rules: [(engine: String, family: String)]
    /// The rules as UTF-8, for `apply`.
    private let bytes: [(engine: [UInt8], family: [UInt8])]

    public init(_ rules: [(String, String)]) {
        self.rules = rules.map { (engine: $0.0, family: $0.1) }
        bytes = rules.filter { !$0.0.isEmpty }.map { (engine: Array($0.0.utf8), family: Array($0.1.utf8)) }
    }

    /// Works on UTF-8 bytes (parameter names are ASCII): matching rules character by character made loading
    /// a config with 1024 layers take seconds, just to name its tensors.
    public func apply(_ name: String) -> String {
        let input = Array(name.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(input.count + 16)
        var i = 0
        scan: while i < input.count {
            for rule in bytes where input[i] == rule.engine[0] && input.count - i >= rule.engine.count
                && input[i..<(i + rule.engine.count)].elementsEqual(rule.engine) {
                result += rule.family
                i += rule.engine.count
                continue scan
            }
            result.append(input[i])
            i += 1
        }
        return String(decoding: result, as: UTF8.self)
    }
}

public enum ModelFamilies {
    /// Every family robust loads, in the order messages list them.
    public static let all: [any ModelFamily] = [
        BertFamily(), DistilBertFamily(), RobertaFamily(modelType: "roberta"), RobertaFamily(modelType: "xlm-roberta"),
        ElectraFamily(), AlbertFamily(), DebertaV2Family(), ModernBertFamily(), VitFamily(),
    ]

    /// Every supported `model_type`, for messages.
    public static var supportedTypes: String { all.map(\.modelType).joined(separator: ", ") }

    /// The family of a config's `model_type` (absent: BERT, as transformers' oldest configs).
    public static func family(modelType: String?) throws -> any ModelFamily {
        guard let modelType else { return BertFamily() }
        if let family = all.first(where: { $0.modelType == modelType }) { return family }
        throw EngineError.invalidConfig("model_type '\(modelType)' is not supported (supported: \(supportedTypes))")
    }

    /// The family of a parsed config.json, and the engine config it reads into. An `architectures`
    /// entry of another kind than a sequence classifier or the bare encoder (e.g. a token classifier
    /// or a question-answering model) is refused: its head is not one robust can use.
    public static func load(_ json: ConfigReader) throws -> (family: any ModelFamily, config: EncoderConfig) {
        let modelType: String?
        if json.isAbsent("model_type") { modelType = nil } else { modelType = try json.string("model_type", default: "") }
        let family = try family(modelType: modelType)
        if let architectures = json.raw["architectures"] as? [String], let first = architectures.first,
           first.hasSuffix("ForTokenClassification") || first.hasSuffix("ForQuestionAnswering")
            || first.hasSuffix("ForMultipleChoice") || first.hasSuffix("ForMaskedImageModeling") {
            throw EngineError.invalidConfig("architectures '\(first)' is not supported (robust loads \(family.classificationArchitecture) and \(family.baseArchitecture) checkpoints)")
        }
        try json.requireSingleLabelClassification()
        let config = try family.config(from: json)
        return (family.specialised(for: config), config)
    }
}
