// GELUTests: RowKernels.gelu / geluBackward against the exact erf form in Double, extremes and SIMD tails.
import Foundation
import XCTest
import Tensors

final class GELUTests: XCTestCase {
    private let extremes: [Float] = [0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 20, -20, 50, -50, 100, -100, 1e4, -1e4,
                                     1e30, -1e30, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                     .leastNormalMagnitude, -.leastNormalMagnitude]

    /// Error budget for GELU: a couple of ulp of the result plus |x|/2 times FastMath.erf's measured absolute
    /// error (4.5e-7); beyond |x| ≈ 5.7 erf saturates to exactly ±1, so the erf term stops growing.
    private func geluTolerance(_ x: Float, _ reference: Double) -> Double {
        1.5e-7 * abs(reference) + 4.5e-7 * min(abs(Double(x)), 6) / 2 + 1e-38
    }

    private func gelu(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        RowKernels.gelu(x, count: x.count, into: &y)
        return y
    }

    func testForwardDenseSweepAndExtremes() {
        // 200 001 points: odd length, so the scalar tail runs too.
        let xs = sweep(-10, 10, count: 200_001) + extremes
        let ys = gelu(xs)
        var stats = ErrorStats()
        for (x, y) in zip(xs, ys) {
            let reference = referenceGELU(Double(x))
            stats.record(input: Double(x), value: y, reference: reference, relativeFloor: 1e-3)
            if !(abs(Double(y) - reference) <= geluTolerance(x, reference)) {
                XCTFail("gelu(\(x)) = \(y), expected \(reference)")
            }
        }
        print("RowKernels.gelu on [-10, 10] + extremes: \(stats)")
        XCTAssertLessThanOrEqual(stats.maxAbs, 1.5e-6, "\(stats)")
        for (x, y) in zip(xs, ys) { XCTAssertFalse(y.isNaN, "gelu(\(x)) is NaN") }
        XCTAssertEqual(ys[xs.count - extremes.count], 0)          // gelu(0)
        XCTAssertEqual(ys[xs.count - extremes.count + 1], 0)      // gelu(-0)
    }

    func testForwardLargeArgumentsSaturate() {
        let xs: [Float] = [10, 20, 100, 1e4, 1e30, .greatestFiniteMagnitude]
        let positive = gelu(xs), negative = gelu(xs.map { -$0 })
        for (x, y) in zip(xs, positive) { XCTAssertEqual(y, x, "gelu(\(x)) = x") }
        for (x, y) in zip(xs, negative) { XCTAssertTrue(abs(y) <= 1e-6, "gelu(\(-x)) = \(y), expected ≈ 0") }
    }

    func testForwardTailsAndInPlace() {
        // Every length up to 40: the result must not depend on where the SIMD/scalar split falls,
        // and nothing past `count` may be written.
        var rng = TestRNG(77)
        let data = rng.floats(40, -5, 5)
        let full = gelu(data)
        for count in 0...40 {
            var y = [Float](repeating: 12345, count: 48)
            RowKernels.gelu(data, count: count, into: &y)
            XCTAssertEqual(Array(y[0..<count]), Array(full[0..<count]), "count \(count)")
            XCTAssertTrue(y[count...].allSatisfy { $0 == 12345 }, "count \(count) wrote past the end")
        }
        var inPlace = data
        inPlace.withUnsafeMutableBufferPointer { p in RowKernels.gelu(p.baseAddress!, count: 40, into: p.baseAddress!) }
        XCTAssertEqual(inPlace, full)
    }

    func testForwardLargeParallelArray() {
        // More than 2·4096 blocks, so the vector part is split across workers.
        var rng = TestRNG(78)
        let xs = rng.floats(70_003, -8, 8)
        let ys = withWorkers(2) { gelu(xs) }
        let single = withWorkers(1) { gelu(xs) }
        XCTAssertEqual(ys, single)
        for (x, y) in zip(xs, ys) where abs(Double(y) - referenceGELU(Double(x))) > geluTolerance(x, referenceGELU(Double(x))) {
            XCTFail("gelu(\(x)) = \(y)")
            break
        }
    }

