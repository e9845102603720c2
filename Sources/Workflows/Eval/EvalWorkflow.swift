// EvalWorkflow: one evaluation run, as `robust eval` and `robust retrain` (before and after) do it —
// the classification report on the selected examples, then the attack suite on the same examples,
// all in one results-store run; `--resume` continues an interrupted one.
import Attacks
import Audit
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Training
import Transformer

/// What an evaluation scores and attacks, and how — the examples, the recipes, the seed and the store.
/// `eval` runs one; `retrain` runs the same plan before and after training.
public struct EvaluationPlan {
    public var dataset: DatasetSplits
    /// The selected examples, in split order.
    public var examples: [Example]
    /// Which examples these are (split, offset, limit, sample); stored with the run.
    public var selection: ExampleSelection
    public var maxLength: Int
    /// Empty: the clean evaluation only.
    public var suite: [Recipe]
    /// How attacks run, and where the run is recorded (default: `ResultStoreLocation`'s rule).
    public var attack: AttackSettings
    public var database = ResultStoreLocation.resolve(option: nil)
    /// The validity audit of every recipe's successful attacks (nil: none; the command line's default is
    /// the `default` audit).
    public var audit: AuditRecipe?
    /// Whether the audit was asked for by name: then what it needs failing to load is an error; otherwise
    /// (the default audit) the run goes on unaudited, with a warning saying how to audit it later.
    public var auditRequested = true
    /// One shard of the run (`--shard K/N`): only the examples whose stable id (index in `examples`) hashes to
    /// it are evaluated and attacked, under their indices in the whole selection; nil: every example.
    public var shard: ShardSpec?

    public init(dataset: DatasetSplits, examples: [Example], selection: ExampleSelection, maxLength: Int, suite: [Recipe],
                attack: AttackSettings) {
        self.dataset = dataset
        self.examples = examples
        self.selection = selection
        self.maxLength = maxLength
        self.suite = suite
        self.attack = attack
    }

    /// The audit with what it needs loaded, when there are attacks to audit and an audit recipe.
    func runAudit(reporter: Reporter) throws -> RunAudit? {
        guard let audit, !suite.isEmpty else { return nil }
        do {
            return try RunAudit.prepare(audit, dataset: dataset, encoderPath: self.attack.encoderPath)
        } catch where !auditRequested {
            reporter.warn("warning: the run is not audited (\(error)); audit it later with `robust audit RUN`")
            return nil
        }
    }

    /// The indices in `examples` this run takes: its shard's, or all.
    public var memberIndices: [Int] { shard?.members(of: examples.count) ?? Array(examples.indices) }

    /// The attack inputs of this run's examples, each under its index in the whole selection (the example's
    /// seed and its row in the store go by it, so a shard attacks each example as one process would).
    public var attackInputs: [AttackInput] {
        memberIndices.map { AttackInput(index: $0, text: examples[$0].text, gold: examples[$0].label) }
    }

    /// The reduced precisions this plan queries a checkpoint in: `--precision`'s, and the recipes'.
    func reducedPrecisions(classifier: Classifier) -> [Precision] {
        guard classifier.checkpoint != nil else { return [] }
        let used = suite.map { attack.precision(for: $0, classifier: classifier).precision } + [attack.precision ?? .fp32]
        return Set(used).filter(\.isReduced).sorted()
    }

    /// What `--resume auto` does with this plan.
    public enum AutomaticResume: Equatable, Sendable {
        /// No run of it yet (or no store): start one.
        case start
        /// Its newest run is unfinished (interrupted, failed, or left running by a process that is gone): continue it.
        case resume(run: Int64, status: String)
        /// Its newest run finished: nothing to do.
        case finished(run: Int64)
    }

