// TinyVocabTests: BertTokenizer behaviour on a small hand-made vocabulary (splitting, accents, CJK, WordPiece, truncation, offsets).
import Foundation
import Tokenizer
import XCTest

/// A small vocabulary whose ids are easy to reason about.
let tinyVocabulary: [String] = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",                       // 0-4
    "hello", "world", ",", "!", ".", "'", "-", "[", "]", "mask",        // 5-14
    "cafe", "naive", "resume", "café",                                  // 15-18
    "un", "##aff", "##able", "una", "##ffable",                         // 19-23
    "ab", "a", "##bc",                                                  // 24-26
    "中", "文",                                                          // 27-28
    "i", "##\u{307}", "stra", "##ße", "ß",                              // 29-33
    "x", "##x", "s", "##t", "don", "t",                                 // 34-39
]

func tinyTokenizer(_ options: TokenizerOptions = .init()) throws -> WordPieceTokenizer {
    try WordPieceTokenizer(vocabulary: tinyVocabulary, options: options)
}

final class TinyVocabTests: XCTestCase {
    func testSpecialIDsAndLookups() throws {
        let tokenizer = try tinyTokenizer()
        XCTAssertEqual([tokenizer.padID, tokenizer.unkID, tokenizer.clsID, tokenizer.sepID, tokenizer.maskID], [0, 1, 2, 3, 4])
        XCTAssertEqual(tokenizer.vocabularySize, tinyVocabulary.count)
        XCTAssertEqual(tokenizer.id(of: "hello"), 5)
        XCTAssertNil(tokenizer.id(of: "Hello"))
        XCTAssertEqual(tokenizer.token(of: 6), "world")
        XCTAssertNil(tokenizer.token(of: -1))
        XCTAssertNil(tokenizer.token(of: Int32(tinyVocabulary.count)))
    }

    func testPunctuationSplitting() throws {
        let tokenizer = try tinyTokenizer()
        XCTAssertEqual(tokenizer.tokenize("Hello, world!"), ["hello", ",", "world", "!"])
        XCTAssertEqual(tokenizer.tokenize("hello...world"), ["hello", ".", ".", ".", "world"])
        XCTAssertEqual(tokenizer.tokenize("don't"), ["don", "'", "t"])
        XCTAssertEqual(tokenizer.tokenize("hello-world"), ["hello", "-", "world"])
        // Unicode punctuation (Pd, Pi/Pf) splits too; it is not in this vocabulary, so each is [UNK].
        XCTAssertEqual(tokenizer.tokenize("hello—world“hello”"), ["hello", "[UNK]", "world", "[UNK]", "hello", "[UNK]"])
        // A symbol (So, Sm) is not punctuation: it stays inside the word.
        XCTAssertEqual(tokenizer.tokenize("hello€world"), ["[UNK]"])
    }

    func testAccentsAndCase() throws {
        let tokenizer = try tinyTokenizer()
        XCTAssertEqual(tokenizer.tokenize("Café NAÏVE résumé"), ["cafe", "naive", "resume"])
        // Decomposed input (e + combining acute) is stripped the same way.
        XCTAssertEqual(tokenizer.tokenize("cafe\u{301}"), ["cafe"])

        // strip_accents = false with lowercasing keeps the precomposed é.
        let keep = try tinyTokenizer(TokenizerOptions(lowercase: true, stripAccents: false))
        XCTAssertEqual(keep.tokenize("CAFÉ"), ["café"])
        XCTAssertEqual(keep.tokenize("naïve"), ["[UNK]"])

        // No lowercasing and strip_accents nil: no stripping either (HF: strip_accents follows do_lower_case).
        let cased = try tinyTokenizer(TokenizerOptions(lowercase: false))
        XCTAssertEqual(cased.tokenize("hello Hello café"), ["hello", "[UNK]", "café"])
        // Explicit strip without lowercasing.
        let stripOnly = try tinyTokenizer(TokenizerOptions(lowercase: false, stripAccents: true))
        XCTAssertEqual(stripOnly.tokenize("café Café"), ["cafe", "[UNK]"])
    }

