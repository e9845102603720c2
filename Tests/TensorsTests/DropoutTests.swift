// DropoutTests: RowKernels.dropout determinism, independence from the worker count, keep rate and scaling.
import Foundation
import XCTest
import Tensors

final class DropoutTests: XCTestCase {
    private func applyDropout(_ x: [Float], probability: Float, seed: UInt64, indexBase: Int = 0) -> [Float] {
        var y = x
        y.withUnsafeMutableBufferPointer {
            RowKernels.dropout($0.baseAddress!, count: x.count, probability: probability, seed: seed, indexBase: indexBase)
        }
        return y
    }

    func testDeterministicForSeedAndIndependentOfWorkers() {
        var rng = TestRNG(31)
        let x = rng.floats(100_003, 0.5, 1.5)       // non-zero, so dropped == 0 is unambiguous
        let single = withWorkers(1) { applyDropout(x, probability: 0.1, seed: 1234) }
        let two = withWorkers(2) { applyDropout(x, probability: 0.1, seed: 1234) }
        let five = withWorkers(5) { applyDropout(x, probability: 0.1, seed: 1234) }
        XCTAssertEqual(single.map(\.bitPattern), two.map(\.bitPattern), "workers 1 vs 2")
        XCTAssertEqual(single.map(\.bitPattern), five.map(\.bitPattern), "workers 1 vs 5")
        XCTAssertEqual(single, applyDropout(x, probability: 0.1, seed: 1234), "same seed, same mask")
        let other = applyDropout(x, probability: 0.1, seed: 1235)
        let differences = zip(single, other).filter { ($0 == 0) != ($1 == 0) }.count
        XCTAssertGreaterThan(differences, 10_000, "another seed gives another mask")
    }

    func testIndexBaseTilesMatchWholeTensor() {
        // Masking two halves separately with indexBase equals masking the whole tensor.
        var rng = TestRNG(32)
        let x = rng.floats(1000, 0.5, 1.5)
        let whole = applyDropout(x, probability: 0.3, seed: 9)
        let first = applyDropout(Array(x[0..<400]), probability: 0.3, seed: 9)
        let second = applyDropout(Array(x[400...]), probability: 0.3, seed: 9, indexBase: 400)
        XCTAssertEqual(whole, first + second)
    }

    func testKeepRateAndScaling() {
        let count = 1_000_000
        let x = [Float](repeating: 1, count: count)
        for p: Float in [0.1, 0.5, 0.9] {
            let y = applyDropout(x, probability: p, seed: 2024)
            let scale = 1 / (1 - p)
            var kept = 0
            for value in y {
                if value != 0 {
                    kept += 1
                    if value != scale { XCTFail("kept value \(value), expected \(scale)"); break }
                }
            }
            let q = 1 - Double(p)
            let sigma = (Double(count) * q * (1 - q)).squareRoot()
            XCTAssertEqual(Double(kept), Double(count) * q, accuracy: 5 * sigma, "p = \(p): kept \(kept) of \(count)")
            // Mean of the output stays ≈ 1 (inverted dropout is unbiased).
            XCTAssertEqual(y.reduce(0.0) { $0 + Double($1) } / Double(count), 1, accuracy: 5 * sigma * Double(scale) / Double(count))
        }
        // Runs of the mask show no obvious correlation: P(keep_i ∧ keep_{i+1}) ≈ q².
        let y = applyDropout(x, probability: 0.5, seed: 77)
        var both = 0
        for i in 0..<(count - 1) where y[i] != 0 && y[i + 1] != 0 { both += 1 }
        XCTAssertEqual(Double(both) / Double(count - 1), 0.25, accuracy: 0.005)
    }

    func testZeroProbabilityIsIdentityAndOneDropsAll() {
        var rng = TestRNG(33)
        let x = rng.floats(1001, -3, 3) + [.nan, .infinity]
        let y = applyDropout(x, probability: 0, seed: 5)
        XCTAssertEqual(x.map(\.bitPattern), y.map(\.bitPattern))
        let all = applyDropout(Array(x[0..<1001]), probability: 1, seed: 5)
        XCTAssertTrue(all.allSatisfy { $0 == 0 }, "p = 1 drops everything")
    }

    func testMaskMatchesDropoutKeeps() {
        let threshold = RowKernels.dropoutThreshold(0.25)
        XCTAssertEqual(threshold, UInt64(1) << 51)
        let x = [Float](repeating: 2, count: 5000)
        let y = applyDropout(x, probability: 0.25, seed: 3, indexBase: 17)
        for i in x.indices {
            let keeps = RowKernels.dropoutKeeps(seed: 3, index: 17 + i, threshold: threshold)
            XCTAssertEqual(y[i], keeps ? 2 / 0.75 : 0, "index \(i)")
        }
    }
}
