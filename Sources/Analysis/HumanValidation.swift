// HumanValidation: what people's labels of sampled adversarial pairs mean for a recipe's numbers — each
// labelled example's verdict (several annotators combined by majority), the human-validated attack
// success rate with a Wilson interval, the agreement of an automatic audit with the people (precision
// and recall of "invalid", Cohen's kappa, the disagreements), and the metric records of both. Pure.
import Foundation
import Results

extension MetricName {
    /// Successful attacks of the recipe that people labelled (both questions answered).
    public static let humanLabelled = "human_labelled"
    /// Share of the labelled successful attacks people judged valid (same label and natural), with its
    /// Wilson interval.
    public static let humanValidShare = "human_valid_share"
    /// Attack success rate × human-valid share, with the share's Wilson interval scaled by the raw rate.
    public static let humanValidAttackSuccessRate = "human_valid_attack_success_rate"
    /// Of the labelled examples the audit judged invalid, the share people judged invalid too.
    public static let auditPrecisionInvalid = "audit_precision_invalid"
    /// Of the labelled examples people judged invalid, the share the audit judged invalid too.
    public static let auditRecallInvalid = "audit_recall_invalid"
    /// Cohen's kappa of the audit's and the people's valid/invalid verdicts.
    public static let auditKappa = "audit_kappa"
}

/// The Wilson score interval of a binomial proportion.
public enum WilsonInterval {
    /// The standard normal quantile of 0.975 (a two-sided 95% interval).
    public static let z95 = 1.959963984540054

    /// The share `successes / trials` with its Wilson score interval:
    /// centre (p + z²/2n) / (1 + z²/n), half-width z / (1 + z²/n) · √(p(1−p)/n + z²/4n²), clamped to
    /// [0, 1] (exactly 0 when there are no successes, exactly 1 when all are). Nil when there are no trials
    /// or the counts are impossible.
    public static func interval(successes: Int, trials: Int, z: Double = z95) -> ConfidenceInterval? {
        guard trials > 0, successes >= 0, successes <= trials, z.isFinite, z > 0 else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        let low = successes == 0 ? 0 : max(0, centre - half)
        let high = successes == trials ? 1 : min(1, centre + half)
        return ConfidenceInterval(value: p, low: low, high: high)
    }
}

/// People's verdict on one successful attack: its complete labels (both questions answered) and the
/// majority. A tie counts as invalid: a pair is a valid adversarial example only when most of the people
/// who judged it say so.
public struct HumanJudgement: Sendable, Equatable {
    public var exampleIndex: Int
    /// The labels with both answers, by annotator.
    public var labels: [HumanLabelRecord]
    public var validVotes: Int
    public var invalidVotes: Int

    public var isValid: Bool { validVotes > invalidVotes }

    /// Each example's judgement from its labels (of one run and recipe); labels missing an answer are left
    /// out, and an example left with none has no judgement.
    public static func of(_ labels: [HumanLabelRecord]) -> [Int: HumanJudgement] {
        var judgements: [Int: HumanJudgement] = [:]
        for label in labels.sorted(by: { ($0.exampleIndex, $0.annotator) < ($1.exampleIndex, $1.annotator) }) {
            guard let valid = label.isValid else { continue }
            var judgement = judgements[label.exampleIndex]
                ?? HumanJudgement(exampleIndex: label.exampleIndex, labels: [], validVotes: 0, invalidVotes: 0)
            judgement.labels.append(label)
            if valid { judgement.validVotes += 1 } else { judgement.invalidVotes += 1 }
            judgements[label.exampleIndex] = judgement
        }
        return judgements
    }
}

/// A recipe's human-validated attack success rate.
public struct HumanValidation: Sendable, Equatable {
    /// Successful attacks with a judgement.
    public var labelled: Int
    /// Of those, the ones people judged valid.
    public var valid: Int
    /// valid / labelled, with its Wilson 95% interval.
    public var share: ConfidenceInterval
    /// The recipe's raw attack success rate: successes / attacked examples.
    public var rawSuccessRate: Double
    /// rawSuccessRate × share, the interval's ends scaled the same way.
    public var validatedSuccessRate: ConfidenceInterval
}

/// How an automatic audit's verdicts agree with people's on the labelled examples it audited, "invalid"
/// being the positive class.
public struct AuditAgreement: Sendable, Equatable {
    public struct Disagreement: Sendable, Equatable {
        public var exampleIndex: Int
        /// The checks the example failed (empty: the audit found it valid).
        public var failedChecks: [AuditCheckRecord]
        /// People's majority verdict.
        public var humanValid: Bool
        /// The people's complete labels of the example.
        public var labels: [HumanLabelRecord]
        public var auditInvalid: Bool { !failedChecks.isEmpty }
    }

    public var audit: String
    /// Labelled examples the audit covered.
    public var compared: Int
    /// Of those: judged invalid by people, by the audit, by both.
    public var humanInvalid: Int
    public var auditInvalid: Int
    public var both: Int
    /// both / auditInvalid; nil when the audit judged none invalid.
    public var precision: Double?
    /// both / humanInvalid; nil when people judged none invalid.
    public var recall: Double?
    /// Cohen's kappa; nil when it is undefined (both sides gave every example the same verdict).
    public var kappa: Double?
    /// The examples where the two differ, by index.
    public var disagreements: [Disagreement]

    /// Neither judged invalid.
    public var neither: Int { compared - humanInvalid - auditInvalid + both }
}

