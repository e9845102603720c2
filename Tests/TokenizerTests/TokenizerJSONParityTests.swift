// TokenizerJSONParityTests: exact ids, offsets and word ids against Hugging Face `tokenizers` on 30,000 seeded random
// strings and 400 real texts for the five tokenizers made by bench/fixtures/make_tokenizer_fixtures.py.
import Foundation
@testable import Tokenizer
import TestSupport
import XCTest

/// One reference encoding of Tests/Fixtures/tokenizers/NAME.txt.
struct ReferenceEncoding: Equatable, CustomStringConvertible {
    var ids: [Int32]
    var offsets: [Range<Int>]
    var words: [Int?]

    /// Decodes a line written by `line_of` in make_tokenizer_fixtures.py.
    init(line: Substring) throws {
        let parts = line.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw TokenizerError.invalidOption("bad fixture line \(line)") }
        ids = parts[0].split(separator: " ").compactMap { Int32($0) }
        offsets = []
        var end = 0
        for item in parts[1].split(separator: " ") {
            let fields = item.split(separator: ":")
            let gap = fields.count == 2 ? Int(fields[0]) ?? 0 : 0
            let length = Int(fields.last ?? "") ?? 0
            let start = end + gap
            offsets.append(start..<(start + length))
            end = start + length
        }
        words = []
        var last = -1
        var scalars = parts[2].unicodeScalars.makeIterator()
        while let c = scalars.next() {
            switch c {
            case "n": words.append(nil)
            case "0": words.append(last)
            case "1": last += 1; words.append(last)
            case "(":
                var digits = ""
                while let d = scalars.next(), d != ")" { digits.unicodeScalars.append(d) }
                last = Int(digits) ?? -1
                words.append(last)
            default: break
            }
        }
    }

    init(_ encoding: Encoding) {
        ids = encoding.ids
        offsets = encoding.offsets
        words = encoding.wordIDs
    }

    var description: String { "ids \(ids) offsets \(offsets.map { [$0.lowerBound, $0.upperBound] }) words \(words.map { $0 ?? -1 })" }
}

enum TokenizerFixtures {
    static let folder = TestPaths.fixture("tokenizers")
    static let names = ["wordpiece", "bytelevel", "metaspace", "unigram", "precompiled"]

    /// The shared strings (30,000 random, then the real texts); missing fixtures fail the test.
    static func strings() throws -> [String] {
        let url = folder.appendingPathComponent("strings.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        // JSONDecoder, not JSONSerialization, which drops a leading U+FEFF from strings.
        return try text.split(separator: "\n").map { try JSONDecoder().decode(String.self, from: Data($0.utf8)) }
    }

    static func references(_ name: String) throws -> [ReferenceEncoding] {
        let text = try String(contentsOf: folder.appendingPathComponent("\(name).txt"), encoding: .utf8)
        return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { try ReferenceEncoding(line: $0) }
    }

    static func truncated(_ name: String) throws -> [[Int32]] {
        let text = try String(contentsOf: folder.appendingPathComponent("\(name).truncated.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: " ").compactMap { Int32($0) } }
    }

    static func tokenizer(_ name: String) throws -> TextTokenizer {
        try TextTokenizer.load(directory: folder.appendingPathComponent(name))
    }

    /// How many of `strings` the tokenizer encodes (special tokens, no truncation) differently from `references`;
    /// the first five differences fail the test with both encodings.
    static func mismatches(_ tokenizer: TextTokenizer, _ strings: [String], _ references: [ReferenceEncoding], label: String,
                           file: StaticString = #filePath, line: UInt = #line) -> Int {
        var count = 0
        for (index, (text, reference)) in zip(strings, references).enumerated() {
            let got = ReferenceEncoding(tokenizer.encode(text, maxLength: Int.max))
            guard got != reference else { continue }
            count += 1
            if count <= 5 {
                XCTFail("\(label) string \(index + 1) \(text.debugDescription) \(text.unicodeScalars.map { String($0.value, radix: 16) }):\n  HF    \(reference)\n  robust \(got)",
                        file: file, line: line)
            }
        }
        return count
    }
}

final class TokenizerJSONParityTests: XCTestCase {
    private func checkParity(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let strings = try TokenizerFixtures.strings()
        let references = try TokenizerFixtures.references(name)
        XCTAssertEqual(strings.count, 30_400, "strings.jsonl", file: file, line: line)
        XCTAssertEqual(references.count, strings.count, "\(name).txt", file: file, line: line)
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        XCTAssertEqual(tokenizer.source, .tokenizerJSON)
        let mismatches = TokenizerFixtures.mismatches(tokenizer, strings, references, label: name, file: file, line: line)
        XCTAssertEqual(mismatches, 0, "\(name): \(mismatches) of \(strings.count) strings differ", file: file, line: line)
        print("\(name): \(strings.count - mismatches) of \(strings.count) strings identical (ids, offsets, word ids)")
        // Truncation to 12 tokens, special tokens kept.
        let truncated = try TokenizerFixtures.truncated(name)
        let real = Array(strings.suffix(truncated.count))
        for (text, ids) in zip(real, truncated) {
            XCTAssertEqual(tokenizer.encode(text, maxLength: 12).ids, ids, "\(name) truncated: \(text)", file: file, line: line)
        }
    }

    func testWordPieceParity() throws { try checkParity("wordpiece") }
    func testByteLevelBPEParity() throws { try checkParity("bytelevel") }
    func testMetaspaceBPEParity() throws { try checkParity("metaspace") }
    func testUnigramParity() throws { try checkParity("unigram") }
    /// A sentencepiece model (nmt_nfkc) converted by transformers: the Precompiled charsmap normalizer.
    func testPrecompiledUnigramParity() throws { try checkParity("precompiled") }
}
