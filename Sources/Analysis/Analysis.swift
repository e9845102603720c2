// Analysis: what the stored numbers mean. Computes the standard metrics of a recipe from its stored
// examples (`RecipeSummary`, `MetricName`), bootstrap intervals and McNemar's test (`Statistics`),
// the valid metrics of an audit (`Validity`), accuracy against the attack's budget (`BudgetCurves`) and the
// stored budget metrics (`BudgetMetrics`), compares two runs (`Comparison`), and reads, writes and checks
// baselines (`Baseline`, `Gate`).
// Reads records of the Results store; never opens a database or writes SQL itself.
//
// Statistics: `Bootstrap` (seeded SplitMix64 percentile intervals, B = 1000), `McNemar` (exact,
// two-sided), `RecipeSummary` (the standard metrics of a recipe's examples). Baselines and the CI gate:
// `Baseline` (file format documented in Baseline.swift) and `Gate` (rule documented in Gate.swift).
import Foundation
import Results

extension ResultStore {
    /// Computes the standard metrics of a recipe from its stored examples (`RecipeSummary`), records
    /// them, and returns them.
    @discardableResult
    public func recordSummaryMetrics(run id: Int64, recipe: String, resamples: Int = Bootstrap.defaultResamples,
                                     seed: UInt64 = Bootstrap.defaultSeed) throws -> [MetricRecord] {
        let examples = try examples(run: id, recipe: recipe)
        let metrics = RecipeSummary.metrics(of: examples, run: id, recipe: recipe, resamples: resamples, seed: seed)
        try recordMetrics(metrics)
        return metrics
    }

}
