// Attack: `robust attack` attacks one text (showing the changed words) or a dataset split with one
// recipe; `AttackSuite` runs recipes over a split inside a results-store run (shared with `robust eval`).
import ArgumentParser
import Attacks
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Tokenizer
import Transformer
import WordNet

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

    var workerCount: Int { workers ?? Parallel.workers }
    var encoderPath: String { encoder ?? Defaults.baseModel }
}

/// What every attack of a command shares: the checkpoint, the sentence encoder's weights, WordNet.
struct AttackSetup {
    let checkpoint: Checkpoint
    let maxLength: Int
    let encoder: (model: BertModel, tokenizer: WordPieceTokenizer)?
    let wordnet: WordNetDatabase?

    /// Loads what `recipes` need. The encoder is loaded whenever it can be (the results store records
    /// similarity for every recipe); it is an error only when a recipe's constraint needs it.
    /// `similarityOnlyIfNeeded` skips it unless a recipe needs it (A2T: training examples, where the
    /// recorded similarity is not worth its forward passes).
    static func prepare(checkpoint: Checkpoint, recipes: [Recipe], encoderPath: String, maxLength: Int,
                        quiet: Bool = false, similarityOnlyIfNeeded: Bool = false) throws -> AttackSetup {
        var encoder: (BertModel, WordPieceTokenizer)?
        do {
            if !similarityOnlyIfNeeded || recipes.contains(where: { $0.procedure.needsSentenceEncoder }) {
                encoder = try MiniLMEncoder.loadModel(directory: URL(fileURLWithPath: encoderPath))
            }
        } catch {
            if let needing = recipes.first(where: { $0.procedure.needsSentenceEncoder }) {
                throw UserError("recipe '\(needing.name)' needs the sentence encoder, which failed to load: \(Defaults.explained("\(error)")) (or pass --encoder DIR)")
            }
            if !quiet {
                FileHandle.standardError.write(Data("warning: no sentence encoder (\(Defaults.explained("\(error)"))); similarity is not recorded\n".utf8))
            }
        }
        var wordnet: WordNetDatabase?
        if recipes.contains(where: { $0.procedure is ComposedAttack }) {
            wordnet = try userFacing { try WordNetDatabase.shared(directory: URL(fileURLWithPath: ResourceLocations.wordNet().require())) }
        }
        return AttackSetup(checkpoint: checkpoint, maxLength: min(maxLength, checkpoint.config.maxPositions),
                           encoder: encoder, wordnet: wordnet)
    }

    func worker() -> AttackWorker {
        AttackWorker(victim: ModelVictim(checkpoint: checkpoint, maxLength: maxLength),
                     encoder: encoder.map { MiniLMEncoder(model: $0.model, tokenizer: $0.tokenizer) })
    }

    func runner(_ recipe: Recipe, workers: Int, seed: UInt64) -> AttackRunner {
        AttackRunner(recipe: recipe, workers: workers, seed: seed, wordnet: wordnet) { _ in self.worker() }
    }

    /// Attacks `inputs` with `recipe` on `workers` cores, committing each example to run `runID` under
    /// `storedName` the moment it finishes, and keeping a progress line: `status(result, finished)`
    /// gives its text after each example, before the timing and ETA. Stops early when Ctrl-C is
    /// requested (the caller says what that means). Returns the examples finished and the wall time.
    func attackAndRecord(_ recipe: Recipe, as storedName: String, inputs: [AttackInput], workers: Int, seed: UInt64,
                         store: ResultStore, runID: Int64,
                         status: (ExampleResult, _ finished: Int) -> String) throws -> (finished: Int, seconds: Double) {
        let progress = ProgressLine()
        let started = Date()
        var finished = 0
        try userFacing {
            try runner(recipe, workers: workers, seed: seed).run(inputs, shouldStop: { Interrupt.wasRequested }) { result in
                try store.recordExample(result.record(runID: runID, recipe: storedName))
                finished += 1
                let perExample = Date().timeIntervalSince(started) / Double(finished)
                progress.update(status(result, finished) + String(format: " · %.2f s/example · ETA ", perExample)
                                + formatDuration(perExample * Double(inputs.count - finished)))
            }
        }
        progress.finish()
        return (finished, Date().timeIntervalSince(started))
    }
}

