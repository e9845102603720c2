// EndpointProtocolTests: request bodies and response reading for v2, v1 and JSON templates, and the checks on
// every answer (one per text, every label, probabilities in [0, 1] summing to 1) — each failure one line.
import Basics
import Foundation
@testable import Remote
import XCTest

final class EndpointProtocolTests: XCTestCase {
    private func json(_ text: String) -> Data { Data(text.utf8) }

    func testV2RequestCarriesTheTextsAsABytesTensor() throws {
        let body = try EndpointProtocol.v2.requestBody(["a good film", "ünïcode"], inputName: "text")
        let root = try JSONValue.parse(body)
        let input = try XCTUnwrap(root["inputs"]?.arrayValue?.first)
        XCTAssertEqual(input["name"], .string("text"))
        XCTAssertEqual(input["datatype"], .string("BYTES"))
        XCTAssertEqual(input["shape"], .array([.number(2)]))
        XCTAssertEqual(input["data"], .array([.string("a good film"), .string("ünïcode")]))
    }

    func testV2ExtraInputsGoWithEveryRequest() throws {
        let extra = try ["return_all_scores=BOOL:true", "max_length=INT32:128", "mode=BYTES:fast"].map { try ExtraInput(parsing: $0) }
        let root = try JSONValue.parse(try EndpointProtocol.v2.requestBody(["x"], inputName: "array_inputs", extra: extra))
        let inputs = try XCTUnwrap(root["inputs"]?.arrayValue)
        XCTAssertEqual(inputs.map { $0["name"] }, [.string("array_inputs"), .string("return_all_scores"), .string("max_length"), .string("mode")])
        XCTAssertEqual(inputs[1]["data"], .array([.bool(true)]))
        XCTAssertEqual(inputs[2]["data"], .array([.number(128)]))
        XCTAssertEqual(inputs[2]["datatype"], .string("INT32"))
        XCTAssertEqual(inputs[3]["data"], .array([.string("fast")]))
        for (option, message) in [("x", "--endpoint-extra-input x: expected NAME=DATATYPE:VALUE, e.g. return_all_scores=BOOL:true"),
                                  ("x=BOOL:maybe", "--endpoint-extra-input x: maybe is not a BOOL value"),
                                  ("x=FP32:nan", "--endpoint-extra-input x: nan is not a FP32 value"),
                                  ("x=TEXT:a", "--endpoint-extra-input x: unknown datatype TEXT (BOOL, INT32, INT64, FP32, FP64, BYTES, …)")] {
            XCTAssertThrowsError(try ExtraInput(parsing: option)) { XCTAssertEqual(String(describing: $0), message) }
        }
    }

