// WordAlignment: which words of an original text an adversarial text changed — a longest common
// subsequence of their words (split as attacks split them, `AttackedText`), the words outside it grouped
// into changed runs. A run with as many old words as new ones is read as word-for-word substitutions (what
// synonym and character attacks do); other runs are deletions and insertions.
import Attacks

public struct WordAlignment: Sendable, Equatable {
    /// A changed run: original words `old` (positions in the original) replaced by `new` (positions in the
    /// adversarial text); either may be empty.
    public struct Change: Sendable, Equatable {
        public var old: Range<Int>
        public var new: Range<Int>
    }

    public let originalWords: [String]
    public let adversarialWords: [String]
    public let changes: [Change]

    /// Texts with more word pairs than this are compared position by position (no LCS table).
    static let maxTable = 4_000_000

    public init(original: String, adversarial: String) {
        let a = AttackedText(original).words, b = AttackedText(adversarial).words
        originalWords = a
        adversarialWords = b
        let n = a.count, m = b.count
        var matched: [(Int, Int)] = []
        if n * m > Self.maxTable {
            for i in 0..<min(n, m) where a[i] == b[i] { matched.append((i, i)) }
        } else {
            // lengths[i * (m + 1) + j] = LCS length of a[i...] and b[j...]
            var lengths = [Int32](repeating: 0, count: (n + 1) * (m + 1))
            let width = m + 1
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    lengths[i * width + j] = a[i] == b[j] ? lengths[(i + 1) * width + j + 1] + 1
                        : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
                }
            }
            var i = 0, j = 0
            while i < n && j < m {
                if a[i] == b[j] {
                    matched.append((i, j))
                    i += 1
                    j += 1
                } else if lengths[(i + 1) * width + j] >= lengths[i * width + j + 1] {
                    i += 1
                } else {
                    j += 1
                }
            }
        }
        var changes: [Change] = []
        var i = 0, j = 0
        for (pi, pj) in matched + [(n, m)] {
            if pi > i || pj > j { changes.append(Change(old: i..<pi, new: j..<pj)) }
            i = pi + 1
            j = pj + 1
        }
        self.changes = changes
    }

    /// Word-for-word substitutions (original position, adversarial position): the changed runs with as
    /// many new words as old ones, paired in order.
    public var substitutions: [(original: Int, adversarial: Int)] {
        changes.filter { $0.old.count == $0.new.count }.flatMap { change in
            zip(change.old, change.new).map { (original: $0, adversarial: $1) }
        }
    }

    /// Original words changed or deleted (positions in the original).
    public var changedOriginal: [Int] { changes.flatMap { Array($0.old) } }
    /// Adversarial words that replace or add to the original (positions in the adversarial text).
    public var changedAdversarial: [Int] { changes.flatMap { Array($0.new) } }

    /// Words changed, as the results store counts them: the longer side of each changed run.
    public var wordsChanged: Int { changes.reduce(0) { $0 + max($1.old.count, $1.new.count) } }
}
