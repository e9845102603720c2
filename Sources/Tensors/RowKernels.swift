// RowKernels: fused per-row kernels (layer norm with or without bias, softmax, GELU, dropout, bias, column sums),
// forward and backward, parallel over rows and vectorised with SIMD8.
import Foundation

public enum RowKernels {
    public typealias Vector = SIMD8<Float>
    static let width8 = 8

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vector.zero
        var i = 0
        while i + 8 <= n { acc += load(p + i); i += 8 }
        var total = acc.sum()
        while i < n { total += p[i]; i += 1 }
        return total
    }

    // MARK: Layer norm

    /// y = (x − mean) / sqrt(var + eps) · gamma + beta per row; saves mean and 1/std per row for backward.
    /// A nil `beta` is a LayerNorm without bias (ModernBERT's `norm_bias: false`).
    public static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, eps: Float,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?,
                                 into y: UnsafeMutablePointer<Float>,
                                 mean: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?) {
        Parallel.forEachRange(rows, grain: 64) { range in
            for row in range {
                let xr = x + row * width, yr = y + row * width
                let mu = sum(xr, width) / Float(width)
                var acc = Vector.zero
                var i = 0
                let mv = Vector(repeating: mu)
                while i + 8 <= width { let d = load(xr + i) - mv; acc += d * d; i += 8 }
                var variance = acc.sum()
                while i < width { let d = xr[i] - mu; variance += d * d; i += 1 }
                variance /= Float(width)
                let inv = 1 / (variance + eps).squareRoot()
                let iv = Vector(repeating: inv)
                i = 0
                if let beta {
                    while i + 8 <= width {
                        store((load(xr + i) - mv) * iv * load(gamma + i) + load(beta + i), yr + i)
                        i += 8
                    }
                    while i < width { yr[i] = (xr[i] - mu) * inv * gamma[i] + beta[i]; i += 1 }
                } else {
                    while i + 8 <= width {
                        store((load(xr + i) - mv) * iv * load(gamma + i), yr + i)
                        i += 8
                    }
                    while i < width { yr[i] = (xr[i] - mu) * inv * gamma[i]; i += 1 }
                }
                mean?[row] = mu
                rstd?[row] = inv
            }
        }
    }

    /// Backward of `layerNorm`: dx (overwritten, or added to when `accumulate`), dgamma += Σ dy·x̂, dbeta += Σ dy
    /// (skipped when `dGamma` is nil; `dBeta` alone when nil, for a LayerNorm without bias).
    public static func layerNormBackward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int, width: Int,
                                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                         gamma: UnsafePointer<Float>,
                                         dx: UnsafeMutablePointer<Float>, accumulate: Bool,
                                         dGamma: UnsafeMutablePointer<Float>?, dBeta: UnsafeMutablePointer<Float>?) {
        Parallel.forEachRange(rows, grain: 64) { range in
            for row in range {
                let xr = x + row * width, dyr = dy + row * width, dxr = dx + row * width
                let mu = mean[row], inv = rstd[row]
                var sumG: Float = 0, sumGX: Float = 0
                for i in 0..<width {
                    let g = dyr[i] * gamma[i]
                    sumG += g
                    sumGX += g * (xr[i] - mu) * inv
                }
                let meanG = sumG / Float(width), meanGX = sumGX / Float(width)
                for i in 0..<width {
                    let xhat = (xr[i] - mu) * inv
                    let value = inv * (dyr[i] * gamma[i] - meanG - xhat * meanGX)
                    dxr[i] = accumulate ? dxr[i] + value : value
                }
            }
        }
        guard let dGamma else { return }
        // Column reductions split by columns, so no thread shares an output element.
        Parallel.forEachRange(width, grain: 32) { columns in
            for row in 0..<rows {
                let xr = x + row * width, dyr = dy + row * width
                let mu = mean[row], inv = rstd[row]
                if let dBeta {
                    for i in columns {
                        dGamma[i] += dyr[i] * (xr[i] - mu) * inv
                        dBeta[i] += dyr[i]
                    }
                } else {
                    for i in columns { dGamma[i] += dyr[i] * (xr[i] - mu) * inv }
                }
            }
        }
    }

    // MARK: GELU (exact, erf form)

    public static func gelu(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(count / 8, grain: 4096) { blocks in
            for block in blocks {
                let v = load(x + block * 8)
                store(v * 0.5 * (1 + FastMath.erf(v * 0.70710678118654752)), y + block * 8)
            }
        }
        for i in (count / 8 * 8)..<count {
            y[i] = x[i] * 0.5 * (1 + FastMath.erf(x[i] * 0.70710678118654752))
        }
    }

    /// dx = dy · gelu′(x), where gelu′(x) = Φ(x) + x·φ(x).
    public static func geluBackward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int,
                                    into dx: UnsafeMutablePointer<Float>) {
        @inline(__always) func derivative(_ v: Vector) -> Vector {
            let cdf = 0.5 * (1 + FastMath.erf(v * 0.70710678118654752))
            let pdf = FastMath.exp(v * v * -0.5) * 0.3989422804014327
            return cdf + v * pdf
        }
        Parallel.forEachRange(count / 8, grain: 4096) { blocks in
            for block in blocks {
                let offset = block * 8
                store(load(dy + offset) * derivative(load(x + offset)), dx + offset)
            }
        }
        for i in (count / 8 * 8)..<count {
            dx[i] = dy[i] * derivative(Vector(repeating: x[i]))[0]
        }
    }

    // MARK: Softmax (rows of a score matrix; the caller has applied any scale)

    @inline(__always)
    public static func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        var maxV = Vector(repeating: -.greatestFiniteMagnitude)
        var i = 0
        while i + 8 <= n { let v = load(row + i); maxV.replace(with: v, where: v .> maxV); i += 8 }
        var m = maxV.max()
        while i < n { m = Swift.max(m, row[i]); i += 1 }
        let mv = Vector(repeating: m)
        var acc = Vector.zero
        i = 0
        while i + 8 <= n { let e = FastMath.exp(load(row + i) - mv); store(e, row + i); acc += e; i += 8 }
        var total = acc.sum()
        while i < n { let e = FastMath.exp(row[i] - m); row[i] = e; total += e; i += 1 }
        let inv = 1 / total
        for j in 0..<n { row[j] *= inv }
    }

    /// dS = P ⊙ (dP − Σ_j dP_j P_j) · scale, in place over dP.
    @inline(__always)
    public static func softmaxBackwardRow(probabilities p: UnsafePointer<Float>, gradient dp: UnsafeMutablePointer<Float>,
                                          _ n: Int, scale: Float) {
        var dotValue: Float = 0
        for j in 0..<n { dotValue += dp[j] * p[j] }
        for j in 0..<n { dp[j] = p[j] * (dp[j] - dotValue) * scale }
    }

    // MARK: Elementwise helpers

    public static func tanh(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
    }

    /// Adds each row of dY to `sums` (bias gradients). Split by columns across workers.
    public static func addColumnSums(_ dY: UnsafePointer<Float>, rows: Int, width: Int,
                                     into sums: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(width, grain: 64) { columns in
            for row in 0..<rows {
                let r = dY + row * width
                for i in columns { sums[i] += r[i] }
            }
        }
    }

    /// y[i] *= scale · s[i] (int8 products: a row's scale times each channel's).
    @inline(__always)
    public static func multiply(_ y: UnsafeMutablePointer<Float>, by s: UnsafePointer<Float>, scale: Float, count: Int) {
        for i in 0..<count { y[i] *= scale * s[i] }
    }

    public static func add(_ a: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachRange(count, grain: 1 << 15) { range in
            for i in range { y[i] += a[i] }
        }
    }

    // MARK: Dropout (counter-based, so forward and backward regenerate the same mask without storing it,
    // and the mask does not depend on how the work is split across threads)

    @inline(__always)
    public static func dropoutKeeps(seed: UInt64, index: Int, threshold: UInt64) -> Bool {
        var z = seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (z >> 11) >= threshold
    }

    @inline(__always)
    public static func dropoutThreshold(_ probability: Float) -> UInt64 {
        UInt64(Double(probability) * Double(1 << 53))
    }

    /// x ← x ⊙ mask / (1 − p), with element i of the mask a pure function of (seed, i).
    /// `indexBase` offsets the counter, so tiles of one tensor can be masked separately.
    public static func dropout(_ x: UnsafeMutablePointer<Float>, count: Int, probability: Float, seed: UInt64,
                               indexBase: Int = 0) {
        guard probability > 0 else { return }
        let threshold = dropoutThreshold(probability)
        let scale = 1 / (1 - probability)
        Parallel.forEachRange(count, grain: 1 << 14) { range in
            for i in range {
                x[i] = dropoutKeeps(seed: seed, index: indexBase + i, threshold: threshold) ? x[i] * scale : 0
            }
        }
    }
}
