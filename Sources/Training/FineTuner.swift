// FineTuner: the fine-tuning loop — length-bucketed batches, seeded dropout, cross-entropy, global-norm
// clipping, AdamW with linear warmup and decay, evaluation on dev every epoch (and every N steps),
// early stopping with patience, best-model tracking, and exact resumption from a saved state.
import Basics
import Foundation
import Tensors
import Transformer

public enum SelectionMetric: String, Codable, Sendable, CaseIterable {
    case accuracy, macroF1 = "macro_f1", loss

    /// Whether `a` is better than `b`.
    func better(_ a: Double, than b: Double) -> Bool { self == .loss ? a < b : a > b }
    func value(of evaluation: Evaluation.Result) -> Double {
        switch self {
        case .accuracy: return evaluation.report.accuracy
        case .macroF1: return evaluation.report.macroF1
        case .loss: return evaluation.loss
        }
    }
}

public struct TrainerSettings: Codable, Sendable, Equatable {
    public var epochs = 4
    public var batchSize = 32
    public var learningRate: Float = 5e-5
    public var warmupRatio: Float = 0.1
    public var weightDecay: Float = 0.01
    public var maxGradNorm: Float = 1.0
    public var maxLength = 128
    public var seed: UInt64 = 42
    /// Also evaluate every N optimiser steps (nil: only at the end of each epoch).
    public var evaluateEvery: Int?
    /// Stop after this many evaluations without improvement (nil: never stop early).
    public var patience: Int? = 2
    public var metric: SelectionMetric = .accuracy
    /// Dropout on hidden states, attention and the classifier (nil: the model config's rates).
    public var dropout: Float?
    /// Adversarial training on the input embeddings (nil: plain fine-tuning).
    public var adversarial: AdversarialTraining?
    /// A2T-style discrete adversarial training: adversarial texts of the current model added to
    /// epochs (nil: none). The trainer only plans for them; its `epochExtras` hook makes them.
    public var discreteAdversarial: DiscreteAdversarialTraining?
    /// bf16: mixed-precision training (bf16 products forward and backward, fp32 master weights and AdamW state);
    /// nil: fp32 (and the stored settings read as before).
    public var precision: Precision?
    /// Semi-supervised consistency training on unlabelled text (UDA, VAT); nil: none. The trainer's
    /// `unlabeled` source supplies the batches.
    public var consistency: ConsistencyTraining?
    /// Train on a seeded, stratified sample of this many training examples (nil: all of them); the seed is the
    /// training seed, so runs with other seeds see other labelled examples.
    public var trainSubset: Int?
    /// Image models: adversarial training on pixels (PGD, TRADES); nil: none.
    public var pixelAdversarial: PixelAdversarialTraining?
    /// Image models: the augmentation recipes applied on the fly each epoch (by name or path); nil: none.
    public var imageAugmentation: [String]?

    public init() {}

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError.invalidSettings(message) } }
        try check(epochs >= 1 && epochs <= 1000, "epochs must be in 1...1000")
        try check(batchSize >= 1 && batchSize <= 4096, "batch size must be in 1...4096")
        try check(precision != .int8, "training runs in fp32 or bf16; int8 is for queries only")
        try check(learningRate > 0 && learningRate.isFinite && learningRate < 1, "learning rate must be in (0, 1)")
        try check(warmupRatio >= 0 && warmupRatio <= 1, "warmup ratio must be in [0, 1]")
        try check(weightDecay >= 0 && weightDecay < 1, "weight decay must be in [0, 1)")
        try check(maxGradNorm > 0, "max gradient norm must be positive")
        try check(maxLength >= 2, "max length must be at least 2")
        try check((evaluateEvery ?? 1) >= 1, "evaluate-every must be positive")
        try check((patience ?? 1) >= 1, "patience must be positive")
        try check((dropout ?? 0) >= 0 && (dropout ?? 0) < 1, "dropout must be in [0, 1)")
        try adversarial?.validate()
        try discreteAdversarial?.validate(epochs: epochs)
        try consistency?.validate()
        try pixelAdversarial?.validate()
        try check(pixelAdversarial == nil || (adversarial == nil && discreteAdversarial == nil && consistency == nil),
                  "pixel adversarial training is for image models only")
        try check((trainSubset ?? 2) >= 2, "the training subset needs at least 2 examples")
        try check(consistency == nil || (adversarial == nil && discreteAdversarial == nil),
                  "consistency training does not combine with --adversarial or --a2t in one run")
        try check(batchSize * (consistency?.unlabeledRatio ?? 0) <= 8192,
                  "the unlabelled batch (batch size × unlabelled ratio) must be at most 8192 examples")
    }
}

