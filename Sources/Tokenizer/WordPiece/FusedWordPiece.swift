// FusedWordPiece: the whole BERT WordPiece pipeline in one pass — literal special tokens, BertNormalizer,
// BertPreTokenizer, greedy WordPiece, `[CLS] A [SEP] (B [SEP])` and longest_first truncation — with no
// intermediate pieces. vocab.txt tokenizers (``WordPieceTokenizer``) run on it, and so do tokenizer.json files
// that describe exactly this pipeline (``BertFastPath`` decides which).

/// The fused BERT WordPiece engine: the same ids, tokens, offsets, word ids and type ids as the general
/// pipeline with BertNormalizer (clean_text on), BertPreTokenizer, WordPiece and BertProcessing.
struct FusedWordPiece: Sendable {
    /// id → token.
    let vocabulary: [String]
    /// token → id, keyed by exact scalars (Swift `String` equality would merge "à" and "a\u{300}").
    let ids: [TokenKey: Int32]
    let trie: WordPieceTrie
    let basic: BasicTokenizer
    let unkID: Int32
    let clsID: Int32
    let sepID: Int32
    let maxInputCharsPerWord: Int

    /// `ids` maps each token of `vocabulary` to its position (a repeated token keeps its last position).
    init(vocabulary: [String], ids: [TokenKey: Int32], trie: WordPieceTrie, basic: BasicTokenizer,
         unkID: Int32, clsID: Int32, sepID: Int32, maxInputCharsPerWord: Int) {
        self.vocabulary = vocabulary
        self.ids = ids
        self.trie = trie
        self.basic = basic
        self.unkID = unkID
        self.clsID = clsID
        self.sepID = sepID
        self.maxInputCharsPerWord = maxInputCharsPerWord
        literalMargin = max(TextLimits.minimumMargin, 2 * (basic.specials.map(\.scalars.count).max() ?? 0))
    }

    /// Each token's position; a repeated token keeps its last one, as in Hugging Face.
    static func positions(of vocabulary: [String]) -> [TokenKey: Int32] {
        var ids: [TokenKey: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (index, token) in vocabulary.enumerated() { ids[TokenKey(token)] = Int32(truncatingIfNeeded: index) }
        return ids
    }

    // MARK: Vocabulary

    var vocabularySize: Int { vocabulary.count }

    func id(of token: String) -> Int32? { ids[TokenKey(token)] }

    func token(of id: Int32) -> String? { vocabulary.indices.contains(Int(id)) ? vocabulary[Int(id)] : nil }

    // MARK: Encoding

    /// The word pieces of `text`, without special tokens and without truncation.
    func tokenize(_ text: String) -> [String] { pieces(of: text).ids.map { vocabulary[Int($0)] } }

    /// The basic-tokenizer words of `text` (normalised, with their original offsets).
    func words(_ text: String) -> [Word] {
        let analysis = basic.run(text)
        return analysis.words.map { word in
            let range = word.originalStart..<word.originalEnd
            if word.specialID >= 0 {
                return Word(text: vocabulary[Int(word.specialID)], range: range, isSpecialToken: true)
            }
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: analysis.scalars[word.start..<word.end])
            return Word(text: String(scalars), range: range, isSpecialToken: false)
        }
    }

    /// `[CLS] text [SEP]`, the text truncated to `maxLength - 2` pieces.
    func encode(_ text: String, maxLength: Int) -> Encoding {
        var first = pieces(of: text)
        first.truncate(to: max(0, maxLength - 2))
        var encoding = Encoding()
        encoding.reserve(first.ids.count + 2)
        appendSpecial(clsID, type: 0, to: &encoding)
        append(first, type: 0, to: &encoding)
        appendSpecial(sepID, type: 0, to: &encoding)
        return encoding
    }

    /// The word pieces of `text` as an encoding, without special tokens and without truncation.
    func content(_ text: String) -> Encoding {
        let pieces = pieces(of: text)
        var encoding = Encoding()
        encoding.reserve(pieces.ids.count)
        append(pieces, type: 0, to: &encoding)
        return encoding
    }

    /// Scalars at the end of a prefix whose words are not trusted (``BoundedPrefix``): room for the longest
    /// literal special token to cross the prefix's end.
    let literalMargin: Int

