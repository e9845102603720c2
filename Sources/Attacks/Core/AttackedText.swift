// AttackedText: a text split into words and the separators between them, so that a transformation can
// change one word and the rest of the text (punctuation, spacing) stays exactly as it was.
//
// Words: a word starts at a letter or digit (any script, so homoglyphs stay inside their word) and goes
// on over letters, digits and the connectors ' ’ - _ when a letter or digit follows them ("don't",
// "parka-wrapped" are one word; "films'" is "films" followed by a separator). This is TextAttack's
// `words_from_text`, except that a connector must be inside the word.
//
// Bookkeeping for constraints and metrics: every word remembers the original word it stands for
// (`origins`, -1 for an inserted word) and whether it was changed (`changed`: replaced, inserted or
// moved); deleted original words are counted in `deletions`. `wordsChanged` is what the results store
// records: changed words plus deletions.
//
// Equality and hashing use the text only: two candidates with the same text are the same query.
public struct AttackedText: Hashable, Sendable, CustomStringConvertible {
    public private(set) var words: [String]
    /// Separators: `gaps[0]` before the first word, `gaps[i + 1]` after word i (words.count + 1 of them).
    public private(set) var gaps: [String]
    /// For each word, the index of the original word it stands for (-1 for an inserted word).
    public private(set) var origins: [Int]
    /// Whether each word was changed (replaced, inserted or moved) relative to the original.
    public private(set) var changed: [Bool]
    /// How many original words were deleted.
    public private(set) var deletions: Int
    /// The whole text (kept up to date by every edit).
    public private(set) var text: String
    /// The positions (in this text) that the last edit changed; a window for similarity is centred there.
    public private(set) var lastChanged: [Int]

    /// Splits `text` into words and separators (see the file header).
    public init(_ text: String) {
        var words: [String] = []
        var gaps: [String] = []
        let scalars = text.unicodeScalars
        var gapStart = scalars.startIndex
        var index = scalars.startIndex
        while index < scalars.endIndex {
            guard AttackedText.isWordScalar(scalars[index]) else {
                index = scalars.index(after: index)
                continue
            }
            let start = index
            var end = scalars.index(after: index)
            while end < scalars.endIndex {
                let scalar = scalars[end]
                if AttackedText.isWordScalar(scalar) {
                    end = scalars.index(after: end)
                } else if AttackedText.isConnector(scalar) {
                    let next = scalars.index(after: end)
                    if next < scalars.endIndex && AttackedText.isWordScalar(scalars[next]) {
                        end = scalars.index(after: next)
                    } else {
                        break
                    }
                } else {
                    break
                }
            }
            gaps.append(String(scalars[gapStart..<start]))
            words.append(String(scalars[start..<end]))
            gapStart = end
            index = end
        }
        gaps.append(String(scalars[gapStart..<scalars.endIndex]))
        self.words = words
        self.gaps = gaps
        origins = Array(words.indices)
        changed = Array(repeating: false, count: words.count)
        deletions = 0
        self.text = text
        lastChanged = []
    }

    @inline(__always)
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 {
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39)
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    @inline(__always)
    static func isConnector(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "'" || scalar == "\u{2019}" || scalar == "-" || scalar == "_"
    }

    public var description: String { text }
    public var count: Int { words.count }

    /// Changed words plus deleted words (what the results store calls `words_changed`).
    public var wordsChanged: Int { changed.reduce(0) { $0 + ($1 ? 1 : 0) } + deletions }

    public static func == (lhs: AttackedText, rhs: AttackedText) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    // MARK: Edits (each returns a new text and records what it changed)

    /// The text with word `index` replaced by `word` (marked changed).
    public func replacingWord(at index: Int, with word: String) -> AttackedText {
        var copy = self
        copy.words[index] = word
        copy.changed[index] = true
        copy.lastChanged = [index]
        copy.rebuild()
        return copy
    }

    /// The text with word `index` replaced by `word` for probing (ranking by [UNK]), leaving the
    /// bookkeeping as it was.
    public func probing(at index: Int, with word: String) -> AttackedText {
        var copy = self
        copy.words[index] = word
        copy.lastChanged = [index]
        copy.rebuild()
        return copy
    }

    /// The text without word `index`. The separators on its two sides become one: a side that is only
    /// whitespace gives way to the other ("good, dull movie" → "good, movie"; "dull movie." → "dull.");
    /// two sides with punctuation are joined.
    public func deletingWord(at index: Int) -> AttackedText {
        var copy = self
        let before = gaps[index], after = gaps[index + 1]
        let merged: String
        if after.allSatisfy(\.isWhitespace) {
            merged = index == words.count - 1 ? after : before
        } else if before.allSatisfy(\.isWhitespace) {
            merged = index == 0 ? String(after.drop(while: \.isWhitespace)) : after
        } else {
            merged = AttackedText.collapsingWhitespace(before + after)
        }
        copy.words.remove(at: index)
        copy.gaps.replaceSubrange(index...(index + 1), with: [merged])
        if copy.origins[index] >= 0 { copy.deletions += 1 }
        copy.origins.remove(at: index)
        copy.changed.remove(at: index)
        copy.lastChanged = [min(index, max(copy.words.count - 1, 0))]
        copy.rebuild()
        return copy
    }

    /// The text with `word` inserted before word `position` (`position == count` appends it after the
    /// last word, before the final separator), separated by one space.
    public func insertingWord(_ word: String, at position: Int) -> AttackedText {
        var copy = self
        copy.words.insert(word, at: position)
        copy.gaps.insert(" ", at: position == words.count ? position : position + 1)
        copy.origins.insert(-1, at: position)
        copy.changed.insert(true, at: position)
        copy.lastChanged = [position]
        copy.rebuild()
        return copy
    }

    /// The text with words `i` and `j` exchanged (both marked changed).
    public func swappingWords(_ i: Int, _ j: Int) -> AttackedText {
        var copy = self
        copy.words.swapAt(i, j)
        copy.origins.swapAt(i, j)
        copy.changed[i] = true
        copy.changed[j] = true
        copy.lastChanged = [min(i, j), max(i, j)]
        copy.rebuild()
        return copy
    }

    // MARK: Views

    /// Up to `size` words around `index`, joined by single spaces (TextAttack's
    /// `text_window_around_index`): the window is centred on `index` and shifted inward at the ends.
    public func window(around index: Int, size: Int) -> String {
        guard !words.isEmpty else { return "" }
        let size = max(1, size)
        let half = (size - 1) / 2
        let start: Int, end: Int
        if index - half < 0 {
            start = 0
            end = min(size, words.count)
        } else if index + half >= words.count {
            start = max(0, words.count - size)
            end = words.count
        } else {
            start = index - half
            end = min(words.count, start + size)
        }
        return words[start..<end].joined(separator: " ")
    }

    /// Unicode-scalar offsets of every word in `text` (the offsets the tokenizer's encodings use).
    public func scalarRanges() -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(words.count)
        var offset = 0
        for i in words.indices {
            offset += gaps[i].unicodeScalars.count
            let length = words[i].unicodeScalars.count
            ranges.append(offset..<(offset + length))
            offset += length
        }
        return ranges
    }

    private mutating func rebuild() {
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for i in words.indices {
            out += gaps[i]
            out += words[i]
        }
        out += gaps[words.count]
        text = out
    }

    static func collapsingWhitespace(_ s: String) -> String {
        var out = ""
        var previousSpace = false
        for ch in s {
            if ch.isWhitespace {
                if !previousSpace { out.append(" ") }
                previousSpace = true
            } else {
                out.append(ch)
                previousSpace = false
            }
        }
        return out
    }
}
