// Options: the option groups commands share, each turning into one workflow input — where the data is
// (`DataOptions` → `DataSource`), which examples (`SplitSelection`), how attacks run (`AttackOptions` →
// `AttackSettings`), the results database (`DatabaseOption`), and the fine-tuning hyper-parameters
// (`TrainerOptions`, with each command's own defaults) and A2T (`A2TOptions`).
import ArgumentParser
import Audit
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Training
import Workflows

struct DataOptions: ParsableArguments {
    @Option(help: "Dataset: a name fetched with `robust data fetch`, a dataset folder, or a CSV/TSV/JSONL file (split 80/10/10 by --split-seed).")
    var data: String

    @OptionGroup var file: UserFileArguments

    /// Resolves --data; notes on what preparing it dropped go to stderr. `splitFile` false (`--split
    /// all`) takes a user file whole instead of splitting it.
    func load(splitFile: Bool = true, quiet: Bool = false) throws -> DatasetSplits {
        try file.source(data, splitFile: splitFile).load(reporter: TerminalReporter(quiet: quiet))
    }
}

/// How a user's CSV/TSV/JSONL file given as --data is read and split.
struct UserFileArguments: ParsableArguments {
    @Option(help: "Text column of a user file (default: auto-detect).")
    var textColumn: String?

    @Option(help: "Label column of a user file (default: auto-detect).")
    var labelColumn: String?

    @Option(help: "Seed of the stratified split applied to a single user file.")
    var splitSeed: UInt64 = 42

    func source(_ data: String, splitFile: Bool) -> DataSource {
        DataSource(data: data, textColumn: textColumn, labelColumn: labelColumn, splitSeed: splitSeed, splitFile: splitFile)
    }
}

/// Which examples eval, attack and retrain work on — the split (or all), an offset, the first N or a
/// seeded sample of N — and the token limit. The selection itself is `Datasets.ExampleSelection`.
struct SplitSelection: ParsableArguments {
    @Option(help: "Split of the dataset: train, dev, test, or all (train+dev+test of a dataset; every row of a CSV/TSV/JSONL file as it is, unsplit).")
    var split = "test"

    @Option(name: [.customLong("limit"), .customLong("num-examples")], parsing: .unconditional,
            help: ArgumentHelp("Use only the first N examples of the split (after --num-examples-offset).", valueName: "N"))
    var limit: Int?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Use a random sample of N examples of the split (seeded by --seed; kept in split order).", valueName: "N"))
    var sample: Int?

    @Option(name: .customLong("num-examples-offset"), parsing: .unconditional,
            help: ArgumentHelp("Skip the first K examples of the split before --limit/--num-examples or --sample.", valueName: "K"))
    var offset = 0

    @Option(help: "Truncate texts to this many tokens.")
    var maxLength = 128

    var selection: ExampleSelection { ExampleSelection(split: split, limit: limit, sample: sample, offset: offset) }

    func validate() throws {
        do { try selection.validate() } catch { throw ValidationError(String(describing: error)) }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    /// The selected examples, in split order; an empty selection is an error.
    func examples(of dataset: DatasetSplits, seed: UInt64) throws -> [Example] {
        try UserError.wrapping { try selection.examples(of: dataset, seed: seed) }
    }
}

/// `--model DIR` where the base model is the default (train, embed, tokenize, bench).
struct BaseModelOption: ParsableArguments {
    @Option(help: ArgumentHelp("Model or checkpoint folder in Hugging Face format (default: the base model: $ROBUST_BASE_MODEL, ~/.cache/robust/models/all-MiniLM-L6-v2 or models/all-MiniLM-L6-v2).",
                               valueName: "DIR"))
    var model: String = Defaults.baseModel
}

struct AttackOptions: ParsableArguments {
    @Option(help: "Examples attacked at once, one core each (default: all cores). Results do not depend on it.")
    var workers: Int?

    @Option(help: "Seed of the attacks' random choices (example i uses a seed mixed from it and i).")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Sentence encoder for similarity (default: the base model: $ROBUST_BASE_MODEL, ~/.cache/robust/models/all-MiniLM-L6-v2 or models/all-MiniLM-L6-v2).",
                               valueName: "DIR"))
    var encoder: String?

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
    }

    var settings: AttackSettings { AttackSettings(workers: workers, seed: seed, encoderPath: encoder ?? Defaults.baseModel) }
}

/// `--audit NAME` / `--no-audit`: the validity audit of every successful adversarial example.
struct AuditOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Audit recipe judging each successful attack's validity (default: default, skipped with a warning when what it needs is missing): a name (built in: \(AuditLibrary.builtIn.keys.sorted().joined(separator: ", ")); or audits/NAME.yaml, $\(AuditLibrary.environmentVariable)) or a file.",
                               valueName: "NAME"))
    var audit: String?

    @Flag(help: "Do not audit (the valid success rate is then not reported).")
    var noAudit = false

    func validate() throws {
        if noAudit && audit != nil { throw ValidationError("--audit and --no-audit contradict each other") }
    }

    /// The audit recipe, loaded (a typo fails before any work), or nil with --no-audit.
    func recipe() throws -> AuditRecipe? { noAudit ? nil : try RunAudit.load(audit ?? AuditLibrary.defaultName) }

    /// Whether --audit named the audit (then what it needs must load; the default audit is skipped with a warning).
    var requested: Bool { audit != nil }
}

