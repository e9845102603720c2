// SoftmaxTests: RowKernels.softmaxRow / softmaxBackwardRow against naive Double softmax and its Jacobian.
import Foundation
import XCTest
import Tensors

final class SoftmaxTests: XCTestCase {
    private func softmax(_ x: [Float]) -> [Float] {
        var row = x
        row.withUnsafeMutableBufferPointer { RowKernels.softmaxRow($0.baseAddress!, x.count) }
        return row
    }

    /// Each probability within 1e-6 relative (exp is ~1e-7, the sum adds a little), masked ones ≈ 0.
    private func check(_ x: [Float], label: String, file: StaticString = #filePath, line: UInt = #line) {
        let p = softmax(x)
        let reference = referenceSoftmax(x.map(Double.init))
        var total = 0.0
        for i in x.indices {
            total += Double(p[i])
            let tolerance = 1e-6 * reference[i] + 1e-30
            if !(abs(Double(p[i]) - reference[i]) <= tolerance) {
                XCTFail("\(label): p[\(i)] = \(p[i]), expected \(reference[i]) (x = \(x[i]))", file: file, line: line)
                return
            }
        }
        XCTAssertEqual(total, 1, accuracy: 1e-6 * Double(max(x.count, 1)).squareRoot() + 1e-6,
                       "\(label): Σp", file: file, line: line)
    }

    func testMatchesNaiveForManyLengths() {
        var rng = TestRNG(21)
        for n in [1, 2, 3, 7, 8, 9, 15, 16, 17, 64, 129, 384] {
            check(rng.floats(n, -8, 8), label: "random n=\(n)")
            check(rng.floats(n, -0.01, 0.01), label: "near-uniform n=\(n)")
        }
    }

    func testLengthOneAndEqualValues() {
        for value: Float in [0, -3, 1e4, -1e4, .greatestFiniteMagnitude, -.greatestFiniteMagnitude] {
            XCTAssertEqual(softmax([value]), [1], "single value \(value)")
        }
        for n in [2, 5, 8, 13] {
            let p = softmax([Float](repeating: 42, count: n))
            for value in p { XCTAssertEqual(Double(value), 1 / Double(n), accuracy: 1e-7) }
        }
    }

    func testLargeValuesDoNotOverflow() {
        var rng = TestRNG(22)
        for n in [3, 9, 40] {
            check(rng.floats(n, 1e4 - 10, 1e4 + 10), label: "around 1e4, n=\(n)")
            check(rng.floats(n, -1e4 - 10, -1e4 + 10), label: "around -1e4, n=\(n)")
            check(rng.floats(n, -1e4, 1e4), label: "spread ±1e4, n=\(n)")
        }
        check([3e38, 3e38 - 1e33, -3e38], label: "near Float max")
    }

    func testMaskedValues() {
        var rng = TestRNG(23)
        for n in [5, 8, 19, 33] {
            for mask: Float in [-.infinity, -.greatestFiniteMagnitude, -1e9, -1e4] {
                var x = rng.floats(n, -4, 4)
                for i in stride(from: 1, to: n, by: 3) { x[i] = mask }
                x[n - 1] = mask                                       // the scalar tail holds a masked value too
                let p = softmax(x)
                check(x, label: "mask \(mask), n=\(n)")
                for i in x.indices where x[i] == mask && mask < -1e8 {
                    XCTAssertLessThan(p[i], 1e-30, "masked position \(i) of n=\(n) with \(mask)")
                }
            }
        }
        // A fully masked row must not turn into NaN (attention over only padding).
        for mask: Float in [-.infinity, -.greatestFiniteMagnitude, -1e9] {
            for n in [1, 4, 11] {
                let p = softmax([Float](repeating: mask, count: n))
                for value in p {
                    XCTAssertEqual(Double(value), 1 / Double(n), accuracy: 1e-6, "fully masked n=\(n) with \(mask)")
                }
            }
        }
    }

    func testBackwardIsJacobianVectorProduct() {
        var rng = TestRNG(24)
        for n in [1, 2, 7, 8, 17, 128] {
            for scale: Float in [1, 0.125] {
                let p = softmax(rng.floats(n, -3, 3))
                let dp = rng.floats(n, -2, 2)
                // J = diag(p) − p pᵀ; dS = scale · J · dP.
                let pd = p.map(Double.init), dpd = dp.map(Double.init)
                var expected = [Double](repeating: 0, count: n)
                for i in 0..<n {
                    var total = 0.0
                    for j in 0..<n { total += ((i == j ? pd[i] : 0) - pd[i] * pd[j]) * dpd[j] }
                    expected[i] = total * Double(scale)
                }
                var result = dp
                result.withUnsafeMutableBufferPointer { out in
                    RowKernels.softmaxBackwardRow(probabilities: p, gradient: out.baseAddress!, n, scale: scale)
                }
                for i in 0..<n {
                    XCTAssertEqual(Double(result[i]), expected[i], accuracy: 1e-6 * Double(scale) * (pd[i] + 1e-3),
                                   "softmax backward n=\(n) scale=\(scale) [\(i)]")
                }
                // The gradient of a softmax input is orthogonal to the all-ones direction.
                XCTAssertEqual(result.reduce(0, +), 0, accuracy: 1e-6)
            }
        }
    }
}
