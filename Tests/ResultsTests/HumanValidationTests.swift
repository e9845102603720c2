// HumanValidationTests: the statistics of people's labels against hand-computed numbers — the Wilson
// interval, majority judgements, the human-validated success rate, the audit's precision, recall and
// Cohen's kappa on "invalid", the metric names — and the store keeping labels and their metrics together
// (re-recording replaces, stale metrics go, nothing is stored when the transaction fails).
import Foundation
import TestSupport
import XCTest
@testable import Analysis
@testable import Results

final class HumanValidationTests: XCTestCase {
    func label(_ index: Int, _ sameLabel: Bool?, _ natural: Bool?, annotator: String = "", recipe: String = "r",
               run: Int64 = 1) -> HumanLabelRecord {
        HumanLabelRecord(runID: run, recipe: recipe, exampleIndex: index, annotator: annotator, sameLabel: sameLabel, natural: natural)
    }

    func check(_ index: Int, _ name: String, passed: Bool, audit: String = "default") -> AuditCheckRecord {
        AuditCheckRecord(runID: 1, recipe: "r", exampleIndex: index, audit: audit, checkName: name, value: passed ? 0.9 : 0.1,
                         passed: passed)
    }

    func example(_ index: Int, _ status: ExampleStatus) -> ExampleRecord {
        ExampleRecord(runID: 1, recipe: "r", exampleIndex: index, text: "text \(index)", gold: "pos",
                      cleanPrediction: status == .cleanWrong ? "neg" : "pos",
                      adversarialText: status == .success ? "changed \(index)" : nil,
                      adversarialPrediction: status == .success ? "neg" : nil, status: status)
    }

    func testWilsonIntervalMatchesHandComputedValues() throws {
        // k = 8, n = 10, z = 1.959963984540054: centre (0.8 + z²/20) / (1 + z²/10) = 0.71674016…,
        // half-width z/(1 + z²/10) · √(0.016 + z²/400) = 0.22657768… → [0.49016247, 0.94331785]
        // (the textbook [0.490, 0.943]).
        let a = try XCTUnwrap(WilsonInterval.interval(successes: 8, trials: 10))
        XCTAssertEqual(a.value, 0.8, accuracy: 1e-15)
        XCTAssertEqual(a.low, 0.4901624715366418, accuracy: 1e-12)
        XCTAssertEqual(a.high, 0.9433178485456248, accuracy: 1e-12)
        // The ends are exact at the extremes, and the interval is not a point there (unlike the normal one).
        let none = try XCTUnwrap(WilsonInterval.interval(successes: 0, trials: 5))
        XCTAssertEqual(none.low, 0)
        XCTAssertEqual(none.high, 0.43448246478317476, accuracy: 1e-12)
        let all = try XCTUnwrap(WilsonInterval.interval(successes: 5, trials: 5))
        XCTAssertEqual(all.low, 0.5655175352168251, accuracy: 1e-12)
        XCTAssertEqual(all.high, 1)
        // Symmetric around ½ for k = n/2.
        let half = try XCTUnwrap(WilsonInterval.interval(successes: 6, trials: 12))
        XCTAssertEqual(half.low, 0.2537815976337061, accuracy: 1e-12)
        XCTAssertEqual(half.high, 0.7462184023662939, accuracy: 1e-12)
        XCTAssertNil(WilsonInterval.interval(successes: 0, trials: 0))
        XCTAssertNil(WilsonInterval.interval(successes: 3, trials: 2))
        XCTAssertNil(WilsonInterval.interval(successes: -1, trials: 2))
    }

    func testJudgementsTakeTheMajorityAndTiesAreInvalid() {
        let judgements = HumanJudgement.of([
            label(1, true, true, annotator: "a"), label(1, true, true, annotator: "b"), label(1, false, true, annotator: "c"),
            label(2, true, true, annotator: "a"), label(2, true, false, annotator: "b"),   // 1 : 1 → invalid
            label(3, nil, true, annotator: "a"), label(3, true, nil, annotator: "b"),      // nothing complete
            label(4, true, nil, annotator: "a"), label(4, false, false, annotator: "b"),   // only b counts
        ])
        XCTAssertEqual(Set(judgements.keys), [1, 2, 4])
        XCTAssertEqual(judgements[1]?.validVotes, 2)
        XCTAssertEqual(judgements[1]?.invalidVotes, 1)
        XCTAssertEqual(judgements[1]?.isValid, true)
        XCTAssertEqual(judgements[2]?.isValid, false)
        XCTAssertEqual(judgements[4]?.labels.map(\.annotator), ["b"])
        XCTAssertEqual(judgements[4]?.isValid, false)
    }