/// `--db PATH`: the results database. See `ResultStoreLocation.resolve` for the rule.
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"),
            help: ArgumentHelp("Results database (default: $\(ResultStoreLocation.environmentVariable) when set, else ./\(ResultStoreLocation.defaultPath)).",
                               valueName: "PATH"))
    var db: String?

    var path: String { ResultStoreLocation.resolve(option: db) }

    /// The store, opened for reading only: nothing is created, migrated or written.
    func queries() throws -> RunQueries { try RunQueries(database: path) }
}

/// A command's defaults for `TrainerOptions` and `A2TOptions`: `train` fine-tunes from a base model,
/// `retrain` continues a fine-tuned checkpoint (fewer epochs, a smaller learning rate, no early stop).
protocol TrainerDefaults {
    static var epochs: Int { get }
    static var learningRate: Float { get }
    static var patience: Int { get }
    static var a2tRecipes: String? { get }
    static var a2tStartEpoch: Int { get }
}

enum TrainDefaults: TrainerDefaults {
    static let epochs = 4
    static let learningRate: Float = 5e-5
    static let patience = 2
    static let a2tRecipes: String? = nil
    static let a2tStartEpoch = 2
}

enum RetrainDefaults: TrainerDefaults {
    static let epochs = 2
    static let learningRate: Float = 2e-5
    static let patience = 0
    static let a2tRecipes: String? = "a2t,a2t-char"
    static let a2tStartEpoch = 1
}

/// The fine-tuning hyper-parameters `train` and `retrain` share, with `D`'s defaults.
struct TrainerOptions<D: TrainerDefaults>: ParsableArguments {
    @Option(help: "Epochs.") var epochs = D.epochs
    @Option(help: "Examples per batch.") var batchSize = 32
    @Option(name: [.customLong("lr"), .customLong("learning-rate")], help: "Peak learning rate.") var learningRate = D.learningRate
    @Option(help: "Share of steps spent warming up the learning rate.") var warmupRatio: Float = 0.1
    @Option(help: "AdamW weight decay (not applied to biases and LayerNorm).") var weightDecay: Float = 0.01
    @Option(help: "Clip gradients to this global L2 norm.") var maxGradNorm: Float = 1.0
    @Option(help: "Dropout on hidden states and attention (default: the model's config).") var dropout: Float?
    @Option(help: "Also evaluate on dev every N steps.") var evalEvery: Int?
    @Option(help: "Stop after this many evaluations without improvement (0: never).") var patience = D.patience
    @Option(help: "Dev metric that selects the best model: accuracy, macro_f1 or loss.") var metric = "accuracy"
    @Option(help: "Per-example L2 radius of the perturbation (fgm/pgd default 1.0; freelb default 0 = unbounded).") var advEpsilon: Float?
    @Option(help: "Ascent step size (pgd default 0.3, freelb 0.1).") var advStepSize: Float?
    @Option(help: "Ascent steps (pgd default 3, freelb 2).") var advSteps: Int?
    @Flag(help: "Keep the last evaluated model rather than the best on dev.") var keepLast = false
    @Flag(help: "Replace an existing checkpoint in --out.") var overwrite = false
    @Option(help: ArgumentHelp("Training arithmetic: fp32 (default) or bf16 (mixed precision: bf16 products forward and backward, fp32 master weights and AdamW state; needs AVX512-BF16).",
                               valueName: "PRECISION"))
    var precision: String?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard SelectionMetric(rawValue: metric) != nil else {
            throw ValidationError("--metric must be one of \(SelectionMetric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard patience >= 0 else { throw ValidationError("--patience must be 0 or more") }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1)") }
    }

    /// `--precision`: nil for fp32 (so stored settings read as before), bf16; a one-line error for int8, an unknown
    /// value or a precision this machine cannot run.
    func trainingPrecision() throws -> Precision? {
        guard let precision else { return nil }
        let value = try UserError.wrapping { try Precision.parse(precision) }
        if value == .int8 { throw UserError("--precision int8: training runs in fp32 or bf16; int8 is for queries only") }
        try UserError.wrapping { try OneDNN.require(value) }
        return value.isReduced ? value : nil
    }

    /// The settings, with `adversarial` (an embedding method) and the run's seed and token limit.
    func settings(seed: UInt64, maxLength: Int, adversarial method: AdversarialTraining.Method?) throws -> TrainerSettings {
        var s = TrainerSettings()
        s.precision = try trainingPrecision()
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
        s.adversarial = method.map { AdversarialTraining(method: $0, epsilon: advEpsilon, stepSize: advStepSize, steps: advSteps) }
        return s
    }
}

