// ConsistencyTests: UDA's and VAT's losses and gradients (KL and annealed cross-entropy against finite differences,
// VAT's adversarial direction against finite differences of the KL through the whole model), the unlabelled
// stream's schedule, the UDA gradient's linearity in λ and its confidence mask, and consistency training's
// determinism and exact resumption on a tiny model.
import Basics
import Foundation
import Tensors
@testable import Training
import Transformer
import XCTest

/// Unlabelled examples of FineTunerTests' task (labels dropped); the augmented copy replaces one token at random,
/// seeded by the step and the position, as a real source's copies are a function of the step.
final class ToyUnlabeledSource: UnlabeledSource {
    let examples: [TokenizedExample]
    let augment: Bool
    var schedule: UnlabeledSchedule
    init(count: Int, augment: Bool = true) {
        examples = FineTunerTests.task(count: count, seed: 11).map { TokenizedExample(ids: $0.ids, label: 0) }
        self.augment = augment
        schedule = UnlabeledSchedule(count: count, seed: 5)
    }
    var count: Int { examples.count }
    func batch(step: Int, size: Int) throws -> UnlabeledBatch {
        let slice = schedule.slice(step: step, size: size)
        let originals = slice.map { examples[$0.index] }
        guard augment else { return UnlabeledBatch(originals: originals, augmented: nil) }
        let copies = slice.map { item -> TokenizedExample in
            var random = SeededRandom(seed: SeededRandom.mix(3, item.cycle, item.index))
            var ids = examples[item.index].ids
            ids[1 + random.below(ids.count - 2)] = Int32(10 + random.below(30))
            return TokenizedExample(ids: ids, label: 0)
        }
        return UnlabeledBatch(originals: originals, augmented: copies)
    }
}

final class ConsistencyTests: XCTestCase {
    func testKLGradientMatchesFiniteDifferences() {
        let rows = 3, c = 4
        var random = SeededRandom(seed: 1)
        var logits = (0..<(rows * c)).map { _ in random.uniform() * 4 - 2 }
        var target = [Float](repeating: 0, count: rows * c)
        let raw = (0..<(rows * c)).map { _ in random.uniform() * 3 - 1 }
        ConsistencyLoss.softmax(raw, rows: rows, classes: c, temperature: 0.4, into: &target)
        let scales = [0.5, 0.0, 2.0]
        var gradient = [Float](repeating: 0, count: rows * c)
        let loss = ConsistencyLoss.kl(target: target, logits: logits, rows: rows, classes: c, scale: { scales[$0] }, gradient: &gradient)
        // Independent: KL(p ‖ q) = Σ p log p − Σ p log q.
        var expected = 0.0
        for row in 0..<rows {
            let q = Loss.softmax(Array(logits[(row * c)..<((row + 1) * c)]))
            for k in 0..<c where target[row * c + k] > 0 {
                expected += scales[row] * Double(target[row * c + k]) * log(Double(target[row * c + k]) / Double(q[k]))
            }
        }
        XCTAssertEqual(loss, expected, accuracy: 1e-5)
        let h: Float = 1e-2
        for i in 0..<(rows * c) {
            let saved = logits[i]
            logits[i] = saved + h
            let up = ConsistencyLoss.kl(target: target, logits: logits, rows: rows, classes: c, scale: { scales[$0] }, gradient: nil)
            logits[i] = saved - h
            let down = ConsistencyLoss.kl(target: target, logits: logits, rows: rows, classes: c, scale: { scales[$0] }, gradient: nil)
            logits[i] = saved
            XCTAssertEqual(Double(gradient[i]), (up - down) / Double(2 * h), accuracy: 2e-4, "logit \(i)")
        }
        XCTAssertEqual(gradient[4..<8].map { $0 }, [0, 0, 0, 0], "a masked row has no gradient")
    }

    func testSharpeningLowersTheEntropy() {
        let logits: [Float] = [1, 0.5, -1]
        var plain = [Float](repeating: 0, count: 3), sharp = plain
        ConsistencyLoss.softmax(logits, rows: 1, classes: 3, into: &plain)
        ConsistencyLoss.softmax(logits, rows: 1, classes: 3, temperature: 0.4, into: &sharp)
        XCTAssertEqual(plain, Loss.softmax(logits).map { $0 }, "temperature 1 is softmax")
        let direct = Loss.softmax(logits.map { $0 / 0.4 })
        for k in 0..<3 { XCTAssertEqual(sharp[k], direct[k], accuracy: 1e-6) }
        XCTAssertGreaterThan(sharp[0], plain[0])
    }