    func testHumanValidatedSuccessRate() throws {
        // 11 examples: 1 clean-wrong (not attacked), 2 failed attacks, 8 successes → raw rate 8/10 = 0.8.
        var examples = [example(0, .cleanWrong), example(1, .failed), example(2, .failed)]
        examples += (3...10).map { example($0, .success) }
        // 4 successes labelled, 3 valid → share 0.75, Wilson [0.30064184, 0.95441274]; a label of a failed
        // attack (1) is ignored.
        let judgements = HumanJudgement.of([label(3, true, true), label(4, true, true), label(5, false, true), label(6, true, true),
                                            label(1, false, false)])
        let validation = try XCTUnwrap(HumanLabelStatistics.validation(examples: examples, judgements: judgements))
        XCTAssertEqual(validation.labelled, 4)
        XCTAssertEqual(validation.valid, 3)
        XCTAssertEqual(validation.rawSuccessRate, 0.8, accuracy: 1e-15)
        XCTAssertEqual(validation.share.value, 0.75, accuracy: 1e-15)
        XCTAssertEqual(validation.share.low, 0.30064184258240184, accuracy: 1e-12)
        XCTAssertEqual(validation.share.high, 0.9544127391902995, accuracy: 1e-12)
        // 0.8 × 0.75 = 0.6, ends 0.8 × the share's ends.
        XCTAssertEqual(validation.validatedSuccessRate.value, 0.6, accuracy: 1e-12)
        XCTAssertEqual(validation.validatedSuccessRate.low, 0.24051347406592147, accuracy: 1e-12)
        XCTAssertEqual(validation.validatedSuccessRate.high, 0.7635301913522396, accuracy: 1e-12)
        XCTAssertNil(HumanLabelStatistics.validation(examples: examples, judgements: [:]))
        XCTAssertNil(HumanLabelStatistics.validation(examples: examples, judgements: HumanJudgement.of([label(1, true, true)])))

        let metrics = HumanLabelStatistics.metrics(run: 1, recipe: "r", validation: validation, agreement: nil)
        XCTAssertEqual(metrics.map(\.name), ["human_labelled", "human_valid_share", "human_valid_attack_success_rate"])
        XCTAssertEqual(metrics[0].value, 4)
        XCTAssertEqual(metrics[2].low ?? -1, 0.24051347406592147, accuracy: 1e-12)
    }

    /// 20 compared examples: both invalid 0–4 (a = 5), only the audit 5–7 (b = 3), only people 8–9
    /// (c = 2), neither 10–19 (d = 10). Example 20 is labelled but not audited, 21 audited but not
    /// labelled: neither counts.
    func agreementFixture(audit: String = "default") -> (judgements: [Int: HumanJudgement], verdicts: AuditVerdicts) {
        var labels: [HumanLabelRecord] = []
        for index in 0...20 {
            let humanInvalid = index <= 4 || index == 8 || index == 9
            labels.append(label(index, humanInvalid ? (index % 2 == 0) : true, humanInvalid ? (index % 2 == 1) : true))
        }
        var checks: [AuditCheckRecord] = []
        for index in 0...19 {
            checks.append(check(index, "sentence-cosine", passed: true, audit: audit))
            checks.append(check(index, "antonym", passed: index > 7, audit: audit))
        }
        checks.append(check(21, "antonym", passed: false, audit: audit))
        return (HumanJudgement.of(labels), AuditVerdicts(audit: audit, checks: checks))
    }

    func testAgreementPrecisionRecallAndKappa() throws {
        let (judgements, verdicts) = agreementFixture()
        let agreement = try XCTUnwrap(HumanLabelStatistics.agreement(judgements: judgements, verdicts: verdicts))
        XCTAssertEqual(agreement.compared, 20)
        XCTAssertEqual(agreement.humanInvalid, 7)
        XCTAssertEqual(agreement.auditInvalid, 8)
        XCTAssertEqual(agreement.both, 5)
        XCTAssertEqual(agreement.neither, 10)
        // precision 5/8, recall 5/7; kappa: p_o = 15/20 = 0.75, p_e = 0.4·0.35 + 0.6·0.65 = 0.53,
        // (0.75 − 0.53) / (1 − 0.53) = 0.22/0.47 = 0.46808510638…
        XCTAssertEqual(try XCTUnwrap(agreement.precision), 0.625, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(agreement.recall), 5.0 / 7.0, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(agreement.kappa), 0.4680851063829787, accuracy: 1e-12)
        XCTAssertEqual(agreement.disagreements.map(\.exampleIndex), [5, 6, 7, 8, 9])
        XCTAssertEqual(agreement.disagreements[0].failedChecks.map(\.checkName), ["antonym"])
        XCTAssertTrue(agreement.disagreements[0].humanValid)
        XCTAssertFalse(agreement.disagreements[3].humanValid)
        XCTAssertTrue(agreement.disagreements[3].failedChecks.isEmpty)

        // The audit's metrics carry its name unless it is the default audit; the human ones never do.
        let other = agreementFixture(audit: "morris2020")
        let otherAgreement = HumanLabelStatistics.agreement(judgements: other.judgements, verdicts: other.verdicts)
        let names = HumanLabelStatistics.metrics(run: 1, recipe: "r", validation: nil, agreement: otherAgreement).map(\.name)
        XCTAssertEqual(names, ["audit_precision_invalid@morris2020", "audit_recall_invalid@morris2020", "audit_kappa@morris2020"])
        XCTAssertEqual(HumanLabelStatistics.metrics(run: 1, recipe: "r", validation: nil, agreement: agreement).map(\.name),
                       ["audit_precision_invalid", "audit_recall_invalid", "audit_kappa"])
    }

