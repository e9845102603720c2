// PrecompiledTests: the Precompiled normalizer on a hand-built charsmap (grapheme replacement and its alignments),
// exact parity with `tokenizers` on graphemes chosen to exercise a real nmt_nfkc charsmap, and malformed charsmaps:
// each a one-line error naming the JSON path, and mutated ones never trap.
import Basics
import Foundation
@testable import Tokenizer
import XCTest

final class PrecompiledTests: XCTestCase {
    /// A Darts-clone charsmap with the one-byte keys `keys` (byte → offset into `strings`): the root's children
    /// block at unit 256, each key's value unit in its own block from unit 512.
    private func charsMap(_ keys: [(UInt8, UInt32)], strings: [UInt8], units unitCount: Int? = nil) -> [UInt8] {
        var units = [UInt32](repeating: 0, count: unitCount ?? 512 + 256 * keys.count)
        units[0] = 256 << 10   // root: children at 256 ^ byte
        for (k, (byte, value)) in keys.enumerated() {
            let index = 256 ^ Int(byte)
            let valueBlock = 512 + 256 * k
            if index < units.count { units[index] = UInt32(index ^ valueBlock) << 10 | 1 << 8 | UInt32(byte) }
            if valueBlock < units.count { units[valueBlock] = 1 << 31 | value }
        }
        var data: [UInt8] = []
        for value in [UInt32(units.count * 4)] + units {
            data += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
        }
        return data + strings
    }

    private func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// A tokenizer.json whose normalizer is Sequence[Precompiled(charsmap), Lowercase].
    private func tokenizer(charsmap: String) throws -> TextTokenizer {
        let json = """
        {"normalizer": {"type": "Sequence", "normalizers": [{"type": "Precompiled", "precompiled_charsmap": "\(charsmap)"}, {"type": "Lowercase"}]},
         "pre_tokenizer": {"type": "WhitespaceSplit"},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "x": 1, "b": 2, "y": 3, "##b": 4, "##y": 5, "q": 6, "##q": 7}}}
        """
        return try TextTokenizer(tokenizerJSON: Data(json.utf8))
    }

