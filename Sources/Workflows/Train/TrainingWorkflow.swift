// TrainingWorkflow: one fine-tuning run, as `robust train` and `robust retrain` do it — checks the data
// against the model, tokenises, trains with progress and dev evaluations (best checkpoint saved), saves
// a resumable state on Ctrl-C, records the run, and reports on test with the best checkpoint; and
// `training.json`, the record a checkpoint keeps of how it was made.
import Attacks
import Augmentation
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Training
import Transformer

/// One fine-tuning run, as `robust train` and `robust retrain` do it: checks the data against the
/// model, tokenises, trains with progress and dev evaluations (best checkpoint saved), saves a
/// resumable state on Ctrl-C, records the run, and reports on test with the best checkpoint.
public struct TrainingWorkflow {
    /// The base model or checkpoint folder training starts from.
    public var model: String
    public var dataset: DatasetSplits
    public var settings: TrainerSettings
    public var out: URL
    /// The results database's path.
    public var database: String
    /// Replace a checkpoint already in `out`; continue the interrupted run saved there.
    public var overwrite = false
    public var resume = false
    /// Behaves as if Ctrl-C came just before this step (for tests of interruption and resume).
    public var interruptAtStep: Int?
    /// Holds the run just before this step until SIGINT or SIGTERM arrives (at most 10 minutes, then it
    /// carries on), so a test's real signal always lands mid-training. While it waits, the file
    /// `waitingFileName` exists in `out`.
    public var waitForSignalAtStep: Int?
    public static let waitingFileName = ".waiting-for-signal"
    public var kind: RunKind = .train
    public var parentRunID: Int64?
    public var label: String?
    /// Examples attacked at once by A2T (nil: all cores); the attacks' seed is the training seed.
    public var a2tWorkers: Int?
    /// The sentence encoder A2T recipes may need.
    public var encoderPath = ResourceLocations.baseModel().path
    /// A2T: stop before each harvest whose rows are not recorded yet (its state saved), so that its shards can run
    /// elsewhere (`harvestShard`, then `robust merge` into this training's database, then resume).
    public var a2tPause = false
    /// Keep the last evaluated model instead of the best on dev (adversarial training often trades a
    /// little clean dev accuracy for robustness that only the last epochs have).
    public var keepLast = false
    /// Consistency training's unlabelled data (a text-lines, CSV, TSV or JSONL file, or a dataset) and the text
    /// column of a delimited file (nil: auto-detect).
    public var unlabeled: String?
    public var unlabeledTextColumn: String?

    /// Options beyond these are properties with defaults.
    public init(model: String, dataset: DatasetSplits, settings: TrainerSettings, out: URL, database: String) {
        self.model = model
        self.dataset = dataset
        self.settings = settings
        self.out = out
        self.database = database
    }

    public struct Outcome {
        public var runID: Int64
        public var record: TrainingRecord
        /// A2T's attack time in each epoch that attacked.
        public var a2tSeconds: [Double]
        /// Training stopped before this A2T harvest (`a2tPause`), its state saved: why, and the 1-based epoch.
        public var paused: (epoch: Int, reason: String)? = nil
    }

    public func run(reporter: Reporter) throws -> Outcome {
        var dataset = self.dataset
        if let count = settings.trainSubset {
            guard count < dataset.train.count else {
                throw UserError("--train-subset \(count) is not smaller than the training split (\(dataset.train.count) examples)")
            }
            dataset.train = TrainingSubset.stratified(dataset.train, count: count, seed: settings.seed)
        }
        var workflow = self
        workflow.dataset = dataset
        return try workflow.runOnSubset(reporter: reporter)
    }