/// `--sample N`: a seeded random subset of a split, in the split's order. A split is often sorted by
/// label (mr's test split lists its positive reviews first), so the first N examples (`--limit`) can be
/// one class only.
enum Sampling {
    static func sample<T>(_ items: [T], count: Int, seed: UInt64) -> [T] {
        guard count < items.count else { return items }
        var order = Array(items.indices)
        var random = SeededRandom(seed: SeededRandom.mix(seed, 0x5A4D_504C))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        return order.prefix(count).sorted().map { items[$0] }
    }
}

/// Loads recipes by name or path, with one-line errors.
enum RecipeLoading {
    static func load(_ references: [String]?) throws -> [Recipe] {
        let library = RecipeLibrary()
        return try userFacing {
            if let references, !references.isEmpty { return try library.load(references) }
            return try library.defaultSuite()
        }
    }

    /// "a,b, c" → ["a", "b", "c"].
    static func split(_ list: String?) -> [String]? {
        guard let list else { return nil }
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Runs recipes over a split inside a results-store run: every finished example is committed at once,
/// a resumed run skips what is already there, and each recipe ends with its summary metrics and curves.
enum AttackSuite {
    struct Outcome {
        var summaries: [AttackSummary]
        var wallSecondsPerExample: [String: Double]
    }

    static func run(_ recipes: [Recipe], setup: AttackSetup, inputs: [AttackInput], store: ResultStore, runID: Int64,
                    options: AttackOptions) throws -> Outcome {
        var outcome = Outcome(summaries: [], wallSecondsPerExample: [:])
        for recipe in recipes {
            let done = try store.completedExampleIndices(run: runID, recipe: recipe.name)
            let pending = inputs.filter { !done.contains($0.index) }
            var finished = 0, successes = 0, attacked = 0
            if !pending.isEmpty {
                let seconds: Double
                (finished, seconds) = try setup.attackAndRecord(
                    recipe, as: recipe.name, inputs: pending, workers: options.workerCount, seed: options.seed,
                    store: store, runID: runID) { result, finished in
                    if result.status == .success { successes += 1 }
                    if result.status == .success || result.status == .failed { attacked += 1 }
                    return "\(recipe.name): \(finished)/\(pending.count)" + (done.isEmpty ? "" : " (+\(done.count) earlier)")
                        + " · success \(successes)/\(attacked)"
                }
                if finished > 0 { outcome.wallSecondsPerExample[recipe.name] = seconds / Double(finished) }
            }
            if Interrupt.wasRequested {
                throw UserError("interrupted during recipe '\(recipe.name)' after \(finished) more example(s); continue with --resume \(runID)")
            }
            let examples = try store.examples(run: runID, recipe: recipe.name)
            try store.recordSummaryMetrics(run: runID, recipe: recipe.name)
            let summary = AttackSummary(recipe: recipe.name, examples: examples)
            try store.recordMetrics(summary.extraMetrics(runID: runID))
            try store.recordCurvePoints(AttackRunner.curvePoints(of: examples, runID: runID, recipe: recipe.name))
            outcome.summaries.append(summary)
        }
        return outcome
    }

    static func json(_ summary: AttackSummary, wall: Double?) -> [String: Any] {
        var object: [String: Any] = [
            "recipe": summary.recipe, "examples": summary.examples, "successful": summary.successful,
            "failed": summary.failed, "skipped": summary.skipped, "clean_wrong": summary.cleanWrong,
            "original_accuracy": summary.originalAccuracy, "accuracy_under_attack": summary.accuracyUnderAttack,
            "words_per_input": summary.wordsPerInput, "seconds_per_example": summary.secondsPerExample,
            "truncated": summary.truncated,
        ]
        if let v = summary.attackSuccessRate { object["attack_success_rate"] = v }
        if let v = summary.perturbedWordFraction { object["perturbed_word_fraction"] = v }
        if let v = summary.queries { object["queries"] = v }
        if let v = summary.similarity { object["similarity"] = v }
        if let v = summary.cacheHitRate { object["cache_hit_rate"] = v }
        if let wall { object["wall_seconds_per_example"] = wall }
        return object
    }
}

struct AttackConfig: Codable {
    var model: String
    var data: String
    var split: String
    var limit: Int?
    var sample: Int?
    var maxLength: Int
    var recipes: [String]
    var seed: UInt64
}

struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Attack one text, or a dataset split, with one recipe.",
        discussion: """
            Recipes are named without .yaml: the built-in ones, and any in a user folder ($ROBUST_ATTACKS_DIR,
            else attacks/ in the working directory), which add to them or override one by name; or give a
            path to a recipe file. `robust attack --list` shows every recipe with where it comes from, and
            every recipe part and its parameters.
            With --text, the changed words are shown: in colour on a terminal, as [[old→new]] otherwise.
            With --data, every example is recorded in the results store as it finishes (--resume RUN
            continues an interrupted run), and the summary is printed as TextAttack's table.
            A text longer than --max-length tokens is attacked as the model sees it (the words past the cut
            are left alone); an empty text, or a label the model does not know, is skipped and counted.
            """)

