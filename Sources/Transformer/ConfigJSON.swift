// ConfigJSON: reading and writing Hugging Face `config.json` — the typed reader every family decodes its
// own keys with (one-line errors naming the key), the keys all families share (labels, problem_type,
// architectures), and the JSON text written back with every unknown key kept.
import Foundation
import Tensors

/// config.json as an object, read key by key with the family's defaults.
public struct ConfigReader {
    public let raw: [String: Any]

    public init(_ raw: [String: Any]) { self.raw = raw }

    /// Parses config.json's text.
    public init(data: Data) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw EngineError.invalidConfig("not valid JSON (\(error.localizedDescription))")
        }
        guard let raw = object as? [String: Any] else { throw EngineError.invalidConfig("top level is not an object") }
        self.raw = raw
    }

    func isAbsent(_ key: String) -> Bool { raw[key] == nil || raw[key] is NSNull }

    /// JSON's true/false (Foundation boxes them as NSNumbers of type char, and 0 and 1 also cast to Bool).
    static func isBoolean(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber else { return value is Bool }
        return String(cString: number.objCType) == "c"
    }

    /// A JSON number that is not a boolean.
    func number(_ key: String) -> NSNumber? {
        guard let number = raw[key] as? NSNumber, !ConfigReader.isBoolean(number) else { return nil }
        return number
    }

    /// An integer; `default` when absent (nil default: the key is required).
    public func int(_ key: String, default value: Int? = nil) throws -> Int {
        if let number = number(key), let exact = Int(exactly: number.doubleValue) { return exact }
        if isAbsent(key), let value { return value }
        throw EngineError.invalidConfig(isAbsent(key) ? "missing '\(key)'" : "'\(key)' must be an integer")
    }

    public func float(_ key: String, default value: Float) throws -> Float {
        try optionalFloat(key) ?? value
    }

    /// A number, or nil when absent or null.
    public func optionalFloat(_ key: String) throws -> Float? {
        if let number = number(key) { return number.floatValue }
        if isAbsent(key) { return nil }
        throw EngineError.invalidConfig("'\(key)' must be a number")
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        if isAbsent(key) { return value }
        guard ConfigReader.isBoolean(raw[key]), let flag = raw[key] as? Bool else {
            throw EngineError.invalidConfig("'\(key)' must be true or false")
        }
        return flag
    }

    public func string(_ key: String, default value: String) throws -> String {
        if isAbsent(key) { return value }
        guard let text = raw[key] as? String else { throw EngineError.invalidConfig("'\(key)' must be a string") }
        return text
    }

    /// An activation named as transformers' ACT2FN names it.
    public func activation(_ key: String, default value: String) throws -> Activation {
        let name = try string(key, default: value)
        guard let activation = Activation(huggingFaceName: name) else {
            throw EngineError.invalidConfig("\(key) '\(name)' is not supported (supported: \(Activation.huggingFaceNames.joined(separator: ", ")))")
        }
        return activation
    }

    /// Throws when `key` is present with a value other than the ones robust implements.
    public func require(_ key: String, in allowed: [String], default value: String) throws {
        let found = try string(key, default: value)
        guard allowed.contains(found) else {
            throw EngineError.invalidConfig("\(key) '\(found)' is not supported (only \(allowed.map { "'\($0)'" }.joined(separator: ", ")))")
        }
    }

    /// Class names from `id2label` ({"0": "neg", "1": "pos"}); ids must be exactly 0..<n.
    public func labels() throws -> [String] {
        guard let map = raw["id2label"], !(map is NSNull) else { return [] }
        guard let dictionary = map as? [String: Any] else { throw EngineError.invalidConfig("id2label must be an object") }
        var labels = [String?](repeating: nil, count: dictionary.count)
        for (key, value) in dictionary {
            guard let id = Int(key), id >= 0, id < dictionary.count else {
                throw EngineError.invalidConfig("id2label key '\(key)' is not an id in 0..<\(dictionary.count)")
            }
            // "1" and "01" (or "+1") are one id, as transformers' int(key) reads them: the name kept would
            // depend on the dictionary's order and the other class would be lost.
            guard labels[id] == nil else {
                throw EngineError.invalidConfig("id2label gives id \(id) twice (keys \(dictionary.keys.filter { Int($0) == id }.sorted().map { "'\($0)'" }.joined(separator: " and ")))")
            }
            guard let name = value as? String else { throw EngineError.invalidConfig("id2label[\(key)] must be a string") }
            if let control = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
                throw EngineError.invalidConfig(String(format: "id2label[\(key)] holds a control character (U+%04X)", control.value))
            }
            labels[id] = name
        }
        let names = labels.compactMap { $0 }
        // Two classes of one name cannot be told apart: `predict` would report one and lose the other.
        var seen: [String: Int] = [:]
        for (id, name) in names.enumerated() {
            if let first = seen[name] {
                throw EngineError.invalidConfig("id2label names '\(name)' twice (ids \(first) and \(id)); each class needs its own name")
            }
            seen[name] = id
        }
        return names
    }

    /// robust trains single-label classifiers only: other problem types, and a one-class head (which
    /// transformers treats as regression), are refused.
    public func requireSingleLabelClassification() throws {
        let problem = try string("problem_type", default: "single_label_classification")
        guard problem == "single_label_classification" else {
            throw EngineError.invalidConfig("problem_type '\(problem)' is not supported (robust trains single-label classifiers: 'single_label_classification')")
        }
        let classes = isAbsent("id2label") ? try int("num_labels", default: 2) : try labels().count
        guard classes != 1 else {
            throw EngineError.invalidConfig("a head with 1 label is regression, which robust does not train (it needs at least 2 classes)")
        }
    }
}