    func testAnnealedCrossEntropyLeavesConfidentRowsOutAndItsGradientMatchesFiniteDifferences() throws {
        let c = 2
        // Row 0 confident and right (p ≈ 0.95), row 1 unsure, row 2 wrong.
        var logits: [Float] = [3, 0.05, 0.2, 0, -1, 1]
        let labels = [0, 0, 0]
        var gradient = [Float](repeating: 0, count: 6)
        let result = try ConsistencyLoss.annealedCrossEntropy(logits: logits, labels: labels, classes: c, threshold: 0.75, gradient: &gradient)
        XCTAssertEqual(result.kept, 2)
        XCTAssertEqual(gradient[0], 0)
        XCTAssertEqual(gradient[1], 0)
        let plain = try Loss.crossEntropy(logits: logits, labels: labels, classes: c)
        XCTAssertEqual(result.plain, Double(plain), accuracy: 1e-6)
        func annealed(_ l: [Float]) throws -> Double {
            // The kept set is fixed by the unperturbed logits (a step's mask has no gradient).
            var sum = 0.0
            for row in [1, 2] {
                sum += Double(try Loss.crossEntropy(logits: Array(l[(row * c)..<((row + 1) * c)]), labels: [labels[row]], classes: c))
            }
            return sum / 2
        }
        XCTAssertEqual(result.loss, try annealed(logits), accuracy: 1e-6)
        let h: Float = 1e-2
        for i in 2..<6 {
            let saved = logits[i]
            logits[i] = saved + h
            let up = try annealed(logits)
            logits[i] = saved - h
            let down = try annealed(logits)
            logits[i] = saved
            XCTAssertEqual(Double(gradient[i]), (up - down) / Double(2 * h), accuracy: 1e-4, "logit \(i)")
        }
        // Every row above the threshold: no loss and no gradient.
        let none = try ConsistencyLoss.annealedCrossEntropy(logits: logits, labels: labels, classes: c, threshold: 0.0, gradient: &gradient)
        XCTAssertEqual(none.kept, 0)
        XCTAssertEqual(none.loss, 0)
        XCTAssertEqual(gradient, [Float](repeating: 0, count: 6))
    }