    func testLowercasingThatChangesLength() throws {
        // HF lowercases per scalar: "İ" → "i" + U+0307 (2 scalars) when accents are kept; "ẞ" → "ß".
        let keep = try tinyTokenizer(TokenizerOptions(lowercase: true, stripAccents: false))
        let text = "İ STRAẞE"
        let encoding = keep.encode(text)
        XCTAssertEqual(encoding.tokens, ["[CLS]", "i", "##\u{307}", "stra", "##ße", "[SEP]"])
        XCTAssertEqual(encoding.offsets, [0..<0, 0..<1, 0..<1, 2..<6, 6..<8, 0..<0])
        XCTAssertEqual(encoding.wordIDs, [nil, 0, 0, 1, 1, nil])
        XCTAssertEqual(keep.words(text).map(\.text), ["i\u{307}", "straße"])
        XCTAssertEqual(keep.words(text).first?.text.unicodeScalars.count, 2)
        XCTAssertEqual(encoding.textRange(ofToken: 2, in: text).map { String(text[$0]) }, "İ")
        XCTAssertEqual(encoding.textRange(ofToken: 4, in: text).map { String(text[$0]) }, "ẞE")

        // With accent stripping (the default for uncased models) "İ" becomes plain "i".
        let strip = try tinyTokenizer()
        XCTAssertEqual(strip.tokenize("İ ß"), ["i", "ß"])
    }

    func testChineseCharacters() throws {
        let tokenizer = try tinyTokenizer()
        XCTAssertEqual(tokenizer.tokenize("hello中文world"), ["hello", "中", "文", "world"])
        XCTAssertEqual(tokenizer.encode("中文").wordIDs, [nil, 0, 1, nil])
        // Hiragana is not in the CJK ideograph ranges: it stays part of the word.
        XCTAssertEqual(tokenizer.tokenize("中の"), ["中", "[UNK]"])
        let off = try tinyTokenizer(TokenizerOptions(tokenizeChineseChars: false))
        XCTAssertEqual(off.tokenize("hello 中文"), ["hello", "[UNK]"])
    }

    func testGreedyLongestMatchFirst() throws {
        let tokenizer = try tinyTokenizer()
        // "una" is longer than "un", so it wins even though "un ##aff ##able" would also work.
        XCTAssertEqual(tokenizer.tokenize("unaffable"), ["una", "##ffable"])
        XCTAssertEqual(tokenizer.tokenize("un"), ["un"])
        // Greedy takes "ab" and then cannot match "c": the whole word is [UNK] (no backtracking to a ##bc).
        XCTAssertEqual(tokenizer.tokenize("abc"), ["[UNK]"])
        XCTAssertEqual(tokenizer.tokenize("ab"), ["ab"])
        XCTAssertEqual(tokenizer.tokenize("xxx"), ["x", "##x", "##x"])
    }

    func testUnknownFallback() throws {
        let tokenizer = try tinyTokenizer()
        XCTAssertEqual(tokenizer.tokenize("hello zzz world"), ["hello", "[UNK]", "world"])
        let encoding = tokenizer.encode("hello zzz")
        XCTAssertEqual(encoding.ids, [2, 5, 1, 3])
        XCTAssertEqual(encoding.offsets[2], 6..<9)
        // Emoji are not split off and are not in the vocabulary.
        XCTAssertEqual(tokenizer.tokenize("hello😀 world"), ["[UNK]", "world"])
    }

    func testMaxInputCharsPerWord() throws {
        let tokenizer = try tinyTokenizer()
        let hundred = String(repeating: "x", count: 100)
        XCTAssertEqual(tokenizer.tokenize(hundred), ["x"] + Array(repeating: "##x", count: 99))
        XCTAssertEqual(tokenizer.tokenize(hundred + "x"), ["[UNK]"])
        XCTAssertEqual(tokenizer.tokenize(hundred + "x hello"), ["[UNK]", "hello"])
        // The limit counts normalised characters: removed zero-width/control characters don't count.
        let withInvisible = String(repeating: "x", count: 50) + "\u{200B}\u{7}" + String(repeating: "x", count: 50)
        XCTAssertEqual(tokenizer.tokenize(withInvisible).count, 100)
        let small = try tinyTokenizer(TokenizerOptions(maxInputCharsPerWord: 3))
        XCTAssertEqual(small.tokenize("xxx xxxx"), ["x", "##x", "##x", "[UNK]"])
    }

