// Gate: judges a run against a baseline (the CI regression gate), and compares two runs.
//
// The gate's rule, per baseline metric:
//   regression = (baseline − current) for higher-is-better metrics, (current − baseline) otherwise.
//   - the run has no such metric                      → "missing"     (the gate cannot judge: exit 2)
//   - regression ≤ tolerance                          → "ok" (or "improved" when it is < −tolerance)
//   - regression > tolerance, and the metric is accuracy-like (clean_accuracy, accuracy_under_attack)
//     with per-example outcomes in the baseline that share examples (same index, same text) with the run:
//       McNemar exact p < α (0.05)                    → "regression"  (exit 1)
//       p ≥ α                                         → "not significant" (passes: within noise)
//   - regression > tolerance, no paired data          → "regression"  (exit 1)
//     (the valid and the budget metrics keep no per-example outcomes in a baseline: the valid ones depend on
//     audit check values the gate does not read, and ten more arrays per recipe would swell the file; so
//     tolerance alone decides for them)
// Exit code: 2 if any metric is missing, else 1 if any regression, else 0.
import Foundation
import Results

public struct GateRow: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable {
        case ok, improved, regression, notSignificant = "not significant", missing
    }
    public var recipe: String
    public var metric: String
    public var higherIsBetter: Bool
    public var baseline: Double
    public var current: Double?
    public var tolerance: Double
    public var mcnemar: McNemarResult?
    public var verdict: Verdict

    /// current − baseline.
    public var delta: Double? { current.map { $0 - baseline } }
}

public struct GateReport: Sendable, Equatable {
    public var runID: Int64
    public var baselinePath: String
    public var baselineRunID: Int64
    public var alpha: Double
    public var rows: [GateRow]

    /// 0 within tolerance, 1 on a regression, 2 when a metric is missing from the run.
    public var exitCode: Int32 {
        if rows.contains(where: { $0.verdict == .missing }) { return 2 }
        if rows.contains(where: { $0.verdict == .regression }) { return 1 }
        return 0
    }

