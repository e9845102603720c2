// Statistics: seeded bootstrap percentile intervals and the exact McNemar test. Pure Swift, deterministic.
import Basics
import Foundation
import Results

public struct ConfidenceInterval: Sendable, Equatable, Codable {
    public var value: Double
    public var low: Double
    public var high: Double
    public init(value: Double, low: Double, high: Double) {
        self.value = value
        self.low = low
        self.high = high
    }
}

/// Nonparametric bootstrap percentile intervals.
///
/// Method: draw `resamples` samples of size n with replacement (indices from SeededRandom(seed)),
/// compute the statistic on each, sort, and take the (1−c)/2 and (1+c)/2 quantiles with linear
/// interpolation between order statistics (R's type 7). The point value is the statistic on the
/// full sample. Same inputs and seed → same interval, bit for bit.
public enum Bootstrap {
    public static let defaultResamples = 1000
    public static let defaultSeed: UInt64 = 0x5EED_0F_B007

    /// The seed of metric `name`'s interval: `seed` mixed with the name's fingerprint, so that adding a
    /// metric never changes another's interval.
    public static func seed(_ seed: UInt64, for name: String) -> UInt64 {
        seed ^ (UInt64(TextFingerprint.of(name), radix: 16) ?? 0)
    }

    /// Interval for a proportion (accuracy, accuracy under attack, attack success rate) from
    /// per-example 0/1 outcomes. Nil when there are no outcomes.
    public static func proportion(_ outcomes: [Bool], resamples: Int = defaultResamples, confidence: Double = 0.95,
                                  seed: UInt64 = defaultSeed) -> ConfidenceInterval? {
        guard !outcomes.isEmpty else { return nil }
        let ones = outcomes.map { $0 ? 1.0 : 0.0 }
        return mean(ones, resamples: resamples, confidence: confidence, seed: seed)
    }

    /// Interval for a mean. Nil when there are no values.
    public static func mean(_ values: [Double], resamples: Int = defaultResamples, confidence: Double = 0.95,
                            seed: UInt64 = defaultSeed) -> ConfidenceInterval? {
        guard !values.isEmpty else { return nil }
        precondition(resamples >= 1 && confidence > 0 && confidence < 1)
        let n = values.count
        let value = values.reduce(0, +) / Double(n)
        var rng = SeededRandom(seed: seed)
        var statistics = [Double](repeating: 0, count: resamples)
        values.withUnsafeBufferPointer { data in
            for b in 0..<resamples {
                var sum = 0.0
                for _ in 0..<n { sum += data[rng.below(n)] }
                statistics[b] = sum / Double(n)
            }
        }
        statistics.sort()
        let tail = (1 - confidence) / 2
        return ConfidenceInterval(value: value, low: quantile(statistics, tail), high: quantile(statistics, 1 - tail))
    }

    /// Interval for the mean difference b − a of paired 0/1 outcomes (pairs resampled together), e.g.
    /// the change in accuracy under attack from a model to its retrained successor on the same examples.
    public static func pairedDifference(_ a: [Bool], _ b: [Bool], resamples: Int = defaultResamples,
                                        confidence: Double = 0.95, seed: UInt64 = defaultSeed) -> ConfidenceInterval? {
        guard a.count == b.count, !a.isEmpty else { return nil }
        return mean(zip(a, b).map { ($1 ? 1.0 : 0.0) - ($0 ? 1.0 : 0.0) }, resamples: resamples, confidence: confidence, seed: seed)
    }

    /// The q-quantile of sorted values, interpolating linearly between order statistics (type 7).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}

/// The exact McNemar test for paired binary outcomes.
public struct McNemarResult: Sendable, Equatable, Codable {
    /// Pairs compared.
    public var pairs: Int
    /// Discordant pairs: A right and B wrong.
    public var onlyA: Int
    /// Discordant pairs: A wrong and B right.
    public var onlyB: Int
    /// Two-sided exact p-value.
    public var pValue: Double
}

public enum McNemar {
    /// Two-sided exact McNemar p-value from the discordant counts b (A right, B wrong) and c (A wrong,
    /// B right): under H0, b ~ Binomial(b + c, ½), and p = min(1, 2·P(X ≤ min(b, c))).
    /// No discordant pairs gives p = 1. Equals scipy's `binomtest(b, b + c, 0.5).pvalue`.
    public static func exactPValue(b: Int, c: Int) -> Double {
        precondition(b >= 0 && c >= 0)
        let n = b + c
        guard n > 0 else { return 1 }
        let k = min(b, c)
        if 2 * k == n { return 1 }
        // Sum C(n, i) / 2^n for i ≤ k in log space (stable for large n), largest term last.
        let logHalfN = Double(n) * log(0.5)
        var logTerms: [Double] = []
        logTerms.reserveCapacity(k + 1)
        for i in 0...k { logTerms.append(logChoose(n, i) + logHalfN) }
        let largest = logTerms.max()!
        let tail = exp(largest) * logTerms.reduce(0) { $0 + exp($1 - largest) }
        return min(1, 2 * tail)
    }

    /// The test on two equally long outcome vectors (pair i is a[i] with b[i]).
    public static func test(_ a: [Bool], _ b: [Bool]) -> McNemarResult {
        precondition(a.count == b.count, "McNemar needs paired outcomes")
        var onlyA = 0, onlyB = 0
        for (x, y) in zip(a, b) where x != y {
            if x { onlyA += 1 } else { onlyB += 1 }
        }
        return McNemarResult(pairs: a.count, onlyA: onlyA, onlyB: onlyB, pValue: exactPValue(b: onlyA, c: onlyB))
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
    }
}

/// One example's 0/1 outcome, identified for pairing across runs: same index and same text.
public struct PairableOutcome: Sendable, Equatable {
    public var index: Int
    /// `TextFingerprint.of(text)`.
    public var fingerprint: String
    public var correct: Bool
    public init(index: Int, fingerprint: String, correct: Bool) {
        self.index = index
        self.fingerprint = fingerprint
        self.correct = correct
    }
}

public enum PairedOutcomes {
    /// McNemar on the examples both sides share: same example index and same text fingerprint.
    /// Nil when they share none.
    public static func mcnemar(_ a: [PairableOutcome], _ b: [PairableOutcome]) -> McNemarResult? {
        let (left, right) = pairs(a, b)
        guard !left.isEmpty else { return nil }
        return McNemar.test(left, right)
    }

    /// Bootstrap interval of b − a over the shared examples. Nil when they share none.
    public static func difference(_ a: [PairableOutcome], _ b: [PairableOutcome]) -> ConfidenceInterval? {
        let (left, right) = pairs(a, b)
        return Bootstrap.pairedDifference(left, right)
    }

    /// The outcomes of the examples both sides share (same index and text fingerprint), in b's order.
    public static func pairs(_ a: [PairableOutcome], _ b: [PairableOutcome]) -> (a: [Bool], b: [Bool]) {
        var byIndex: [Int: PairableOutcome] = [:]
        for outcome in a { byIndex[outcome.index] = outcome }
        var left: [Bool] = [], right: [Bool] = []
        for outcome in b {
            guard let other = byIndex[outcome.index], other.fingerprint == outcome.fingerprint else { continue }
            left.append(other.correct)
            right.append(outcome.correct)
        }
        return (left, right)
    }
}

/// A short, stable fingerprint of an example's text (64-bit FNV-1a of its UTF-8, as 16 hex digits),
/// to check that two runs' example i is the same text. Not a cryptographic hash.
public enum TextFingerprint {
    public static func of(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
