// LayerNormTests: RowKernels.layerNorm / layerNormBackward against naive Double, finite differences and large offsets.
import Foundation
import XCTest
import Tensors

final class LayerNormTests: XCTestCase {
    private struct Case {
        let rows: Int, width: Int
        let x: [Float], gamma: [Float], beta: [Float]
        let eps: Float
    }

    private func makeCase(rows: Int, width: Int, offset: Double, spread: Double, eps: Float, seed: UInt64) -> Case {
        var rng = TestRNG(seed)
        let x = (0..<rows * width).map { _ in Float(offset + spread * rng.gaussian()) }
        let gamma = rng.floats(width, 0.5, 1.5)
        let beta = rng.floats(width, -0.5, 0.5)
        return Case(rows: rows, width: width, x: x, gamma: gamma, beta: beta, eps: eps)
    }

    private func forward(_ c: Case) -> (y: [Float], mean: [Float], rstd: [Float]) {
        var y = [Float](repeating: .nan, count: c.rows * c.width)
        var mean = [Float](repeating: .nan, count: c.rows), rstd = [Float](repeating: .nan, count: c.rows)
        RowKernels.layerNorm(c.x, rows: c.rows, width: c.width, eps: c.eps, gamma: c.gamma, beta: c.beta,
                             into: &y, mean: &mean, rstd: &rstd)
        return (y, mean, rstd)
    }

    private func row(_ values: [Float], _ r: Int, _ width: Int) -> [Double] {
        values[r * width ..< (r + 1) * width].map(Double.init)
    }

    /// Max |y − y_ref| over all rows, checking mean and rstd as well.
    private func checkForward(_ c: Case, yTolerance: Double, label: String) -> Double {
        let (y, mean, rstd) = forward(c)
        var worst = 0.0
        for r in 0..<c.rows {
            let ref = referenceLayerNorm(row(c.x, r, c.width), gamma: c.gamma.map(Double.init),
                                         beta: c.beta.map(Double.init), eps: Double(c.eps))
            let meanScale = max(abs(ref.mean), 1)
            XCTAssertEqual(Double(mean[r]), ref.mean, accuracy: 1e-6 * meanScale, "\(label): mean row \(r)")
            XCTAssertEqual(Double(rstd[r]), ref.rstd, accuracy: 2e-5 * ref.rstd, "\(label): rstd row \(r)")
            for i in 0..<c.width {
                let error = abs(Double(y[r * c.width + i]) - ref.y[i])
                worst = max(worst, error)
                if !(error <= yTolerance) {
                    XCTFail("\(label): y[\(r),\(i)] = \(y[r * c.width + i]), expected \(ref.y[i])")
                    return worst
                }
            }
        }
        return worst
    }

    func testForwardMatchesNaive() {
        // Widths with and without SIMD tails; more than 16 rows so the row loop is split across workers.
        for (rows, width) in [(1, 1), (3, 5), (37, 8), (37, 13), (20, 384), (5, 1027)] {
            let c = makeCase(rows: rows, width: width, offset: 0.3, spread: 2, eps: 1e-12, seed: UInt64(rows * 7919 + width))
            _ = checkForward(c, yTolerance: 5e-6, label: "rows=\(rows) width=\(width)")
        }
        // A constant row: variance 0, output is beta (eps keeps it finite).
        let constant = Case(rows: 1, width: 10, x: .init(repeating: 3, count: 10),
                            gamma: .init(repeating: 2, count: 10), beta: (0..<10).map { Float($0) }, eps: 1e-5)
        let (y, _, rstd) = forward(constant)
        XCTAssertEqual(y, constant.beta)
        XCTAssertEqual(Double(rstd[0]), 1 / 1e-5.squareRoot(), accuracy: 1)
    }

