// LongTextTests: a long text is tokenized from a bounded prefix, and the truncated encoding is exactly the whole
// text's — wherever the prefix happens to end (inside a word, a literal special token, a run of combining marks
// or whitespace) — for the fused WordPiece engine and the four tokenizer.json pipelines.
import Basics
import Foundation
import TestSupport
@testable import Tokenizer
import XCTest

final class LongTextTests: XCTestCase {
    /// The whole text's encoding, truncated, with no prefix logic (the reference).
    private func wholeEncoding(_ tokenizer: TextTokenizer, _ text: String, maxLength: Int) -> Encoding {
        switch tokenizer.backend {
        case .fused(let engine): return engine.encode(text, maxLength: maxLength)
        case .pipeline(let pipeline): return pipeline.encode(text, nil, maxLength: maxLength)
        }
    }

    /// The prefix ``BoundedPrefix`` chooses with a given first length and margin, and its truncated encoding.
    private func prefixEncoding(_ tokenizer: TextTokenizer, _ text: String, maxLength: Int, firstLength: Int,
                                margin: Int? = nil) -> (prefix: String, encoding: Encoding) {
        switch tokenizer.backend {
        case .fused(let engine):
            let prefix = BoundedPrefix(contentLimit: maxLength - 2, margin: margin ?? engine.literalMargin, firstLength: firstLength)
                .text(text) { engine.content($0) }
            return (prefix, engine.encode(prefix, maxLength: maxLength))
        case .pipeline(let pipeline):
            let prefix = BoundedPrefix(contentLimit: maxLength - pipeline.addedTokens(pair: false),
                                       margin: margin ?? pipeline.literalMargin, firstLength: firstLength)
                .text(text) { pipeline.encodeSequence($0, typeID: 0, sequence: 0) }
            return (prefix, pipeline.encode(prefix, nil, maxLength: maxLength))
        }
    }

    /// A long hostile text: the fixtures' random and real strings (accents, combining marks, CJK, controls, emoji,
    /// literal special tokens, whitespace runs) joined, with long runs that cross prefix ends on purpose.
    private func hostileText(scalars: Int, seed: UInt64) throws -> String {
        var strings = try TokenizerFixtures.strings()
        var rng = SeededRandom(seed: seed)
        strings.shuffle(using: &rng)
        let runs = [String(repeating: "\u{301}", count: 700), String(repeating: " ", count: 900),
                    String(repeating: "\u{1}", count: 1100), String(repeating: "x", count: 300), "[MASK]", "<mask>", "</s>"]
        var text = ""
        var count = 0
        for string in strings {
            if count >= scalars { break }
            let piece = Int.random(in: 0..<25, using: &rng) == 0 ? runs[Int.random(in: 0..<runs.count, using: &rng)] : string
            text += piece + " "
            count += piece.unicodeScalars.count + 1
        }
        return text
    }

    func testEveryPrefixEndGivesTheWholeTextsTruncatedEncoding() throws {
        let text = try hostileText(scalars: 40_000, seed: 7)
        for name in TokenizerFixtures.names {
            let tokenizer = try TokenizerFixtures.tokenizer(name)
            for maxLength in [3, 9, 64, 300] {
                let reference = wholeEncoding(tokenizer, text, maxLength: maxLength)
                var shortest = Int.max
                for firstLength in stride(from: 1, through: 9_000, by: 397) {
                    let (prefix, encoding) = prefixEncoding(tokenizer, text, maxLength: maxLength, firstLength: firstLength)
                    shortest = min(shortest, prefix.unicodeScalars.count)
                    guard encoding != reference else { continue }
                    XCTFail("\(name) maxLength \(maxLength) first \(firstLength): prefix of \(prefix.unicodeScalars.count) scalars gives\n  \(encoding.ids)\nnot\n  \(reference.ids)")
                    break
                }
                // The prefix logic was exercised: some prefix was shorter than the text.
                XCTAssertLessThan(shortest, text.unicodeScalars.count, "\(name) maxLength \(maxLength)")
            }
        }
    }

