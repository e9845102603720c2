// DidYouMean: the one "did you mean" helper: the known name closest to a typo, by edit distance.
import Foundation

public enum DidYouMean {
    /// The closest of `options` to `word` when it is a plausible typo: edit distance (case-insensitive)
    /// at most `maxDistance`, and less than half the word's length. Ties go to the earlier option.
    public static func closest(to word: String, in options: [String], maxDistance: Int = 2) -> String? {
        let target = Array(word.lowercased())
        var best: (String, Int)?
        for option in options {
            let d = distance(target, Array(option.lowercased()))
            guard d <= maxDistance && d * 2 < max(target.count, 2) else { continue }
            if let current = best, current.1 <= d { continue }
            best = (option, d)
        }
        return best?.0
    }

    /// " (did you mean 'x'?)" or "".
    public static func hint(for word: String, in options: [String], maxDistance: Int = 2) -> String {
        closest(to: word, in: options, maxDistance: maxDistance).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Levenshtein distance between two sequences.
    public static func distance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