/// A2T (Yoo & Qi 2021): from epoch `startEpoch` on (1-based), each epoch starts by attacking a seeded
/// sample of `fraction` of the training set with `recipes` (cheap attack recipes, by name) on the
/// current weights; the successful adversarial texts, with their true labels, join that epoch's
/// training data (weight 1, like clean examples).
public struct DiscreteAdversarialTraining: Codable, Sendable, Equatable {
    public var recipes: [String]
    public var fraction: Double
    public var startEpoch: Int

    public init(recipes: [String], fraction: Double = 0.2, startEpoch: Int = 2) {
        self.recipes = recipes
        self.fraction = fraction
        self.startEpoch = startEpoch
    }

    public func validate(epochs: Int) throws {
        guard !recipes.isEmpty else { throw TrainingError.invalidSettings("A2T needs at least one attack recipe") }
        guard fraction > 0 && fraction <= 1 else { throw TrainingError.invalidSettings("the A2T fraction must be in (0, 1]") }
        guard startEpoch >= 1 && startEpoch <= epochs else {
            throw TrainingError.invalidSettings("the A2T start epoch must be in 1...\(epochs) (the number of epochs)")
        }
    }

    /// Training examples attacked at the start of a 0-based epoch (0 before `startEpoch`).
    public func attackedCount(epoch: Int, trainCount: Int) -> Int {
        epoch + 1 >= startEpoch ? min(trainCount, max(1, Int((fraction * Double(trainCount)).rounded(.up)))) : 0
    }

    /// The seeded sample of training indices attacked at the start of `epoch`, in increasing order.
    public func sample(epoch: Int, trainCount: Int, seed: UInt64) -> [Int] {
        let count = attackedCount(epoch: epoch, trainCount: trainCount)
        guard count > 0 else { return [] }
        var order = Array(0..<trainCount)
        var random = SeededRandom(seed: SeededRandom.mix(seed, epoch, 0xA27))
        for i in 0..<count { order.swapAt(i, i + random.below(trainCount - i)) }
        return order.prefix(count).sorted()
    }
}

/// One evaluation on the dev split during training.
public struct EvaluationRecord: Codable, Sendable, Equatable {
    /// Epochs completed when it ran (fractional for evaluations inside an epoch).
    public var epoch: Double
    public var step: Int
    public var trainLoss: Double
    public var devLoss: Double
    public var devAccuracy: Double
    public var devMacroF1: Double
    public var learningRate: Double
    /// Consistency training: the mean weighted consistency loss since the previous evaluation, and the share of
    /// unlabelled examples whose prediction reached the confidence threshold (nil without consistency training).
    public var consistencyLoss: Double? = nil
    public var unlabeledConfident: Double? = nil
}

/// Everything needed to continue a run exactly where it stopped (model weights are saved beside it).
public struct TrainingState: Codable, Sendable, Equatable {
    public var step = 0
    public var epoch = 0
    public var batchInEpoch = 0
    public var bestMetric: Double?
    public var bestStep: Int?
    public var evaluationsWithoutImprovement = 0
    public var history: [EvaluationRecord] = []
    public var runningLoss = 0.0
    public var runningCount = 0
    public var finished = false
    public var stoppedEarly = false
    /// The current epoch's extra examples (A2T), kept so an interrupted epoch resumes with the same data.
    public var epochExtras: [TokenizedExample]?
    /// Consistency training's running sums since the last evaluation (nil without it).
    public var runningConsistency: ConsistencyOutcome?

    public init() {}
}

