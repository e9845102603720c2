// LoadingTests: loading vocab.txt / tokenizer_config.json from a folder, and the typed errors.
import Foundation
import Tokenizer
import XCTest

final class LoadingTests: XCTestCase {
    /// A fresh temporary model folder per test (XCTest makes one instance per test method).
    private let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("tokenizer-tests-\(UUID().uuidString)")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    private func loadError(file: StaticString = #filePath, line: UInt = #line) -> TokenizerError? {
        do {
            _ = try WordPieceTokenizer.load(directory: folder)
            XCTFail("loading should have failed", file: file, line: line)
            return nil
        } catch let error as TokenizerError {
            let text = error.description
            XCTAssertFalse(text.isEmpty, file: file, line: line)
            XCTAssertFalse(text.contains("\n"), "description must be one line: \(text)", file: file, line: line)
            return error
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
            return nil
        }
    }

    func testVocabularyWithCRLFAndNoTrailingNewline() throws {
        try write("vocab.txt", "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nhello\r\n##s\r\nworld")
        let tokenizer = try WordPieceTokenizer.load(directory: folder)
        XCTAssertEqual(tokenizer.vocabularySize, 8)
        XCTAssertEqual(tokenizer.id(of: "hello"), 5)
        XCTAssertEqual(tokenizer.id(of: "world"), 7)
        XCTAssertNil(tokenizer.id(of: "hello\r"))
        XCTAssertEqual(tokenizer.encode("Hellos world").tokens, ["[CLS]", "hello", "##s", "world", "[SEP]"])
    }

    /// Tokens that Swift's `String` equality would merge ("à" and "a" + U+0300) keep their own ids, as in HF's
    /// byte-keyed vocabulary.
    func testCanonicallyEquivalentTokensKeepTheirOwnIDs() throws {
        try write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n\u{E0}\na\u{300}\n")
        let tokenizer = try WordPieceTokenizer.load(directory: folder)
        XCTAssertEqual(tokenizer.id(of: "\u{E0}"), 5)
        XCTAssertEqual(tokenizer.id(of: "a\u{300}"), 6)
        let keepAccents = TextTokenizer(wordPiece: try WordPieceTokenizer(
            vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u{E0}", "a\u{300}"],
            options: TokenizerOptions(lowercase: false, stripAccents: false)))
        XCTAssertEqual(keepAccents.encode("\u{E0} a\u{300}").ids, [2, 5, 6, 3])
        XCTAssertEqual(keepAccents.id(of: "a\u{300}"), 6)
    }

    func testParseVocabularyLines() {
        XCTAssertEqual(WordPieceTokenizer.parseVocabulary("a\nb\n"), ["a", "b"])
        XCTAssertEqual(WordPieceTokenizer.parseVocabulary("a\nb"), ["a", "b"])
        XCTAssertEqual(WordPieceTokenizer.parseVocabulary("a\r\nb\r\n"), ["a", "b"])
        // An empty line in the middle still takes an id (ids are line numbers).
        XCTAssertEqual(WordPieceTokenizer.parseVocabulary("a\n\nb\n"), ["a", "", "b"])
        XCTAssertEqual(WordPieceTokenizer.parseVocabulary(""), [])
    }

    func testConfigOptionsAreRead() throws {
        try write("vocab.txt", tinyVocabulary.joined(separator: "\n") + "\n<unk>\n")
        try write("tokenizer_config.json", """
            {"do_lower_case": false, "strip_accents": true, "tokenize_chinese_chars": false,
             "model_max_length": 1000000000000000019884624838656, "never_split": null,
             "unk_token": {"content": "<unk>", "lstrip": false}, "cls_token": "[CLS]",
             "max_input_chars_per_word": 7, "tokenizer_class": "BertTokenizer"}
            """)
        let tokenizer = try WordPieceTokenizer.load(directory: folder)
        XCTAssertFalse(tokenizer.options.lowercase)
        XCTAssertEqual(tokenizer.options.stripAccents, true)
        XCTAssertFalse(tokenizer.options.tokenizeChineseChars)
        XCTAssertEqual(tokenizer.options.modelMaxLength, Int.max)
        XCTAssertEqual(tokenizer.options.maxInputCharsPerWord, 7)
        XCTAssertEqual(tokenizer.options.unkToken, "<unk>")
        XCTAssertEqual(tokenizer.unkID, Int32(tinyVocabulary.count))
        XCTAssertEqual(tokenizer.tokenize("café Hello"), ["cafe", "<unk>"])
    }

    func testMissingConfigUsesDefaults() throws {
        try write("vocab.txt", tinyVocabulary.joined(separator: "\n"))
        let tokenizer = try WordPieceTokenizer.load(directory: folder)
        XCTAssertEqual(tokenizer.options, TokenizerOptions())
    }

    func testMissingVocabulary() {
        guard case .missingVocabulary(let path)? = loadError() else { return XCTFail("wrong error") }
        XCTAssertTrue(path.hasSuffix("vocab.txt"))
    }

    func testEmptyVocabulary() throws {
        try write("vocab.txt", "")
        XCTAssertEqual(loadError(), .emptyVocabulary)
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: [])) { error in
            XCTAssertEqual(error as? TokenizerError, .emptyVocabulary)
        }
    }

    func testVocabularyMissingSpecialTokens() throws {
        for missing in ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"] {
            try write("vocab.txt", tinyVocabulary.filter { $0 != missing }.joined(separator: "\n"))
            guard case .missingSpecialToken(_, let token)? = loadError() else { return XCTFail("wrong error for \(missing)") }
            XCTAssertEqual(token, missing)
        }
        XCTAssertEqual(TokenizerError.missingSpecialToken(role: "unknown", token: "[UNK]").description,
                       "tokenizer vocabulary has no unknown token [UNK]")
    }

    func testNonUTF8Vocabulary() throws {
        try Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: folder.appendingPathComponent("vocab.txt"))
        guard case .unreadableVocabulary? = loadError() else { return XCTFail("wrong error") }
    }

    func testMalformedConfig() throws {
        try write("vocab.txt", tinyVocabulary.joined(separator: "\n"))
        for bad in ["{\"do_lower_case\": tru", "[1, 2]", "{\"do_lower_case\": \"yes\"}",
                    "{\"model_max_length\": \"big\"}", "{\"unk_token\": 3}", ""] {
            try write("tokenizer_config.json", bad)
            guard case .malformedConfig(let path, let reason)? = loadError() else {
                return XCTFail("wrong error for \(bad)")
            }
            XCTAssertTrue(path.hasSuffix("tokenizer_config.json"))
            XCTAssertFalse(reason.isEmpty)
        }
    }

    func testInvalidOptions() {
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: tinyVocabulary,
                                                    options: TokenizerOptions(maxInputCharsPerWord: 0))) { error in
            guard case .invalidOption? = error as? TokenizerError else { return XCTFail("wrong error \(error)") }
        }
        var options = TokenizerOptions()
        options.sepToken = ""
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: tinyVocabulary, options: options))
    }
}
