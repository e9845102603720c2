// Train: `robust train` fine-tunes a base model on a labelled dataset and writes a Hugging Face
// checkpoint (best dev model) with training.json; Ctrl-C saves a resumable state (`--resume`).
import Basics
import ArgumentParser
import Attacks
import Datasets
import Foundation
import Results
import SafeTensors
import Tensors
import Training
import Transformer

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a model on a dataset; keep the best dev checkpoint and print a test report.")

    @Option(help: "Base model or checkpoint folder (Hugging Face format).")
    var model: String = Defaults.baseModel

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var database: DatabaseOption

    @Option(help: "Output checkpoint folder.")
    var out: String

    @Option(help: "Epochs.") var epochs = 4
    @Option(help: "Examples per batch.") var batchSize = 32
    @Option(name: [.customLong("lr"), .customLong("learning-rate")], help: "Peak learning rate.") var learningRate: Float = 5e-5
    @Option(help: "Share of steps spent warming up the learning rate.") var warmupRatio: Float = 0.1
    @Option(help: "AdamW weight decay (not applied to biases and LayerNorm).") var weightDecay: Float = 0.01
    @Option(help: "Clip gradients to this global L2 norm.") var maxGradNorm: Float = 1.0
    @Option(help: "Truncate texts to this many tokens.") var maxLength = 128
    @Option(help: "Seed for the head, batches and dropout.") var seed: UInt64 = 42
    @Option(help: "Dropout on hidden states and attention (default: the model's config).") var dropout: Float?
    @Option(help: "Also evaluate on dev every N steps.") var evalEvery: Int?
    @Option(help: "Stop after this many evaluations without improvement (0: never).") var patience = 2
    @Option(help: "Dev metric that selects the best model: accuracy, macro_f1 or loss.") var metric = "accuracy"
    @Option(help: "Adversarial training on the input embeddings: fgm, pgd or freelb.") var adversarial: String?
    @Option(help: "Per-example L2 radius of the perturbation (fgm/pgd default 1.0; freelb default 0 = unbounded).") var advEpsilon: Float?
    @Option(help: "Ascent step size (pgd default 0.3, freelb 0.1).") var advStepSize: Float?
    @Option(help: "Ascent steps (pgd default 3, freelb 2).") var advSteps: Int?
    @Flag(help: "Keep the last evaluated model rather than the best on dev.") var keepLast = false
    @Flag(help: "Replace an existing checkpoint in --out.") var overwrite = false
    @Flag(help: "Continue an interrupted run from the state saved in --out.") var resume = false
    /// Behaves as if Ctrl-C came just before this step (for tests of interruption and resume).
    @Option(help: .hidden) var interruptAtStep: Int?

    func validate() throws {
        guard SelectionMetric(rawValue: metric) != nil else {
            throw ValidationError("--metric must be one of \(SelectionMetric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard patience >= 0 else { throw ValidationError("--patience must be 0 or more") }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1)") }
        if let adversarial, AdversarialTraining.Method(rawValue: adversarial) == nil {
            throw ValidationError("--adversarial must be one of \(AdversarialTraining.Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    var settings: TrainerSettings {
        var s = TrainerSettings()
        s.epochs = epochs
        s.batchSize = batchSize
        s.learningRate = learningRate
        s.warmupRatio = warmupRatio
        s.weightDecay = weightDecay
        s.maxGradNorm = maxGradNorm
        s.maxLength = maxLength
        s.seed = seed
        s.evaluateEvery = evalEvery
        s.patience = patience == 0 ? nil : patience
        s.metric = SelectionMetric(rawValue: metric) ?? .accuracy
        s.dropout = dropout
        s.adversarial = adversarial.flatMap(AdversarialTraining.Method.init(rawValue:)).map {
            AdversarialTraining(method: $0, epsilon: advEpsilon, stepSize: advStepSize, steps: advSteps)
        }
        return s
    }

    @OptionGroup var a2tOptions: A2TOptions

    func run() throws {
        var settings = self.settings
        settings.discreteAdversarial = a2tOptions.plan
        try userFacing { try settings.validate() }
        let dataset = try dataOptions.load()
        if dataset.train.isEmpty {
            throw UserError("\(dataset.name) has no training examples (a test-only dataset?); train on another dataset, then evaluate on this one")
        }
        let job = TrainingJob(model: model, dataset: dataset, settings: settings, out: URL(fileURLWithPath: out),
                              overwrite: overwrite, resume: resume, database: database, interruptAtStep: interruptAtStep,
                              a2tWorkers: a2tOptions.a2tWorkers, keepLast: keepLast)
        _ = try job.run()
    }
}

/// How A2T attacks run: `robust train --a2t RECIPES` (and `robust retrain --method a2t`).
struct A2TOptions: ParsableArguments {
    @Option(help: "A2T discrete adversarial training: attack recipes (comma-separated, e.g. a2t,a2t-char) run on a sample of the training set at the start of each epoch; their successful adversarial texts join that epoch.")
    var a2t: String?
    @Option(help: "Share of the training set attacked per A2T epoch.") var a2tFraction: Double = 0.2
    @Option(help: "First epoch (1-based) with A2T examples; earlier epochs are clean.") var a2tStartEpoch: Int = 2
    @Option(help: "Examples attacked at once during A2T (default: all cores).") var a2tWorkers: Int?

    var plan: DiscreteAdversarialTraining? {
        RecipeLoading.split(a2t).flatMap { $0.isEmpty ? nil : DiscreteAdversarialTraining(recipes: $0, fraction: a2tFraction, startEpoch: a2tStartEpoch) }
    }

    func validate() throws {
        if let a2tWorkers, a2tWorkers < 1 { throw ValidationError("--a2t-workers must be at least 1") }
    }
}

/// One fine-tuning run, as `robust train` and `robust retrain` do it: checks the data against the
/// model, tokenises, trains with progress and dev evaluations (best checkpoint saved), saves a
/// resumable state on Ctrl-C, records the run, and reports on test with the best checkpoint.
struct TrainingJob {
    var model: String
    var dataset: DatasetSplits
    var settings: TrainerSettings
    var out: URL
    var overwrite: Bool
    var resume: Bool
    var database: DatabaseOption
    var interruptAtStep: Int?
    var kind: RunKind = .train
    var parentRunID: Int64?
    var label: String?
    /// Examples attacked at once by A2T (nil: all cores); the attacks' seed is the training seed.
    var a2tWorkers: Int?
    /// Keep the last evaluated model instead of the best on dev (adversarial training often trades a
    /// little clean dev accuracy for robustness that only the last epochs have).
    var keepLast = false

    struct Outcome {
        var runID: Int64
        var record: TrainingRecord
        var a2tSeconds: [Double]
    }

    func run() throws -> Outcome {
        let outURL = out
        let resumeFolder = outURL.appendingPathComponent(ResumeState.folderName)
        let fm = FileManager.default
        let hasCheckpoint = fm.fileExists(atPath: outURL.appendingPathComponent("model.safetensors").path)
        if resume {
            guard fm.fileExists(atPath: resumeFolder.appendingPathComponent(ResumeState.stateFile).path) else {
                throw UserError("\(outURL.path) holds no interrupted run to resume (no \(ResumeState.folderName)/\(ResumeState.stateFile))")
            }
        } else if (hasCheckpoint || fm.fileExists(atPath: resumeFolder.path)) && !overwrite {
            throw UserError("\(outURL.path) already holds a checkpoint; pass --overwrite to replace it, or --resume to continue an interrupted run")
        }
        guard dataset.labels.count >= 2 else {
            throw UserError("dataset \(dataset.name) has a single class (\(dataset.labels.first ?? "none")); classification needs at least two")
        }
        let trainLabels = Set(dataset.train.map(\.label))
        if let unseen = (dataset.dev + dataset.test).first(where: { !trainLabels.contains($0.label) }) {
            throw UserError("label '\(unseen.label)' occurs in dev or test but never in train; training could not learn it")
        }
        // A2T recipes are checked before any work, so a typo fails at once.
        let a2tRecipes = try settings.discreteAdversarial.map { try RecipeLoading.load($0.recipes) } ?? []
        let checkpoint = try userFacing { try Checkpoint(directory: URL(fileURLWithPath: model), labels: dataset.labels, seed: settings.seed) }
        if checkpoint.hasTrainedHead && checkpoint.labels != dataset.labels {
            throw UserError("\(model) has a trained head for labels \(checkpoint.labels), but the data has \(dataset.labels)")
        }
        let engine = checkpoint.model
        let maxLength = min(settings.maxLength, engine.config.maxPositions)
        let train = try LabelledData.tokenize(dataset.train, split: "train", labels: dataset.labels,
                                              tokenizer: checkpoint.tokenizer, maxLength: maxLength)
        let dev = try LabelledData.tokenize(dataset.dev, split: "dev", labels: dataset.labels,
                                            tokenizer: checkpoint.tokenizer, maxLength: maxLength)
        let test = try LabelledData.tokenize(dataset.test, split: "test", labels: dataset.labels,
                                             tokenizer: checkpoint.tokenizer, maxLength: maxLength)
        for (name, part) in [("train", train.skippedEmpty), ("dev", dev.skippedEmpty), ("test", test.skippedEmpty)] where part > 0 {
            print("skipped \(part) empty or whitespace \(name) texts")
        }
        let truncated = train.truncated + dev.truncated + test.truncated
        if truncated > 0 { print("truncated \(truncated) texts to \(maxLength) tokens") }
        guard !train.examples.isEmpty else { throw UserError("the train split has no usable examples") }

        let tuner = try userFacing {
            try FineTuner(model: engine, settings: settings, train: train.examples, dev: dev.examples, labels: dataset.labels)
        }
        let baseHash = try RunRecording.modelHash(of: model)
        var record = TrainingRecord(
            robustVersion: Robust.version, baseModel: model, baseModelSHA256: baseHash,
            data: .init(name: dataset.name, contentSHA256: dataset.manifest.contentSHA256,
                        counts: ["train": train.examples.count, "dev": dev.examples.count, "test": test.examples.count]),
            labels: dataset.labels, settings: settings, maxLength: maxLength, history: [], best: nil, kept: nil, test: nil)

        let store = try RunRecording.openForWriting(database)
        var resumedRunID: Int64?
        if resume {
            let saved = try userFacing { try ResumeState.load(from: resumeFolder, into: engine) }
            resumedRunID = saved.runID
            guard saved.settings == settings, saved.dataSHA256 == dataset.manifest.contentSHA256, saved.baseModel == model else {
                throw UserError("--resume needs the same --model, data and hyper-parameters as the interrupted run")
            }
            try userFacing { try tuner.resume(from: saved.state, optimiserStep: saved.optimiserStep,
                                              first: saved.firstMoment, second: saved.secondMoment) }
            record.history = saved.state.history
            if let step = saved.state.bestStep, let value = saved.state.bestMetric {
                record.best = .init(step: step, metric: settings.metric.rawValue, value: value)
            }
            print("resuming at step \(saved.state.step) of \(tuner.totalSteps)")
        }

        var runRecord = try RunRecording.run(kind: kind, modelHash: baseHash, dataHash: dataset.manifest.contentSHA256,
                                             seed: settings.seed, config: record, label: label)
        runRecord.parentRunID = parentRunID
        if !a2tRecipes.isEmpty { runRecord.recipeHash = Recipe.hash(a2tRecipes) }
        var outcome: Outcome?
        try userFacing {
            try store.withRun(runRecord, resuming: resumedRunID, interrupted: { Interrupt.wasRequested }) { run in
                outcome = try trainAndReport(run: run.runID, store: store, tuner: tuner, checkpoint: checkpoint, record: record,
                                             train: train.kept, test: test, a2tRecipes: a2tRecipes, maxLength: maxLength,
                                             resumeFolder: resumeFolder)
            }
        }
        print("\ncheckpoint: \(outURL.path)")
        guard let outcome else { throw UserError("training produced no result") }
        return outcome
    }

    func trainAndReport(run: Int64, store: ResultStore, tuner: FineTuner, checkpoint: Checkpoint, record initial: TrainingRecord,
                        train: [Example], test: (examples: [TokenizedExample], kept: [Example], skippedEmpty: Int, truncated: Int),
                        a2tRecipes: [Recipe], maxLength: Int, resumeFolder: URL) throws -> Outcome {
        let engine = checkpoint.model
        let outURL = out
        var record = initial
        print("run \(run) in \(database.path)")
        print("training on \(tuner.train.count) examples (\(dataset.name)), dev \(tuner.dev.count), " +
              "\(tuner.batchesPerEpoch) steps per epoch, \(tuner.totalSteps) steps, labels \(dataset.labels.joined(separator: "/"))")
        let progress = ProgressLine()
        tuner.onProgress = { p in
            progress.update(String(format: "epoch %d/%d  step %d/%d  loss %.4f  lr %.2e  %.0f tokens/s  ETA %@",
                                   p.epoch, p.epochs, p.step, p.totalSteps, p.loss, p.learningRate, p.tokensPerSecond,
                                   formatDuration(p.secondsRemaining)))
        }
        tuner.onEvaluation = { evaluation, _, improved in
            progress.finish()
            print(String(format: "epoch %.2f step %d: train loss %.4f  dev loss %.4f  dev accuracy %.4f  dev macro-F1 %.4f%@",
                         evaluation.epoch, evaluation.step,
                         evaluation.trainLoss, evaluation.devLoss, evaluation.devAccuracy, evaluation.devMacroF1,
                         improved ? "  (best so far, saved)" : ""))
            record.history.append(evaluation)
            try RunRecording.recordCurves(store, run: run, evaluation: evaluation)
            if improved {
                record.best = .init(step: evaluation.step, metric: settings.metric.rawValue,
                                    value: tuner.state.bestMetric ?? 0)
            }
            if keepLast { record.kept = .init(step: evaluation.step, rule: "last") }
            if improved || keepLast {
                try checkpoint.save(to: outURL, overwrite: true, extraFiles: ["training.json": try record.encoded()])
            }
        }
        tuner.onCheckpointState = { state in
            try ResumeState(state: state, settings: settings, dataSHA256: dataset.manifest.contentSHA256, baseModel: model,
                            optimiser: tuner.optimiser, runID: run).save(to: resumeFolder, model: engine)
        }
        var a2tSeconds: [Double] = []
        if let plan = settings.discreteAdversarial {
            let attacker = try A2TAttacker(plan: plan, recipes: a2tRecipes, checkpoint: checkpoint, train: train,
                                           labels: dataset.labels, maxLength: maxLength, seed: settings.seed,
                                           workers: a2tWorkers ?? Parallel.workers, store: store, runID: run)
            tuner.epochExtras = { epoch in
                progress.finish()
                let started = Date()
                let extras = try attacker.adversarialExamples(epoch: epoch)
                if !extras.isEmpty || plan.attackedCount(epoch: epoch, trainCount: train.count) > 0 {
                    a2tSeconds.append(Date().timeIntervalSince(started))
                }
                return extras
            }
        }
        Interrupt.install()
        let interruptAt = interruptAtStep
        tuner.shouldStop = { Interrupt.wasRequested || tuner.state.step == interruptAt }

        let final: TrainingState
        do { final = try tuner.run() } catch let interrupted as TrainingInterrupted {
            progress.finish()
            throw UserError("\(interrupted.description) (state saved in \(resumeFolder.path))")
        } catch let error as UserError { throw error } catch { throw UserError(String(describing: error)) }
        progress.finish()
        if final.stoppedEarly { print("stopped early: no dev improvement in \(settings.patience ?? 0) evaluations") }

        // Test report from the best checkpoint.
        let best = try userFacing { try Checkpoint(directory: outURL) }
        if !test.examples.isEmpty {
            let started = Date()
            let result = try userFacing { try Evaluation.evaluate(best.model, examples: test.examples, labels: dataset.labels) }
            try RunRecording.recordClean(store, run: run, examples: test.kept, result: result, labels: dataset.labels,
                                         seconds: Date().timeIntervalSince(started))
            record.test = TestSummary(loss: result.loss, report: result.report)
            print("\ntest (\(test.examples.count) examples, " + (keepLast ? "last model, step \(record.kept?.step ?? 0)" : "best dev step \(record.best?.step ?? 0)") + "):")
            print(result.report.rendered())
        }
        try userFacing {
            try record.encoded().write(to: outURL.appendingPathComponent("training.json"))
            try? FileManager.default.removeItem(at: resumeFolder)
        }
        return Outcome(runID: run, record: record, a2tSeconds: a2tSeconds)
    }
}

/// `training.json`: where a checkpoint came from and how it scored. Deterministic (no clock times),
/// so the same seed, data and machine give identical files.
struct TrainingRecord: Codable {
    struct DataInfo: Codable { var name: String; var contentSHA256: String; var counts: [String: Int] }
    struct Best: Codable { var step: Int; var metric: String; var value: Double }
    /// Which model the checkpoint holds when it is not the best on dev.
    struct Kept: Codable { var step: Int; var rule: String }
    var robustVersion: String
    var baseModel: String
    var baseModelSHA256: String
    var data: DataInfo
    var labels: [String]
    var settings: TrainerSettings
    var maxLength: Int
    var history: [EvaluationRecord]
    var best: Best?
    var kept: Kept?
    var test: TestSummary?

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}

struct TestSummary: Codable {
    var loss: Double
    var report: ClassificationReport
}

/// The resumable state of an interrupted run: current weights, optimiser moments and loop counters.
struct ResumeState: Codable {
    static let folderName = ".resume"
    static let stateFile = "state.json"

    var state: TrainingState
    var settings: TrainerSettings
    var dataSHA256: String
    var baseModel: String
    var optimiserStep: Int
    /// The results-store run this training belongs to, continued on resume.
    var runID: Int64?
    var firstMoment: [Float] = []
    var secondMoment: [Float] = []

    enum CodingKeys: String, CodingKey { case state, settings, dataSHA256, baseModel, optimiserStep, runID }

    init(state: TrainingState, settings: TrainerSettings, dataSHA256: String, baseModel: String, optimiser: AdamW,
         runID: Int64?) {
        self.runID = runID
        self.state = state
        self.settings = settings
        self.dataSHA256 = dataSHA256
        self.baseModel = baseModel
        let saved = optimiser.state()
        optimiserStep = saved.step
        firstMoment = saved.first
        secondMoment = saved.second
    }

    func save(to folder: URL, model: BertModel) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = model.parameters
        try SafeTensorsWriter.write([
            SafeTensorsWriter.Tensor(name: "parameters", shape: [store.count]) { body in
                try body(UnsafeBufferPointer(start: store.values.pointer, count: store.count))
            },
            SafeTensorsWriter.Tensor(name: "adam_first_moment", shape: [firstMoment.count], values: firstMoment),
            SafeTensorsWriter.Tensor(name: "adam_second_moment", shape: [secondMoment.count], values: secondMoment),
        ], to: folder.appendingPathComponent("state.safetensors"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // The JSON is written last: a state.json always has its tensors beside it.
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.stateFile), options: .atomic)
    }

    /// Reads the state and puts the saved weights into `model`.
    static func load(from folder: URL, into model: BertModel) throws -> ResumeState {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var state: ResumeState
        do {
            state = try decoder.decode(ResumeState.self, from: Data(contentsOf: folder.appendingPathComponent(stateFile)))
        } catch { throw UserError("\(folder.path)/\(stateFile) is unreadable: \(error.localizedDescription)") }
        let tensors = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("state.safetensors"))
        let store = model.parameters
        guard tensors.info("parameters")?.elementCount == store.count else {
            throw UserError("the saved state does not match this model's size")
        }
        try tensors.copyFloats("parameters", into: UnsafeMutableBufferPointer(start: store.values.pointer, count: store.count))
        state.firstMoment = try tensors.floats("adam_first_moment")
        state.secondMoment = try tensors.floats("adam_second_moment")
        return state
    }
}
