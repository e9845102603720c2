// FamilyTrainStepParityTests: four AdamW steps of every family's tiny classifier on the padded batch,
// against torch (fixtures made by bench/fixtures/make_model_fixtures.py): loss and gradient norm per
// step, and every parameter afterwards within 1e-6 — the trainer's path (clipping folded into AdamW).
// The steps start from `train/`, the fixture model with transformers-sized weights (std 0.02): with
// larger ones AdamW amplifies float32 rounding in near-zero gradient components beyond 1e-6 (torch's own
// float32 and float64 runs then differ by up to 1e-5).
import Foundation
import Tensors
import TestSupport
import Training
import Transformer
import XCTest

final class FamilyTrainStepParityTests: XCTestCase {
    func fourSteps(_ name: String) throws {
        let fixture = try FamilyFixture(name)
        let folder = try ModelFolder.load(directory: fixture.trainingModel)
        let model = folder.model
        let batch = TokenBatch(fixture.packedPadded)
        let labels = fixture.labels
        let optimiser = AdamW(store: model.parameters, settings: AdamWSettings(weightDecay: 0.01))
        let schedule = LinearWarmupDecay(peak: 1e-3, warmupSteps: 2, totalSteps: 4)
        let workspace = model.makeWorkspace(training: true)
        let dLogits = FloatBuffer(capacity: batch.count * model.classCount)
        let plan = DropoutPlan(seed: 0, config: model.config)   // every rate is 0 in these configs
        let steps = fixture.steps
        XCTAssertEqual(steps.count, 4)
        var worstLoss: Float = 0, worstNorm: Float = 0
        model.parameters.zeroGradients()
        for (index, expected) in steps.enumerated() {
            let logits = try model.classify(batch, workspace: workspace, dropout: plan)
            let loss = try Loss.crossEntropy(logits: logits, labels: labels, classes: model.classCount, gradient: dLogits.pointer)
            try model.classifyBackward(workspace: workspace, logitGradient: dLogits.pointer, dropout: plan)
            let rate = schedule.rate(afterSteps: index)
            let clipping = GradientClipping.scale(model.parameters, maxNorm: 0.1)
            optimiser.step(learningRate: rate, gradientScale: clipping.scale, zeroingGradients: true)
            let expectedLoss = (expected["loss"] as? NSNumber)?.floatValue ?? .nan
            let expectedNorm = (expected["grad_global_norm_before_clip"] as? NSNumber)?.floatValue ?? .nan
            worstLoss = max(worstLoss, abs(loss - expectedLoss))
            worstNorm = max(worstNorm, abs(clipping.norm - expectedNorm) / expectedNorm)
            XCTAssertEqual(rate, (expected["lr_used"] as? NSNumber)?.floatValue ?? .nan, accuracy: 1e-9)
        }
        var worst: Float = 0, worstName = "", checked = 0
        let family = folder.family
        for entry in model.parameters.entries {
            let key = "after." + family.savedKey(entry.name)
            let expected = try fixture.floats(key)
            let values = try XCTUnwrap(model.parameters.array(entry.name))
            XCTAssertEqual(values.count, expected.count, key)
            for (value, reference) in zip(values, expected) where abs(value - reference) > worst {
                worst = abs(value - reference)
                worstName = entry.name
            }
            checked += 1
        }
        XCTAssertEqual(checked, fixture.tensors.names.filter { $0.hasPrefix("after.") }.count, "every saved parameter is checked")
        print("\(name) four AdamW steps: worst |Δparameter| \(worst) (\(worstName)), |Δloss| \(worstLoss), gradient norm \(worstNorm) relative")
        XCTAssertLessThanOrEqual(worst, 1e-6, "\(name): \(worstName)")
        XCTAssertLessThanOrEqual(worstLoss, 1e-6, name)
        XCTAssertLessThanOrEqual(worstNorm, 1e-5, name)
    }

    func testDistilBert() throws { try fourSteps("distilbert") }
    func testDistilBertWithReLUAndSinusoidalPositions() throws { try fourSteps("distilbert-relu") }
    func testRoberta() throws { try fourSteps("roberta") }
    func testXLMRoberta() throws { try fourSteps("xlm-roberta") }
    func testElectra() throws { try fourSteps("electra") }
    func testAlbert() throws { try fourSteps("albert") }
    func testAlbertWithTwoGroupsOfTwoLayers() throws { try fourSteps("albert-groups") }
    func testDebertaV3() throws { try fourSteps("deberta-v2") }
    func testDebertaV2WithSeparatePositionProjectionsAndFactorisedEmbeddings() throws { try fourSteps("deberta-v2-variant") }
    func testModernBert() throws { try fourSteps("modernbert") }
    func testModernBertWithMeanPoolingAndBiases() throws { try fourSteps("modernbert-mean") }
}