public struct TrainingProgress: Sendable {
    public var epoch: Int, epochs: Int
    public var step: Int, totalSteps: Int
    public var loss: Double
    public var learningRate: Float
    public var tokensPerSecond: Double
    public var secondsRemaining: Double
}

/// Thrown by the `epochExtras` hook to stop training before an epoch whose extra examples are made elsewhere (A2T's
/// harvest split over machines): the trainer saves its state first, so `--resume` asks the hook again.
public struct EpochExtrasDeferred: Error, CustomStringConvertible, Sendable {
    /// 0-based.
    public let epoch: Int
    public let reason: String
    public init(epoch: Int, reason: String) {
        self.epoch = epoch
        self.reason = reason
    }
    public var description: String { reason }
}

public struct TrainingInterrupted: Error, CustomStringConvertible {
    public let state: TrainingState
    public var description: String { "training interrupted at step \(state.step); continue with --resume" }
}

public final class FineTuner {
    public let model: EncoderModel
    public let settings: TrainerSettings
    public let train: [TokenizedExample]
    public let dev: [TokenizedExample]
    public let labels: [String]
    public let optimiser: AdamW
    public private(set) var state = TrainingState()

    /// Called about once a second with the progress line's numbers.
    public var onProgress: (TrainingProgress) -> Void = { _ in }
    /// Called after each evaluation; `improved` means this is the new best model.
    public var onEvaluation: (EvaluationRecord, Evaluation.Result, _ improved: Bool) throws -> Void = { _, _, _ in }
    /// Called to save the resumable state (after evaluations and when interrupted).
    public var onCheckpointState: (TrainingState) throws -> Void = { _ in }
    /// Polled between steps; true stops the run with `TrainingInterrupted` after saving state.
    public var shouldStop: () -> Bool = { false }
    /// Extra training examples for a 0-based epoch, asked for when the epoch starts (A2T: adversarial
    /// examples of the current weights). Called with the model in its current state.
    public var epochExtras: (_ epoch: Int) throws -> [TokenizedExample] = { _ in [] }
    /// The unlabelled batches of consistency training (required when `settings.consistency` is set).
    public var unlabeled: UnlabeledSource?

    public init(model: EncoderModel, settings: TrainerSettings, train: [TokenizedExample], dev: [TokenizedExample],
                labels: [String]) throws {
        try settings.validate()
        guard !train.isEmpty else { throw TrainingError.invalidSettings("the training split is empty") }
        guard labels.count == model.classCount else {
            throw TrainingError.invalidSettings("\(labels.count) labels but the model's head has \(model.classCount) classes")
        }
        for example in train + dev where example.label < 0 || example.label >= labels.count {
            throw TrainingError.invalidSettings("label index \(example.label) is outside the \(labels.count) classes")
        }
        self.model = model
        self.settings = settings
        self.train = train
        self.dev = dev
        self.labels = labels
        optimiser = AdamW(store: model.parameters, settings: AdamWSettings(weightDecay: settings.weightDecay))
    }

    public var batchesPerEpoch: Int { (train.count + settings.batchSize - 1) / settings.batchSize }
    /// Steps planned for the whole run: A2T epochs are planned with their largest possible size (every
    /// attacked example succeeding), so the learning-rate schedule is fixed before training starts.
    public var totalSteps: Int {
        (0..<settings.epochs).reduce(0) { sum, epoch in
            let extra = settings.discreteAdversarial?.attackedCount(epoch: epoch, trainCount: train.count) ?? 0
            return sum + (train.count + extra + settings.batchSize - 1) / settings.batchSize
        }
    }
    public var schedule: LinearWarmupDecay { LinearWarmupDecay(settings: settings, totalSteps: totalSteps) }

    /// Continues from a saved state (the model's weights must already be those saved with it).
    public func resume(from saved: TrainingState, optimiserStep: Int, first: [Float], second: [Float]) throws {
        try optimiser.restore(step: optimiserStep, first: first, second: second)
        state = saved
    }

