// Retrain: `robust retrain` closes the loop — evaluate a checkpoint with the attack suite (before),
// continue training it with an adversarial method, evaluate the new checkpoint on the same examples
// with the same suite and seed (after), and store the paired comparison. Robustness is reported
// separately for attacks the training used, attacks that share their transformations, and attacks it
// never saw; every number is on held-out examples (the test split unless --split says otherwise).
import ArgumentParser
import Attacks
import Augmentation
import Basics
import Datasets
import Foundation
import Results
import Training
import Transformer

struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Adversarially retrain a checkpoint, and measure it before and after on the same examples.",
        discussion: """
            Methods: fgm, pgd, freelb (perturbations of the word embeddings, --adv-*); a2t (each epoch, attack \
            a sample of the training set with --a2t recipes on the current weights and train on the successes); \
            augment (once, before training: add --augment recipes' output — EDA, character noise, or attack \
            recipes run against --model on --attack-sample training examples). Training starts from --model's \
            weights and head. The before run (or --before RUN, an earlier eval of --model with the same \
            examples and recipes), the training run and the after run are linked in the results store (parent \
            run = before); `robust report BEFORE AFTER` draws them side by side.
            """)

    enum Method: String, CaseIterable, ExpressibleByArgument {
        case fgm, pgd, freelb, a2t, augment
    }

    @Option(help: "The fine-tuned checkpoint to retrain.")
    var model: String

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var database: DatabaseOption

    @Option(help: "Retraining method: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: Method

    @Option(help: "Output checkpoint folder.")
    var out: String

    @OptionGroup var selection: SplitSelection

    @Option(help: "Evaluation recipes (default: attacks/default.yaml), comma-separated.")
    var recipes: String?

    @OptionGroup var attackOptions: AttackOptions

    @Option(help: "Reuse this finished eval run of --model (same examples, recipes and seed) as the before run.")
    var before: Int64?

    @Option(help: "Epochs.") var epochs = 2
    @Option(help: "Examples per batch.") var batchSize = 32
    @Option(name: [.customLong("lr"), .customLong("learning-rate")], help: "Peak learning rate.") var learningRate: Float = 2e-5
    @Option(help: "Share of steps spent warming up the learning rate.") var warmupRatio: Float = 0.1
    @Option(help: "AdamW weight decay.") var weightDecay: Float = 0.01
    @Option(help: "Stop after this many dev evaluations without improvement (0: never).") var patience = 0
    @Option(help: "Per-example L2 radius (fgm/pgd default 1.0; freelb default 0 = unbounded).") var advEpsilon: Float?
    @Option(help: "Ascent step size (pgd default 0.3, freelb 0.1).") var advStepSize: Float?
    @Option(help: "Ascent steps (pgd default 3, freelb 2).") var advSteps: Int?
    @Option(help: "A2T attack recipes.") var a2t = "a2t,a2t-char"
    @Option(help: "Share of the training set A2T attacks per epoch.") var a2tFraction: Double = 0.2
    @Option(help: "First epoch (1-based) with A2T examples.") var a2tStartEpoch = 1
    @Option(help: "Augmentation recipes for --method augment (augmentations/ or attacks/).") var augment = "a2t,a2t-char"
    @Option(help: "Augmented texts per training example (text recipes).") var perExample: Int?
    @Option(help: "Attack recipes of --method augment attack a seeded sample of N training examples (default: all).") var attackSample: Int?
    @Flag(help: "Keep the last model rather than the best on (clean) dev accuracy.") var keepLast = false
    @Flag(help: "Replace an existing checkpoint in --out.") var overwrite = false
    @Flag(help: "Continue an interrupted retraining from the state saved in --out (give its before run with --before).") var resume = false

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard patience >= 0 else { throw ValidationError("--patience must be 0 or more") }
        if let attackSample, attackSample < 1 { throw ValidationError("--attack-sample must be positive") }
        if selection.split == "train" || selection.split == ExampleSelection.all {
            throw ValidationError("retrain evaluates on held-out examples; --split must be dev or test")
        }
        if resume && before == nil { throw ValidationError("--resume needs --before RUN, the before run the interrupted retrain printed") }
        if resume && overwrite { throw ValidationError("--resume and --overwrite contradict each other") }
    }

    var settings: TrainerSettings {
        var s = TrainerSettings()
        s.epochs = epochs
        s.batchSize = batchSize
        s.learningRate = learningRate
        s.warmupRatio = warmupRatio
        s.weightDecay = weightDecay
        s.maxLength = selection.maxLength
        s.seed = attackOptions.seed
        s.patience = patience == 0 ? nil : patience
        switch method {
        case .fgm, .pgd, .freelb:
            if let kind = AdversarialTraining.Method(rawValue: method.rawValue) {
                s.adversarial = AdversarialTraining(method: kind, epsilon: advEpsilon, stepSize: advStepSize, steps: advSteps)
            }
        case .a2t:
            s.discreteAdversarial = DiscreteAdversarialTraining(recipes: RecipeLoading.split(a2t) ?? [], fraction: a2tFraction,
                                                                startEpoch: a2tStartEpoch)
        case .augment:
            break
        }
        return s
    }

    func run() throws {
        let settings = self.settings
        try userFacing { try settings.validate() }
        let outURL = URL(fileURLWithPath: out)
        if FileManager.default.fileExists(atPath: outURL.appendingPathComponent("model.safetensors").path) && !overwrite && !resume {
            throw UserError("\(out) already holds a checkpoint; pass --overwrite to replace it, or --resume --before RUN to continue an interrupted retrain")
        }
        if URL(fileURLWithPath: model).standardizedFileURL.path == outURL.standardizedFileURL.path {
            throw UserError("--out must differ from --model: the before checkpoint is kept for comparison")
        }
        let checkpoint = try userFacing { try Checkpoint(directory: URL(fileURLWithPath: model)) }
        guard checkpoint.hasTrainedHead else {
            throw UserError("\(model) has no trained classification head; fine-tune it first with robust train")
        }
        let suite = try RecipeLoading.load(RecipeLoading.split(recipes))
        let augmentation = method == .augment ? try AugmentationRecipes.load(RecipeLoading.split(augment) ?? []) : nil
        // A2T's recipes are checked here too, before any work (the training job loads them again).
        let a2tRecipes = method == .a2t ? try RecipeLoading.load(settings.discreteAdversarial?.recipes) : []
        let dataset = try dataOptions.load()
        guard dataset.labels == checkpoint.labels else {
            throw UserError("\(model) has labels \(checkpoint.labels), but \(dataset.name) has \(dataset.labels)")
        }
        let examples = try selection.examples(of: dataset, seed: attackOptions.seed)
        let store = try RunRecording.openForWriting(database)
        let trainedAgainst = TrainingExposure(method: method, a2tRecipes: a2tRecipes, augmentation: augmentation)

        // 1. Before.
        let beforeRun: Int64
        if let before {
            try checkBefore(before, store: store, suite: suite, dataset: dataset)
            beforeRun = before
            print("before: reusing eval run \(before)")
        } else {
            print("== before: \(model)")
            let job = EvalJob(model: model, checkpoint: checkpoint, dataset: dataset, examples: examples, selection: selection,
                              suite: suite, attackOptions: attackOptions, database: database, label: "before retrain")
            beforeRun = try job.run().runID
            print("before run \(beforeRun) (if this retrain is interrupted, continue it with --resume --before \(beforeRun))")
        }

        // 2. Training (after augmenting the data, for --method augment).
        var trainingData = dataset
        if let augmentation {
            print("\n== augmenting the training split with \(augmentation.names.joined(separator: ", "))")
            let job = AugmentationJob(dataset: dataset, recipes: augmentation, perExample: perExample, seed: attackOptions.seed,
                                      checkpoint: checkpoint, maxLength: selection.maxLength, attackSample: attackSample,
                                      workers: attackOptions.workerCount, encoderPath: attackOptions.encoderPath)
            let config = AugmentationConfig(data: dataset.name, recipes: augmentation.names, perExample: perExample,
                                            seed: attackOptions.seed, trainSubset: nil, attackSample: attackSample, model: model, out: nil)
            var record = try RunRecording.run(kind: .augment, modelHash: try RunRecording.modelHash(of: model), dataHash: dataset.manifest.contentSHA256,
                                              seed: attackOptions.seed, config: config, label: "retrain augmentation")
            record.parentRunID = beforeRun
            record.recipeHash = augmentation.hash
            Interrupt.install()
            let outcome = try userFacing {
                try store.withRun(record, interrupted: { Interrupt.wasRequested }) { run in
                    try job.run(store: store, runID: run.runID, name: "\(dataset.name)+\(augmentation.names.joined(separator: "+"))",
                                description: "\(dataset.name) augmented with \(augmentation.names.joined(separator: ", ")) against \(model)")
                }
            }
            print(AugmentationJob.summary(outcome, originalTrain: dataset.train.count))
            trainingData = outcome.dataset
        }
        print("\n== retraining \(model) with \(method.rawValue) → \(out)")
        let training = TrainingJob(model: model, dataset: trainingData, settings: settings, out: outURL, overwrite: overwrite,
                                   resume: resume, database: database, interruptAtStep: nil, kind: .retrain,
                                   parentRunID: beforeRun, label: "retrain \(method.rawValue)",
                                   a2tWorkers: attackOptions.workers, keepLast: keepLast)
        let trained = try training.run()
        if !trained.a2tSeconds.isEmpty {
            print("A2T attack time per epoch: " + trained.a2tSeconds.map(formatDuration).joined(separator: ", "))
        }

        // 3. After, on the same examples with the same recipes and seed.
        print("\n== after: \(out)")
        let retrained = try userFacing { try Checkpoint(directory: outURL) }
        let afterJob = EvalJob(model: out, checkpoint: retrained, dataset: dataset, examples: examples, selection: selection,
                               suite: suite, attackOptions: attackOptions, database: database,
                               parentRunID: beforeRun, label: "after retrain \(method.rawValue)")
        let afterRun = try afterJob.run().runID

        // 4. The paired comparison, stored with the after run.
        let rows = try userFacing {
            Comparison.compare(aMetrics: try store.metrics(run: beforeRun), aExamples: try store.examples(run: beforeRun),
                               bMetrics: try store.metrics(run: afterRun), bExamples: try store.examples(run: afterRun))
        }
        let exposure = suite.map { ($0.name, trainedAgainst.exposure(of: $0)) }
        try RetrainComparison.record(rows, exposure: exposure, store: store, afterRun: afterRun)
        print("\nbefore run \(beforeRun) → after run \(afterRun) (training run \(trained.runID)), \(examples.count) \(selection.split) examples:")
        print(RetrainComparison.table(rows, exposure: exposure))
        print("draw it: robust report \(beforeRun) \(afterRun) --out reports/retrain-\(method.rawValue)")
    }

    /// --before must be a finished eval of this very checkpoint on the same data, examples, recipes and seed.
    func checkBefore(_ id: Int64, store: ResultStore, suite: [Recipe], dataset: DatasetSplits) throws {
        let run = try userFacing { try store.run(id) }
        guard run.kind == .eval, run.status == .finished else {
            throw UserError("--before \(id) is a \(run.status.rawValue) \(run.kind.rawValue) run; it must be a finished eval run")
        }
        guard run.modelHash == (try RunRecording.modelHash(of: model)) else { throw UserError("--before \(id) evaluated another model than \(model)") }
        guard run.dataHash == dataset.manifest.contentSHA256 else { throw UserError("--before \(id) evaluated other data") }
        guard run.recipeHash == Recipe.hash(suite) else { throw UserError("--before \(id) ran other recipes (or other recipe files)") }
        let decoded = try? JSONDecoder().decode(EvalConfig.self, from: Data(run.configJSON.utf8))
        guard let config = decoded, config.split == selection.split, config.limit == selection.limit,
              config.sample == selection.sample, config.offset == selection.recordedOffset, config.maxLength == selection.maxLength, config.seed == attackOptions.seed else {
            throw UserError("--before \(id) used another split, sample, --max-length or --seed than this retrain")
        }
    }
}

