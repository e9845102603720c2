// BaselineGateTests: the baseline file (round trip, strict reading with one-line messages), the gate's
// rule, compare rows, and the word-level diff.
import Basics
import Foundation
import TestSupport
import XCTest
@testable import Analysis
@testable import Results

final class BaselineGateTests: XCTestCase {
    /// Examples where the first `correct` of `count` survive the attack (the rest are successful attacks).
    func examples(run: Int64, count: Int, correct: Int, recipe: String = "wordswap") -> [ExampleRecord] {
        (0..<count).map { i in
            let success = i >= correct
            return ExampleRecord(runID: run, recipe: recipe, exampleIndex: i, text: "text \(i)", gold: "pos", cleanPrediction: "pos",
                                 adversarialText: success ? "txt \(i)" : nil, adversarialPrediction: success ? "neg" : nil,
                                 status: success ? .success : .failed, queries: 10, wordsChanged: success ? 1 : 0, wordsTotal: 2)
        }
    }

    func baseline(count: Int = 100, correct: Int = 80, tolerance: Double = 0.02) -> Baseline {
        let run = RunRecord(id: 3, kind: .attack, modelHash: "m", dataHash: "d", recipeHash: "r", robustVersion: "t", label: "base")
        let ex = examples(run: 3, count: count, correct: correct)
        return Baseline.make(run: run, metrics: RecipeSummary.metrics(of: ex, run: 3, recipe: "wordswap"), examples: ex,
                             tolerance: tolerance, description: "test \"quoted\"", created: Date(timeIntervalSince1970: 0))
    }

    // MARK: File

