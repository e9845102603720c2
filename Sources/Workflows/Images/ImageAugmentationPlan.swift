// ImageAugmentationPlan: the image augmentation recipes a training run applies on the fly (Vision's
// `ImageAugmenter`), in order, to each batch — every image's draws a function of (training seed, epoch, the
// image's index in the training split, recipe position), so runs and resumptions repeat bit for bit — and the
// hash of the recipes' texts that training.json and the resume check record.
import Basics
import Foundation
import Vision

public final class ImageAugmentationPlan {
    public let recipes: [ImageAugmentationRecipe]
    public let shape: ImageShape
    public let classes: Int
    public let seed: UInt64
    private let augmenters: [ImageAugmenter]

    public init(recipes names: [String], shape: ImageShape, classes: Int, seed: UInt64) throws {
        guard !names.isEmpty else { throw UserError("--augment needs at least one image recipe") }
        recipes = try names.map { name in try UserError.wrapping { try ImageAugmentationRecipe.resolve(name) } }
        let mixing = recipes.filter(\.mixesBatches)
        guard mixing.count <= 1 else {
            throw UserError("recipes \(mixing.map(\.name).joined(separator: " and ")) both mix images (mixup/cutmix); give one of them")
        }
        self.shape = shape
        self.classes = classes
        self.seed = seed
        augmenters = recipes.map { ImageAugmenter(recipe: $0, shape: shape) }
    }

    /// SHA-256 over the recipes' names and texts, in order.
    public var sha256: String {
        var hasher = SHA256()
        for recipe in recipes { hasher.update(recipe.name + "\u{0}" + recipe.source + "\u{0}") }
        return hasher.finalizeHex()
    }

    /// Augments `indices.count` images in place; soft targets [count, classes] when a recipe mixed them.
    public func apply(_ images: UnsafeMutablePointer<Float>, indices: [Int], labels: [Int], epoch: Int) throws -> [Float]? {
        var soft: [Float]?
        for (position, augmenter) in augmenters.enumerated() {
            let outcome = try UserError.wrapping {
                try augmenter.apply(images: images, count: indices.count, shape: shape, labels: labels, classCount: classes,
                                    seed: SeededRandom.mix(seed, position, 0xA06), epoch: epoch, indices: indices)
            }
            if let labels = outcome.softLabels { soft = labels }
        }
        return soft
    }
}
