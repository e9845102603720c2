// RetrainWorkflow: `robust retrain` closes the loop — evaluate a checkpoint with the attack suite
// (before), continue training it with an adversarial method, evaluate the new checkpoint on the same
// examples with the same suite and seed (after), and store the paired comparison. Robustness is
// reported separately for attacks the training used, attacks that share their transformations, and
// attacks it never saw; every number is on held-out examples.
import Analysis
import Attacks
import Augmentation
import Basics
import Datasets
import Foundation
import Results
import Training
import Transformer

/// How `retrain` trains: adversarial perturbations of the embeddings, A2T, or augmented data.
public enum RetrainMethod: String, CaseIterable, Sendable {
    /// trades: image models only (TRADES on pixels); pgd on an image model is Madry's PGD on pixels.
    case fgm, pgd, freelb, a2t, augment, trades
}

public struct RetrainWorkflow {
    public var model: ModelHandle
    /// The held-out examples and recipes evaluated before and after (the selection may not be train).
    public var plan: EvaluationPlan
    public var method: RetrainMethod
    /// Training settings; `adversarial` or `discreteAdversarial` set for the embedding methods and A2T.
    public var settings: TrainerSettings
    public var out: URL
    /// `--method augment`'s recipes, texts per example and attacked sample.
    public var augmentation: AugmentationRecipes?
    public var perExample: Int?
    public var attackSample: Int?
    /// A finished eval run of `model` to reuse as the before run.
    public var before: Int64?
    public var overwrite = false
    public var resume = false
    public var keepLast = false

    /// Options beyond these are properties with defaults.
    public init(model: ModelHandle, plan: EvaluationPlan, method: RetrainMethod, settings: TrainerSettings, out: URL) {
        self.model = model
        self.plan = plan
        self.method = method
        self.settings = settings
        self.out = out
    }

    public struct Outcome {
        public var beforeRun: Int64
        public var trainingRun: Int64
        public var afterRun: Int64
        public var rows: [ComparisonRow]
        public var exposure: [(recipe: String, level: TrainingExposure.Level)]
        /// The before/after table, grouped by exposure.
        public var table: String { RetrainComparison.table(rows, exposure: exposure.map { ($0.recipe, $0.level) }) }
    }

    func evaluation(_ handle: ModelHandle, parent: Int64?, label: String) -> EvalWorkflow {
        var workflow = EvalWorkflow(model: handle, plan: plan)
        (workflow.parentRunID, workflow.label) = (parent, label)
        return workflow
    }

