// BLASTests: BLAS.gemm / linear / linearBackward against naive Double loops, including strided sub-matrices.
import XCTest
import Tensors

final class BLASTests: XCTestCase {
    /// Naive C = alpha·op(A)·op(B) + beta·C over the strided storage; also returns the per-element
    /// magnitude |alpha|·Σ|A||B| + |beta|·|C| used for the rounding-error bound.
    private func naiveGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                           a: [Float], aOffset: Int, lda: Int, b: [Float], bOffset: Int, ldb: Int,
                           beta: Double, c: [Float], cOffset: Int, ldc: Int) -> (value: [Double], magnitude: [Double]) {
        var value = c.map(Double.init)
        var magnitude = [Double](repeating: 0, count: c.count)
        for i in 0..<m {
            for j in 0..<n {
                var total = 0.0, absTotal = 0.0
                for p in 0..<k {
                    let av = Double(transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p])
                    let bv = Double(transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j])
                    total += av * bv
                    absTotal += abs(av * bv)
                }
                let index = cOffset + i * ldc + j
                let old = beta == 0 ? 0 : Double(c[index]) * beta
                value[index] = alpha * total + old
                magnitude[index] = abs(alpha) * absTotal + abs(old)
            }
        }
        return (value, magnitude)
    }

    /// Runs one gemm on sub-matrices embedded in larger buffers (offset start, padded leading dimensions)
    /// and checks every element of C, including that padding and surrounding memory are untouched.
    private func checkGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                           padA: Int, padB: Int, padC: Int, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        var rng = TestRNG(seed)
        // Stored shapes: A is m×k (or k×m when transposed), B is k×n (or n×k).
        let aRows = transA ? k : m, aCols = transA ? m : k
        let bRows = transB ? n : k, bCols = transB ? k : n
        let lda = aCols + padA, ldb = bCols + padB, ldc = n + padC
        let aOffset = 3, bOffset = 5, cOffset = 7
        let a = rng.floats(aOffset + max(aRows, 1) * lda + 4)
        let b = rng.floats(bOffset + max(bRows, 1) * ldb + 4)
        let c0 = rng.floats(cOffset + max(m, 1) * ldc + 4, -2, 2)
        let expected = naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: Double(alpha),
                                 a: a, aOffset: aOffset, lda: lda, b: b, bOffset: bOffset, ldb: ldb,
                                 beta: Double(beta), c: c0, cOffset: cOffset, ldc: ldc)
        var c = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                              a: ap.baseAddress! + aOffset, lda: lda, b: bp.baseAddress! + bOffset, ldb: ldb,
                              beta: beta, c: cp.baseAddress! + cOffset, ldc: ldc)
                }
            }
        }
        let label = "gemm tA=\(transA) tB=\(transB) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta) pads=\(padA),\(padB),\(padC)"
        var worst = 0.0
        for index in c.indices {
            let row = (index - cOffset) / ldc, column = (index - cOffset) % ldc
            let inside = index >= cOffset && row < m && column < n
            if inside {
                // Worst-case float rounding bound γ_{k+2}·magnitude (Higham), plus a denormal floor.
                let bound = Double(Float.ulpOfOne) * Double(k + 2) * expected.magnitude[index] + 1e-30
                let error = abs(Double(c[index]) - expected.value[index])
                worst = max(worst, error / bound)
                if !(error <= bound) {
                    XCTFail("\(label): C[\(row),\(column)] = \(c[index]), expected \(expected.value[index])",
                            file: file, line: line)
                    return
                }
            } else if c[index].bitPattern != c0[index].bitPattern {
                XCTFail("\(label): wrote outside C at storage index \(index)", file: file, line: line)
                return
            }
        }
        XCTAssertLessThan(worst, 1, label, file: file, line: line)
    }

    func testGemmAllTransposesWithStridesAlphaBeta() {
        var seed: UInt64 = 1
        for transA in [false, true] {
            for transB in [false, true] {
                for (m, n, k) in [(1, 1, 1), (7, 5, 9), (5, 7, 1), (1, 13, 6), (13, 1, 6), (33, 65, 47)] {
                    for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (-0.75, 0.5), (2.5, -1.25)] {
                        seed += 1
                        checkGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
                                  padA: 0, padB: 0, padC: 0, seed: seed)
                        checkGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
                                  padA: 3, padB: 5, padC: 2, seed: seed &* 31)
                    }
                }
            }
        }
    }

    func testGemmLargerThreadedShape() {
        // Big enough for OpenBLAS to use its blocked (and possibly threaded) kernels.
        checkGemm(transA: false, transB: true, m: 128, n: 96, k: 200, alpha: 1, beta: 0,
                  padA: 8, padB: 4, padC: 16, seed: 99)
        checkGemm(transA: true, transB: false, m: 96, n: 128, k: 150, alpha: 0.5, beta: 1,
                  padA: 1, padB: 7, padC: 3, seed: 100)
    }

    func testGemmBetaZeroIgnoresGarbageInC() {
        // beta = 0 must overwrite C, even NaN / inf left in reused buffers.
        let m = 6, n = 10, k = 4
        var rng = TestRNG(7)
        let a = rng.floats(m * k), b = rng.floats(k * n)
        var c = [Float](repeating: .nan, count: m * n)
        c[3] = .infinity
        BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
        for i in 0..<m {
            for j in 0..<n {
                var total = 0.0
                for p in 0..<k { total += Double(a[i * k + p]) * Double(b[p * n + j]) }
                XCTAssertEqual(Double(c[i * n + j]), total, accuracy: 1e-5, "C[\(i),\(j)]")
            }
        }
    }

    func testGemmEmptyShapesLeaveCUntouched() {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [1], b: [Float] = [1]
        BLAS.gemm(m: 0, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, beta: 0, c: &c, ldc: 2)
        BLAS.gemm(m: 2, n: 0, k: 3, a: a, lda: 3, b: b, ldb: 1, beta: 0, c: &c, ldc: 1)
        XCTAssertEqual(c, [1, 2, 3, 4])
    }

    // MARK: linear

    private func naiveLinear(_ x: [Float], rows: Int, inFeatures: Int, weight: [Float], bias: [Float]?,
                             outFeatures: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * outFeatures)
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var total = bias.map { Double($0[o]) } ?? 0
                for i in 0..<inFeatures { total += Double(x[r * inFeatures + i]) * Double(weight[o * inFeatures + i]) }
                y[r * outFeatures + o] = total
            }
        }
        return y
    }

    func testLinearWithAndWithoutBias() {
        for (rows, inFeatures, outFeatures) in [(1, 1, 1), (5, 12, 7), (17, 33, 9), (40, 64, 48)] {
            var rng = TestRNG(UInt64(rows * 1000 + inFeatures))
            let x = rng.floats(rows * inFeatures, -2, 2)
            let weight = rng.floats(outFeatures * inFeatures, -0.5, 0.5)
            let bias = rng.floats(outFeatures, -1, 1)
            for useBias in [true, false] {
                // Start from garbage: linear must overwrite y.
                var y = [Float](repeating: .nan, count: rows * outFeatures)
                if useBias {
                    BLAS.linear(x, rows: rows, inFeatures: inFeatures, weight: weight, bias: bias,
                                outFeatures: outFeatures, into: &y)
                } else {
                    BLAS.linear(x, rows: rows, inFeatures: inFeatures, weight: weight, bias: nil,
                                outFeatures: outFeatures, into: &y)
                }
                let expected = naiveLinear(x, rows: rows, inFeatures: inFeatures, weight: weight,
                                           bias: useBias ? bias : nil, outFeatures: outFeatures)
                let tolerance = 4e-7 * Double(inFeatures + 2)   // |x·w| ≤ 1 per term
                for index in y.indices {
                    XCTAssertEqual(Double(y[index]), expected[index], accuracy: tolerance,
                                   "linear rows=\(rows) in=\(inFeatures) out=\(outFeatures) bias=\(useBias) [\(index)]")
                }
            }
        }
    }

    func testLinearBackward() {
        let rows = 11, inFeatures = 19, outFeatures = 13
        var rng = TestRNG(42)
        let x = rng.floats(rows * inFeatures, -2, 2)
        let weight = rng.floats(outFeatures * inFeatures, -1, 1)
        let dY = rng.floats(rows * outFeatures, -1, 1)
        let dW0 = rng.floats(outFeatures * inFeatures, -3, 3)
        let dB0 = rng.floats(outFeatures, -3, 3)
        let dX0 = rng.floats(rows * inFeatures, -3, 3)

        // Naive references in Double.
        var dXRef = [Double](repeating: 0, count: rows * inFeatures)
        for r in 0..<rows {
            for i in 0..<inFeatures {
                var total = 0.0
                for o in 0..<outFeatures { total += Double(dY[r * outFeatures + o]) * Double(weight[o * inFeatures + i]) }
                dXRef[r * inFeatures + i] = total
            }
        }
        var dWRef = dW0.map(Double.init)
        for o in 0..<outFeatures {
            for i in 0..<inFeatures {
                for r in 0..<rows { dWRef[o * inFeatures + i] += Double(dY[r * outFeatures + o]) * Double(x[r * inFeatures + i]) }
            }
        }
        var dBRef = dB0.map(Double.init)
        for r in 0..<rows { for o in 0..<outFeatures { dBRef[o] += Double(dY[r * outFeatures + o]) } }

        for accumulate in [false, true] {
            var dW = dW0, dB = dB0
            var dX = accumulate ? dX0 : [Float](repeating: .nan, count: dX0.count)
            BLAS.linearBackward(x: x, dY: dY, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                                weight: weight, dWeight: &dW, dBias: &dB, dX: &dX, accumulateDX: accumulate)
            for index in dX.indices {
                let expected = dXRef[index] + (accumulate ? Double(dX0[index]) : 0)
                XCTAssertEqual(Double(dX[index]), expected, accuracy: 1e-5, "dX[\(index)] accumulate=\(accumulate)")
            }
            for index in dW.indices {
                XCTAssertEqual(Double(dW[index]), dWRef[index], accuracy: 1e-5, "dW[\(index)]")
            }
            for index in dB.indices {
                XCTAssertEqual(Double(dB[index]), dBRef[index], accuracy: 1e-5, "dBias[\(index)]")
            }
        }

        // Without dX and dBias: only dW changes.
        var dW = dW0
        BLAS.linearBackward(x: x, dY: dY, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                            weight: weight, dWeight: &dW, dBias: nil, dX: nil, accumulateDX: false)
        for index in dW.indices {
            XCTAssertEqual(Double(dW[index]), dWRef[index], accuracy: 1e-5, "dW[\(index)] (no dX, no dBias)")
        }
    }

    func testDot() {
        var rng = TestRNG(5)
        for count in [0, 1, 7, 8, 9, 100, 1001] {
            let x = rng.floats(count), y = rng.floats(count)
            var expected = 0.0
            for i in 0..<count { expected += Double(x[i]) * Double(y[i]) }
            XCTAssertEqual(Double(BLAS.dot(x, y, count: count)), expected, accuracy: 1e-7 * Double(count + 1),
                           "dot count=\(count)")
        }
    }
}