    func testKappaEdgeCases() throws {
        // Perfect agreement, perfect disagreement, and undefined when both raters give one verdict.
        XCTAssertEqual(try XCTUnwrap(HumanLabelStatistics.kappa(both: 3, onlyFirst: 0, onlySecond: 0, neither: 7)), 1, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(HumanLabelStatistics.kappa(both: 0, onlyFirst: 5, onlySecond: 5, neither: 0)), -1, accuracy: 1e-15)
        XCTAssertNil(HumanLabelStatistics.kappa(both: 0, onlyFirst: 0, onlySecond: 0, neither: 9))
        XCTAssertNil(HumanLabelStatistics.kappa(both: 0, onlyFirst: 0, onlySecond: 0, neither: 0))
        // Agreement by chance only: kappa 0 (a=1, b=1, c=1, d=1).
        XCTAssertEqual(try XCTUnwrap(HumanLabelStatistics.kappa(both: 1, onlyFirst: 1, onlySecond: 1, neither: 1)), 0, accuracy: 1e-15)
        // No invalid verdict on one side: precision (or recall) is undefined and not recorded.
        let judgements = HumanJudgement.of([label(0, true, true), label(1, false, true)])
        let verdicts = AuditVerdicts(audit: "default", checks: [check(0, "antonym", passed: true), check(1, "antonym", passed: true)])
        let agreement = try XCTUnwrap(HumanLabelStatistics.agreement(judgements: judgements, verdicts: verdicts))
        XCTAssertNil(agreement.precision)
        XCTAssertEqual(agreement.recall, 0)
        XCTAssertEqual(agreement.kappa, 0)
        XCTAssertEqual(HumanLabelStatistics.metrics(run: 1, recipe: "r", validation: nil, agreement: agreement).map(\.name),
                       ["audit_recall_invalid", "audit_kappa"])
        XCTAssertNil(HumanLabelStatistics.agreement(judgements: judgements, verdicts: AuditVerdicts(audit: "default", checks: [])))
    }

    func testStoreKeepsLabelsAndTheirMetricsTogether() throws {
        let store = try ResultStore(path: try temporaryFolder(self).appendingPathComponent("robust.db").path)
        let run = try store.beginRun(sampleRun()).runID
        func mine(_ labels: [HumanLabelRecord]) -> [HumanLabelRecord] {
            labels.map { var copy = $0; copy.runID = run; return copy }
        }
        let metric = MetricRecord(runID: run, recipe: "r", name: "human_valid_share", value: 0.5, low: 0.1, high: 0.9)
        let kappa = MetricRecord(runID: run, recipe: "r", name: "audit_kappa", value: 0.3)
        try store.recordHumanLabels(mine([label(1, true, true, annotator: "ann"), label(2, false, nil, annotator: "ann")]),
                                    metrics: [metric, kappa])
        XCTAssertEqual(try store.humanLabels(run: run).count, 2)
        XCTAssertEqual(try store.metrics(run: run).map(\.name), ["audit_kappa", "human_valid_share"])
        // Recording the same keys again replaces them; the named metrics of the recipe are replaced as a set.
        var updated = metric
        updated.value = 0.75
        try store.recordHumanLabels(mine([label(2, true, true, annotator: "ann", recipe: "r")]), metrics: [updated],
                                    replacingMetrics: ["human_valid_share", "audit_kappa"])
        let labels = try store.humanLabels(run: run)
        XCTAssertEqual(labels.count, 2)
        XCTAssertEqual(labels.first { $0.exampleIndex == 2 }?.isValid, true)
        XCTAssertEqual(try store.metrics(run: run).map(\.name), ["human_valid_share"])
        XCTAssertEqual(try store.metrics(run: run).first?.value, 0.75)
        // A label of a run that does not exist fails the whole transaction: nothing of it is stored.
        var stray = label(3, true, true, annotator: "ann")
        stray.runID = run + 100
        XCTAssertThrowsError(try store.recordHumanLabels(mine([label(4, true, true)]) + [stray],
                                                         metrics: [MetricRecord(runID: run, recipe: "r", name: "human_labelled", value: 9)]))
        XCTAssertEqual(try store.humanLabels(run: run).count, 2)
        XCTAssertEqual(try store.metrics(run: run).map(\.name), ["human_valid_share"])
    }
}