    public func run() throws -> TrainingState {
        let workspace = model.makeWorkspace(training: true)
        workspace.precision = settings.precision ?? .fp32
        let trainingStep = TrainingStep(model: model, optimiser: optimiser, adversarial: settings.adversarial,
                                        consistency: settings.consistency)
        if let consistency = settings.consistency {
            guard let unlabeled, unlabeled.count > 0 else {
                throw TrainingError.invalidSettings("\(consistency.method.rawValue) needs unlabelled examples")
            }
        }
        let schedule = self.schedule
        var lastReport = Date()
        var tokensSinceReport = 0
        var started = Date()
        var stepsThisSession = 0
        while state.epoch < settings.epochs && !state.finished {
            if state.epochExtras == nil {
                let asked = Date()
                let extras: [TokenizedExample]
                do {
                    extras = try epochExtras(state.epoch)
                } catch let deferred as EpochExtrasDeferred {
                    // Stopped before the epoch, its state saved: resuming asks the hook again.
                    try onCheckpointState(state)
                    throw deferred
                }
                // The hook's time (A2T's attacks) is not training time: keep it out of tokens/s and the ETA.
                let spent = Date().timeIntervalSince(asked)
                started = started.addingTimeInterval(spent)
                lastReport = lastReport.addingTimeInterval(spent)
                for example in extras where example.label < 0 || example.label >= labels.count || example.ids.isEmpty {
                    throw TrainingError.invalidSettings("an extra training example has label index \(example.label) or no tokens")
                }
                state.epochExtras = extras
                if !extras.isEmpty { try onCheckpointState(state) }   // an attack's work is not repeated on resume
            }
            let examples = train + (state.epochExtras ?? [])
            let batches = Batching.epochBatches(lengths: examples.map(\.ids.count), batchSize: settings.batchSize,
                                                seed: settings.seed, epoch: state.epoch)
            while state.batchInEpoch < batches.count {
                if shouldStop() {
                    try onCheckpointState(state)
                    throw TrainingInterrupted(state: state)
                }
                let indices = batches[state.batchInEpoch]
                let batch = Batching.tokenBatch(examples, indices: indices)
                let stepSeed = SeededRandom.mix(settings.seed, state.step, 3)
                let plan = settings.dropout.map { DropoutPlan(seed: stepSeed, config: model.config, uniform: $0) }
                    ?? DropoutPlan(seed: stepSeed, config: model.config)
                if stepsThisSession == 0 { model.parameters.zeroGradients() }   // afterwards AdamW leaves them zeroed
                let rate = schedule.rate(afterSteps: state.step)
                let unlabeledBatch = try settings.consistency.flatMap { consistency in
                    try unlabeled?.batch(step: state.step, size: indices.count * consistency.unlabeledRatio)
                }
                let loss = try trainingStep.run(batch, labels: indices.map { examples[$0].label }, workspace: workspace,
                                                dropout: plan, learningRate: rate, maxGradNorm: settings.maxGradNorm,
                                                seed: SeededRandom.mix(stepSeed, 5), unlabeled: unlabeledBatch,
                                                progress: Double(state.step) / Double(max(totalSteps, 1)))
                if settings.consistency != nil {
                    state.runningConsistency = state.runningConsistency ?? ConsistencyOutcome()
                    state.runningConsistency?.add(trainingStep.lastConsistency)
                }
                state.step += 1
                state.batchInEpoch += 1
                state.runningLoss += Double(loss)
                state.runningCount += 1
                stepsThisSession += 1
                tokensSinceReport += batch.tokenCount
                let now = Date()
                if now.timeIntervalSince(lastReport) >= 1 || state.step == totalSteps {
                    let elapsed = now.timeIntervalSince(started)
                    let perStep = elapsed / Double(max(stepsThisSession, 1))
                    onProgress(TrainingProgress(
                        epoch: state.epoch + 1, epochs: settings.epochs, step: state.step, totalSteps: totalSteps,
                        loss: state.runningLoss / Double(max(state.runningCount, 1)), learningRate: rate,
                        tokensPerSecond: Double(tokensSinceReport) / max(now.timeIntervalSince(lastReport), 1e-9),
                        secondsRemaining: perStep * Double(totalSteps - state.step)))
                    lastReport = now
                    tokensSinceReport = 0
                }
                if let every = settings.evaluateEvery, state.step % every == 0, state.batchInEpoch < batches.count {
                    try evaluateAndRecord(rate: rate)
                    if state.finished { return state }
                }
            }
            state.epoch += 1
            state.batchInEpoch = 0
            state.epochExtras = nil
            try evaluateAndRecord(rate: schedule.rate(afterSteps: max(state.step - 1, 0)))
        }
        state.finished = true
        try onCheckpointState(state)
        return state
    }

