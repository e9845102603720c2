// AdversarialStepTests: the adversarial passes leave the right parameter gradients — FGM with a
// vanishing radius is exactly twice the clean gradient — and FreeLB's seeded random start has the
// documented distribution (uniform in ±m/√(tokens·hidden) per example, projected onto the ε-ball).
// AdversarialParityTests pins whole steps against torch.
import Basics
import Foundation
import Tensors
@testable import Training
import Transformer
import XCTest

final class AdversarialStepTests: XCTestCase {
    func testFGMWithVanishingRadiusDoublesTheCleanGradient() throws {
        let model = try FineTunerTests.model()
        let examples = FineTunerTests.task(count: 8, seed: 3)
        let batch = TokenBatch(examples.map(\.ids)), labels = examples.map(\.label)
        let plan = DropoutPlan(seed: 4, hidden: 0.1, attention: 0.1, classifier: 0.1)
        let workspace = model.makeWorkspace(training: true)

        model.parameters.zeroGradients()
        let logits = try model.classify(batch, workspace: workspace, dropout: plan)
        let dLogits = FloatBuffer(capacity: 16)
        _ = try Loss.crossEntropy(logits: logits, labels: labels, classes: 2, gradient: dLogits.pointer)
        try model.classifyBackward(workspace: workspace, logitGradient: dLogits.pointer, dropout: plan)
        let clean = model.parameters.gradients.array(model.parameters.count)

        model.parameters.zeroGradients()
        let step = AdversarialStep(AdversarialTraining(method: .fgm, epsilon: 1e-7))
        _ = try step.run(model: model, batch: batch, labels: labels, workspace: workspace, dropout: plan, seed: 1)
        let fgm = model.parameters.gradients.array(model.parameters.count)
        var worst: Float = 0
        for i in 0..<clean.count { worst = max(worst, abs(fgm[i] - 2 * clean[i])) }
        XCTAssertLessThan(worst, 1e-5)
    }

    /// FreeLB's δ_0 for `settings` on a batch of `examples`, captured from its first pass.
    func freeLBStart(_ settings: AdversarialTraining, batch: TokenBatch, labels: [Int], seed: UInt64) throws -> [Float] {
        let model = try FineTunerTests.model()
        let workspace = model.makeWorkspace(training: true)
        let step = AdversarialStep(settings)
        var first: [Float]?
        step.observePass = { delta, _ in if first == nil { first = delta.map(Array.init) } }
        model.parameters.zeroGradients()
        _ = try step.run(model: model, batch: batch, labels: labels, workspace: workspace,
                         dropout: DropoutPlan(seed: 4, hidden: 0.1, attention: 0.1, classifier: 0.1), seed: seed)
        return try XCTUnwrap(first, "FreeLB's first pass is perturbed")
    }

    func testFreeLBRandomStartIsUniformWithinItsBoundSeededAndProjected() throws {
        let examples = FineTunerTests.task(count: 12, seed: 5)
        let batch = TokenBatch(examples.map(\.ids)), labels = examples.map(\.label)
        let h = try FineTunerTests.model().inputEmbeddingWidth
        let magnitude: Float = 0.6
        let unbounded = AdversarialTraining(method: .freelb, epsilon: 0, steps: 1, initialMagnitude: magnitude)
        let start = try freeLBStart(unbounded, batch: batch, labels: labels, seed: 7)
        XCTAssertEqual(start.count, batch.tokenCount * h)
        for (sequence, first) in batch.starts.enumerated() {
            let values = Array(start[(first * h)..<((first + batch.lengths[sequence]) * h)])
            let n = Double(values.count)
            let bound = magnitude / Float(values.count).squareRoot()
            XCTAssertLessThanOrEqual(values.map(abs).max() ?? .infinity, bound, "sequence \(sequence) leaves ±m/√(L·H)")
            XCTAssertGreaterThan(values.map(abs).max() ?? 0, 0.95 * bound, "sequence \(sequence) does not fill its range")
            // Uniform in ±b: E‖δ‖² = n·b²/3 = m²/3 (relative sd √(4/5)/√n ≤ 0.05 here); mean 0 with sd b/√(3n).
            let squares = values.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(squares, Double(magnitude * magnitude) / 3, accuracy: 0.25 * Double(magnitude * magnitude) / 3,
                           "sequence \(sequence): ‖δ_0‖² \(squares)")
            let mean = values.reduce(0.0) { $0 + Double($1) } / n
            XCTAssertLessThan(abs(mean), 5 * Double(bound) / (3 * n).squareRoot(), "sequence \(sequence): mean \(mean)")
            let positive = Double(values.filter { $0 > 0 }.count) / n
            XCTAssertEqual(positive, 0.5, accuracy: 5 * 0.5 / n.squareRoot(), "sequence \(sequence): share positive")
        }
        XCTAssertEqual(try freeLBStart(unbounded, batch: batch, labels: labels, seed: 7), start, "same seed, same start")
        XCTAssertNotEqual(try freeLBStart(unbounded, batch: batch, labels: labels, seed: 8), start, "another seed, another start")

        // ε below the start's typical norm (m/√3 ≈ 0.35): every example is projected onto the sphere of radius ε.
        let bounded = AdversarialTraining(method: .freelb, epsilon: 0.2, steps: 1, initialMagnitude: magnitude)
        let projected = try freeLBStart(bounded, batch: batch, labels: labels, seed: 7)
        for (sequence, first) in batch.starts.enumerated() {
            let range = (first * h)..<((first + batch.lengths[sequence]) * h)
            let norm = range.reduce(0.0) { $0 + Double(projected[$1]) * Double(projected[$1]) }.squareRoot()
            XCTAssertEqual(norm, 0.2, accuracy: 1e-5, "sequence \(sequence)")
            let unprojected = range.reduce(0.0) { $0 + Double(start[$1]) * Double(start[$1]) }.squareRoot()
            for i in range { XCTAssertEqual(projected[i], start[i] * Float(0.2 / unprojected), accuracy: 1e-6) }
        }

        // No magnitude: the first pass is the clean one.
        let zero = try freeLBStart(AdversarialTraining(method: .freelb, steps: 1, initialMagnitude: 0), batch: batch,
                                   labels: labels, seed: 7)
        XCTAssertTrue(zero.allSatisfy { $0 == 0 })
    }
}