    /// `--resume auto`: the newest run of this very plan in its store (the same kind, model, data, recipes, seed
    /// and options, the same shard) decides. A run still being recorded by a live process is an error.
    public func automaticResume(kind: RunKind, classifier: Classifier) throws -> AutomaticResume {
        guard FileManager.default.fileExists(atPath: database) else { return .start }
        return try UserError.wrapping {
            let store = try ResultStore(path: database, access: .readOnly)
            let configJSON = try JSONCoding.string(config(classifier: classifier))
            let recipeHash = suite.isEmpty ? "" : Recipe.hash(suite)
            guard let run = try store.runs(matching: RunFilter(kind: kind)).first(where: {
                $0.modelHash == classifier.identity && $0.dataHash == dataset.manifest.contentSHA256 && $0.recipeHash == recipeHash
                    && $0.configJSON == configJSON
            }) else { return .start }
            let abandoned = store.isAbandoned(run)
            switch run.status {
            case .finished: return .finished(run: run.runID)
            case .running where !abandoned:
                throw UserError("run \(run.runID) of this evaluation in \(database) is still being recorded by another process")
            default: return .resume(run: run.runID, status: abandoned ? "abandoned" : run.status.rawValue)
            }
        }
    }

    /// The configuration an eval run of `model` stores.
    public func config(model: ModelHandle) -> AttackRunConfig { config(classifier: .checkpoint(model)) }

    public func config(classifier: Classifier) -> AttackRunConfig {
        var config = AttackRunConfig(model: classifier.name, data: dataset.name, selection: selection, maxLength: maxLength,
                                     recipes: suite.isEmpty ? nil : suite.map(\.name), seed: suite.isEmpty ? nil : attack.seed)
        config.endpoint = classifier.endpoint
        (config.precision, config.recipePrecisions, config.precisionNotes) = attack.precisionRecord(suite, classifier: classifier)
        if let shard {
            config.shard = ShardRecord(index: shard.index, count: shard.count, examples: memberIndices.count,
                                       selected: examples.count, labels: classifier.labels)
        }
        return config
    }
}

public struct EvalWorkflow {
    public var classifier: Classifier
    public var plan: EvaluationPlan
    public var resume: Int64?
    public var parentRunID: Int64?
    public var label: String?

    public init(model: ModelHandle, plan: EvaluationPlan) {
        self.init(classifier: .checkpoint(model), plan: plan)
    }

    public init(classifier: Classifier, plan: EvaluationPlan) {
        self.classifier = classifier
        self.plan = plan
    }

    public struct Outcome {
        public var runID: Int64
        public var result: Evaluation.Result
        public var attacks: AttackSuite.Outcome?
        public var data: LabelledData
        /// Examples left out because the model does not know their label.
        public var unknownLabels: Int
        public var seconds: Double
        /// How the clean predictions of each reduced precision in use agree with fp32's.
        public var agreements: [PrecisionAgreement] = []
    }

