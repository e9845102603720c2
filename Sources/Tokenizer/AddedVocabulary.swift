// AddedVocabulary: tokenizer.json's `added_tokens` (special and not), cut out of the text before normalisation
// (or, for `normalized` ones, out of each normalised piece) exactly as HF `AddedVocabulary::extract_and_normalize`.

/// One added token (HF `AddedToken` with its id).
struct AddedToken: Sendable, Equatable {
    var id: Int32
    var content: String
    var special: Bool
    var singleWord = false
    var lstrip = false
    var rstrip = false
    var normalized = false
}

struct AddedVocabulary: Sendable {
    let tokens: [AddedToken]
    private let raw: Matcher
    private let normalizedMatcher: Matcher

    /// Matches the contents of some tokens: leftmost, then longest (HF's Aho-Corasick `LeftmostLongest`).
    private struct Matcher: Sendable {
        /// First scalar → (content, token index), longest first.
        var byFirst: [UInt32: [([Unicode.Scalar], Int)]] = [:] {
            didSet {
                asciiFirst = (0, 0)
                nonASCIIFirst = false
                for v in byFirst.keys {
                    if v < 64 { asciiFirst.0 |= 1 << UInt64(v) } else if v < 128 { asciiFirst.1 |= 1 << UInt64(v - 64) } else { nonASCIIFirst = true }
                }
            }
        }
        /// Which ASCII scalars start a content (bits 0–63, 64–127), and whether any content starts above ASCII: most
        /// scalars are ruled out without a dictionary lookup.
        private var asciiFirst: (UInt64, UInt64) = (0, 0)
        private var nonASCIIFirst = false
        var isEmpty: Bool { byFirst.isEmpty }

        @inline(__always)
        private func mayStart(_ v: UInt32) -> Bool {
            if v < 64 { return asciiFirst.0 >> UInt64(v) & 1 == 1 }
            if v < 128 { return asciiFirst.1 >> UInt64(v - 64) & 1 == 1 }
            return nonASCIIFirst
        }

        /// The next match at or after `from`: (range, token index).
        func next(in s: [Unicode.Scalar], from: Int) -> (Range<Int>, Int)? {
            guard !byFirst.isEmpty else { return nil }
            var i = from
            while i < s.count {
                if mayStart(s[i].value), let candidates = byFirst[s[i].value] {
                    for (content, index) in candidates where i + content.count <= s.count {
                        if s[i..<(i + content.count)].elementsEqual(content) { return (i..<(i + content.count), index) }
                    }
                }
                i += 1
            }
            return nil
        }
    }

    /// `normalizer` gives the normalised content of `normalized` tokens.
    init(_ tokens: [AddedToken], normalizer: (any Normalizer)?) {
        self.tokens = tokens
        var raw = Matcher(), normalized = Matcher()
        // A content that appears twice keeps its last entry (HF keys the map by content).
        var seen = Set<TokenKey>()
        for (index, token) in tokens.enumerated().reversed() where !token.content.isEmpty && seen.insert(TokenKey(token.content)).inserted {
            var content = Array(token.content.unicodeScalars)
            if token.normalized, let normalizer {
                var text = NormalizedText(content)
                normalizer.normalize(&text)
                content = text.scalars
            }
            guard let first = content.first else { continue }
            if token.normalized {
                normalized.byFirst[first.value, default: []].append((content, index))
            } else {
                raw.byFirst[first.value, default: []].append((content, index))
            }
        }
        for key in raw.byFirst.keys { raw.byFirst[key]?.sort { $0.0.count > $1.0.count } }
        for key in normalized.byFirst.keys { normalized.byFirst[key]?.sort { $0.0.count > $1.0.count } }
        self.raw = raw
        normalizedMatcher = normalized
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// The input cut into added tokens and normalised pieces.
    func extractAndNormalize(_ input: [Unicode.Scalar], normalizer: (any Normalizer)?) -> [TextPiece] {
        var pieces = split(NormalizedText(input), with: raw)
        pieces.split { text in
            var text = text
            normalizer?.normalize(&text)
            return [text]
        }
        if !normalizedMatcher.isEmpty {
            var result: [TextPiece] = []
            for piece in pieces {
                if piece.addedToken != nil { result.append(piece) } else { result += split(piece.text, with: normalizedMatcher) }
            }
            pieces = result
        }
        return pieces.filter { !$0.text.isEmpty }
    }

    /// HF `find_matches` + `split_with_indices`.
    private func split(_ text: NormalizedText, with matcher: Matcher) -> [TextPiece] {
        let s = text.scalars
        guard !matcher.isEmpty, !s.isEmpty else { return [TextPiece(text: text, addedToken: nil)] }
        var pieces: [TextPiece] = []
        var startOffset = 0
        var searchFrom = 0
        while let (range, index) = matcher.next(in: s, from: searchFrom) {
            searchFrom = range.upperBound
            let token = tokens[index]
            var start = range.lowerBound
            var stop = range.upperBound
            if token.singleWord {
                let startSpace = start == 0 || !UnicodeClasses.isWordCharacter(s[start - 1])
                let stopSpace = stop == s.count || !UnicodeClasses.isWordCharacter(s[stop])
                guard startSpace && stopSpace else { continue }
            }
            if token.lstrip {
                var newStart = start
                while newStart > 0, UnicodeClasses.isWhitespace(s[newStart - 1]) { newStart -= 1 }
                start = max(newStart, startOffset)
            }
            if token.rstrip {
                while stop < s.count, UnicodeClasses.isWhitespace(s[stop]) { stop += 1 }
            }
            if startOffset < start { pieces.append(TextPiece(text: text.slice(startOffset..<start), addedToken: nil)) }
            pieces.append(TextPiece(text: text.slice(start..<stop), addedToken: token))
            startOffset = stop
        }
        if startOffset < s.count { pieces.append(TextPiece(text: text.slice(startOffset..<s.count), addedToken: nil)) }
        return pieces
    }
}
