// ImageTrainingWorkflow: one training run of an image model (ViT), as `robust train` and `robust retrain
// --method pgd|trades` do it on an image dataset — checks the data against the model, trains with progress,
// on-the-fly augmentation recipes and dev evaluations (best checkpoint saved with training.json), saves a
// resumable state on Ctrl-C, records the run, and reports on test with the best checkpoint. The text
// counterpart is TrainingWorkflow; both share TrainerSettings, ResumeState, TrainingRecord and the records.
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Training
import Transformer

public struct ImageTrainingWorkflow {
    /// The image model folder training starts from (`robust model init`, or a trained checkpoint).
    public var model: String
    public var dataset: ImageDataset
    public var settings: TrainerSettings
    public var out: URL
    public var database: String
    public var overwrite = false
    public var resume = false
    /// Behaves as if Ctrl-C came just before this step (for tests of interruption and resume).
    public var interruptAtStep: Int?
    public var kind: RunKind = .train
    public var parentRunID: Int64?
    public var label: String?
    public var keepLast = false

    public init(model: String, dataset: ImageDataset, settings: TrainerSettings, out: URL, database: String) {
        self.model = model
        self.dataset = dataset
        self.settings = settings
        self.out = out
        self.database = database
    }

    public struct Outcome {
        public var runID: Int64
        public var record: TrainingRecord
        /// Wall seconds per epoch spent in training steps (evaluations excluded), this session.
        public var epochSeconds: [Double]
    }

