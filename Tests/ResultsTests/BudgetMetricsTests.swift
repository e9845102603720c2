// BudgetMetricsTests: the stored budget metrics (accuracy at 25/50/100/200 queries and the normalised area
// under the accuracy-vs-queries curve over [0, 1000]) on six examples computed by hand, raw and under an
// audit; their names, directions and order beside the valid metrics; reading them back for display; and
// a round trip through a store holding examples and audit check values.
import Foundation
import TestSupport
import XCTest
@testable import Analysis
@testable import Results

final class BudgetMetricsTests: XCTestCase {
    func example(_ index: Int, _ status: ExampleStatus, queries: Int, run: Int64 = 1) -> ExampleRecord {
        let wrong = status == .cleanWrong
        return ExampleRecord(runID: run, recipe: "toy", exampleIndex: index, text: "text \(index)", gold: "pos",
                             cleanPrediction: wrong ? "neg" : "pos", adversarialText: status == .success ? "txt \(index)" : nil,
                             adversarialPrediction: status == .success ? "neg" : nil, status: status, queries: queries,
                             wordsChanged: status == .success ? 1 : 0, wordsTotal: 5)
    }

    /// 0 clean-wrong; 1 a failed attack after 300 queries; successes after 10, 60, 150 and 1500 queries
    /// (2, 3, 4, 5). The audit judges the success on 3 invalid (it fails "antonym").
    var six: [ExampleRecord] {
        [example(0, .cleanWrong, queries: 0), example(1, .failed, queries: 300), example(2, .success, queries: 10),
         example(3, .success, queries: 60), example(4, .success, queries: 150), example(5, .success, queries: 1500)]
    }

    func checks(audit: String = "default", run: Int64 = 1) -> [AuditCheckRecord] {
        var checks: [AuditCheckRecord] = []
        for index in [2, 3, 4, 5] {
            let invalid = index == 3
            checks.append(AuditCheckRecord(runID: run, recipe: "toy", exampleIndex: index, audit: audit, checkName: "antonym",
                                           value: invalid ? 1 : 0, passed: !invalid, detail: invalid ? "good → bad" : nil))
            checks.append(AuditCheckRecord(runID: run, recipe: "toy", exampleIndex: index, audit: audit, checkName: "sentence-cosine",
                                           value: 0.9, passed: true))
        }
        return checks
    }