/// How A2T attacks run: `robust train --a2t RECIPES` and `robust retrain --method a2t`.
struct A2TOptions<D: TrainerDefaults>: ParsableArguments {
    @Option(help: "A2T discrete adversarial training: attack recipes (comma-separated, e.g. a2t,a2t-char) run on a sample of the training set at the start of each epoch; their successful adversarial texts join that epoch (default: \(D.a2tRecipes ?? "none")).")
    var a2t: String?
    @Option(help: "Share of the training set attacked per A2T epoch.") var a2tFraction: Double = 0.2
    @Option(help: "First epoch (1-based) with A2T examples; earlier epochs are clean.") var a2tStartEpoch: Int = D.a2tStartEpoch

    var plan: DiscreteAdversarialTraining? {
        RecipeLoading.split(a2t ?? D.a2tRecipes).flatMap { $0.isEmpty ? nil : DiscreteAdversarialTraining(recipes: $0, fraction: a2tFraction, startEpoch: a2tStartEpoch) }
    }
}

/// `--precision fp32|bf16|int8`: the arithmetic of model queries (fp32 the reference; reduced precisions are
/// re-checked in fp32 where a result is decided). Checked against this machine before any work.
struct PrecisionOption: ParsableArguments {
    @Option(help: ArgumentHelp("Precision of model queries: fp32 (default, the reference), bf16 or int8 (oneDNN; attack searches rank candidates in it, and every clean prediction and success is re-checked in fp32). Overrides a recipe's own 'precision:'.",
                               valueName: "PRECISION"))
    var precision: String?

    /// The asked precision, nil when not given; a one-line error when unknown, not runnable here, or reduced
    /// for a served model (`servedModel`: `--endpoint` was given), which computes in its own precision.
    func value(servedModel: Bool = false) throws -> Precision? {
        guard let precision else { return nil }
        let value = try UserError.wrapping { try Precision.parse(precision) }
        if value.isReduced && servedModel {
            throw UserError("--precision \(value.rawValue) applies to a checkpoint (--model); a served model computes in its own precision")
        }
        try UserError.wrapping { try OneDNN.require(value) }
        return value
    }
}

/// `--shard K/N` and `--shards N`: run one shard of an eval or attack run (Datasets/Sharding.swift), also as a
/// Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX with --shards).
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run only shard K of N (counted from 1), in a --db of its own; join the shards with robust merge. Default: the Slurm array task's shard (SLURM_ARRAY_TASK_ID), or JOB_COMPLETION_INDEX with --shards.",
                               valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("The number of shards, for a Kubernetes Indexed Job pod (its shard is JOB_COMPLETION_INDEX + 1).",
                               valueName: "N"))
    var shards: Int?

    /// The shard of this process (said on stderr when it comes from the environment); nil when not sharded.
    func resolve() throws -> ShardSpec? {
        guard let resolved = try ShardSpec.resolve(option: shard, shards: shards) else { return nil }
        if resolved.source != "--shard" {
            FileHandle.standardError.write(Data("shard \(resolved.shard) (\(resolved.source))\n".utf8))
        }
        return resolved.shard
    }

    /// Where a shard's run is recorded: --db or $ROBUST_DB when given, else robust-shard-K-of-N.db (never the
    /// shared default, which several shards would write at once).
    static func database(_ option: DatabaseOption, shard: ShardSpec?,
                         environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        guard let shard, option.db == nil, (environment[ResultStoreLocation.environmentVariable] ?? "").isEmpty else { return option.path }
        return "robust-shard-\(shard.index)-of-\(shard.count).db"
    }
}

/// `--resume RUN` or `--resume auto` of eval and attack --data: `auto` continues the newest run of the same
/// evaluation in --db when it is unfinished, does nothing when it finished, and starts one when there is none
/// (so a resubmitted array task redoes only what is missing).
enum ResumeChoice {
    case run(Int64)
    case auto

    static func parse(_ text: String?) throws -> ResumeChoice? {
        guard let text else { return nil }
        if text == "auto" { return .auto }
        guard let id = Int64(text), id > 0 else { throw ValidationError("--resume takes a run id or auto, not '\(text)'") }
        return .run(id)
    }

    /// The run to continue, or nil to start one; nil with `finished` set when `auto` finds the evaluation done.
    static func resolve(_ choice: ResumeChoice?, plan: EvaluationPlan, kind: RunKind,
                        classifier: Classifier) throws -> (run: Int64?, finished: String?) {
        switch choice {
        case nil: return (nil, nil)
        case .run(let id): return (id, nil)
        case .auto:
            switch try plan.automaticResume(kind: kind, classifier: classifier) {
            case .start: return (nil, nil)
            case .finished(let run): return (nil, "run \(run) in \(plan.database) already finished this evaluation; nothing to do")
            case .resume(let run, let status):
                FileHandle.standardError.write(Data("resuming run \(run) (\(status)) of \(plan.database)\n".utf8))
                return (run, nil)
            }
        }
    }
}
