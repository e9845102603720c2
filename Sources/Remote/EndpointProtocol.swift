// EndpointProtocol: the wire formats of served classifiers — the Open Inference Protocol (KServe v2: Triton,
// MLServer, KServe), KServe v1 / TorchServe `instances` → `predictions`, and a JSON template for anything else —
// turning texts into a request body and a response body into one answer per text, with one-line errors that say
// what was expected where.
import Basics
import Foundation

/// One text's answer as the service gave it: probabilities in the service's label order, or scores by label name.
public enum ServiceAnswer: Equatable, Sendable {
    case probabilities([Double])
    case scores([String: Double])
}

/// Which wire format an endpoint speaks (`--endpoint-protocol`).
public enum EndpointProtocol: Sendable, Equatable {
    /// Open Inference Protocol: `POST {base}/v2/models/{model}/infer` with a BYTES tensor of texts.
    case v2
    /// `POST` `{"instances": [texts]}` → `{"predictions": [answers]}` (KServe v1, TorchServe, many homegrown APIs).
    case v1
    /// Any JSON API, described by a template file.
    case json(RequestTemplate)

    public var name: String {
        switch self {
        case .v2: return "v2"
        case .v1: return "v1"
        case .json: return "json"
        }
    }

    /// The request body for `texts`; `extra` are v2 input tensors sent with every request.
    func requestBody(_ texts: [String], inputName: String, extra: [ExtraInput] = []) throws -> Data {
        switch self {
        case .v2:
            let input: JSONValue = .object([
                "name": .string(inputName), "shape": .array([.number(Double(texts.count))]), "datatype": .string("BYTES"),
                "data": .array(texts.map { .string($0) }), "parameters": .object(["content_type": .string("str")]),
            ])
            return try JSONValue.object(["inputs": .array([input] + extra.map(\.tensor))]).serialized()
        case .v1:
            return try JSONValue.object(["instances": .array(texts.map { .string($0) })]).serialized()
        case .json(let template):
            return try template.body(texts).serialized()
        }
    }

    /// A response read once: one answer per text, and the model name and version a v2 response reports.
    struct Reply {
        var answers: [ServiceAnswer]
        var modelName: String?
        var modelVersion: String?
    }

    /// One answer per text from a response body; `output` names the v2 output tensor to read (default: the first
    /// that holds one answer per text).
    func answers(_ body: Data, count: Int, output: String?) throws -> [ServiceAnswer] {
        try reply(body, count: count, output: output).answers
    }

    func reply(_ body: Data, count: Int, output: String?) throws -> Reply {
        let root: JSONValue
        do { root = try JSONValue.parse(body) } catch {
            throw EndpointError.response("the response is not JSON (\(Self.preview(body)))")
        }
        let items: [JSONValue]
        switch self {
        case .v2:
            return Reply(answers: try Self.v2Answers(root, count: count, output: output),
                         modelName: root["model_name"]?.stringValue, modelVersion: root["model_version"]?.stringValue)
        case .v1:
            guard let predictions = root["predictions"]?.arrayValue else {
                throw EndpointError.response("the response has no \"predictions\" array (\(Self.preview(body)))")
            }
            items = predictions
        case .json(let template):
            items = try template.answers(in: root)
        }
        guard items.count == count else {
            throw EndpointError.response("the response has \(items.count) answers for \(count) texts")
        }
        return Reply(answers: try items.enumerated().map { try Self.answer($0.element, at: "answer \($0.offset + 1)") })
    }

    // MARK: Open Inference Protocol

    static func v2Answers(_ root: JSONValue, count: Int, output: String?) throws -> [ServiceAnswer] {
        if let error = root["error"]?.stringValue { throw EndpointError.response("the service says: \(UserError.oneLine(error))") }
        guard let outputs = root["outputs"]?.arrayValue, !outputs.isEmpty else {
            throw EndpointError.response("the response has no \"outputs\" (is this an Open Inference Protocol v2 endpoint?)")
        }
        let named = outputs.filter { output == nil || $0["name"]?.stringValue == output }
        guard !named.isEmpty else {
            let names = outputs.compactMap { $0["name"]?.stringValue }
            throw EndpointError.response("the response has no output named \"\(output ?? "")\" (it has \(names.joined(separator: ", ")))")
        }
        var problems: [String] = []
        for tensor in named {
            let name = tensor["name"]?.stringValue ?? "?"
            let datatype = tensor["datatype"]?.stringValue ?? ""
            let shape = tensor["shape"]?.arrayValue?.compactMap { $0.numberValue.map { Int($0) } } ?? []
            guard let data = tensor["data"]?.arrayValue else { problems.append("\(name): no data"); continue }
            let flat = flatten(data)
            if ["FP32", "FP64", "FP16", "BF16"].contains(datatype) {
                guard shape.count == 2, shape[0] == count, shape[1] >= 1, flat.count == shape[0] * shape[1] else {
                    problems.append("\(name): \(datatype) shape \(shape) is not [\(count), classes]")
                    continue
                }
                var answers: [ServiceAnswer] = []
                for row in 0..<count {
                    var values: [Double] = []
                    for value in flat[(row * shape[1])..<((row + 1) * shape[1])] {
                        guard let number = value.numberValue else {
                            throw EndpointError.response("output \(name) holds \(value.typeName) where a number belongs")
                        }
                        values.append(number)
                    }
                    answers.append(.probabilities(values))
                }
                return answers
            }
            if datatype == "BYTES" {
                guard flat.count == count else {
                    problems.append("\(name): \(flat.count) elements for \(count) texts")
                    continue
                }
                return try flat.enumerated().map { index, element in
                    guard let text = element.stringValue else {
                        throw EndpointError.response("output \(name) element \(index + 1) is \(element.typeName), not a string")
                    }
                    guard let parsed = try? JSONValue.parse(Data(text.utf8)) else {
                        throw EndpointError.response("output \(name) element \(index + 1) is not JSON: \(preview(Data(text.utf8)))")
                    }
                    return try answer(parsed, at: "output \(name) element \(index + 1)")
                }
            }
            problems.append("\(name): datatype \(datatype) holds no probabilities")
        }
        throw EndpointError.response("no output holds one answer per text (\(problems.joined(separator: "; ")))")
    }

