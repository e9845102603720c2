// Four AdamW training steps of a tiny BertForSequenceClassification, against torch: loss, gradient
// norm before clipping, learning rate, and every parameter afterwards.
import Foundation
import Tensors
import TestSupport
import Training
import Transformer
import XCTest

final class TrainStepParityTests: XCTestCase {
    func testFourStepsMatchTorchAdamW() throws {
        try fourSteps(fusedClipping: false)
    }

    /// The trainer's path: clipping folded into the AdamW pass, which also clears the gradients.
    func testFourStepsMatchTorchAdamWWithFusedClipping() throws {
        try fourSteps(fusedClipping: true)
    }

    func fourSteps(fusedClipping: Bool) throws {
        let fixture = try loadJSONFixture("train_steps.json")
        let folder = try ModelFolder.load(directory: TestPaths.fixture("tiny_bert_cls"))
        XCTAssertTrue(folder.hasTrainedHead)
        XCTAssertEqual(folder.model.config.labels, ["a", "b", "c"])
        let model = folder.model
        let ids = (fixture["input_ids"] as? [Any] ?? []).map(ints)
        let masks = (fixture["attention_mask"] as? [Any] ?? []).map(ints)
        let batch = TokenBatch(zip(ids, masks).map { row, mask in zip(row, mask).filter { $0.1 == 1 }.map { Int32($0.0) } })
        let labels = ints(fixture["labels"])
        let steps = try XCTUnwrap(fixture["steps"] as? [[String: Any]])
        let optimiser = AdamW(store: model.parameters, settings: AdamWSettings(weightDecay: 0.01))
        let schedule = LinearWarmupDecay(peak: 1e-3, warmupSteps: 2, totalSteps: 4)
        let workspace = model.makeWorkspace(training: true)
        let dLogits = FloatBuffer(capacity: batch.count * model.classCount)
        // Dropout is 0 in this config, so train mode equals a seeded plan with zero rates.
        let plan = DropoutPlan(seed: 0, config: model.config)
        for (index, expected) in steps.enumerated() {
            if !fusedClipping || index == 0 { model.parameters.zeroGradients() }
            let logits = try model.classify(batch, workspace: workspace, dropout: plan)
            let loss = try Loss.crossEntropy(logits: logits, labels: labels, classes: model.classCount, gradient: dLogits.pointer)
            try model.classifyBackward(workspace: workspace, logitGradient: dLogits.pointer, dropout: plan)
            let rate = schedule.rate(afterSteps: index)
            let norm: Float
            if fusedClipping {
                let clipping = GradientClipping.scale(model.parameters, maxNorm: 0.1)
                norm = clipping.norm
                optimiser.step(learningRate: rate, gradientScale: clipping.scale, zeroingGradients: true)
                XCTAssertEqual(model.parameters.gradientNorm(), 0)
            } else {
                norm = GradientClipping.clip(model.parameters, maxNorm: 0.1)
                optimiser.step(learningRate: rate)
            }
            let expectedLoss = Float(truncating: expected["loss"] as? NSNumber ?? -1)
            let expectedNorm = Float(truncating: expected["grad_global_norm_before_clip"] as? NSNumber ?? -1)
            XCTAssertEqual(loss, expectedLoss, accuracy: 1e-6, "loss at step \(index + 1)")
            XCTAssertEqual(norm, expectedNorm, accuracy: 1e-5 * expectedNorm, "gradient norm at step \(index + 1)")
            XCTAssertEqual(rate, Float(truncating: expected["lr_used"] as? NSNumber ?? -1), accuracy: 1e-9)
        }
        let after = try XCTUnwrap(fixture["after"] as? [String: [String: Any]])
        XCTAssertEqual(after.count, model.parameters.entries.count)
        var worst: Float = 0
        for (name, expected) in after {
            let key = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            let values = try XCTUnwrap(model.parameters.array(key), "no parameter \(key)")
            for (i, value) in floats(expected["first8"]).enumerated() {
                worst = max(worst, abs(values[i] - value))
                XCTAssertEqual(values[i], value, accuracy: 1e-5, "\(name)[\(i)]")
            }
            let norm = values.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(norm, Float(truncating: expected["l2"] as? NSNumber ?? -1), accuracy: 1e-5, "\(name) L2")
        }
        print("train-step parity: worst |Δparameter| \(worst)")
    }

    func testScheduleWarmsUpThenDecaysToZero() {
        let schedule = LinearWarmupDecay(peak: 2, warmupSteps: 4, totalSteps: 12)
        XCTAssertEqual((0...13).map { schedule.rate(afterSteps: $0) },
                       [0, 0.5, 1, 1.5, 2, 1.75, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0, 0])
        XCTAssertEqual(LinearWarmupDecay(peak: 1, warmupSteps: 0, totalSteps: 2).rate(afterSteps: 0), 1)
    }

    func testClippingScalesOnlyAboveTheLimit() throws {
        let store = ParameterStore(layout: [("a.weight", [2], true), ("b.bias", [1], false)])
        store.gradients.pointer[0] = 3; store.gradients.pointer[1] = 0; store.gradients.pointer[2] = 4
        XCTAssertEqual(GradientClipping.clip(store, maxNorm: 10), 5, accuracy: 1e-6)
        XCTAssertEqual(store.gradients.pointer[0], 3)
        XCTAssertEqual(GradientClipping.clip(store, maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(store.gradientNorm(), 1, accuracy: 1e-5)
    }

    func testWeightDecaySkipsBiasesAndLayerNorm() {
        let store = ParameterStore(layout: [("x.weight", [1], true), ("x.bias", [1], false)])
        store.values.pointer[0] = 1; store.values.pointer[1] = 1
        let optimiser = AdamW(store: store, settings: AdamWSettings(weightDecay: 0.5))
        optimiser.step(learningRate: 0.1)   // zero gradients: only decay moves the weight
        XCTAssertEqual(store.values.pointer[0], 0.95, accuracy: 1e-7)
        XCTAssertEqual(store.values.pointer[1], 1)
    }
}
