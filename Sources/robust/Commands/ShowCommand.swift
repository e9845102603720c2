// ShowCommand: `robust show RUN` prints a run's provenance, its metrics with intervals per recipe (each valid
// number right after its raw one), each audit's invalid count and top reasons, the accuracy within query
// budgets, its curves, and its most telling examples (successful attacks with the fewest words changed).
import Reports
import Analysis
import Basics
import ArgumentParser
import Foundation
import Results

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a run: its configuration, metrics with 95% intervals, and its most telling examples.")

    @OptionGroup var database: DatabaseOption

    @Argument(help: ArgumentHelp("The run id (see `robust runs`).", valueName: "RUN"))
    var runID: Int64

    @Option(help: "Only this recipe.")
    var recipe: String?

    @Option(help: ArgumentHelp("Show this many examples per recipe (0 for none).", valueName: "N"))
    var examples: Int = 5

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard examples >= 0 else { throw ValidationError("--examples must be 0 or more") }
    }

    func run() throws {
        let store = try database.queries()
        let details = try store.details(run: runID, recipe: recipe, examples: examples)
        let (record, counts, allRecipes, recipes) = (details.run, details.counts, details.allRecipes, details.recipes)
        let (metrics, curves, telling) = (details.metrics, details.curves, details.telling)
        let metricsByRecipe = Dictionary(grouping: metrics, by: \.recipe)
        let curvesByRecipe = Dictionary(grouping: curves, by: \.recipe)

        if json {
            var object = ResultsCLI.json(record, recipes: allRecipes, metrics: metrics, abandoned: store.isAbandoned(record))
            if !details.shards.isEmpty {
                object["shards"] = details.shards.map { ["index": $0.shardIndex, "count": $0.shardCount, "source": $0.sourcePath,
                                                         "source_run": $0.sourceRunID, "child_run": $0.childRunID.map { $0 as Any } ?? NSNull(),
                                                         "examples": $0.examples, "digest": $0.digest] as [String: Any] }
            }
            object["recipe_details"] = recipes.map { name -> [String: Any] in
                let recipeCurves = Dictionary(grouping: curvesByRecipe[name] ?? [], by: \.curve)
                return [
                    "recipe": name,
                    "counts": Dictionary(uniqueKeysWithValues: (counts[name] ?? [:]).map { ($0.key.rawValue, $0.value) }),
                    "metrics": (metricsByRecipe[name] ?? []).map(ResultsCLI.json),
                    "audits": (details.verdicts[name] ?? []).map { verdicts -> [String: Any] in
                        let metric = { (base: String) -> Any in
                            (metricsByRecipe[name] ?? []).first { $0.name == MetricName.audited(base, audit: verdicts.audit) }?.value ?? NSNull()
                        }
                        return ["audit": verdicts.audit, "audited": verdicts.audited.count, "invalid": verdicts.failedChecks.count,
                                "reasons": verdicts.reasons().map { ["check": $0.check, "count": $0.count] as [String: Any] },
                                MetricName.validAttackSuccessRate: metric(MetricName.validAttackSuccessRate),
                                MetricName.accuracyUnderValidAttack: metric(MetricName.accuracyUnderValidAttack)]
                    },
                    "budget": details.budget[name].map { rows -> Any in
                        let object: [String: Any] = [
                            "budgets": BudgetMetrics.budgets, "auc_range": [0, BudgetMetrics.aucLimit],
                            "rows": rows.map { row -> [String: Any] in
                                ["audit": row.audit ?? NSNull(),
                                 "accuracy_at": Dictionary(uniqueKeysWithValues: row.accuracy.map { (String($0.key), $0.value) }),
                                 "auc": row.auc ?? NSNull()]
                            },
                        ]
                        return object
                    } ?? NSNull(),
                    "curves": recipeCurves.keys.sorted().map { curve -> [String: Any] in
                        let points = recipeCurves[curve]!
                        return ["curve": curve, "x_name": points[0].xName, "y_name": points[0].yName,
                                "points": points.map { [$0.x, $0.y] }]
                    },
                    "telling_examples": (telling[name] ?? []).map { example -> [String: Any] in
                        ["index": example.exampleIndex, "text": example.text, "gold": example.gold,
                         "clean_prediction": example.cleanPrediction,
                         "adversarial_text": example.adversarialText ?? NSNull(),
                         "adversarial_prediction": example.adversarialPrediction ?? NSNull(),
                         "words_changed": example.wordsChanged, "words_total": example.wordsTotal,
                         "queries": example.queries, "similarity": example.similarity ?? NSNull(),
                         "diff": WordDiff.render(WordDiff.diff(example.text, example.adversarialText ?? example.text), style: .markers)]
                    },
                ]
            }
            try JSONOutput.print(object)
            return
        }

        print(header(record, status: store.displayStatus(record), shards: details.shardLine))
        for name in recipes {
            print("")
            let recipeCounts = counts[name] ?? [:]
            let total = recipeCounts.values.reduce(0, +)
            let breakdown = ExampleStatus.allCases.compactMap { status in
                recipeCounts[status].map { "\($0) \(status.rawValue)" }
            }.joined(separator: ", ")
            print("recipe \(name): \(total) example\(total == 1 ? "" : "s")\(breakdown.isEmpty ? "" : " (\(breakdown))")")
            // Budget numbers and (for an audited recipe) the audits' counts get lines of their own below.
            let audited = details.verdicts[name] != nil
            let recipeMetrics = (metricsByRecipe[name] ?? []).filter {
                !BudgetMetrics.isBudgetMetric($0.name) && !(audited && MetricName.isAuditCount($0.name))
            }
            if recipeMetrics.isEmpty {
                if details.budget[name] == nil { print("  no metrics recorded") }
            } else {
                let rows = recipeMetrics.map { metric -> [String] in
                    let interval = metric.low.flatMap { low in
                        metric.high.map { "[\(ResultFormat.value(low)), \(ResultFormat.value($0))]" }
                    } ?? ""
                    return [metric.name + MetricName.arrow(metric.name),
                            ResultFormat.value(metric.value), interval]
                }
                print(TextTable.render(header: ["metric", "value", "95% interval"], rows: rows, rightAligned: [1], indent: "  "),
                      terminator: "")
            }
            for verdicts in details.verdicts[name] ?? [] {
                let reasons = verdicts.reasons()
                let top = reasons.prefix(5).map { "\($0.check) \($0.count)" }.joined(separator: ", ") + (reasons.count > 5 ? ", …" : "")
                print("  audit \(verdicts.audit): \(verdicts.failedChecks.count) of \(verdicts.audited.count) audited successes judged invalid"
                      + (top.isEmpty ? "" : "; top reasons: \(top)"))
            }
            if let budget = details.budget[name] {
                print("  accuracy within a query budget (attack stopped after N queries per example; mean over 0–\(BudgetMetrics.aucLimit)):")
                let rows = budget.map { row -> [String] in
                    [row.audit.map { MetricName.audited("valid", audit: $0) } ?? "raw"]
                        + BudgetMetrics.budgets.map { row.accuracy[$0].map(ResultFormat.value) ?? "—" }
                        + [row.auc.map(ResultFormat.value) ?? "—"]
                }
                print(TextTable.render(header: ["N ="] + BudgetMetrics.budgets.map(String.init) + ["mean 0–\(BudgetMetrics.aucLimit)"],
                                       rows: rows, rightAligned: Set(1...(BudgetMetrics.budgets.count + 1)), indent: "    "),
                      terminator: "")
            }
            let recipeCurves = Dictionary(grouping: curvesByRecipe[name] ?? [], by: \.curve)
            for curve in recipeCurves.keys.sorted() {
                let points = recipeCurves[curve]!
                print("  curve \(curve): \(points.count) point\(points.count == 1 ? "" : "s"), \(points[0].yName) against \(points[0].xName)")
            }
            let shown = telling[name] ?? []
            if examples > 0 && recipeCounts[.success] != nil {
                print("  most telling examples (successful attacks, fewest words changed):")
                let colour = ResultsCLI.colourOnStdout
                for example in shown {
                    var facts = ["\(example.wordsChanged)/\(example.wordsTotal) words", "\(example.queries) queries"]
                    if let similarity = example.similarity { facts.append("similarity \(String(format: "%.2f", similarity))") }
                    print("  #\(example.exampleIndex)  \(example.gold): \(example.cleanPrediction) → \(example.adversarialPrediction ?? "?")  "
                          + facts.joined(separator: " · "))
                    let segments = WordDiff.diff(example.text, example.adversarialText ?? example.text)
                    print("      " + WordDiff.render(segments, style: colour ? .ansi : .markers))
                }
            }
        }
    }

    private func header(_ run: RunRecord, status: String, shards: String?) -> String {
        var lines: [String] = []
        var when = "started \(ResultsCLI.second(run.startedAt))"
        if let finished = run.finishedAt {
            when += ", ended \(ResultsCLI.second(finished)) (\(ResultsCLI.duration(finished.timeIntervalSince(run.startedAt))))"
        }
        lines.append("run \(run.runID) · \(run.kind.rawValue) · \(status) · \(when)")
        var fields: [(String, String)] = []
        if let label = run.label { fields.append(("label", label)) }
        if let failure = run.failure { fields.append(("failure", failure)) }
        fields.append(("model", run.modelHash.isEmpty ? "—" : run.modelHash))
        fields.append(("data", run.dataHash.isEmpty ? "—" : run.dataHash))
        fields.append(("recipes", run.recipeHash.isEmpty ? "—" : run.recipeHash))
        fields.append(("seed", String(run.seed)))
        fields.append(("robust", run.robustVersion + (run.gitCommit.map { " (git \(String($0.prefix(12))))" } ?? "")))
        if let parent = run.parentRunID { fields.append(("parent", "run \(parent)")) }
        if let shards { fields.append(("shards", shards)) }
        if !run.commandLine.isEmpty { fields.append(("command", run.commandLine)) }
        if run.configJSON != "{}" && !run.configJSON.isEmpty { fields.append(("config", run.configJSON)) }
        let width = fields.map(\.0.count).max() ?? 0
        for (name, value) in fields {
            lines.append("  " + name + String(repeating: " ", count: width - name.count) + "  " + value)
        }
        return lines.joined(separator: "\n")
    }
}