    private func normalized(_ normalizer: PrecompiledNormalizer, _ text: String) -> (String, [Range<Int>]) {
        var t = NormalizedText(Array(text.unicodeScalars))
        normalizer.normalize(&t)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: t.scalars)
        return (String(view), zip(t.starts, t.ends).map { $0..<$1 })
    }

    func testGraphemeReplacementAndAlignments() throws {
        // "a" → "b", "c" → "" (removed), "d" → "qq" (longer).
        let map = try PrecompiledCharsMap(charsMap([(0x61, 0), (0x63, 2), (0x64, 3)], strings: Array("b\0\0qq\0".utf8)))
        let normalizer = PrecompiledNormalizer(map)
        XCTAssertEqual(normalized(normalizer, "xay").0, "xby")
        XCTAssertEqual(normalized(normalizer, "xay").1, [0..<1, 1..<2, 2..<3])
        // The shortest key prefixing a grapheme replaces the whole grapheme: the accent goes with the "a".
        XCTAssertEqual(normalized(normalizer, "xa\u{301}y").0, "xby")
        XCTAssertEqual(normalized(normalizer, "xa\u{301}y").1, [0..<1, 1..<2, 3..<4])
        // A grapheme of 6 or more bytes is looked up scalar by scalar: the accents stay.
        XCTAssertEqual(normalized(normalizer, "a\u{301}\u{301}\u{301}").0, "b\u{301}\u{301}\u{301}")
        // A longer replacement: the extra scalar is inserted with the alignment before it.
        XCTAssertEqual(normalized(normalizer, "xd").0, "xqq")
        XCTAssertEqual(normalized(normalizer, "xd").1, [0..<1, 1..<2, 1..<2])
        // A removal is absorbed by the last change so far; at the very start nothing records it, so the
        // alignments shift by one (as tokenizers gives them).
        XCTAssertEqual(normalized(normalizer, "xcy").0, "xy")
        XCTAssertEqual(normalized(normalizer, "xcy").1, [0..<1, 2..<3])
        XCTAssertEqual(normalized(normalizer, "cy").0, "y")
        XCTAssertEqual(normalized(normalizer, "cy").1, [0..<1])
        // Nothing matched: untouched.
        XCTAssertEqual(normalized(normalizer, "xyz\r\n").1, [0..<1, 1..<2, 2..<3, 3..<4, 4..<5])
        // Through tokenizer.json, in a Sequence.
        let t = try tokenizer(charsmap: base64(charsMap([(0x61, 0), (0x63, 2), (0x64, 3)], strings: Array("b\0\0qq\0".utf8))))
        XCTAssertEqual(t.encode("xay d", maxLength: Int.max).ids, [1, 4, 5, 6, 7])
        XCTAssertEqual(t.encode("xay d", maxLength: Int.max).offsets, [0..<1, 1..<2, 2..<3, 4..<5, 4..<5])
    }

    /// The sentencepiece fixture's charsmap (nmt_nfkc) on 5,000 strings of graphemes chosen to exercise it
    /// (compatibility forms, combining sequences, jamo, Indic conjuncts, Thai, emoji sequences, CRLF, controls).
    func testStressStringsMatchTokenizers() throws {
        let folder = TokenizerFixtures.folder
        let text = try String(contentsOf: folder.appendingPathComponent("precompiled.stress.jsonl"), encoding: .utf8)
        let strings = try text.split(separator: "\n").map { try JSONDecoder().decode(String.self, from: Data($0.utf8)) }
        let references = try TokenizerFixtures.references("precompiled.stress")
        XCTAssertEqual(strings.count, 5_000)
        XCTAssertEqual(references.count, strings.count)
        let tokenizer = try TokenizerFixtures.tokenizer("precompiled")
        let mismatches = TokenizerFixtures.mismatches(tokenizer, strings, references, label: "precompiled stress")
        XCTAssertEqual(mismatches, 0)
        print("precompiled stress: \(strings.count - mismatches) of \(strings.count) strings identical")
    }

    // MARK: Malformed charsmaps

    func testMalformedCharsmapsGiveOneLineErrors() {
        let good = charsMap([(0x61, 0)], strings: Array("b\0".utf8))
        var truncated = good
        truncated.removeLast(100)
        var emptyTrie: [UInt8] = [0, 0, 0, 0]
        emptyTrie += Array("b\0".utf8)
        let cases: [(String, String)] = [
            ("@@@@", "not valid base64: unexpected character"),
            ("QUJD=", "not valid base64: 5 characters"),
            ("QQ=A", "not valid base64"),
            ("QR==", "non-zero bits before the padding"),
            ("AAAA", "3 bytes, shorter than the 4-byte trie size"),
            (base64(truncated), "truncated: the trie needs 3072 bytes but 2974 follow its size"),
            (base64(emptyTrie), "the trie is empty"),
            (base64(charsMap([(0x61, 0)], strings: [0x62, 0xFF, 0])), "the replacement strings after the trie are not valid UTF-8"),
            (base64(charsMap([(0x61, 9)], strings: Array("b\0".utf8))), "replacement offset 9 is outside the 2-byte string blob"),
            (base64(charsMap([(0x61, 1)], strings: Array("é\0".utf8))), "replacement offset 1 is inside a UTF-8 character"),
            (base64(charsMap([(0x61, 0)], strings: Array("b\0".utf8), units: 512)), "a trie value (unit 512) lies outside the 512-unit trie"),
            (base64(charsMap([(0x61, 0)], strings: Array("b\0".utf8), units: 600)), "a trie node's children (unit 512) lie outside the 600-unit trie"),
            (base64(charsMap([(0x61, 0)], strings: Array("b\0".utf8), units: 300)), "a trie node's children (unit 256) lie outside the 300-unit trie"),
        ]
        for (charsmap, expected) in cases {
            XCTAssertThrowsError(try tokenizer(charsmap: charsmap), expected) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.hasPrefix("tokenizer.json: normalizer.normalizers[0].precompiled_charsmap: "), text)
                XCTAssertTrue(text.contains(expected), "'\(text)' lacks '\(expected)'")
                XCTAssertFalse(text.contains("\n"), "not one line: \(text)")
            }
        }
        XCTAssertThrowsError(try TextTokenizer(tokenizerJSON: Data("""
        {"normalizer": {"type": "Precompiled", "precompiled_charsmap": 7}, "model": {"type": "Unigram", "vocab": [["a", 0]]}}
        """.utf8))) { error in
            XCTAssertEqual(String(describing: error), "tokenizer.json: normalizer.precompiled_charsmap: expected a string, found a number")
        }
        XCTAssertNoThrow(try tokenizer(charsmap: base64(good)))
    }

    /// Mutated real charsmaps (flipped bits in the trie, cut short, random bytes): loading either fails with a
    /// one-line error or gives a normalizer that runs on any text without trapping.
    func testMutatedCharsmapsNeverTrap() throws {
        let url = TokenizerFixtures.folder.appendingPathComponent("precompiled/tokenizer.json")
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let normalizers = try XCTUnwrap((root["normalizer"] as? [String: Any])?["normalizers"] as? [[String: Any]])
        let real = [UInt8](try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(normalizers[0]["precompiled_charsmap"] as? String))))
        XCTAssertNoThrow(try PrecompiledCharsMap(real))
        let trieEnd = 4 + Int(UInt32(real[0]) | UInt32(real[1]) << 8 | UInt32(real[2]) << 16 | UInt32(real[3]) << 24)
        var rng = SeededRandom(seed: 0xC4A2_5EED)
        let texts = ["ｆｕｌｌ ﬁ Ⅻ e\u{301} 가 क्ष 👨‍👩‍👧‍👦 🇫🇷 \r\n x\u{0}y", "plain ascii text", "\u{1100}\u{1161}\u{11A8}\u{302E}\u{3099}"]
        var loaded = 0
        for round in 0..<60 {
            var bytes = real
            switch round % 3 {
            case 0:
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let index = Int.random(in: 4..<trieEnd, using: &rng)
                    bytes[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                }
            case 1:
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            default:
                bytes = (0..<Int.random(in: 0..<4_096, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if bytes.count >= 4 { bytes[0] = 0; bytes[1] = 8; bytes[2] = 0; bytes[3] = 0 }   // a 2,048-byte trie
            }
            do {
                let normalizer = PrecompiledNormalizer(try PrecompiledCharsMap(bytes))
                loaded += 1
                for text in texts { _ = normalized(normalizer, text) }
            } catch let malformed as PrecompiledCharsMap.Malformed {
                XCTAssertFalse(malformed.reason.contains("\n"))
            }
        }
        print("mutated charsmaps: \(loaded) of 60 loaded and ran, the others were rejected")
    }
}
