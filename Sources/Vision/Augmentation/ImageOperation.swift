// ImageOperation: the per-image operations of an image augmentation recipe, with the ranges their random
// parameters are drawn from, and how one is applied to one image with a given generator. Each draws its
// parameters uniformly from its range:
//
//     horizontal_flip                    mirror left ↔ right
//     random_crop      padding P         pad P zero pixels on every side, crop back at a uniform offset in
//                                        0…2P each way (torchvision RandomCrop(padding=P)): a whole-pixel shift
//                                        by −P…P, uncovered pixels 0
//     rotation         degrees [lo, hi]  counter-clockwise degrees about the centre, bilinear, fill 0
//     translation      fraction [fx, fy] shift by a uniform amount in ±fx·W, ±fy·H, rounded to whole pixels
//                                        (torchvision RandomAffine translate=(fx, fy)), fill 0
//     scaling          zoom [lo, hi]     zoom factor about the centre (> 1 enlarges), bilinear, fill 0
//     brightness       factor [lo, hi]   x·f (PIL / torchvision: a blend with black), or
//                      delta [lo, hi]    x + d (additive, as ImageNet-C's brightness); clamped to [0, 1]
//     contrast         factor [lo, hi]   f·x + (1 − f)·mean (torchvision adjust_contrast; mean of the grey image)
//     random_erasing   area, aspect,     Zhong et al. 2020 as torchvision RandomErasing: up to 10 tries of an
//                      value             area fraction in `area`, aspect h/w log-uniform in `aspect`, a box of
//                                        round(√(A·r)) × round(√(A/r)) that fits strictly inside; filled with
//                                        uniform noise in [0, 1) (`value: random`) or a constant in [0, 1]
//     randaugment      n, magnitude, ops RandAugment (RandAugment.swift)
//
// Scalars are accepted for symmetric ranges: degrees d → [−d, d], factor f → [max(0, 1 − f), 1 + f],
// delta d → [−d, d], zoom z → [1 − z, 1 + z], fraction f → [f, f].
import Basics
import Foundation

/// A closed range of a parameter, lower ≤ upper.
public struct ParameterRange: Sendable, Equatable, Codable, CustomStringConvertible {
    public var lower: Double
    public var upper: Double

    public init(_ lower: Double, _ upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// A uniform draw (exactly `lower` when the range is a point).
    func draw(_ random: inout SeededRandom) -> Double {
        lower == upper ? lower : lower + (upper - lower) * Double(random.uniform())
    }

    public var description: String { "[\(lower), \(upper)]" }
}

public enum ErasingValue: Sendable, Equatable, Codable {
    /// Independent uniform values in [0, 1) per erased pixel (Zhong et al.'s random values).
    case random
    /// One value in [0, 1] (0: black).
    case constant(Float)
}

public enum ImageOperation: Sendable, Equatable, Codable {
    case horizontalFlip
    case randomCrop(padding: Int)
    case rotation(degrees: ParameterRange)
    case translation(x: Double, y: Double)
    case scaling(zoom: ParameterRange)
    /// Multiplicative: x·f.
    case brightnessFactor(ParameterRange)
    /// Additive: x + d.
    case brightnessDelta(ParameterRange)
    case contrast(factor: ParameterRange)
    case randomErasing(area: ParameterRange, aspect: ParameterRange, value: ErasingValue)
    case randAugment(RandAugment)

    /// The name used in recipe files.
    public var name: String {
        switch self {
        case .horizontalFlip: return "horizontal_flip"
        case .randomCrop: return "random_crop"
        case .rotation: return "rotation"
        case .translation: return "translation"
        case .scaling: return "scaling"
        case .brightnessFactor, .brightnessDelta: return "brightness"
        case .contrast: return "contrast"
        case .randomErasing: return "random_erasing"
        case .randAugment: return "randaugment"
        }
    }

    public static let names = ["horizontal_flip", "random_crop", "rotation", "translation", "scaling", "brightness",
                               "contrast", "random_erasing", "randaugment"]

