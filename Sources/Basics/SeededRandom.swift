// SeededRandom: SeededRandom (Steele, Lea & Flood 2014), the one seeded generator every module uses, so a
// seed fixes the same stream on every platform and Swift version (never the system RNG).
import Foundation

public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits (Float precision).
    public mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Standard normal by Box–Muller.
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A uniform integer in 0..<bound without modulo bias (Lemire's multiply-and-reject).
    /// `bound` must be positive; the bootstrap's pinned reference values use this draw.
    public mutating func below(_ bound: Int) -> Int {
        let range = UInt64(max(bound, 1))
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A uniform integer in 0..<bound by rejection then modulo. The dataset splits are pinned to this
    /// draw (and to a Python transcription of it), so it stays alongside `below`.
    public mutating func next(below bound: Int) -> Int {
        let range = UInt64(max(bound, 1))
        let limit = UInt64.max - UInt64.max % range
        while true {
            let value = next()
            if value < limit { return Int(value % range) }
        }
    }

    /// Derives an independent seed from a base seed and a list of integers (step, layer, site…).
    public static func mix(_ seed: UInt64, _ parts: Int...) -> UInt64 {
        var generator = SeededRandom(seed: seed)
        var value = generator.next()
        for part in parts {
            generator = SeededRandom(seed: value ^ UInt64(bitPattern: Int64(part)) &* 0xD6E8_FEB8_6659_FD93)
            value = generator.next()
        }
        return value
    }
}