    func testAnnealingSchedules() {
        var settings = ConsistencyTraining(method: .uda)
        XCTAssertNil(settings.annealingThreshold(progress: 0.5, classes: 2))
        settings.annealing = .linear
        XCTAssertEqual(settings.annealingThreshold(progress: 0, classes: 2)!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(settings.annealingThreshold(progress: 0.5, classes: 2)!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(settings.annealingThreshold(progress: 1, classes: 4)!, 1, accuracy: 1e-12)
        settings.annealing = .log
        XCTAssertEqual(settings.annealingThreshold(progress: 0.2, classes: 2)!, (1 - exp(-1)) * 0.5 + 0.5, accuracy: 1e-12)
        settings.annealing = .exp
        XCTAssertEqual(settings.annealingThreshold(progress: 0.8, classes: 3)!, exp(-1) * (2.0 / 3) + 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(settings.annealingThreshold(progress: 7, classes: 3)!, 1, accuracy: 1e-12, "progress is clamped")
    }

    func testUnlabeledScheduleIsASeededPermutationPerPassAndAFunctionOfTheStep() {
        var schedule = UnlabeledSchedule(count: 10, seed: 4)
        let steps = (0..<5).flatMap { schedule.slice(step: $0, size: 4) }   // 20 = two passes
        XCTAssertEqual(Set(steps.prefix(10).map(\.index)), Set(0..<10))
        XCTAssertEqual(Set(steps.dropFirst(10).map(\.index)), Set(0..<10))
        XCTAssertEqual(steps.prefix(10).map(\.cycle), [Int](repeating: 0, count: 10))
        XCTAssertEqual(steps.dropFirst(10).map(\.cycle), [Int](repeating: 1, count: 10))
        XCTAssertNotEqual(steps.prefix(10).map(\.index), steps.dropFirst(10).map(\.index), "each pass reshuffles")
        var fresh = UnlabeledSchedule(count: 10, seed: 4)
        XCTAssertEqual(fresh.slice(step: 3, size: 4).map(\.index), steps[12..<16].map(\.index), "a step alone gives its slice")
        var other = UnlabeledSchedule(count: 10, seed: 5)
        XCTAssertNotEqual(other.slice(step: 0, size: 10).map(\.index), steps.prefix(10).map(\.index))
    }

    /// The consistency part's parameter gradients for `settings` on one unlabelled batch.
    func consistencyGradients(_ settings: ConsistencyTraining, model: EncoderModel, unlabeled: UnlabeledBatch) throws -> (gradients: [Float], outcome: ConsistencyOutcome) {
        let workspace = model.makeWorkspace(training: true)
        model.parameters.zeroGradients()
        let step = ConsistencyStep(settings)
        let outcome = try step.run(model: model, unlabeled: unlabeled, workspace: workspace,
                                   dropout: DropoutPlan(seed: 4, hidden: 0.1, attention: 0.1, classifier: 0.1), seed: 2)
        return (model.parameters.gradients.array(model.parameters.count), outcome)
    }

    func testUDALossMatchesAnIndependentComputationAndItsGradientIsLinearInλAndMasked() throws {
        let model = try FineTunerTests.model()
        let unlabeled = try ToyUnlabeledSource(count: 12).batch(step: 0, size: 12)
        var settings = ConsistencyTraining(method: .uda)
        settings.augmentation = ["toy"]
        settings.threshold = 0
        let one = try consistencyGradients(settings, model: model, unlabeled: unlabeled)
        settings.weight = 2
        let two = try consistencyGradients(settings, model: model, unlabeled: unlabeled)
        XCTAssertEqual(two.outcome.loss, 2 * one.outcome.loss, accuracy: 1e-9 + 1e-6 * one.outcome.loss)
        let norm = one.gradients.reduce(Float(0)) { max($0, abs($1)) }
        XCTAssertGreaterThan(norm, 0)
        for i in one.gradients.indices { XCTAssertEqual(two.gradients[i], 2 * one.gradients[i], accuracy: 1e-6 * norm) }

        // Independent loss: sharpened eval-mode targets, dropout logits of the copies, mean KL.
        let c = model.classCount, u = unlabeled.originals.count
        let eval = model.makeWorkspace(training: false)
        let target = try model.classify(Batching.tokenBatch(unlabeled.originals, indices: Array(0..<u)), workspace: eval)
        let targets = (0..<u).map { row in Loss.softmax((0..<c).map { target[row * c + $0] / 0.4 }) }
        let training = model.makeWorkspace(training: true)
        let plan = DropoutPlan(seed: 4, hidden: 0.1, attention: 0.1, classifier: 0.1)
        let q = try model.classify(Batching.tokenBatch(unlabeled.augmented!, indices: Array(0..<u)), workspace: training, dropout: plan)
        var expected = 0.0
        for row in 0..<u {
            let probabilities = Loss.softmax((0..<c).map { q[row * c + $0] })
            for k in 0..<c { expected += Double(targets[row][k]) * log(Double(targets[row][k]) / Double(probabilities[k])) }
        }
        XCTAssertEqual(one.outcome.loss, expected / Double(u), accuracy: 1e-5 * max(1, expected))
        XCTAssertEqual(one.outcome.unlabeled, u)
        XCTAssertEqual(one.outcome.confident, u, "threshold 0: every example counts")

        // A threshold no prediction reaches masks every example: no loss, no gradient.
        settings.weight = 1
        settings.threshold = 0.9999
        let masked = try consistencyGradients(settings, model: model, unlabeled: unlabeled)
        XCTAssertEqual(masked.outcome.confident, 0)
        XCTAssertEqual(masked.outcome.loss, 0)
        XCTAssertTrue(masked.gradients.allSatisfy { $0 == 0 })
    }

    func testVATPerturbationIsTheNormalisedGradientOfTheKLByFiniteDifferences() throws {
        let model = try FineTunerTests.model()
        let unlabeled = try ToyUnlabeledSource(count: 1, augment: false).batch(step: 0, size: 1)
        var settings = ConsistencyTraining(method: .vat)
        settings.vatXi = 0.5
        settings.vatEpsilon = 1
        let step = ConsistencyStep(settings)
        var r: [Float] = []
        step.observePerturbation = { r = Array($0) }
        _ = try step.run(model: model, unlabeled: unlabeled, workspace: model.makeWorkspace(training: true),
                         dropout: DropoutPlan(seed: 4, hidden: 0.1, attention: 0.1, classifier: 0.1), seed: 6)
        let rNorm = r.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        XCTAssertEqual(rNorm, 1, accuracy: 1e-4, "‖r_adv‖ = ε")

        // The probe point ξ·d: the step's seeded draw, redone here.
        let h = model.inputEmbeddingWidth, t = unlabeled.originals[0].ids.count
        var random = SeededRandom(seed: 6)
        var d = (0..<(t * h)).map { _ -> Double in
            let a = Double(random.uniform()) + 1e-12, b = Double(random.uniform())
            return (-2 * log(a)).squareRoot() * cos(2 * Double.pi * b)
        }
        let dNorm = d.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        d = d.map { $0 / dNorm * Double(settings.vatXi) }

        let batch = Batching.tokenBatch(unlabeled.originals, indices: [0])
        let eval = model.makeWorkspace(training: false)
        let target = Loss.softmax(Array(UnsafeBufferPointer(start: try model.classify(batch, workspace: eval), count: 2)))
        let workspace = model.makeWorkspace(training: true)
        func kl(_ delta: [Double]) throws -> Double {
            let perturbation = delta.map(Float.init)
            let logits = try perturbation.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: try model.classify(batch, workspace: workspace, wordEmbeddingDelta: $0.baseAddress!), count: 2))
            }
            let q = Loss.softmax(logits)
            var total = 0.0
            for k in 0..<2 {
                let p = Double(target[k])
                total += p * log(p / Double(q[k]))
            }
            return total
        }
        // r_adv = ε·g/‖g‖ with g the input gradient of KL(p̂ ‖ q(x + ξd)) (the engine's input gradients are checked by
        // finite differences in GradientCheckTests): recomputed here from the KL's logit gradient q − p̂.
        let probe = d.map(Float.init)
        let logits = try probe.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: try model.classify(batch, workspace: workspace, wordEmbeddingDelta: $0.baseAddress!), count: 2))
        }
        let q = Loss.softmax(logits)
        let logitGradient = (0..<2).map { q[$0] - target[$0] }
        try logitGradient.withUnsafeBufferPointer {
            try model.classifyBackward(workspace: workspace, logitGradient: $0.baseAddress!, parameterGradients: false)
        }
        let g = workspace.inputEmbeddingGradient.array(t * h).map(Double.init)
        let gNorm = g.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        for i in 0..<(t * h) { XCTAssertEqual(Double(r[i]), g[i] / gNorm, accuracy: 1e-5, "coordinate \(i)") }

        // And by finite differences of the KL itself: r̂ is steeper than random unit directions.
        let rHat = r.map { Double($0) / rNorm }
        let delta = 0.1
        func derivative(_ direction: [Double]) throws -> Double {
            (try kl(zip(d, direction).map { $0 + delta * $1 }) - kl(zip(d, direction).map { $0 - delta * $1 })) / (2 * delta)
        }
        let alongR = try derivative(rHat)
        XCTAssertGreaterThan(alongR, 0)
        var noise = SeededRandom(seed: 9)
        for _ in 0..<4 {
            var v = (0..<(t * h)).map { _ in Double(noise.uniform()) - 0.5 }
            let norm = v.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / norm }
            XCTAssertLessThan(abs(try derivative(v)), 0.5 * alongR, "a random direction is as steep as r_adv")
        }
    }

    func settings(_ method: ConsistencyTraining.Method, epochs: Int = 3) -> TrainerSettings {
        var settings = TrainerSettings()
        settings.epochs = epochs
        settings.batchSize = 8
        settings.learningRate = 3e-3
        settings.patience = nil
        settings.seed = 9
        var consistency = ConsistencyTraining(method: method)
        consistency.augmentation = method.usesAugmentation ? ["toy"] : []
        consistency.threshold = 0.5
        consistency.unlabeledRatio = 2
        consistency.annealing = .linear
        settings.consistency = consistency
        return settings
    }

    func testConsistencyTrainingIsDeterministicRecordsItsCurvesAndResumesExactly() throws {
        let train = FineTunerTests.task(count: 32, seed: 1), dev = FineTunerTests.task(count: 16, seed: 2)
        let labels = ["absent", "present"]
        func straightRun() throws -> (weights: [Float], state: TrainingState) {
            let model = try FineTunerTests.model()
            let tuner = try FineTuner(model: model, settings: settings(.udaVat), train: train, dev: dev, labels: labels)
            tuner.unlabeled = ToyUnlabeledSource(count: 40)
            let state = try tuner.run()
            return (model.parameters.values.array(model.parameters.count), state)
        }
        let straight = try straightRun()
        XCTAssertEqual(try straightRun().weights, straight.weights, "same seed, same weights")
        XCTAssertEqual(straight.state.history.count, 3)
        for record in straight.state.history {
            XCTAssertGreaterThan(try XCTUnwrap(record.consistencyLoss), 0)
            XCTAssertTrue((0...1).contains(try XCTUnwrap(record.unlabeledConfident)))
        }

        let first = try FineTunerTests.model()
        let tuner = try FineTuner(model: first, settings: settings(.udaVat), train: train, dev: dev, labels: labels)
        tuner.unlabeled = ToyUnlabeledSource(count: 40)
        var saved: TrainingState?
        tuner.onCheckpointState = { saved = $0 }
        tuner.shouldStop = { tuner.state.step == 6 }
        XCTAssertThrowsError(try tuner.run()) { XCTAssertTrue($0 is TrainingInterrupted) }
        let state = try XCTUnwrap(saved)
        let weights = first.parameters.values.array(first.parameters.count)
        let optimiser = tuner.optimiser.state()
        let second = try FineTunerTests.model(seed: 77)
        weights.withUnsafeBufferPointer { second.parameters.values.pointer.update(from: $0.baseAddress!, count: weights.count) }
        let resumed = try FineTuner(model: second, settings: settings(.udaVat), train: train, dev: dev, labels: labels)
        resumed.unlabeled = ToyUnlabeledSource(count: 40)
        try resumed.resume(from: state, optimiserStep: optimiser.step, first: optimiser.first, second: optimiser.second)
        let final = try resumed.run()
        XCTAssertEqual(final.history, straight.state.history)
        XCTAssertEqual(second.parameters.values.array(second.parameters.count), straight.weights)

        // Without consistency the same run differs (the unlabelled part does move the weights).
        var plain = settings(.uda)
        plain.consistency = nil
        let model = try FineTunerTests.model()
        _ = try FineTuner(model: model, settings: plain, train: train, dev: dev, labels: labels).run()
        XCTAssertNotEqual(model.parameters.values.array(model.parameters.count), straight.weights)
    }

    func testSettingsAreValidated() throws {
        let model = try FineTunerTests.model()
        let train = FineTunerTests.task(count: 16, seed: 1)
        var noSource = settings(.vat)
        XCTAssertThrowsError(try FineTuner(model: model, settings: noSource, train: train, dev: [], labels: ["absent", "present"]).run()) {
            XCTAssertTrue("\($0)".contains("needs unlabelled examples"), "\($0)")
        }
        noSource.adversarial = AdversarialTraining(method: .fgm)
        XCTAssertThrowsError(try noSource.validate()) { XCTAssertTrue("\($0)".contains("does not combine"), "\($0)") }
        var bad = ConsistencyTraining(method: .uda)
        XCTAssertThrowsError(try bad.validate(), "UDA without augmentation")
        bad.augmentation = ["x"]
        bad.threshold = 1
        XCTAssertThrowsError(try bad.validate())
        bad.threshold = 0.5
        bad.vatXi = 2
        XCTAssertThrowsError(try bad.validate(), "ξ above ε")
        bad.vatXi = 0.01
        XCTAssertNoThrow(try bad.validate())
    }
}
