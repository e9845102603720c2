// WordDiff: a word-level diff of an original and an adversarial text, rendered with markers or ANSI colour.
import Foundation

public enum WordDiff {
    public enum Segment: Equatable, Sendable {
        /// Words both texts share.
        case same([String])
        /// Words of the original replaced by words of the adversarial text (either side may be empty).
        case changed(old: [String], new: [String])
    }

    public enum Style: Sendable {
        /// `[[old→new]]` (`[[→new]]` for an insertion, `[[old→]]` for a deletion).
        case markers
        /// The old words in red and struck through, the new ones in bold green.
        case ansi
    }

    /// The diff of two texts split on whitespace: a longest common subsequence of words, with the
    /// words outside it grouped into replacements. Very long texts (over 4 million word pairs) fall
    /// back to a position-by-position comparison.
    public static func diff(_ old: String, _ new: String) -> [Segment] {
        let a = old.split(whereSeparator: \.isWhitespace).map(String.init)
        let b = new.split(whereSeparator: \.isWhitespace).map(String.init)
        let n = a.count, m = b.count
        var pairs: [(Int, Int)] = []   // matched (i, j), in order
        if n * m > 4_000_000 {
            for i in 0..<min(n, m) where a[i] == b[i] { pairs.append((i, i)) }
        } else {
            // lengths[i][j] = LCS length of a[i...] and b[j...]
            var lengths = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
                }
            }
            var i = 0, j = 0
            while i < n && j < m {
                if a[i] == b[j] { pairs.append((i, j)); i += 1; j += 1 }
                else if lengths[i + 1][j] >= lengths[i][j + 1] { i += 1 } else { j += 1 }
            }
        }
        var segments: [Segment] = []
        func append(_ segment: Segment) {
            if case let .same(words) = segment, case let .same(previous)? = segments.last {
                segments[segments.count - 1] = .same(previous + words)
            } else {
                segments.append(segment)
            }
        }
        var i = 0, j = 0
        for (pi, pj) in pairs + [(n, m)] {
            if pi > i || pj > j { append(.changed(old: Array(a[i..<pi]), new: Array(b[j..<pj]))) }
            if pi < n && pj < m { append(.same([a[pi]])) }
            i = pi + 1
            j = pj + 1
        }
        return segments
    }

    /// The adversarial text with its changes marked (words are joined with single spaces).
    public static func render(_ segments: [Segment], style: Style) -> String {
        segments.map { segment -> String in
            switch segment {
            case let .same(words):
                return words.joined(separator: " ")
            case let .changed(old, new):
                let o = old.joined(separator: " "), w = new.joined(separator: " ")
                switch style {
                case .markers:
                    return "[[\(o)→\(w)]]"
                case .ansi:
                    let struck = o.isEmpty ? "" : "\u{1B}[9;31m\(o)\u{1B}[0m"
                    let added = w.isEmpty ? "" : "\u{1B}[1;32m\(w)\u{1B}[0m"
                    return [struck, added].filter { !$0.isEmpty }.joined(separator: " ")
                }
            }
        }.joined(separator: " ")
    }

    /// The number of original words changed (replaced or deleted; insertions count their new words).
    public static func wordsChanged(_ segments: [Segment]) -> Int {
        segments.reduce(0) { total, segment in
            if case let .changed(old, new) = segment { return total + max(old.count, new.count) }
            return total
        }
    }
}
