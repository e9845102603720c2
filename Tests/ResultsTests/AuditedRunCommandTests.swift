// AuditedRunCommandTests: the built `robust` on audited runs — `runs`, `show` (text and JSON) and `compare`
// show each valid number beside its raw one, the audits' top reasons and the budget numbers; `baseline save`
// and `gate` judge the valid metrics. The store is written through the Results API, no model involved.
import Foundation
import TestSupport
import XCTest
@testable import Analysis
@testable import Results

final class AuditedRunCommandTests: XCTestCase {
    /// Twenty examples: every 5th clean-wrong; the others attacked with 10 × index queries, the odd ones
    /// successfully (1, 3, 7, 9, 11, 13, 17, 19). Audit "default" judges 1 and 3 antonyms and 7 too far in
    /// meaning (when `invalid`), audit "morris2020" only 1.
    ///
    /// By hand, with `invalid`: raw success 8/16 = 0.5, valid 5/16 = 0.3125 (morris2020: 7/16 = 0.4375);
    /// accuracy under attack 8/20 = 0.4, under valid attack 11/20 = 0.55. Accuracy within 25, 50, 100, 200
    /// queries: raw 0.75, 0.7, 0.6, 0.4, area 8.8/20 = 0.44; valid 0.8, 0.8, 0.75, 0.55, area 11.69/20 = 0.5845;
    /// morris2020 0.8, 0.75, 0.65, 0.45, area 9.79/20 = 0.4895.
    func recordRun(_ store: ResultStore, invalid: Bool, label: String) throws -> Int64 {
        let run = try store.beginRun(sampleRun(kind: .eval, model: "feed\(invalid ? 1 : 2)", label: label)).runID
        var examples: [ExampleRecord] = []
        for i in 0..<20 {
            let cleanWrong = i % 5 == 0, success = !cleanWrong && i % 2 == 1
            let example = ExampleRecord(runID: run, recipe: "wordswap", exampleIndex: i, text: "the film number \(i) was fine",
                                        gold: "pos", cleanPrediction: cleanWrong ? "neg" : "pos",
                                        adversarialText: success ? "the film number \(i) was okay" : nil,
                                        adversarialPrediction: success ? "neg" : nil,
                                        status: cleanWrong ? .cleanWrong : (success ? .success : .failed),
                                        queries: cleanWrong ? 0 : 10 * i, wordsChanged: success ? 1 : 0, wordsTotal: 6)
            try store.recordExample(example)
            examples.append(example)
        }
        var checks: [AuditCheckRecord] = []
        for example in examples where example.status == .success {
            let i = example.exampleIndex
            func check(_ audit: String, _ name: String, fails: Bool) -> AuditCheckRecord {
                AuditCheckRecord(runID: run, recipe: "wordswap", exampleIndex: i, audit: audit, checkName: name,
                                 value: fails ? 1 : 0, passed: !fails)
            }
            checks += [check("default", "antonym", fails: invalid && (i == 1 || i == 3)),
                       check("default", "sentence-cosine", fails: invalid && i == 7),
                       check("morris2020", "sentence-cosine", fails: invalid && i == 1)]
        }
        for audit in ["default", "morris2020"] {
            try store.recordAudit(AuditRecord(runID: run, audit: audit, recipeHash: "h-\(audit)"),
                                  checks: checks.filter { $0.audit == audit })
        }
        try store.recordSummaryMetrics(run: run, recipe: "wordswap")
        var metrics: [MetricRecord] = []
        for audit in ["default", "morris2020"] {
            let verdicts = AuditVerdicts(audit: audit, checks: try store.auditChecks(run: run, audit: audit, recipe: "wordswap"))
            metrics += ValidityMetrics.metrics(of: examples, verdicts: verdicts, run: run, recipe: "wordswap")
            metrics += BudgetMetrics.metrics(of: examples, verdicts: verdicts, run: run, recipe: "wordswap")
                .filter { audit == "default" || $0.name.contains("@") }
        }
        try store.recordMetrics(metrics)
        try store.markRun(run, status: .finished)
        return run
    }

    func makeDatabase(_ folder: URL) throws -> (path: String, audited: Int64, allValid: Int64) {
        let path = folder.appendingPathComponent("robust.db").path
        let store = try ResultStore(path: path)
        let audited = try recordRun(store, invalid: true, label: "audited")
        let allValid = try recordRun(store, invalid: false, label: "all valid")
        return (path, audited, allValid)
    }

