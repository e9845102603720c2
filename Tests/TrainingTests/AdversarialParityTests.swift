// AdversarialParityTests: one FGM, one PGD-3 and one FreeLB-3 training step on tiny_bert_cls against
// torch (bench/fixtures/make_adversarial_fixtures.py → Tests/Fixtures/adversarial_steps.json and
// .safetensors): the δ of every perturbed pass, every pass's loss, the accumulated parameter gradients,
// and the parameters after the trainer's step (clipping folded into one AdamW update). The pinned radii
// make the ε-ball projection clip; FreeLB starts from the fixture's δ_0 (torch's draw).
import Foundation
import Tensors
import TestSupport
@testable import Training
import Transformer
import XCTest

final class AdversarialParityTests: XCTestCase {
    /// Tolerances, float32 robust against float32 torch (measured worst cases are printed by each test).
    static let lossTolerance: Float = 2e-6
    /// |δ − δ_torch| per element, relative to the largest |δ_torch| element of that pass.
    static let deltaTolerance: Float = 1e-5
    /// Gradients: per sampled element, the L2 norm and the probe Σ x_i cos(i), each relative to the
    /// tensor's L2 norm, or to 1e-4 of the global gradient norm for tensors whose gradient is zero but
    /// for rounding (the attention key biases: softmax ignores them).
    static let gradientTolerance = 1e-5
    /// The update (after − before) through the probe, relative to lr·√n (AdamW's first step moves each
    /// element by about lr, so one flipped element alone is 2/√n).
    static let updateTolerance = 2e-4

    func testFGMStepMatchesTorch() throws { try compare(.fgm) }
    func testPGDStepMatchesTorch() throws { try compare(.pgd) }
    func testFreeLBStepMatchesTorch() throws { try compare(.freelb) }

    struct Reference {
        let json: [String: Any]
        let method: [String: Any]
        let tensors: [String: [Float]]
        let batch: TokenBatch
        let labels: [Int]
        let settings: AdversarialTraining

        init(_ method: AdversarialTraining.Method) throws {
            json = try loadJSONFixture("adversarial_steps.json")
            tensors = try loadTensorFixture("adversarial_steps.safetensors")
            let methods = try XCTUnwrap(json["methods"] as? [String: Any])
            self.method = try XCTUnwrap(methods[method.rawValue] as? [String: Any], "no \(method) in the fixture")
            let ids = (json["input_ids"] as? [Any] ?? []).map(ints)
            let masks = (json["attention_mask"] as? [Any] ?? []).map(ints)
            batch = TokenBatch(zip(ids, masks).map { row, mask in zip(row, mask).filter { $0.1 == 1 }.map { Int32($0.0) } })
            labels = ints(json["labels"])
            let s = try XCTUnwrap(self.method["settings"] as? [String: Any])
            func number(_ key: String) -> Float? { (s[key] as? NSNumber)?.floatValue }
            settings = AdversarialTraining(method: method, epsilon: number("epsilon"), stepSize: number("step_size"),
                                           steps: (s["steps"] as? NSNumber)?.intValue, initialMagnitude: number("initial_magnitude"))
        }

        func number(_ key: String) -> Float { (json[key] as? NSNumber)?.floatValue ?? .nan }
        var passLosses: [Float] { floats(method["pass_losses"]) }
        /// The recorded δ of each perturbed pass, in pass order.
        var deltas: [[Float]] {
            let first = settings.method == .freelb ? 0 : 1
            return (0..<tensors.count).compactMap { tensors["\(settings.method.rawValue).delta.\(first + $0)"] }
        }
        func summaries(_ key: String) throws -> [String: [String: Any]] {
            try XCTUnwrap(method[key] as? [String: [String: Any]])
        }
    }

    func makeStep(_ reference: Reference) -> AdversarialStep {
        let step = AdversarialStep(reference.settings)
        if reference.settings.method == .freelb { step.freeLBStart = reference.tensors["freelb.delta.0"] }
        return step
    }