    /// `[CLS] first [SEP] second [SEP]` with type ids 0 then 1, truncated `longest_first`.
    func encode(_ first: String, _ second: String, maxLength: Int) -> Encoding {
        var a = pieces(of: first)
        var b = pieces(of: second)
        let (keepA, keepB) = Self.longestFirst(a.ids.count, b.ids.count, budget: max(0, maxLength - 3))
        a.truncate(to: keepA)
        b.truncate(to: keepB)
        var encoding = Encoding()
        encoding.reserve(a.ids.count + b.ids.count + 3)
        appendSpecial(clsID, type: 0, to: &encoding)
        append(a, type: 0, to: &encoding)
        appendSpecial(sepID, type: 0, to: &encoding)
        append(b, type: 1, to: &encoding)
        appendSpecial(sepID, type: 1, to: &encoding)
        return encoding
    }

    /// How many pieces of each input survive `longest_first` truncation (the Rust `tokenizers` rule:
    /// if both must be cut, the shorter keeps `budget / 2` and the longer `budget / 2 + budget % 2`).
    static func longestFirst(_ lengthA: Int, _ lengthB: Int, budget: Int) -> (Int, Int) {
        guard lengthA + lengthB > budget else { return (lengthA, lengthB) }
        var n1 = lengthA
        var n2 = lengthB
        let swapped = n1 > n2
        if swapped { swap(&n1, &n2) }
        n2 = n1 > budget ? n1 : max(n1, budget - n1)
        if n1 + n2 > budget {
            n1 = budget / 2
            n2 = n1 + budget % 2
        }
        if swapped { swap(&n1, &n2) }
        return (min(lengthA, n1), min(lengthB, n2))
    }

    // MARK: Internals

    /// Word pieces of one input with their offsets and word indices.
    struct Pieces {
        var ids: [Int32] = []
        var offsets: [Range<Int>] = []
        var words: [Int] = []

        mutating func truncate(to count: Int) {
            guard ids.count > count else { return }
            ids.removeSubrange(count...)
            offsets.removeSubrange(count...)
            words.removeSubrange(count...)
        }
    }

    func pieces(of text: String) -> Pieces {
        let analysis = basic.run(text)
        var result = Pieces()
        result.ids.reserveCapacity(analysis.scalars.count / 3 + analysis.words.count)
        result.offsets.reserveCapacity(result.ids.capacity)
        result.words.reserveCapacity(result.ids.capacity)
        let scalars = analysis.scalars
        let sources = analysis.sources
        var pendingCount = 0
        for (wordIndex, word) in analysis.words.enumerated() {
            let wordRange = word.originalStart..<word.originalEnd
            if word.specialID >= 0 || word.end - word.start > maxInputCharsPerWord {
                result.ids.append(word.specialID >= 0 ? word.specialID : unkID)
                result.offsets.append(wordRange)
                result.words.append(wordIndex)
                continue
            }
            // Pieces are appended as they are found and taken back if the word has no segmentation.
            pendingCount = 0
            var position = word.start
            var matched = true
            while position < word.end {
                let root = position == word.start ? WordPieceTrie.wordRoot : WordPieceTrie.continuationRoot
                let match = trie.longestMatch(scalars, from: position, to: word.end, root: root)
                if match.length == 0 { matched = false; break }
                result.ids.append(match.id)
                result.offsets.append(sources[position]..<(sources[position + match.length - 1] + 1))
                result.words.append(wordIndex)
                pendingCount += 1
                position += match.length
            }
            if !matched {
                result.ids.removeLast(pendingCount)
                result.offsets.removeLast(pendingCount)
                result.words.removeLast(pendingCount)
                result.ids.append(unkID)
                result.offsets.append(wordRange)
                result.words.append(wordIndex)
            }
        }
        return result
    }

    private func appendSpecial(_ id: Int32, type: Int32, to encoding: inout Encoding) {
        encoding.append(id: id, token: vocabulary[Int(id)], typeID: type, offsets: 0..<0, word: nil, sequence: nil)
    }

    private func append(_ pieces: Pieces, type: Int32, to encoding: inout Encoding) {
        encoding.ids.append(contentsOf: pieces.ids)
        for id in pieces.ids { encoding.tokens.append(vocabulary[Int(id)]) }
        encoding.typeIDs.append(contentsOf: repeatElement(type, count: pieces.ids.count))
        encoding.offsets.append(contentsOf: pieces.offsets)
        for word in pieces.words { encoding.wordIDs.append(word) }
        encoding.sequenceIDs.append(contentsOf: repeatElement(Optional(Int(type)), count: pieces.ids.count))
    }
}