    public func run(reporter: Reporter) throws -> Outcome {
        try UserError.wrapping { try settings.validate() }
        let (dataset, suite, attack, database) = (plan.dataset, plan.suite, plan.attack, plan.database)
        let outURL = out
        if FileManager.default.fileExists(atPath: outURL.appendingPathComponent("model.safetensors").path) && !overwrite && !resume {
            throw UserError("\(out.relativePath) already holds a checkpoint; pass --overwrite to replace it, or --resume --before RUN to continue an interrupted retrain")
        }
        if model.folder.standardizedFileURL.path == outURL.standardizedFileURL.path {
            throw UserError("--out must differ from --model: the before checkpoint is kept for comparison")
        }
        try OutputFolder.checkWritable(outURL, what: "--out")
        try model.requireTrainedHead()
        // A2T's recipes are checked here too, before any work (the training workflow loads them again).
        let a2tRecipes = method == .a2t ? try RecipeLoading.load(settings.discreteAdversarial?.recipes) : []
        guard dataset.labels == model.labels else {
            throw UserError("\(model.path) has labels \(model.labels), but \(dataset.name) has \(dataset.labels)")
        }
        let store = try RunRecording.openForWriting(database)
        let trainedAgainst = TrainingExposure(method: method, a2tRecipes: a2tRecipes, augmentation: augmentation)

        // 1. Before.
        let beforeRun: Int64
        if let before {
            try checkBefore(before, store: store)
            beforeRun = before
            reporter.say("before: reusing eval run \(before)")
        } else {
            reporter.say("== before: \(model.path)")
            beforeRun = try evaluation(model, parent: nil, label: "before retrain").run(reporter: reporter).runID
            reporter.say("before run \(beforeRun) (if this retrain is interrupted, continue it with --resume --before \(beforeRun))")
        }

        // 2. Training (after augmenting the data, for --method augment).
        var trainingData = dataset
        if let augmentation {
            reporter.say("\n== augmenting the training split with \(augmentation.names.joined(separator: ", "))")
            let names = augmentation.names.joined(separator: "+")
            var workflow = AugmentWorkflow(dataset: dataset, recipes: augmentation, seed: attack.seed, name: "\(dataset.name)+\(names)",
                                           description: "\(dataset.name) augmented with \(augmentation.names.joined(separator: ", ")) against \(model.path)")
            (workflow.perExample, workflow.attackSample, workflow.model, workflow.maxLength) = (perExample, attackSample, model, plan.maxLength)
            (workflow.workers, workflow.encoderPath, workflow.database) = (attack.workers, attack.encoderPath, database)
            (workflow.parentRunID, workflow.label) = (beforeRun, "retrain augmentation")
            let outcome = try workflow.run(reporter: reporter)
            reporter.say(outcome.summary)
            trainingData = outcome.dataset
        }
        reporter.say("\n== retraining \(model.path) with \(method.rawValue) → \(out.relativePath)")
        var training = TrainingWorkflow(model: model.path, dataset: trainingData, settings: settings, out: outURL,
                                        database: database)
        (training.overwrite, training.resume, training.keepLast) = (overwrite, resume, keepLast)
        (training.kind, training.parentRunID, training.label) = (.retrain, beforeRun, "retrain \(method.rawValue)")
        (training.a2tWorkers, training.encoderPath) = (attack.workers, attack.encoderPath)
        let trained = try training.run(reporter: reporter)
        if !trained.a2tSeconds.isEmpty {
            reporter.say("A2T attack time per epoch: " + trained.a2tSeconds.map(formatDuration).joined(separator: ", "))
        }

        // 3. After, on the same examples with the same recipes and seed.
        reporter.say("\n== after: \(out.relativePath)")
        let retrained = try UserError.wrapping { try ModelHandle(directory: outURL) }
        let afterRun = try evaluation(retrained, parent: beforeRun, label: "after retrain \(method.rawValue)")
            .run(reporter: reporter).runID

        // 4. The paired comparison, stored with the after run.
        let rows = try UserError.wrapping {
            Comparison.compare(aMetrics: try store.metrics(run: beforeRun), aExamples: try store.examples(run: beforeRun),
                               bMetrics: try store.metrics(run: afterRun), bExamples: try store.examples(run: afterRun))
        }
        let exposure = suite.map { ($0.name, trainedAgainst.exposure(of: $0)) }
        try RetrainComparison.record(rows, exposure: exposure, store: store, afterRun: afterRun)
        return Outcome(beforeRun: beforeRun, trainingRun: trained.runID, afterRun: afterRun, rows: rows,
                       exposure: exposure.map { (recipe: $0.0, level: $0.1) })
    }

    /// --before must be a finished eval of this very checkpoint on the same data, examples, recipes and seed.
    func checkBefore(_ id: Int64, store: ResultStore) throws {
        let run = try UserError.wrapping { try store.run(id) }
        guard run.kind == .eval, run.status == .finished else {
            throw UserError("--before \(id) is a \(run.status.rawValue) \(run.kind.rawValue) run; it must be a finished eval run")
        }
        guard run.modelHash == model.weightsSHA256 else { throw UserError("--before \(id) evaluated another model than \(model.path)") }
        guard run.dataHash == plan.dataset.manifest.contentSHA256 else { throw UserError("--before \(id) evaluated other data") }
        guard run.recipeHash == Recipe.hash(plan.suite) else { throw UserError("--before \(id) ran other recipes (or other recipe files)") }
        let decoded = try? JSONDecoder().decode(AttackRunConfig.self, from: Data(run.configJSON.utf8))
        guard let config = decoded, config.selectsTheSameExamples(as: plan.config(model: model)) else {
            throw UserError("--before \(id) used another split, sample, offset, --max-length or --seed than this retrain")
        }
    }
}

/// What the retraining was exposed to, to tell attacks it trained against from attacks it never saw.
public struct TrainingExposure {
    public enum Level: String, Sendable {
        case used = "used in training"
        case related = "shares transformations with training"
        case unused = "not used in training"
    }

    /// Transformation names (or "embedding") the training saw, and the recipe names it ran.
    var transformations: Set<String> = []
    var recipes: Set<String> = []

    public init(method: RetrainMethod, a2tRecipes: [Recipe], augmentation: AugmentationRecipes?) {
        switch method {
        case .fgm, .pgd, .freelb, .trades:
            transformations = ["embedding"]
        case .a2t:
            recipes = Set(a2tRecipes.map(\.name))
            transformations = Set(a2tRecipes.flatMap(TrainingExposure.transformations(of:)))
        case .augment:
            let attacks = augmentation?.attackRecipes ?? []
            recipes = Set(attacks.map(\.name))
            transformations = Set(attacks.flatMap(TrainingExposure.transformations(of:)))
            for recipe in augmentation?.textRecipes ?? [] {
                recipes.insert(recipe.name)
                for (operation, _) in recipe.operations { transformations.formUnion(TrainingExposure.transformations(of: operation)) }
            }
        }
    }