    public func run(reporter: Reporter) throws -> Outcome {
        let resumeFolder = out.appendingPathComponent(ResumeState.folderName)
        let fm = FileManager.default
        let hasCheckpoint = fm.fileExists(atPath: out.appendingPathComponent("model.safetensors").path)
        if resume {
            guard ResumeState.exists(in: resumeFolder) else {
                throw UserError("\(out.path) holds no interrupted run to resume (no \(ResumeState.folderName)/\(ResumeState.stateFile))")
            }
        } else if (hasCheckpoint || fm.fileExists(atPath: resumeFolder.path)) && !overwrite {
            throw UserError("\(out.path) already holds a checkpoint; pass --overwrite to replace it, or --resume to continue an interrupted run")
        }
        var train = try ImageData.examples(dataset.train)
        let dev = try ImageData.examples(dataset.dev), test = try ImageData.examples(dataset.test)
        guard !train.isEmpty else { throw UserError("\(dataset.name) has no training images") }
        var subsetIndices: [Int]?
        if let count = settings.trainSubset {
            guard count < train.count else {
                throw UserError("--train-subset \(count) is not smaller than the training split (\(train.count) images)")
            }
            let indices = ImageData.stratifiedSubset(labels: train.labels, count: count, seed: settings.seed)
            train = train.subset(indices)
            subsetIndices = indices
        }
        try OutputFolder.checkWritable(out, what: "--out")
        let checkpoint = try UserError.wrapping {
            try ImageModelHandle(directory: URL(fileURLWithPath: model), labels: dataset.labels, seed: settings.seed)
        }
        if checkpoint.labels != dataset.labels {
            throw UserError("\(model) classifies \(checkpoint.labels), but \(dataset.name) has labels \(dataset.labels)")
        }
        guard checkpoint.shape == dataset.shape else {
            throw UserError("\(model) takes \(checkpoint.shape) images but \(dataset.name) holds \(dataset.shape) (import it with --size and --channels to match)")
        }
        let augmenter = try settings.imageAugmentation.map {
            try ImageAugmentationPlan(recipes: $0, shape: dataset.shape, classes: dataset.labels.count, seed: settings.seed)
        }
        let trainer = try UserError.wrapping {
            try ImageTrainer(model: checkpoint.model, normalization: checkpoint.preprocessor.normalization, settings: settings,
                             train: train, dev: dev, labels: dataset.labels)
        }
        if let augmenter {
            let trainingIndices = subsetIndices
            trainer.augment = { images, indices, labels, epoch in
                // Seeds follow the image's index in the dataset's training split, not in the subset.
                try augmenter.apply(images, indices: trainingIndices.map { map in indices.map { map[$0] } } ?? indices,
                                    labels: labels, epoch: epoch)
            }
        }
        let baseHash = checkpoint.weightsSHA256
        var record = TrainingRecord(
            robustVersion: RobustVersion.current, baseModel: model, baseModelSHA256: baseHash,
            data: .init(name: dataset.name, contentSHA256: dataset.manifest.contentSHA256,
                        counts: ["train": train.count, "dev": dev.count, "test": test.count]),
            labels: dataset.labels, settings: settings, maxLength: checkpoint.config.maxPositions, history: [], best: nil, kept: nil,
            test: nil)
        record.imageAugmentationSHA256 = augmenter?.sha256
        var dataHash = dataset.manifest.contentSHA256
        if let augmenter {
            var hasher = SHA256()
            hasher.update(dataHash + "\u{0}augmentation\u{0}" + augmenter.sha256)
            dataHash = hasher.finalizeHex()
        }
        let store = try RunRecording.openForWriting(database)
        var resumedRunID: Int64?
        if resume {
            let saved = try UserError.wrapping { try ResumeState.load(from: resumeFolder, into: checkpoint.model) }
            resumedRunID = saved.runID
            guard saved.matches(settings: settings, dataSHA256: dataHash, baseModel: model) else {
                throw UserError("--resume needs the same --model, data and hyper-parameters as the interrupted run")
            }
            try UserError.wrapping {
                try trainer.resume(from: saved.state, optimiserStep: saved.optimiserStep, first: saved.firstMoment, second: saved.secondMoment)
            }
            record.history = saved.state.history
            if let step = saved.state.bestStep, let value = saved.state.bestMetric {
                record.best = .init(step: step, metric: settings.metric.rawValue, value: value)
            }
            reporter.say("resuming at step \(saved.state.step) of \(trainer.totalSteps)")
        }
        var runRecord = try RunRecording.run(kind: kind, modelHash: baseHash, dataHash: dataset.manifest.contentSHA256,
                                             seed: settings.seed, config: record, label: label)
        runRecord.parentRunID = parentRunID
        var keepLast = self.keepLast
        if dev.isEmpty {
            reporter.warn("warning: the dev split is empty, so no model can be chosen on dev and early stopping is off; the last model is kept")
            keepLast = true
        }
        var outcome: Outcome?
        try UserError.wrapping {
            try store.withRun(runRecord, resuming: resumedRunID, interrupted: { Interruption.wasRequested }) { run in
                outcome = try trainAndReport(run: run.runID, store: store, trainer: trainer, checkpoint: checkpoint, record: record,
                                             dataHash: dataHash, test: test, keepLast: keepLast, resumeFolder: resumeFolder,
                                             reporter: reporter)
            }
        }
        guard let outcome else { throw UserError("training produced no result") }
        reporter.say("\ncheckpoint: \(out.path)")
        return outcome
    }

