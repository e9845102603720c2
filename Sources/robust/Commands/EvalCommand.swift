// EvalCommand: `robust eval` scores a checkpoint on a dataset split — the classification report (per-class
// precision, recall, F1, support; accuracy; macro and weighted averages; confusion matrix) — and then
// runs the attack suite (attacks/default.yaml, or --recipes) on the same examples, all in one
// results-store run. --no-attacks keeps the clean evaluation only.
import ArgumentParser
import Attacks
import Basics
import Foundation
import Workflows

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on a dataset split, then attack it with the attack suite.",
        discussion: """
            The suite is attacks/default.yaml unless --recipes names recipes (names in attacks/ or recipe files,
            comma-separated). Every example is recorded in the results store as it finishes; --resume RUN
            continues an interrupted run with the same model, data and recipes. Examples whose label the model
            does not know are left out of the clean evaluation and skipped (and counted) by the attacks.
            """)

    @Option(help: "Checkpoint folder (or --endpoint).")
    var model: String?

    @OptionGroup var endpoint: EndpointOptions

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var database: DatabaseOption

    @OptionGroup var selection: SplitSelection

    @Flag(help: "Clean evaluation only (no attacks).")
    var noAttacks = false

    @Option(help: "Attack recipes to run instead of attacks/default.yaml: names or files, comma-separated.")
    var recipes: String?

    @Option(help: ArgumentHelp("Continue the interrupted eval run with this id; auto: the newest run of this same evaluation in --db, if unfinished (nothing to do if it finished, a new run if there is none).", valueName: "RUN|auto"))
    var resume: String?

    @OptionGroup var attackOptions: AttackOptions

    @OptionGroup var auditOptions: AuditOptions

    @OptionGroup var precisionOption: PrecisionOption

    @OptionGroup var shardOptions: ShardOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if noAttacks && recipes != nil { throw ValidationError("--recipes and --no-attacks contradict each other") }
        _ = try ResumeChoice.parse(resume)
    }

    func run() throws {
        if model == nil && !endpoint.isSet { throw ValidationError("give --model CHECKPOINT or --endpoint URL") }
        if let model, ImageCommands.isImageModel(model) {
            // An image model: clean accuracy, the pixel attack suite (attacks/pixel-default.yaml) and common corruptions.
            try ImageCommands.attack(model: model, data: dataOptions.data, selection: selection.selection,
                                     recipes: noAttacks ? [] : RecipeLoading.split(recipes), corruptions: !noAttacks,
                                     kind: .eval, seed: attackOptions.seed, database: database.path, resume: resume, json: json)
            return
        }
        // Recipes are checked before any work, so a typo fails at once.
        let precision = try precisionOption.value(servedModel: endpoint.isSet)
        let shard = try shardOptions.resolve()
        let databasePath = ShardOptions.database(database, shard: shard)
        var suite: [Recipe] = noAttacks ? [] : try RecipeLoading.load(RecipeLoading.split(recipes))
        let audit = noAttacks ? nil : try auditOptions.recipe()
        let dataset = try dataOptions.load(splitFile: !selection.selection.readsFilesWhole)
        let examples = try selection.examples(of: dataset, seed: attackOptions.seed)
        let classifier = try endpoint.classifier(model: model, expected: dataset.labels, probe: examples.first?.text)
        defer { if case .service(let service) = classifier { service.shutdown() } }
        suite = try classifier.runnable(suite, named: recipes != nil, reporter: TerminalReporter(quiet: json))
        var settings = endpoint.attackSettings(attackOptions.settings)
        settings.precision = precision
        var plan = EvaluationPlan(dataset: dataset, examples: examples, selection: selection.selection,
                                  maxLength: selection.maxLength, suite: suite, attack: settings)
        plan.database = databasePath
        plan.shard = shard
        plan.audit = audit
        plan.auditRequested = auditOptions.requested
        var workflow = EvalWorkflow(classifier: classifier, plan: plan)
        let resumed = try ResumeChoice.resolve(try ResumeChoice.parse(resume), plan: plan, kind: .eval, classifier: classifier)
        if let finished = resumed.finished {
            print(finished)
            return
        }
        workflow.resume = resumed.run
        let outcome = try workflow.run(reporter: TerminalReporter(quiet: json))
        if json {
            let report = try JSONSerialization.jsonObject(with: JSONCoding.encoder().encode(outcome.result.report))
            var object: [String: Any] = ["run": outcome.runID, "model": classifier.name, "data": dataset.name, "split": selection.split,
                                         "examples": outcome.data.examples.count, "skipped_empty": outcome.data.skippedEmpty,
                                         "skipped_unknown_label": outcome.unknownLabels, "loss": outcome.result.loss, "report": report]
            if let attacks = outcome.attacks {
                object["attacks"] = attacks.summaries.map { $0.json(wall: attacks.wallSecondsPerExample[$0.recipe]) }
            }
            if !outcome.agreements.isEmpty { object["precision_agreement"] = outcome.agreements.map(\.json) }
            try JSONOutput.print(object)
            return
        }
        if let attacks = outcome.attacks {
            print("\nattacks on \(plan.memberIndices.count)\(shard.map { " of \(examples.count) examples (shard \($0))" } ?? " examples") (seed \(attackOptions.seed), \(min(attackOptions.settings.workerCount, examples.count)) worker(s)):")
            print(AttackSummary.table(attacks.summaries, wallSecondsPerExample: attacks.wallSecondsPerExample))
        } else {
            print(EvalWorkflow.cleanReport(outcome.result, data: outcome.data, dataset: dataset.name, split: selection.split,
                                           unknown: outcome.unknownLabels, seconds: outcome.seconds))
            for agreement in outcome.agreements { print(agreement.line) }
        }
        print("\nrun \(outcome.runID) recorded in \(databasePath)"
              + (shard.map { "; when every shard has finished: robust merge SHARD.db… --into RUN.db (this is shard \($0))" } ?? ""))
    }
}