    func values(_ metrics: [MetricRecord]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: metrics.map { ($0.name, $0.value) })
    }

    func testRawAndValidBudgetMetricsOnSixExamplesComputedByHand() throws {
        let verdicts = AuditVerdicts(audit: "default", checks: checks())
        let metrics = BudgetMetrics.metrics(of: six, verdicts: verdicts, run: 7, recipe: "toy")
        XCTAssertEqual(metrics.map(\.name), [
            "accuracy_at_25_queries", "accuracy_at_50_queries", "accuracy_at_100_queries", "accuracy_at_200_queries",
            "accuracy_vs_queries_auc",
            "valid_accuracy_at_25_queries", "valid_accuracy_at_50_queries", "valid_accuracy_at_100_queries",
            "valid_accuracy_at_200_queries", "valid_accuracy_vs_queries_auc",
        ])
        XCTAssertTrue(metrics.allSatisfy { $0.runID == 7 && $0.recipe == "toy" })
        let v = values(metrics)
        // Raw: 5 of 6 right on the clean text; the successes break 2 (at 10), 3 (60), 4 (150), 5 (1500).
        XCTAssertEqual(try XCTUnwrap(v["accuracy_at_25_queries"]), 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(v["accuracy_at_50_queries"]), 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(v["accuracy_at_100_queries"]), 3.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(v["accuracy_at_200_queries"]), 2.0 / 6, accuracy: 1e-12)
        // Area over [0, 1000]: 5/6 on [0, 10), 4/6 on [10, 60), 3/6 on [60, 150), 2/6 on [150, 1000]
        // (the break at 1500 is outside) = (10·5 + 50·4 + 90·3 + 850·2) / 6 / 1000 = 2220 / 6000 = 0.37.
        XCTAssertEqual(try XCTUnwrap(v["accuracy_vs_queries_auc"]), 0.37, accuracy: 1e-12)
        // Valid: the success on 3 is invalid, so it never breaks its example.
        XCTAssertEqual(try XCTUnwrap(v["valid_accuracy_at_25_queries"]), 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(v["valid_accuracy_at_50_queries"]), 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(v["valid_accuracy_at_100_queries"]), 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(v["valid_accuracy_at_200_queries"]), 3.0 / 6, accuracy: 1e-12)
        // 5/6 on [0, 10), 4/6 on [10, 150), 3/6 on [150, 1000] = (50 + 560 + 2550) / 6000 = 0.52666…
        XCTAssertEqual(try XCTUnwrap(v["valid_accuracy_vs_queries_auc"]), 3160.0 / 6000, accuracy: 1e-12)
        for metric in metrics {
            let low = try XCTUnwrap(metric.low), high = try XCTUnwrap(metric.high)
            XCTAssertTrue(0 <= low && low <= metric.value && metric.value <= high && high <= 1, "\(metric)")
        }
        // Same inputs, same intervals.
        XCTAssertEqual(BudgetMetrics.metrics(of: six, verdicts: verdicts, run: 7, recipe: "toy"), metrics)
    }

    func testTheMetricsAreTheCurveReadAtTheBudgets() throws {
        let verdicts = AuditVerdicts(audit: "default", checks: checks())
        let v = values(BudgetMetrics.metrics(of: six, verdicts: verdicts, run: 1, recipe: "toy"))
        let raw = try XCTUnwrap(BudgetCurves.accuracyVsQueries(six))
        let valid = try XCTUnwrap(BudgetCurves.accuracyVsQueries(six, verdicts: verdicts))
        XCTAssertEqual(valid, [CurvePoint(x: 0, y: 5.0 / 6), CurvePoint(x: 10, y: 4.0 / 6), CurvePoint(x: 150, y: 3.0 / 6),
                               CurvePoint(x: 1500, y: 2.0 / 6)])
        for budget in BudgetMetrics.budgets {
            XCTAssertEqual(BudgetCurves.value(of: raw, at: Double(budget)), v[BudgetMetrics.accuracyAt(budget)])
            XCTAssertEqual(BudgetCurves.value(of: valid, at: Double(budget)), v[BudgetMetrics.validAccuracyAt(budget)])
        }
        // The unlimited budget gives the raw and valid accuracy under attack.
        let summary = values(RecipeSummary.metrics(of: six, run: 1, recipe: "toy")
                             + ValidityMetrics.metrics(of: six, verdicts: verdicts, run: 1, recipe: "toy"))
        XCTAssertEqual(raw.last?.y, summary[MetricName.accuracyUnderAttack])
        XCTAssertEqual(valid.last?.y, summary[MetricName.accuracyUnderValidAttack])
    }

    func testOtherAuditsAreNamedWithTheirAuditAndUnauditedOrQuerylessRecipesGetLess() {
        let morris = AuditVerdicts(audit: "morris2020", checks: checks(audit: "morris2020"))
        let names = BudgetMetrics.metrics(of: six, verdicts: morris, run: 1, recipe: "toy").map(\.name)
        XCTAssertEqual(names.suffix(5), ["valid_accuracy_at_25_queries@morris2020", "valid_accuracy_at_50_queries@morris2020",
                                         "valid_accuracy_at_100_queries@morris2020", "valid_accuracy_at_200_queries@morris2020",
                                         "valid_accuracy_vs_queries_auc@morris2020"])
        // Not audited: the raw ones only.
        XCTAssertEqual(BudgetMetrics.metrics(of: six, verdicts: nil, run: 1, recipe: "toy").map(\.name),
                       ["accuracy_at_25_queries", "accuracy_at_50_queries", "accuracy_at_100_queries", "accuracy_at_200_queries",
                        "accuracy_vs_queries_auc"])
        // No attacked example counted its queries (an embedding attack, a clean evaluation): none.
        let queryless = six.map { e -> ExampleRecord in var e = e; e.queries = 0; return e }
        XCTAssertEqual(BudgetMetrics.metrics(of: queryless, verdicts: morris, run: 1, recipe: "toy"), [])
        XCTAssertEqual(BudgetMetrics.metrics(of: [], verdicts: nil, run: 1, recipe: "toy"), [])
        // An audit whose checks all pass changes nothing.
        let passing = AuditVerdicts(audit: "default", checks: checks().map { var c = $0; c.passed = true; return c })
        let both = values(BudgetMetrics.metrics(of: six, verdicts: passing, run: 1, recipe: "toy"))
        for budget in BudgetMetrics.budgets {
            XCTAssertEqual(both[BudgetMetrics.accuracyAt(budget)], both[BudgetMetrics.validAccuracyAt(budget)])
        }
        XCTAssertEqual(both[BudgetMetrics.auc], both[BudgetMetrics.validAUC])
    }

    func testDirectionsOrderAndReadingBack() throws {
        for name in BudgetMetrics.names + ["valid_accuracy_at_25_queries@morris2020", "valid_accuracy_vs_queries_auc@morris2020"] {
            XCTAssertTrue(MetricName.higherIsBetter(name), name)
            XCTAssertTrue(BudgetMetrics.isBudgetMetric(name), name)
            XCTAssertTrue(Baseline.isUnitScale(name), name)
            XCTAssertTrue(Baseline.isGateable(name), name)
        }
        XCTAssertFalse(BudgetMetrics.isBudgetMetric(MetricName.accuracyUnderAttack))
        XCTAssertFalse(MetricName.higherIsBetter("valid_attack_success_rate@morris2020"))

        // Valid metrics sit right after their raw ones, other audits after the default one.
        let verdicts = AuditVerdicts(audit: "default", checks: checks())
        let morris = AuditVerdicts(audit: "morris2020", checks: checks(audit: "morris2020"))
        let all = RecipeSummary.metrics(of: six, run: 1, recipe: "toy")
            + ValidityMetrics.metrics(of: six, verdicts: morris, run: 1, recipe: "toy")
            + ValidityMetrics.metrics(of: six, verdicts: verdicts, run: 1, recipe: "toy")
            + BudgetMetrics.metrics(of: six, verdicts: morris, run: 1, recipe: "toy").filter { $0.name.contains("@") }
            + BudgetMetrics.metrics(of: six, verdicts: verdicts, run: 1, recipe: "toy").reversed()
        let sorted = MetricName.sorted(all).map(\.name)
        func position(_ name: String) throws -> Int { try XCTUnwrap(sorted.firstIndex(of: name), name) }
        XCTAssertEqual(Array(sorted.prefix(7)), ["examples", "clean_accuracy", "accuracy_under_attack", "accuracy_under_valid_attack",
                                                 "accuracy_under_valid_attack@morris2020", "attack_success_rate",
                                                 "valid_attack_success_rate"])
        XCTAssertEqual(try position("valid_attack_success_rate@morris2020"), 7)
        XCTAssertEqual(try position("valid_accuracy_at_25_queries"), try position("accuracy_at_25_queries") + 1)
        XCTAssertEqual(try position("valid_accuracy_at_25_queries@morris2020"), try position("accuracy_at_25_queries") + 2)
        XCTAssertEqual(try position("valid_accuracy_vs_queries_auc@morris2020"), try position("valid_accuracy_vs_queries_auc") + 1)
        XCTAssertLessThan(try position("mean_queries"), try position("accuracy_at_25_queries"))
        XCTAssertLessThan(try position("valid_accuracy_vs_queries_auc@morris2020"), try position("invalid[antonym]"))
        XCTAssertEqual(try position("invalid[antonym]@morris2020"), try position("invalid[antonym]") + 1)

        let rows = BudgetMetrics.rows(from: all)
        XCTAssertEqual(rows.map(\.audit), [nil, "default", "morris2020"])
        XCTAssertEqual(try XCTUnwrap(rows[0].accuracy[100]), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rows[1].accuracy[100]), 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rows[2].auc), 3160.0 / 6000, accuracy: 1e-12)
        XCTAssertEqual(BudgetMetrics.rows(from: RecipeSummary.metrics(of: six, run: 1, recipe: "toy")), [])
    }

    /// Examples, audit check values and metrics recorded through the store and read back give the same numbers.
    func testThroughAStore() throws {
        let folder = try temporaryFolder(self)
        let store = try ResultStore(path: folder.appendingPathComponent("r.db").path)
        let run = try store.beginRun(sampleRun(kind: .eval)).runID
        for example in six { var e = example; e.runID = run; try store.recordExample(e) }
        try store.recordAudit(AuditRecord(runID: run, audit: "default", recipeHash: "h"), checks: checks(run: run))
        let verdicts = AuditVerdicts(audit: "default", checks: try store.auditChecks(run: run, audit: "default", recipe: "toy"))
        XCTAssertEqual(verdicts.failedChecks.keys.sorted(), [3])
        XCTAssertEqual(verdicts.reasons().map(\.check), ["antonym"])
        let metrics = BudgetMetrics.metrics(of: try store.examples(run: run, recipe: "toy"), verdicts: verdicts, run: run, recipe: "toy")
        try store.recordMetrics(metrics)
        let stored = values(try store.metrics(run: run, recipe: "toy"))
        XCTAssertEqual(try XCTUnwrap(stored["accuracy_vs_queries_auc"]), 0.37, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(stored["valid_accuracy_at_100_queries"]), 4.0 / 6, accuracy: 1e-12)
    }
}