    static func transformations(of recipe: Recipe) -> [String] {
        let names = recipe.procedure.transformationNames
        return names.isEmpty ? [recipe.name] : names
    }

    static func transformations(of operation: AugmentationRecipe.Operation) -> [String] {
        switch operation {
        case .synonymReplacement: return ["wordnet-synonyms"]
        case .randomInsertion: return ["word-insert"]
        case .randomSwap: return ["word-swap"]
        case .randomDeletion: return ["word-delete"]
        case .charNoise: return ["char-swap", "char-substitute", "char-delete", "char-insert"]
        case .tfidfReplace: return ["tfidf-word-replace"]
        }
    }

    public func exposure(of recipe: Recipe) -> Level {
        if recipes.contains(recipe.name) { return .used }
        return Set(TrainingExposure.transformations(of: recipe)).isDisjoint(with: transformations) ? .unused : .related
    }
}

enum RetrainComparison {
    /// Stores, with the after run, each recipe's change in accuracy (paired bootstrap interval) and
    /// McNemar p-value, and the recipe's exposure in training.
    static func record(_ rows: [ComparisonRow], exposure: [(String, TrainingExposure.Level)], store: ResultStore,
                       afterRun: Int64) throws {
        let levels = Dictionary(exposure, uniquingKeysWith: { a, _ in a })
        var metrics: [MetricRecord] = []
        for row in rows where row.metric == MetricName.cleanAccuracy || row.metric == MetricName.accuracyUnderAttack {
            guard let delta = row.delta else { continue }
            metrics.append(MetricRecord(runID: afterRun, recipe: row.recipe, name: "delta_\(row.metric)", value: delta,
                                        low: row.pairedDelta?.low, high: row.pairedDelta?.high))
            if let test = row.mcnemar {
                metrics.append(MetricRecord(runID: afterRun, recipe: row.recipe, name: "mcnemar_p_\(row.metric)", value: test.pValue))
            }
            if let level = levels[row.recipe] {
                let code: Double = level == .used ? 2 : level == .related ? 1 : 0
                metrics.append(MetricRecord(runID: afterRun, recipe: row.recipe, name: "trained_against", value: code))
            }
        }
        try UserError.wrapping { try store.recordMetrics(metrics) }
    }

    /// The before/after table, grouped by exposure (used, related, unused), clean accuracy first; each recipe's
    /// accuracy under attack, then under valid attack when both runs were audited.
    static func table(_ rows: [ComparisonRow], exposure: [(String, TrainingExposure.Level)]) -> String {
        let levels = Dictionary(exposure, uniquingKeysWith: { a, _ in a })
        func line(_ row: ComparisonRow, group: String) -> [String] {
            let interval = row.pairedDelta.map { String(format: "[%+.1f, %+.1f]", $0.low * 100, $0.high * 100) } ?? ""
            return [group, row.recipe, row.metric,
                    row.a.map { String(format: "%.1f%%", $0.value * 100) } ?? "—",
                    row.b.map { String(format: "%.1f%%", $0.value * 100) } ?? "—",
                    row.delta.map { String(format: "%+.1f", $0 * 100) } ?? "—", interval,
                    row.mcnemar.map { ResultFormat.pValue($0.pValue) } ?? ""]
        }
        var lines: [[String]] = []
        if let clean = rows.first(where: { $0.metric == MetricName.cleanAccuracy }) { lines.append(line(clean, group: "clean")) }
        for level in [TrainingExposure.Level.used, .related, .unused] {
            for row in rows where row.metric == MetricName.accuracyUnderAttack && levels[row.recipe] == level {
                lines.append(line(row, group: level.rawValue))
                // Beside it, the same under the default audit (invalid successes counted as failed attacks).
                if let valid = rows.first(where: { $0.recipe == row.recipe && $0.metric == MetricName.accuracyUnderValidAttack }) {
                    lines.append(line(valid, group: level.rawValue))
                }
            }
        }
        return TextTable.render(header: ["TRAINING", "RECIPE", "METRIC", "BEFORE", "AFTER", "Δ PTS", "95% CI (PAIRED)", "McNEMAR p"],
                                rows: lines, rightAligned: [3, 4, 5])
    }
}