    func testTheBERTEngineIsExactWithTheSmallestMargin() throws {
        // The margin only has to cover a literal special token crossing the prefix's end ([MASK]: 6 scalars).
        let tokenizer = try TokenizerFixtures.tokenizer("wordpiece")
        XCTAssertTrue(tokenizer.isFusedWordPiece)
        for seed in [1, 2, 3] as [UInt64] {
            let text = try hostileText(scalars: 6_000, seed: seed)
            for maxLength in [4, 40, 200] {
                let reference = wholeEncoding(tokenizer, text, maxLength: maxLength)
                for firstLength in stride(from: 13, through: 3_000, by: 11) {
                    let encoding = prefixEncoding(tokenizer, text, maxLength: maxLength, firstLength: firstLength, margin: 12).encoding
                    if encoding != reference {
                        XCTFail("seed \(seed) maxLength \(maxLength) first \(firstLength): \(encoding.ids) not \(reference.ids)")
                        break
                    }
                }
            }
        }
    }

    func testAHugeTextIsReadOnlyAsFarAsItsKeptTokensNeed() throws {
        let sentence = "The movie was unexpectedly good, naïve and 中文 [MASK] full of twists! "
        let huge = String(repeating: sentence, count: 10_000)   // 700,000 scalars
        for name in TokenizerFixtures.names where name != "metaspace" {   // one word: testReadingUpToTheLimitInOneWord
            let tokenizer = try TokenizerFixtures.tokenizer(name)
            var read = 0
            let encoding: Encoding
            switch tokenizer.backend {
            case .fused(let engine):
                let prefix = BoundedPrefix(contentLimit: 126, margin: engine.literalMargin).text(huge) { engine.content($0) }
                read = prefix.unicodeScalars.count
                encoding = tokenizer.encode(huge, maxLength: 128)
            case .pipeline(let pipeline):
                let prefix = BoundedPrefix(contentLimit: 128 - pipeline.addedTokens(pair: false), margin: pipeline.literalMargin)
                    .text(huge) { pipeline.encodeSequence($0, typeID: 0, sequence: 0) }
                read = prefix.unicodeScalars.count
                encoding = tokenizer.encode(huge, maxLength: 128)
            }
            XCTAssertLessThanOrEqual(read, 16 * 128 + 4096, "\(name) read \(read) scalars of a 700,000-scalar text")
            XCTAssertEqual(encoding, wholeEncoding(tokenizer, huge, maxLength: 128), name)
            XCTAssertEqual(encoding.count, 128, name)
        }
    }

    func testReadingUpToTheLimitInOneWord() throws {
        // A pipeline without a pre-tokenizer makes the whole text one word, which no prefix provably completes:
        // such a text is read up to the limit, and encoded as that prefix is.
        let tokenizer = try TokenizerFixtures.tokenizer("metaspace")
        guard case .pipeline(let pipeline) = tokenizer.backend else { return XCTFail("metaspace is a pipeline") }
        let huge = String(repeating: "The movie was unexpectedly good. ", count: 33_000)   // 1.09 million scalars
        let prefix = BoundedPrefix(contentLimit: 30, margin: pipeline.literalMargin)
            .text(huge) { pipeline.encodeSequence($0, typeID: 0, sequence: 0) }
        XCTAssertEqual(prefix.unicodeScalars.count, TextLimits.scalarsRead)
        XCTAssertEqual(tokenizer.encode(huge, maxLength: 32), pipeline.encode(prefix, nil, maxLength: 32))
    }

    func testAWordLongerThanTheReadLimitIsCutThere() throws {
        // The documented limit: a text is read up to TextLimits.scalarsRead scalars; a word that runs past it ends there.
        let tokenizer = try TokenizerFixtures.tokenizer("wordpiece")
        let word = String(repeating: "a", count: TextLimits.scalarsRead + 500) + " end"
        let encoding = tokenizer.encode(word, maxLength: 16)
        XCTAssertEqual(encoding.tokens, ["[CLS]", "[UNK]", "[SEP]"])
        XCTAssertEqual(encoding.offsets[1], 0..<TextLimits.scalarsRead)
    }

    func testEachTextOfAPairIsReadUpToTheLimit() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bytelevel")
        let long = String(repeating: "word ", count: TextLimits.scalarsRead / 4)   // 1.25 × the limit
        let cut = String(long.unicodeScalars.prefix(TextLimits.scalarsRead))
        guard case .pipeline(let pipeline) = tokenizer.backend else { return XCTFail("bytelevel is a pipeline") }
        XCTAssertEqual(tokenizer.encode(long, "short text", maxLength: 33), pipeline.encode(cut, "short text", maxLength: 33))
        XCTAssertEqual(tokenizer.encode("short text", "tiny", maxLength: 33), pipeline.encode("short text", "tiny", maxLength: 33))
    }
}
