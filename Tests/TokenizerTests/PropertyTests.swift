// PropertyTests: seeded random strings never crash the tokenizer and its pieces rebuild each normalised word.
import Basics
import Foundation
import TestSupport
import Tokenizer
import XCTest

/// A random string mixing ASCII, accents, CJK, Hangul, emoji, controls, zero-width characters,
/// literal special tokens and arbitrary scalars.
func randomText(_ rng: inout SeededRandom) -> String {
    let pools: [[String]] = [
        Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789").map(String.init),
        [" ", " ", " ", "\t", "\n", "\r\n", "\u{A0}", "\u{3000}", "\u{2028}"],
        Array("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¿¡«»—–“”‘’…・。、").map(String.init),
        ["é", "É", "ü", "Ñ", "ç", "ø", "Å", "ß", "ẞ", "İ", "ı", "ǅ", "Σ", "ς", "e\u{301}", "\u{301}", "\u{308}", "ﬁ", "Ⅻ"],
        ["中", "文", "字", "語", "日", "本", "\u{2B820}", "\u{2B920}", "\u{F900}", "한", "국", "の", "カ", "ア"],
        ["😀", "👍🏽", "🇺🇸", "❤️", "👩‍👩‍👧", "🥰", "🫠"],
        ["\u{0}", "\u{7}", "\u{1B}", "\u{7F}", "\u{85}", "\u{AD}", "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{FFFD}", "\u{E000}", "\u{0890}"],
        ["[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "[mask]", "[MASK", "##", "##ing"],
        ["Ελληνικά", "Русский", "مرحبا", "עברית", "hello", "unaffable", "tokenization", "naïve", "İstanbul"],
    ]
    let length = Int.random(in: 0...40, using: &rng)
    var text = ""
    for _ in 0..<length {
        if Int.random(in: 0..<10, using: &rng) == 0 {
            // Any valid scalar, including unassigned and private-use ones.
            let value = UInt32.random(in: 0...0x10FFFF, using: &rng)
            if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
        } else {
            let pool = pools[Int.random(in: 0..<pools.count, using: &rng)]
            text += pool[Int.random(in: 0..<pool.count, using: &rng)]
        }
    }
    return text
}

final class PropertyTests: XCTestCase {
    func testRandomStringsWithMiniLM() throws {
        let tokenizer = try WordPieceTokenizer.load(directory: try requireMiniLM())
        try checkRandomStrings(tokenizer, seed: 0x5EED_0001, count: 2_000)
    }

    func testRandomStringsWithTinyVocabularyKeepingAccents() throws {
        let tokenizer = try tinyTokenizer(TokenizerOptions(lowercase: true, stripAccents: false))
        try checkRandomStrings(tokenizer, seed: 0x5EED_0002, count: 500)
    }

    private func checkRandomStrings(_ tokenizer: WordPieceTokenizer, seed: UInt64, count: Int) throws {
        var rng = SeededRandom(seed: seed)
        var multiPieceWords = 0
        for index in 0..<count {
            let text = randomText(&rng)
            let label = "string \(index): \(text.debugDescription)"
            let scalarCount = text.unicodeScalars.count
            let encoding = tokenizer.encode(text, maxLength: Int.max)
            let words = tokenizer.words(text)

            XCTAssertEqual(encoding.tokens.first, "[CLS]", label)
            XCTAssertEqual(encoding.tokens.last, "[SEP]", label)
            XCTAssertEqual(encoding.tokens.count, encoding.ids.count, label)
            XCTAssertEqual(encoding.offsets.count, encoding.ids.count, label)
            XCTAssertEqual(encoding.wordIDs.count, encoding.ids.count, label)
            XCTAssertEqual(Array(encoding.tokens.dropFirst().dropLast()), tokenizer.tokenize(text), label)
            for (id, token) in zip(encoding.ids, encoding.tokens) {
                XCTAssertTrue(id >= 0 && Int(id) < tokenizer.vocabularySize, "id \(id) out of range; \(label)")
                XCTAssertEqual(tokenizer.token(of: id), token, label)
            }
            var previousStart = 0
            for (offset, word) in zip(encoding.offsets, encoding.wordIDs) where word != nil {
                XCTAssertTrue(offset.lowerBound >= previousStart && offset.upperBound <= scalarCount
                              && !offset.isEmpty, "bad offset \(offset); \(label)")
                previousStart = offset.lowerBound
            }

            // Group the pieces by word; they must rebuild the normalised word unless it became [UNK].
            let wordIDs = encoding.wordIDs.compactMap { $0 }
            XCTAssertEqual(Set(wordIDs), Set(words.indices), label)
            for (wordIndex, word) in words.enumerated() {
                let range = encoding.tokenRange(ofWord: wordIndex)
                let pieces = Array(encoding.tokens[range])
                XCTAssertFalse(pieces.isEmpty, label)
                XCTAssertTrue(word.range.lowerBound >= 0 && word.range.upperBound <= scalarCount, label)
                XCTAssertEqual(encoding.offsets[range.lowerBound].lowerBound, word.range.lowerBound, label)
                XCTAssertEqual(encoding.offsets[range.upperBound - 1].upperBound, word.range.upperBound, label)
                if word.isSpecialToken {
                    XCTAssertEqual(pieces, [word.text], label)
                    continue
                }
                if pieces == ["[UNK]"] { continue }
                XCTAssertFalse(pieces.contains("[UNK]"), label)
                // Compare Unicode scalars: "##" + a combining mark is not a "##" prefix for `Character`s.
                let prefix = Array("##".unicodeScalars)
                var joined: [Unicode.Scalar] = []
                for (position, piece) in pieces.enumerated() {
                    let scalars = Array(piece.unicodeScalars)
                    if position > 0 {
                        XCTAssertTrue(scalars.starts(with: prefix) && scalars.count > 2, "piece \(piece); \(label)")
                        joined += scalars.dropFirst(2)
                    } else {
                        joined += scalars
                    }
                }
                XCTAssertEqual(String(String.UnicodeScalarView(joined)), word.text, "word \(wordIndex); \(label)")
                XCTAssertEqual(joined, Array(word.text.unicodeScalars), label)
                XCTAssertLessThanOrEqual(word.text.unicodeScalars.count, tokenizer.options.maxInputCharsPerWord, label)
                if pieces.count > 1 { multiPieceWords += 1 }
            }
        }
        // The generator must actually exercise WordPiece splitting.
        XCTAssertGreaterThan(multiPieceWords, count / 20)
    }
}