    func compare(_ method: AdversarialTraining.Method) throws {
        let reference = try Reference(method)
        XCTAssertEqual(reference.batch.tokenCount, 30)

        // The passes and the accumulated parameter gradients.
        let model = try ModelFolder.load(directory: TestPaths.fixture("tiny_bert_cls")).model
        let workspace = model.makeWorkspace(training: true)
        let plan = DropoutPlan(seed: 0, config: model.config)   // every rate is 0 in this config
        let step = makeStep(reference)
        var losses: [Float] = [], deltas: [[Float]] = [], clean = 0
        step.observePass = { delta, loss in
            losses.append(loss)
            if let delta { deltas.append(Array(delta)) } else { clean += 1 }
        }
        model.parameters.zeroGradients()
        let returned = try step.run(model: model, batch: reference.batch, labels: reference.labels, workspace: workspace,
                                    dropout: plan, seed: 1)

        let expectedLosses = reference.passLosses
        XCTAssertEqual(losses.count, expectedLosses.count, "\(method): forward passes")
        XCTAssertEqual(clean, method == .freelb ? 0 : 1, "\(method): clean passes")
        var worstLoss: Float = 0
        for (index, (loss, expected)) in zip(losses, expectedLosses).enumerated() {
            worstLoss = max(worstLoss, abs(loss - expected))
            XCTAssertEqual(loss, expected, accuracy: Self.lossTolerance, "\(method): loss of pass \(index + 1)")
        }
        XCTAssertEqual(returned, (reference.method["returned_loss"] as? NSNumber)?.floatValue ?? .nan,
                       accuracy: Self.lossTolerance, "\(method): the step's reported loss")

        let expectedDeltas = reference.deltas
        XCTAssertEqual(deltas.count, expectedDeltas.count, "\(method): perturbed passes")
        XCTAssertEqual(expectedDeltas.count, method == .fgm ? 1 : reference.settings.steps)
        var worstDelta: Float = 0
        for (index, (delta, expected)) in zip(deltas, expectedDeltas).enumerated() {
            XCTAssertEqual(delta.count, expected.count)
            let scale = expected.map(abs).max() ?? 1
            XCTAssertGreaterThan(scale, 0)
            let worst = zip(delta, expected).map { abs($0 - $1) }.max() ?? .infinity
            worstDelta = max(worstDelta, worst / scale)
            XCTAssertLessThanOrEqual(worst, Self.deltaTolerance * scale, "\(method): δ of perturbed pass \(index + 1)")
        }

        let gradients = try reference.summaries("gradients")
        XCTAssertEqual(gradients.count, model.parameters.entries.count)
        let globalNorm = try XCTUnwrap((reference.method["grad_global_norm_before_clip"] as? NSNumber)?.doubleValue)
        XCTAssertEqual(Double(model.parameters.gradientNorm()), globalNorm, accuracy: 1e-5 * globalNorm)
        var worstGradient = 0.0
        for (name, expected) in gradients {
            let values = try XCTUnwrap(model.parameters.gradientArray(Self.robustName(name)), "no parameter \(name)")
            worstGradient = max(worstGradient, try Self.check(values, against: expected, floor: 1e-4 * globalNorm,
                                                              "\(method) gradient of \(name)"))
        }

        // The trainer's step: the same passes, clipping folded into one AdamW update.
        let trained = try ModelFolder.load(directory: TestPaths.fixture("tiny_bert_cls")).model
        let initial = trained.parameters.values.array(trained.parameters.count)
        let optimiser = AdamW(store: trained.parameters, settings: AdamWSettings(weightDecay: reference.number("weight_decay")))
        let trainingStep = TrainingStep(model: trained, optimiser: optimiser, adversarial: reference.settings)
        if method == .freelb { trainingStep.adversarial?.freeLBStart = reference.tensors["freelb.delta.0"] }
        trained.parameters.zeroGradients()
        let stepLoss = try trainingStep.run(reference.batch, labels: reference.labels, workspace: trained.makeWorkspace(training: true),
                                            dropout: plan, learningRate: reference.number("learning_rate"),
                                            maxGradNorm: reference.number("max_grad_norm"), seed: 1)
        XCTAssertEqual(stepLoss, returned)
        XCTAssertEqual(trained.parameters.gradientNorm(), 0, "the step leaves the gradients cleared")
        let after = try reference.summaries("after")
        var worstParameter: Float = 0, worstUpdate = 0.0
        for (name, expected) in after {
            let entry = try XCTUnwrap(trained.parameters.entry(Self.robustName(name)), "no parameter \(name)")
            let values = try XCTUnwrap(trained.parameters.array(entry.name))
            for (index, value) in zip(Self.sampleIndices(values.count), floats(expected["values"])) {
                worstParameter = max(worstParameter, abs(values[index] - value))
                XCTAssertEqual(values[index], value, accuracy: 1e-6, "\(method): \(name)[\(index)] after the step")
            }
            XCTAssertEqual(Self.l2(values), (expected["l2"] as? NSNumber)?.doubleValue ?? .nan, accuracy: 1e-5,
                           "\(method): \(name) L2 after the step")
            // The update alone (after − before) through the probe: ≈ lr per element, so relative to lr·√n.
            let update = (0..<entry.count).map { values[$0] - initial[entry.offset + $0] }
            let scale = Double(reference.number("learning_rate")) * Double(entry.count).squareRoot()
            let error = abs(Self.probe(update) - ((expected["update_probe"] as? NSNumber)?.doubleValue ?? .nan)) / scale
            worstUpdate = max(worstUpdate, error)
            XCTAssertLessThanOrEqual(error, Self.updateTolerance, "\(method): \(name) update probe")
        }
        print("\(method) step vs torch: worst |Δloss| \(worstLoss), δ \(worstDelta) of its largest element, "
              + "gradients \(worstGradient) of their L2, parameters \(worstParameter), update probe \(worstUpdate) of lr·√n")
    }

