// BertFastPathTests: a tokenizer.json that is exactly BERT's pipeline runs on the fused WordPiece engine and gives the
// same encodings as the general pipeline (and as Hugging Face) on the fixture strings and MiniLM's reference strings;
// a file that deviates in any part stays on the general pipeline.
import Basics
import Foundation
@testable import Tokenizer
import TestSupport
import XCTest

final class BertFastPathTests: XCTestCase {
    private func fastAndGeneral(_ folder: URL) throws -> (fast: TextTokenizer, general: TextTokenizer) {
        let data = try Data(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        let config = FileManager.default.fileExists(atPath: configURL.path) ? try Data(contentsOf: configURL) : nil
        let fast = try TextTokenizer.load(directory: folder)
        let general = try TextTokenizer(tokenizerJSON: data, config: config, allowFastPath: false)
        XCTAssertEqual(fast.source, .tokenizerJSON)
        XCTAssertTrue(fast.isFusedWordPiece, "\(folder.lastPathComponent) should take the fast path")
        XCTAssertFalse(general.isFusedWordPiece)
        return (fast, general)
    }

    /// Whole encodings (ids, tokens, type ids, offsets, word ids, sequence ids) of both paths on every string, alone
    /// without truncation, truncated to 12 and 5 tokens, and as pairs truncated longest_first; returns the mismatches.
    private func compare(_ fast: TextTokenizer, _ general: TextTokenizer, on strings: [String], label: String) -> Int {
        var mismatches = 0
        func check(_ a: Encoding, _ b: Encoding, _ what: @autoclosure () -> String) {
            guard a != b else { return }
            mismatches += 1
            if mismatches <= 5 {
                XCTFail("\(label) \(what()):\n  fast    \(ReferenceEncoding(a)) \(a.tokens)\n  general \(ReferenceEncoding(b)) \(b.tokens)")
            }
        }
        for (index, text) in strings.enumerated() {
            check(fast.encode(text, maxLength: Int.max), general.encode(text, maxLength: Int.max), "string \(index + 1) \(text.debugDescription)")
            check(fast.encode(text, maxLength: 12), general.encode(text, maxLength: 12), "string \(index + 1) truncated to 12")
            check(fast.encode(text, maxLength: 5), general.encode(text, maxLength: 5), "string \(index + 1) truncated to 5")
            let next = strings[(index + 1) % strings.count]
            check(fast.encode(text, next, maxLength: 9), general.encode(text, next, maxLength: 9), "pair \(index + 1) truncated to 9")
            check(fast.encode(text, next, maxLength: Int.max), general.encode(text, next, maxLength: Int.max), "pair \(index + 1)")
            if fast.tokenize(text) != general.tokenize(text) { check(Encoding(), fast.encode(text), "tokenize of string \(index + 1)") }
        }
        return mismatches
    }

    /// The wordpiece fixture (a transformers-5 BertTokenizerFast folder): the fast path equals the general pipeline on
    /// all 30,400 strings, and both equal Hugging Face's reference ids, offsets and word ids.
    func testWordPieceFixtureFastPathEqualsPipelineAndHF() throws {
        let (fast, general) = try fastAndGeneral(TokenizerFixtures.folder.appendingPathComponent("wordpiece"))
        let strings = try TokenizerFixtures.strings()
        let references = try TokenizerFixtures.references("wordpiece")
        XCTAssertEqual(strings.count, 30_400)
        XCTAssertEqual(compare(fast, general, on: strings, label: "wordpiece"), 0)
        XCTAssertEqual(TokenizerFixtures.mismatches(general, strings, references, label: "general pipeline"), 0)
        XCTAssertEqual(TokenizerFixtures.mismatches(fast, strings, references, label: "fast path"), 0)
        XCTAssertEqual(fast.vocabularySize, general.vocabularySize)
        for id in Int32(0)..<Int32(general.vocabularySize) {
            XCTAssertEqual(fast.token(of: id), general.token(of: id))
            if let token = general.token(of: id) { XCTAssertEqual(fast.id(of: token), general.id(of: token), token) }
        }
    }

    /// MiniLM's own tokenizer.json (the default model): the fast path, equal to the general pipeline on the fixture
    /// strings, and equal to Hugging Face on the 40 reference strings and the offset/word-id cases.
    func testMiniLMTokenizerJSONFastPath() throws {
        let folder = try requireMiniLM()
        let (fast, general) = try fastAndGeneral(folder)
        XCTAssertEqual(compare(fast, general, on: try TokenizerFixtures.strings(), label: "MiniLM"), 0)
        let fixture = try loadJSONFixture("tokenizer.json")
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 40)
        for (index, item) in cases.enumerated() {
            let text = try XCTUnwrap(item["text"] as? String)
            let encoding = fast.encode(text, maxLength: 128)
            XCTAssertEqual(encoding.tokens, item["fast_tokens"] as? [String], "case \(index)")
            XCTAssertEqual(encoding.ids, ints(item["fast_ids"]).map(Int32.init), "case \(index)")
        }
        for item in hfCases {
            let encoding = item.pair.map { fast.encode(item.text, $0, maxLength: item.maxLength) }
                ?? fast.encode(item.text, maxLength: item.maxLength)
            XCTAssertEqual(encoding.tokens, item.tokens, item.text.debugDescription)
            XCTAssertEqual(encoding.offsets, item.offsets, item.text.debugDescription)
            XCTAssertEqual(encoding.wordIDs, item.wordIDs, item.text.debugDescription)
            XCTAssertEqual(encoding.typeIDs, item.typeIDs, item.text.debugDescription)
        }
    }

