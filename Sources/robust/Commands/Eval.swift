// Eval: `robust eval` scores a checkpoint on a dataset split — the classification report (per-class
// precision, recall, F1, support; accuracy; macro and weighted averages; confusion matrix) — and then
// runs the attack suite (attacks/default.yaml, or --recipes) on the same examples, all in one
// results-store run. --no-attacks keeps the clean evaluation only.
import Attacks
import Basics
import ArgumentParser
import Datasets
import Foundation
import Results
import Training
import Transformer

struct EvalConfig: Codable {
    var model: String
    var data: String
    var split: String
    var limit: Int?
    var sample: Int?
    var maxLength: Int
    var recipes: [String]?
    var seed: UInt64?
    var offset: Int? = nil
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint on a dataset split, then attack it with the attack suite.",
        discussion: """
            The suite is attacks/default.yaml unless --recipes names recipes (names in attacks/ or recipe files,
            comma-separated). Every example is recorded in the results store as it finishes; --resume RUN
            continues an interrupted run with the same model, data and recipes. Examples whose label the model
            does not know are left out of the clean evaluation and skipped (and counted) by the attacks.
            """)

    @Option(help: "Checkpoint folder.")
    var model: String

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var database: DatabaseOption

    @OptionGroup var selection: SplitSelection
    var split: String { selection.split }
    var limit: Int? { selection.limit }
    var sample: Int? { selection.sample }
    var maxLength: Int { selection.maxLength }

    @Flag(help: "Clean evaluation only (no attacks).")
    var noAttacks = false

    @Option(help: "Attack recipes to run instead of attacks/default.yaml: names or files, comma-separated.")
    var recipes: String?

    @Option(help: "Continue the interrupted eval run with this id.")
    var resume: Int64?

    @OptionGroup var attackOptions: AttackOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if noAttacks && recipes != nil { throw ValidationError("--recipes and --no-attacks contradict each other") }
    }

    func run() throws {
        let checkpoint = try userFacing { try Checkpoint(directory: URL(fileURLWithPath: model)) }
        if !checkpoint.hasTrainedHead {
            throw UserError("\(model) has no trained classification head; fine-tune it first with robust train")
        }
        // Recipes are checked before any work, so a typo fails at once.
        let suite: [Recipe] = noAttacks ? [] : try RecipeLoading.load(RecipeLoading.split(recipes))
        let dataset = try dataOptions.load(splitFile: !selection.selection.readsFilesWhole)
        let examples = try selection.examples(of: dataset, seed: attackOptions.seed)
        let job = EvalJob(model: model, checkpoint: checkpoint, dataset: dataset, examples: examples, selection: selection,
                          suite: suite, attackOptions: attackOptions, database: database, resume: resume, quiet: json)
        let outcome = try job.run()
        let run = outcome.runID, result = outcome.result, attackOutcome = outcome.attacks
        let data = outcome.data, unknownLabels = outcome.unknownLabels
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = try JSONSerialization.jsonObject(with: encoder.encode(result.report))
            var object: [String: Any] = ["run": run, "model": model, "data": dataset.name, "split": split,
                                         "examples": data.examples.count, "skipped_empty": data.skippedEmpty,
                                         "skipped_unknown_label": unknownLabels, "loss": result.loss, "report": report]
            if let attackOutcome {
                object["attacks"] = attackOutcome.summaries.map {
                    AttackSuite.json($0, wall: attackOutcome.wallSecondsPerExample[$0.recipe])
                }
            }
            try JSONOutput.print(object)
        } else {
            if let attackOutcome {
                print("\nattacks on \(examples.count) examples (seed \(attackOptions.seed), \(min(attackOptions.workerCount, examples.count)) worker(s)):")
                print(AttackSummary.table(attackOutcome.summaries, wallSecondsPerExample: attackOutcome.wallSecondsPerExample))
            } else {
                EvalJob.printCleanReport(result, data: data, dataset: dataset, split: split, unknown: unknownLabels, seconds: outcome.seconds)
            }
            print("\nrun \(run) recorded in \(database.path)")
        }
    }
}

/// One evaluation run, as `robust eval` and `robust retrain` (before and after) do it: the clean
/// classification report on the selected examples, then the attack suite on the same examples, all in
/// one results-store run.
struct EvalJob {
    var model: String
    var checkpoint: Checkpoint
    var dataset: DatasetSplits
    var examples: [Example]
    var selection: SplitSelection
    var suite: [Recipe]
    var attackOptions: AttackOptions
    var database: DatabaseOption
    var resume: Int64?
    var parentRunID: Int64?
    var label: String?
    var quiet = false

