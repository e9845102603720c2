// TokenizerComponentTests: each tokenizer.json component on hand-written cases whose expectations follow the Rust
// `tokenizers` sources, and hostile tokenizer.json files, each a one-line error and never a crash.
import Basics
import Foundation
@testable import Tokenizer
import XCTest

final class TokenizerComponentTests: XCTestCase {
    private func normalized(_ normalizer: any Normalizer, _ text: String) -> (String, [Range<Int>]) {
        var t = NormalizedText(Array(text.unicodeScalars))
        normalizer.normalize(&t)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: t.scalars)
        return (String(view), zip(t.starts, t.ends).map { $0..<$1 })
    }

    private func pieces(_ preTokenizer: any PreTokenizer, _ text: String) -> [String] {
        var p = [TextPiece(text: NormalizedText(Array(text.unicodeScalars)), addedToken: nil)]
        preTokenizer.preTokenize(&p)
        return p.map { piece in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: piece.text.scalars)
            return String(view)
        }
    }

    func testBertNormalizer() {
        let (text, alignments) = normalized(BertNormalizer(), "Ça\u{0}va 中!")
        XCTAssertEqual(text, "cava  中 !")
        XCTAssertEqual(alignments.count, 9)
        XCTAssertEqual(alignments[0], 0..<1)   // ç from Ç
        XCTAssertEqual(alignments[2], 3..<4)   // v after the removed NUL
    }

    func testUnicodeNormalizersKeepHFAlignments() {
        // NFC of e + combining acute: é aligned to the e only (the crate's change −1).
        let (nfc, a) = normalized(UnicodeNormalizer(form: .nfc), "e\u{301}x")
        XCTAssertEqual(nfc.unicodeScalars.map(\.value), [0xE9, 0x78])
        XCTAssertEqual(a, [0..<1, 2..<3])
        let (nfkd, b) = normalized(UnicodeNormalizer(form: .nfkd), "ﬁé")
        XCTAssertEqual(nfkd.unicodeScalars.map(\.value), [0x66, 0x69, 0x65, 0x301])
        XCTAssertEqual(b, [0..<1, 0..<1, 1..<2, 1..<2])
        XCTAssertEqual(normalized(UnicodeNormalizer(form: .nfkc), "ＡＢ①").0, "AB1")
        // Canonical reordering: acute (230) after dot below (220).
        XCTAssertEqual(normalized(UnicodeNormalizer(form: .nfd), "a\u{301}\u{323}").0.unicodeScalars.map(\.value), [0x61, 0x323, 0x301])
    }

    func testSmallNormalizers() {
        XCTAssertEqual(normalized(LowercaseNormalizer(), "ÀBΣ").0, "àbσ")
        XCTAssertEqual(normalized(StripAccentsNormalizer(), "e\u{301}a").0, "ea")
        XCTAssertEqual(normalized(StripNormalizer(left: true, right: false), "  a b  ").0, "a b  ")
        XCTAssertEqual(normalized(StripNormalizer(left: true, right: true), " \t a b \n").0, "a b")
        XCTAssertEqual(normalized(PrependNormalizer("▁"), "ab").0, "▁ab")
        XCTAssertEqual(normalized(PrependNormalizer("▁"), "").0, "")
        let replace = ReplaceNormalizer(pattern: .scalar(" "), content: "▁")
        let (text, alignments) = normalized(replace, "a b")
        XCTAssertEqual(text, "a▁b")
        XCTAssertEqual(alignments, [0..<1, 1..<2, 2..<3])
        let regex = ReplaceNormalizer(pattern: .regex(try! CompiledRegex(" {2,}")), content: " ")
        XCTAssertEqual(normalized(regex, "a    b  c").0, "a b c")
        XCTAssertEqual(normalized(NormalizerSequence([LowercaseNormalizer(), PrependNormalizer("_")]), "AB").0, "_ab")
    }

    /// `c{n,}` and `c+` regexes run natively and find exactly what ICU finds; anything else stays a regex.
    func testRunPatternsAgreeWithRegexes() throws {
        for source in ["[ ]{2,}", "\\s+", "a{2,3}", "a{2}", "a*", ".+", "ab+", "a{,2}", "a{0,}", "\\d+", "+", "{2,}"] {
            XCTAssertNil(TextPattern.run(regex: source), source)
        }
        var rng = SeededRandom(seed: 77)
        let alphabet: [Unicode.Scalar] = [" ", "a", "b", ".", "\u{2581}", "\u{1F600}"]
        for source in [" {2,}", "a+", "\\.{3,}", "\u{2581}+", " {1,}", "\u{1F600}{2,}"] {
            let run = try XCTUnwrap(TextPattern.run(regex: source), source)
            let regex = TextPattern.regex(try CompiledRegex(source))
            for _ in 0..<300 {
                let text = (0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
                XCTAssertEqual(run.matches(in: text), regex.matches(in: text), "\(source) on \(text)")
            }
        }
    }

    func testIntegerTable() {
        var table = IntegerTable()
        var reference: [UInt64: Int64] = [:]
        var rng = SeededRandom(seed: 5)
        for index in 0..<5_000 {
            let key = index % 7 == 0 ? UInt64(index) : rng.next()
            table.set(key, Int64(index))
            reference[key] = Int64(index)
        }
        table.set(UInt64.max, -9)
        reference[UInt64.max] = -9
        XCTAssertEqual(table.count, reference.count)
        for (key, value) in reference { XCTAssertEqual(table.value(key), value) }
        XCTAssertNil(table.value(123_456_789_012))
    }

    func testPreTokenizers() {
        XCTAssertEqual(pieces(BertPreTokenizer(), "Hello, world!  x"), ["Hello", ",", "world", "!", "x"])
        XCTAssertEqual(pieces(WhitespacePreTokenizer(), "Hey man!! How's it going?"),
                       ["Hey", "man", "!!", "How", "'", "s", "it", "going", "?"])
        XCTAssertEqual(pieces(WhitespaceSplitPreTokenizer(), " a\tb\u{3000}c "), ["a", "b", "c"])
        XCTAssertEqual(pieces(PunctuationPreTokenizer(), "a,b!!"), ["a", ",", "b", "!", "!"])
        XCTAssertEqual(pieces(PunctuationPreTokenizer(behavior: .contiguous), "a,b!!"), ["a", ",", "b", "!!"])
        XCTAssertEqual(pieces(DigitsPreTokenizer(), "ab123cd4"), ["ab", "123", "cd", "4"])
        XCTAssertEqual(pieces(DigitsPreTokenizer(individualDigits: true), "a12"), ["a", "1", "2"])
        XCTAssertEqual(pieces(MetaspacePreTokenizer(), "Hey friend"), ["▁Hey", "▁friend"])
        XCTAssertEqual(pieces(MetaspacePreTokenizer(prependScheme: .never, split: false), "Hey friend"), ["Hey▁friend"])
        XCTAssertEqual(pieces(ByteLevelPreTokenizer(addPrefixSpace: false), "Hello  world's é"),
                       ["Hello", "Ġ", "Ġworld", "'s", "ĠÃ©"])
        let split = { (behavior: SplitBehavior) in self.pieces(SplitPreTokenizer(pattern: .scalar("-"), behavior: behavior), "the-final--countdown") }
        XCTAssertEqual(split(.removed), ["the", "final", "countdown"])
        XCTAssertEqual(split(.isolated), ["the", "-", "final", "-", "-", "countdown"])
        XCTAssertEqual(split(.mergedWithPrevious), ["the-", "final-", "-", "countdown"])
        XCTAssertEqual(split(.mergedWithNext), ["the", "-final", "-", "-countdown"])
        XCTAssertEqual(split(.contiguous), ["the", "-", "final", "--", "countdown"])
        XCTAssertEqual(pieces(SplitPreTokenizer(pattern: .scalar("-"), behavior: .removed, invert: true), "a-b"), ["-"])
        XCTAssertEqual(pieces(PreTokenizerSequence([WhitespaceSplitPreTokenizer(), DigitsPreTokenizer()]), "a1 b"), ["a", "1", "b"])
    }

    private func tokenizer(_ json: String) throws -> TextTokenizer { try TextTokenizer(tokenizerJSON: Data(json.utf8)) }

    func testModelsAndPostProcessors() throws {
        // BPE with byte fallback and merges by rank.
        let bpe = try tokenizer("""
        {"model": {"type": "BPE", "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "<0xC3>": 4, "<0xA9>": 5, "abb": 6},
                   "merges": ["a b", "ab b"], "byte_fallback": true, "unk_token": "<unk>"},
         "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<unk>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                            "special_tokens": {"<unk>": {"id": "<unk>", "ids": [0], "tokens": ["<unk>"]}}}}
        """)
        let e = bpe.encode("abbéx", maxLength: Int.max)
        XCTAssertEqual(e.ids, [0, 6, 4, 5, 0])
        XCTAssertEqual(e.offsets, [0..<0, 0..<3, 3..<4, 3..<4, 4..<5])
        XCTAssertEqual(bpe.encode("abb", maxLength: 2).ids, [0, 6])
        // Unigram: the best-scoring segmentation; unknown scalars fused.
        let unigram = try tokenizer("""
        {"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1], ["b", -1], ["ab", -1.5], ["abc", -5]]}}
        """)
        XCTAssertEqual(unigram.encode("abxyab", maxLength: Int.max).ids, [3, 0, 3])
        XCTAssertEqual(unigram.encode("abxyab", maxLength: Int.max).offsets, [0..<2, 2..<4, 4..<6])
        // WordPiece with Bert processing.
        let wordPiece = try tokenizer("""
        {"normalizer": {"type": "BertNormalizer"}, "pre_tokenizer": {"type": "BertPreTokenizer"},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "un": 3, "##aff": 4, "##able": 5}},
         "post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 1], "sep": ["[SEP]", 2]}}
        """)
        XCTAssertEqual(wordPiece.encode("Unaffable xyz").ids, [1, 3, 4, 5, 0, 2])
        XCTAssertEqual(wordPiece.encode("un", "aff").typeIDs, [0, 0, 0, 1, 1])
        XCTAssertEqual(wordPiece.encode("un", "xx").sequenceIDs, [nil, 0, nil, 1, nil])
    }

    func testAddedTokensSingleWordAndStrip() throws {
        let t = try tokenizer("""
        {"added_tokens": [{"id": 4, "content": "<m>", "special": true, "lstrip": true, "rstrip": true, "normalized": false},
                          {"id": 5, "content": "yo", "special": false, "single_word": true, "normalized": true}],
         "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "WhitespaceSplit"},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1, "yo": 2, "b": 3}}}
        """)
        let e = t.encode("a  <m>  b YO yob", maxLength: Int.max)
        XCTAssertEqual(e.ids, [1, 4, 3, 5, 0])
        XCTAssertEqual(e.offsets, [0..<1, 1..<8, 8..<9, 10..<12, 13..<16])
        XCTAssertEqual(e.tokens[1], "  <m>  ")
    }

    /// Hostile files: each a one-line error naming the file and the JSON path, never a crash.
    func testHostileTokenizerJSONGivesOneLineErrors() {
        let wordPieceModel = #""model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1}}"#
        let cases: [(String, String)] = [
            ("not json", "tokenizer.json: not valid JSON"),
            ("[1, 2]", "tokenizer.json: expected an object"),
            ("{}", "tokenizer.json: model: expected an object, found null"),
            (#"{"model": {"vocab": {}}}"#, "tokenizer.json: model: model has no 'type'"),
            (#"{"model": {"type": "WordLevel", "vocab": {}}}"#, "tokenizer.json: model: unsupported model type 'WordLevel'"),
            ("{\(wordPieceModel), \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAAA\"}]}}",
             "tokenizer.json: normalizer.normalizers[1].precompiled_charsmap: 3 bytes, shorter than the 4-byte trie size"),
            ("{\(wordPieceModel), \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Nmt\"}]}}",
             "tokenizer.json: normalizer.normalizers[1]: unsupported normalizer type 'Nmt'"),
            ("{\(wordPieceModel), \"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}}", "tokenizer.json: pre_tokenizer: unsupported pre_tokenizer type 'UnicodeScripts'"),
            ("{\(wordPieceModel), \"post_processor\": {\"type\": \"Fancy\"}}", "tokenizer.json: post_processor: unsupported post_processor type 'Fancy'"),
            (#"{"model": {"type": "WordPiece", "vocab": {"[UNK]": -3}}}"#, "tokenizer.json: model.vocab.[UNK]: expected a whole number"),
            (#"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 1e40}}}"#, "expected a whole number"),
            (#"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 2000000000}}}"#, "far more than"),
            (#"{"model": {"type": "WordPiece", "vocab": "abc"}}"#, "tokenizer.json: model.vocab: expected an object, found a string"),
            (#"{"model": {"type": "WordPiece", "vocab": {"a": 0}}}"#, "tokenizer.json: model.unk_token: unknown token '[UNK]' is not in model.vocab"),
            (#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}"#, "tokenizer.json: model.merges: merge 0 ('a b') needs 'ab'"),
            (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a c"]}}"#, "needs 'c'"),
            (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}}"#, "tokenizer.json: model.merges[0]: expected 'left right'"),
            (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "dropout": 0.1}}"#, "tokenizer.json: model.dropout: BPE dropout 0.1"),
            (#"{"model": {"type": "Unigram", "unk_id": 5, "vocab": [["a", 0]]}}"#, "tokenizer.json: model.unk_id: unk_id 5"),
            (#"{"model": {"type": "Unigram", "vocab": [["a", "x"]]}}"#, "tokenizer.json: model.vocab[0][1]: expected a number"),
            ("{\(wordPieceModel), \"post_processor\": {\"type\": \"BertProcessing\", \"cls\": [\"[CLS]\", 7], \"sep\": [\"[SEP]\", 1]}}",
             "tokenizer.json: post_processor: special token id 7 is not in the vocabulary"),
            ("{\(wordPieceModel), \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}], \"special_tokens\": {}}}",
             "tokenizer.json: post_processor.single[0].SpecialToken.id: special token '<s>' is not in special_tokens"),
            ("{\(wordPieceModel), \"added_tokens\": [{\"id\": \"x\", \"content\": \"a\"}]}", "tokenizer.json: added_tokens[0].id: expected a number"),
            ("{\(wordPieceModel), \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": \"Removed\"}}",
             "tokenizer.json: pre_tokenizer.pattern.Regex: invalid regular expression"),
            ("{\(wordPieceModel), \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"String\": \"x\"}, \"behavior\": \"Sideways\"}}",
             "tokenizer.json: pre_tokenizer.behavior: unknown split behavior 'Sideways'"),
            ("{\(wordPieceModel), \"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"ab\"}}",
             "tokenizer.json: pre_tokenizer.replacement: expected a single character"),
            (String(repeating: "[", count: 10_000), "nested too deeply"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try tokenizer(json), json) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains(expected), "'\(text)' lacks '\(expected)'")
                XCTAssertFalse(text.contains("\n"), "not one line: \(text)")
            }
        }
    }

    func testVocabJSONAndMergesLoadAsRoberta() throws {
        let vocab = #"{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4, "a": 5, "b": 6, "Ġ": 7, "ab": 8, "Ġab": 9}"#
        let t = try TextTokenizer(vocabJSON: Data(vocab.utf8), merges: Data("#version: 0.2\na b\nĠ ab\n".utf8))
        XCTAssertEqual(t.source, .vocabJSONAndMerges)
        let e = t.encode("ab ab <mask>")
        XCTAssertEqual(e.ids, [0, 8, 9, 4, 2])
        XCTAssertEqual(e.offsets, [0..<0, 0..<2, 3..<5, 6..<12, 0..<0])
        XCTAssertThrowsError(try TextTokenizer(vocabJSON: Data(vocab.utf8), merges: Data("a\n".utf8))) { error in
            XCTAssertTrue(String(describing: error).contains("merges.txt: line 1: expected 'left right'"), "\(error)")
        }
    }
}