/// Writing config.json back: the shared keys, then the text.
public enum ConfigWriter {
    /// Float → shortest decimal text → Double, so 0.1 is written as 0.1, not 0.10000000149.
    public static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    /// `id2label`, `label2id`, `problem_type` and `architectures` (the classification model, or the bare
    /// encoder when there are no labels).
    public static func setLabels(_ labels: [String], classification: String, base: String, into raw: inout [String: Any]) {
        raw["architectures"] = labels.isEmpty ? [base] : [classification]
        if !labels.isEmpty {
            var id2label: [String: String] = [:], label2id: [String: Int] = [:]
            for (id, name) in labels.enumerated() { id2label[String(id)] = name; label2id[name] = id }
            raw["id2label"] = id2label
            raw["label2id"] = label2id
            raw["problem_type"] = "single_label_classification"
        }
        raw.removeValue(forKey: "num_labels")
        raw.removeValue(forKey: "_name_or_path")
    }

    /// The JSON text of `raw`: sorted keys, two-space indentation, and every floating-point number with
    /// a fraction or exponent (2.0, not 2). Foundation writes a float that has an integer value as an
    /// integer, which transformers 5's strict configs reject for float fields (e.g. ModernBERT's
    /// `initializer_cutoff_factor`).
    public static func data(_ raw: [String: Any]) throws -> Data {
        var text = ""
        try write(raw, indent: 0, into: &text)
        return Data(text.utf8)
    }

    static func write(_ value: Any, indent: Int, into text: inout String) throws {
        let pad = String(repeating: " ", count: indent + 2), close = String(repeating: " ", count: indent)
        switch value {
        case is NSNull:
            text += "null"
        case let string as String:
            text += quoted(string)
        case let dictionary as [String: Any]:
            if dictionary.isEmpty { text += "{}"; return }
            text += "{\n"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                text += pad + quoted(key) + " : "
                try write(dictionary[key] as Any, indent: indent + 2, into: &text)
                text += index == dictionary.count - 1 ? "\n" : ",\n"
            }
            text += close + "}"
        case let array as [Any]:
            if array.isEmpty { text += "[]"; return }
            text += "[\n"
            for (index, element) in array.enumerated() {
                text += pad
                try write(element, indent: indent + 2, into: &text)
                text += index == array.count - 1 ? "\n" : ",\n"
            }
            text += close + "]"
        default:
            if ConfigReader.isBoolean(value), let flag = value as? Bool {
                text += flag ? "true" : "false"
            } else if let number = value as? NSNumber {
                let type = String(cString: number.objCType)
                if type == "d" || type == "f" {
                    let double = number.doubleValue
                    guard double.isFinite else { throw EngineError.invalidConfig("a number in config.json is not finite") }
                    text += "\(double)"
                } else {
                    text += "\(number.int64Value)"
                }
            } else {
                throw EngineError.invalidConfig("cannot write a \(type(of: value)) into config.json")
            }
        }
    }

    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    result += String(format: "\\u%04x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
