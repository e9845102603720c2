// Random: a small seeded generator (SplitMix64) with uniform and normal draws, and seed mixing.
import Foundation

public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Standard normal by Box–Muller.
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
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
