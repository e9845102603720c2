// The fine-tuning loop on a tiny model and a synthetic task: it learns, stops early, is deterministic,
// and resumes from an interruption to exactly the same weights as an uninterrupted run.
import Basics
import Foundation
import Tensors
import Training
import Transformer
import XCTest

final class FineTunerTests: XCTestCase {
    /// Class 1 iff token 7 occurs: learnable by a tiny BERT in a few epochs.
    static func task(count: Int, seed: UInt64) -> [TokenizedExample] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { index in
            let length = 3 + Int(random.next() % 10)
            var ids: [Int32] = [1] + (0..<length).map { _ in Int32(10 + random.next() % 30) } + [2]
            let label = index % 2
            if label == 1 { ids[1 + Int(random.next() % UInt64(length))] = 7 }
            return TokenizedExample(ids: ids, label: label)
        }
    }

    static func model(seed: UInt64 = 1) throws -> EncoderModel {
        let config = try EncoderConfig(vocabSize: 48, hiddenSize: 32, layerCount: 2, headCount: 4, intermediateSize: 64,
                                    hiddenDropout: 0.1, attentionDropout: 0.1, maxPositions: 32)
        var labelled = config
        labelled.labels = ["absent", "present"]
        return try EncoderModel(config: labelled, classes: 2, seed: seed)
    }

    func settings(epochs: Int = 6) -> TrainerSettings {
        var settings = TrainerSettings()
        settings.epochs = epochs
        settings.batchSize = 16
        settings.learningRate = 3e-3
        settings.patience = nil
        settings.seed = 9
        return settings
    }

    func testLearnsASimpleRule() throws {
        let model = try Self.model()
        let tuner = try FineTuner(model: model, settings: settings(), train: Self.task(count: 320, seed: 1),
                                  dev: Self.task(count: 80, seed: 2), labels: ["absent", "present"])
        let state = try tuner.run()
        XCTAssertTrue(state.finished)
        XCTAssertEqual(state.history.count, 6)
        let last = try XCTUnwrap(state.history.last)
        XCTAssertGreaterThan(last.devAccuracy, 0.9, "history: \(state.history.map(\.devAccuracy))")
        XCTAssertLessThan(last.trainLoss, state.history[0].trainLoss)
    }

    func testSameSeedGivesIdenticalWeights() throws {
        func trained() throws -> [Float] {
            let model = try Self.model()
            _ = try FineTuner(model: model, settings: settings(epochs: 2), train: Self.task(count: 96, seed: 1),
                              dev: Self.task(count: 16, seed: 2), labels: ["absent", "present"]).run()
            return model.parameters.values.array(model.parameters.count)
        }
        XCTAssertEqual(try trained(), try trained())
    }

    func testResumedRunEqualsUninterruptedRun() throws {
        let train = Self.task(count: 96, seed: 1), dev = Self.task(count: 16, seed: 2)
        let straight = try Self.model()
        _ = try FineTuner(model: straight, settings: settings(epochs: 3), train: train, dev: dev,
                          labels: ["absent", "present"]).run()

        // Interrupt mid-epoch 2 (step 8 of 18), keep what a checkpoint would keep, and continue in a new model.
        let first = try Self.model()
        let tuner = try FineTuner(model: first, settings: settings(epochs: 3), train: train, dev: dev,
                                  labels: ["absent", "present"])
        var saved: TrainingState?
        tuner.onCheckpointState = { saved = $0 }
        tuner.shouldStop = { tuner.state.step == 8 }
        XCTAssertThrowsError(try tuner.run()) { XCTAssertTrue($0 is TrainingInterrupted) }
        let state = try XCTUnwrap(saved)
        XCTAssertEqual(state.step, 8)
        let weights = first.parameters.values.array(first.parameters.count)
        let optimiser = tuner.optimiser.state()

        let second = try Self.model(seed: 77)   // different init: everything must come from the saved state
        weights.withUnsafeBufferPointer { second.parameters.values.pointer.update(from: $0.baseAddress!, count: weights.count) }
        let resumed = try FineTuner(model: second, settings: settings(epochs: 3), train: train, dev: dev,
                                    labels: ["absent", "present"])
        try resumed.resume(from: state, optimiserStep: optimiser.step, first: optimiser.first, second: optimiser.second)
        let final = try resumed.run()
        XCTAssertEqual(final.step, 18)
        XCTAssertEqual(second.parameters.values.array(second.parameters.count),
                       straight.parameters.values.array(straight.parameters.count))
    }

    // MARK: - A2T (extra examples per epoch)

    func a2tSettings() -> TrainerSettings {
        var settings = settings(epochs: 3)
        settings.discreteAdversarial = DiscreteAdversarialTraining(recipes: ["a2t"], fraction: 0.25, startEpoch: 2)
        return settings
    }

    /// The hook's examples: the sampled training examples with one token replaced (deterministic).
    static func extras(epoch: Int, train: [TokenizedExample], plan: DiscreteAdversarialTraining) -> [TokenizedExample] {
        plan.sample(epoch: epoch, trainCount: train.count, seed: 9).map { index in
            var example = train[index]
            example.ids[1] = Int32(10 + (epoch * 7 + index) % 30)
            return example
        }
    }

    func testEpochExtrasJoinTheirEpochsAndTheScheduleIsPlannedForThem() throws {
        let train = Self.task(count: 64, seed: 1)
        let settings = a2tSettings()
        let plan = try XCTUnwrap(settings.discreteAdversarial)
        let tuner = try FineTuner(model: try Self.model(), settings: settings, train: train, dev: Self.task(count: 16, seed: 2),
                                  labels: ["absent", "present"])
        // 4 clean steps, then two epochs of 64 + 16 examples: 5 steps each.
        XCTAssertEqual(tuner.totalSteps, 4 + 5 + 5)
        var asked: [Int] = []
        tuner.epochExtras = { epoch in
            asked.append(epoch)
            return Self.extras(epoch: epoch, train: train, plan: plan)
        }
        let state = try tuner.run()
        XCTAssertEqual(asked, [0, 1, 2])
        XCTAssertEqual(state.step, 14)
        XCTAssertEqual(state.history.map(\.step), [4, 9, 14])
        XCTAssertNil(state.epochExtras)
    }

    func testInterruptedA2TEpochResumesWithTheSameExtrasWithoutAskingAgain() throws {
        let train = Self.task(count: 64, seed: 1), dev = Self.task(count: 16, seed: 2)
        let settings = a2tSettings()
        let plan = try XCTUnwrap(settings.discreteAdversarial)
        let straight = try Self.model()
        let uninterrupted = try FineTuner(model: straight, settings: settings, train: train, dev: dev, labels: ["absent", "present"])
        uninterrupted.epochExtras = { Self.extras(epoch: $0, train: train, plan: plan) }
        _ = try uninterrupted.run()

        let first = try Self.model()
        let tuner = try FineTuner(model: first, settings: settings, train: train, dev: dev, labels: ["absent", "present"])
        tuner.epochExtras = { Self.extras(epoch: $0, train: train, plan: plan) }
        var saved: TrainingState?
        tuner.onCheckpointState = { saved = $0 }
        tuner.shouldStop = { tuner.state.step == 6 }   // inside epoch 2, the first with extras
        XCTAssertThrowsError(try tuner.run()) { XCTAssertTrue($0 is TrainingInterrupted) }
        let state = try XCTUnwrap(saved)
        XCTAssertEqual(state.epochExtras?.count, 16)
        // The state survives its JSON round trip (it is saved as state.json).
        let decoded = try JSONDecoder().decode(TrainingState.self, from: JSONEncoder().encode(state))
        XCTAssertEqual(decoded, state)

        let weights = first.parameters.values.array(first.parameters.count)
        let optimiser = tuner.optimiser.state()
        let second = try Self.model(seed: 77)
        weights.withUnsafeBufferPointer { second.parameters.values.pointer.update(from: $0.baseAddress!, count: weights.count) }
        let resumed = try FineTuner(model: second, settings: settings, train: train, dev: dev, labels: ["absent", "present"])
        try resumed.resume(from: decoded, optimiserStep: optimiser.step, first: optimiser.first, second: optimiser.second)
        var asked: [Int] = []
        resumed.epochExtras = { epoch in
            asked.append(epoch)
            return Self.extras(epoch: epoch, train: train, plan: plan)
        }
        _ = try resumed.run()
        XCTAssertEqual(asked, [2], "epoch 2 (0-based 1) must reuse the saved extras")
        XCTAssertEqual(second.parameters.values.array(second.parameters.count),
                       straight.parameters.values.array(straight.parameters.count))
    }

    func testBadExtrasAreRefused() throws {
        let tuner = try FineTuner(model: try Self.model(), settings: a2tSettings(), train: Self.task(count: 32, seed: 1),
                                  dev: [], labels: ["absent", "present"])
        tuner.epochExtras = { _ in [TokenizedExample(ids: [1, 12, 2], label: 5)] }
        XCTAssertThrowsError(try tuner.run()) { XCTAssertTrue("\($0)".contains("label index 5"), "\($0)") }
    }

    func testA2TSampleIsSeededDistinctAndStartsAtTheStartEpoch() throws {
        let plan = DiscreteAdversarialTraining(recipes: ["a2t"], fraction: 0.3, startEpoch: 2)
        XCTAssertEqual(plan.sample(epoch: 0, trainCount: 100, seed: 1), [])
        let one = plan.sample(epoch: 1, trainCount: 100, seed: 1)
        XCTAssertEqual(one.count, 30)
        XCTAssertEqual(Set(one).count, 30)
        XCTAssertEqual(one, one.sorted())
        XCTAssertEqual(one, plan.sample(epoch: 1, trainCount: 100, seed: 1))
        XCTAssertNotEqual(one, plan.sample(epoch: 2, trainCount: 100, seed: 1))
        XCTAssertNotEqual(one, plan.sample(epoch: 1, trainCount: 100, seed: 2))
        XCTAssertEqual(plan.attackedCount(epoch: 1, trainCount: 3), 1)   // rounded up, at least one
        XCTAssertThrowsError(try DiscreteAdversarialTraining(recipes: [], fraction: 0.2, startEpoch: 1).validate(epochs: 2))
        XCTAssertThrowsError(try DiscreteAdversarialTraining(recipes: ["a"], fraction: 0, startEpoch: 1).validate(epochs: 2))
        XCTAssertThrowsError(try DiscreteAdversarialTraining(recipes: ["a"], fraction: 0.2, startEpoch: 3).validate(epochs: 2))
    }

    /// Each method learns, is deterministic, and its perturbation reaches the weights: one epoch moves
    /// them away from plain training's (L2 distance) far more than the same method with a vanishing radius
    /// does (with δ ≈ 0, FGM's and PGD's clean-plus-adversarial gradient is twice the clean one, which
    /// AdamW turns into nearly the plain update — only components within ~1e-8 of zero, where its ε
    /// matters, move — and FreeLB's average is the clean one). The steps themselves are pinned against
    /// torch in AdversarialParityTests.
    func testAdversarialMethodsLearnAndAreDeterministic() throws {
        func oneEpoch(_ adversarial: AdversarialTraining?) throws -> [Float] {
            var settings = settings(epochs: 1)
            settings.adversarial = adversarial
            let model = try Self.model()
            _ = try FineTuner(model: model, settings: settings, train: Self.task(count: 48, seed: 1), dev: [],
                              labels: ["absent", "present"]).run()
            return model.parameters.values.array(model.parameters.count)
        }
        func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
        let plain = try oneEpoch(nil)
        for method in AdversarialTraining.Method.allCases {
            var settings = settings(epochs: 6)
            // Radii on the scale of this tiny model's embeddings (std 0.02 per coordinate; the rule hinges on one token, so a large radius erases it).
            let adversarial = AdversarialTraining(method: method, epsilon: 0.01, stepSize: 0.005, initialMagnitude: 0.005)
            settings.adversarial = adversarial
            let model = try Self.model()
            let state = try FineTuner(model: model, settings: settings, train: Self.task(count: 320, seed: 1),
                                      dev: Self.task(count: 80, seed: 2), labels: ["absent", "present"]).run()
            XCTAssertGreaterThan(state.history.last?.devAccuracy ?? 0, 0.85, "\(method): \(state.history.map(\.devAccuracy))")

            let weights = try oneEpoch(adversarial)
            XCTAssertEqual(try oneEpoch(adversarial), weights, "\(method) is not deterministic")
            let vanishing = try oneEpoch(AdversarialTraining(method: method, epsilon: 1e-9, stepSize: 1e-9, initialMagnitude: 1e-9))
            let moved = distance(weights, plain), rounding = distance(vanishing, plain)
            print("\(method): one epoch moves the weights \(moved) from plain training's; with a vanishing radius \(rounding)")
            // L2 distances (at the time of writing: 0.27, 0.27, 0.17 against 0.025, 0.025, 4e-7).
            XCTAssertGreaterThan(moved, 0.05, "\(method): the perturbation does not reach the weights")
            XCTAssertGreaterThan(moved, 5 * rounding, "\(method): the perturbation does not reach the weights")
        }
    }

    func testAdversarialSettingsAreValidated() {
        XCTAssertThrowsError(try AdversarialTraining(method: .fgm, epsilon: 0).validate())
        XCTAssertThrowsError(try AdversarialTraining(method: .pgd, steps: 0).validate())
        XCTAssertNoThrow(try AdversarialTraining(method: .freelb).validate())
        XCTAssertEqual(AdversarialTraining(method: .fgm).steps, 1)
    }

    func testEarlyStoppingAfterPatienceEvaluations() throws {
        var settings = settings(epochs: 30)
        settings.patience = 2
        settings.learningRate = 1e-9   // nothing improves after the first evaluation
        settings.metric = .accuracy
        let tuner = try FineTuner(model: try Self.model(), settings: settings, train: Self.task(count: 32, seed: 1),
                                  dev: Self.task(count: 16, seed: 2), labels: ["absent", "present"])
        let state = try tuner.run()
        XCTAssertTrue(state.stoppedEarly)
        XCTAssertEqual(state.history.count, 3)
        XCTAssertEqual(state.bestStep, state.history[0].step)
    }

    func testInvalidSettingsAndLabelsAreRejected() throws {
        var bad = settings()
        bad.learningRate = -1
        XCTAssertThrowsError(try FineTuner(model: try Self.model(), settings: bad, train: Self.task(count: 4, seed: 1),
                                           dev: [], labels: ["absent", "present"]))
        XCTAssertThrowsError(try FineTuner(model: try Self.model(), settings: settings(),
                                           train: [TokenizedExample(ids: [1, 2], label: 5)], dev: [],
                                           labels: ["absent", "present"]))
        XCTAssertThrowsError(try FineTuner(model: try Self.model(), settings: settings(), train: [], dev: [],
                                           labels: ["absent", "present"]))
    }

    func testBatchesAreDeterministicPerEpochAndCoverEveryExample() {
        let lengths = (0..<103).map { ($0 * 37) % 29 + 2 }
        let a = Batching.epochBatches(lengths: lengths, batchSize: 8, seed: 1, epoch: 0)
        XCTAssertEqual(a, Batching.epochBatches(lengths: lengths, batchSize: 8, seed: 1, epoch: 0))
        XCTAssertNotEqual(a, Batching.epochBatches(lengths: lengths, batchSize: 8, seed: 1, epoch: 1))
        XCTAssertNotEqual(a, Batching.epochBatches(lengths: lengths, batchSize: 8, seed: 2, epoch: 0))
        XCTAssertEqual(a.flatMap { $0 }.sorted(), Array(0..<103))
        XCTAssertEqual(a.count, 13)
        // Within a pool, a batch spans a narrow range of lengths.
        let spread = a.map { batch in (batch.map { lengths[$0] }.max() ?? 0) - (batch.map { lengths[$0] }.min() ?? 0) }
        XCTAssertLessThanOrEqual(spread.sorted()[spread.count / 2], 4)
    }

    func testClassificationReportMatchesScikitLearn() {
        // sklearn.metrics.classification_report(y_true, y_pred) for these lists:
        // class 0: p=0.5 r=0.5 f1=0.5 s=2; class 1: p=0.6667 r=0.6667 s=3; class 2: p=0 r=0 s=1 (never predicted... predicted once wrongly)
        let gold = [0, 0, 1, 1, 1, 2], predicted = [0, 1, 1, 1, 0, 1]
        let report = ClassificationReport(labels: ["a", "b", "c"], gold: gold, predicted: predicted)
        XCTAssertEqual(report.accuracy, 0.5, accuracy: 1e-12)
        XCTAssertEqual(report.rows[0].precision, 0.5, accuracy: 1e-12)
        XCTAssertEqual(report.rows[0].recall, 0.5, accuracy: 1e-12)
        XCTAssertEqual(report.rows[1].precision, 2.0 / 4.0, accuracy: 1e-12)
        XCTAssertEqual(report.rows[1].recall, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(report.rows[1].f1, 2 * 0.5 * (2.0 / 3.0) / (0.5 + 2.0 / 3.0), accuracy: 1e-12)
        XCTAssertEqual(report.rows[2].f1, 0)
        XCTAssertEqual(report.rows.map(\.support), [2, 3, 1])
        XCTAssertEqual(report.macroF1, (0.5 + 4.0 / 7.0 + 0) / 3, accuracy: 1e-12)
        XCTAssertEqual(report.weightedF1, (0.5 * 2 + 4.0 / 7.0 * 3) / 6, accuracy: 1e-12)
        XCTAssertEqual(report.confusion, [[1, 1, 0], [1, 2, 0], [0, 1, 0]])
        XCTAssertTrue(report.rendered().contains("weighted avg"))
    }
}
