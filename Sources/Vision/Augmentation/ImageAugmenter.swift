// ImageAugmenter: applies an `ImageAugmentationRecipe` to a batch of images in place.
//
// Reproducibility: every random draw of a per-image step comes from a generator seeded by
// SeededRandom.mix(seed, epoch, example index, step position), so an image's augmentation depends only on
// (seed, epoch, its example index) and the recipe — not on the batch it is in, its position there, or what
// the other steps drew. Batch mixing draws from SeededRandom.mix(seed, epoch, −1) folded with every example
// index of the batch in order, so the same batch in the same epoch mixes the same way.
//
// Memory: one scratch image and a histogram per augmenter, and a copy of the batch when the recipe mixes
// batches; they grow to the largest batch seen and are reused. Per batch, only the soft labels and the
// partner list are allocated. An augmenter is not thread-safe: use one per thread.
import Basics
import Foundation

/// What `ImageAugmenter.apply` did to a batch, beyond the pixels.
public struct ImageBatchAugmentation: Sendable, Equatable {
    /// Soft labels [count, classCount] (row-major) when the recipe mixes batches — one-hot rows when this
    /// batch was left unmixed; nil when the recipe has no batch step (the hard labels stand).
    public var softLabels: [Float]?
    /// The batch mixing done (`kind` nil when none).
    public var mixing: BatchMixingOutcome
}

public final class ImageAugmenter {
    public let recipe: ImageAugmentationRecipe
    private let workspace: AugmentationWorkspace
    private var batchCopy: UnsafeMutablePointer<Float>?
    private var batchCopyCapacity = 0

    public init(recipe: ImageAugmentationRecipe, shape: ImageShape? = nil) {
        self.recipe = recipe
        workspace = AugmentationWorkspace(imageCount: shape?.count ?? 1)
    }

    deinit { batchCopy?.deallocate() }

    /// Augments `count` images (NCHW at `images`, pixels in [0, 1]) in place. `indices` are the examples'
    /// indices in the dataset (one per image: they seed the per-image draws); `labels` their classes in
    /// 0..<classCount (needed only when the recipe mixes batches; may be nil otherwise). Returns the soft
    /// labels when the recipe mixes batches. Throws `ImageAugmentationError.input` for mismatched counts,
    /// an empty shape or a label out of range; the images are untouched then.
    @discardableResult
    public func apply(images: UnsafeMutablePointer<Float>, count: Int, shape: ImageShape, labels: [Int]?,
                      classCount: Int, seed: UInt64, epoch: Int, indices: [Int]) throws -> ImageBatchAugmentation {
        guard shape.channels > 0, shape.height > 0, shape.width > 0 else {
            throw ImageAugmentationError.input("image shape \(shape) has an empty dimension")
        }
        guard count >= 0, indices.count == count else {
            throw ImageAugmentationError.input("\(indices.count) example indices for \(count) images")
        }
        if recipe.mixesBatches {
            guard let labels else {
                throw ImageAugmentationError.input("recipe '\(recipe.name)' mixes batches (\(recipe.batch.map(\.kind.rawValue).joined(separator: ", "))) and needs the labels")
            }
            guard labels.count == count else { throw ImageAugmentationError.input("\(labels.count) labels for \(count) images") }
            guard classCount > 0 else { throw ImageAugmentationError.input("class count \(classCount) must be positive") }
            if let bad = labels.first(where: { $0 < 0 || $0 >= classCount }) {
                throw ImageAugmentationError.input("label \(bad) is outside 0..<\(classCount)")
            }
        }
        let size = shape.count
        workspace.reserve(size)
        for position in 0..<count {
            let image = images + position * size
            for (stepIndex, step) in recipe.steps.enumerated() {
                var random = SeededRandom(seed: SeededRandom.mix(seed, epoch, indices[position], stepIndex))
                guard step.probability >= 1 || Double(random.uniform()) < step.probability else { continue }
                step.operation.apply(image, shape: shape, random: &random, workspace: workspace)
            }
        }
        guard recipe.mixesBatches, let labels else {
            return ImageBatchAugmentation(softLabels: nil, mixing: .unmixed(count: count))
        }
        var random = SeededRandom(seed: ImageAugmenter.batchSeed(seed: seed, epoch: epoch, indices: indices))
        let mixing = recipe.batch.count == 1 ? recipe.batch[0] : recipe.batch[random.below(recipe.batch.count)]
        let copy = reserveBatchCopy(count * size)
        copy.update(from: images, count: count * size)
        let outcome = mixing.apply(images, original: copy, count: count, shape: shape, random: &random)
        return ImageBatchAugmentation(softLabels: ImageAugmenter.softLabels(labels: labels, classCount: classCount, outcome: outcome),
                                      mixing: outcome)
    }

    /// Soft labels [count, classCount]: λ on the image's own class plus 1 − λ on its partner's.
    public static func softLabels(labels: [Int], classCount: Int, outcome: BatchMixingOutcome) -> [Float] {
        var soft = [Float](repeating: 0, count: labels.count * classCount)
        for (position, label) in labels.enumerated() {
            let partner = outcome.partners.indices.contains(position) ? outcome.partners[position] : position
            soft[position * classCount + label] += outcome.lambda
            soft[position * classCount + labels[partner]] += 1 - outcome.lambda
        }
        return soft
    }

    /// The seed of a batch's mixing draws.
    public static func batchSeed(seed: UInt64, epoch: Int, indices: [Int]) -> UInt64 {
        var value = SeededRandom.mix(seed, epoch, -1)
        for index in indices { value = SeededRandom.mix(value, index) }
        return value
    }

    private func reserveBatchCopy(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let batchCopy, batchCopyCapacity >= count { return batchCopy }
        batchCopy?.deallocate()
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        batchCopy = buffer
        batchCopyCapacity = max(count, 1)
        return buffer
    }
}
