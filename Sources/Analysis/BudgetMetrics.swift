// BudgetMetrics: the accuracy-vs-queries budget curve of a recipe as stored numbers — robust accuracy at
// fixed query budgets and the normalised area under the curve — raw, and under an audit's verdicts (an
// invalid success never breaks its example). Pure: computed from examples with `BudgetCurves`' rule.
//
// Metrics (all higher-is-better, shares in 0…1, each with a 95% bootstrap interval):
//   accuracy_at_25_queries, accuracy_at_50_queries, accuracy_at_100_queries, accuracy_at_200_queries
//       accuracy if the attack had been stopped after that many model queries per example;
//   accuracy_vs_queries_auc
//       the area under the accuracy-vs-queries step curve over [0, 1000] queries divided by 1000: the mean
//       accuracy over that range of budgets (queries are whole numbers, so it is the mean of the accuracy
//       at budgets 0, 1, …, 999; each holds until the next).
//   valid_accuracy_at_N_queries, valid_accuracy_vs_queries_auc
//       the same under an audit (named through `MetricName.audited`: "…@AUDIT" for audits but the default).
// The range is fixed, not the most queries a run happened to spend, so that runs (other recipes, models,
// query limits) are comparable: a budget past 1000 counts nowhere, and an attack that needed more than
// 1000 queries counts as not having broken that example within the range.
// Only recipes whose attacked examples count queries get them (an embedding attack or a clean evaluation
// records none).
import Foundation
import Results

public enum BudgetMetrics {
    /// The query budgets with a metric of their own.
    public static let budgets = [25, 50, 100, 200]
    /// The budgets the area runs over: [0, aucLimit] queries.
    public static let aucLimit = 1000

    /// "accuracy_at_25_queries".
    public static func accuracyAt(_ budget: Int) -> String { "accuracy_at_\(budget)_queries" }
    /// "valid_accuracy_at_25_queries".
    public static func validAccuracyAt(_ budget: Int) -> String { "valid_accuracy_at_\(budget)_queries" }
    public static let auc = "accuracy_vs_queries_auc"
    public static let validAUC = "valid_accuracy_vs_queries_auc"

    /// Every raw and (default-audit) valid name, raw then valid for each budget, then the areas.
    public static var names: [String] {
        budgets.flatMap { [accuracyAt($0), validAccuracyAt($0)] } + [auc, validAUC]
    }

    /// Whether `name` (with or without "@audit") is a budget metric.
    public static func isBudgetMetric(_ name: String) -> Bool {
        names.contains(MetricName.splitAudit(name).base)
    }

    /// The budget metrics of one recipe: the raw ones, and with `verdicts` the valid ones of that audit.
    /// Empty unless some attacked example counted its queries. Intervals are bootstrapped per metric with
    /// a seed derived from `seed` and the metric's base name, as `RecipeSummary` does.
    public static func metrics(of examples: [ExampleRecord], verdicts: AuditVerdicts?, run: Int64, recipe: String,
                               resamples: Int = Bootstrap.defaultResamples,
                               seed: UInt64 = Bootstrap.defaultSeed) -> [MetricRecord] {
        guard !examples.isEmpty, BudgetCurves.countsQueries(examples) else { return [] }
        var metrics: [MetricRecord] = []
        func add(_ outcomes: [BudgetCurves.Outcome], audit: String?) {
            for budget in budgets {
                let base = audit == nil ? accuracyAt(budget) : validAccuracyAt(budget)
                let correct = outcomes.map { isCorrect($0, at: Double(budget)) }
                append(base, audit: audit, Bootstrap.proportion(correct, resamples: resamples, seed: seedFor(base, seed)))
            }
            let base = audit == nil ? auc : validAUC
            append(base, audit: audit, Bootstrap.mean(outcomes.map(areaShare), resamples: resamples, seed: seedFor(base, seed)))
        }
        func append(_ base: String, audit: String?, _ interval: ConfidenceInterval?) {
            guard let interval else { return }
            let name = audit.map { MetricName.audited(base, audit: $0) } ?? base
            metrics.append(MetricRecord(runID: run, recipe: recipe, name: name, value: interval.value,
                                        low: interval.low, high: interval.high))
        }
        add(examples.map { BudgetCurves.outcome($0, cost: BudgetCurves.queries) }, audit: nil)
        if let verdicts {
            add(examples.map { BudgetCurves.outcome($0, cost: BudgetCurves.queries, verdicts: verdicts) }, audit: verdicts.audit)
        }
        return metrics
    }

    /// Whether an example with this outcome is correct at budget `b`.
    static func isCorrect(_ outcome: BudgetCurves.Outcome, at b: Double) -> Bool {
        switch outcome {
        case .neverCorrect: return false
        case .alwaysCorrect: return true
        case let .brokenAt(cost): return cost > b
        }
    }

    /// The share of the budgets [0, aucLimit] at which an example is correct: its mean over examples is
    /// the area under the step curve divided by aucLimit.
    static func areaShare(_ outcome: BudgetCurves.Outcome) -> Double {
        switch outcome {
        case .neverCorrect: return 0
        case .alwaysCorrect: return 1
        case let .brokenAt(cost): return min(max(cost, 0), Double(aucLimit)) / Double(aucLimit)
        }
    }

    private static func seedFor(_ name: String, _ seed: UInt64) -> UInt64 { Bootstrap.seed(seed, for: name) }

    // MARK: - Reading them back

    /// One line of a budget table: the raw numbers (`audit` nil) or one audit's valid numbers.
    public struct Row: Sendable, Equatable {
        public var audit: String?
        /// Accuracy at each of `budgets` (nil where not stored).
        public var accuracy: [Int: Double]
        public var auc: Double?
    }

    /// The budget numbers among a recipe's stored metrics, raw first, then each audit (default first, then
    /// by name). Empty when none is stored.
    public static func rows(from metrics: [MetricRecord]) -> [Row] {
        var raw = Row(audit: nil, accuracy: [:], auc: nil)
        var valid: [String: Row] = [:]
        for metric in metrics {
            let (base, audit) = MetricName.splitAudit(metric.name)
            if let budget = budgets.first(where: { accuracyAt($0) == base }) {
                if audit == MetricName.defaultAudit && base == metric.name { raw.accuracy[budget] = metric.value }
            } else if base == auc, base == metric.name {
                raw.auc = metric.value
            } else if let budget = budgets.first(where: { validAccuracyAt($0) == base }) {
                valid[audit, default: Row(audit: audit, accuracy: [:], auc: nil)].accuracy[budget] = metric.value
            } else if base == validAUC {
                valid[audit, default: Row(audit: audit, accuracy: [:], auc: nil)].auc = metric.value
            }
        }
        var rows: [Row] = []
        if !raw.accuracy.isEmpty || raw.auc != nil { rows.append(raw) }
        let audits = AuditVerdicts.ordered(Array(valid.keys))
        rows += audits.compactMap { valid[$0] }
        return rows
    }
}