    /// Evaluates, then attacks; with attacks, the clean report is said before they start.
    public func run(reporter: Reporter) throws -> Outcome {
        try classifier.requireUsable()
        let (dataset, examples, suite, attack) = (plan.dataset, plan.examples, plan.suite, plan.attack)
        let (split, maxLength) = (plan.selection.split, plan.maxLength)
        let labels = classifier.labels
        let known = Set(labels)
        let members = plan.memberIndices
        let unknownLabels = members.filter { !known.contains(examples[$0].label) }
        let candidates = members.filter { known.contains(examples[$0].label) }
        let data = try LabelledData.tokenize(candidates.map { examples[$0] }, split: split,
                                             labels: labels, tokenizer: classifier.checkpoint?.tokenizer,
                                             maxLength: classifier.maxLength(maxLength))
        // Each kept example under its index in the whole selection.
        let kept = zip(data.positions, data.kept).map { (index: candidates[$0.0], example: $0.1) }
        if data.examples.isEmpty, let shard = plan.shard, examples.contains(where: { known.contains($0.label) }) {
            // An empty shard still records its (empty) run, so the merge sees every shard.
            reporter.warn("note: shard \(shard) has no usable example among the \(examples.count) selected; its run records none")
        } else if data.examples.isEmpty {
            if !unknownLabels.isEmpty {
                throw UserError("no example of the \(split) split has a label the model knows (its labels: \(labels.joined(separator: ", ")); the split's: \(Set(examples.map(\.label)).sorted().joined(separator: ", ")))")
            }
            throw UserError("no usable examples in the \(split) split")
        }
        let setup = suite.isEmpty ? nil : try AttackSetup.prepare(classifier: classifier, recipes: suite, encoderPath: attack.encoderPath,
                                                                  maxLength: maxLength, reporter: reporter)
        let audit = try plan.runAudit(reporter: reporter)
        let store = try RunRecording.openForWriting(plan.database)
        let modelHash = classifier.identity
        let dataHash = dataset.manifest.contentSHA256
        var runRecord = try RunRecording.run(kind: .eval, modelHash: modelHash, dataHash: dataHash,
                                             seed: suite.isEmpty ? 0 : attack.seed, config: plan.config(classifier: classifier), label: label)
        runRecord.parentRunID = parentRunID
        if !suite.isEmpty { runRecord.recipeHash = Recipe.hash(suite) }
        if let resume {
            try ResumeCheck.check(store, run: resume, kind: .eval, modelHash: modelHash, dataHash: dataHash,
                                  recipeHash: runRecord.recipeHash, configJSON: runRecord.configJSON)
        }
        let inputs = plan.attackInputs
        Interruption.install()
        var result: Evaluation.Result?
        var attackOutcome: AttackSuite.Outcome?
        var agreements: [PrecisionAgreement] = []
        var seconds = 0.0
        let run = try UserError.wrapping {
            try store.withRun(runRecord, resuming: resume, interrupted: { Interruption.wasRequested }) { run in
                let started = Date()
                let evaluated: Evaluation.Result
                let losses: [Double]
                switch classifier {
                case .checkpoint(let model):
                    // Example by example, so each one's numbers do not depend on the shard it is in.
                    (evaluated, losses) = try Evaluation.evaluateEach(model.model, examples: data.examples, labels: labels)
                case .service(let service):
                    evaluated = try classifier.serviceEvaluation(service, texts: data.kept.map(\.text),
                                                                 gold: data.examples.map(\.label), reporter: reporter)
                    losses = Evaluation.losses(probabilities: evaluated.probabilities, gold: data.examples.map(\.label))
                }
                seconds = Date().timeIntervalSince(started)
                try RunRecording.recordClean(store, run: run.runID, examples: kept, predictions: evaluated.predictions,
                                             losses: losses, labels: labels, seconds: seconds)
                result = evaluated
                if case .checkpoint(let model) = classifier {
                    for precision in plan.reducedPrecisions(classifier: classifier) {
                        let agreement = try PrecisionAgreement.measure(model.model, precision: precision, data: data,
                                                                       reference: evaluated, referenceSeconds: seconds, labels: labels)
                        try store.recordMetrics(agreement.metrics(run: run.runID))
                        reporter.say(agreement.line)
                        agreements.append(agreement)
                    }
                }
                if let setup {
                    reporter.say(Self.cleanReport(evaluated, data: data, dataset: dataset.name, split: split,
                                                  unknown: unknownLabels.count, seconds: seconds))
                    attackOutcome = try AttackSuite.run(suite, setup: setup, inputs: inputs, store: store, runID: run.runID,
                                                        settings: attack, audit: audit, reporter: reporter)
                }
                try RunRecording.recordService(store, run: run.runID, classifier: classifier, reporter: reporter)
                return run.runID
            }
        }
        guard let result else { throw UserError("evaluation produced no result") }
        return Outcome(runID: run, result: result, attacks: attackOutcome, data: data, unknownLabels: unknownLabels.count,
                       seconds: seconds, agreements: agreements)
    }

    /// "mr test: 1051 examples (…), loss 0.3, 812.0 examples/s" and the classification report.
    public static func cleanReport(_ result: Evaluation.Result, data: LabelledData, dataset: String, split: String,
                                   unknown: Int, seconds: Double) -> String {
        var notes: [String] = []
        if data.skippedEmpty > 0 { notes.append("\(data.skippedEmpty) empty skipped") }
        if unknown > 0 { notes.append("\(unknown) with labels the model does not know skipped") }
        return "\(dataset) \(split): \(data.examples.count) examples\(notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))"), "
            + String(format: "loss %.4f, %.1f examples/s", result.loss, Double(data.examples.count) / max(seconds, 1e-9))
            + "\n" + result.report.rendered()
    }
}
