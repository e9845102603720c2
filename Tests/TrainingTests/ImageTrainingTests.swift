// ImageTrainingTests: the image training step's losses against finite differences — soft-label cross-entropy
// (mixup, cutmix), TRADES's KL term from both sides (the adversarial logits, and the clean logits it is taken
// from) — PGD's adversarial images inside the ε-ball and [0, 1] and raising the loss, and the image trainer's
// seeded epoch batches (a permutation of every image, the same for a seed).
import Basics
import Foundation
import Tensors
@testable import Training
import Transformer
import XCTest

final class ImageTrainingTests: XCTestCase {
    let rows = 3, c = 4
    func logits(_ seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<(rows * c)).map { _ in 2 * random.normal() }
    }

    func numeric(_ f: ([Float]) -> Float, at x: [Float], _ i: Int) -> Float {
        var up = x, down = x
        up[i] += 1e-3
        down[i] -= 1e-3
        return (f(up) - f(down)) / 2e-3
    }

    func testSoftCrossEntropyGradient() throws {
        let z = logits(1)
        let soft: [Float] = [0.7, 0.3, 0, 0, 0, 0, 1, 0, 0.25, 0.25, 0.25, 0.25]
        let labels = [0, 2, 1]
        let gradient = FloatBuffer(capacity: rows * c)
        _ = try ImageTrainingStep.crossEntropy(z, labels: labels, soft: soft, classes: c, gradient: gradient.pointer)
        let loss: ([Float]) -> Float = { x in
            let g = FloatBuffer(capacity: self.rows * self.c)
            return (try? ImageTrainingStep.crossEntropy(x, labels: labels, soft: soft, classes: self.c, gradient: g.pointer)) ?? .nan
        }
        for i in 0..<(rows * c) { XCTAssertEqual(gradient.pointer[i], numeric(loss, at: z, i), accuracy: 2e-3) }
        // One-hot soft targets give the hard-label loss.
        let oneHot = labels.flatMap { label in (0..<c).map { Float($0 == label ? 1 : 0) } }
        let g2 = FloatBuffer(capacity: rows * c)
        XCTAssertEqual(try ImageTrainingStep.crossEntropy(z, labels: labels, soft: oneHot, classes: c, gradient: g2.pointer),
                       try ImageTrainingStep.crossEntropy(z, labels: labels, soft: nil, classes: c, gradient: g2.pointer), accuracy: 1e-5)
    }

    func testTradesKLGradientsFromBothSides() {
        let clean = logits(2), adversarial = logits(3)
        func kl(_ a: [Float], _ b: [Float]) -> Float {
            let p = ImageTrainingStep.softmaxRows(a, rows: rows, classes: c)
            let g = FloatBuffer(capacity: rows * c)
            return ImageTrainingStep.kl(target: p, logits: b, rows: rows, classes: c, scale: 1, gradient: g.pointer)
        }
        let p = ImageTrainingStep.softmaxRows(clean, rows: rows, classes: c)
        let q = ImageTrainingStep.softmaxRows(adversarial, rows: rows, classes: c)
        let towardsAdversarial = FloatBuffer(capacity: rows * c)
        _ = ImageTrainingStep.kl(target: p, logits: adversarial, rows: rows, classes: c, scale: 1, gradient: towardsAdversarial.pointer)
        let towardsClean = FloatBuffer(capacity: rows * c)
        towardsClean.pointer.update(repeating: 0, count: rows * c)
        ImageTrainingStep.klSourceGradient(p: p, q: q, rows: rows, classes: c, scale: 1, adding: towardsClean.pointer)
        for i in 0..<(rows * c) {
            XCTAssertEqual(towardsAdversarial.pointer[i], numeric({ kl(clean, $0) }, at: adversarial, i), accuracy: 2e-3)
            XCTAssertEqual(towardsClean.pointer[i], numeric({ kl($0, adversarial) }, at: clean, i), accuracy: 2e-3)
        }
        XCTAssertGreaterThan(kl(clean, adversarial), 0)
        XCTAssertEqual(kl(clean, clean), 0, accuracy: 1e-6)
    }

    func testPGDStaysInTheBallAndRaisesTheLoss() throws {
        var raw: [String: Any] = ["model_type": "vit", "image_size": 8, "patch_size": 4, "num_channels": 1, "hidden_size": 16,
                                  "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16]
        raw["id2label"] = ["0": "a", "1": "b", "2": "c"]
        let model = try EncoderModel(config: try VitFamily().config(from: ConfigReader(raw)), classes: 3, seed: 3)
        var random = SeededRandom(seed: 9)
        for entry in model.parameters.entries where !entry.name.contains("LayerNorm") {
            let values = model.parameters.value(at: entry.offset)
            for i in 0..<entry.count { values[i] = 0.5 * random.normal() }
        }
        let normalization = PixelNormalization(mean: [0.5], std: [0.25])
        let images = (0..<(4 * 64)).map { _ in random.uniform() }
        let labels = [0, 1, 2, 0]
        let settings = PixelAdversarialTraining(method: .pgd, epsilon: 0.05, steps: 5)
        let step = ImageTrainingStep(model: model, optimiser: AdamW(store: model.parameters), normalization: normalization, adversarial: settings)
        let workspace = model.makeWorkspace(training: true)
        func loss(_ x: [Float]) throws -> Float {
            let z = try model.classifyImages(x, count: 4, normalization: normalization, workspace: workspace)
            return try Loss.crossEntropy(logits: z, labels: labels, classes: 3, gradient: nil)
        }
        let before = try loss(images)
        let pointer = try step.pgd(images, count: 4, settings: settings, workspace: workspace, seed: 1) { z, g in
            try Loss.crossEntropy(logits: z, labels: labels, classes: 3, gradient: g)
        }
        let adversarial = Array(UnsafeBufferPointer(start: pointer, count: images.count))
        for (x, a) in zip(images, adversarial) {
            XCTAssertLessThanOrEqual(abs(a - x), 0.05 + 1e-6)
            XCTAssertTrue((0...1).contains(a))
        }
        XCTAssertGreaterThan(try loss(adversarial), before + 1e-3)
        XCTAssertEqual(model.parameters.gradientNorm(), 0, "PGD's inner steps wrote parameter gradients")
    }

    func testEpochBatchesArePermutationsFixedBySeed() {
        let batches = ImageTrainer.epochBatches(count: 10, batchSize: 4, seed: 5, epoch: 2)
        XCTAssertEqual(batches.map(\.count), [4, 4, 2])
        XCTAssertEqual(batches.flatMap { $0 }.sorted(), Array(0..<10))
        XCTAssertEqual(batches, ImageTrainer.epochBatches(count: 10, batchSize: 4, seed: 5, epoch: 2))
        XCTAssertNotEqual(batches, ImageTrainer.epochBatches(count: 10, batchSize: 4, seed: 5, epoch: 3))
    }
}
