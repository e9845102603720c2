// TokenizerFuzz (fuzz-tokenizer): the tokenizer files of a model folder, as `TextTokenizer.load(directory:)`
// reads them — tokenizer.json (the general pipeline or the fused WordPiece engine), vocab.txt (WordPiece),
// or vocab.json + merges.txt (byte-level BPE) — each optionally with tokenizer_config.json, then encoding
// text with the tokenizer that loaded.
//
// Input: a selector byte, then NUL-separated parts. Selector % 3 picks the files (0: tokenizer.json,
// 1: vocab.txt, 2: vocab.json and merges.txt: two parts); selector & 4 adds a tokenizer_config.json part;
// 1 + (selector >> 3) % 16 is the maxLength of the truncated encodings. The last part is the text to encode
// (its first 512 bytes: the first line, and the rest as the second text of a pair).
// An input must be refused with a TokenizerError, or give a tokenizer whose encodings are well formed:
// parallel arrays of one length, ids below vocabularySize that name a token, offsets inside their text,
// and truncation to `maxLength` (or to the special tokens alone, when they are longer).
import Foundation
import FuzzSupport
import Tokenizer

@main
enum TokenizerFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    guard let selector = bytes.first else { return 0 }
    let form = Int(selector) % 3
    let hasConfig = selector & 4 != 0
    let names = [["tokenizer.json"], ["vocab.txt"], ["vocab.json", "merges.txt"]][form] + (hasConfig ? ["tokenizer_config.json"] : [])
    let parts = Fuzz.split(Array(bytes.dropFirst()), separator: 0, parts: names.count + 1)
    guard parts.count == names.count + 1 else { return 0 }
    var files: [String: [UInt8]] = [:]
    for (name, part) in zip(names, parts) { files[name] = part }
    let folder = Fuzz.writeScratch(files)
    let tokenizer: TextTokenizer
    do {
        tokenizer = try TextTokenizer.load(directory: folder)
    } catch is TokenizerError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    // At most 512 bytes of text: encoding dominates the time per input, and the truncation paths are
    // reached with the small maxLength below.
    let text = String(decoding: parts[names.count].prefix(512), as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let first = lines[0], second = lines.count > 1 ? lines[1] : ""
    let specialsSingle = tokenizer.encode("", maxLength: Int.max).count
    let specialsPair = tokenizer.encode("", "", maxLength: Int.max).count
    check(tokenizer, tokenizer.encode(first), texts: [first])
    let limit = 1 + Int(selector >> 3) % 16
    let single = tokenizer.encode(first, maxLength: limit)
    check(tokenizer, single, texts: [first])
    Fuzz.check(single.count <= max(limit, specialsSingle), "\(single.count) tokens for maxLength \(limit)")
    let pair = tokenizer.encode(first, second, maxLength: limit)
    check(tokenizer, pair, texts: [first, second])
    Fuzz.check(pair.count <= max(limit, specialsPair), "\(pair.count) tokens for a pair with maxLength \(limit)")
    _ = tokenizer.tokenize(text)
    return 0
}

/// An encoding's arrays are parallel, its ids name tokens of the vocabulary, and its offsets lie in its texts.
func check(_ tokenizer: TextTokenizer, _ encoding: Encoding, texts: [String]) {
    let n = encoding.ids.count
    Fuzz.check(encoding.tokens.count == n && encoding.typeIDs.count == n && encoding.offsets.count == n
               && encoding.wordIDs.count == n && encoding.sequenceIDs.count == n, "encoding arrays differ in length")
    let limits = texts.map { $0.unicodeScalars.count }
    for i in 0..<n {
        let id = encoding.ids[i]
        Fuzz.check(id >= 0 && Int(id) < tokenizer.vocabularySize, "id \(id) outside 0..<\(tokenizer.vocabularySize)")
        Fuzz.check(tokenizer.token(of: id) != nil, "id \(id) names no token")
        let offset = encoding.offsets[i]
        Fuzz.check(offset.lowerBound >= 0, "negative offset")
        if let sequence = encoding.sequenceIDs[i] {
            Fuzz.check(sequence >= 0 && sequence < limits.count, "sequence id \(sequence) for \(limits.count) text(s)")
            Fuzz.check(offset.upperBound <= limits[sequence],
                       "offset \(offset) of token \(i) (\(encoding.tokens[i])) past the \(limits[sequence]) scalars of text \(sequence)")
        }
    }
}
