// RequestTemplate: `--endpoint-protocol json` — a small YAML file saying how to talk to any JSON classifier API:
// the request body with the texts in it, where each text's answer is in the response, and optionally the label
// names in the order the service's probabilities come in.
//
//     request:                  # the JSON body sent; the string "$texts" becomes the array of texts
//       inputs: $texts
//       parameters: {top_k: null}
//     answers: "data[*].scores" # a path into the response; [*] walks the texts, [0] and .key step in
//     labels: [negative, positive]
import Attacks
import Basics
import Foundation
import Yams

public struct RequestTemplate: Sendable, Equatable {
    /// The body, with `$texts` where the texts go.
    public let request: JSONValue
    public let answerPath: [PathStep]
    public let labels: [String]?

    public enum PathStep: Sendable, Equatable {
        case key(String)
        case index(Int)
        case each
    }

    /// Reads a template file (the recipe limits apply: 256 KB, 64 levels).
    public static func load(_ url: URL) throws -> RequestTemplate {
        let text: String
        do { text = try YAMLLimits.read(url) } catch { throw EndpointError.configuration("\(error)") }
        return try RequestTemplate(yaml: text, file: url.path)
    }

    public init(yaml: String, file: String) throws {
        do { try YAMLLimits.check(yaml, file: file) } catch { throw EndpointError.configuration("\(error)") }
        // The node tree, never `Yams.load`, whose dictionary constructor traps on a key that is a list or a mapping.
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw EndpointError.configuration("\(file): not YAML (\(UserError.oneLine(String(describing: error))))")
        }
        guard let node, case .object(let root) = try Self.json(node, at: file) else {
            throw EndpointError.configuration("\(file): expected a mapping with request and answers")
        }
        for key in root.keys where !["request", "answers", "labels"].contains(key) {
            throw EndpointError.configuration("\(file): unknown key \"\(key)\"\(DidYouMean.hint(for: key, in: ["request", "answers", "labels"]))")
        }
        guard let body = root["request"] else { throw EndpointError.configuration("\(file): no request (the JSON body, with $texts where the texts go)") }
        guard Self.count(of: "$texts", in: body) == 1 else {
            throw EndpointError.configuration("\(file): request must hold the string $texts exactly once (where the array of texts goes)")
        }
        guard let path = root["answers"]?.stringValue else {
            throw EndpointError.configuration("\(file): no answers path (e.g. \"predictions[*]\": where each text's answer is)")
        }
        answerPath = try Self.parsePath(path, file: file)
        if let labels = root["labels"] {
            guard let names = labels.arrayValue?.compactMap(\.stringValue), !names.isEmpty, names.count == labels.arrayValue?.count else {
                throw EndpointError.configuration("\(file): labels must be a list of names")
            }
            self.labels = names
        } else {
            self.labels = nil
        }
        self.request = body
    }

    /// The request body for `texts`.
    func body(_ texts: [String]) -> JSONValue { Self.substitute(request, texts: texts) }

    /// The answers in a response, one per text.
    func answers(in root: JSONValue) throws -> [JSONValue] {
        var current: [JSONValue] = [root]
        var walked = "the response"
        for step in answerPath {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .key(let key):
                    guard let member = value[key] else { throw EndpointError.response("\(walked) has no \"\(key)\"") }
                    next.append(member)
                case .index(let index):
                    guard let items = value.arrayValue, items.indices.contains(index) else {
                        throw EndpointError.response("\(walked) has no element [\(index)]")
                    }
                    next.append(items[index])
                case .each:
                    guard let items = value.arrayValue else { throw EndpointError.response("\(walked) is \(value.typeName), not an array") }
                    next += items
                }
            }
            walked += Self.describe(step)
            current = next
        }
        return current
    }

    // MARK: Internals

    /// A YAML node as JSON: scalars with their YAML type (null, booleans, numbers, strings), lists, and mappings
    /// whose keys are scalars.
    static func json(_ node: Node, at place: String) throws -> JSONValue {
        switch node {
        case .scalar:
            switch node.any {
            case let v as Bool: return .bool(v)
            case let v as Int: return .number(Double(v))
            case let v as Double:
                guard v.isFinite else { throw EndpointError.configuration("\(place): \(v) is not a JSON number") }
                return .number(v)
            case let v as String: return .string(v)
            default: return .null
            }
        case .sequence(let items):
            return .array(try items.map { try json($0, at: place) })
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (keyNode, value) in mapping {
                guard case .scalar = keyNode, let key = keyNode.string else {
                    throw EndpointError.configuration("\(place): a key that is a list or a mapping")
                }
                members[key] = try json(value, at: "\(place).\(key)")
            }
            return .object(members)
        default:
            throw EndpointError.configuration("\(place): an alias JSON cannot hold")
        }
    }

    static func count(of placeholder: String, in value: JSONValue) -> Int {
        switch value {
        case .string(let s): return s == placeholder ? 1 : 0
        case .array(let items): return items.reduce(0) { $0 + count(of: placeholder, in: $1) }
        case .object(let members): return members.values.reduce(0) { $0 + count(of: placeholder, in: $1) }
        default: return 0
        }
    }

    static func substitute(_ value: JSONValue, texts: [String]) -> JSONValue {
        switch value {
        case .string("$texts"): return .array(texts.map { .string($0) })
        case .array(let items): return .array(items.map { substitute($0, texts: texts) })
        case .object(let members): return .object(members.mapValues { substitute($0, texts: texts) })
        default: return value
        }
    }

    /// `predictions[*]`, `$.outputs[0].data[*].scores`, `[*]`.
    static func parsePath(_ path: String, file: String) throws -> [PathStep] {
        var steps: [PathStep] = []
        var rest = Substring(path.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("$") { rest = rest.dropFirst() }
        while !rest.isEmpty {
            if rest.hasPrefix(".") { rest = rest.dropFirst(); continue }
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { throw EndpointError.configuration("\(file): answers path \"\(path)\": unclosed [") }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if inside == "*" { steps.append(.each) } else if let index = Int(inside), index >= 0 { steps.append(.index(index)) } else {
                    throw EndpointError.configuration("\(file): answers path \"\(path)\": [\(inside)] is neither [*] nor an index")
                }
                rest = rest[rest.index(after: close)...]
                continue
            }
            let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
            steps.append(.key(String(rest[..<end])))
            rest = rest[end...]
        }
        guard steps.filter({ $0 == .each }).count == 1 else {
            throw EndpointError.configuration("\(file): answers path \"\(path)\" must walk the texts with exactly one [*]")
        }
        return steps
    }

    static func describe(_ step: PathStep) -> String {
        switch step {
        case .key(let key): return ".\(key)"
        case .index(let index): return "[\(index)]"
        case .each: return "[*]"
        }
    }
}
