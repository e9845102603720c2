// ExampleSelection: which examples of a dataset `robust eval`, `attack` and `retrain` work on — a split
// (or all of them), minus the first `offset`, then the first N or a seeded sample of N — and the
// seeded sampling it uses. The command line's `--split`, `--limit`/`--num-examples`, `--sample` and
// `--num-examples-offset` only build one of these.
import Basics
import Foundation

public struct ExampleSelection: Sendable, Equatable {
    /// The `split` that takes every split of a dataset, train + dev + test in that order; a user file
    /// given with it is read whole, unsplit (see `readsFilesWhole`).
    public static let all = "all"
    /// Valid values of `split`.
    public static let splitChoices = DatasetManifest.splitNames + [all]

    /// "train", "dev", "test" or "all".
    public var split: String
    /// The first N examples (after `offset`): `--limit`, or TextAttack's `--num-examples`.
    public var limit: Int?
    /// A seeded random sample of N examples (after `offset`), kept in split order.
    public var sample: Int?
    /// Examples skipped at the start of the split before `limit` or `sample` apply: TextAttack's
    /// `--num-examples-offset`.
    public var offset: Int

    public init(split: String = "test", limit: Int? = nil, sample: Int? = nil, offset: Int = 0) {
        self.split = split
        self.limit = limit
        self.sample = sample
        self.offset = offset
    }

    /// True for `--split all`: a user file is then taken as it is, every usable row in file order,
    /// without carving dev and test out of it (`DatasetSplits.resolve(splitFile: false)`).
    public var readsFilesWhole: Bool { split == Self.all }

    /// Checks the values on their own (the split size is checked by `examples(of:seed:)`).
    public func validate() throws {
        guard Self.splitChoices.contains(split) else {
            throw DatasetError(.invalidArgument, "--split must be train, dev, test or all, not \"\(split)\"")
        }
        if let limit, limit < 1 {
            throw DatasetError(.invalidArgument, "--limit (--num-examples) must be positive, not \(limit)"
                               + (limit == -1 ? " (TextAttack's -1, the whole split, is the default here: leave it out)" : ""))
        }
        if let sample, sample < 1 { throw DatasetError(.invalidArgument, "--sample must be positive, not \(sample)") }
        guard offset >= 0 else { throw DatasetError(.invalidArgument, "--num-examples-offset must be 0 or more, not \(offset)") }
        if limit != nil && sample != nil {
            throw DatasetError(.invalidArgument, "give --limit (--num-examples) or --sample, not both")
        }
    }

    /// The selected examples, in split order (for "all": train, then dev, then test). An empty split,
    /// or an offset that leaves nothing, is an error naming the split and its size.
    public func examples(of dataset: DatasetSplits, seed: UInt64) throws -> [Example] {
        try validate()
        let pool: [Example]
        let what: String
        if split == Self.all {
            pool = dataset.train + dataset.dev + dataset.test
            what = "\(dataset.name) (all splits)"
        } else {
            guard let examples = dataset.examples(split) else {
                throw DatasetError(.invalidArgument, "dataset \(dataset.name) has no \(split) split")
            }
            pool = examples
            what = "the \(split) split of \(dataset.name)"
        }
        guard !pool.isEmpty else { throw DatasetError(.noUsableRows, "\(what) is empty") }
        guard offset < pool.count else {
            throw DatasetError(.invalidArgument,
                               "--num-examples-offset \(offset) is past the end of \(what), which has \(pool.count) example\(pool.count == 1 ? "" : "s")")
        }
        var examples = offset == 0 ? pool : Array(pool[offset...])
        if let limit { examples = Array(examples.prefix(limit)) }
        if let sample { examples = Sampling.sample(examples, count: sample, seed: seed) }
        return examples
    }
}

/// `--sample N`: a seeded random subset of a split, in the split's order. A split is often sorted by
/// label (mr's test split lists its positive reviews first), so the first N examples (`--limit`) can be
/// one class only. The draw is pinned (tests): the same items, count and seed give the same sample.
public enum Sampling {
    public static func sample<T>(_ items: [T], count: Int, seed: UInt64) -> [T] {
        guard count < items.count else { return items }
        var order = Array(items.indices)
        var random = SeededRandom(seed: SeededRandom.mix(seed, 0x5A4D_504C))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        return order.prefix(count).sorted().map { items[$0] }
    }
}
