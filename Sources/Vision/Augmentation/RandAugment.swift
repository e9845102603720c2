// RandAugment (Cubuk et al. 2020): for each image, N operations drawn uniformly (with replacement) from a
// list, each at one magnitude M on torchvision's 0…30 scale (its 31 magnitude bins), mapped to each
// operation's range as torchvision.transforms.RandAugment does for an image of H×W pixels:
//
//     operation       at magnitude M (0…30)                         sign
//     identity        —                                             —
//     shear_x/_y      shear m = 0.3·M/30                            random ±
//     translate_x     ⌊(150/331)·W·M/30⌋ pixels (y: H)              random ±
//     rotate          30·M/30 degrees                               random ±
//     brightness      factor 1 ± 0.9·M/30 (x·f)                     random ±
//     contrast        factor 1 ± 0.9·M/30 (about the grey mean)     random ±
//     sharpness       factor 1 ± 0.9·M/30 (PIL's 3×3 smoothing)      random ±
//     posterize       8 − round(M/7.5) bits (8…4)                   —
//     solarize        invert pixels ≥ 1 − M/30                      —
//     autocontrast    stretch to [0, 1]                             —
//     equalize        histogram equalisation of the 8-bit levels    —
//
// At M = 9 on 28×28: shear 0.09, translate 3 pixels, rotate 9°, factors 1 ± 0.27, posterize 7 bits,
// solarize above 0.7. torchvision's `color` (saturation) is left out: it does nothing to a grey image.
// Differences from torchvision, documented: geometric operations sample bilinearly (torchvision's default
// is nearest) and shear about the image centre (torchvision shears about the top-left corner, which also
// shifts the content by up to m·H/2); posterize, equalize and solarize work on the 8-bit levels
// round(255·x) as torchvision's uint8 path does, and return levels / 255.
import Basics
import Foundation

public struct RandAugment: Sendable, Equatable, Codable {
    public enum Operation: String, Sendable, Equatable, Codable, CaseIterable {
        case identity
        case shearX = "shear_x"
        case shearY = "shear_y"
        case translateX = "translate_x"
        case translateY = "translate_y"
        case rotate
        case brightness
        case contrast
        case sharpness
        case posterize
        case solarize
        case autocontrast
        case equalize

        /// Whether a draw of this operation flips the sign of its magnitude at random (torchvision's `signed`).
        var signed: Bool {
            switch self {
            case .shearX, .shearY, .translateX, .translateY, .rotate, .brightness, .contrast, .sharpness: return true
            default: return false
            }
        }
    }

    /// Operations per image.
    public var count: Int
    /// Magnitude on the 0…30 scale.
    public var magnitude: Double
    /// The operations drawn from (default: all of `Operation`).
    public var operations: [Operation]

    public static let maxMagnitude: Double = 30

    public init(count: Int = 2, magnitude: Double = 9, operations: [Operation] = Operation.allCases) {
        self.count = count
        self.magnitude = magnitude
        self.operations = operations
    }

    /// Applies `operation` at `magnitude` (0…30) to one image; `negative` flips the sign of a signed
    /// operation. The deterministic core of RandAugment, public for tests and for callers that pick their own.
    public static func apply(_ operation: Operation, magnitude: Double, negative: Bool,
                             to image: UnsafeMutablePointer<Float>, shape: ImageShape,
                             scratch: UnsafeMutablePointer<Float>, histogram: UnsafeMutablePointer<Int>) {
        let fraction = min(max(magnitude, 0), maxMagnitude) / maxMagnitude
        let sign: Double = operation.signed && negative ? -1 : 1
        let count = shape.count
        func warp(_ map: AffineMap) {
            PixelOperations.warp(image, into: scratch, shape: shape, map: map)
            image.update(from: scratch, count: count)
        }
        func shift(dx: Int, dy: Int) {
            guard dx != 0 || dy != 0 else { return }
            PixelOperations.shift(image, into: scratch, shape: shape, dx: dx, dy: dy)
            image.update(from: scratch, count: count)
        }
        switch operation {
        case .identity:
            return
        case .shearX:
            warp(.shearX(sign * 0.3 * fraction))
        case .shearY:
            warp(.shearY(sign * 0.3 * fraction))
        case .translateX:
            let pixels = Int(150.0 / 331.0 * Double(shape.width) * fraction)
            shift(dx: Int(sign) * pixels, dy: 0)
        case .translateY:
            let pixels = Int(150.0 / 331.0 * Double(shape.height) * fraction)
            shift(dx: 0, dy: Int(sign) * pixels)
        case .rotate:
            warp(.rotation(degrees: sign * 30 * fraction))
        case .brightness:
            PixelOperations.scaleBrightness(image, count: count, factor: Float(1 + sign * 0.9 * fraction))
        case .contrast:
            PixelOperations.contrast(image, shape: shape, factor: Float(1 + sign * 0.9 * fraction))
        case .sharpness:
            PixelOperations.sharpness(image, scratch: scratch, shape: shape, factor: Float(1 + sign * 0.9 * fraction))
        case .posterize:
            PixelOperations.posterize(image, count: count, bits: 8 - Int((fraction * 4).rounded(.toNearestOrEven)))
        case .solarize:
            PixelOperations.solarize(image, count: count, threshold: Float(1 - fraction))
        case .autocontrast:
            PixelOperations.autocontrast(image, shape: shape)
        case .equalize:
            PixelOperations.equalize(image, shape: shape, histogram: histogram)
        }
    }

    func apply(_ image: UnsafeMutablePointer<Float>, shape: ImageShape, random: inout SeededRandom, workspace: AugmentationWorkspace) {
        guard !operations.isEmpty else { return }
        for _ in 0..<count {
            let operation = operations[random.below(operations.count)]
            let negative = operation.signed && random.below(2) == 1
            RandAugment.apply(operation, magnitude: magnitude, negative: negative, to: image, shape: shape,
                              scratch: workspace.scratch, histogram: workspace.histogram)
        }
    }
}
