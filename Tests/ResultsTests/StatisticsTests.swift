// StatisticsTests: SeededRandom, bootstrap intervals and McNemar p-values against independently computed
// values, plus determinism and a coverage sanity check.
import Basics
import Foundation
import TestSupport
import XCTest
@testable import Analysis
@testable import Results

final class StatisticsTests: XCTestCase {
    func testSplitMix64MatchesTheReference() {
        // Reference: Vigna's splitmix64.c, transcribed to Python (64-bit wrap-around arithmetic).
        var zero = SeededRandom(seed: 0)
        XCTAssertEqual([zero.next(), zero.next(), zero.next()], [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var answer = SeededRandom(seed: 42)
        XCTAssertEqual([answer.next(), answer.next()], [0xBDD7_3226_2FEB_6E95, 0x28EF_E333_B266_F103])
        var rng = SeededRandom(seed: 1)
        var seen = [Int](repeating: 0, count: 7)
        for _ in 0..<7000 { seen[rng.below(7)] += 1 }
        XCTAssertTrue(seen.allSatisfy { $0 > 850 && $0 < 1150 }, "\(seen)")
    }

    func testBootstrapMatchesAnIndependentImplementation() throws {
        // Expected values from a one-off Python transcription of the same algorithm (SplitMix64,
        // Lemire's bounded draw, sums in draw order, sorted statistics, type-7 quantiles):
        //   boot([1]*7+[0]*3, B=1000, seed=12345)                 -> (0.7, 0.4, 0.9024999999999977)
        //   boot([0 if i%3==0 else 1 for i in range(50)], 1000, 0x5EED0FB007) -> (0.66, 0.54, 0.8)
        //   boot([i%7 for i in range(23)], B=200, seed=99)        -> (2.782608695652174, 2.0434782608695654, 3.696739130434783)
        let a = try XCTUnwrap(Bootstrap.proportion([true, true, true, true, true, true, true, false, false, false], seed: 12345))
        XCTAssertEqual(a.value, 0.7, accuracy: 1e-12)
        XCTAssertEqual(a.low, 0.4, accuracy: 1e-12)
        XCTAssertEqual(a.high, 0.9024999999999977, accuracy: 1e-12)
        let b = try XCTUnwrap(Bootstrap.proportion((0..<50).map { $0 % 3 != 0 }))
        XCTAssertEqual(b.value, 0.66, accuracy: 1e-12)
        XCTAssertEqual(b.low, 0.54, accuracy: 1e-12)
        XCTAssertEqual(b.high, 0.8, accuracy: 1e-12)
        let c = try XCTUnwrap(Bootstrap.mean((0..<23).map { Double($0 % 7) }, resamples: 200, seed: 99))
        XCTAssertEqual(c.value, 2.782608695652174, accuracy: 1e-12)
        XCTAssertEqual(c.low, 2.0434782608695654, accuracy: 1e-12)
        XCTAssertEqual(c.high, 3.696739130434783, accuracy: 1e-12)
    }

    func testBootstrapIsDeterministicAndSensible() throws {
        let outcomes = (0..<200).map { ($0 * 7919) % 10 < 8 }
        let first = try XCTUnwrap(Bootstrap.proportion(outcomes, seed: 7))
        XCTAssertEqual(Bootstrap.proportion(outcomes, seed: 7), first, "same seed, same interval, bit for bit")
        XCTAssertNotEqual(Bootstrap.proportion(outcomes, seed: 8), first)
        XCTAssertEqual(Bootstrap.defaultResamples, 1000)
        XCTAssertEqual(first.value, 0.8, accuracy: 1e-12)
        XCTAssertLessThan(first.low, first.value)
        XCTAssertGreaterThan(first.high, first.value)
        // Normal-approximation width: 2 × 1.96 × sqrt(0.8 × 0.2 / 200) ≈ 0.111.
        XCTAssertEqual(first.high - first.low, 0.111, accuracy: 0.02)
        XCTAssertNil(Bootstrap.proportion([]))
        XCTAssertEqual(Bootstrap.proportion([true, true, true]), ConfidenceInterval(value: 1, low: 1, high: 1))
        XCTAssertEqual(Bootstrap.proportion([false]), ConfidenceInterval(value: 0, low: 0, high: 0))
    }

    func testBootstrapCoverageIsNearNominal() throws {
        // 200 samples of n = 100 from Bernoulli(0.3): the 95% interval should contain 0.3 about 95% of
        // the time (percentile intervals under-cover slightly at this n). Fails if intervals are, say,
        // the 50% ones or twice too wide.
        var data = SeededRandom(seed: 2024)
        var covered = 0
        let trials = 200
        for trial in 0..<trials {
            let sample = (0..<100).map { _ in Double(data.next() >> 11) / Double(1 << 53) < 0.3 }
            let interval = try XCTUnwrap(Bootstrap.proportion(sample, resamples: 400, seed: UInt64(trial)))
            if interval.low <= 0.3 && 0.3 <= interval.high { covered += 1 }
        }
        let coverage = Double(covered) / Double(trials)
        XCTAssertGreaterThan(coverage, 0.88, "coverage \(coverage)")
        XCTAssertLessThan(coverage, 0.99, "coverage \(coverage)")
    }

    func testMcNemarExactPValues() {
        // Expected values from scipy 1.17.1, computed once:
        //   python3 -c "from scipy.stats import binomtest; print(binomtest(b, b + c, 0.5).pvalue)"
        let cases: [(b: Int, c: Int, p: Double)] = [
            (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0), (5, 5, 1.0),
            (0, 5, 0.0625), (2, 8, 0.109375), (8, 2, 0.109375), (3, 12, 0.03515625),
            (10, 25, 0.016673847800120715), (40, 60, 0.05688793364098089),
            (0, 20, 1.9073486328125e-06), (150, 190, 0.0342700465332939),
        ]
        for (b, c, p) in cases {
            XCTAssertEqual(McNemar.exactPValue(b: b, c: c), p, accuracy: p * 1e-9, "b=\(b) c=\(c)")
        }
        XCTAssertEqual(McNemar.exactPValue(b: 0, c: 0), 1, "no discordant pairs")
        // Large n stays finite and symmetric.
        let big = McNemar.exactPValue(b: 5000, c: 5300)
        XCTAssertTrue(big > 0 && big < 0.01, "\(big)")
        XCTAssertEqual(big, McNemar.exactPValue(b: 5300, c: 5000))
    }

    func testMcNemarOnPairedOutcomes() throws {
        let a = [true, true, true, false, false, true]
        let b = [true, false, false, false, true, true]
        let result = McNemar.test(a, b)
        XCTAssertEqual(result, McNemarResult(pairs: 6, onlyA: 2, onlyB: 1, pValue: 1.0))
        XCTAssertEqual(McNemar.test(a, a).pValue, 1)

        // Pairing by index and text: index 2's text differs, index 9 exists on one side only.
        let left = [PairableOutcome(index: 1, fingerprint: "x", correct: true), PairableOutcome(index: 2, fingerprint: "y", correct: true),
                    PairableOutcome(index: 9, fingerprint: "z", correct: true)]
        let right = [PairableOutcome(index: 2, fingerprint: "changed", correct: false), PairableOutcome(index: 1, fingerprint: "x", correct: false)]
        XCTAssertEqual(PairedOutcomes.mcnemar(left, right), McNemarResult(pairs: 1, onlyA: 1, onlyB: 0, pValue: 1))
        XCTAssertNil(PairedOutcomes.mcnemar(left, [PairableOutcome(index: 5, fingerprint: "q", correct: true)]))
    }

    func testTextFingerprint() {
        // FNV-1a 64 reference values (the empty string is the offset basis; "a" from the FNV spec).
        XCTAssertEqual(TextFingerprint.of(""), "cbf29ce484222325")
        XCTAssertEqual(TextFingerprint.of("a"), "af63dc4c8601ec8c")
        XCTAssertNotEqual(TextFingerprint.of("a film"), TextFingerprint.of("a movie"))
    }
}
