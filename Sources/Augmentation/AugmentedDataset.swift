// AugmentedDataset: puts augmented texts into a dataset's training split — each right after the
// example it came from, with that example's label — and drops the ones that would repeat a text
// already there or leak one from dev or test (compared after whitespace normalisation). Dev and test
// stay exactly as they were, so a model trained on the result is evaluated on the same examples.
import Basics
import Datasets
import Foundation

public struct AugmentationCounts: Codable, Sendable, Equatable {
    /// Augmented texts proposed, before deduplication.
    public var proposed = 0
    public var added = 0
    /// Dropped because the text already was in train (or was proposed twice).
    public var duplicates = 0
    /// Dropped because the text is a dev or test text.
    public var leaks = 0
    /// Training examples that got no augmented text at all.
    public var examplesWithout = 0
    /// Per label: original training examples and added ones.
    public var originalPerLabel: [String: Int] = [:]
    public var addedPerLabel: [String: Int] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case proposed, added, duplicates, leaks
        case examplesWithout = "examples_without"
        case originalPerLabel = "original_per_label", addedPerLabel = "added_per_label"
    }

    /// "positive 4,270 + 12,003 · negative 4,270 + 11,870" in label order.
    public func perLabelLine(labels: [String]) -> String {
        labels.map { "\($0) \(originalPerLabel[$0] ?? 0) + \(addedPerLabel[$0] ?? 0)" }.joined(separator: " · ")
    }
}

public enum AugmentedDataset {
    /// The training split with `augmented[i]` inserted after training example i (same label), and the
    /// counts. `augmented` has one entry (possibly empty) per training example.
    public static func merge(_ dataset: DatasetSplits, augmented: [[String]]) throws -> (train: [Example], counts: AugmentationCounts) {
        guard augmented.count == dataset.train.count else {
            throw AugmentationError.data("\(augmented.count) augmentation lists for \(dataset.train.count) training examples")
        }
        var counts = AugmentationCounts()
        let heldOut = Set((dataset.dev + dataset.test).map { TextNormalizer.normalize($0.text) })
        var present = Set(dataset.train.map { TextNormalizer.normalize($0.text) })
        var train: [Example] = []
        train.reserveCapacity(dataset.train.count + augmented.reduce(0) { $0 + $1.count })
        for (example, extras) in zip(dataset.train, augmented) {
            train.append(example)
            counts.originalPerLabel[example.label, default: 0] += 1
            var added = 0
            for text in extras {
                counts.proposed += 1
                let key = TextNormalizer.normalize(text)
                if key.isEmpty { counts.duplicates += 1; continue }
                if heldOut.contains(key) { counts.leaks += 1; continue }
                guard present.insert(key).inserted else { counts.duplicates += 1; continue }
                train.append(Example(text: key, label: example.label))
                counts.addedPerLabel[example.label, default: 0] += 1
                counts.added += 1
                added += 1
            }
            if added == 0 { counts.examplesWithout += 1 }
        }
        return (train, counts)
    }

    /// The augmented dataset: `train` as training split, dev and test and labels from `dataset`, and a
    /// manifest that says how it was made.
    public static func dataset(from dataset: DatasetSplits, train: [Example], name: String, description: String,
                               counts: AugmentationCounts, robustVersion: String) -> DatasetSplits {
        var preparation = dataset.manifest.preparation
        preparation.notes.append("\(description): \(counts.added) texts added to train (\(counts.duplicates) duplicates and \(counts.leaks) dev/test texts dropped)")
        return DatasetSplits(name: name, description: description, labels: dataset.labels, train: train,
                             dev: dataset.dev, test: dataset.test, sources: dataset.manifest.sources,
                             split: dataset.manifest.split, preparation: preparation, robustVersion: robustVersion)
    }
}

public enum TrainingSubset {
    /// A seeded sample of `count` examples with each label's share kept (largest remainders decide the
    /// rounding), in input order. All of them when `count` is not smaller.
    public static func stratified(_ examples: [Example], count: Int, seed: UInt64) -> [Example] {
        guard count < examples.count, count > 0 else { return count <= 0 ? [] : examples }
        var byLabel: [String: [Int]] = [:]
        for (index, example) in examples.enumerated() { byLabel[example.label, default: []].append(index) }
        let labels = byLabel.keys.sorted()
        let exact = labels.map { Double(byLabel[$0]?.count ?? 0) * Double(count) / Double(examples.count) }
        var quota = exact.map { Int($0) }
        let byRemainder = labels.indices.sorted { (exact[$0] - Double(quota[$0]), -$0) > (exact[$1] - Double(quota[$1]), -$1) }
        for k in 0..<(count - quota.reduce(0, +)) { quota[byRemainder[k % labels.count]] += 1 }
        var random = SeededRandom(seed: SeededRandom.mix(seed, 0x5B5E7))
        var chosen: [Int] = []
        for (position, label) in labels.enumerated() {
            var indices = byLabel[label] ?? []
            for i in 0..<min(quota[position], indices.count) { indices.swapAt(i, i + random.below(indices.count - i)) }
            chosen += indices.prefix(quota[position])
        }
        return chosen.sorted().map { examples[$0] }
    }
}
