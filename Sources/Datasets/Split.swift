// Split: seeded, stratified train/dev/test splits that do not depend on the platform's RNG.
import Basics
import Foundation

/// Split fractions; they must be non-negative and sum to 1.
public struct SplitRatios: Sendable, Equatable, Codable {
    public var train: Double
    public var dev: Double
    public var test: Double
    public init(train: Double, dev: Double, test: Double) {
        self.train = train
        self.dev = dev
        self.test = test
    }
    public static let standard = SplitRatios(train: 0.8, dev: 0.1, test: 0.1)
    public var array: [Double] { [train, dev, test] }
}

/// Splits `examples` per label, with a Fisher–Yates shuffle driven by SeededRandom(seed).
///
/// For each label with n examples: dev gets round(n·dev) and test round(n·test) examples, each at
/// least 1 when its ratio is positive, and train gets the rest, at least 1. A label with too few
/// examples for that — fewer than 3 when dev and test both have a share, fewer than 2 when only one
/// of them has (the carve of a dev or test split out of a training file) — goes entirely to train.
/// Labels are visited in sorted order, so the result depends only on the examples, the ratios and
/// the seed. Each split keeps the input order of its examples.
public func stratifiedSplit(_ examples: [Example], ratios: SplitRatios = .standard, seed: UInt64) throws
    -> (train: [Example], dev: [Example], test: [Example]) {
    let values = ratios.array
    guard values.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(values.reduce(0, +) - 1) < 1e-9, ratios.train > 0 else {
        throw DatasetError(.invalidArgument, "split ratios \(values) must be non-negative, sum to 1, and give train a share")
    }
    var byLabel: [String: [Int]] = [:]
    for (index, example) in examples.enumerated() { byLabel[example.label, default: []].append(index) }

    // 0 = train, 1 = dev, 2 = test, by input index.
    var assignment = [UInt8](repeating: 0, count: examples.count)
    var generator = SeededRandom(seed: seed)
    let minimum = stratifiedSplitMinimum(ratios)
    for label in byLabel.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
        var indices = byLabel[label] ?? []
        let n = indices.count
        guard n >= minimum else { continue }
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = generator.next(below: i + 1)
            indices.swapAt(i, j)
        }
        let (devCount, testCount) = stratifiedShares(n, ratios: ratios)
        for position in 0..<devCount { assignment[indices[position]] = 1 }
        for position in devCount..<(devCount + testCount) { assignment[indices[position]] = 2 }
    }
    var train: [Example] = [], dev: [Example] = [], test: [Example] = []
    for (index, example) in examples.enumerated() {
        switch assignment[index] {
        case 1: dev.append(example)
        case 2: test.append(example)
        default: train.append(example)
        }
    }
    return (train, dev, test)
}

/// The fewest examples a label needs for `stratifiedSplit` to give each split with a positive share at
/// least one of them (and train one): 3 for train/dev/test, 2 for train/dev or train/test.
public func stratifiedSplitMinimum(_ ratios: SplitRatios) -> Int {
    1 + (ratios.dev > 0 ? 1 : 0) + (ratios.test > 0 ? 1 : 0)
}

/// How many of a label's `n` examples (n ≥ `stratifiedSplitMinimum`) go to dev and to test: round(n·ratio),
/// at least 1 for a positive ratio, leaving train at least one (`stratifiedSplit`; image datasets share it).
func stratifiedShares(_ n: Int, ratios: SplitRatios) -> (dev: Int, test: Int) {
    func share(_ ratio: Double) -> Int { ratio > 0 ? max(1, Int((Double(n) * ratio).rounded())) : 0 }
    var devCount = share(ratios.dev)
    var testCount = share(ratios.test)
    // Keep at least one training example (only bites for tiny classes with large dev/test ratios).
    while devCount + testCount > n - 1 {
        if testCount >= devCount, testCount > (ratios.test > 0 ? 1 : 0) { testCount -= 1 }
        else if devCount > (ratios.dev > 0 ? 1 : 0) { devCount -= 1 }
        else { break }
    }
    return (devCount, testCount)
}
