// BatchMixing: the batch-level operations that mix pairs of images and give soft labels [count, classes].
//
//   mixup (Zhang et al. 2018): λ ~ Beta(α, α), one λ per batch; each image i is paired with image π(i) of a
//     uniform random permutation π of the batch (their reference code's randperm) and becomes
//     λ·xᵢ + (1 − λ)·x_π(i); its label λ·yᵢ + (1 − λ)·y_π(i).
//   cutmix (Yun et al. 2019): λ ~ Beta(α, α); a box of ⌊W·√(1−λ)⌋ × ⌊H·√(1−λ)⌋ centred on a uniform pixel,
//     clipped to the image (their reference code), cut from x_π(i) and pasted into xᵢ at the same place;
//     λ is then corrected to the share of pixels kept, 1 − box area / (H·W), and labels mix with it.
//
// Both draw from a generator seeded by the batch (seed, epoch and every example index in order), so a batch
// is mixed the same way every time it recurs.
import Basics
import Foundation

public struct BatchMixing: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        case mixup
        case cutmix
    }

    public var kind: Kind
    /// The Beta(α, α) parameter, α > 0.
    public var alpha: Double
    /// The probability that a batch is mixed.
    public var probability: Double

    public init(_ kind: Kind, alpha: Double, probability: Double = 1) {
        self.kind = kind
        self.alpha = alpha
        self.probability = probability
    }
}

/// What the batch step did.
public struct BatchMixingOutcome: Sendable, Equatable {
    /// The operation applied, nil when the batch was not mixed.
    public var kind: BatchMixing.Kind?
    /// The weight of each image's own label (1 when not mixed; for cutmix the kept share of pixels).
    public var lambda: Float
    /// For each batch position, the position of the image mixed into it (itself when not mixed).
    public var partners: [Int]
    /// For cutmix, the pasted box.
    public var box: PixelBox?

    public static func unmixed(count: Int) -> BatchMixingOutcome {
        BatchMixingOutcome(kind: nil, lambda: 1, partners: Array(0..<count), box: nil)
    }
}

public enum BetaSampler {
    /// A draw from Beta(α, β) as X/(X + Y) with X ~ Gamma(α), Y ~ Gamma(β); 0.5 in the (vanishingly rare)
    /// case both gammas underflow to 0.
    public static func beta(_ alpha: Double, _ beta: Double, random: inout SeededRandom) -> Double {
        let x = gamma(alpha, random: &random), y = gamma(beta, random: &random)
        let total = x + y
        guard total > 0, total.isFinite else { return 0.5 }
        return min(max(x / total, 0), 1)
    }

    /// A draw from Gamma(shape, 1): Marsaglia & Tsang (2000) for shape ≥ 1; for shape < 1,
    /// Gamma(shape + 1)·U^(1/shape).
    public static func gamma(_ shape: Double, random: inout SeededRandom) -> Double {
        guard shape > 0, shape.isFinite else { return 0 }
        if shape < 1 {
            let u = Double(random.next() >> 11) / Double(1 << 53)
            return gamma(shape + 1, random: &random) * Foundation.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        // Acceptance is above 95% per try; the bound only guards against a broken generator.
        for _ in 0..<10_000 {
            let x = Double(random.normal())
            let t = 1 + c * x
            guard t > 0 else { continue }
            let v = t * t * t
            let u = Double(random.next() >> 11) / Double(1 << 53)
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if u > 0, Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
        return shape
    }
}

extension BatchMixing {
    /// Mixes `count` images (NCHW at `images`, `shape.count` values each) in place, reading the unmixed
    /// batch from `original` (a copy of it). Draws whether to mix, λ, the pairing and (cutmix) the box
    /// from `random`.
    func apply(_ images: UnsafeMutablePointer<Float>, original: UnsafePointer<Float>, count: Int, shape: ImageShape,
               random: inout SeededRandom) -> BatchMixingOutcome {
        guard count > 0, Double(random.uniform()) < probability else { return .unmixed(count: count) }
        let lambda = BetaSampler.beta(alpha, alpha, random: &random)
        // Fisher–Yates: a uniform permutation of the batch positions.
        var partners = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = random.below(i + 1)
            partners.swapAt(i, j)
            i -= 1
        }
        let size = shape.count
        switch kind {
        case .mixup:
            let weight = Float(lambda)
            for position in 0..<count {
                PixelOperations.blend(images + position * size, with: original + partners[position] * size,
                                      count: size, lambda: weight)
            }
            return BatchMixingOutcome(kind: .mixup, lambda: weight, partners: partners, box: nil)
        case .cutmix:
            let box = BatchMixing.cutmixBox(shape: shape, lambda: lambda, random: &random)
            for position in 0..<count where box.area > 0 {
                PixelOperations.paste(original + partners[position] * size, into: images + position * size, shape: shape,
                                      top: box.top, left: box.left, height: box.height, width: box.width)
            }
            let kept = 1 - Float(box.area) / Float(shape.height * shape.width)
            return BatchMixingOutcome(kind: .cutmix, lambda: kept, partners: partners, box: box)
        }
    }

    /// CutMix's box for λ (Yun et al.'s rand_bbox): cut ratio √(1 − λ), size ⌊W·ratio⌋ × ⌊H·ratio⌋, centre a
    /// uniform pixel, corners clipped to the image.
    public static func cutmixBox(shape: ImageShape, lambda: Double, random: inout SeededRandom) -> PixelBox {
        let ratio = (1 - min(max(lambda, 0), 1)).squareRoot()
        let cutWidth = Int(Double(shape.width) * ratio), cutHeight = Int(Double(shape.height) * ratio)
        let centreX = random.below(shape.width), centreY = random.below(shape.height)
        let left = min(max(centreX - cutWidth / 2, 0), shape.width)
        let right = min(max(centreX + cutWidth / 2, 0), shape.width)
        let top = min(max(centreY - cutHeight / 2, 0), shape.height)
        let bottom = min(max(centreY + cutHeight / 2, 0), shape.height)
        return PixelBox(top: top, left: left, height: bottom - top, width: right - left)
    }
}
