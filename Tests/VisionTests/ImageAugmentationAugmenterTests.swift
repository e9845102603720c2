// ImageAugmentationAugmenterTests: ImageAugmenter on batches — mixup's images and soft labels exactly,
// CutMix's λ as the pasted share, Beta draws, determinism (same seed, same bytes; an image's result does
// not depend on its batch or position), probabilities, input errors, and [0, 1] for every built-in recipe.
import Basics
import XCTest
@testable import Vision

final class ImageAugmentationAugmenterTests: XCTestCase {
    typealias T = AugmentationTestImages
    let shape = ImageShape(channels: 1, height: 28, width: 28)

    func augmented(_ recipe: ImageAugmentationRecipe, _ images: [Float], labels: [Int]? = nil, seed: UInt64 = 1, epoch: Int = 0,
                   indices: [Int]) throws -> (images: [Float], result: ImageBatchAugmentation) {
        var copy = images
        let augmenter = ImageAugmenter(recipe: recipe, shape: shape)
        let count = indices.count
        let result = try copy.withUnsafeMutableBufferPointer { buffer -> ImageBatchAugmentation in
            guard let base = buffer.baseAddress else { throw ImageAugmentationError.input("empty") }
            return try augmenter.apply(images: base, count: count, shape: shape, labels: labels, classCount: 10,
                                       seed: seed, epoch: epoch, indices: indices)
        }
        return (copy, result)
    }

    func batch(_ count: Int) -> [Float] { (0..<count).flatMap { T.garment(variant: $0) } }

    // MARK: mixup and CutMix