    func testForwardWithLargeOffsetIsStable() {
        // Values around 1000 with small spread: a naive E[x²] − E[x]² would lose everything; the float
        // mean must also be accurate to well below the spread. Inputs are exact Floats; the reference
        // uses them in Double, so only the kernel's own rounding is measured.
        // Best possible in Float is ~0.5 ulp(1000)/spread·|gamma| (the mean itself is a Float); measured ≈ 2 ulp
        // (2.1e-4 for spread 1, 1.9e-3 for spread 0.1). Allow 8 ulp(1000)·max|gamma|/spread.
        for spread in [1.0, 0.1] {
            let tolerance = 8 * Double(Float(1000).ulp) * 1.5 / spread
            for width in [384, 1027] {
                let c = makeCase(rows: 8, width: width, offset: 1000, spread: spread, eps: 1e-12, seed: UInt64(width))
                let worst = checkForward(c, yTolerance: tolerance, label: "offset 1000 spread \(spread) width \(width)")
                print("layerNorm offset 1000, spread \(spread), width \(width): max |y − ref| = \(worst)")
            }
        }
    }

    func testForwardWithoutSavedStatistics() {
        let c = makeCase(rows: 4, width: 24, offset: 0, spread: 1, eps: 1e-5, seed: 3)
        var y = [Float](repeating: 0, count: c.rows * c.width)
        RowKernels.layerNorm(c.x, rows: c.rows, width: c.width, eps: c.eps, gamma: c.gamma, beta: c.beta,
                             into: &y, mean: nil, rstd: nil)
        XCTAssertEqual(y, forward(c).y)
    }

    // MARK: Backward

    /// Naive analytic backward in Double.
    private func referenceBackward(_ c: Case, dy: [Float]) -> (dx: [Double], dGamma: [Double], dBeta: [Double]) {
        let n = Double(c.width)
        var dx = [Double](repeating: 0, count: c.x.count)
        var dGamma = [Double](repeating: 0, count: c.width), dBeta = dGamma
        for r in 0..<c.rows {
            let x = row(c.x, r, c.width)
            let ref = referenceLayerNorm(x, gamma: c.gamma.map(Double.init), beta: c.beta.map(Double.init), eps: Double(c.eps))
            let xhat = x.map { ($0 - ref.mean) * ref.rstd }
            let g = (0..<c.width).map { Double(dy[r * c.width + $0]) * Double(c.gamma[$0]) }
            let meanG = g.reduce(0, +) / n
            let meanGX = zip(g, xhat).reduce(0) { $0 + $1.0 * $1.1 } / n
            for i in 0..<c.width {
                dx[r * c.width + i] = ref.rstd * (g[i] - meanG - xhat[i] * meanGX)
                dGamma[i] += Double(dy[r * c.width + i]) * xhat[i]
                dBeta[i] += Double(dy[r * c.width + i])
            }
        }
        return (dx, dGamma, dBeta)
    }

    /// L = Σ w·y in Double, with one input perturbed.
    private func loss(_ x: [Double], gamma: [Double], beta: [Double], weights: [Float], rows: Int, width: Int, eps: Double) -> Double {
        var total = 0.0
        for r in 0..<rows {
            let y = referenceLayerNorm(Array(x[r * width ..< (r + 1) * width]), gamma: gamma, beta: beta, eps: eps).y
            for i in 0..<width { total += Double(weights[r * width + i]) * y[i] }
        }
        return total
    }

    private func runBackward(_ c: Case, dy: [Float], dx0: [Float]?, dGamma0: [Float], dBeta0: [Float])
        -> (dx: [Float], dGamma: [Float], dBeta: [Float]) {
        let (_, mean, rstd) = forward(c)
        var dx = dx0 ?? [Float](repeating: .nan, count: c.x.count)
        var dGamma = dGamma0, dBeta = dBeta0
        RowKernels.layerNormBackward(x: c.x, dy: dy, rows: c.rows, width: c.width, mean: mean, rstd: rstd,
                                     gamma: c.gamma, dx: &dx, accumulate: dx0 != nil, dGamma: &dGamma, dBeta: &dBeta)
        return (dx, dGamma, dBeta)
    }

