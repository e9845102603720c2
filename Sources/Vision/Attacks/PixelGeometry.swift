// PixelGeometry: the per-image geometry of pixel attacks on raw pointers (one image of `count` values at
// a time, no allocation): the steepest-ascent direction of a norm, projection onto the ε-ball ∩ [0, 1]^d,
// random starting points, and the distances reported.
//
// Projection. L∞: the ball and the box are both boxes, so clamping to [max(c−ε, 0), min(c+ε, 1)] is the
// exact Euclidean projection. L2: the exact projection onto {p : ‖p − c‖₂ ≤ ε, 0 ≤ p ≤ 1} (not the usual
// "scale into the ball, then clip"): by the KKT conditions it is c + clip(s·v, −c, 1 − c) for v = x − c and
// the largest s ∈ [0, 1] whose point lies in the ball, found by bisection (‖clip(s·v)‖ grows with s).
// Results are within ε up to Float rounding of c + δ (about 1e-7 per pixel).
import Basics
import Foundation

enum PixelGeometry {
    /// Overwrites `direction` with the unit step of `norm` along `gradient`: sign(g) for L∞, g/‖g‖₂ for L2
    /// (zero when the gradient is zero).
    static func ascentDirection(_ norm: PixelNorm, gradient: UnsafePointer<Float>, into direction: UnsafeMutablePointer<Float>,
                                count: Int) {
        switch norm {
        case .linf:
            for i in 0..<count { direction[i] = gradient[i] > 0 ? 1 : (gradient[i] < 0 ? -1 : 0) }
        case .l2:
            let length = l2Norm(gradient, count: count)
            let scale: Float = length > 0 ? Float(1 / length) : 0
            for i in 0..<count { direction[i] = gradient[i] * scale }
        }
    }

    static func l2Norm(_ values: UnsafePointer<Float>, count: Int) -> Double {
        var total: Double = 0
        for i in 0..<count { total += Double(values[i]) * Double(values[i]) }
        return total.squareRoot()
    }

    /// Clamps `x` to [0, 1].
    static func clipToImage(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = min(max(x[i], 0), 1) }
    }

    /// Projects `x` onto the `norm` ball of radius `epsilon` around `clean`, intersected with [0, 1]^count.
    static func project(_ norm: PixelNorm, _ x: UnsafeMutablePointer<Float>, clean: UnsafePointer<Float>, epsilon: Float,
                        count: Int) {
        switch norm {
        case .linf:
            for i in 0..<count {
                let low = max(clean[i] - epsilon, 0), high = min(clean[i] + epsilon, 1)
                x[i] = min(max(x[i], low), high)
            }
        case .l2:
            projectL2(x, clean: clean, epsilon: epsilon, count: count)
        }
    }

    /// The exact Euclidean projection onto the L2 ball ∩ [0, 1]^count (see the file's header).
    static func projectL2(_ x: UnsafeMutablePointer<Float>, clean: UnsafePointer<Float>, epsilon: Float, count: Int) {
        let radius = Double(epsilon)
        // ‖clip(s·v, −c, 1 − c)‖² for the offsets v = x − c.
        func squaredLength(_ s: Double) -> Double {
            var total: Double = 0
            for i in 0..<count {
                let c = Double(clean[i])
                let d = min(max(s * (Double(x[i]) - c), -c), 1 - c)
                total += d * d
            }
            return total
        }
        var s: Double = 1
        if squaredLength(1) > radius * radius {
            var low: Double = 0, high: Double = 1
            for _ in 0..<50 {
                let middle = (low + high) / 2
                if squaredLength(middle) > radius * radius { high = middle } else { low = middle }
            }
            s = low
        }
        var total: Double = 0
        for i in 0..<count {
            let c = Double(clean[i])
            let d = min(max(s * (Double(x[i]) - c), -c), 1 - c)
            total += d * d
        }
        // Float rounding of the offsets must not carry the point outside the ball.
        let shrink = total > radius * radius && total > 0 ? radius / total.squareRoot() : 1
        for i in 0..<count {
            let c = Double(clean[i])
            let d = min(max(s * (Double(x[i]) - c), -c), 1 - c) * shrink
            x[i] = min(max(Float(c + d), 0), 1)
        }
    }

    /// PGD's start: clean + δ with δ uniform in the ball (L∞: each pixel uniform in [−ε, ε]; L2: a
    /// Gaussian direction and radius ε·u^(1/d)), then projected onto the ball ∩ [0, 1]^d.
    static func uniformStart(_ norm: PixelNorm, into x: UnsafeMutablePointer<Float>, clean: UnsafePointer<Float>,
                             epsilon: Float, count: Int, random: inout SeededRandom) {
        switch norm {
        case .linf:
            for i in 0..<count { x[i] = clean[i] + epsilon * (2 * random.uniform() - 1) }
        case .l2:
            for i in 0..<count { x[i] = random.normal() }
            let length = l2Norm(x, count: count)
            let radius = Double(epsilon) * Foundation.pow(Double(random.uniform()), 1 / Double(count))
            let scale = length > 0 ? Float(radius / length) : 0
            for i in 0..<count { x[i] = clean[i] + x[i] * scale }
        }
        project(norm, x, clean: clean, epsilon: epsilon, count: count)
    }

    /// APGD's start as AutoAttack's: clean + ε·t/‖t‖ with t uniform in [−1, 1]^d (L∞) or Gaussian (L2) — a
    /// point on the ball's surface — projected onto the ball ∩ [0, 1]^d.
    static func surfaceStart(_ norm: PixelNorm, into x: UnsafeMutablePointer<Float>, clean: UnsafePointer<Float>,
                             epsilon: Float, count: Int, random: inout SeededRandom) {
        switch norm {
        case .linf:
            var largest: Float = 0
            for i in 0..<count {
                x[i] = 2 * random.uniform() - 1
                largest = max(largest, abs(x[i]))
            }
            let scale = largest > 0 ? epsilon / largest : 0
            for i in 0..<count { x[i] = clean[i] + x[i] * scale }
        case .l2:
            for i in 0..<count { x[i] = random.normal() }
            let length = l2Norm(x, count: count)
            let scale = length > 0 ? Float(Double(epsilon) / length) : 0
            for i in 0..<count { x[i] = clean[i] + x[i] * scale }
        }
        project(norm, x, clean: clean, epsilon: epsilon, count: count)
    }

    /// (max |a − b|, ‖a − b‖₂).
    static func distances(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> (linf: Float, l2: Float) {
        var largest: Float = 0
        var total: Double = 0
        for i in 0..<count {
            let d = a[i] - b[i]
            largest = max(largest, abs(d))
            total += Double(d) * Double(d)
        }
        return (largest, Float(total.squareRoot()))
    }
}