    func testMixupImagesAndSoftLabelsAreExact() throws {
        let recipe = ImageAugmentationRecipe(name: "mix", steps: [], batch: [BatchMixing(.mixup, alpha: 0.4)])
        let images = T.random(count: 5, shape: shape, seed: 3)
        let labels = [0, 3, 3, 7, 9]
        var sawMixed = false
        for seed in 0..<10 as Range<UInt64> {
            let (out, result) = try augmented(recipe, images, labels: labels, seed: seed, indices: [10, 11, 12, 13, 14])
            let mixing = result.mixing
            XCTAssertEqual(mixing.kind, .mixup)
            XCTAssertEqual(mixing.partners.sorted(), [0, 1, 2, 3, 4], "partners are a permutation")
            let lambda = mixing.lambda
            XCTAssertTrue(lambda >= 0 && lambda <= 1)
            for position in 0..<5 {
                let partner = mixing.partners[position]
                for i in 0..<shape.count {
                    let a = images[position * 784 + i], b = images[partner * 784 + i]
                    XCTAssertEqual(out[position * 784 + i], min(max(lambda * a + (1 - lambda) * b, 0), 1),
                                   "seed \(seed) image \(position) pixel \(i)")
                    XCTAssertEqual(out[position * 784 + i], lambda * a + (1 - lambda) * b, accuracy: 1e-6)
                }
                if partner != position && lambda < 0.999 { sawMixed = true }
            }
            let soft = try XCTUnwrap(result.softLabels)
            XCTAssertEqual(soft.count, 50)
            for position in 0..<5 {
                let row = Array(soft[(position * 10)..<(position * 10 + 10)])
                XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-6)
                var expected = [Float](repeating: 0, count: 10)
                expected[labels[position]] += lambda
                expected[labels[mixing.partners[position]]] += 1 - lambda
                XCTAssertEqual(row, expected)
            }
        }
        XCTAssertTrue(sawMixed)
    }

    /// CutMix's λ is the share of pixels not pasted over: images of constant, distinct values make the
    /// pasted box countable.
    func testCutmixLambdaIsThePastedAreaFraction() throws {
        let recipe = ImageAugmentationRecipe(name: "cut", steps: [], batch: [BatchMixing(.cutmix, alpha: 1)])
        let count = 6
        let images = (0..<count).flatMap { [Float](repeating: Float($0 + 1) / 10, count: 784) }
        let labels = [1, 2, 3, 4, 5, 6]
        var areas = Set<Int>()
        for seed in 0..<30 as Range<UInt64> {
            let (out, result) = try augmented(recipe, images, labels: labels, seed: seed, indices: Array(100..<106))
            let mixing = result.mixing
            let box = try XCTUnwrap(mixing.box)
            XCTAssertTrue(box.top >= 0 && box.left >= 0 && box.top + box.height <= 28 && box.left + box.width <= 28)
            XCTAssertEqual(mixing.lambda, 1 - Float(box.area) / 784)
            areas.insert(box.area)
            for position in 0..<count {
                let partner = mixing.partners[position]
                let own = Float(position + 1) / 10, pasted = Float(partner + 1) / 10
                let image = Array(out[(position * 784)..<((position + 1) * 784)])
                if partner != position {
                    let fromPartner = image.filter { $0 == pasted }.count
                    XCTAssertEqual(fromPartner, box.area, "seed \(seed): pasted pixels")
                    XCTAssertEqual(1 - Float(fromPartner) / 784, mixing.lambda)
                    XCTAssertEqual(image.filter { $0 == own }.count, 784 - box.area)
                    // The pasted pixels are exactly the box.
                    for y in 0..<28 {
                        for x in 0..<28 {
                            let inBox = y >= box.top && y < box.top + box.height && x >= box.left && x < box.left + box.width
                            XCTAssertEqual(image[y * 28 + x], inBox ? pasted : own)
                        }
                    }
                } else {
                    XCTAssertEqual(image, [Float](repeating: own, count: 784))
                }
                let soft = try XCTUnwrap(result.softLabels)
                let row = Array(soft[(position * 10)..<(position * 10 + 10)])
                XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-6)
                XCTAssertEqual(row[labels[position]], partner == position ? 1 : mixing.lambda, accuracy: 1e-6)
            }
        }
        XCTAssertGreaterThan(areas.count, 10, "box sizes vary with λ")
    }

    /// rand_bbox by hand: λ = 0.75 cuts ⌊28·0.5⌋ = 14 on a side, clipped at the border.
    func testCutmixBoxByHand() {
        var random = SeededRandom(seed: 9)
        let box = BatchMixing.cutmixBox(shape: shape, lambda: 0.75, random: &random)
        var replay = SeededRandom(seed: 9)
        let cx = replay.below(28), cy = replay.below(28)
        XCTAssertEqual(box.left, max(cx - 7, 0))
        XCTAssertEqual(box.left + box.width, min(cx + 7, 28))
        XCTAssertEqual(box.top, max(cy - 7, 0))
        XCTAssertEqual(box.top + box.height, min(cy + 7, 28))
        var r = SeededRandom(seed: 1)
        XCTAssertEqual(BatchMixing.cutmixBox(shape: shape, lambda: 1, random: &r).area, 0, "λ = 1 pastes nothing")
    }

    func testBetaDrawsHaveTheRightMean() {
        var random = SeededRandom(seed: 4)
        for alpha in [0.2, 1.0, 2.0] {
            var sum = 0.0, sumSquares = 0.0
            let n = 20_000
            for _ in 0..<n {
                let x = BetaSampler.beta(alpha, alpha, random: &random)
                XCTAssertTrue(x >= 0 && x <= 1)
                sum += x
                sumSquares += x * x
            }
            let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
            XCTAssertEqual(mean, 0.5, accuracy: 0.01, "α \(alpha)")
            // Var Beta(α, α) = 1 / (4(2α + 1)).
            XCTAssertEqual(variance, 1 / (4 * (2 * alpha + 1)), accuracy: 0.01, "α \(alpha)")
        }
    }

    func testMixingProbabilityZeroLeavesTheBatchWithOneHotLabels() throws {
        let recipe = ImageAugmentationRecipe(name: "never", steps: [], batch: [BatchMixing(.mixup, alpha: 1, probability: 0)])
        let images = batch(3)
        let (out, result) = try augmented(recipe, images, labels: [2, 0, 1], indices: [0, 1, 2])
        XCTAssertEqual(out, images)
        XCTAssertNil(result.mixing.kind)
        XCTAssertEqual(result.softLabels, [0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                           1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                           0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    func testBothMixingsAreChosen() throws {
        let recipe = ImageAugmentationRecipe(name: "both", steps: [],
                                             batch: [BatchMixing(.mixup, alpha: 1), BatchMixing(.cutmix, alpha: 1)])
        var kinds = Set<BatchMixing.Kind>()
        for seed in 0..<20 as Range<UInt64> {
            let (_, result) = try augmented(recipe, batch(2), labels: [0, 1], seed: seed, indices: [0, 1])
            if let kind = result.mixing.kind { kinds.insert(kind) }
        }
        XCTAssertEqual(kinds, [.mixup, .cutmix])
    }

    // MARK: Determinism

    func testSameSeedSameBytes() throws {
        for name in ImageAugmentationRecipe.builtInNames {
            let recipe = try ImageAugmentationRecipe.builtin(named: name)
            let images = T.random(count: 4, shape: shape, seed: 11)
            let labels = [1, 2, 3, 4]
            let first = try augmented(recipe, images, labels: labels, seed: 42, epoch: 3, indices: [8, 9, 10, 11])
            let second = try augmented(recipe, images, labels: labels, seed: 42, epoch: 3, indices: [8, 9, 10, 11])
            XCTAssertEqual(T.bits(first.images), T.bits(second.images), name)
            XCTAssertEqual(first.result, second.result, name)
            XCTAssertNotEqual(first.images, images, "\(name) changed nothing")
            let otherSeed = try augmented(recipe, images, labels: labels, seed: 43, epoch: 3, indices: [8, 9, 10, 11])
            XCTAssertNotEqual(otherSeed.images, first.images, "\(name): another seed, other images")
            let otherEpoch = try augmented(recipe, images, labels: labels, seed: 42, epoch: 4, indices: [8, 9, 10, 11])
            XCTAssertNotEqual(otherEpoch.images, first.images, "\(name): another epoch, other images")
        }
    }

    /// Per-image operations depend on (seed, epoch, example index) only: the same examples in another order,
    /// or alone, come out the same.
    func testAnImageIgnoresItsBatch() throws {
        for name in ["image-standard", "image-randaugment"] {
            let recipe = try ImageAugmentationRecipe.builtin(named: name)
            let a = T.garment(variant: 0), b = T.garment(variant: 3), c = T.random(count: 1, shape: shape, seed: 5)
            let forward = try augmented(recipe, a + b + c, seed: 7, epoch: 1, indices: [5, 7, 9]).images
            let shuffled = try augmented(recipe, c + a + b, seed: 7, epoch: 1, indices: [9, 5, 7]).images
            let alone = try augmented(recipe, b, seed: 7, epoch: 1, indices: [7]).images
            XCTAssertEqual(T.bits(Array(forward[0..<784])), T.bits(Array(shuffled[784..<1568])), name)
            XCTAssertEqual(T.bits(Array(forward[784..<1568])), T.bits(Array(shuffled[1568..<2352])), name)
            XCTAssertEqual(T.bits(Array(forward[1568..<2352])), T.bits(Array(shuffled[0..<784])), name)
            XCTAssertEqual(T.bits(Array(forward[784..<1568])), T.bits(alone), name)
            // The same pixels under another example index are augmented differently.
            let renumbered = try augmented(recipe, a + b + c, seed: 7, epoch: 1, indices: [6, 7, 9]).images
            XCTAssertNotEqual(Array(renumbered[0..<784]), Array(forward[0..<784]), name)
        }
    }

    func testStepProbabilities() throws {
        let images = batch(40)
        let never = ImageAugmentationRecipe(name: "n", steps: [ImageAugmentationStep(.horizontalFlip, probability: 0)])
        XCTAssertEqual(try augmented(never, images, indices: Array(0..<40)).images, images)
        let always = ImageAugmentationRecipe(name: "a", steps: [ImageAugmentationStep(.horizontalFlip, probability: 1)])
        let flipped = try augmented(always, images, indices: Array(0..<40)).images
        let flipShape = ImageShape(channels: 1, height: 28, width: 28)
        for i in 0..<40 {
            let expected = T.transformed(Array(images[(i * 784)..<((i + 1) * 784)])) { PixelOperations.flipHorizontal($0, shape: flipShape) }
            XCTAssertEqual(Array(flipped[(i * 784)..<((i + 1) * 784)]), expected)
        }
        let half = ImageAugmentationRecipe(name: "h", steps: [ImageAugmentationStep(.horizontalFlip, probability: 0.5)])
        let some = try augmented(half, images, indices: Array(0..<40)).images
        let changed = (0..<40).filter { Array(some[($0 * 784)..<(($0 + 1) * 784)]) != Array(images[($0 * 784)..<(($0 + 1) * 784)]) }.count
        XCTAssertTrue((8...32).contains(changed), "\(changed) of 40 flipped at p 0.5")
    }

    // MARK: Range and inputs

    func testEveryBuiltInRecipeKeepsPixelsInUnitRange() throws {
        for name in ImageAugmentationRecipe.builtInNames {
            let recipe = try ImageAugmentationRecipe.builtin(named: name)
            for seed in 0..<5 as Range<UInt64> {
                let (out, result) = try augmented(recipe, T.random(count: 8, shape: shape, seed: seed), labels: Array(0..<8),
                                                  seed: seed, indices: Array(0..<8))
                T.assertInUnitRange(out, "\(name) seed \(seed)")
                if let soft = result.softLabels {
                    XCTAssertTrue(recipe.mixesBatches)
                    for row in 0..<8 { XCTAssertEqual(soft[(row * 10)..<(row * 10 + 10)].reduce(0, +), 1, accuracy: 1e-6) }
                } else {
                    XCTAssertFalse(recipe.mixesBatches)
                }
            }
        }
    }

    func testInputErrors() throws {
        let mixing = ImageAugmentationRecipe(name: "m", steps: [], batch: [BatchMixing(.mixup, alpha: 1)])
        let images = batch(2)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { _ = try augmented(mixing, images, labels: nil, indices: [0, 1]) },
                       "recipe 'm' mixes batches (mixup) and needs the labels")
        XCTAssertEqual(message { _ = try augmented(mixing, images, labels: [0], indices: [0, 1]) }, "1 labels for 2 images")
        XCTAssertEqual(message { _ = try augmented(mixing, images, labels: [0, 10], indices: [0, 1]) }, "label 10 is outside 0..<10")
        XCTAssertEqual(message { _ = try augmented(mixing, images, labels: [0, 1], indices: [0]) }, "2 labels for 1 images")
        let augmenter = ImageAugmenter(recipe: mixing)
        var pixels = images
        XCTAssertEqual(message {
            try augmenter.apply(images: &pixels, count: 2, shape: shape, labels: [0, 1], classCount: 10, seed: 0, epoch: 0, indices: [0])
        }, "1 example indices for 2 images")
        XCTAssertEqual(pixels, images, "untouched after an error")
        XCTAssertThrowsError(try augmenter.apply(images: &pixels, count: 1, shape: ImageShape(channels: 1, height: 0, width: 1),
                                                 labels: [0], classCount: 2, seed: 0, epoch: 0, indices: [0]))
    }
}
