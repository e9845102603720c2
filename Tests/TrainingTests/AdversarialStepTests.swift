// AdversarialStepTests: the adversarial passes leave the right parameter gradients — FGM with a
// vanishing radius is exactly twice the clean gradient, and perturbations stay inside their radius.
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
}