    private func evaluateAndRecord(rate: Float) throws {
        var record: EvaluationRecord
        let improved: Bool
        let result: Evaluation.Result
        if dev.isEmpty {
            result = Evaluation.Result(loss: .nan, report: ClassificationReport(labels: labels, gold: [], predicted: []),
                                       predictions: [], probabilities: [])
        } else {
            result = try Evaluation.evaluate(model, examples: dev, labels: labels, batchSize: max(settings.batchSize, 64))
        }
        record = EvaluationRecord(epoch: Double(state.step) / Double(max(batchesPerEpoch, 1)), step: state.step,
                                  trainLoss: state.runningLoss / Double(max(state.runningCount, 1)),
                                  devLoss: result.loss, devAccuracy: result.report.accuracy, devMacroF1: result.report.macroF1,
                                  learningRate: Double(rate))
        if settings.consistency != nil {
            let sums = state.runningConsistency ?? ConsistencyOutcome()
            record.consistencyLoss = sums.loss / Double(max(state.runningCount, 1))
            record.unlabeledConfident = Double(sums.confident) / Double(max(sums.unlabeled, 1))
            state.runningConsistency = ConsistencyOutcome()
        }
        improved = state.note(record, result: dev.isEmpty ? nil : result, metric: settings.metric)
        try onEvaluation(record, result, improved)
        state.stopIfPatienceRanOut(settings.patience, totalSteps: totalSteps)
        try onCheckpointState(state)
    }
}

extension TrainingState {
    /// Takes an evaluation's record (and, with a dev split, its result): the running loss restarts, the best
    /// metric and the count of evaluations without improvement follow. Returns whether it is the new best
    /// (always true without a dev result).
    mutating func note(_ record: EvaluationRecord, result: Evaluation.Result?, metric: SelectionMetric) -> Bool {
        runningLoss = 0
        runningCount = 0
        var improved = true
        if let result {
            let value = metric.value(of: result)
            improved = bestMetric.map { metric.better(value, than: $0) } ?? true
            if improved {
                bestMetric = value
                bestStep = step
                evaluationsWithoutImprovement = 0
            } else {
                evaluationsWithoutImprovement += 1
            }
        }
        history.append(record)
        return improved
    }

    /// Early stopping: finished once `patience` evaluations in a row brought no improvement (before the last step).
    mutating func stopIfPatienceRanOut(_ patience: Int?, totalSteps: Int) {
        if let patience, evaluationsWithoutImprovement >= patience, step < totalSteps {
            finished = true
            stoppedEarly = true
        }
    }
}

/// One optimiser step: the forward and backward passes (clean, or adversarial; with consistency training, the
/// labelled part with training-signal annealing and then the unlabelled part), global-norm clipping folded into
/// AdamW, gradients cleared for the next step. Shared by the trainer and `robust bench`.
public final class TrainingStep {
    let model: EncoderModel
    let optimiser: AdamW
    let adversarial: AdversarialStep?
    let consistency: ConsistencyStep?
    private let logitGradient = FloatBuffer()
    /// What the last `run` measured of the unlabelled part (zero without consistency training).
    public private(set) var lastConsistency = ConsistencyOutcome()

    public init(model: EncoderModel, optimiser: AdamW, adversarial: AdversarialTraining?,
                consistency: ConsistencyTraining? = nil) {
        self.model = model
        self.optimiser = optimiser
        self.adversarial = adversarial.map(AdversarialStep.init)
        self.consistency = consistency.map(ConsistencyStep.init)
    }