    func runOnSubset(reporter: Reporter) throws -> Outcome {
        let outURL = out
        let resumeFolder = outURL.appendingPathComponent(ResumeState.folderName)
        let fm = FileManager.default
        let hasCheckpoint = fm.fileExists(atPath: outURL.appendingPathComponent("model.safetensors").path)
        if resume {
            guard ResumeState.exists(in: resumeFolder) else {
                throw UserError("\(outURL.path) holds no interrupted run to resume (no \(ResumeState.folderName)/\(ResumeState.stateFile))")
            }
        } else if (hasCheckpoint || fm.fileExists(atPath: resumeFolder.path)) && !overwrite {
            throw UserError("\(outURL.path) already holds a checkpoint; pass --overwrite to replace it, or --resume to continue an interrupted run")
        }
        if dataset.train.isEmpty {
            throw UserError("\(dataset.name) has no training examples (a test-only dataset?); train on another dataset, then evaluate on this one")
        }
        guard dataset.labels.count >= 2 else {
            throw UserError("dataset \(dataset.name) has a single class (\(dataset.labels.first ?? "none")); classification needs at least two")
        }
        let trainLabels = Set(dataset.train.map(\.label))
        if let unseen = (dataset.dev + dataset.test).first(where: { !trainLabels.contains($0.label) }) {
            throw UserError("label '\(unseen.label)' occurs in dev or test but never in train; training could not learn it")
        }
        try OutputFolder.checkWritable(outURL, what: "--out")
        if let missing = ResourceLocations.baseModelMissing(at: model) { throw UserError(missing) }
        // A2T recipes are checked before any work, so a typo fails at once.
        let a2tRecipes = try settings.discreteAdversarial.map { try RecipeLoading.load($0.recipes) } ?? []
        let checkpoint = try UserError.wrapping { try ModelHandle(directory: URL(fileURLWithPath: model), labels: dataset.labels, seed: settings.seed) }
        if checkpoint.hasTrainedHead && checkpoint.labels != dataset.labels {
            throw UserError("\(model) has a trained head for labels \(checkpoint.labels), but the data has \(dataset.labels)")
        }
        let engine = checkpoint.model
        let maxLength = min(settings.maxLength, engine.config.maxSequenceLength)
        let train = try LabelledData.tokenize(dataset.train, split: "train", labels: dataset.labels,
                                              tokenizer: checkpoint.tokenizer, maxLength: maxLength)
        let dev = try LabelledData.tokenize(dataset.dev, split: "dev", labels: dataset.labels,
                                            tokenizer: checkpoint.tokenizer, maxLength: maxLength)
        let test = try LabelledData.tokenize(dataset.test, split: "test", labels: dataset.labels,
                                             tokenizer: checkpoint.tokenizer, maxLength: maxLength)
        for (name, part) in [("train", train.skippedEmpty), ("dev", dev.skippedEmpty), ("test", test.skippedEmpty)] where part > 0 {
            reporter.say("skipped \(part) empty or whitespace \(name) texts")
        }
        let truncated = train.truncated + dev.truncated + test.truncated
        if truncated > 0 { reporter.say("truncated \(truncated) texts to \(maxLength) tokens") }
        guard !train.examples.isEmpty else { throw UserError("the train split has no usable examples") }

        var unlabeledSource: UnlabeledTextSource?
        var unlabeledRecord: UnlabeledRecord?
        if let consistency = settings.consistency {
            guard let unlabeled else { throw UserError("--consistency \(consistency.method.rawValue) needs --unlabeled FILE|DATASET") }
            let prepared = try UnlabeledData.prepare(unlabeled, textColumn: unlabeledTextColumn, consistency: consistency,
                                                     train: dataset.train.map(\.text), heldOut: (dataset.dev + dataset.test).map(\.text),
                                                     tokenizer: checkpoint.tokenizer, maxLength: maxLength, seed: settings.seed,
                                                     victim: (checkpoint, dataset.labels, encoderPath, a2tWorkers ?? Parallel.workers),
                                                     reporter: reporter)
            (unlabeledSource, unlabeledRecord) = (prepared.source, prepared.record)
        } else if unlabeled != nil {
            throw UserError("--unlabeled needs --consistency uda, vat or uda+vat")
        }
        let tuner = try UserError.wrapping {
            try FineTuner(model: engine, settings: settings, train: train.examples, dev: dev.examples, labels: dataset.labels)
        }
        tuner.unlabeled = unlabeledSource
        let baseHash = checkpoint.weightsSHA256
        var record = TrainingRecord(
            robustVersion: RobustVersion.current, baseModel: model, baseModelSHA256: baseHash,
            data: .init(name: dataset.name, contentSHA256: dataset.manifest.contentSHA256,
                        counts: ["train": train.examples.count, "dev": dev.examples.count, "test": test.examples.count]),
            labels: dataset.labels, settings: settings, maxLength: maxLength, history: [], best: nil, kept: nil, test: nil)
        record.unlabeled = unlabeledRecord
        let dataHash = resumeDataHash(unlabeledRecord)

        let store = try RunRecording.openForWriting(database)
        var resumedRunID: Int64?
        if resume {
            let saved = try UserError.wrapping { try ResumeState.load(from: resumeFolder, into: engine) }
            resumedRunID = saved.runID
            guard saved.matches(settings: settings, dataSHA256: dataHash, baseModel: model) else {
                throw UserError("--resume needs the same --model, data and hyper-parameters as the interrupted run")
            }
            try UserError.wrapping { try tuner.resume(from: saved.state, optimiserStep: saved.optimiserStep,
                                              first: saved.firstMoment, second: saved.secondMoment) }
            record.history = saved.state.history
            if let step = saved.state.bestStep, let value = saved.state.bestMetric {
                record.best = .init(step: step, metric: settings.metric.rawValue, value: value)
            }
            reporter.say("resuming at step \(saved.state.step) of \(tuner.totalSteps)")
        }

        var runRecord = try RunRecording.run(kind: kind, modelHash: baseHash, dataHash: dataset.manifest.contentSHA256,
                                             seed: settings.seed, config: record, label: label)
        runRecord.parentRunID = parentRunID
        if !a2tRecipes.isEmpty { runRecord.recipeHash = Recipe.hash(a2tRecipes) }
        var outcome: Outcome?
        var workflow = self
        if dev.examples.isEmpty {
            reporter.warn("warning: the dev split has no usable examples, so no model can be chosen on dev and early stopping is off; the last model is kept")
            workflow.keepLast = true
        }
        try UserError.wrapping {
            try store.withRun(runRecord, resuming: resumedRunID, interrupted: { Interruption.wasRequested }) { run in
                outcome = try workflow.trainAndReport(run: run.runID, store: store, tuner: tuner, checkpoint: checkpoint, record: record,
                                             dataHash: dataHash,
                                             train: train.kept, test: test, a2tRecipes: a2tRecipes, maxLength: maxLength,
                                             resumeFolder: resumeFolder, reporter: reporter)
            }
        }
        guard let outcome else { throw UserError("training produced no result") }
        if let paused = outcome.paused {
            // Not finished: resuming continues this run.
            try UserError.wrapping { try store.markRun(outcome.runID, status: .interrupted, failure: "paused before A2T epoch \(paused.epoch)'s harvest") }
            return outcome
        }
        reporter.say("\ncheckpoint: \(outURL.path)")
        return outcome
    }

