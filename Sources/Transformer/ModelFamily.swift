// ModelFamily: how one family of Hugging Face checkpoints names its weights — the one place per family
// where file keys are mapped to the engine's parameter names (`sanitize`) and back (`savedKey`), and
// which `model_type` values it answers to. The registry lists every family robust can load.
import Foundation

public protocol ModelFamily: Sendable {
    /// config.json's `model_type` values this family reads.
    static var modelTypes: [String] { get }
    /// The family's name as runs and messages show it (e.g. "bert").
    var name: String { get }
    /// The parameter name (as the engine's `ParameterStore` names it) of a key of the file, or nil when
    /// the engine has no such parameter (e.g. `embeddings.position_ids`). `keys` is every key of the file.
    func sanitize(_ key: String, keys: Set<String>) -> String?
    /// The key under which a parameter is saved, as transformers' `*ForSequenceClassification` names it.
    func savedKey(_ parameter: String) -> String
}

public enum ModelFamilies {
    /// Every family robust loads, in the order messages list them.
    public static let all: [any ModelFamily] = [BertFamily()]

    /// The family of a config's `model_type` (absent: BERT, as transformers' oldest configs).
    public static func family(modelType: String?) throws -> any ModelFamily {
        guard let modelType else { return BertFamily() }
        if let family = all.first(where: { type(of: $0).modelTypes.contains(modelType) }) { return family }
        let supported = all.flatMap { type(of: $0).modelTypes }.joined(separator: ", ")
        throw EngineError.invalidConfig("model_type '\(modelType)' is not supported (supported: \(supported))")
    }
}

/// BERT (`BertModel`, `BertForSequenceClassification`): encoder keys under `bert.` in a classifier (none
/// in a bare encoder such as MiniLM), the head as `classifier.*`, and LayerNorm `gamma`/`beta` in old
/// TensorFlow conversions.
public struct BertFamily: ModelFamily {
    public static let modelTypes = ["bert"]
    public var name: String { "bert" }
    public init() {}

    public func sanitize(_ key: String, keys: Set<String>) -> String? {
        var name = key
        if name.hasPrefix("bert.") { name.removeFirst(5) }
        if name.hasSuffix(".gamma") || name.hasSuffix(".beta"), name.contains("LayerNorm") {
            name = name.hasSuffix(".gamma") ? String(name.dropLast(6)) + ".weight" : String(name.dropLast(5)) + ".bias"
        }
        if name.hasSuffix("position_ids") { return nil }
        return name
    }

    public func savedKey(_ parameter: String) -> String {
        parameter.hasPrefix("classifier.") ? parameter : "bert." + parameter
    }
}
