// AuditRunCommand: `robust audit RUN` re-audits a stored run's successful adversarial examples with an
// audit recipe (without attacking again), records the check values and valid metrics under the audit's
// name, and lists the invalid examples grouped by reason with their changes marked.
import ArgumentParser
import Audit
import Basics
import Foundation
import Reports
import Results
import Workflows

struct AuditRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Audit a stored run again with an audit recipe, and list its invalid adversarial examples by reason.",
        discussion: """
            Every successful attack with an adversarial text is judged by the audit recipe's checks (audits/*.yaml:
            default, morris2020, or a file); each check's value is stored, and the run's valid success rate and
            accuracy under valid attack are recorded beside the raw ones (metric names end in @AUDIT for audits
            other than 'default'). Nothing is attacked again. `robust audit --list` lists the checks.
            """)

    @Argument(help: ArgumentHelp("The run id (see `robust runs`).", valueName: "RUN"))
    var runID: Int64?

    @Option(help: ArgumentHelp("Audit recipe: a name (built in: \(AuditLibrary.builtIn.keys.sorted().joined(separator: ", "))) or a file.",
                               valueName: "NAME"))
    var audit: String = AuditLibrary.defaultName

    @Option(help: "Only these recipes of the run (comma-separated).")
    var recipes: String?

    @Option(help: "Dataset whose training split gives the label words (default: the run's).")
    var data: String?

    @Option(help: ArgumentHelp("Invalid examples shown per reason (0 for none).", valueName: "N"))
    var examples: Int = 3

    @Option(help: ArgumentHelp("Sentence encoder (default: the base model).", valueName: "DIR"))
    var encoder: String?

    @Option(help: "Cores to audit on (default: all).")
    var workers: Int?

    @OptionGroup var database: DatabaseOption

    @Flag(help: "List the checks an audit recipe can use, with their parameters.")
    var list = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if !list && runID == nil { throw ValidationError("give the run to audit (see `robust runs`)") }
        if examples < 0 { throw ValidationError("--examples must be 0 or more") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        if list {
            print("checks:\n" + AuditCatalog.listing())
            print("\naudit recipes: " + AuditLibrary().names().joined(separator: ", "))
            return
        }
        guard let runID else { return }
        var workflow = ReAudit(database: database.path, runID: runID, audit: try RunAudit.load(audit),
                               encoderPath: encoder ?? Defaults.baseModel)
        (workflow.recipes, workflow.data, workflow.workers) = (RecipeLoading.split(recipes), data, workers)
        let outcome = try workflow.run(reporter: TerminalReporter(quiet: json))
        if json {
            try JSONOutput.print(Self.json(outcome, examples: examples))
            return
        }
        print("run \(runID) audited with '\(outcome.audit.name)' (\(outcome.audit.path)) in \(String(format: "%.1f", outcome.seconds)) s"
              + (outcome.labelWords.map { "; label words from \($0)" } ?? ""))
        if !outcome.notAuditable.isEmpty {
            print("not audited (no adversarial text): \(outcome.notAuditable.joined(separator: ", "))")
        }
        guard !outcome.summaries.isEmpty else {
            print("no successful attack with an adversarial text to audit")
            return
        }
        print(Self.table(outcome.summaries))
        guard examples > 0, !outcome.byReason.isEmpty else { return }
        print("\ninvalid examples by reason (an example may fail several checks):")
        for (check, invalid) in outcome.byReason {
            print("\n\(check): \(invalid.count)")
            for item in invalid.prefix(examples) {
                let failed = item.failed.first { $0.checkName == check }
                let value = failed.map { String(format: "%.3g", $0.value) } ?? ""
                print("  \(item.recipe) #\(item.example.exampleIndex) (\(check) \(value)\(failed?.detail.map { "; \($0)" } ?? ""))")
                let diff = WordDiff.diff(item.example.text, item.example.adversarialText ?? "")
                print("    " + WordDiff.render(diff, style: .markers))
            }
            if invalid.count > examples { print("  … \(invalid.count - examples) more") }
        }
    }

    /// Raw and valid numbers side by side, one row per recipe.
    static func table(_ summaries: [AttackSummary]) -> String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
        let header = ["recipe", "successes", "invalid", "success rate", "valid", "acc. under attack", "valid", "top reasons"]
        let rows = summaries.map { summary -> [String] in
            let validity = summary.validity
            return [summary.recipe, String(summary.successful), validity.map { "\($0.invalid)" } ?? "–",
                    percent(summary.attackSuccessRate), percent(validity?.validAttackSuccessRate),
                    percent(summary.accuracyUnderAttack), percent(validity?.accuracyUnderValidAttack),
                    validity?.reasons.prefix(3).map { "\($0.check) \($0.count)" }.joined(separator: ", ") ?? ""]
        }
        return TextTable.render(header: header, rows: rows)
    }

    static func json(_ outcome: ReAudit.Outcome, examples: Int) -> [String: Any] {
        [
            "run": outcome.run.runID, "audit": outcome.audit.name, "audit_path": outcome.audit.path,
            "seconds": outcome.seconds, "not_audited": outcome.notAuditable,
            "label_words": outcome.labelWords ?? NSNull(),
            "recipes": outcome.summaries.map { $0.json(wall: nil) },
            "invalid_by_reason": outcome.byReason.map { check, invalid -> [String: Any] in
                ["check": check, "count": invalid.count,
                 "examples": invalid.prefix(examples).map { item -> [String: Any] in
                     ["recipe": item.recipe, "index": item.example.exampleIndex, "text": item.example.text,
                      "adversarial_text": item.example.adversarialText ?? NSNull(),
                      "failed": item.failed.map { check -> [String: Any] in
                         ["check": check.checkName, "value": check.value, "detail": check.detail.map { $0 as Any } ?? NSNull()]
                     }]
                 }]
            },
        ]
    }
}