    func testBackwardMatchesAnalyticDerivative() {
        var rng = TestRNG(79)
        let xs = sweep(-10, 10, count: 100_003) + extremes.filter { abs($0) <= 1e4 }
        let dy = xs.indices.map { _ in rng.uniform(-2, 2) }
        var dx = [Float](repeating: .nan, count: xs.count)
        RowKernels.geluBackward(x: xs, dy: dy, count: xs.count, into: &dx)
        var unit = [Float](repeating: .nan, count: xs.count)
        RowKernels.geluBackward(x: xs, dy: [Float](repeating: 1, count: xs.count), count: xs.count, into: &unit)
        var stats = ErrorStats()
        for i in xs.indices {
            let derivative = referenceGELUDerivative(Double(xs[i]))
            let reference = Double(dy[i]) * derivative
            stats.record(input: Double(xs[i]), value: unit[i], reference: derivative, relativeFloor: 1e-3)
            let tolerance = 6e-7 * abs(Double(dy[i])) * max(1, abs(derivative))
            if !(abs(Double(dx[i]) - reference) <= tolerance) {
                XCTFail("geluBackward at x = \(xs[i]), dy = \(dy[i]): \(dx[i]), expected \(reference)")
            }
        }
        print("RowKernels.geluBackward derivative on [-10, 10] + large: \(stats)")
        XCTAssertLessThanOrEqual(stats.maxAbs, 5e-7, "\(stats)")
    }

    func testBackwardLargeArguments() {
        // gelu′ → 1 for x → +∞ and → 0 for x → −∞; results must stay finite everywhere.
        let xs: [Float] = [20, 100, 1e4, 1e20, 1e30, .greatestFiniteMagnitude]
        let all = xs + xs.map { -$0 }
        var dx = [Float](repeating: .nan, count: all.count)
        RowKernels.geluBackward(x: all, dy: [Float](repeating: 1, count: all.count), count: all.count, into: &dx)
        for (x, d) in zip(all, dx) {
            XCTAssertTrue(d.isFinite, "gelu′(\(x)) = \(d)")
            // FastMath.exp clamps at ≈ 2^-126 instead of returning 0, so x·φ(x) reads ≈ 4.7e-39·x: negligible up
            // to |x| ≈ 1e30, but O(1) at |x| ≈ Float.greatestFiniteMagnitude (see report). Check up to 1e30.
            if abs(x) <= 1e30 { XCTAssertEqual(d, x > 0 ? 1 : 0, accuracy: 1e-8, "gelu′(\(x))") }
        }
        print("geluBackward at ±Float.greatestFiniteMagnitude: \(dx[xs.count - 1]), \(dx[all.count - 1]) (exact: 1, 0)")
    }

    func testBackwardFiniteDifferenceOfForward() {
        // The backward kernel is the derivative of the forward kernel (checked in Double on smooth points).
        let xs = sweep(-6, 6, count: 1201)
        let ones = [Float](repeating: 1, count: xs.count)
        var dx = [Float](repeating: 0, count: xs.count)
        RowKernels.geluBackward(x: xs, dy: ones, count: xs.count, into: &dx)
        let h = 1e-4
        for (x, d) in zip(xs, dx) {
            let fd = (referenceGELU(Double(x) + h) - referenceGELU(Double(x) - h)) / (2 * h)
            XCTAssertEqual(Double(d), fd, accuracy: 1e-6, "gelu′(\(x))")
        }
    }

    func testBackwardTails() {
        var rng = TestRNG(80)
        let xs = rng.floats(40, -5, 5), dy = rng.floats(40)
        var full = [Float](repeating: 0, count: 40)
        RowKernels.geluBackward(x: xs, dy: dy, count: 40, into: &full)
        for count in 0...40 {
            var dx = [Float](repeating: 12345, count: 48)
            RowKernels.geluBackward(x: xs, dy: dy, count: count, into: &dx)
            XCTAssertEqual(Array(dx[0..<count]), Array(full[0..<count]), "count \(count)")
            XCTAssertTrue(dx[count...].allSatisfy { $0 == 12345 }, "count \(count) wrote past the end")
        }
    }
}