    func testBackwardMatchesFiniteDifferences() {
        let c = makeCase(rows: 3, width: 11, offset: 0.5, spread: 1.5, eps: 1e-5, seed: 11)
        var rng = TestRNG(12)
        let dy = rng.floats(c.x.count)
        let zerosW = [Float](repeating: 0, count: c.width)
        let result = runBackward(c, dy: dy, dx0: nil, dGamma0: zerosW, dBeta0: zerosW)

        let x = c.x.map(Double.init), gamma = c.gamma.map(Double.init), beta = c.beta.map(Double.init)
        let eps = Double(c.eps), h = 1e-5
        func L(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> Double {
            loss(x, gamma: gamma, beta: beta, weights: dy, rows: c.rows, width: c.width, eps: eps)
        }
        for index in x.indices {
            var plus = x, minus = x
            plus[index] += h; minus[index] -= h
            let fd = (L(plus, gamma, beta) - L(minus, gamma, beta)) / (2 * h)
            XCTAssertEqual(Double(result.dx[index]), fd, accuracy: 2e-5 * max(1, abs(fd)), "dx[\(index)] vs finite difference")
        }
        for i in 0..<c.width {
            var plus = gamma, minus = gamma
            plus[i] += h; minus[i] -= h
            let fdGamma = (L(x, plus, beta) - L(x, minus, beta)) / (2 * h)
            XCTAssertEqual(Double(result.dGamma[i]), fdGamma, accuracy: 2e-5 * max(1, abs(fdGamma)), "dGamma[\(i)] vs finite difference")
            var plusB = beta, minusB = beta
            plusB[i] += h; minusB[i] -= h
            let fdBeta = (L(x, gamma, plusB) - L(x, gamma, minusB)) / (2 * h)
            XCTAssertEqual(Double(result.dBeta[i]), fdBeta, accuracy: 2e-5 * max(1, abs(fdBeta)), "dBeta[\(i)] vs finite difference")
        }
    }

    func testBackwardMatchesAnalyticReferenceAndAccumulates() {
        // (rows, width, offset, spread, tolerance on max|dx − ref|/max|dx|, absolute tolerance on dGamma).
        // Measured: 1.4e-7 / 1.1e-6, 2.9e-7 / 1.2e-6, and at offset 1000 (x̂ carries the ~2 ulp(1000) error
        // of the Float mean) 8.3e-6 / 1.8e-4.
        let cases: [(Int, Int, Double, Double, Double, Double)] = [
            (37, 13, 0, 1, 1e-6, 1e-5), (20, 384, 0.2, 3, 2e-6, 1e-5), (8, 64, 1000, 1, 5e-5, 1e-3),
        ]
        for (rows, width, offset, spread, relative, dGammaTolerance) in cases {
            let c = makeCase(rows: rows, width: width, offset: offset, spread: spread, eps: 1e-12, seed: UInt64(rows + width))
            var rng = TestRNG(UInt64(width))
            let dy = rng.floats(c.x.count)
            let ref = referenceBackward(c, dy: dy)
            let label = "rows=\(rows) width=\(width) offset=\(offset)"
            let dGamma0 = rng.floats(width, -2, 2), dBeta0 = rng.floats(width, -2, 2)
            let dx0 = rng.floats(c.x.count, -2, 2)
            let dxScale = ref.dx.map(abs).max()!
            for accumulate in [false, true] {
                let result = runBackward(c, dy: dy, dx0: accumulate ? dx0 : nil, dGamma0: dGamma0, dBeta0: dBeta0)
                var worstDX = 0.0, worstDGamma = 0.0
                for index in ref.dx.indices {
                    let expected = ref.dx[index] + (accumulate ? Double(dx0[index]) : 0)
                    worstDX = max(worstDX, abs(Double(result.dx[index]) - expected) / dxScale)
                }
                XCTAssertLessThanOrEqual(worstDX, relative, "\(label) accumulate=\(accumulate): max |dx − ref| / max|dx|")
                for i in 0..<width {
                    worstDGamma = max(worstDGamma, abs(Double(result.dGamma[i]) - Double(dGamma0[i]) - ref.dGamma[i]))
                    XCTAssertEqual(Double(result.dBeta[i]), Double(dBeta0[i]) + ref.dBeta[i], accuracy: 1e-6 * Double(rows + 2),
                                   "\(label): dBeta[\(i)] accumulates")
                }
                XCTAssertLessThanOrEqual(worstDGamma, dGammaTolerance, "\(label): dGamma accumulates")
                if accumulate { print("layerNormBackward \(label): max rel dx error \(worstDX), max dGamma error \(worstDGamma)") }
            }
        }
    }
}