    func testSpecialTokensLiteralInText() throws {
        let tokenizer = try tinyTokenizer()
        XCTAssertEqual(tokenizer.tokenize("[CLS] hello [MASK]world [mask]"),
                       ["[CLS]", "hello", "[MASK]", "world", "[", "mask", "]"])
        XCTAssertEqual(tokenizer.tokenize("hello[SEP][PAD][UNK]"), ["hello", "[SEP]", "[PAD]", "[UNK]"])
        let encoding = tokenizer.encode("a [MASK] b")
        XCTAssertEqual(encoding.ids, [2, 25, 4, 1, 3])
        XCTAssertEqual(encoding.offsets[2], 2..<8)
        XCTAssertEqual(encoding.wordIDs, [nil, 0, 1, 2, nil])
        // Custom special-token strings are honoured.
        var options = TokenizerOptions()
        options.maskToken = "mask"
        let custom = try tinyTokenizer(options)
        XCTAssertEqual(custom.maskID, 14)
        // "[MASK]" is now ordinary text: "[", "mask" (lowercased, a normal word), "]".
        XCTAssertEqual(custom.tokenize("hellomask [MASK]"), ["hello", "mask", "[", "mask", "]"])
        XCTAssertEqual(custom.words("hellomask [MASK]").map(\.isSpecialToken), [false, true, false, false, false])
    }

    func testControlAndZeroWidthCharactersAreRemovedWithoutSplitting() throws {
        let tokenizer = try tinyTokenizer()
        XCTAssertEqual(tokenizer.tokenize("hel\u{0}lo wor\u{200B}ld\u{FEFF} \u{FFFD}"), ["hello", "world"])
        XCTAssertEqual(tokenizer.tokenize("hello\u{200D}world"), ["[UNK]"])   // one word "helloworld"
        XCTAssertEqual(tokenizer.tokenize("hello\u{A0}world\u{3000}hello\u{2028}world"),
                       ["hello", "world", "hello", "world"])
    }

    func testEmptyAndWhitespaceText() throws {
        let tokenizer = try tinyTokenizer()
        for text in ["", "   ", "\t\n\r  \u{A0}\u{2003}", "\u{0}\u{200B}"] {
            XCTAssertEqual(tokenizer.tokenize(text), [], text.debugDescription)
            let encoding = tokenizer.encode(text)
            XCTAssertEqual(encoding.tokens, ["[CLS]", "[SEP]"], text.debugDescription)
            XCTAssertEqual(encoding.typeIDs, [0, 0])
            XCTAssertEqual(encoding.wordIDs, [nil, nil])
            XCTAssertEqual(tokenizer.words(text), [])
        }
        XCTAssertEqual(tokenizer.encode("", "").tokens, ["[CLS]", "[SEP]", "[SEP]"])
        XCTAssertEqual(tokenizer.encode("", "").typeIDs, [0, 0, 1])
    }

    func testSingleTruncationKeepsSEPLast() throws {
        let tokenizer = try tinyTokenizer()
        let text = "hello world hello world hello"
        XCTAssertEqual(tokenizer.encode(text, maxLength: 4).tokens, ["[CLS]", "hello", "world", "[SEP]"])
        XCTAssertEqual(tokenizer.encode(text, maxLength: 7).tokens.count, 7)
        XCTAssertEqual(tokenizer.encode(text, maxLength: 100).tokens.count, 7)
        XCTAssertEqual(tokenizer.encode(text, maxLength: 2).tokens, ["[CLS]", "[SEP]"])
        XCTAssertEqual(tokenizer.encode(text, maxLength: 0).tokens, ["[CLS]", "[SEP]"])
        // The default limit is modelMaxLength.
        let short = try tinyTokenizer(TokenizerOptions(modelMaxLength: 3))
        XCTAssertEqual(short.encode(text).tokens, ["[CLS]", "hello", "[SEP]"])
        // Truncation may cut a word in the middle, as in HF.
        XCTAssertEqual(tokenizer.encode("xxxx", maxLength: 4).tokens, ["[CLS]", "x", "##x", "[SEP]"])
    }

