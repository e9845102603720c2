// JSONNode: a value of a tokenizer file with its JSON path, so that every malformed or unsupported part is
// reported as one line naming the file and the path (`tokenizer.json: model.vocab: expected an object`).
import Foundation

struct JSONNode {
    let json: JSONValue
    /// Dotted path from the root, e.g. `normalizer.normalizers[1]`.
    let path: String
    /// The file name used in errors.
    let file: String

    /// Parses `data` as the root of `file`.
    static func parse(_ data: Data, file: String) throws -> JSONNode {
        do {
            return JSONNode(json: try JSONValue.parse([UInt8](data)), path: "", file: file)
        } catch let error as JSONValue.ParseError {
            throw TokenizerError.malformedFile(file: file, path: "", reason: "not valid JSON (\(error.reason) at byte \(error.offset))")
        }
    }

    func error(_ reason: String) -> TokenizerError {
        TokenizerError.malformedFile(file: file, path: path, reason: reason)
    }

    var isNull: Bool { if case .null = json { return true } else { return false } }

    /// A member of an object (the last one with that exact key), or null.
    subscript(key: String) -> JSONNode {
        var child = JSONValue.null
        if case .object(let members) = json, let member = members.last(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
            child = member.value
        }
        return JSONNode(json: child, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    private var kind: String {
        switch json {
        case .null: return "null"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        case .number: return "a number"
        case .bool: return "a boolean"
        }
    }

    var isObject: Bool { if case .object = json { return true } else { return false } }
    var isArray: Bool { if case .array = json { return true } else { return false } }

    /// Whether an object has `key`.
    func has(_ key: String) -> Bool {
        if case .object(let members) = json { return members.contains { $0.key.utf8.elementsEqual(key.utf8) } }
        return false
    }

    /// The members of an object, in file order.
    func members() throws -> [(key: String, node: JSONNode)] {
        guard case .object(let members) = json else { throw error("expected an object, found \(kind)") }
        return members.map { ($0.key, JSONNode(json: $0.value, path: path.isEmpty ? $0.key : "\(path).\($0.key)", file: file)) }
    }

    func object() throws { guard isObject else { throw error("expected an object, found \(kind)") } }

    func array() throws -> [JSONNode] {
        guard case .array(let items) = json else { throw error("expected an array, found \(kind)") }
        return items.enumerated().map { JSONNode(json: $1, path: "\(path)[\($0)]", file: file) }
    }

    func string() throws -> String {
        guard case .string(let text) = json else { throw error("expected a string, found \(kind)") }
        return text
    }

    var stringValue: String? { if case .string(let text) = json { return text } else { return nil } }

    func bool() throws -> Bool {
        guard case .bool(let value) = json else { throw error("expected true or false, found \(kind)") }
        return value
    }

    func double() throws -> Double {
        guard case .number(let value) = json, value.isFinite else { throw error("expected a number, found \(kind)") }
        return value
    }

    /// A whole number in `range` (ids are 0..<Int32.max).
    func int(in range: ClosedRange<Int> = 0...Int(Int32.max - 1)) throws -> Int {
        let d = try double()
        guard d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw error("expected a whole number in \(range.lowerBound)...\(range.upperBound), found \(d)")
        }
        return Int(d)
    }

    /// The value, or `fallback` when absent or null.
    func optional<T>(_ fallback: T, _ read: (JSONNode) throws -> T) throws -> T {
        isNull ? fallback : try read(self)
    }

    /// The `type` field of a component.
    func typeName(_ component: String) throws -> String {
        let node = self["type"]
        guard !node.isNull else { throw error("\(component) has no 'type'") }
        return try node.string()
    }

    func unsupported(_ component: String, _ type: String) -> TokenizerError {
        error("unsupported \(component) type '\(type)'")
    }
}