    /// The whitespace-separated words of each line.
    func words(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    func testShowRunsAndCompareSetValidBesideRaw() throws {
        let folder = try temporaryFolder(self)
        let (db, audited, allValid) = try makeDatabase(folder)
        let environment = ["ROBUST_DB": db]

        let list = try runRobust(["runs"], folder: folder, environment: environment)
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("wordswap acc 0.4000 (valid 0.5500)"), list.stdout)
        XCTAssertTrue(list.stdout.contains("wordswap acc 0.4000 (valid 0.4000)"), list.stdout)

        let show = try runRobust(["show", "\(audited)", "--examples", "1"], folder: folder, environment: environment)
        XCTAssertEqual(show.status, 0, show.stderr)
        let lines = words(show.stdout)
        func row(_ first: String) -> [String]? { lines.first { $0.first == first } }
        func position(_ first: String) throws -> Int { try XCTUnwrap(lines.firstIndex { $0.first == first }, first + "\n" + show.stdout) }
        // Each valid metric right after its raw one, the default audit first.
        XCTAssertEqual(try position("accuracy_under_valid_attack"), try position("accuracy_under_attack") + 1)
        XCTAssertEqual(try position("accuracy_under_valid_attack@morris2020"), try position("accuracy_under_attack") + 2)
        XCTAssertEqual(try position("valid_attack_success_rate"), try position("attack_success_rate") + 1)
        XCTAssertEqual(row("valid_attack_success_rate")?.prefix(3), ["valid_attack_success_rate", "↓", "0.3125"])
        XCTAssertEqual(row("valid_attack_success_rate@morris2020")?.prefix(3), ["valid_attack_success_rate@morris2020", "↓", "0.4375"])
        XCTAssertEqual(row("accuracy_under_valid_attack")?.prefix(3), ["accuracy_under_valid_attack", "↑", "0.5500"])
        // The audits, with their top reasons; per-check counts and budget metrics are not repeated in the table.
        XCTAssertTrue(show.stdout.contains("  audit default: 3 of 8 audited successes judged invalid; top reasons: antonym 2, sentence-cosine 1\n"),
                      show.stdout)
        XCTAssertTrue(show.stdout.contains("  audit morris2020: 1 of 8 audited successes judged invalid; top reasons: sentence-cosine 1\n"),
                      show.stdout)
        XCTAssertNil(row("invalid[antonym]"), show.stdout)
        XCTAssertNil(row("invalid_successes"), show.stdout)
        XCTAssertNil(row("audited_successes@morris2020"), show.stdout)
        XCTAssertNil(row("accuracy_at_25_queries"), show.stdout)
        // The budget table.
        XCTAssertTrue(show.stdout.contains("accuracy within a query budget"), show.stdout)
        XCTAssertEqual(row("N"), ["N", "=", "25", "50", "100", "200", "mean", "0–1000"])
        XCTAssertEqual(row("raw"), ["raw", "0.7500", "0.7000", "0.6000", "0.4000", "0.4400"])
        XCTAssertEqual(row("valid"), ["valid", "0.8000", "0.8000", "0.7500", "0.5500", "0.5845"])
        XCTAssertEqual(row("valid@morris2020"), ["valid@morris2020", "0.8000", "0.7500", "0.6500", "0.4500", "0.4895"])

        let json = try runRobust(["show", "\(audited)", "--json"], folder: folder, environment: environment)
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let details = try XCTUnwrap((object["recipe_details"] as? [[String: Any]])?.first)
        let audits = try XCTUnwrap(details["audits"] as? [[String: Any]])
        XCTAssertEqual(audits.map { $0["audit"] as? String }, ["default", "morris2020"])
        XCTAssertEqual(audits[0]["audited"] as? Int, 8)
        XCTAssertEqual(audits[0]["invalid"] as? Int, 3)
        XCTAssertEqual(audits[0]["valid_attack_success_rate"] as? Double, 0.3125)
        XCTAssertEqual(audits[0]["accuracy_under_valid_attack"] as? Double, 0.55)
        let reasons = try XCTUnwrap(audits[0]["reasons"] as? [[String: Any]])
        XCTAssertEqual(reasons.map { "\($0["check"] ?? "") \($0["count"] ?? "")" }, ["antonym 2", "sentence-cosine 1"])
        let budget = try XCTUnwrap(details["budget"] as? [String: Any])
        XCTAssertEqual(budget["budgets"] as? [Int], [25, 50, 100, 200])
        XCTAssertEqual(budget["auc_range"] as? [Int], [0, 1000])
        let budgetRows = try XCTUnwrap(budget["rows"] as? [[String: Any]])
        XCTAssertEqual(budgetRows.map { $0["audit"] as? String }, [nil, "default", "morris2020"])
        XCTAssertEqual(try XCTUnwrap(budgetRows[1]["auc"] as? Double), 0.5845, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap((budgetRows[0]["accuracy_at"] as? [String: Double])?["100"]), 0.6, accuracy: 1e-12)

        let compare = try runRobust(["compare", "\(audited)", "\(allValid)"], folder: folder, environment: environment)
        XCTAssertEqual(compare.status, 0, compare.stderr)
        let rows = words(compare.stdout).filter { $0.first == "wordswap" }
        func at(_ metric: String) throws -> Int { try XCTUnwrap(rows.firstIndex { $0.count > 1 && $0[1] == metric }, metric + "\n" + compare.stdout) }
        XCTAssertEqual(try at("valid_attack_success_rate"), try at("attack_success_rate") + 1)
        XCTAssertEqual(try at("valid_attack_success_rate@morris2020"), try at("attack_success_rate") + 2)
        XCTAssertEqual(try at("valid_accuracy_at_100_queries"), try at("accuracy_at_100_queries") + 1)
        XCTAssertEqual(rows[try at("valid_attack_success_rate")].prefix(6),
                       ["wordswap", "valid_attack_success_rate", "↓", "0.3125", "0.5000", "+0.1875"])
        XCTAssertEqual(rows[try at("attack_success_rate")].prefix(6), ["wordswap", "attack_success_rate", "↓", "0.5000", "0.5000", "0.0000"])
        // The audit's counts have no better direction: no arrow.
        XCTAssertEqual(rows[try at("invalid_successes")].prefix(4), ["wordswap", "invalid_successes", "3.0000", "0.0000"])
        XCTAssertEqual(rows[try at("invalid[antonym]")].prefix(4), ["wordswap", "invalid[antonym]", "2.0000", "—"])
    }

