// CompareCommand: `robust compare A B` prints two runs' metrics side by side per recipe, with the differences
// and, for accuracy-like metrics on shared examples, the exact McNemar p-value.
import Analysis
import Basics
import ArgumentParser
import Foundation
import Results

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs' metrics per recipe, with differences and McNemar p-values.",
        discussion: """
            Δ is B − A. For clean_accuracy and accuracy_under_attack, when both runs recorded examples with \
            the same index and the same text, the exact two-sided McNemar test on per-example correctness \
            gives p; "A/B only" counts the shared examples only run A (or only run B) got right. Each valid \
            metric of an audited run (valid_attack_success_rate, accuracy_under_valid_attack, \
            valid_accuracy_at_N_queries, …; "@AUDIT" for audits but the default) follows its raw one.
            """)

    @OptionGroup var database: DatabaseOption

    @Argument(help: "The first run id (A).")
    var a: Int64

    @Argument(help: "The second run id (B).")
    var b: Int64

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let store = try database.queries()
        let (runA, runB, rows) = try store.compare(a, b)
        if json {
            func side(_ metric: MetricRecord?) -> Any {
                guard let metric else { return NSNull() }
                let object: [String: Any] = ["value": metric.value, "low": metric.low ?? NSNull(), "high": metric.high ?? NSNull()]
                return object
            }
            let object: [String: Any] = [
                "a": ResultsCLI.json(runA, recipes: [], metrics: []),
                "b": ResultsCLI.json(runB, recipes: [], metrics: []),
                "rows": rows.map { row -> [String: Any] in
                    ["recipe": row.recipe, "metric": row.metric, "higher_is_better": MetricName.higherIsBetter(row.metric),
                     "a": side(row.a), "b": side(row.b), "delta": row.delta ?? NSNull(),
                     "mcnemar": ResultsCLI.json(row.mcnemar)]
                },
            ]
            try JSONOutput.print(object)
            return
        }
        for (name, run) in [("A", runA), ("B", runB)] {
            print("\(name): run \(run.runID) · \(run.kind.rawValue) · \(store.displayStatus(run)) · model \(ResultsCLI.shortHash(run.modelHash))"
                  + " · \(ResultsCLI.minute(run.startedAt))\(run.label.map { " · \($0)" } ?? "")")
        }
        print("")
        if rows.isEmpty {
            print("neither run has metrics")
            return
        }
        let table = rows.map { row -> [String] in
            let test = row.mcnemar.map { "p=\(ResultFormat.pValue($0.pValue)) (n=\($0.pairs), A only \($0.onlyA), B only \($0.onlyB))" } ?? ""
            return [row.recipe, row.metric + MetricName.arrow(row.metric),
                    row.a.map { ResultFormat.value($0.value) } ?? "—", row.b.map { ResultFormat.value($0.value) } ?? "—",
                    row.delta.map(ResultFormat.signed) ?? "—", test]
        }
        print(TextTable.render(header: ["RECIPE", "METRIC", "A", "B", "Δ (B−A)", "McNEMAR"], rows: table,
                               rightAligned: [2, 3, 4]), terminator: "")
    }
}