public enum HumanLabelStatistics {
    /// The human-validated success rate of one recipe from its examples and its judgements. Only
    /// judgements of examples that are successful attacks count. Nil when none is labelled.
    ///
    /// Interval: the Wilson score interval of the valid share (k valid of n labelled), its ends
    /// multiplied by the raw success rate. The raw rate is counted over every attacked example of the
    /// run, not estimated from a sample, so the labelled sample is the only source of sampling error in
    /// "the share of this run's examples that a valid attack fooled"; Wilson rather than the normal
    /// approximation because labelled samples are small and shares are often near 0 or 1, where the
    /// normal interval leaves [0, 1] or collapses to a point. (No finite-population correction: the
    /// interval is slightly conservative when most successes are labelled.)
    public static func validation(examples: [ExampleRecord], judgements: [Int: HumanJudgement]) -> HumanValidation? {
        let attacked = examples.filter(\.wasAttacked)
        let successes = attacked.filter { $0.status == .success }
        let labelled = successes.compactMap { judgements[$0.exampleIndex] }
        guard !attacked.isEmpty, !labelled.isEmpty else { return nil }
        let valid = labelled.filter(\.isValid).count
        guard let share = WilsonInterval.interval(successes: valid, trials: labelled.count) else { return nil }
        let raw = Double(successes.count) / Double(attacked.count)
        return HumanValidation(labelled: labelled.count, valid: valid, share: share, rawSuccessRate: raw,
                               validatedSuccessRate: ConfidenceInterval(value: raw * share.value, low: raw * share.low,
                                                                        high: raw * share.high))
    }

    /// The agreement of `verdicts` with the judgements over the judged examples the audit covered
    /// (automatic invalid: the example failed any check of the audit; human invalid: the majority said
    /// the label changed or the text is not natural). Nil when the audit covered none of them.
    public static func agreement(judgements: [Int: HumanJudgement], verdicts: AuditVerdicts) -> AuditAgreement? {
        var humanInvalid = 0, auditInvalid = 0, both = 0, compared = 0
        var disagreements: [AuditAgreement.Disagreement] = []
        for index in judgements.keys.sorted() where verdicts.audited.contains(index) {
            guard let judgement = judgements[index] else { continue }
            compared += 1
            let human = !judgement.isValid
            let automatic = verdicts.isInvalid(index)
            if human { humanInvalid += 1 }
            if automatic { auditInvalid += 1 }
            if human && automatic { both += 1 }
            if human != automatic {
                disagreements.append(.init(exampleIndex: index, failedChecks: verdicts.failedChecks[index] ?? [],
                                           humanValid: judgement.isValid, labels: judgement.labels))
            }
        }
        guard compared > 0 else { return nil }
        let neither = compared - humanInvalid - auditInvalid + both
        return AuditAgreement(audit: verdicts.audit, compared: compared, humanInvalid: humanInvalid, auditInvalid: auditInvalid,
                              both: both,
                              precision: auditInvalid > 0 ? Double(both) / Double(auditInvalid) : nil,
                              recall: humanInvalid > 0 ? Double(both) / Double(humanInvalid) : nil,
                              kappa: kappa(both: both, onlyFirst: auditInvalid - both, onlySecond: humanInvalid - both,
                                           neither: neither),
                              disagreements: disagreements)
    }

    /// Cohen's kappa of two raters' binary verdicts from the 2×2 counts: (p_o − p_e) / (1 − p_e), computed
    /// exactly as 2(ad − bc) / ((a+b)(b+d) + (a+c)(c+d)) with a = both positive, d = both negative,
    /// b and c the disagreements. Nil when the denominator is 0 (both raters gave everything one verdict)
    /// or there is nothing to compare.
    public static func kappa(both a: Int, onlyFirst b: Int, onlySecond c: Int, neither d: Int) -> Double? {
        guard a >= 0, b >= 0, c >= 0, d >= 0, a + b + c + d > 0 else { return nil }
        let denominator = (a + b) * (b + d) + (a + c) * (c + d)
        guard denominator != 0 else { return nil }
        return Double(2 * (a * d - b * c)) / Double(denominator)
    }

    /// The metric records of one recipe: `human_labelled`, `human_valid_share` and
    /// `human_valid_attack_success_rate` (with their intervals) from `validation`; and, from `agreement`,
    /// `audit_precision_invalid`, `audit_recall_invalid` and `audit_kappa` named for its audit
    /// (`MetricName.audited`), each only when defined.
    public static func metrics(run: Int64, recipe: String, validation: HumanValidation?,
                               agreement: AuditAgreement?) -> [MetricRecord] {
        var metrics: [MetricRecord] = []
        if let validation {
            metrics.append(MetricRecord(runID: run, recipe: recipe, name: MetricName.humanLabelled, value: Double(validation.labelled)))
            metrics.append(MetricRecord(runID: run, recipe: recipe, name: MetricName.humanValidShare, value: validation.share.value,
                                        low: validation.share.low, high: validation.share.high))
            let rate = validation.validatedSuccessRate
            metrics.append(MetricRecord(runID: run, recipe: recipe, name: MetricName.humanValidAttackSuccessRate, value: rate.value,
                                        low: rate.low, high: rate.high))
        }
        if let agreement {
            for (name, value) in [(MetricName.auditPrecisionInvalid, agreement.precision),
                                  (MetricName.auditRecallInvalid, agreement.recall), (MetricName.auditKappa, agreement.kappa)] {
                guard let value else { continue }
                metrics.append(MetricRecord(runID: run, recipe: recipe, name: MetricName.audited(name, audit: agreement.audit),
                                            value: value))
            }
        }
        return metrics
    }
}
