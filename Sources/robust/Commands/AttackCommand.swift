// AttackCommand: `robust attack` attacks one text (showing the changed words) or a dataset split with one
// recipe; the work is `AttackWorkflow`'s.
import ArgumentParser
import Attacks
import Basics
import Datasets
import Foundation
import Reports
import Workflows

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

    @Option(help: "Checkpoint folder (or --endpoint).")
    var model: String?

    @OptionGroup var endpoint: EndpointOptions

    @Option(help: "Recipe name (built in, or in attacks/ or $ROBUST_ATTACKS_DIR) or recipe file.")
    var recipe: String?

    @Option(help: "Attack this one text.")
    var text: String?

    @Option(help: "The text's gold label (default: the model's prediction on it).")
    var label: String?

    @Option(help: "Dataset to attack instead of --text: a name fetched with `robust data fetch`, a dataset folder, or a CSV/TSV/JSONL file (split 80/10/10 by --split-seed).")
    var data: String?

    @OptionGroup var file: UserFileArguments

    @OptionGroup var selection: SplitSelection

    @Option(help: ArgumentHelp("With --data: continue the interrupted attack run with this id; auto: the newest run of this same attack in --db, if unfinished.", valueName: "RUN|auto"))
    var resume: String?

    @OptionGroup var attackOptions: AttackOptions

    @OptionGroup var auditOptions: AuditOptions

    @OptionGroup var database: DatabaseOption

    @OptionGroup var precisionOption: PrecisionOption

    @Flag(help: "List the recipes and every recipe part with its parameters.")
    var list = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    @OptionGroup var shardOptions: ShardOptions

    func validate() throws {
        if list { return }
        guard (model != nil) != endpoint.isSet else { throw ValidationError("give --model CKPT or --endpoint URL") }
        guard recipe != nil else { throw ValidationError("give --recipe NAME (see robust attack --list)") }
        guard (text == nil) != (data == nil) else { throw ValidationError("give either --text TEXT or --data DATASET") }
        if text != nil && (resume != nil || selection.limit != nil || selection.sample != nil || selection.offset != 0) {
            throw ValidationError("--resume, --limit (--num-examples), --sample and --num-examples-offset go with --data")
        }
        _ = try ResumeChoice.parse(resume)
        if text != nil && (shardOptions.shard != nil || shardOptions.shards != nil) {
            throw ValidationError("--shard and --shards go with --data")
        }
    }

    /// The attack settings, with `--precision` (checked against this machine and the classifier).
    func settings() throws -> AttackSettings {
        var settings = endpoint.attackSettings(attackOptions.settings)
        settings.precision = try precisionOption.value(servedModel: endpoint.isSet)
        return settings
    }

    func run() throws {
        if let model, ImageCommands.isImageModel(model), !list {
            guard let data, let recipe else { throw ValidationError("an image model is attacked with --recipe NAME --data DATASET") }
            try ImageCommands.attack(model: model, data: data, selection: selection.selection, recipes: RecipeLoading.split(recipe) ?? [],
                                     corruptions: false, kind: .attack, seed: attackOptions.seed, database: database.path,
                                     resume: resume, json: false)
            return
        }
        let audit = try auditOptions.recipe()
        if list {
            print(RecipeLibrary().listing() + "\n")
            print(Catalog.listing())
            return
        }
        guard let recipeName = recipe else { return }
        let settings = try settings()
        var recipes = try RecipeLoading.load([recipeName])
        if let text {
            let classifier = try endpoint.classifier(model: model, expected: nil, probe: text)
            defer { if case .service(let service) = classifier { service.shutdown() } }
            recipes = try classifier.runnable(recipes, named: true, reporter: TerminalReporter(quiet: json))
            var workflow = AttackWorkflow.OneText(classifier: classifier, recipes: recipes, text: text, maxLength: selection.maxLength,
                                                  attack: settings)
            workflow.gold = label
            workflow.audit = audit
            let outcome = try workflow.run(reporter: TerminalReporter(quiet: json))
            try show(outcome)
        } else if let data {
            let shard = try shardOptions.resolve()
            let databasePath = ShardOptions.database(database, shard: shard)
            let dataset = try file.source(data, splitFile: !selection.selection.readsFilesWhole)
                .load(reporter: TerminalReporter(quiet: json))
            let examples = try selection.examples(of: dataset, seed: attackOptions.seed)
            let classifier = try endpoint.classifier(model: model, expected: dataset.labels, probe: examples.first?.text)
            defer { if case .service(let service) = classifier { service.shutdown() } }
            recipes = try classifier.runnable(recipes, named: true, reporter: TerminalReporter(quiet: json))
            var plan = EvaluationPlan(dataset: dataset, examples: examples, selection: selection.selection,
                                      maxLength: selection.maxLength, suite: recipes, attack: settings)
            plan.database = databasePath
            plan.shard = shard
            plan.audit = audit
            plan.auditRequested = auditOptions.requested
            var workflow = AttackWorkflow.OnData(classifier: classifier, plan: plan)
            let resumed = try ResumeChoice.resolve(try ResumeChoice.parse(resume), plan: plan, kind: .attack, classifier: classifier)
            if let finished = resumed.finished {
                print(finished)
                return
            }
            workflow.resume = resumed.run
            let (runID, outcome) = try workflow.run(reporter: TerminalReporter(quiet: json))
            if json {
                try JSONOutput.print(["run": runID, "model": classifier.name, "data": dataset.name, "split": selection.split,
                                      "attacks": outcome.summaries.map { $0.json(wall: outcome.wallSecondsPerExample[$0.recipe]) }])
            } else {
                print(AttackSummary.table(outcome.summaries, wallSecondsPerExample: outcome.wallSecondsPerExample))
                print("\nrun \(runID) recorded in \(databasePath)" + (shard.map { " (shard \($0); join the shards with robust merge)" } ?? ""))
            }
        }
    }

    /// Prints each recipe's result on the one text: the changed words, the verdict and its cost.
    func show(_ outcome: AttackWorkflow.OneText.Outcome) throws {
        let input = outcome.input, text = input.text
        for (recipe, result) in outcome.results {
            if json {
                var object: [String: Any] = ["recipe": recipe, "text": text, "gold": input.gold,
                                             "status": result.status.rawValue, "clean_prediction": result.cleanPrediction,
                                             "queries": result.queries, "cache_hits": result.cacheHits,
                                             "words_changed": result.wordsChanged, "words_total": result.wordsTotal,
                                             "seconds": result.milliseconds / 1000]
                if let v = result.adversarialText { object["adversarial_text"] = v }
                if let v = result.adversarialPrediction { object["adversarial_prediction"] = v }
                if let v = result.similarity { object["similarity"] = v }
                if let v = result.reason { object["reason"] = v }
                if result.truncated { object["truncated"] = true }
                if let checks = result.exactChecks {
                    object["fp32_checks"] = checks
                    object["fp32_rejections"] = result.exactRejections ?? 0
                }
                if let checks = outcome.validity[recipe], let audit = outcome.audit {
                    object["audit"] = ["audit": audit.name, "valid": checks.allSatisfy(\.passed), "skipped": audit.skipped,
                                       "checks": checks.map { check -> [String: Any] in
                                           ["check": check.check, "value": check.value, "passed": check.passed,
                                            "detail": check.detail.map { $0 as Any } ?? NSNull()]
                                       }] as [String: Any]
                }
                try JSONOutput.print(object)
                continue
            }
            let sourceNote = label == nil ? " (the model's prediction)" : ""
            print("recipe \(recipe): gold \(input.gold)\(sourceNote), clean prediction \(result.cleanPrediction)")
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
                if let checks = result.exactChecks {
                    facts.append("\(checks) re-checked in fp32 (\(result.exactRejections ?? 0) turned down)")
                }
                print("\(verdict); " + facts.joined(separator: ", "))
                if let checks = outcome.validity[recipe], let audit = outcome.audit {
                    let failed = checks.filter { !$0.passed }
                    let skipped = audit.skipped.isEmpty ? "" : " (not checked: \(audit.skipped.joined(separator: ", ")))"
                    print(failed.isEmpty ? "audit \(audit.name): valid\(skipped)"
                          : "audit \(audit.name): invalid — " + failed.map { check in
                              "\(check.check) " + (check.detail ?? String(format: "%.3g", check.value))
                          }.joined(separator: "; ") + skipped)
                }
            }
            if result.truncated { print("note: the text is longer than \(outcome.maxLength) tokens; words past the cut were left alone") }
        }
    }

}
