// Encoding: the result of encoding one text or a text pair (ids, tokens, type ids, offsets, word ids).

/// Token ids and their alignment to the input, as Hugging Face's `Encoding` gives them.
///
/// **Offsets** are Unicode-scalar offsets into the input string that the token came from (the
/// first or the second text of a pair, see ``typeIDs``), like Hugging Face's `offset_mapping`
/// on a Python `str`. A token covers the original scalars from the first to the last one that
/// produced its normalised characters; characters removed by normalisation (controls, zero-width
/// characters, stripped accents) at a token's edges are not included. Added `[CLS]`/`[SEP]` have `0..<0`.
/// Use ``textRange(ofToken:in:)`` to turn an offset into a `Range<String.Index>`.
///
/// **Word ids** index the basic-tokenizer words of each input (restarting at 0 for the second text of a
/// pair), counting a special token written literally in the text as a word; `nil` for added `[CLS]`/`[SEP]`.
public struct Encoding: Sendable, Equatable {
    public var ids: [Int32]
    public var tokens: [String]
    /// 0 for `[CLS]`, the first text and its `[SEP]`; 1 for the second text and the final `[SEP]`.
    public var typeIDs: [Int32]
    /// Unicode-scalar offsets of each token in its input text (`0..<0` for added special tokens).
    public var offsets: [Range<Int>]
    /// The index of the word each token came from within its input text, or `nil` for added specials.
    public var wordIDs: [Int?]
    /// For each token: `nil` for a special token the post-processor added, else 0 (first text) or 1 (second
    /// text). Type ids usually say the same, but not for every model (RoBERTa's are all 0).
    public var sequenceIDs: [Int?]

    /// `sequenceIDs` defaults to the type id of each token that has a word.
    public init(ids: [Int32] = [], tokens: [String] = [], typeIDs: [Int32] = [],
                offsets: [Range<Int>] = [], wordIDs: [Int?] = [], sequenceIDs: [Int?]? = nil) {
        self.ids = ids
        self.tokens = tokens
        self.typeIDs = typeIDs
        self.offsets = offsets
        self.wordIDs = wordIDs
        self.sequenceIDs = sequenceIDs ?? zip(wordIDs, typeIDs).map { word, type in word == nil ? nil : Int(type) }
    }

    public var count: Int { ids.count }

    mutating func reserve(_ count: Int) {
        ids.reserveCapacity(count)
        tokens.reserveCapacity(count)
        typeIDs.reserveCapacity(count)
        offsets.reserveCapacity(count)
        wordIDs.reserveCapacity(count)
        sequenceIDs.reserveCapacity(count)
    }

    /// Appends one token.
    @inline(__always)
    mutating func append(id: Int32, token: String, typeID: Int32, offsets: Range<Int>, word: Int?, sequence: Int?) {
        ids.append(id)
        tokens.append(token)
        typeIDs.append(typeID)
        self.offsets.append(offsets)
        wordIDs.append(word)
        sequenceIDs.append(sequence)
    }

    /// Keeps the first `count` tokens.
    mutating func truncate(to count: Int) {
        guard ids.count > count else { return }
        let keep = max(0, count)
        ids.removeSubrange(keep...)
        tokens.removeSubrange(min(keep, tokens.count)...)
        typeIDs.removeSubrange(min(keep, typeIDs.count)...)
        offsets.removeSubrange(min(keep, offsets.count)...)
        wordIDs.removeSubrange(min(keep, wordIDs.count)...)
        sequenceIDs.removeSubrange(min(keep, sequenceIDs.count)...)
    }

    /// Appends another encoding's tokens.
    mutating func append(_ other: Encoding) {
        ids += other.ids
        tokens += other.tokens
        typeIDs += other.typeIDs
        offsets += other.offsets
        wordIDs += other.wordIDs
        sequenceIDs += other.sequenceIDs
    }

    /// An encoding of special tokens only (no words, `0..<0` offsets).
    static func specials(ids: [Int32], tokens: [String], typeID: Int32) -> Encoding {
        Encoding(ids: ids, tokens: tokens, typeIDs: Array(repeating: typeID, count: ids.count),
                 offsets: Array(repeating: 0..<0, count: ids.count), wordIDs: Array(repeating: nil, count: ids.count),
                 sequenceIDs: Array(repeating: nil, count: ids.count))
    }

    /// The positions of the tokens that came from word `word` of input `sequence` (0 or 1),
    /// or an empty range if truncation removed it or it produced no tokens.
    public func tokenRange(ofWord word: Int, sequence: Int = 0) -> Range<Int> {
        var first = -1
        var last = -1
        for index in ids.indices where wordIDs[index] == word && sequenceIDs[index] == sequence {
            if first < 0 { first = index }
            last = index
        }
        return first < 0 ? 0..<0 : first..<(last + 1)
    }

    /// The part of `text` (the input the token came from) that token `index` covers,
    /// or `nil` for an added special token or an out-of-range index.
    public func textRange(ofToken index: Int, in text: String) -> Range<String.Index>? {
        guard offsets.indices.contains(index), wordIDs[index] != nil else { return nil }
        return Encoding.stringRange(scalarOffsets: offsets[index], in: text)
    }

    /// Converts Unicode-scalar offsets into a `Range<String.Index>` of `text` (nil if out of bounds).
    public static func stringRange(scalarOffsets range: Range<Int>, in text: String) -> Range<String.Index>? {
        let scalars = text.unicodeScalars
        guard range.lowerBound >= 0,
              let lower = scalars.index(scalars.startIndex, offsetBy: range.lowerBound, limitedBy: scalars.endIndex),
              let upper = scalars.index(lower, offsetBy: range.count, limitedBy: scalars.endIndex)
        else { return nil }
        return lower..<upper
    }
}

/// A word of the basic tokenizer (before WordPiece), see ``WordPieceTokenizer/words(_:)``.
public struct Word: Sendable, Equatable {
    /// The normalised word (lowercased, accents stripped), or the special token's text.
    public var text: String
    /// Unicode-scalar offsets of the word in the original text.
    public var range: Range<Int>
    /// True for a special token written literally in the text (e.g. `[MASK]`).
    public var isSpecialToken: Bool

    public init(text: String, range: Range<Int>, isSpecialToken: Bool) {
        self.text = text
        self.range = range
        self.isSpecialToken = isSpecialToken
    }
}
