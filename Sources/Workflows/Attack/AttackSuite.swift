// AttackSuite: recipes run over a split inside a results-store run — every finished example committed
// at once, a resumed run skipping what is already there, and each recipe closed with its summary
// metrics and curves. Shared by `eval`, `attack --data` and `retrain`; also the run configuration
// they store and the checks before `--resume`.
import Analysis
import Attacks
import Basics
import Datasets
import Foundation
import Results

/// What an eval or attack run stores as its configuration (`config_json`): which examples, with which
/// recipes and seed. `--resume` and `retrain --before` compare it.
/// What a run stores about the served model it attacked (in its configuration; never credentials).
public struct EndpointRecord: Codable, Sendable, Equatable {
    public var url: String
    public var `protocol`: String
    public var model: String?
    public var version: String?

    public init(url: String, protocol: String, model: String?, version: String?) {
        self.url = url
        self.protocol = `protocol`
        self.model = model
        self.version = version
    }
}

/// What a shard's run stores in its configuration (nil when the run is not sharded): which shard, how many of
/// the selected examples it took, and what `robust merge` needs to recompute the metrics of the joined run
/// (the model's labels, in order).
public struct ShardRecord: Codable, Sendable, Equatable {
    /// 1-based.
    public var index: Int
    public var count: Int
    /// The examples this shard took, and how many the whole selection has.
    public var examples: Int
    public var selected: Int
    public var labels: [String]

    public init(index: Int, count: Int, examples: Int, selected: Int, labels: [String]) {
        self.index = index
        self.count = count
        self.examples = examples
        self.selected = selected
        self.labels = labels
    }
}

public struct AttackRunConfig: Codable, Sendable, Equatable {
    public var model: String
    public var data: String
    public var split: String
    public var limit: Int?
    public var sample: Int?
    public var maxLength: Int
    /// nil for a clean evaluation.
    public var recipes: [String]?
    public var seed: UInt64?
    /// `--num-examples-offset`; nil when 0, so configurations without one read as before.
    public var offset: Int?
    /// The served model attacked (`--endpoint`), without credentials; nil for a checkpoint.
    public var endpoint: EndpointRecord?
    /// `--precision` when given; each recipe's search precision where it is not fp32; and where a recipe did not
    /// get the precision it asked for, why. All nil for an fp32 run (its configuration reads as before).
    public var precision: String?
    public var recipePrecisions: [String: String]?
    public var precisionNotes: [String]?
    /// The shard this run is (`--shard K/N`); nil for a whole run, whose configuration reads as before. A merged
    /// run stores its shards' configuration without it.
    public var shard: ShardRecord?

    public init(model: String, data: String, selection: ExampleSelection, maxLength: Int, recipes: [String]?, seed: UInt64?) {
        self.model = model
        self.data = data
        split = selection.split
        limit = selection.limit
        sample = selection.sample
        offset = selection.offset == 0 ? nil : selection.offset
        self.maxLength = maxLength
        self.recipes = recipes
        self.seed = seed
    }

    /// Whether `other` selected the same examples with the same seed and token limit.
    public func selectsTheSameExamples(as other: AttackRunConfig) -> Bool {
        split == other.split && limit == other.limit && sample == other.sample && (offset ?? 0) == (other.offset ?? 0)
            && maxLength == other.maxLength && seed == other.seed
    }
}

public enum AttackSuite {
    public struct Outcome: Sendable {
        public var summaries: [AttackSummary]
        /// Wall-clock seconds per example attacked in this session, by recipe.
        public var wallSecondsPerExample: [String: Double]
    }

