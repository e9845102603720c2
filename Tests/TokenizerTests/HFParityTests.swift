// HFParityTests: exact parity with Hugging Face BertTokenizerFast on the MiniLM vocabulary (fixture + extra HF cases).
import Foundation
import TestSupport
import Tokenizer
import XCTest

final class HFParityTests: XCTestCase {
    /// The real MiniLM tokenizer; a missing model folder makes the test fail (never skip).
    private func miniLM() throws -> WordPieceTokenizer {
        let folder = try requireMiniLM()
        return try WordPieceTokenizer.load(directory: folder)
    }

    func testMiniLMConfigAndSpecialIDs() throws {
        let tokenizer = try miniLM()
        XCTAssertEqual(tokenizer.vocabularySize, 30522)
        XCTAssertEqual(tokenizer.padID, 0)
        XCTAssertEqual(tokenizer.unkID, 100)
        XCTAssertEqual(tokenizer.clsID, 101)
        XCTAssertEqual(tokenizer.sepID, 102)
        XCTAssertEqual(tokenizer.maskID, 103)
        XCTAssertTrue(tokenizer.options.lowercase)
        XCTAssertNil(tokenizer.options.stripAccents)
        XCTAssertEqual(tokenizer.options.modelMaxLength, 512)
        let fixture = try loadJSONFixture("tokenizer.json")
        let specials = try XCTUnwrap(fixture["special_ids"] as? [String: Any])
        for (token, id) in specials {
            XCTAssertEqual(tokenizer.id(of: token).map(Int.init), (id as? NSNumber)?.intValue, token)
        }
    }

    /// Every case of Tests/Fixtures/tokenizer.json: ids and tokens equal HF fast, max_length 128.
    func testFixtureCasesMatchHuggingFace() throws {
        let tokenizer = try miniLM()
        let fixture = try loadJSONFixture("tokenizer.json")
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]], "tokenizer.json has no cases")
        XCTAssertEqual(cases.count, 40)
        var checked = 0
        for (index, item) in cases.enumerated() {
            let text = try XCTUnwrap(item["text"] as? String, "case \(index) has no text")
            let expectedTokens = try XCTUnwrap(item["fast_tokens"] as? [String], "case \(index) has no fast_tokens")
            let expectedIDs = ints(item["fast_ids"]).map(Int32.init)
            XCTAssertEqual(expectedIDs.count, expectedTokens.count, "case \(index) fixture is inconsistent")
            let encoding = tokenizer.encode(text, maxLength: 128)
            XCTAssertEqual(encoding.tokens, expectedTokens, "case \(index): \(text.debugDescription)")
            XCTAssertEqual(encoding.ids, expectedIDs, "case \(index): \(text.debugDescription)")
            XCTAssertEqual(encoding.typeIDs, Array(repeating: 0, count: expectedIDs.count), "case \(index)")
            XCTAssertEqual(encoding.offsets.count, encoding.ids.count)
            XCTAssertEqual(encoding.wordIDs.count, encoding.ids.count)
            checked += 1
        }
        XCTAssertEqual(checked, 40)
    }

    /// Extra cases produced with `tokenizers` 0.23.3 from the model's tokenizer.json (the reference
    /// fast tokenizer): tokens, offsets (Unicode scalars), word ids and type ids, for single texts and
    /// pairs with longest_first truncation.
    func testOffsetsWordIDsAndPairsMatchHuggingFace() throws {
        let tokenizer = try miniLM()
        for (index, item) in hfCases.enumerated() {
            let encoding = item.pair.map { tokenizer.encode(item.text, $0, maxLength: item.maxLength) }
                ?? tokenizer.encode(item.text, maxLength: item.maxLength)
            let label = "HF case \(index): \(item.text.debugDescription)"
            XCTAssertEqual(encoding.tokens, item.tokens, label)
            XCTAssertEqual(encoding.offsets, item.offsets, label)
            XCTAssertEqual(encoding.wordIDs, item.wordIDs, label)
            XCTAssertEqual(encoding.typeIDs, item.typeIDs, label)
            XCTAssertEqual(encoding.ids, item.tokens.compactMap { tokenizer.id(of: $0) }, label)
        }
    }
}

struct HFCase {
    var text: String
    var pair: String?
    var maxLength: Int
    var tokens: [String]
    var offsets: [Range<Int>]
    var wordIDs: [Int?]
    var typeIDs: [Int32]
}

