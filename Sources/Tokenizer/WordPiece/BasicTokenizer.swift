// BasicTokenizer: HF BertNormalizer + BertPreTokenizer + literal special-token splitting, keeping offsets.

/// Splits text into normalised words, remembering where each normalised scalar came from.
///
/// The steps follow Hugging Face `tokenizers` (`BertTokenizerFast`):
/// 1. literal special tokens (`[CLS]`, `[MASK]`, …) are cut out of the *raw* text first
///    (leftmost, longest match, case-sensitive), each becoming a word of its own;
/// 2. each remaining segment is cleaned (NUL, U+FFFD and control/format characters removed
///    without splitting the word; whitespace becomes a word boundary), CJK ideographs are isolated,
///    accents are stripped (NFD, drop Mn) and the text lowercased;
/// 3. words are split on whitespace and every punctuation character becomes a word of its own.
struct BasicTokenizer: Sendable {
    let lowercase: Bool
    let stripAccents: Bool
    let tokenizeChineseChars: Bool
    /// Literal special tokens as scalar values with their ids, longest first.
    let specials: [(scalars: [UInt32], id: Int32)]

    init(options: TokenizerOptions, specials: [(String, Int32)]) {
        lowercase = options.lowercase
        stripAccents = options.effectiveStripAccents
        tokenizeChineseChars = options.tokenizeChineseChars
        var list: [(scalars: [UInt32], id: Int32)] = []
        for (text, id) in specials where !text.isEmpty {
            let scalars = text.unicodeScalars.map(\.value)
            if !list.contains(where: { $0.scalars == scalars }) { list.append((scalars, id)) }
        }
        self.specials = list.sorted { $0.scalars.count > $1.scalars.count }
    }

    /// One word of the basic tokenizer.
    struct Word {
        /// Its normalised scalars are `Output.scalars[start..<end]` (empty for a special token).
        var start: Int
        var end: Int
        /// The id of the literal special token, or -1 for an ordinary word.
        var specialID: Int32
        /// Unicode-scalar offsets of the word in the original text.
        var originalStart: Int
        var originalEnd: Int
    }

    struct Output {
        /// Normalised scalars of all words, concatenated.
        var scalars: [Unicode.Scalar] = []
        /// For each normalised scalar, the offset of the original scalar that produced it.
        var sources: [Int] = []
        var words: [Word] = []
        fileprivate var wordStart = 0

        @inline(__always)
        fileprivate mutating func closeWord() {
            let end = scalars.count
            if end > wordStart {
                words.append(Word(start: wordStart, end: end, specialID: -1,
                                  originalStart: sources[wordStart], originalEnd: sources[end - 1] + 1))
            }
            wordStart = end
        }

        @inline(__always)
        fileprivate mutating func append(_ scalar: Unicode.Scalar, from source: Int) {
            scalars.append(scalar)
            sources.append(source)
        }

        /// Appends a fully normalised scalar, applying the pre-tokenizer's whitespace and punctuation rules.
        @inline(__always)
        fileprivate mutating func emit(_ scalar: Unicode.Scalar, from source: Int) {
            if UnicodeClasses.isPunctuation(scalar) {
                closeWord()
                append(scalar, from: source)
                closeWord()
            } else if UnicodeClasses.isWhitespace(scalar) {
                closeWord()
            } else {
                append(scalar, from: source)
            }
        }
    }

    func run(_ text: String) -> Output {
        let input = Array(text.unicodeScalars)
        var out = Output()
        out.scalars.reserveCapacity(input.count)
        out.sources.reserveCapacity(input.count)
        var scratch: [Unicode.Scalar] = []
        let count = input.count
        var i = 0
        while i < count {
            let scalar = input[i]
            let v = scalar.value
            if !specials.isEmpty, let (length, id) = matchSpecial(input, at: i) {
                out.closeWord()
                out.words.append(Word(start: out.scalars.count, end: out.scalars.count, specialID: id,
                                      originalStart: i, originalEnd: i + length))
                i += length
                continue
            }
            if v < 0x80 {
                // ASCII fast path: no decomposition, simple lowercasing.
                if v <= 0x20 || v == 0x7F {
                    if v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D { out.closeWord() }
                    // other C0 controls and DEL are removed without splitting the word
                } else if UnicodeClasses.isASCIIPunctuation(v) {
                    out.closeWord()
                    out.append(scalar, from: i)
                    out.closeWord()
                } else if lowercase, v >= 0x41, v <= 0x5A, let lower = Unicode.Scalar(v + 32) {
                    out.append(lower, from: i)
                } else {
                    out.append(scalar, from: i)
                }
                i += 1
                continue
            }
            if v == 0xFFFD || UnicodeClasses.isControl(scalar) {
                i += 1
                continue
            }
            if UnicodeClasses.isWhitespace(scalar) {
                out.closeWord()
                i += 1
                continue
            }
            let isolate = tokenizeChineseChars && UnicodeClasses.isChinese(v)
            if isolate { out.closeWord() }
            normalize(scalar, from: i, into: &out, scratch: &scratch)
            if isolate { out.closeWord() }
            i += 1
        }
        out.closeWord()
        return out
    }

    /// NFD + drop non-spacing marks (when stripping accents), then lowercase, then emit.
    @inline(__always)
    private func normalize(_ scalar: Unicode.Scalar, from source: Int, into out: inout Output,
                           scratch: inout [Unicode.Scalar]) {
        if stripAccents {
            scratch.removeAll(keepingCapacity: true)
            UnicodeClasses.decompose(scalar, into: &scratch)
            for part in scratch where !UnicodeClasses.isNonspacingMark(part) {
                lowercaseAndEmit(part, from: source, into: &out)
            }
        } else {
            lowercaseAndEmit(scalar, from: source, into: &out)
        }
    }

    @inline(__always)
    private func lowercaseAndEmit(_ scalar: Unicode.Scalar, from source: Int, into out: inout Output) {
        guard lowercase else { out.emit(scalar, from: source); return }
        let v = scalar.value
        if v < 0x80 {
            if v >= 0x41, v <= 0x5A, let lower = Unicode.Scalar(v + 32) {
                out.emit(lower, from: source)
            } else {
                out.emit(scalar, from: source)
            }
            return
        }
        let properties = scalar.properties
        if properties.changesWhenLowercased {
            // Full per-scalar mapping (Rust `char::to_lowercase`): no context, so Σ → σ always.
            for lower in properties.lowercaseMapping.unicodeScalars { out.emit(lower, from: source) }
        } else {
            out.emit(scalar, from: source)
        }
    }

    /// The longest literal special token starting at `index`, if any.
    @inline(__always)
    private func matchSpecial(_ input: [Unicode.Scalar], at index: Int) -> (Int, Int32)? {
        let first = input[index].value
        for special in specials where special.scalars[0] == first {
            let length = special.scalars.count
            guard index + length <= input.count else { continue }
            var k = 1
            while k < length, input[index + k].value == special.scalars[k] { k += 1 }
            if k == length { return (length, special.id) }
        }
        return nil
    }
}