    /// Nested arrays flattened row-major (the protocol allows either form).
    static func flatten(_ values: [JSONValue]) -> [JSONValue] {
        var out: [JSONValue] = []
        for value in values {
            if case .array(let inner) = value { out += flatten(inner) } else { out.append(value) }
        }
        return out
    }

    // MARK: One answer

    /// An answer in any of the shapes services use: `[p0, p1, …]`, `{"label": score, …}`, `[{"label": …, "score": …}, …]`
    /// (a Hugging Face pipeline with `top_k=None`), or any of these wrapped in a one-element array or under
    /// `"probabilities"`/`"scores"`.
    static func answer(_ value: JSONValue, at place: String) throws -> ServiceAnswer {
        switch value {
        case .array(let items):
            if items.count == 1, case .array = items[0] { return try answer(items[0], at: place) }
            if !items.isEmpty, items.allSatisfy({ $0.numberValue != nil }) { return .probabilities(items.compactMap(\.numberValue)) }
            if !items.isEmpty, items.allSatisfy({ $0["label"] != nil }) {
                var scores: [String: Double] = [:]
                for item in items {
                    guard let label = item["label"]?.stringValue, let score = item["score"]?.numberValue else {
                        throw EndpointError.response("\(place): a label entry without a string \"label\" and a number \"score\"")
                    }
                    guard scores[label] == nil else { throw EndpointError.response("\(place): label \"\(label)\" appears twice") }
                    scores[label] = score
                }
                return .scores(scores)
            }
            throw EndpointError.response("\(place): an array that is neither probabilities nor label scores")
        case .object(let members):
            for key in ["probabilities", "probs", "scores"] {
                if let inner = members[key] { return try answer(inner, at: place) }
            }
            if members["label"] != nil {
                throw EndpointError.response("\(place): only the top label's score; the service must return every class's score (a Hugging Face pipeline: top_k=None)")
            }
            var scores: [String: Double] = [:]
            for (label, score) in members {
                guard let number = score.numberValue else {
                    throw EndpointError.response("\(place): \"\(label)\" is \(score.typeName), not a score")
                }
                scores[label] = number
            }
            guard !scores.isEmpty else { throw EndpointError.response("\(place): an empty object") }
            return .scores(scores)
        default:
            throw EndpointError.response("\(place): \(value.typeName), not probabilities or label scores")
        }
    }

    /// The start of a body, for messages: at most 120 characters, one line.
    static func preview(_ body: Data) -> String {
        let text = String(decoding: body.prefix(120), as: UTF8.self)
        let line = text.map { $0.isNewline ? " " : $0 }
        return body.isEmpty ? "empty body" : "\"" + String(line) + (body.count > 120 ? "…" : "") + "\""
    }
}

/// A v2 input tensor of one value sent with every request (`--endpoint-extra-input NAME=DATATYPE:VALUE`), such as
/// MLServer's Hugging Face runtime needs for every class's score: `return_all_scores=BOOL:true`.
public struct ExtraInput: Sendable, Equatable {
    public let name: String
    public let datatype: String
    public let value: JSONValue

    /// `NAME=DATATYPE:VALUE`, DATATYPE one of BOOL, INT8…INT64, UINT8…UINT64, FP16, FP32, FP64, BYTES.
    public init(parsing option: String) throws {
        let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
        let typed = parts.count == 2 ? parts[1].split(separator: ":", maxSplits: 1).map(String.init) : []
        guard parts.count == 2, !parts[0].isEmpty, typed.count == 2 else {
            throw EndpointError.configuration("--endpoint-extra-input \(option): expected NAME=DATATYPE:VALUE, e.g. return_all_scores=BOOL:true")
        }
        let (datatype, text) = (typed[0].uppercased(), typed[1])
        let value: JSONValue?
        switch datatype {
        case "BOOL": value = ["true": .bool(true), "false": .bool(false)][text.lowercased()]
        case "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64": value = Int(text).map { .number(Double($0)) }
        case "FP16", "FP32", "FP64": value = Double(text).flatMap { $0.isFinite ? .number($0) : nil }
        case "BYTES": value = .string(text)
        default:
            throw EndpointError.configuration("--endpoint-extra-input \(parts[0]): unknown datatype \(datatype) (BOOL, INT32, INT64, FP32, FP64, BYTES, …)")
        }
        guard let value else { throw EndpointError.configuration("--endpoint-extra-input \(parts[0]): \(text) is not a \(datatype) value") }
        (name, self.datatype, self.value) = (parts[0], datatype, value)
    }

    var tensor: JSONValue {
        .object(["name": .string(name), "shape": .array([.number(1)]), "datatype": .string(datatype), "data": .array([value]),
                 "parameters": .object(["content_type": .string("raw")])])
    }
}

/// What went wrong talking to a service: one line, never holding credentials.
public enum EndpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The options or template do not describe a usable endpoint.
    case configuration(String)
    /// The service could not be reached or kept failing (after retries).
    case unavailable(String)
    /// The service answered, but not with what robust can check and use.
    case response(String)

    public var description: String {
        switch self {
        case .configuration(let message), .unavailable(let message), .response(let message): return message
        }
    }
}
