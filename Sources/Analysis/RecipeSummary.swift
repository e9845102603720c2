// RecipeSummary: the standard metrics of one recipe, computed from its per-example results, and what
// each metric means (its direction, and which per-example outcome it is the mean of).
import Foundation
import Results

/// Names of the standard metrics.
public enum MetricName {
    /// Share of examples the model gets right on the clean text.
    public static let cleanAccuracy = "clean_accuracy"
    /// Share of examples the model still gets right after the attack (clean-wrong ones count as wrong).
    public static let accuracyUnderAttack = "accuracy_under_attack"
    /// Share of attacked examples (clean-correct, not skipped) whose prediction the attack changed.
    public static let attackSuccessRate = "attack_success_rate"
    /// Mean share of words changed, over successful attacks.
    public static let wordsChangedFraction = "mean_words_changed_fraction"
    /// Mean model queries per attacked example.
    public static let meanQueries = "mean_queries"
    /// Mean sentence similarity of successful adversarial texts to their originals (when recorded).
    public static let meanSimilarity = "mean_similarity"
    /// Number of examples.
    public static let examples = "examples"

    /// The order metrics are listed in: the standard ones first, in this order (each valid metric right
    /// after its raw counterpart, the budget metrics last), then the rest by name.
    public static let standardOrder = [examples, cleanAccuracy, accuracyUnderAttack, "accuracy_under_valid_attack",
                                       attackSuccessRate, "valid_attack_success_rate", "audited_successes", "invalid_successes",
                                       wordsChangedFraction, meanQueries, meanSimilarity] + BudgetMetrics.names

    /// Sorts metrics by recipe, then in `standardOrder` of their base name (an audit's "name@audit" right after
    /// the default audit's "name", audits by name), then by name.
    public static func sorted(_ metrics: [MetricRecord]) -> [MetricRecord] {
        func key(_ name: String) -> (Int, String, Int, String) {
            let (base, audit) = splitAudit(name)
            return (standardOrder.firstIndex(of: base) ?? standardOrder.count, base, audit == defaultAudit ? 0 : 1, audit)
        }
        return metrics.sorted {
            let a = key($0.name), b = key($1.name)
            return ($0.recipe, a.0, a.1, a.2, a.3, $0.name) < ($1.recipe, b.0, b.1, b.2, b.3, $1.name)
        }
    }

    /// "↑" for higher-is-better metrics, "↓" for lower-is-better ones, "" for counts (examples, and an audit's
    /// successes audited, judged invalid and flagged by each check).
    public static func arrow(_ name: String) -> String {
        name == examples || isAuditCount(name) ? "" : (higherIsBetter(name) ? " ↑" : " ↓")
    }

    /// Whether a larger value means a better (more accurate or more robust) model. Known names are
    /// listed; otherwise names containing "loss", "error", "success" or "seconds", or starting with "invalid",
    /// are lower-is-better, and the
    /// rest higher-is-better. A baseline file stores the direction explicitly, so it can be edited.
    public static func higherIsBetter(_ name: String) -> Bool {
        let name = splitAudit(name).base   // "valid_attack_success_rate@morris2020" reads as its base name
        switch name {
        case cleanAccuracy, accuracyUnderAttack, wordsChangedFraction, meanQueries, examples,
             "accuracy_under_valid_attack", "audited_successes": return true
        // Accuracy within a query budget, and its mean over budgets: raw and valid alike.
        case _ where BudgetMetrics.isBudgetMetric(name): return true
        // More similar adversarial texts = a stealthier attack.
        case attackSuccessRate, meanSimilarity, "valid_attack_success_rate": return false
        // Skipped examples are not attacked, yet count as correct under attack (TextAttack's rule): a
        // rise means the evaluation tests less, so the gate treats it as the regression.
        case "skipped": return false
        // Reduced precision against fp32 (`bf16_agreement`, …): agreement up, disagreements and differences down.
        case _ where name.hasSuffix("_disagreements") || name.hasSuffix("_max_probability_difference"): return false
        default:
            let lowered = name.lowercased()
            return !(lowered.contains("loss") || lowered.contains("error") || lowered.contains("success")
                     || lowered.hasPrefix("invalid") || lowered.contains("seconds"))
        }
    }

