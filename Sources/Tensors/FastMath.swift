// FastMath: vectorised exp and erf for Float (SIMD8), accurate to a few ulp; used by GELU and softmax.
import Foundation

public enum FastMath {
    public typealias Vector = SIMD8<Float>

    /// Lane-wise clamp written with masks (the generic `clamped` is not specialised and is slow).
    @inline(__always)
    static func clamp(_ x: Vector, _ low: Float, _ high: Float) -> Vector {
        var y = x
        y.replace(with: Vector(repeating: low), where: y .< low)
        y.replace(with: Vector(repeating: high), where: y .> high)
        return y
    }

    /// e^x for each lane; inputs are clamped to [-87.34, 88.72], so the result lies in [1.2e-38, 3.4e38].
    @inline(__always)
    public static func exp(_ input: Vector) -> Vector {
        let x = clamp(input, -87.33654, 88.72283)
        // x = n·ln2 + r with |r| ≤ ln2/2. Adding 1.5·2²³ rounds to the nearest integer in the low
        // mantissa bits, which avoids a (slow, per-lane) float→int conversion.
        let shifted = x * 1.442695040888963 + 12582912.0
        let n = shifted - 12582912.0
        var r = x - n * 0.693145751953125
        r = r - n * 1.428606765330187e-06
        // Minimax polynomial for e^r on [-ln2/2, ln2/2] (Cephes expf coefficients).
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let r2 = r * r
        let er = p * r2 + r + 1
        // 2^n through the exponent bits; n ∈ [-126, 128] after the clamp, applied in two halves so
        // neither factor overflows or underflows.
        let ni = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let half = ni &>> 1
        let scaleA = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let scaleB = unsafeBitCast((ni &- half &+ 127) &<< 23, to: Vector.self)
        return er * scaleA * scaleB
    }

    /// erf(x) for each lane: a rational approximation on [-4, 4] (erf is ±1 to Float precision beyond).
    @inline(__always)
    public static func erf(_ input: Vector) -> Vector {
        let x = clamp(input, -4, 4)
        let x2 = x * x
        var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
        p = x2 * p + -2.10102402082508e-06
        p = x2 * p + -5.69250639462346e-05
        p = x2 * p + -7.34990630326855e-04
        p = x2 * p + -2.95459980854025e-03
        p = x2 * p + -1.60960333262415e-02
        p = x * p
        var q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04
        q = x2 * q + -1.68282697438203e-03
        q = x2 * q + -7.37332916720468e-03
        q = x2 * q + -1.42647390514189e-02
        return clamp(p / q, -1, 1)   // the rational form overshoots 1 by an ulp near |x| = 4
    }

    @inline(__always)
    public static func tanh(_ input: Vector) -> Vector {
        // tanh(x) = 1 - 2/(e^{2x}+1), stable for large |x| because exp saturates.
        let e = exp(input * 2)
        return 1 - 2 / (e + 1)
    }

    // Scalar versions, for tails shorter than a vector.
    @inline(__always) public static func exp(_ x: Float) -> Float { exp(Vector(repeating: x))[0] }
    @inline(__always) public static func erf(_ x: Float) -> Float { erf(Vector(repeating: x))[0] }
}