    /// Marks that canonical ordering moves past a mark that stays: HF's NFD keeps each position's alignment, so the
    /// kept mark takes the offset of the scalar that was there (tokenizers 0.23.3 on the wordpiece fixture).
    func testCanonicalReorderingKeepsHFAlignments() throws {
        let (fast, general) = try fastAndGeneral(TokenizerFixtures.folder.appendingPathComponent("wordpiece"))
        let cases: [(String, [String], [Range<Int>])] = [
            ("a\u{302E}\u{316}b", ["[CLS]", "[UNK]", "[SEP]"], [0..<0, 0..<4, 0..<0]),
            ("a\u{1DF5}\u{316}", ["[CLS]", "a", "[SEP]"], [0..<0, 0..<1, 0..<0]),
            ("e\u{301}\u{327}\u{302F} x", ["[CLS]", "e", "##\u{302F}", "x", "[SEP]"], [0..<0, 0..<1, 2..<3, 5..<6, 0..<0]),
            ("\u{1E09}\u{302E}", ["[CLS]", "[UNK]", "[SEP]"], [0..<0, 0..<2, 0..<0]),
        ]
        for (text, tokens, offsets) in cases {
            for (name, tokenizer) in [("fast", fast), ("general", general)] {
                let encoding = tokenizer.encode(text, maxLength: Int.max)
                XCTAssertEqual(encoding.tokens, tokens, "\(name) \(text.debugDescription)")
                XCTAssertEqual(encoding.offsets, offsets, "\(name) \(text.debugDescription)")
            }
        }
    }

