// LabelWords: words so tied to one label in the training data that changing them likely changes the
// true label ("great" in positive reviews), and the check that no changed word is one of them.
import Attacks
import Foundation

/// How strongly each word of a labelled corpus goes with each label: in how many texts of each label it
/// occurs (a word counts once per text, lowercased, split as attacks split words).
public struct LabelWordTable: Sendable {
    public let labels: [String]
    /// Texts per label.
    public let labelCounts: [Int]
    /// For each word, the number of texts of each label (in `labels` order) that contain it.
    let counts: [String: [Int]]
    /// Where the table came from (for the stored audit configuration).
    public let source: String

    public init(examples: [(text: String, label: String)], source: String) {
        let labels = Array(Set(examples.map(\.label))).sorted()
        let position = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var labelCounts = [Int](repeating: 0, count: labels.count)
        var counts: [String: [Int]] = [:]
        for example in examples {
            guard let label = position[example.label] else { continue }
            labelCounts[label] += 1
            for word in Set(AttackedText(example.text).words.map { $0.lowercased() }) {
                counts[word, default: [Int](repeating: 0, count: labels.count)][label] += 1
            }
        }
        self.labels = labels
        self.labelCounts = labelCounts
        self.counts = counts
        self.source = source
    }

    /// A list given by hand: each word counts as a word of its label with share 1.
    public init(words: [(word: String, label: String)], source: String) {
        let labels = Array(Set(words.map(\.label))).sorted()
        let position = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var counts: [String: [Int]] = [:]
        for (word, label) in words {
            guard let label = position[label] else { continue }
            counts[word.lowercased(), default: [Int](repeating: 0, count: labels.count)][label] = Int(Int32.max)
        }
        self.labels = labels
        labelCounts = [Int](repeating: 1, count: labels.count)
        self.counts = counts
        self.source = source
    }

    /// The texts containing `word`.
    public func count(of word: String) -> Int { counts[word.lowercased()]?.reduce(0, +) ?? 0 }

    /// The share of the texts containing `word` that have `label`, smoothed toward the label's prior
    /// share by one pseudo-text: (n(word, label) + p(label)) / (n(word) + 1). Nil for an unknown label.
    public func share(of word: String, label: String) -> Double? {
        guard let index = labels.firstIndex(of: label) else { return nil }
        let total = labelCounts.reduce(0, +)
        let prior = total > 0 ? Double(labelCounts[index]) / Double(total) : 0
        guard let row = counts[word.lowercased()] else { return prior }
        let n = Double(row.reduce(0, +))
        return (Double(row[index]) + prior) / (n + 1)
    }

    /// Pointwise mutual information of `word` and `label`: log(share / prior).
    public func pmi(of word: String, label: String) -> Double? {
        guard let share = share(of: word, label: label), let index = labels.firstIndex(of: label) else { return nil }
        let total = labelCounts.reduce(0, +)
        guard total > 0, labelCounts[index] > 0 else { return nil }
        return log(share / (Double(labelCounts[index]) / Double(total)))
    }

    /// The highest-PMI words of each label among words in at least `minCount` texts (for listings).
    public func topWords(label: String, minCount: Int, limit: Int) -> [(word: String, share: Double, count: Int)] {
        counts.keys.filter { count(of: $0) >= minCount }
            .compactMap { word -> (word: String, share: Double, count: Int)? in
                guard let share = share(of: word, label: label) else { return nil }
                return (word: word, share: share, count: count(of: word))
            }
            .sorted { ($0.share, $0.count, $1.word) > ($1.share, $1.count, $0.word) }
            .prefix(limit).map { $0 }
    }
}

/// No changed word is a label word: a replaced or deleted word whose texts in the training data are
/// mostly of the gold label, or a new word whose texts are mostly of another label (share ≥ `max_share`,
/// among words in at least `min_count` texts). Value: the highest such share among the changed words.
///
/// With `words` (a list given in the audit recipe, `LABEL:word` entries), those are the label words, whatever
/// the training data: a changed word on the list counts with share 1.
public struct LabelWordChange: ValidityCheck {
    public let maxShare: Double
    public let minCount: Int
    /// The label words given by hand, or nil to use the training data's.
    public let list: LabelWordTable?
    public init(maxShare: Double, minCount: Int, list: LabelWordTable? = nil) {
        self.maxShare = maxShare
        self.minCount = list == nil ? max(1, minCount) : 1
        self.list = list
    }

    /// The table of a recipe's `words: [LABEL:word, …]`; a malformed entry throws a one-line error.
    public static func list(_ entries: [String]) throws -> LabelWordTable {
        var words: [(word: String, label: String)] = []
        for entry in entries {
            guard let colon = entry.lastIndex(of: ":"), colon != entry.startIndex, entry.index(after: colon) != entry.endIndex else {
                throw AttackError.recipe("label word '\(entry)' must be LABEL:word (for example pos:great)")
            }
            words.append((String(entry[entry.index(after: colon)...]), String(entry[..<colon])))
        }
        return LabelWordTable(words: words, source: "the audit recipe's list (\(words.count) words)")
    }

    public var name: String { "label-words" }
    public var settings: [String: String] {
        var settings = ["max_share": "\(maxShare)", "min_count": "\(minCount)"]
        if let list { settings["words"] = list.source }
        return settings
    }
    public var needs: AuditNeeds { list == nil ? .labelWords : [] }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        guard let table = list ?? context.labelWords else { throw AuditError.missing("the label words of the training data") }
        var highest = 0.0
        var worst: String?
        func consider(_ word: String, labels: [String], removed: Bool) {
            let n = table.count(of: word)
            guard n >= minCount else { return }
            for label in labels {
                guard let share = table.share(of: word, label: label), share > highest else { continue }
                highest = share
                worst = "\(removed ? "removed" : "added") \(word) (\(label) \(String(format: "%.2f", share)), \(n) texts)"
            }
        }
        let alignment = pair.alignment
        for position in alignment.changedOriginal {
            consider(alignment.originalWords[position], labels: [pair.gold], removed: true)
        }
        let others = table.labels.filter { $0 != pair.gold }
        for position in alignment.changedAdversarial {
            consider(alignment.adversarialWords[position], labels: others, removed: false)
        }
        let passed = highest < maxShare
        return CheckResult(check: name, value: highest, passed: passed, detail: passed ? nil : worst)
    }
}