    /// A Markdown table for a CI job summary, with a one-line result after it.
    public func markdown() -> String {
        var lines: [String] = []
        lines.append("### robust gate: run \(runID) against `\(baselinePath)` (baseline run \(baselineRunID))")
        lines.append("")
        lines.append("| recipe | metric | baseline | current | Δ | tolerance | verdict |")
        lines.append("|---|---|---:|---:|---:|---:|---|")
        for row in rows {
            let arrow = row.higherIsBetter ? "↑" : "↓"
            let current = row.current.map { ResultFormat.value($0) } ?? "—"
            let delta = row.delta.map { ResultFormat.signed($0) } ?? "—"
            var verdict: String
            switch row.verdict {
            case .ok: verdict = "✅ ok"
            case .improved: verdict = "✅ improved"
            case .regression: verdict = "❌ regression"
            case .notSignificant: verdict = "⚠️ beyond tolerance, not significant"
            case .missing: verdict = "⛔ missing from run"
            }
            if let test = row.mcnemar { verdict += " (McNemar p=\(ResultFormat.pValue(test.pValue)), n=\(test.pairs))" }
            lines.append("| \(row.recipe) | \(row.metric) \(arrow) | \(ResultFormat.value(row.baseline)) | \(current) | \(delta) | ±\(ResultFormat.value(row.tolerance)) | \(verdict) |")
        }
        lines.append("")
        let regressions = rows.filter { $0.verdict == .regression }.count
        let missing = rows.filter { $0.verdict == .missing }.count
        switch exitCode {
        case 0: lines.append("**Result: PASS**: \(rows.count) metric\(rows.count == 1 ? "" : "s") within tolerance or not significantly worse.")
        case 1: lines.append("**Result: FAIL**: \(regressions) regression\(regressions == 1 ? "" : "s") beyond tolerance (α = \(alpha) where per-example data allows a McNemar test).")
        default: lines.append("**Result: ERROR**: \(missing) metric\(missing == 1 ? "" : "s") missing from run \(runID).")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

public enum Gate {
    public static let defaultAlpha = 0.05

    /// Judges `metrics`/`examples` of run `runID` against `baseline` (see the rule at the top of this file).
    public static func evaluate(baseline: Baseline, baselinePath: String, runID: Int64, metrics: [MetricRecord],
                                examples: [ExampleRecord], alpha: Double = defaultAlpha) -> GateReport {
        var current: [String: Double] = [:]
        for metric in metrics { current["\(metric.recipe)\u{0}\(metric.name)"] = metric.value }
        let examplesByRecipe = Dictionary(grouping: examples, by: \.recipe)
        var rows: [GateRow] = []
        for expected in baseline.metrics {
            var row = GateRow(recipe: expected.recipe, metric: expected.name, higherIsBetter: expected.higherIsBetter,
                              baseline: expected.value, current: current["\(expected.recipe)\u{0}\(expected.name)"],
                              tolerance: expected.tolerance, mcnemar: nil, verdict: .ok)
            guard let value = row.current else {
                row.verdict = .missing
                rows.append(row)
                continue
            }
            let regression = expected.higherIsBetter ? expected.value - value : value - expected.value
            let slack = 1e-12 * max(1, abs(expected.value))
            if regression <= expected.tolerance + slack {
                row.verdict = regression < -(expected.tolerance + slack) ? .improved : .ok
            } else {
                row.verdict = .regression
                if let stored = baseline.perExample.first(where: { $0.recipe == expected.recipe && $0.metric == expected.name }),
                   let recipeExamples = examplesByRecipe[expected.recipe],
                   let outcomes = RecipeSummary.pairableOutcomes(of: recipeExamples, metric: expected.name),
                   let test = PairedOutcomes.mcnemar(stored.outcomes, outcomes) {
                    row.mcnemar = test
                    if test.pValue >= alpha { row.verdict = .notSignificant }
                }
            }
            rows.append(row)
        }
        return GateReport(runID: runID, baselinePath: baselinePath, baselineRunID: baseline.sourceRun.id, alpha: alpha,
                          rows: rows)
    }
}

/// One metric of two runs side by side.
public struct ComparisonRow: Sendable, Equatable {
    public var recipe: String
    public var metric: String
    public var a: MetricRecord?
    public var b: MetricRecord?
    /// Paired test on per-example correctness (accuracy-like metrics, when the runs share examples).
    public var mcnemar: McNemarResult?
    /// Paired bootstrap interval of b − a over the shared examples (same metrics as `mcnemar`).
    public var pairedDelta: ConfidenceInterval?

    /// b − a.
    public var delta: Double? {
        guard let a, let b else { return nil }
        return b.value - a.value
    }
}

public enum Comparison {
    /// Every metric of either run, by recipe then name, with McNemar p-values where both runs have
    /// per-example outcomes on shared examples (same index and same text).
    public static func compare(aMetrics: [MetricRecord], aExamples: [ExampleRecord], bMetrics: [MetricRecord],
                               bExamples: [ExampleRecord]) -> [ComparisonRow] {
        func key(_ m: MetricRecord) -> String { "\(m.recipe)\u{0}\(m.name)" }
        let aByKey = Dictionary(aMetrics.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let bByKey = Dictionary(bMetrics.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let aExamplesByRecipe = Dictionary(grouping: aExamples, by: \.recipe)
        let bExamplesByRecipe = Dictionary(grouping: bExamples, by: \.recipe)
        let keys = Set(aByKey.keys).union(bByKey.keys)
        let ordered = MetricName.sorted(keys.map { key -> MetricRecord in
            let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            return MetricRecord(runID: 0, recipe: parts[0], name: parts[1], value: 0)
        })
        return ordered.map { placeholder in
            let recipe = placeholder.recipe, metric = placeholder.name
            let k = "\(recipe)\u{0}\(metric)"
            var row = ComparisonRow(recipe: recipe, metric: metric, a: aByKey[k], b: bByKey[k], mcnemar: nil)
            if let left = aExamplesByRecipe[recipe].flatMap({ RecipeSummary.pairableOutcomes(of: $0, metric: metric) }),
               let right = bExamplesByRecipe[recipe].flatMap({ RecipeSummary.pairableOutcomes(of: $0, metric: metric) }) {
                row.mcnemar = PairedOutcomes.mcnemar(left, right)
                row.pairedDelta = PairedOutcomes.difference(left, right)
            }
            return row
        }
    }
}

/// Number formatting shared by the gate, compare and show.
public enum ResultFormat {
    /// Four significant decimals for values under 10, fewer for larger ones; whole numbers past 10^15 (and
    /// infinities, such as a difference of two huge values) in Swift's own notation, as Int64 cannot hold them.
    public static func value(_ x: Double) -> String {
        if !x.isFinite || abs(x) >= 1e15 { return "\(x)" }
        if x == x.rounded() && abs(x) >= 10 { return String(Int64(x)) }
        if abs(x) >= 100 { return String(format: "%.1f", x) }
        if abs(x) >= 10 { return String(format: "%.2f", x) }
        return String(format: "%.4f", x)
    }

    public static func signed(_ x: Double) -> String {
        let text = value(abs(x))
        if !text.contains(where: { $0 != "0" && $0 != "." }) { return text }   // rounds to zero: no sign
        if x > 0 { return "+" + text }
        if x < 0 { return "−" + text }
        return text
    }

    public static func pValue(_ p: Double) -> String {
        if p < 0.0001 { return "<0.0001" }
        if p >= 0.1 { return String(format: "%.2f", p) }
        return String(format: "%.4f", p)
    }
}
