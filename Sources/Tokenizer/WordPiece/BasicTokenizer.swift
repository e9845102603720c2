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

    /// `specials` are matched in the raw text; a content given twice keeps its first id.
    init(lowercase: Bool, stripAccents: Bool, tokenizeChineseChars: Bool, specials: [(String, Int32)]) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.tokenizeChineseChars = tokenizeChineseChars
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
        var marks = MarkRun()
        let count = input.count
        var i = 0
        while i < count {
            let scalar = input[i]
            let v = scalar.value
            if !specials.isEmpty, let (length, id) = matchSpecial(input, at: i) {
                // A special token ends a segment: HF normalises each segment on its own.
                flush(&marks, into: &out)
                marks.lastFirstSource = -1
                out.closeWord()
                out.words.append(Word(start: out.scalars.count, end: out.scalars.count, specialID: id,
                                      originalStart: i, originalEnd: i + length))
                i += length
                continue
            }
            if v < 0x80 {
                // ASCII fast path: no decomposition, simple lowercasing; every ASCII scalar is a starter.
                if v <= 0x20 || v == 0x7F {
                    if v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D {
                        flush(&marks, into: &out)
                        marks.lastFirstSource = i
                        out.closeWord()
                    }
                    // other C0 controls and DEL are removed without splitting the word
                    i += 1
                    continue
                }
                flush(&marks, into: &out)
                marks.lastFirstSource = i
                if UnicodeClasses.isASCIIPunctuation(v) {
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
                // Removed before NFD, so it does not end a run of combining marks.
                i += 1
                continue
            }
            if UnicodeClasses.isWhitespace(scalar) {
                flush(&marks, into: &out)
                marks.lastFirstSource = i
                out.closeWord()
                i += 1
                continue
            }
            let isolate = tokenizeChineseChars && UnicodeClasses.isChinese(v)
            if isolate {
                flush(&marks, into: &out)   // a CJK ideograph is a starter: it ends the run before its word starts
                out.closeWord()
            }
            normalize(scalar, from: i, into: &out, scratch: &scratch, marks: &marks)
            if isolate { out.closeWord() }
            i += 1
        }
        flush(&marks, into: &out)
        out.closeWord()
        return out
    }

    /// The combining marks (canonical combining class ≠ 0) decomposed since the last starter, waiting for NFD's
    /// canonical ordering. HF's NFD keeps alignments by position: after the marks are sorted, the n-th replacing
    /// scalar of the run takes the n-th original scalar's offset and an inserted part (not the first part of its
    /// decomposition) the offset before it, so a mark that moves takes the offset of the scalar that was there.
    struct MarkRun {
        var entries: [(scalar: Unicode.Scalar, combiningClass: UInt8, isFirstPart: Bool, source: Int)] = []
        /// The source of the last first part before the run (-1 at the start of a segment).
        var lastFirstSource = -1
        /// The source of the last first part before `entries[0]`.
        var base = -1
        var firstSources: [Int] = []
    }

    /// Canonically orders the pending marks, aligns them as HF does, drops non-spacing marks, lowercases and emits.
    @inline(__always)
    private func flush(_ marks: inout MarkRun, into out: inout Output) {
        guard !marks.entries.isEmpty else { return }
        marks.firstSources.removeAll(keepingCapacity: true)
        for entry in marks.entries where entry.isFirstPart { marks.firstSources.append(entry.source) }
        // Stable insertion sort by combining class (runs are a few marks long).
        var e = marks.entries
        for k in 1..<max(1, e.count) {
            let item = e[k]
            var j = k
            while j > 0, e[j - 1].combiningClass > item.combiningClass { e[j] = e[j - 1]; j -= 1 }
            e[j] = item
        }
        var next = 0
        var last = marks.base
        for entry in e {
            let source: Int
            if entry.isFirstPart, next < marks.firstSources.count {
                source = marks.firstSources[next]
                next += 1
                last = source
            } else {
                source = last >= 0 ? last : entry.source
            }
            if !UnicodeClasses.isNonspacingMark(entry.scalar) { lowercaseAndEmit(entry.scalar, from: source, into: &out) }
        }
        marks.entries.removeAll(keepingCapacity: true)
    }

    /// NFD (decomposition now, canonical ordering through ``MarkRun``) + drop non-spacing marks, when stripping
    /// accents; then lowercase, then emit.
    @inline(__always)
    private func normalize(_ scalar: Unicode.Scalar, from source: Int, into out: inout Output,
                           scratch: inout [Unicode.Scalar], marks: inout MarkRun) {
        guard stripAccents else { lowercaseAndEmit(scalar, from: source, into: &out); return }
        scratch.removeAll(keepingCapacity: true)
        UnicodeClasses.decompose(scalar, into: &scratch)
        for (index, part) in scratch.enumerated() {
            let combiningClass = UnicodeNormalization.combiningClass(part)
            if combiningClass == 0 {
                flush(&marks, into: &out)
                marks.lastFirstSource = source
                if !UnicodeClasses.isNonspacingMark(part) { lowercaseAndEmit(part, from: source, into: &out) }
            } else {
                if marks.entries.isEmpty { marks.base = marks.lastFirstSource }
                marks.entries.append((part, combiningClass, index == 0, source))
            }
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