    struct Outcome {
        var runID: Int64
        var result: Evaluation.Result
        var attacks: AttackSuite.Outcome?
        var data: (examples: [TokenizedExample], kept: [Example], skippedEmpty: Int, truncated: Int)
        var unknownLabels: Int
        var seconds: Double
    }

    func run() throws -> Outcome {
        let split = selection.split
        let known = Set(checkpoint.labels)
        let unknownLabels = examples.filter { !known.contains($0.label) }
        let data = try LabelledData.tokenize(examples.filter { known.contains($0.label) }, split: split,
                                             labels: checkpoint.labels, tokenizer: checkpoint.tokenizer,
                                             maxLength: min(selection.maxLength, checkpoint.config.maxPositions))
        guard !data.examples.isEmpty else {
            if !unknownLabels.isEmpty {
                throw UserError("no example of the \(split) split has a label the model knows (its labels: \(checkpoint.labels.joined(separator: ", ")); the split's: \(Set(examples.map(\.label)).sorted().joined(separator: ", ")))")
            }
            throw UserError("no usable examples in the \(split) split")
        }
        let setup = suite.isEmpty ? nil : try AttackSetup.prepare(checkpoint: checkpoint, recipes: suite, encoderPath: attackOptions.encoderPath,
                                                                  maxLength: selection.maxLength, quiet: quiet)
        let store = try RunRecording.openForWriting(database)
        let modelHash = try RunRecording.modelHash(of: model)
        let dataHash = dataset.manifest.contentSHA256
        let config = EvalConfig(model: model, data: dataset.name, split: split, limit: selection.limit, sample: selection.sample,
                                maxLength: selection.maxLength, recipes: suite.isEmpty ? nil : suite.map(\.name),
                                seed: suite.isEmpty ? nil : attackOptions.seed, offset: selection.recordedOffset)
        var runRecord = try RunRecording.run(kind: .eval, modelHash: modelHash, dataHash: dataHash,
                                             seed: suite.isEmpty ? 0 : attackOptions.seed, config: config, label: label)
        runRecord.parentRunID = parentRunID
        if !suite.isEmpty { runRecord.recipeHash = Recipe.hash(suite) }
        if let resume {
            try EvalResume.check(store, run: resume, kind: .eval, modelHash: modelHash, dataHash: dataHash,
                                 recipeHash: runRecord.recipeHash, configJSON: runRecord.configJSON)
        }
        let inputs = examples.enumerated().map { AttackInput(index: $0.offset, text: $0.element.text, gold: $0.element.label) }
        Interrupt.install()
        var result: Evaluation.Result?
        var attackOutcome: AttackSuite.Outcome?
        var seconds = 0.0
        let run = try userFacing {
            try store.withRun(runRecord, resuming: resume, interrupted: { Interrupt.wasRequested }) { run in
                let started = Date()
                let evaluated = try Evaluation.evaluate(checkpoint.model, examples: data.examples, labels: checkpoint.labels)
                seconds = Date().timeIntervalSince(started)
                try RunRecording.recordClean(store, run: run.runID, examples: data.kept, result: evaluated,
                                             labels: checkpoint.labels, seconds: seconds)
                result = evaluated
                if let setup {
                    if !quiet {
                        EvalJob.printCleanReport(evaluated, data: data, dataset: dataset, split: split, unknown: unknownLabels.count,
                                                 seconds: seconds)
                    }
                    attackOutcome = try AttackSuite.run(suite, setup: setup, inputs: inputs, store: store, runID: run.runID,
                                                        options: attackOptions)
                }
                return run.runID
            }
        }
        guard let result else { throw UserError("evaluation produced no result") }
        return Outcome(runID: run, result: result, attacks: attackOutcome, data: data, unknownLabels: unknownLabels.count,
                       seconds: seconds)
    }

    static func printCleanReport(_ result: Evaluation.Result, data: (examples: [TokenizedExample], kept: [Example], skippedEmpty: Int, truncated: Int),
                                 dataset: DatasetSplits, split: String, unknown: Int, seconds: Double) {
        var notes: [String] = []
        if data.skippedEmpty > 0 { notes.append("\(data.skippedEmpty) empty skipped") }
        if unknown > 0 { notes.append("\(unknown) with labels the model does not know skipped") }
        print("\(dataset.name) \(split): \(data.examples.count) examples\(notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))"), " +
              String(format: "loss %.4f, %.1f examples/s", result.loss, Double(data.examples.count) / max(seconds, 1e-9)))
        print(result.report.rendered())
    }
}