    /// Returns the batch's (clean) loss — with annealing, the plain mean cross-entropy of the whole labelled batch.
    /// `unlabeled` is the step's unlabelled batch for consistency training; `progress` (steps done / planned) sets
    /// the annealing threshold. The store's gradients must be zero on entry; they are on exit.
    @discardableResult
    public func run(_ batch: TokenBatch, labels: [Int], workspace: Workspace, dropout: DropoutPlan, learningRate: Float,
                    maxGradNorm: Float, seed: UInt64, unlabeled: UnlabeledBatch? = nil, progress: Double = 0) throws -> Float {
        // bf16 training packs the current weights for this step (the last step's optimiser update discarded them).
        if workspace.precision.isReduced { try model.prepare(precision: workspace.precision, backward: true) }
        let loss: Float
        lastConsistency = ConsistencyOutcome()
        if let adversarial {
            loss = try adversarial.run(model: model, batch: batch, labels: labels, workspace: workspace, dropout: dropout, seed: seed)
        } else {
            let logits = try model.classify(batch, workspace: workspace, dropout: dropout)
            logitGradient.reserve(batch.count * model.classCount)
            if let threshold = consistency?.settings.annealingThreshold(progress: progress, classes: model.classCount) {
                loss = Float(try ConsistencyLoss.annealedCrossEntropy(logits: logits, labels: labels, classes: model.classCount,
                                                                      threshold: threshold, gradient: logitGradient.pointer).plain)
            } else {
                loss = try Loss.crossEntropy(logits: logits, labels: labels, classes: model.classCount, gradient: logitGradient.pointer)
            }
            try model.classifyBackward(workspace: workspace, logitGradient: logitGradient.pointer, dropout: dropout)
        }
        if let consistency, let unlabeled {
            let plan = DropoutPlan(seed: SeededRandom.mix(dropout.seed, 0xC0), rates: dropout.rates)
            lastConsistency = try consistency.run(model: model, unlabeled: unlabeled, workspace: workspace, dropout: plan,
                                                  seed: SeededRandom.mix(seed, 0xC1))
        }
        let clipping = GradientClipping.scale(model.parameters, maxNorm: maxGradNorm)
        optimiser.step(learningRate: learningRate, gradientScale: clipping.scale, zeroingGradients: true)
        model.discardPackedWeights()   // bf16/int8 copies of the old weights are stale
        return loss
    }
}

public enum Evaluation {
    public struct Result: Sendable {
        public var loss: Double
        public var report: ClassificationReport
        public var predictions: [Int]
        public var probabilities: [[Float]]
    }

    /// The result from probabilities already computed (e.g. by a served model): mean cross-entropy of the gold
    /// labels (a probability of 0 counts as e^-100, so one confident mistake does not make the loss infinite),
    /// argmax predictions and the classification report.
    public static func result(probabilities: [[Float]], gold: [Int], labels: [String]) -> Result {
        var total = 0.0
        let predictions = probabilities.map { p in p.indices.max { p[$0] < p[$1] } ?? 0 }
        for (p, label) in zip(probabilities, gold) {
            let value = p.indices.contains(label) ? Double(p[label]) : 0
            total -= value > 0 ? max(log(value), -100) : -100
        }
        let report = ClassificationReport(labels: labels, gold: gold, predicted: predictions)
        return Result(loss: gold.isEmpty ? .nan : total / Double(gold.count), report: report, predictions: predictions,
                      probabilities: probabilities)
    }