    /// Seeded random strings heavy in combining marks (every combining class, spacing marks with a class, marks newer
    /// than Unicode 8 and 9), controls between marks, case expansions, CJK and special-token literals: the fast path
    /// equals the general pipeline for every BertNormalizer option set.
    func testRandomMarkHeavyStringsForEveryNormalizerOption() throws {
        let pool: [String] = ["a", "e", "I", "\u{130}", "\u{1E9E}", "\u{3A3}", "\u{1E09}", "\u{1EC7}", "\u{1F80}", "\u{AC00}", "\u{D4DB}",
                              "\u{300}", "\u{301}", "\u{316}", "\u{327}", "\u{334}", "\u{345}", "\u{35C}", "\u{35D}", "\u{344}",
                              "\u{5B0}", "\u{5C4}", "\u{94D}", "\u{93C}", "\u{F71}", "\u{F73}", "\u{F75}", "\u{F81}",
                              "\u{302A}", "\u{302E}", "\u{302F}", "\u{1D165}", "\u{1D16D}", "\u{1DF5}", "\u{8D4}", "\u{1E94A}",
                              "\u{1AB0}", "\u{1ABF}", "\u{20D2}", "\u{20DD}", "\u{3099}", "\u{FE20}", "\u{0}", "\u{7}", "\u{AD}",
                              "\u{200D}", "\u{FEFF}", " ", "\t", "\u{A0}", "\u{3000}", "中", "\u{F900}", "!", "\u{2014}", "[CLS]", "[MASK]",
                              "[SEP", "##", "x", "Z"]
        let url = TokenizerFixtures.folder.appendingPathComponent("wordpiece/tokenizer.json")
        let base = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var rng = SeededRandom(seed: 0xFA57_0001)
        var strings: [String] = []
        for _ in 0..<4_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...14, using: &rng) { text += pool[Int.random(in: 0..<pool.count, using: &rng)] }
            strings.append(text)
        }
        for lowercase in [true, false] {
            for stripAccents in [nil, true, false] as [Bool?] {
                for chinese in [true, false] {
                    var root = base
                    root["normalizer"] = ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": chinese,
                                          "strip_accents": stripAccents.map { $0 as Any } ?? NSNull(), "lowercase": lowercase]
                    let data = try JSONSerialization.data(withJSONObject: root)
                    let fast = try TextTokenizer(tokenizerJSON: data)
                    let general = try TextTokenizer(tokenizerJSON: data, config: nil, allowFastPath: false)
                    XCTAssertTrue(fast.isFusedWordPiece)
                    let label = "lowercase \(lowercase) strip_accents \(stripAccents.map(String.init) ?? "null") chinese \(chinese)"
                    XCTAssertEqual(compare(fast, general, on: strings, label: label), 0, label)
                }
            }
        }
    }

    // MARK: Files that deviate stay on the general pipeline

    /// The wordpiece fixture's tokenizer.json with `edit` applied to its JSON object.
    private func edited(_ edit: (inout [String: Any]) -> Void) throws -> TextTokenizer {
        let url = TokenizerFixtures.folder.appendingPathComponent("wordpiece/tokenizer.json")
        var root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&root)
        return try TextTokenizer(tokenizerJSON: try JSONSerialization.data(withJSONObject: root))
    }

    func testUneditedFileTakesTheFastPath() throws {
        XCTAssertTrue(try edited { _ in }.isFusedWordPiece)
        // BertProcessing is the other spelling of the same post-processor.
        XCTAssertTrue(try edited { root in
            root["post_processor"] = ["type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]]
        }.isFusedWordPiece)
    }

    func testDeviatingFilesStayOnThePipeline() throws {
        let bert: [String: Any] = ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                                   "strip_accents": NSNull(), "lowercase": true]
        let deviations: [(String, (inout [String: Any]) -> Void)] = [
            ("a Replace normalizer after BertNormalizer", { root in
                root["normalizer"] = ["type": "Sequence", "normalizers": [
                    bert, ["type": "Replace", "pattern": ["String": "x"], "content": "y"]]]
            }),
            ("clean_text off", { root in
                var normalizer = bert
                normalizer["clean_text"] = false
                root["normalizer"] = normalizer
            }),
            ("no normalizer", { root in root["normalizer"] = NSNull() }),
            ("Whitespace pre-tokenizer", { root in root["pre_tokenizer"] = ["type": "Whitespace"] }),
            ("RobertaProcessing", { root in
                root["post_processor"] = ["type": "RobertaProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]]
            }),
            ("a template with other type ids", { root in
                root["post_processor"] = Self.template(pair: [("[CLS]", 0), ("A", 0), ("[SEP]", 0), ("B", 0), ("[SEP]", 0)])
            }),
            ("a template with [SEP] twice between the texts", { root in
                root["post_processor"] = Self.template(pair: [("[CLS]", 0), ("A", 0), ("[SEP]", 0), ("[SEP]", 1), ("B", 1), ("[SEP]", 1)])
            }),
            ("no post-processor", { root in root["post_processor"] = NSNull() }),
            ("a non-special added token", { root in Self.addToken(&root, ["id": 10, "special": false]) }),
            ("an added token with lstrip", { root in Self.addToken(&root, ["id": 4, "content": "[MASK]", "lstrip": true]) }),
            ("a normalized added token", { root in Self.addToken(&root, ["id": 4, "content": "[MASK]", "normalized": true]) }),
            ("an added token whose id has another token", { root in Self.addToken(&root, ["id": 10, "content": "[NEW]"]) }),
            ("another continuing prefix", { root in Self.editModel(&root) { $0["continuing_subword_prefix"] = "@@" } }),
            ("a vocabulary with a hole", { root in
                Self.editModel(&root) { model in
                    var vocab = model["vocab"] as? [String: Any] ?? [:]
                    vocab["zzz-extra"] = vocab.count + 5
                    model["vocab"] = vocab
                }
            }),
        ]
        for (label, edit) in deviations {
            XCTAssertFalse(try edited(edit).isFusedWordPiece, label)
        }
    }

    private static func template(pair: [(String, Int)]) -> [String: Any] {
        func pieces(_ items: [(String, Int)]) -> [[String: Any]] {
            items.map { id, type in
                id == "A" || id == "B" ? ["Sequence": ["id": id, "type_id": type]] : ["SpecialToken": ["id": id, "type_id": type]]
            }
        }
        return ["type": "TemplateProcessing", "single": pieces([("[CLS]", 0), ("A", 0), ("[SEP]", 0)]), "pair": pieces(pair),
                "special_tokens": ["[CLS]": ["id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]],
                                   "[SEP]": ["id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]]]]
    }

    private static func addToken(_ root: inout [String: Any], _ fields: [String: Any]) {
        var token: [String: Any] = ["id": 10, "content": "[NEW]", "single_word": false, "lstrip": false, "rstrip": false,
                                    "normalized": false, "special": true]
        token.merge(fields) { _, new in new }
        if token["content"] as? String == "[NEW]" {
            // Give the new token's id that content in the vocabulary unless the case is about a mismatch.
            if fields["content"] == nil { editModel(&root) { model in
                var vocab = model["vocab"] as? [String: Any] ?? [:]
                if let old = vocab.first(where: { ($0.value as? Int) == 10 })?.key { vocab[old] = nil }
                vocab["[NEW]"] = 10
                model["vocab"] = vocab
            } }
        }
        root["added_tokens"] = (root["added_tokens"] as? [[String: Any]] ?? []) + [token]
    }

    private static func editModel(_ root: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var model = root["model"] as? [String: Any] ?? [:]
        edit(&model)
        root["model"] = model
    }
}