    @Option(help: "Checkpoint folder.")
    var model: String?

    @Option(help: "Recipe name (built in, or in attacks/ or $ROBUST_ATTACKS_DIR) or recipe file.")
    var recipe: String?

    @Option(help: "Attack this one text.")
    var text: String?

    @Option(help: "The text's gold label (default: the model's prediction on it).")
    var label: String?

    @Option(help: "Dataset to attack instead of --text (a name, folder or CSV/TSV/JSONL file).")
    var data: String?

    @OptionGroup var selection: SplitSelection
    var split: String { selection.split }
    var limit: Int? { selection.limit }
    var sample: Int? { selection.sample }
    var maxLength: Int { selection.maxLength }

    @Option(help: "Continue the interrupted attack run with this id.")
    var resume: Int64?

    @OptionGroup var attackOptions: AttackOptions

    @OptionGroup var database: DatabaseOption

    @Flag(help: "List the recipes and every recipe part with its parameters.")
    var list = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if list { return }
        guard model != nil else { throw ValidationError("give --model CKPT") }
        guard recipe != nil else { throw ValidationError("give --recipe NAME (see robust attack --list)") }
        guard (text == nil) != (data == nil) else { throw ValidationError("give either --text TEXT or --data DATASET") }
        if text != nil && (resume != nil || limit != nil || sample != nil) {
            throw ValidationError("--resume, --limit and --sample go with --data")
        }
    }

    func run() throws {
        if list {
            print(RecipeLibrary().listing() + "\n")
            print(Catalog.listing())
            return
        }
        guard let model, let recipeName = recipe else { return }
        let recipes = try RecipeLoading.load([recipeName])
        let checkpoint = try userFacing { try Checkpoint(directory: URL(fileURLWithPath: model)) }
        if !checkpoint.hasTrainedHead {
            throw UserError("\(model) has no trained classification head; fine-tune it first with robust train")
        }
        let setup = try AttackSetup.prepare(checkpoint: checkpoint, recipes: recipes, encoderPath: attackOptions.encoderPath,
                                            maxLength: maxLength, quiet: json)
        if let text {
            try attackOne(text, recipes: recipes, setup: setup)
        } else {
            try attackData(recipes: recipes, setup: setup, model: model)
        }
    }

    func attackOne(_ text: String, recipes: [Recipe], setup: AttackSetup) throws {
        let labels = setup.checkpoint.labels
        if let label, !labels.contains(label) {
            throw UserError("label '\(label)' is not one of the model's labels (\(labels.joined(separator: ", ")))")
        }
        let worker = setup.worker()
        var gold = label
        if gold == nil {
            let probabilities = try userFacing { try worker.victim.probabilities([worker.victim.tokenIDs(text)]) }
            gold = probabilities.first.flatMap { GoalFunction.argmax($0) }.map { labels[$0] }
        }
        let input = AttackInput(index: 0, text: text, gold: gold ?? labels[0])
        for recipe in recipes {
            try userFacing { try AttackRunner.check(recipe, kit: worker) }
            let result = AttackRunner.attack(input, procedure: recipe.procedure, worker: worker,
                                             lexicon: Lexicon(wordnet: setup.wordnet), seed: attackOptions.seed)
            if json {
                var object: [String: Any] = ["recipe": recipe.name, "text": text, "gold": input.gold,
                                             "status": result.status.rawValue, "clean_prediction": result.cleanPrediction,
                                             "queries": result.queries, "cache_hits": result.cacheHits,
                                             "words_changed": result.wordsChanged, "words_total": result.wordsTotal,
                                             "seconds": result.milliseconds / 1000]
                if let v = result.adversarialText { object["adversarial_text"] = v }
                if let v = result.adversarialPrediction { object["adversarial_prediction"] = v }
                if let v = result.similarity { object["similarity"] = v }
                if let v = result.reason { object["reason"] = v }
                if result.truncated { object["truncated"] = true }
                try JSONOutput.print(object)
                continue
            }
            let sourceNote = label == nil ? " (the model's prediction)" : ""
            print("recipe \(recipe.name): gold \(input.gold)\(sourceNote), clean prediction \(result.cleanPrediction)")
            switch result.status {
            case .cleanWrong:
                print("the model is already wrong on this text; nothing to attack")
            case .skipped:
                print("skipped: \(result.reason ?? "no reason given")")
            case .success, .failed:
                if let adversarial = result.adversarialText {
                    let style: WordDiff.Style = isatty(1) != 0 ? .ansi : .markers
                    print(WordDiff.render(WordDiff.diff(text, adversarial), style: style))
                } else {
                    print(text)
                }
                let verdict = result.status == .success
                    ? "success: \(result.cleanPrediction) → \(result.adversarialPrediction ?? "?")"
                    : "failed: the prediction stays \(result.cleanPrediction)\(result.reason.map { " (\($0))" } ?? "")"
                var facts = ["\(result.wordsChanged)/\(result.wordsTotal) words changed", "\(result.queries) queries",
                             "\(result.cacheHits) cache hits", String(format: "%.3f s", result.milliseconds / 1000)]
                if let similarity = result.similarity { facts.insert(String(format: "similarity %.3f", similarity), at: 1) }
                print("\(verdict); " + facts.joined(separator: ", "))
            }
            if result.truncated { print("note: the text is longer than \(setup.maxLength) tokens; words past the cut were left alone") }
        }
    }

    func attackData(recipes: [Recipe], setup: AttackSetup, model: String) throws {
        guard let dataName = data else { return }
        let dataset = try userFacing {
            try DatasetSplits.resolve(dataName, seed: 42, robustVersion: Robust.version)
        }
        let examples = try selection.examples(of: dataset, seed: attackOptions.seed)
        let inputs = examples.enumerated().map { AttackInput(index: $0.offset, text: $0.element.text, gold: $0.element.label) }
        let store = try RunRecording.openForWriting(database)
        let modelHash = try RunRecording.modelHash(of: model)
        let recipeHash = Recipe.hash(recipes)
        let config = AttackConfig(model: model, data: dataset.name, split: split, limit: limit, sample: sample, maxLength: maxLength,
                                  recipes: recipes.map(\.name), seed: attackOptions.seed)
        var runRecord = try RunRecording.run(kind: .attack, modelHash: modelHash, dataHash: dataset.manifest.contentSHA256,
                                             seed: attackOptions.seed, config: config)
        runRecord.recipeHash = recipeHash
        if let resume {
            try EvalResume.check(store, run: resume, kind: .attack, modelHash: modelHash,
                                 dataHash: dataset.manifest.contentSHA256, recipeHash: recipeHash,
                                 configJSON: runRecord.configJSON)
        }
        Interrupt.install()
        var outcome: AttackSuite.Outcome?
        let runID = try userFacing {
            try store.withRun(runRecord, resuming: resume, interrupted: { Interrupt.wasRequested }) { run in
                outcome = try AttackSuite.run(recipes, setup: setup, inputs: inputs, store: store, runID: run.runID,
                                              options: attackOptions)
                return run.runID
            }
        }
        guard let outcome else { return }
        if json {
            try JSONOutput.print(["run": runID, "model": model, "data": dataset.name, "split": split,
                                  "attacks": outcome.summaries.map { AttackSuite.json($0, wall: outcome.wallSecondsPerExample[$0.recipe]) }])
        } else {
            print(AttackSummary.table(outcome.summaries, wallSecondsPerExample: outcome.wallSecondsPerExample))
            print("\nrun \(runID) recorded in \(database.path)")
        }
    }
}

/// The checks before `--resume`: the run exists, is of this kind, and used the same model, data and recipes.
enum EvalResume {
    static func check(_ store: ResultStore, run id: Int64, kind: RunKind, modelHash: String, dataHash: String,
                      recipeHash: String, configJSON: String) throws {
        let run = try userFacing { try store.run(id) }
        guard run.kind == kind else { throw UserError("run \(id) is a \(run.kind.rawValue) run, not \(kind.rawValue)") }
        guard run.status != .finished else { throw UserError("run \(id) already finished; start a new run instead") }
        guard run.modelHash == modelHash else { throw UserError("run \(id) attacked another model (its weights differ)") }
        guard run.dataHash == dataHash else { throw UserError("run \(id) used other data") }
        guard run.recipeHash == recipeHash else {
            throw UserError("run \(id) used other recipes (or the recipe files changed); resume with the same --recipes")
        }
        guard run.configJSON == configJSON else {
            throw UserError("run \(id) was started with other options (\(run.configJSON)); resume with the same --split, --limit, --sample, --seed and --max-length")
        }
    }
}