    /// What a resumed run must match: the dataset's hash, and with unlabelled data, that data's too.
    func resumeDataHash(_ unlabeled: UnlabeledRecord?) -> String {
        guard let unlabeled else { return dataset.manifest.contentSHA256 }
        var hasher = SHA256()
        hasher.update(dataset.manifest.contentSHA256)
        hasher.update("\u{0}unlabelled\u{0}")
        hasher.update(unlabeled.contentSHA256)
        hasher.update(unlabeled.augmentationSHA256 ?? "")
        return hasher.finalizeHex()
    }

    func trainAndReport(run: Int64, store: ResultStore, tuner: FineTuner, checkpoint: ModelHandle, record initial: TrainingRecord,
                        dataHash: String,
                        train: [Example], test: LabelledData, a2tRecipes: [Recipe], maxLength: Int, resumeFolder: URL,
                        reporter: Reporter) throws -> Outcome {
        let engine = checkpoint.model
        let outURL = out
        var record = initial
        reporter.say("run \(run) in \(database)")
        reporter.say("training on \(tuner.train.count) examples (\(dataset.name)), dev \(tuner.dev.count), " +
              "\(tuner.batchesPerEpoch) steps per epoch, \(tuner.totalSteps) steps, labels \(dataset.labels.joined(separator: "/"))" +
              (settings.precision == .bf16 ? ", bf16 mixed precision (fp32 master weights)" : ""))
        if let consistency = settings.consistency, let unlabeled = record.unlabeled {
            reporter.say("consistency training (\(consistency.method.rawValue)) on \(unlabeled.used) unlabelled texts, " +
                         "\(consistency.unlabeledRatio) per labelled example" +
                         (unlabeled.augmentation.map { ", augmented with \($0.joined(separator: ", "))" } ?? "") +
                         " (\(unlabeled.labelledTrainingTextsDropped) labelled training texts and \(unlabeled.heldOutTextsDropped) dev/test texts left out)")
        }
        tuner.onProgress = { p in
            reporter.progress(String(format: "epoch %d/%d  step %d/%d  loss %.4f  lr %.2e  %.0f tokens/s  ETA %@",
                                   p.epoch, p.epochs, p.step, p.totalSteps, p.loss, p.learningRate, p.tokensPerSecond,
                                   formatDuration(p.secondsRemaining)))
        }
        tuner.onEvaluation = { evaluation, _, improved in
            reporter.endProgress()
            reporter.say(String(format: "epoch %.2f step %d: train loss %.4f  dev loss %.4f  dev accuracy %.4f  dev macro-F1 %.4f%@",
                         evaluation.epoch, evaluation.step,
                         evaluation.trainLoss, evaluation.devLoss, evaluation.devAccuracy, evaluation.devMacroF1,
                         (evaluation.consistencyLoss.map { String(format: "  consistency %.4f", $0) } ?? "") +
                         (evaluation.unlabeledConfident.map { String(format: "  confident %.0f%%", $0 * 100) } ?? "") +
                         (keepLast ? "  (saved)" : improved ? "  (best so far, saved)" : "")))
            record.history.append(evaluation)
            try RunRecording.recordCurves(store, run: run, evaluation: evaluation)
            if improved && !tuner.dev.isEmpty {
                record.best = .init(step: evaluation.step, metric: settings.metric.rawValue,
                                    value: tuner.state.bestMetric ?? 0)
            }
            if keepLast { record.kept = .init(step: evaluation.step, rule: "last") }
            if improved || keepLast {
                try checkpoint.save(to: outURL, overwrite: true, extraFiles: ["training.json": try record.encoded()])
            }
        }
        tuner.onCheckpointState = { state in
            try ResumeState(state: state, settings: settings, dataSHA256: dataHash, baseModel: model,
                            optimiser: tuner.optimiser, runID: run).save(to: resumeFolder, model: engine)
        }
        var a2tSeconds: [Double] = []
        if let plan = settings.discreteAdversarial {
            let attacker = try A2TAttacker(plan: plan, recipes: a2tRecipes, checkpoint: checkpoint, train: train,
                                           labels: dataset.labels, maxLength: maxLength, seed: settings.seed,
                                           workers: a2tWorkers ?? Parallel.workers, encoderPath: encoderPath,
                                           store: store, runID: run, harvestIdentity: harvestIdentity(plan, maxLength: maxLength),
                                           reporter: reporter)
            attacker.pause = a2tPause
            tuner.epochExtras = { epoch in
                reporter.endProgress()
                let started = Date()
                let extras = try attacker.adversarialExamples(epoch: epoch)
                if !extras.isEmpty || plan.attackedCount(epoch: epoch, trainCount: train.count) > 0 {
                    a2tSeconds.append(Date().timeIntervalSince(started))
                }
                return extras
            }
        }
        Interruption.install()
        let interruptAt = interruptAtStep, waitAt = waitForSignalAtStep
        let waitingFile = outURL.appendingPathComponent(Self.waitingFileName)
        tuner.shouldStop = {
            if tuner.state.step == waitAt {
                _ = FileManager.default.createFile(atPath: waitingFile.path, contents: Data("\(tuner.state.step)\n".utf8))
                Interruption.wait(upTo: 600)
                try? FileManager.default.removeItem(at: waitingFile)
            }
            return Interruption.wasRequested || tuner.state.step == interruptAt
        }

        let final: TrainingState
        do { final = try tuner.run() } catch let deferred as EpochExtrasDeferred {
            reporter.endProgress()
            return Outcome(runID: run, record: record, a2tSeconds: a2tSeconds, paused: (deferred.epoch + 1, deferred.reason))
        } catch let interrupted as TrainingInterrupted {
            reporter.endProgress()
            throw UserError("\(interrupted.description) (state saved in \(resumeFolder.path))")
        } catch let error as UserError { throw error } catch { throw UserError(String(describing: error)) }
        reporter.endProgress()
        if final.stoppedEarly { reporter.say("stopped early: no dev improvement in \(settings.patience ?? 0) evaluations") }

        // Test report from the best checkpoint.
        let best = try UserError.wrapping { try ModelHandle(directory: outURL) }
        if !test.examples.isEmpty {
            let started = Date()
            let (result, losses) = try UserError.wrapping {
                try Evaluation.evaluateEach(best.model, examples: test.examples, labels: dataset.labels)
            }
            try RunRecording.recordClean(store, run: run, examples: zip(test.positions, test.kept).map { (index: $0.0, example: $0.1) },
                                         predictions: result.predictions, losses: losses, labels: dataset.labels,
                                         seconds: Date().timeIntervalSince(started))
            record.test = TestSummary(loss: result.loss, report: result.report)
            reporter.say("\ntest (\(test.examples.count) examples, " + (keepLast ? "last model, step \(record.kept?.step ?? 0)" : "best dev step \(record.best?.step ?? 0)") + "):")
            reporter.say(result.report.rendered())
        }
        if let source = tuner.unlabeled as? UnlabeledTextSource, source.adversarial != nil {
            reporter.say("adversarial consistency: \(source.succeeded) of \(source.attacked) unlabelled copies attacked successfully" +
                         (resume ? " since resuming" : ""))
        }
        try UserError.wrapping {
            try record.encoded().write(to: outURL.appendingPathComponent("training.json"))
            try? FileManager.default.removeItem(at: resumeFolder)
        }
        return Outcome(runID: run, record: record, a2tSeconds: a2tSeconds)
    }
}

/// `training.json`: where a checkpoint came from and how it scored. Deterministic (no clock times),
/// so the same seed, data and machine give identical files.
public struct TrainingRecord: Codable {
    public struct DataInfo: Codable { public var name: String; public var contentSHA256: String; public var counts: [String: Int] }
    public struct Best: Codable { public var step: Int; public var metric: String; public var value: Double }
    /// Which model the checkpoint holds when it is not the best on dev.
    public struct Kept: Codable { public var step: Int; public var rule: String }
    public var robustVersion: String
    public var baseModel: String
    public var baseModelSHA256: String
    public var data: DataInfo
    public var labels: [String]
    public var settings: TrainerSettings
    public var maxLength: Int
    public var history: [EvaluationRecord]
    public var best: Best?
    public var kept: Kept?
    public var test: TestSummary?
    /// Consistency training's unlabelled data.
    public var unlabeled: UnlabeledRecord?
    /// Image models: the SHA-256 of the augmentation recipes applied on the fly (nil: none).
    public var imageAugmentationSHA256: String?

    public func encoded() throws -> Data {
        try JSONCoding.encoder(.pretty, snakeCase: true).encode(self)
    }
}

public struct TestSummary: Codable {
    public var loss: Double
    public var report: ClassificationReport
}