    func testPairEncodingAndLongestFirstTruncation() throws {
        let tokenizer = try tinyTokenizer()
        let pair = tokenizer.encode("hello world", "world!", maxLength: 64)
        XCTAssertEqual(pair.tokens, ["[CLS]", "hello", "world", "[SEP]", "world", "!", "[SEP]"])
        XCTAssertEqual(pair.typeIDs, [0, 0, 0, 0, 1, 1, 1])
        XCTAssertEqual(pair.wordIDs, [nil, 0, 1, nil, 0, 1, nil])
        XCTAssertEqual(pair.sequenceIDs, [nil, 0, 0, nil, 1, 1, nil])
        XCTAssertEqual(pair.offsets, [0..<0, 0..<5, 6..<11, 0..<0, 0..<5, 5..<6, 0..<0])

        let long = Array(repeating: "x", count: 20).joined(separator: " ")   // 20 pieces
        let short = "hello world"                                            // 2 pieces
        // Only the longer one is cut: 2 + 15 + 3 = 20.
        var encoding = tokenizer.encode(short, long, maxLength: 20)
        XCTAssertEqual(encoding.count, 20)
        XCTAssertEqual(encoding.typeIDs.filter { $0 == 0 }.count, 1 + 2 + 1)
        XCTAssertEqual(encoding.tokens.last, "[SEP]")
        XCTAssertEqual(encoding.tokens[3], "[SEP]")
        // Both cut: budget 7 → the shorter-or-equal first keeps 3, the second 4 (HF fast rule).
        encoding = tokenizer.encode(long, long, maxLength: 10)
        XCTAssertEqual(encoding.tokens, ["[CLS]", "x", "x", "x", "[SEP]", "x", "x", "x", "x", "[SEP]"])
        XCTAssertEqual(encoding.typeIDs, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        // Longer first text: it gets the larger half.
        encoding = tokenizer.encode(long + " x", long, maxLength: 10)
        XCTAssertEqual(encoding.typeIDs, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
        // Budget below the three specials: only the specials remain.
        XCTAssertEqual(tokenizer.encode(long, long, maxLength: 1).tokens, ["[CLS]", "[SEP]", "[SEP]"])
    }

    func testOffsetsMapBackToOriginalSubstrings() throws {
        let tokenizer = try tinyTokenizer()
        let text = "  Héllo, WÖRLD! naïve\u{0}résumé 中文 [MASK]"
        let encoding = tokenizer.encode(text)
        XCTAssertEqual(encoding.tokens, ["[CLS]", "hello", ",", "world", "!", "[UNK]", "中", "文", "[MASK]", "[SEP]"])
        let pieces = (0..<encoding.count).map { index in
            encoding.textRange(ofToken: index, in: text).map { String(text[$0]) }
        }
        XCTAssertEqual(pieces, [nil, "Héllo", ",", "WÖRLD", "!", "naïve\u{0}résumé", "中", "文", "[MASK]", nil])
        let words = tokenizer.words(text)
        XCTAssertEqual(words.map(\.text), ["hello", ",", "world", "!", "naiveresume", "中", "文", "[MASK]"])
        XCTAssertEqual(words.map(\.isSpecialToken), [false, false, false, false, false, false, false, true])
        for (index, word) in words.enumerated() {
            let tokens = encoding.tokenRange(ofWord: index)
            XCTAssertFalse(tokens.isEmpty, "word \(index)")
            XCTAssertEqual(encoding.offsets[tokens.lowerBound].lowerBound, word.range.lowerBound)
            XCTAssertEqual(encoding.offsets[tokens.upperBound - 1].upperBound, word.range.upperBound)
        }
        XCTAssertEqual(encoding.tokenRange(ofWord: 99), 0..<0)
        XCTAssertNil(Encoding.stringRange(scalarOffsets: 0..<999, in: text))

        // Multi-piece words: each piece maps to its own part of the word.
        let split = tokenizer.encode("Unaffable")
        XCTAssertEqual(split.tokens, ["[CLS]", "una", "##ffable", "[SEP]"])
        XCTAssertEqual(split.offsets, [0..<0, 0..<3, 3..<9, 0..<0])
        XCTAssertEqual(split.textRange(ofToken: 1, in: "Unaffable").map { String("Unaffable"[$0]) }, "Una")
    }

    func testDuplicateVocabularyEntryKeepsLastID() throws {
        let tokenizer = try WordPieceTokenizer(vocabulary: tinyVocabulary + ["hello"])
        XCTAssertEqual(tokenizer.id(of: "hello"), Int32(tinyVocabulary.count))
        XCTAssertEqual(tokenizer.encode("hello").ids, [2, Int32(tinyVocabulary.count), 3])
    }
}
