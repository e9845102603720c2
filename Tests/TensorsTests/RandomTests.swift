// RandomTests: SeededRandom determinism, uniform range, normal moments and seed mixing.
import Basics
import Foundation
import XCTest
import Tensors

final class RandomTests: XCTestCase {
    func testDeterministicPerSeed() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        XCTAssertEqual(first, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(first, (0..<100).map { _ in c.next() })
        XCTAssertEqual(Set(first).count, 100)
        // SplitMix64 reference values for seed 0 (Vigna's splitmix64.c).
        var zero = SeededRandom(seed: 0)
        XCTAssertEqual(zero.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(zero.next(), 0x6E78_9E6A_A1B9_65F4)
    }

    func testUniformRangeAndMoments() {
        var rng = SeededRandom(seed: 7)
        let n = 100_000
        var total = 0.0, low = 1.0, high = 0.0
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<n {
            let u = rng.uniform()
            XCTAssertTrue(u >= 0 && u < 1, "uniform \(u)")
            total += Double(u)
            low = min(low, Double(u)); high = max(high, Double(u))
            buckets[min(Int(u * 10), 9)] += 1
        }
        XCTAssertEqual(total / Double(n), 0.5, accuracy: 5 * (1.0 / 12 / Double(n)).squareRoot())
        XCTAssertLessThan(low, 1e-3)
        XCTAssertGreaterThan(high, 1 - 1e-3)
        let sigma = (Double(n) * 0.1 * 0.9).squareRoot()
        for (index, count) in buckets.enumerated() {
            XCTAssertEqual(Double(count), Double(n) / 10, accuracy: 5 * sigma, "decile \(index)")
        }
    }

    func testNormalMoments() {
        var rng = SeededRandom(seed: 8)
        let n = 100_000
        var sum = 0.0, sumSquares = 0.0, within1 = 0
        for _ in 0..<n {
            let z = Double(rng.normal())
            XCTAssertTrue(z.isFinite)
            sum += z; sumSquares += z * z
            if abs(z) < 1 { within1 += 1 }
        }
        let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
        XCTAssertEqual(mean, 0, accuracy: 5 / Double(n).squareRoot())
        XCTAssertEqual(variance, 1, accuracy: 5 * (2 / Double(n)).squareRoot())
        XCTAssertEqual(Double(within1) / Double(n), 0.682_689, accuracy: 5 * (0.2167 / Double(n)).squareRoot())
    }

    func testMixSeparatesParts() {
        let base: UInt64 = 1234
        XCTAssertEqual(SeededRandom.mix(base, 1, 2), SeededRandom.mix(base, 1, 2))
        XCTAssertNotEqual(SeededRandom.mix(base, 1, 2), SeededRandom.mix(base, 2, 1))
        XCTAssertNotEqual(SeededRandom.mix(base, 1), SeededRandom.mix(base + 1, 1))
        XCTAssertNotEqual(SeededRandom.mix(base), SeededRandom.mix(base, 0))
        XCTAssertNotEqual(SeededRandom.mix(base, 0), SeededRandom.mix(base, 0, 0))
        XCTAssertNotEqual(SeededRandom.mix(base, -1), SeededRandom.mix(base, 1))
        var seen = Set<UInt64>()
        for step in 0..<40 {
            for layer in 0..<12 {
                for site in 0..<5 { seen.insert(SeededRandom.mix(base, step, layer, site)) }
            }
        }
        XCTAssertEqual(seen.count, 40 * 12 * 5, "mix collisions over a (step, layer, site) grid")
        // Neighbouring parts give unrelated seeds: about half the bits differ.
        var flipped = 0
        for i in 0..<1000 { flipped += (SeededRandom.mix(base, i) ^ SeededRandom.mix(base, i + 1)).nonzeroBitCount }
        XCTAssertEqual(Double(flipped) / 1000, 32, accuracy: 1)
    }
}