    func testV2ReadsFloatTensorsAndLabelScoreStrings() throws {
        let floats = json(#"{"model_name":"m","outputs":[{"name":"logits_softmax","datatype":"FP32","shape":[2,2],"data":[0.25,0.75,0.5,0.5]}]}"#)
        XCTAssertEqual(try EndpointProtocol.v2.answers(floats, count: 2, output: nil),
                       [.probabilities([0.25, 0.75]), .probabilities([0.5, 0.5])])
        let nested = json(#"{"outputs":[{"name":"p","datatype":"FP64","shape":[1,3],"data":[[0.2,0.3,0.5]]}]}"#)
        XCTAssertEqual(try EndpointProtocol.v2.answers(nested, count: 1, output: nil), [.probabilities([0.2, 0.3, 0.5])])
        // MLServer's Hugging Face runtime: one JSON string of [{label, score}, …] per text.
        let bytes = json(#"{"outputs":[{"name":"output","datatype":"BYTES","shape":[1],"data":["[{\"label\": \"pos\", \"score\": 0.9}, {\"label\": \"neg\", \"score\": 0.1}]"]}]}"#)
        XCTAssertEqual(try EndpointProtocol.v2.answers(bytes, count: 1, output: nil), [.scores(["pos": 0.9, "neg": 0.1])])
        // A named output among several.
        let two = json(#"{"outputs":[{"name":"ids","datatype":"INT64","shape":[1],"data":[3]},{"name":"probs","datatype":"FP32","shape":[1,2],"data":[0.1,0.9]}]}"#)
        XCTAssertEqual(try EndpointProtocol.v2.answers(two, count: 1, output: "probs"), [.probabilities([0.1, 0.9])])
        XCTAssertEqual(try EndpointProtocol.v2.answers(two, count: 1, output: nil), [.probabilities([0.1, 0.9])])
    }

    func testV2ResponsesThatCannotBeUsedAreOneLineErrors() {
        let cases: [(String, Int, String?, String)] = [
            ("not json at all", 1, nil, "the response is not JSON (\"not json at all\")"),
            (#"{"error":"model not loaded\nstack"}"#, 1, nil, "the service says: model not loaded"),
            (#"{"outputs":[]}"#, 1, nil, "the response has no \"outputs\" (is this an Open Inference Protocol v2 endpoint?)"),
            (#"{"outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[0.1,0.9]}]}"#, 2, nil,
             "no output holds one answer per text (p: FP32 shape [1, 2] is not [2, classes])"),
            (#"{"outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[0.1,0.9]}]}"#, 1, "q", "the response has no output named \"q\" (it has p)"),
            (#"{"outputs":[{"name":"o","datatype":"BYTES","shape":[1],"data":["{\"label\":\"pos\",\"score\":0.9}"]}]}"#, 1, nil,
             "output o element 1: only the top label's score; the service must return every class's score (a Hugging Face pipeline: top_k=None)"),
        ]
        for (body, count, output, message) in cases {
            XCTAssertThrowsError(try EndpointProtocol.v2.answers(json(body), count: count, output: output), body) {
                XCTAssertEqual(String(describing: $0), message)
            }
        }
    }

    func testV1ReadsEveryCommonAnswerShape() throws {
        let body = json(#"{"predictions":[[0.3,0.7],{"neg":0.6,"pos":0.4},[{"label":"neg","score":0.2},{"label":"pos","score":0.8}],{"probabilities":[0.5,0.5]}]}"#)
        XCTAssertEqual(try EndpointProtocol.v1.answers(body, count: 4, output: nil),
                       [.probabilities([0.3, 0.7]), .scores(["neg": 0.6, "pos": 0.4]), .scores(["neg": 0.2, "pos": 0.8]),
                        .probabilities([0.5, 0.5])])
        XCTAssertThrowsError(try EndpointProtocol.v1.answers(body, count: 3, output: nil)) {
            XCTAssertEqual(String(describing: $0), "the response has 4 answers for 3 texts")
        }
        XCTAssertThrowsError(try EndpointProtocol.v1.answers(json(#"{"outputs":[]}"#), count: 1, output: nil)) {
            XCTAssertEqual(String(describing: $0), "the response has no \"predictions\" array (\"{\"outputs\":[]}\")")
        }
        let request = try JSONValue.parse(try EndpointProtocol.v1.requestBody(["x", "y"], inputName: ""))
        XCTAssertEqual(request, .object(["instances": .array([.string("x"), .string("y")])]))
    }

    func testAJSONTemplatePlacesTheTextsAndFindsTheAnswers() throws {
        let template = try RequestTemplate(yaml: """
            request:
              inputs: $texts
              parameters: {top_k: null, truncation: true}
            answers: "$.result.items[*].scores"
            labels: [neg, pos]
            """, file: "t.yaml")
        let body = try JSONValue.parse(try EndpointProtocol.json(template).requestBody(["a", "b"], inputName: ""))
        XCTAssertEqual(body, .object(["inputs": .array([.string("a"), .string("b")]),
                                      "parameters": .object(["top_k": .null, "truncation": .bool(true)])]))
        XCTAssertEqual(template.labels, ["neg", "pos"])
        let response = json(#"{"result":{"items":[{"scores":[0.1,0.9]},{"scores":[0.8,0.2]}]}}"#)
        XCTAssertEqual(try EndpointProtocol.json(template).answers(response, count: 2, output: nil),
                       [.probabilities([0.1, 0.9]), .probabilities([0.8, 0.2])])
        XCTAssertThrowsError(try EndpointProtocol.json(template).answers(json(#"{"result":{}}"#), count: 2, output: nil)) {
            XCTAssertEqual(String(describing: $0), "the response.result has no \"items\"")
        }
    }

    func testBadTemplatesAreOneLineErrors() {
        let cases: [(String, String)] = [
            ("request: {x: 1}\nanswers: \"[*]\"", "t.yaml: request must hold the string $texts exactly once (where the array of texts goes)"),
            ("request: {x: $texts}", "t.yaml: no answers path (e.g. \"predictions[*]\": where each text's answer is)"),
            ("request: {x: $texts}\nanswers: \"a.b\"", "t.yaml: answers path \"a.b\" must walk the texts with exactly one [*]"),
            ("request: {x: $texts}\nanswers: \"a[x]\"", "t.yaml: answers path \"a[x]\": [x] is neither [*] nor an index"),
            ("request: {x: $texts}\nanswer: \"[*]\"", "t.yaml: unknown key \"answer\" (did you mean 'answers'?)"),
            ("request: {x: $texts}\nanswers: \"[*]\"\nlabels: 3", "t.yaml: labels must be a list of names"),
            ("? [a, b]\n: 1\nrequest: {x: $texts}\nanswers: \"[*]\"", "t.yaml: a key that is a list or a mapping"),
            ("request: {x: $texts, y: .inf}\nanswers: \"[*]\"", "t.yaml.request.y: inf is not a JSON number"),
            ("request: " + String(repeating: "[", count: 100), "t.yaml:1: nested more than 64 levels deep; recipes are limited to 64"),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try RequestTemplate(yaml: yaml, file: "t.yaml"), yaml) {
                XCTAssertEqual(String(describing: $0), message)
            }
        }
    }

    func testAnswersAreCheckedBeforeUse() throws {
        let labels = try ServiceLabels.resolve(given: nil, probe: .scores(["pos": 0.9, "neg": 0.1]), expected: ["neg", "pos"])
        XCTAssertEqual(labels.names, ["neg", "pos"])
        XCTAssertEqual(try labels.probabilities(.scores(["pos": 0.75, "neg": 0.25]), text: 1), [0.25, 0.75])
        let bad: [(ServiceAnswer, String)] = [
            (.probabilities([0.5, 0.7]), "answer 1: the probabilities sum to 1.2000, not 1"),
            (.probabilities([2.5, -1.5]), "answer 1: 2.5, -1.5 are not probabilities (outside [0, 1]; logits?)"),
            (.probabilities([.nan, 1]), "answer 1: a probability is NaN or infinite"),
            (.probabilities([1]), "answer 1: 1 probabilities for 2 labels"),
            (.scores(["pos": 1, "other": 0]), "answer 1: labels other, pos, expected neg, pos"),
        ]
        for (answer, message) in bad {
            XCTAssertThrowsError(try labels.probabilities(answer, text: 1)) { XCTAssertEqual(String(describing: $0), message) }
        }
        XCTAssertThrowsError(try ServiceLabels.resolve(given: nil, probe: .probabilities([0.5, 0.5]), expected: ["a", "b"])) {
            XCTAssertEqual(String(describing: $0), "the service answers with 2 probabilities and no label names: pass --labels NAME,NAME,… in the service's order")
        }
        XCTAssertThrowsError(try ServiceLabels.resolve(given: nil, probe: .scores(["POSITIVE": 0.5, "NEGATIVE": 0.5]), expected: ["neg", "pos"])) {
            XCTAssertEqual(String(describing: $0), "the service's labels (NEGATIVE, POSITIVE) do not include the data's neg, pos")
        }
        XCTAssertEqual(try ServiceLabels.resolve(given: ["pos", "neg"], probe: .probabilities([0.5, 0.5]), expected: ["neg", "pos"]).names,
                       ["pos", "neg"])
    }

    func testCredentialsNeverAppearInTheShownURL() throws {
        XCTAssertEqual(Redaction.url("https://user:secret@api.example.com/v1/predict?key=SECRET&mode=x"),
                       "https://api.example.com/v1/predict?key=redacted&mode=redacted")
        let header = try EndpointSettings.header("Authorization=TOKEN_VAR", environment: ["TOKEN_VAR": "Bearer s3cr3t"])
        XCTAssertEqual(header.name, "Authorization")
        XCTAssertEqual(header.value, "Bearer s3cr3t")
        XCTAssertThrowsError(try EndpointSettings.header("Authorization=MISSING", environment: [:])) {
            XCTAssertEqual(String(describing: $0), "--endpoint-header Authorization: the environment variable MISSING is not set")
        }
        XCTAssertThrowsError(try EndpointSettings.header("Authorization: Bearer s3cr3t", environment: [:])) {
            XCTAssertFalse(String(describing: $0).contains("s3cr3t"), String(describing: $0))
        }
    }
}