/// Generated with tokenizers 0.23.3: `Tokenizer.from_file("models/all-MiniLM-L6-v2/tokenizer.json")`,
/// padding off, `enable_truncation(maxLength)`, `encode(text, pair)` → tokens, offsets, word_ids, type_ids.
let hfCases: [HFCase] = [
        HFCase(text: "\u{130}stanbul \u{DF} STRASSE", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "istanbul", "\u{DF}", "st", "##ras", "##se", "[SEP]"],
               offsets: [0..<0, 0..<8, 9..<10, 11..<13, 13..<16, 16..<18, 0..<0],
               wordIDs: [nil, 0, 1, 2, 2, 2, nil], typeIDs: [0, 0, 0, 0, 0, 0, 0]),
        HFCase(text: "ab\u{0}cd\u{200B}ef", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "abc", "##de", "##f", "[SEP]"],
               offsets: [0..<0, 0..<4, 4..<7, 7..<8, 0..<0],
               wordIDs: [nil, 0, 0, 0, nil], typeIDs: [0, 0, 0, 0, 0]),
        HFCase(text: "foo[CLS]bar [MASK]x", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "foo", "[CLS]", "bar", "[MASK]", "x", "[SEP]"],
               offsets: [0..<0, 0..<3, 3..<8, 8..<11, 12..<18, 18..<19, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, 4, nil], typeIDs: [0, 0, 0, 0, 0, 0, 0]),
        HFCase(text: "cafe\u{301} x", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "cafe", "x", "[SEP]"],
               offsets: [0..<0, 0..<4, 6..<7, 0..<0],
               wordIDs: [nil, 0, 1, nil], typeIDs: [0, 0, 0, 0]),
        HFCase(text: "\u{301}abc", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "abc", "[SEP]"],
               offsets: [0..<0, 1..<4, 0..<0],
               wordIDs: [nil, 0, nil], typeIDs: [0, 0, 0]),
        HFCase(text: "a\u{1FEF}b \u{39F}\u{394}\u{39F}\u{3A3}", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "a", "`", "b", "\u{3BF}", "##\u{3B4}", "##\u{3BF}", "##\u{3C3}", "[SEP]"],
               offsets: [0..<0, 0..<1, 1..<2, 2..<3, 4..<5, 5..<6, 6..<7, 7..<8, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, 3, 3, 3, nil], typeIDs: [0, 0, 0, 0, 0, 0, 0, 0, 0]),
        HFCase(text: "a\u{890}b x\u{600}y", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "[UNK]", "x", "##y", "[SEP]"],
               offsets: [0..<0, 0..<3, 4..<5, 6..<7, 0..<0],
               wordIDs: [nil, 0, 1, 1, nil], typeIDs: [0, 0, 0, 0, 0]),
        HFCase(text: "a\u{2B820}b a\u{2B920}b", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "[UNK]", "a", "[UNK]", "b", "[SEP]"],
               offsets: [0..<0, 0..<3, 4..<5, 5..<6, 6..<7, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, nil], typeIDs: [0, 0, 0, 0, 0, 0]),
        HFCase(text: "\u{1F970} \u{1FAE0} x\u{E000}y", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "[UNK]", "[UNK]", "x", "##y", "[SEP]"],
               offsets: [0..<0, 0..<1, 2..<3, 4..<5, 6..<7, 0..<0],
               wordIDs: [nil, 0, 1, 2, 2, nil], typeIDs: [0, 0, 0, 0, 0, 0]),
        HFCase(text: "\u{85}a\u{2028}b\u{B}c\u{1C}d", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "a", "bc", "##d", "[SEP]"],
               offsets: [0..<0, 1..<2, 3..<6, 7..<8, 0..<0],
               wordIDs: [nil, 0, 1, 1, nil], typeIDs: [0, 0, 0, 0, 0]),
        HFCase(text: "\u{DC}n\u{EF}c\u{F6}d\u{E9} fa\u{E7}ade \u{2014} na\u{EF}ve r\u{E9}sum\u{E9}!", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "unicode", "facade", "\u{2014}", "naive", "resume", "!", "[SEP]"],
               offsets: [0..<0, 0..<7, 8..<14, 15..<16, 17..<22, 23..<29, 29..<30, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, 4, 5, nil], typeIDs: [0, 0, 0, 0, 0, 0, 0, 0]),
        HFCase(text: "\u{65E5}\u{672C}\u{8A9E}\u{306E}\u{30C6}\u{30AD}\u{30B9}\u{30C8} \u{D55C}\u{AD6D}\u{C5B4}", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "\u{65E5}", "\u{672C}", "\u{8A9E}", "\u{306E}", "##\u{30C6}", "##\u{30AD}", "##\u{30B9}", "##\u{30C8}", "\u{1112}", "##\u{1161}", "##\u{11AB}", "##\u{1100}", "##\u{116E}", "##\u{11A8}", "##\u{110B}", "##\u{1165}", "[SEP]"],
               offsets: [0..<0, 0..<1, 1..<2, 2..<3, 3..<4, 4..<5, 5..<6, 6..<7, 7..<8, 9..<10, 9..<10, 9..<10, 10..<11, 10..<11, 10..<11, 11..<12, 11..<12, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, nil], typeIDs: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        HFCase(text: "a\u{1ABF}b a\u{C00}b", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "[UNK]", "ab", "[SEP]"],
               offsets: [0..<0, 0..<3, 4..<7, 0..<0],
               wordIDs: [nil, 0, 1, nil], typeIDs: [0, 0, 0, 0]),
        HFCase(text: "The quick brown fox jumps over the lazy dog.", pair: nil, maxLength: 8,
               tokens: ["[CLS]", "the", "quick", "brown", "fox", "jumps", "over", "[SEP]"],
               offsets: [0..<0, 0..<3, 4..<9, 10..<15, 16..<19, 20..<25, 26..<30, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, 4, 5, nil], typeIDs: [0, 0, 0, 0, 0, 0, 0, 0]),
        HFCase(text: "a b c d e f g h", pair: "i j k l m n o p q", maxLength: 10,
               tokens: ["[CLS]", "a", "b", "c", "[SEP]", "i", "j", "k", "l", "[SEP]"],
               offsets: [0..<0, 0..<1, 2..<3, 4..<5, 0..<0, 0..<1, 2..<3, 4..<5, 6..<7, 0..<0],
               wordIDs: [nil, 0, 1, 2, nil, 0, 1, 2, 3, nil], typeIDs: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
        HFCase(text: "a b c", pair: "i j k l m n o p q r s t", maxLength: 10,
               tokens: ["[CLS]", "a", "b", "c", "[SEP]", "i", "j", "k", "l", "[SEP]"],
               offsets: [0..<0, 0..<1, 2..<3, 4..<5, 0..<0, 0..<1, 2..<3, 4..<5, 6..<7, 0..<0],
               wordIDs: [nil, 0, 1, 2, nil, 0, 1, 2, 3, nil], typeIDs: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
        HFCase(text: "a b c d e f g h i j k", pair: "i j", maxLength: 10,
               tokens: ["[CLS]", "a", "b", "c", "d", "e", "[SEP]", "i", "j", "[SEP]"],
               offsets: [0..<0, 0..<1, 2..<3, 4..<5, 6..<7, 8..<9, 0..<0, 0..<1, 2..<3, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, 4, nil, 0, 1, nil], typeIDs: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]),
        HFCase(text: "a b c d e f g h", pair: "i j k l m n o p q", maxLength: 9,
               tokens: ["[CLS]", "a", "b", "c", "[SEP]", "i", "j", "k", "[SEP]"],
               offsets: [0..<0, 0..<1, 2..<3, 4..<5, 0..<0, 0..<1, 2..<3, 4..<5, 0..<0],
               wordIDs: [nil, 0, 1, 2, nil, 0, 1, 2, nil], typeIDs: [0, 0, 0, 0, 0, 1, 1, 1, 1]),
        HFCase(text: "Is it raining?", pair: "No, it's sunny [SEP] today.", maxLength: 128,
               tokens: ["[CLS]", "is", "it", "raining", "?", "[SEP]", "no", ",", "it", "'", "s", "sunny", "[SEP]", "today", ".", "[SEP]"],
               offsets: [0..<0, 0..<2, 3..<5, 6..<13, 13..<14, 0..<0, 0..<2, 2..<3, 4..<6, 6..<7, 7..<8, 9..<14, 15..<20, 21..<26, 26..<27, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, nil, 0, 1, 2, 3, 4, 5, 6, 7, 8, nil], typeIDs: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
        HFCase(text: "a b c d e f g h", pair: "i j k l m n o p q", maxLength: 3,
               tokens: ["[CLS]", "[SEP]", "[SEP]"],
               offsets: [0..<0, 0..<0, 0..<0],
               wordIDs: [nil, nil, nil], typeIDs: [0, 0, 1]),
        HFCase(text: "unbelievable things", pair: "", maxLength: 6,
               tokens: ["[CLS]", "unbelievable", "things", "[SEP]", "[SEP]"],
               offsets: [0..<0, 0..<12, 13..<19, 0..<0, 0..<0],
               wordIDs: [nil, 0, 1, nil, nil], typeIDs: [0, 0, 0, 0, 1]),
        // Characters whose Unicode category changed after 8.0 (HF keeps its Unicode 8.0 tables):
        HFCase(text: "ab\u{1734}c ab\u{1885}c a\u{166D}b a\u{11938}b a\u{890}b", pair: nil, maxLength: 128,
               tokens: ["[CLS]", "abc", "[UNK]", "a", "[UNK]", "b", "[UNK]", "[UNK]", "[SEP]"],
               offsets: [0..<0, 0..<4, 5..<9, 10..<11, 11..<12, 12..<13, 14..<17, 18..<21, 0..<0],
               wordIDs: [nil, 0, 1, 2, 3, 4, 5, 6, nil], typeIDs: [0, 0, 0, 0, 0, 0, 0, 0, 0]),
]