    /// Checks sampled values, L2 and probe of `values` against a fixture summary; returns the worst error
    /// relative to the tensor's L2 norm (at least `floor`).
    static func check(_ values: [Float], against expected: [String: Any], floor: Double, _ what: String) throws -> Double {
        let l2 = try XCTUnwrap((expected["l2"] as? NSNumber)?.doubleValue, what)
        let probe = try XCTUnwrap((expected["probe"] as? NSNumber)?.doubleValue, what)
        let samples = floats(expected["values"])
        let indices = sampleIndices(values.count)
        XCTAssertEqual(samples.count, indices.count, what)
        let scale = max(l2, floor)
        var worst = abs(Self.l2(values) - l2) / scale
        XCTAssertLessThanOrEqual(worst, gradientTolerance, "\(what): L2 \(Self.l2(values)) vs \(l2)")
        let probeError = abs(Self.probe(values) - probe) / scale
        XCTAssertLessThanOrEqual(probeError, gradientTolerance, "\(what): probe \(Self.probe(values)) vs \(probe)")
        worst = max(worst, probeError)
        for (index, sample) in zip(indices, samples) {
            let error = Double(abs(values[index] - sample)) / scale
            XCTAssertLessThanOrEqual(error, gradientTolerance, "\(what)[\(index)]: \(values[index]) vs \(sample)")
            worst = max(worst, error)
        }
        return worst
    }

    /// The script's sample positions: j·(n−1) div 7 for j in 0…7, without repeats.
    static func sampleIndices(_ n: Int) -> [Int] { Array(Set((0..<8).map { $0 * (n - 1) / 7 })).sorted() }
    static func l2(_ x: [Float]) -> Double { x.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
    static func probe(_ x: [Float]) -> Double {
        x.enumerated().reduce(0.0) { $0 + Double($1.element) * cos(Double($1.offset)) }
    }
    static func robustName(_ name: String) -> String { name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name }
}