    /// The per-example 0/1 outcome an accuracy-like metric is the mean of, for paired (McNemar) tests.
    /// Nil for other metrics.
    public static func pairedOutcome(_ name: String) -> (@Sendable (ExampleRecord) -> Bool)? {
        switch name {
        case cleanAccuracy: return { $0.isCleanCorrect }
        case accuracyUnderAttack: return { $0.isCorrectUnderAttack }
        default: return nil
        }
    }
}

public enum RecipeSummary {
    /// The standard metrics of one recipe's examples, with bootstrap 95% intervals:
    /// - `examples` (count) and `clean_accuracy`, always (when there are examples);
    /// - `accuracy_under_attack`, `attack_success_rate` and `mean_queries` when at least one attack
    ///   was attempted (status success or failed);
    /// - `mean_words_changed_fraction` (and `mean_similarity`, when recorded) when at least one
    ///   attack succeeded.
    /// Each interval uses its own seed derived from `seed` and the metric's name, so adding a metric
    /// never changes another's interval.
    public static func metrics(of examples: [ExampleRecord], run: Int64, recipe: String,
                               resamples: Int = Bootstrap.defaultResamples,
                               seed: UInt64 = Bootstrap.defaultSeed) -> [MetricRecord] {
        guard !examples.isEmpty else { return [] }
        var metrics: [MetricRecord] = []
        func add(_ name: String, _ interval: ConfidenceInterval?) {
            guard let interval else { return }
            metrics.append(MetricRecord(runID: run, recipe: recipe, name: name, value: interval.value,
                                        low: interval.low, high: interval.high))
        }
        func seedFor(_ name: String) -> UInt64 { Bootstrap.seed(seed, for: name) }
        metrics.append(MetricRecord(runID: run, recipe: recipe, name: MetricName.examples, value: Double(examples.count)))
        add(MetricName.cleanAccuracy, Bootstrap.proportion(examples.map(\.isCleanCorrect), resamples: resamples,
                                                            seed: seedFor(MetricName.cleanAccuracy)))
        let attacked = examples.filter(\.wasAttacked)
        if !attacked.isEmpty {
            add(MetricName.accuracyUnderAttack,
                Bootstrap.proportion(examples.map(\.isCorrectUnderAttack), resamples: resamples,
                                     seed: seedFor(MetricName.accuracyUnderAttack)))
            add(MetricName.attackSuccessRate,
                Bootstrap.proportion(attacked.map { $0.status == .success }, resamples: resamples,
                                     seed: seedFor(MetricName.attackSuccessRate)))
            add(MetricName.meanQueries, Bootstrap.mean(attacked.map { Double($0.queries) }, resamples: resamples,
                                                        seed: seedFor(MetricName.meanQueries)))
        }
        let successes = examples.filter { $0.status == .success }
        if !successes.isEmpty {
            let fractions = successes.map { $0.wordsTotal > 0 ? Double($0.wordsChanged) / Double($0.wordsTotal) : 0 }
            add(MetricName.wordsChangedFraction, Bootstrap.mean(fractions, resamples: resamples,
                                                                 seed: seedFor(MetricName.wordsChangedFraction)))
            let similarities = successes.compactMap(\.similarity)
            if !similarities.isEmpty {
                add(MetricName.meanSimilarity, Bootstrap.mean(similarities, resamples: resamples,
                                                               seed: seedFor(MetricName.meanSimilarity)))
            }
        }
        return metrics
    }

    /// The pairable outcomes of an accuracy-like metric over a recipe's examples (nil for other metrics).
    public static func pairableOutcomes(of examples: [ExampleRecord], metric: String) -> [PairableOutcome]? {
        guard let outcome = MetricName.pairedOutcome(metric) else { return nil }
        return examples.map {
            PairableOutcome(index: $0.exampleIndex, fingerprint: TextFingerprint.of($0.text), correct: outcome($0))
        }
    }
}