    func testBaselineRoundTripsThroughItsFile() throws {
        let original = baseline()
        XCTAssertEqual(original.metrics.map(\.name),
                       ["clean_accuracy", "accuracy_under_attack", "attack_success_rate", "mean_words_changed_fraction", "mean_queries"])
        XCTAssertFalse(original.metrics.contains { $0.name == "examples" })
        let byName = Dictionary(uniqueKeysWithValues: original.metrics.map { ($0.name, $0) })
        XCTAssertEqual(byName["accuracy_under_attack"]?.tolerance, 0.02)
        XCTAssertEqual(byName["mean_queries"]!.tolerance, 0.2, accuracy: 1e-12, "relative for non-0–1 metrics")
        XCTAssertEqual(byName["attack_success_rate"]?.higherIsBetter, false)
        XCTAssertEqual(original.perExample.map(\.metric), ["clean_accuracy", "accuracy_under_attack"])
        XCTAssertEqual(original.created, "1970-01-01T00:00:00Z")

        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("baselines/mr.json").path
        try original.write(to: path)
        XCTAssertEqual(try Baseline.load(path: path), original)
        XCTAssertThrowsError(try original.write(to: path)) { XCTAssertTrue("\($0)".contains("already exists"), "\($0)") }
        XCTAssertNoThrow(try original.write(to: path, overwrite: true))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"tolerance\": 0.02"), text)
        XCTAssertTrue(text.contains("\"correct\": \"" + String(repeating: "1", count: 100)), "clean outcomes")
    }

    /// Found by fuzz-results-db: a damaged index returned one metric row twice, and `baseline save` wrote a file
    /// that repeats the metric, which its own reader refuses. Each (recipe, metric) is kept once.
    func testAMetricReadTwiceIsSavedOnce() throws {
        let run = RunRecord(id: 1, kind: .eval, robustVersion: "test")
        let metric = MetricRecord(runID: 1, recipe: "textfooler", name: MetricName.validAttackSuccessRate, value: 0)
        let saved = Baseline.make(run: run, metrics: [metric, metric], examples: [], tolerance: 0.02,
                                  created: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(saved.metrics.map(\.name), [MetricName.validAttackSuccessRate])
        XCTAssertEqual(try Baseline.parse(Data(saved.jsonText().utf8), path: "saved.json"), saved)
    }

    func testBaselineTyposAndWrongTypesGetOneLineMessages() throws {
        let good = baseline().jsonText()
        func message(_ text: String) -> String {
            do {
                _ = try Baseline.parse(Data(text.utf8), path: "baselines/x.json")
                return "parsed"
            } catch {
                return "\(error)"
            }
        }
        func replacingFirst(_ old: String, _ new: String) -> String {
            guard let range = good.range(of: old) else { XCTFail("\(old) not in file"); return good }
            return good.replacingCharacters(in: range, with: new)
        }
        XCTAssertEqual(message(good), "parsed")
        XCTAssertEqual(message(replacingFirst("\"tolerance\"", "\"tolerence\"")),
                       "baseline baselines/x.json: metrics[0]: unknown key \"tolerence\" (did you mean \"tolerance\"?)")
        XCTAssertEqual(message(replacingFirst("\"metrics\"", "\"metircs\"")),
                       "baseline baselines/x.json: unknown key \"metircs\" (did you mean \"metrics\"?)")
        XCTAssertEqual(message(replacingFirst("\"model_hash\"", "\"modelhash\"")),
                       "baseline baselines/x.json: source_run: unknown key \"modelhash\" (did you mean \"model_hash\"?)")
        XCTAssertEqual(message(replacingFirst("\"value\": 1", "\"value\": \"1\"")),
                       "baseline baselines/x.json: metrics[0].value: must be a number, found the string \"1\"")
        XCTAssertEqual(message(replacingFirst("\"higher_is_better\": true", "\"higher_is_better\": 1")),
                       "baseline baselines/x.json: metrics[0].higher_is_better: must be true or false, found the number 1.0")
        XCTAssertEqual(message(replacingFirst("\"kind\": \"attack\"", "\"kind\": \"atack\"")),
                       "baseline baselines/x.json: source_run.kind: must be one of train, eval, attack, retrain, augment, found \"atack\"")
        XCTAssertEqual(message(replacingFirst("\"version\": 1", "\"version\": 2")),
                       "baseline baselines/x.json: version: is 2; this robust reads version 1")
        XCTAssertEqual(message(replacingFirst(", \"higher_is_better\": true", "")),
                       "baseline baselines/x.json: metrics[0]: missing key \"higher_is_better\"")
        XCTAssertEqual(message(replacingFirst("\"tolerance\": 0.02", "\"tolerance\": -0.02")),
                       "baseline baselines/x.json: metrics[0].tolerance: must not be negative")
        XCTAssertTrue(message(replacingFirst("\"correct\": \"1", "\"correct\": \"2")).contains("per_example[0].correct: character 0 is \"2\""))
        // Found by fuzz-baseline: a fingerprint with a control character (\f) was accepted, and jsonText()
        // copied it verbatim into JSON that no longer parsed; fingerprints must now be TextFingerprints.
        let fingerprint = try XCTUnwrap(baseline().perExample.first?.outcomes.first?.fingerprint)
        for bad in ["\\f" + fingerprint.dropFirst(), fingerprint.uppercased(), String(fingerprint.dropFirst())] where bad != fingerprint {
            XCTAssertEqual(message(replacingFirst("\"\(fingerprint)\"", "\"\(bad)\"")),
                           "baseline baselines/x.json: per_example[0].fingerprint[0]: is not 16 lowercase hex digits (a TextFingerprint)")
        }
        XCTAssertTrue(message("{\"format\": ").hasPrefix("baseline baselines/x.json: is not valid JSON ("))
        XCTAssertEqual(message("[]"), "baseline baselines/x.json: must be an object, found an array")
        XCTAssertEqual(message(replacingFirst("\"metrics\": [", "\"metrics\": [],\"x\": [")),
                       "baseline baselines/x.json: unknown key \"x\" (expected: format, version, created, source_run, metrics, description, per_example)")
        for text in [message(replacingFirst("\"tolerance\"", "\"tolerence\"")), message("{")] {
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertThrowsError(try Baseline.load(path: "/nonexistent/b.json")) {
            XCTAssertEqual("\($0)", "baseline /nonexistent/b.json: does not exist")
        }
    }

    // MARK: Gate rule

    func testGateVerdicts() throws {
        let expected = baseline(count: 200, correct: 160)   // accuracy under attack 0.80
        func report(correct: Int, count: Int = 200, recipe: String = "wordswap", fingerprints: Bool = true) -> GateReport {
            var ex = examples(run: 9, count: count, correct: correct, recipe: recipe)
            if !fingerprints { ex = ex.map { var e = $0; e.text += " (other data)"; return e } }
            return Gate.evaluate(baseline: expected, baselinePath: "b.json", runID: 9,
                                 metrics: RecipeSummary.metrics(of: ex, run: 9, recipe: recipe), examples: ex)
        }
        func verdict(_ report: GateReport, _ metric: String = "accuracy_under_attack") -> GateRow.Verdict? {
            report.rows.first { $0.metric == metric }?.verdict
        }

        let same = report(correct: 160)
        XCTAssertEqual(same.exitCode, 0)
        XCTAssertTrue(same.rows.allSatisfy { $0.verdict == .ok })

        let slightlyWorse = report(correct: 157)   // −0.015, within 0.02
        XCTAssertEqual(verdict(slightlyWorse), .ok)
        XCTAssertEqual(slightlyWorse.exitCode, 0)

        let better = report(correct: 180)
        XCTAssertEqual(verdict(better), .improved)
        XCTAssertEqual(verdict(better, "attack_success_rate"), .improved)
        XCTAssertEqual(better.exitCode, 0)

        // −0.03 beyond tolerance, but only 6 discordant pairs: McNemar p = 0.03125 < 0.05 → regression.
        let worse = report(correct: 154)
        XCTAssertEqual(verdict(worse), .regression)
        XCTAssertEqual(worse.rows.first { $0.metric == "accuracy_under_attack" }?.mcnemar?.pValue ?? 0, 0.03125, accuracy: 1e-12)
        XCTAssertEqual(verdict(worse, "attack_success_rate"), .regression, "no paired test for rates: tolerance alone")
        XCTAssertEqual(worse.exitCode, 1)

        // Same drop on other texts: nothing to pair, so the tolerance alone decides.
        let otherTexts = report(correct: 154, fingerprints: false)
        XCTAssertEqual(verdict(otherTexts), .regression)
        XCTAssertNil(otherTexts.rows.first { $0.metric == "accuracy_under_attack" }?.mcnemar)

        // A tiny sample: −0.25 but only 1 discordant pair of 4 → not significant.
        let tiny = baseline(count: 4, correct: 4)
        let tinyExamples = examples(run: 9, count: 4, correct: 3)
        let tinyReport = Gate.evaluate(baseline: tiny, baselinePath: "b.json", runID: 9,
                                       metrics: RecipeSummary.metrics(of: tinyExamples, run: 9, recipe: "wordswap"), examples: tinyExamples)
        XCTAssertEqual(verdict(tinyReport), .notSignificant)

        let missing = report(correct: 160, recipe: "charswap")
        XCTAssertTrue(missing.rows.allSatisfy { $0.verdict == .missing })
        XCTAssertEqual(missing.exitCode, 2)

        let markdown = worse.markdown()
        XCTAssertTrue(markdown.contains("| recipe | metric | baseline | current | Δ | tolerance | verdict |"), markdown)
        XCTAssertTrue(markdown.contains("| wordswap | accuracy_under_attack ↑ | 0.8000 | 0.7700 | −0.0300 | ±0.0200 | ❌ regression (McNemar p=0.0313, n=200) |"), markdown)
        XCTAssertTrue(markdown.contains("**Result: FAIL**"), markdown)
        XCTAssertTrue(same.markdown().contains("**Result: PASS**"))
    }

    /// A baseline on the valid metrics and the budget metrics: saved with their directions and absolute
    /// tolerances; the gate passes the same run, passes a raw-only change, and fails when the valid success
    /// rate rises (or the valid accuracy within 100 queries falls) by more than the tolerance.
    func testBaselineOnValidAndBudgetMetricsPassesAndFails() throws {
        /// 100 examples, every one attacked after 40 queries: the first `successes` succeed, and the first
        /// `invalid` of those fail the audit's antonym check.
        func run(_ id: Int64, successes: Int, invalid: Int) -> (metrics: [MetricRecord], examples: [ExampleRecord]) {
            let ex = examples(run: id, count: 100, correct: 100 - successes).reversed().enumerated().map { i, e -> ExampleRecord in
                var e = e
                e.exampleIndex = i
                e.text = "text \(i)"
                e.queries = 40
                return e
            }
            let checks = ex.filter { $0.status == .success }.map {
                AuditCheckRecord(runID: id, recipe: "wordswap", exampleIndex: $0.exampleIndex, audit: "default", checkName: "antonym",
                                 value: 0, passed: $0.exampleIndex >= invalid)
            }
            let verdicts = AuditVerdicts(audit: "default", checks: checks)
            let metrics = RecipeSummary.metrics(of: ex, run: id, recipe: "wordswap")
                + ValidityMetrics.metrics(of: ex, verdicts: verdicts, run: id, recipe: "wordswap")
                + BudgetMetrics.metrics(of: ex, verdicts: verdicts, run: id, recipe: "wordswap")
            return (metrics, ex)
        }
        let source = run(3, successes: 40, invalid: 10)   // valid success rate 0.30, valid accuracy 0.70
        let record = RunRecord(id: 3, kind: .eval, modelHash: "m", dataHash: "d", recipeHash: "r", robustVersion: "t")
        let saved = Baseline.make(run: record, metrics: source.metrics, examples: source.examples, tolerance: 0.02,
                                  created: Date(timeIntervalSince1970: 0))
        let expected = try Baseline.parse(Data(saved.jsonText().utf8), path: "b.json")
        func entry(_ name: String) throws -> Baseline.Metric { try XCTUnwrap(expected.metrics.first { $0.name == name }, name) }
        XCTAssertEqual(try entry("valid_attack_success_rate").value, 0.30, accuracy: 1e-12)
        XCTAssertFalse(try entry("valid_attack_success_rate").higherIsBetter)
        XCTAssertEqual(try entry("valid_attack_success_rate").tolerance, 0.02)
        XCTAssertEqual(try entry("accuracy_under_valid_attack").value, 0.70, accuracy: 1e-12)
        XCTAssertTrue(try entry("accuracy_under_valid_attack").higherIsBetter)
        XCTAssertEqual(try entry("valid_accuracy_at_100_queries").value, 0.70, accuracy: 1e-12)
        XCTAssertEqual(try entry("accuracy_at_25_queries").value, 1.0, accuracy: 1e-12, "no attack succeeds within 25 queries")
        XCTAssertEqual(try entry("accuracy_vs_queries_auc").tolerance, 0.02)
        XCTAssertTrue(try entry("valid_accuracy_vs_queries_auc").higherIsBetter)

        func gate(_ current: (metrics: [MetricRecord], examples: [ExampleRecord])) -> GateReport {
            Gate.evaluate(baseline: expected, baselinePath: "b.json", runID: 9, metrics: current.metrics, examples: current.examples)
        }
        func verdict(_ report: GateReport, _ metric: String) -> GateRow.Verdict? {
            report.rows.first { $0.metric == metric }?.verdict
        }
        let same = gate(run(9, successes: 40, invalid: 10))
        XCTAssertEqual(same.exitCode, 0, same.markdown())
        XCTAssertEqual(verdict(same, "valid_attack_success_rate"), .ok)

        // One more success, judged invalid: raw numbers 1 point worse (within 0.02), valid ones unchanged.
        let rawOnly = gate(run(9, successes: 41, invalid: 11))
        XCTAssertEqual(rawOnly.exitCode, 0, rawOnly.markdown())
        XCTAssertEqual(verdict(rawOnly, "valid_attack_success_rate"), .ok)

        // The same successes, but the audit finds none invalid: valid success rate 0.40 (+0.10), valid accuracy
        // 0.60 — regressions of the valid metrics alone; the raw ones are unchanged.
        let validWorse = gate(run(9, successes: 40, invalid: 0))
        XCTAssertEqual(validWorse.exitCode, 1, validWorse.markdown())
        XCTAssertEqual(verdict(validWorse, "valid_attack_success_rate"), .regression)
        XCTAssertEqual(verdict(validWorse, "accuracy_under_valid_attack"), .regression)
        XCTAssertEqual(verdict(validWorse, "valid_accuracy_at_100_queries"), .regression)
        XCTAssertEqual(verdict(validWorse, "valid_accuracy_vs_queries_auc"), .regression)
        XCTAssertEqual(verdict(validWorse, "attack_success_rate"), .ok)
        XCTAssertEqual(verdict(validWorse, "accuracy_at_100_queries"), .ok)
        XCTAssertTrue(validWorse.markdown().contains("| wordswap | valid_attack_success_rate ↓ | 0.3000 | 0.4000 | +0.1000 | ±0.0200 | ❌ regression |"),
                      validWorse.markdown())

        // More successes judged invalid: the valid metrics improve.
        let validBetter = gate(run(9, successes: 40, invalid: 20))
        XCTAssertEqual(verdict(validBetter, "valid_attack_success_rate"), .improved)
        XCTAssertEqual(validBetter.exitCode, 0)

        // A run without the audit's metrics cannot be judged on them.
        let unaudited = Gate.evaluate(baseline: expected, baselinePath: "b.json", runID: 9,
                                      metrics: RecipeSummary.metrics(of: source.examples, run: 9, recipe: "wordswap"),
                                      examples: source.examples)
        XCTAssertEqual(verdict(unaudited, "valid_attack_success_rate"), .missing)
        XCTAssertEqual(unaudited.exitCode, 2)
    }

    func testCompareRows() {
        let a = examples(run: 1, count: 50, correct: 40)
        let b = examples(run: 2, count: 50, correct: 30)
        let rows = Comparison.compare(aMetrics: RecipeSummary.metrics(of: a, run: 1, recipe: "wordswap") + [MetricRecord(runID: 1, recipe: "z", name: "only_a", value: 1)],
                                      aExamples: a, bMetrics: RecipeSummary.metrics(of: b, run: 2, recipe: "wordswap"), bExamples: b)
        XCTAssertEqual(rows.map(\.metric), ["examples", "clean_accuracy", "accuracy_under_attack", "attack_success_rate",
                                            "mean_words_changed_fraction", "mean_queries", "only_a"])
        let underAttack = rows[2]
        XCTAssertEqual(underAttack.delta!, -0.2, accuracy: 1e-12)
        XCTAssertEqual(underAttack.mcnemar, McNemarResult(pairs: 50, onlyA: 10, onlyB: 0, pValue: McNemar.exactPValue(b: 10, c: 0)))
        XCTAssertEqual(rows[1].mcnemar?.pValue, 1)
        XCTAssertNil(rows[3].mcnemar)
        XCTAssertNil(rows[6].b)
        XCTAssertNil(rows[6].delta)
    }

    // MARK: Word diff


    /// Found by fuzz-baseline: a whole-number value past Int64's range (a baseline's 1e19, or the infinite
    /// difference of two huge values) trapped when the gate's table was formatted.
    func testHugeValuesAreFormattedWithoutTrapping() {
        XCTAssertEqual(ResultFormat.value(1e19), "1e+19")
        XCTAssertEqual(ResultFormat.value(-1e300), "-1e+300")
        XCTAssertEqual(ResultFormat.signed(-.infinity), "−inf")
        XCTAssertEqual(ResultFormat.value(123_456), "123456")
        XCTAssertEqual(ResultFormat.value(0.5), "0.5000")
        let huge = Baseline(created: "", description: nil,
                            sourceRun: .init(id: 1, kind: .eval, modelHash: "", dataHash: "", recipeHash: "", label: nil),
                            metrics: [.init(recipe: "clean", name: "loss", value: 1.7e308, tolerance: 1e19, higherIsBetter: false)],
                            perExample: [])
        let report = Gate.evaluate(baseline: huge, baselinePath: "b.json", runID: 2,
                                   metrics: [MetricRecord(runID: 2, recipe: "clean", name: "loss", value: -1.7e308)], examples: [])
        XCTAssertTrue(report.markdown().contains("| clean | loss ↓ | 1.7e+308 | -1.7e+308 | −inf | ±1e+19 |"), report.markdown())
    }

    func testMetricDirections() {
        XCTAssertTrue(MetricName.higherIsBetter("clean_accuracy"))
        XCTAssertTrue(MetricName.higherIsBetter("accuracy_under_attack"))
        XCTAssertFalse(MetricName.higherIsBetter("attack_success_rate"))
        XCTAssertFalse(MetricName.higherIsBetter("skipped"), "more skipped examples means less was attacked")
        XCTAssertTrue(MetricName.higherIsBetter("mean_queries"), "an attack that needs more queries faces a more robust model")
        XCTAssertFalse(MetricName.higherIsBetter("dev_loss"))
        XCTAssertTrue(MetricName.higherIsBetter("macro_f1"))
        XCTAssertTrue(MetricName.higherIsBetter("bf16_agreement"))
        XCTAssertFalse(MetricName.higherIsBetter("int8_disagreements"))
        XCTAssertFalse(MetricName.higherIsBetter("bf16_max_probability_difference"))
        XCTAssertFalse(Baseline.isGateable("fp32_checks"), "a reduced-precision search's path, not robustness")
        XCTAssertFalse(Baseline.isGateable("fp32_rejections"))
        XCTAssertFalse(Baseline.isGateable("bf16_seconds"))
        XCTAssertTrue(Baseline.isGateable("bf16_agreement"))
    }
}
