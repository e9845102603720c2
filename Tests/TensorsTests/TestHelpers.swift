// TestHelpers: deterministic test data, naive Double references and error statistics shared by the Tensors tests.
import Basics
import Foundation
import Tensors

/// xorshift64* generator independent of the `SeededRandom` under test.
struct TestRNG {
    private var state: UInt64

    init(_ seed: UInt64) { state = seed &* 0x2545_F491_4F6C_DD1D | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    mutating func uniform(_ low: Double, _ high: Double) -> Float { Float(low + (high - low) * unit()) }

    mutating func gaussian() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    mutating func floats(_ count: Int, _ low: Double = -1, _ high: Double = 1) -> [Float] {
        (0..<count).map { _ in uniform(low, high) }
    }
}

/// Worst absolute and relative errors of an approximation, with the inputs where they occur.
struct ErrorStats: CustomStringConvertible {
    var maxAbs: Double = 0
    var maxRel: Double = 0
    var worstAbsInput: Double = .nan
    var worstRelInput: Double = .nan
    var count = 0

    /// Records one comparison; relative error is only recorded where |reference| ≥ `relativeFloor`.
    mutating func record(input: Double, value: Float, reference: Double, relativeFloor: Double = 0) {
        count += 1
        let abs = Swift.abs(Double(value) - reference)
        if !(abs <= maxAbs) { maxAbs = abs; worstAbsInput = input }   // NaN also becomes the worst
        if Swift.abs(reference) >= relativeFloor, reference != 0 {
            let rel = abs / Swift.abs(reference)
            if !(rel <= maxRel) { maxRel = rel; worstRelInput = input }
        }
    }

    var description: String {
        String(format: "max abs %.3e (x = %.7g), max rel %.3e (x = %.7g) over %d points",
               maxAbs, worstAbsInput, maxRel, worstRelInput, count)
    }
}

/// Runs `body` with `Parallel.workers` set to `count`, restoring the previous value afterwards.
func withWorkers<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
    let saved = Parallel.workers
    Parallel.workers = count
    defer { Parallel.workers = saved }
    return try body()
}

/// Applies a SIMD8 function over an array, padding the last vector with zeros.
func mapVectorised(_ xs: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>) -> [Float] {
    var out = [Float](repeating: 0, count: xs.count)
    var i = 0
    while i < xs.count {
        var v = SIMD8<Float>.zero
        for lane in 0..<8 where i + lane < xs.count { v[lane] = xs[i + lane] }
        let r = f(v)
        for lane in 0..<8 where i + lane < xs.count { out[i + lane] = r[lane] }
        i += 8
    }
    return out
}

/// Evenly spaced Floats from `low` to `high` inclusive.
func sweep(_ low: Double, _ high: Double, count: Int) -> [Float] {
    (0..<count).map { Float(low + (high - low) * Double($0) / Double(count - 1)) }
}

/// Exact GELU in Double: 0.5·x·(1 + erf(x/√2)).
func referenceGELU(_ x: Double) -> Double { 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())) }

/// d/dx GELU in Double: Φ(x) + x·φ(x).
func referenceGELUDerivative(_ x: Double) -> Double {
    let cdf = 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot()))
    let pdf = Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    return cdf + x * pdf
}

/// Naive layer norm of one row in Double: (y, mean, rstd).
func referenceLayerNorm(_ x: [Double], gamma: [Double], beta: [Double], eps: Double)
    -> (y: [Double], mean: Double, rstd: Double) {
    let n = Double(x.count)
    let mean = x.reduce(0, +) / n
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
    let rstd = 1 / (variance + eps).squareRoot()
    let y = x.indices.map { (x[$0] - mean) * rstd * gamma[$0] + beta[$0] }
    return (y, mean, rstd)
}

/// Naive row softmax in Double (−∞ entries give exactly 0).
func referenceSoftmax(_ x: [Double]) -> [Double] {
    let m = x.max() ?? 0
    let e = x.map { $0 == -.infinity ? 0 : Foundation.exp($0 - m) }
    let total = e.reduce(0, +)
    return e.map { $0 / total }
}