    private func trainAndReport(run: Int64, store: ResultStore, trainer: ImageTrainer, checkpoint: ImageModelHandle,
                                record initial: TrainingRecord, dataHash: String, test: ImageExamples, keepLast: Bool,
                                resumeFolder: URL, reporter: Reporter) throws -> Outcome {
        var record = initial
        reporter.say("run \(run) in \(database)")
        let method = settings.pixelAdversarial.map { a in
            String(format: ", %@ adversarial training (L∞ ε %.3g, %d steps%@)", a.method.rawValue.uppercased(), a.epsilon, a.steps,
                   a.method == .trades ? String(format: ", β %.3g", a.beta) : "")
        } ?? ""
        reporter.say("training on \(trainer.train.count) images (\(dataset.name), \(dataset.shape)), dev \(trainer.dev.count), " +
                     "\(trainer.batchesPerEpoch) steps per epoch, \(trainer.totalSteps) steps" +
                     (settings.imageAugmentation.map { ", augmented with \($0.joined(separator: ", "))" } ?? "") + method)
        var epochSeconds: [Double] = []
        var epochStarted = Date(), evaluationSeconds = 0.0
        trainer.onProgress = { p in
            reporter.progress(String(format: "epoch %d/%d  step %d/%d  loss %.4f  lr %.2e  %.0f images/s  ETA %@",
                                     p.epoch, p.epochs, p.step, p.totalSteps, p.loss, p.learningRate, p.tokensPerSecond,
                                     formatDuration(p.secondsRemaining)))
        }
        trainer.onEvaluation = { evaluation, _, improved in
            let evaluated = Date()
            reporter.endProgress()
            if trainer.state.batchInEpoch == 0 {
                epochSeconds.append(evaluated.timeIntervalSince(epochStarted) - evaluationSeconds)
                evaluationSeconds = 0
            }
            reporter.say(String(format: "epoch %.2f step %d: train loss %.4f  dev loss %.4f  dev accuracy %.4f  dev macro-F1 %.4f%@",
                                evaluation.epoch, evaluation.step, evaluation.trainLoss, evaluation.devLoss, evaluation.devAccuracy,
                                evaluation.devMacroF1, keepLast ? "  (saved)" : improved ? "  (best so far, saved)" : ""))
            record.history.append(evaluation)
            try RunRecording.recordCurves(store, run: run, evaluation: evaluation)
            if improved && !trainer.dev.isEmpty {
                record.best = .init(step: evaluation.step, metric: settings.metric.rawValue, value: trainer.state.bestMetric ?? 0)
            }
            if keepLast { record.kept = .init(step: evaluation.step, rule: "last") }
            if improved || keepLast {
                try checkpoint.save(to: out, overwrite: true, extraFiles: ["training.json": try record.encoded()])
            }
            if trainer.state.batchInEpoch == 0 { epochStarted = Date() } else { evaluationSeconds += Date().timeIntervalSince(evaluated) }
        }
        trainer.onCheckpointState = { state in
            try ResumeState(state: state, settings: settings, dataSHA256: dataHash, baseModel: model,
                            optimiser: trainer.optimiser, runID: run).save(to: resumeFolder, model: checkpoint.model)
        }
        Interruption.install()
        let interruptAt = interruptAtStep
        trainer.shouldStop = { Interruption.wasRequested || trainer.state.step == interruptAt }
        let final: TrainingState
        do { final = try trainer.run() } catch let interrupted as TrainingInterrupted {
            reporter.endProgress()
            throw UserError("\(interrupted.description) (state saved in \(resumeFolder.path))")
        } catch let error as UserError { throw error } catch { throw UserError(String(describing: error)) }
        reporter.endProgress()
        if final.stoppedEarly { reporter.say("stopped early: no dev improvement in \(settings.patience ?? 0) evaluations") }
        let best = try UserError.wrapping { try ImageModelHandle(directory: out) }
        if !test.isEmpty {
            let started = Date()
            let probabilities = try UserError.wrapping {
                try ImageEvaluation.probabilities(best.model, normalization: best.preprocessor.normalization, examples: test)
            }
            let result = Evaluation.result(probabilities: probabilities, gold: test.labels, labels: dataset.labels)
            try ImageRecording.recordClean(store, run: run, split: "test", dataset: dataset.name, examples: test,
                                           result: result, labels: dataset.labels, seconds: Date().timeIntervalSince(started))
            record.test = TestSummary(loss: result.loss, report: result.report)
            reporter.say("\ntest (\(test.count) images, " + (keepLast ? "last model, step \(record.kept?.step ?? 0)" : "best dev step \(record.best?.step ?? 0)") + "):")
            reporter.say(result.report.rendered())
        }
        try UserError.wrapping {
            try record.encoded().write(to: out.appendingPathComponent("training.json"))
            try? FileManager.default.removeItem(at: resumeFolder)
        }
        return Outcome(runID: run, record: record, epochSeconds: epochSeconds)
    }
}