    /// Applies the operation to one image (`shape.count` values at `image`) with parameters drawn from
    /// `random`. `workspace` provides the scratch image and histogram.
    func apply(_ image: UnsafeMutablePointer<Float>, shape: ImageShape, random: inout SeededRandom,
               workspace: AugmentationWorkspace) {
        let count = shape.count
        switch self {
        case .horizontalFlip:
            PixelOperations.flipHorizontal(image, shape: shape)
        case .randomCrop(let padding):
            guard padding > 0 else { return }
            let dx = padding - random.below(2 * padding + 1)
            let dy = padding - random.below(2 * padding + 1)
            workspace.shift(image, shape: shape, dx: dx, dy: dy)
        case .rotation(let degrees):
            workspace.warp(image, shape: shape, map: .rotation(degrees: degrees.draw(&random)))
        case .translation(let fx, let fy):
            let maxX = fx * Double(shape.width), maxY = fy * Double(shape.height)
            let dx = Int((-maxX + 2 * maxX * Double(random.uniform())).rounded())
            let dy = Int((-maxY + 2 * maxY * Double(random.uniform())).rounded())
            workspace.shift(image, shape: shape, dx: dx, dy: dy)
        case .scaling(let zoom):
            workspace.warp(image, shape: shape, map: .scaling(zoom.draw(&random)))
        case .brightnessFactor(let factor):
            PixelOperations.scaleBrightness(image, count: count, factor: Float(factor.draw(&random)))
        case .brightnessDelta(let delta):
            PixelOperations.addBrightness(image, count: count, delta: Float(delta.draw(&random)))
        case .contrast(let factor):
            PixelOperations.contrast(image, shape: shape, factor: Float(factor.draw(&random)))
        case .randomErasing(let area, let aspect, let value):
            guard let box = RandomErasing.box(shape: shape, area: area, aspect: aspect, random: &random) else { return }
            switch value {
            case .random:
                PixelOperations.fillRandom(image, shape: shape, top: box.top, left: box.left, height: box.height,
                                           width: box.width, random: &random)
            case .constant(let fill):
                PixelOperations.fill(image, shape: shape, top: box.top, left: box.left, height: box.height,
                                     width: box.width, value: fill)
            }
        case .randAugment(let randAugment):
            randAugment.apply(image, shape: shape, random: &random, workspace: workspace)
        }
    }
}

/// A rectangle of an image: rows top..<top+height, columns left..<left+width.
public struct PixelBox: Sendable, Equatable {
    public var top: Int, left: Int, height: Int, width: Int
    public init(top: Int, left: Int, height: Int, width: Int) {
        self.top = top; self.left = left; self.height = height; self.width = width
    }
    public var area: Int { height * width }
}

public enum RandomErasing {
    /// The box torchvision's RandomErasing.get_params picks: up to 10 tries of area A = H·W·u(area) and
    /// aspect r = exp(u(log aspect)), h = round(√(A·r)), w = round(√(A/r)), kept when h < H and w < W, at a
    /// uniform top-left corner; nil (no erasing) when no try fits.
    public static func box(shape: ImageShape, area: ParameterRange, aspect: ParameterRange,
                           random: inout SeededRandom) -> PixelBox? {
        let imageArea = Double(shape.height * shape.width)
        let logLower = Foundation.log(aspect.lower), logUpper = Foundation.log(aspect.upper)
        for _ in 0..<10 {
            let target = imageArea * area.draw(&random)
            let ratio = Foundation.exp(logLower + (logUpper - logLower) * Double(random.uniform()))
            let h = Int((target * ratio).squareRoot().rounded())
            let w = Int((target / ratio).squareRoot().rounded())
            guard h < shape.height, w < shape.width, h > 0, w > 0 else { continue }
            let top = random.below(shape.height - h + 1)
            let left = random.below(shape.width - w + 1)
            return PixelBox(top: top, left: left, height: h, width: w)
        }
        return nil
    }
}

/// One step of a recipe: an operation and the probability it is applied to an image.
public struct ImageAugmentationStep: Sendable, Equatable, Codable {
    public var operation: ImageOperation
    public var probability: Double

    public init(_ operation: ImageOperation, probability: Double = 1) {
        self.operation = operation
        self.probability = probability
    }
}

/// The scratch an augmenter or a corruption works in: one image and a 256-bin histogram, allocated once.
/// Not thread-safe: one per thread.
final class AugmentationWorkspace {
    private(set) var imageCapacity: Int
    private(set) var scratch: UnsafeMutablePointer<Float>
    let histogram: UnsafeMutablePointer<Int>
    /// For Gaussian kernels (radius ≤ 63 fits; larger sigmas are refused where they are configured).
    let kernel: UnsafeMutablePointer<Float>
    static let kernelCapacity = 128

    init(imageCount: Int) {
        imageCapacity = max(imageCount, 1)
        scratch = .allocate(capacity: imageCapacity)
        histogram = .allocate(capacity: 256)
        kernel = .allocate(capacity: AugmentationWorkspace.kernelCapacity)
    }

    deinit {
        scratch.deallocate()
        histogram.deallocate()
        kernel.deallocate()
    }

    /// Makes room for images of `count` values (reallocating only when it grows).
    func reserve(_ count: Int) {
        guard count > imageCapacity else { return }
        scratch.deallocate()
        imageCapacity = count
        scratch = .allocate(capacity: count)
    }

    /// Shifts `image` in place by whole pixels through the scratch image.
    func shift(_ image: UnsafeMutablePointer<Float>, shape: ImageShape, dx: Int, dy: Int) {
        guard dx != 0 || dy != 0 else { return }
        PixelOperations.shift(image, into: scratch, shape: shape, dx: dx, dy: dy)
        image.update(from: scratch, count: shape.count)
    }

    /// Warps `image` in place through the scratch image.
    func warp(_ image: UnsafeMutablePointer<Float>, shape: ImageShape, map: AffineMap) {
        PixelOperations.warp(image, into: scratch, shape: shape, map: map)
        image.update(from: scratch, count: shape.count)
    }
}