    func testBaselineAndGateOnTheValidMetrics() throws {
        let folder = try temporaryFolder(self)
        let (db, audited, allValid) = try makeDatabase(folder)
        let environment = ["ROBUST_DB": db]
        let save = try runRobust(["baseline", "save", "\(audited)", "--out", "baselines/audited.json"], folder: folder, environment: environment)
        XCTAssertEqual(save.status, 0, save.stderr)
        let text = try String(contentsOf: folder.appendingPathComponent("baselines/audited.json"), encoding: .utf8)
        for name in ["valid_attack_success_rate", "valid_attack_success_rate@morris2020", "accuracy_under_valid_attack",
                     "accuracy_at_25_queries", "valid_accuracy_at_200_queries", "accuracy_vs_queries_auc",
                     "valid_accuracy_vs_queries_auc@morris2020"] {
            XCTAssertTrue(text.contains("\"name\": \"\(name)\""), name)
        }
        XCTAssertFalse(text.contains("invalid["), "the audit's counts are not gated")
        XCTAssertFalse(text.contains("\"invalid_successes\""))

        let same = try runRobust(["gate", "--baseline", "baselines/audited.json", "\(audited)"], folder: folder, environment: environment)
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        XCTAssertTrue(same.stdout.contains("| wordswap | valid_attack_success_rate ↓ | 0.3125 | 0.3125 | 0.0000 | ±0.0200 | ✅ ok |"), same.stdout)

        // The same raw results, but every success valid: the valid metrics regress, the raw ones do not.
        let worse = try runRobust(["gate", "--baseline", "baselines/audited.json", "\(allValid)"], folder: folder, environment: environment)
        XCTAssertEqual(worse.status, 1, worse.stdout + worse.stderr)
        XCTAssertTrue(worse.stdout.contains("| wordswap | valid_attack_success_rate ↓ | 0.3125 | 0.5000 | +0.1875 | ±0.0200 | ❌ regression |"), worse.stdout)
        XCTAssertTrue(worse.stdout.contains("| wordswap | valid_accuracy_vs_queries_auc ↑ | 0.5845 | 0.4400 | −0.1445 | ±0.0200 | ❌ regression |"), worse.stdout)
        XCTAssertTrue(worse.stdout.contains("| wordswap | attack_success_rate ↓ | 0.5000 | 0.5000 | 0.0000 | ±0.0200 | ✅ ok |"), worse.stdout)
        XCTAssertTrue(worse.stdout.contains("**Result: FAIL**"), worse.stdout)
    }
}