    /// Attacks `inputs` with each recipe, then records its summary metrics and curves and, with `audit`, audits
    /// its successful attacks and records the valid metrics.
    static func run(_ recipes: [Recipe], setup: AttackSetup, inputs: [AttackInput], store: ResultStore, runID: Int64,
                    settings: AttackSettings, audit: RunAudit? = nil, reporter: Reporter) throws -> Outcome {
        var outcome = Outcome(summaries: [], wallSecondsPerExample: [:])
        // Every precision the recipes need must run here before the first example is attacked.
        for recipe in recipes { try setup.prepare(settings.precision(for: recipe, classifier: setup.classifier).precision) }
        for recipe in recipes {
            let (precision, note) = settings.precision(for: recipe, classifier: setup.classifier)
            if let note { reporter.warn("note: \(note)") }
            let done = try store.completedExampleIndices(run: runID, recipe: recipe.name)
            let pending = inputs.filter { !done.contains($0.index) }
            var finished = 0, successes = 0, attacked = 0
            if !pending.isEmpty {
                let seconds: Double
                (finished, seconds) = try setup.attackAndRecord(
                    recipe, as: recipe.name, inputs: pending, workers: settings.workerCount, seed: settings.seed,
                    precision: precision, store: store, runID: runID, reporter: reporter) { result, finished in
                    if result.status == .success { successes += 1 }
                    if result.status == .success || result.status == .failed { attacked += 1 }
                    return "\(recipe.name): \(finished)/\(pending.count)" + (done.isEmpty ? "" : " (+\(done.count) earlier)")
                        + " · success \(successes)/\(attacked)"
                }
                if finished > 0 { outcome.wallSecondsPerExample[recipe.name] = seconds / Double(finished) }
            }
            if Interruption.wasRequested {
                throw UserError("interrupted during recipe '\(recipe.name)' after \(finished) more example(s); continue with --resume \(runID)")
            }
            let examples = try store.examples(run: runID, recipe: recipe.name)
            var summary = AttackSummary(recipe: recipe.name, examples: examples)
            try store.recordMetrics(recipeMetrics(examples, summary: summary, recipe: recipe.name, runID: runID))
            if let audit {
                reporter.progress("\(recipe.name): auditing \(examples.filter { $0.status == .success }.count) successful attack(s) (audit '\(audit.recipe.name)')")
                summary.validity = try audit.audit(examples, recipe: recipe.name, store: store, runID: runID,
                                                   workers: settings.workerCount)
                reporter.endProgress()
            }
            try store.recordCurvePoints(AttackRecording.curvePoints(of: examples, runID: runID, recipe: recipe.name))
            outcome.summaries.append(summary)
        }
        return outcome
    }

    /// A recipe's metrics from its stored examples (by index): the standard ones with their intervals, the
    /// summary's extras and the raw budget metrics. `robust merge` derives a merged run's with this too.
    static func recipeMetrics(_ examples: [ExampleRecord], summary: AttackSummary, recipe: String, runID: Int64) -> [MetricRecord] {
        RecipeSummary.metrics(of: examples, run: runID, recipe: recipe) + summary.extraMetrics(runID: runID)
            + BudgetMetrics.metrics(of: examples, verdicts: nil, run: runID, recipe: recipe)
    }
}

/// The checks before `--resume`: the run exists, is of this kind, and used the same model, data, recipes
/// and options.
enum ResumeCheck {
    /// `sameOptions` decides whether the stored configuration is this one's (default: the same text).
    static func check(_ store: ResultStore, run id: Int64, kind: RunKind, modelHash: String, dataHash: String,
                      recipeHash: String, configJSON: String, sameOptions: ((String) -> Bool)? = nil) throws {
        let run = try UserError.wrapping { try store.run(id) }
        guard run.kind == kind else { throw UserError("run \(id) is a \(run.kind.rawValue) run, not \(kind.rawValue)") }
        guard run.status != .finished else { throw UserError("run \(id) already finished; start a new run instead") }
        guard run.modelHash == modelHash else { throw UserError("run \(id) attacked another model (its weights differ)") }
        guard run.dataHash == dataHash else { throw UserError("run \(id) used other data") }
        guard run.recipeHash == recipeHash else {
            throw UserError("run \(id) used other recipes (or the recipe files changed); resume with the same --recipes")
        }
        guard sameOptions?(run.configJSON) ?? (run.configJSON == configJSON) else {
            throw UserError("run \(id) was started with other options (\(run.configJSON)); resume with the same --split, --limit, --sample, --num-examples-offset, --seed and --max-length")
        }
    }
}
