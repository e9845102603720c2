// Validity: what an audit's stored check values mean for a recipe's numbers — which successful attacks
// were invalid and why, and the valid counterparts of the raw metrics (an example that fails any check
// of the audit counts as a failed attack). Also the metric names of the valid numbers.
import Foundation
import Results

/// The verdicts of one audit on one recipe's successful attacks, from its stored check values.
public struct AuditVerdicts: Sendable, Equatable {
    /// The audit recipe's name.
    public var audit: String
    /// The checks that failed, by example index, for every audited example that failed at least one.
    public var failedChecks: [Int: [AuditCheckRecord]]
    /// The example indices that were audited (every successful attack with a text to audit).
    public var audited: Set<Int>

    public init(audit: String, checks: [AuditCheckRecord]) {
        self.audit = audit
        var failed: [Int: [AuditCheckRecord]] = [:]
        var audited = Set<Int>()
        for check in checks where check.audit == audit {
            audited.insert(check.exampleIndex)
            if !check.passed { failed[check.exampleIndex, default: []].append(check) }
        }
        failedChecks = failed
        self.audited = audited
    }

    /// Whether the successful attack on example `index` was judged invalid.
    public func isInvalid(_ index: Int) -> Bool { failedChecks[index] != nil }

    /// How many invalid examples each check flagged (an example can be flagged by several), most first.
    public func reasons() -> [(check: String, count: Int)] {
        var counts: [String: Int] = [:]
        for checks in failedChecks.values { for check in checks { counts[check.checkName, default: 0] += 1 } }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
    }
}

extension ExampleRecord {
    /// Whether the attack succeeded and the audit found it valid: `verdicts` nil means not audited, so the
    /// raw outcome stands.
    public func isValidSuccess(_ verdicts: AuditVerdicts?) -> Bool {
        status == .success && !(verdicts?.isInvalid(exampleIndex) ?? false)
    }

    /// Whether the model is still right after the attack, an invalid success counting as a failed attack.
    public func isCorrectUnderValidAttack(_ verdicts: AuditVerdicts?) -> Bool {
        isCleanCorrect && status != .cleanWrong && !isValidSuccess(verdicts)
    }
}

extension MetricName {
    /// The audit whose metrics carry the plain names; other audits' names end in "@AUDIT".
    public static let defaultAudit = "default"

    /// Share of attacked examples whose attack succeeded and passed every check of the audit.
    public static let validAttackSuccessRate = "valid_attack_success_rate"
    /// Share of examples the model still gets right when invalid successes count as failed attacks.
    public static let accuracyUnderValidAttack = "accuracy_under_valid_attack"
    /// Successful attacks the audit judged invalid.
    public static let invalidSuccesses = "invalid_successes"
    /// Successful attacks audited.
    public static let auditedSuccesses = "audited_successes"

    /// `name` for audit `audit`: unchanged for the default audit, else "name@audit".
    public static func audited(_ name: String, audit: String) -> String {
        audit == defaultAudit ? name : "\(name)@\(audit)"
    }

    /// The base name and audit of a metric name ("valid_attack_success_rate@morris2020" →
    /// ("valid_attack_success_rate", "morris2020")); the default audit for names without "@".
    public static func splitAudit(_ name: String) -> (base: String, audit: String) {
        guard let at = name.lastIndex(of: "@") else { return (name, defaultAudit) }
        return (String(name[..<at]), String(name[name.index(after: at)...]))
    }

    /// A check's count of invalid examples: "invalid[antonym]" (with "@audit" for other audits).
    public static func invalidBecause(_ check: String, audit: String) -> String {
        audited("invalid[\(check)]", audit: audit)
    }
}

public enum ValidityMetrics {
    /// The valid metrics of one recipe under one audit, with bootstrap intervals seeded as
    /// `RecipeSummary`'s are: valid attack success rate and accuracy under valid attack (when something
    /// was attacked), the counts of audited and invalid successes, and one count per failing check.
    public static func metrics(of examples: [ExampleRecord], verdicts: AuditVerdicts, run: Int64, recipe: String,
                               resamples: Int = Bootstrap.defaultResamples,
                               seed: UInt64 = Bootstrap.defaultSeed) -> [MetricRecord] {
        let attacked = examples.filter(\.wasAttacked)
        guard !attacked.isEmpty else { return [] }
        let audit = verdicts.audit
        var metrics: [MetricRecord] = []
        func add(_ base: String, _ interval: ConfidenceInterval?) {
            guard let interval else { return }
            metrics.append(MetricRecord(runID: run, recipe: recipe, name: MetricName.audited(base, audit: audit),
                                        value: interval.value, low: interval.low, high: interval.high))
        }
        func count(_ name: String, _ value: Int) {
            metrics.append(MetricRecord(runID: run, recipe: recipe, name: name, value: Double(value)))
        }
        func seedFor(_ name: String) -> UInt64 { Bootstrap.seed(seed, for: name) }
        add(MetricName.validAttackSuccessRate,
            Bootstrap.proportion(attacked.map { $0.isValidSuccess(verdicts) }, resamples: resamples,
                                 seed: seedFor(MetricName.validAttackSuccessRate)))
        add(MetricName.accuracyUnderValidAttack,
            Bootstrap.proportion(examples.map { $0.isCorrectUnderValidAttack(verdicts) }, resamples: resamples,
                                 seed: seedFor(MetricName.accuracyUnderValidAttack)))
        let successes = Set(examples.filter { $0.status == .success }.map(\.exampleIndex))
        count(MetricName.audited(MetricName.auditedSuccesses, audit: audit), verdicts.audited.intersection(successes).count)
        count(MetricName.audited(MetricName.invalidSuccesses, audit: audit),
              verdicts.failedChecks.keys.filter { successes.contains($0) }.count)
        for (check, n) in verdicts.reasons() { count(MetricName.invalidBecause(check, audit: audit), n) }
        return metrics
    }
}

extension AuditVerdicts {
    /// Audit names in display order: the default audit first, then by name, each once.
    public static func ordered(_ audits: [String]) -> [String] {
        Set(audits).sorted { ($0 == MetricName.defaultAudit ? 0 : 1, $0) < ($1 == MetricName.defaultAudit ? 0 : 1, $1) }
    }

    /// The verdicts of every audit present in one recipe's check values, in `ordered` order.
    public static func all(_ checks: [AuditCheckRecord]) -> [AuditVerdicts] {
        ordered(checks.map(\.audit)).map { AuditVerdicts(audit: $0, checks: checks) }
    }
}

extension MetricName {
    /// The check and audit of a check's count of invalid examples ("invalid[antonym]@morris2020" →
    /// ("antonym", "morris2020")); nil for any other name. Reverses `invalidBecause`.
    public static func invalidCheck(_ name: String) -> (check: String, audit: String)? {
        let (base, audit) = splitAudit(name)
        guard base.hasPrefix("invalid["), base.hasSuffix("]"), base.count > "invalid[]".count else { return nil }
        return (String(base.dropFirst("invalid[".count).dropLast()), audit)
    }

    /// Whether a metric is one of an audit's counts: successes audited, judged invalid, or flagged by a check.
    public static func isAuditCount(_ name: String) -> Bool {
        let base = splitAudit(name).base
        return base == auditedSuccesses || base == invalidSuccesses || invalidCheck(name) != nil
    }
}