    /// Like `evaluate`, but each example on its own: a batch of one, run on one thread (the examples are spread
    /// over the workers). An example's probabilities and loss are then a function of the example alone — not of
    /// which others share its batch (a matrix product's rounding depends on its row count) nor of the worker
    /// count — so a shard of a run computes bit for bit what one process would. `losses[i]` is example i's
    /// cross-entropy, log-sum-exp of its logits minus its gold logit, in Double; `loss` is their mean.
    public static func evaluateEach(_ model: EncoderModel, examples: [TokenizedExample], labels: [String],
                                    precision: Precision = .fp32) throws -> (result: Result, losses: [Double]) {
        let c = model.classCount
        var predictions = [Int](repeating: 0, count: examples.count)
        var probabilities = [[Float]](repeating: [], count: examples.count)
        var losses = [Double](repeating: 0, count: examples.count)
        let workers = min(Parallel.workers, max(examples.count, 1))
        let workspaces = (0..<workers).map { _ in
            let workspace = model.makeWorkspace(training: false)
            workspace.precision = precision
            return workspace
        }
        let lock = NSLock()
        var failure: Error?
        predictions.withUnsafeMutableBufferPointer { predicted in
            probabilities.withUnsafeMutableBufferPointer { probability in
                losses.withUnsafeMutableBufferPointer { loss in
                    Parallel.forEach(examples.count, threads: workers) { index, worker in
                        // A region even on one worker, so the products stay serial and give the same bits.
                        Parallel.serially {
                            do {
                                let logits = try model.classify(Batching.tokenBatch(examples, indices: [index]),
                                                                workspace: workspaces[worker])
                                let row = Array(UnsafeBufferPointer(start: logits, count: c))
                                let p = Loss.softmax(row)
                                probability[index] = p
                                predicted[index] = p.indices.max { p[$0] < p[$1] } ?? 0
                                let largest = row.map(Double.init).max() ?? 0
                                let sum = row.reduce(0.0) { $0 + exp(Double($1) - largest) }
                                let gold = examples[index].label
                                loss[index] = largest + log(sum) - (row.indices.contains(gold) ? Double(row[gold]) : largest)
                            } catch {
                                lock.lock()
                                if failure == nil { failure = error }
                                lock.unlock()
                            }
                        }
                    }
                }
            }
        }
        if let failure { throw failure }
        let report = ClassificationReport(labels: labels, gold: examples.map(\.label), predicted: predictions)
        let mean = losses.isEmpty ? .nan : losses.reduce(0, +) / Double(losses.count)
        return (Result(loss: mean, report: report, predictions: predictions, probabilities: probabilities), losses)
    }

    /// Each example's cross-entropy from its class probabilities (a probability of 0 counts as e^-100), as
    /// `result(probabilities:gold:labels:)` averages them.
    public static func losses(probabilities: [[Float]], gold: [Int]) -> [Double] {
        zip(probabilities, gold).map { p, label in
            let value = p.indices.contains(label) ? Double(p[label]) : 0
            return value > 0 ? -max(log(value), -100) : 100
        }
    }

    /// Mean cross-entropy, predictions and the classification report of `examples` (evaluation mode).
    /// A reduced `precision` needs the model prepared for it (`EncoderModel.prepare(precision:)`).
    public static func evaluate(_ model: EncoderModel, examples: [TokenizedExample], labels: [String],
                                batchSize: Int = 64, precision: Precision = .fp32) throws -> Result {
        let workspace = model.makeWorkspace(training: false)
        workspace.precision = precision
        var predictions = [Int](repeating: 0, count: examples.count)
        var probabilities = [[Float]](repeating: [], count: examples.count)
        var totalLoss = 0.0
        let c = model.classCount
        for indices in Batching.evaluationBatches(lengths: examples.map(\.ids.count), batchSize: batchSize) {
            let batch = Batching.tokenBatch(examples, indices: indices)
            let logits = try model.classify(batch, workspace: workspace)
            let loss = try Loss.crossEntropy(logits: logits, labels: indices.map { examples[$0].label }, classes: c,
                                             gradient: nil)
            totalLoss += Double(loss) * Double(indices.count)
            for (row, index) in indices.enumerated() {
                let p = Loss.softmax(Array(UnsafeBufferPointer(start: logits + row * c, count: c)))
                probabilities[index] = p
                predictions[index] = p.indices.max { p[$0] < p[$1] } ?? 0
            }
        }
        let report = ClassificationReport(labels: labels, gold: examples.map(\.label), predicted: predictions)
        return Result(loss: examples.isEmpty ? .nan : totalLoss / Double(examples.count), report: report,
                      predictions: predictions, probabilities: probabilities)
    }
}