/// What the retraining was exposed to, to tell attacks it trained against from attacks it never saw.
struct TrainingExposure {
    enum Level: String {
        case used = "used in training"
        case related = "shares transformations with training"
        case unused = "not used in training"
    }

    /// Transformation names (or "embedding") the training saw, and the recipe names it ran.
    var transformations: Set<String> = []
    var recipes: Set<String> = []

    init(method: RetrainCommand.Method, a2tRecipes: [Recipe], augmentation: AugmentationRecipes?) {
        switch method {
        case .fgm, .pgd, .freelb:
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
        if let composed = recipe.procedure as? ComposedAttack { return composed.transformation.parts.map(\.name) }
        return recipe.procedure.perturbsEmbeddings ? ["embedding"] : [recipe.name]
    }

    static func transformations(of operation: AugmentationRecipe.Operation) -> [String] {
        switch operation {
        case .synonymReplacement: return ["wordnet-synonyms"]
        case .randomInsertion: return ["word-insert"]
        case .randomSwap: return ["word-swap"]
        case .randomDeletion: return ["word-delete"]
        case .charNoise: return ["char-swap", "char-substitute", "char-delete", "char-insert"]
        }
    }

    func exposure(of recipe: Recipe) -> Level {
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
        try userFacing { try store.recordMetrics(metrics) }
    }

    /// The before/after table, grouped by exposure (used, related, unused), clean accuracy first.
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
            }
        }
        return ResultsCLI.table(header: ["TRAINING", "RECIPE", "METRIC", "BEFORE", "AFTER", "Δ PTS", "95% CI (PAIRED)", "McNEMAR p"],
                                rows: lines, rightAligned: [3, 4, 5])
    }
}
