// Audit: is a successful adversarial example a valid one? The module owns the validity checks (meaning:
// sentence and window cosines under MiniLM; antonyms and negation; label words; form: part of speech,
// non-words, share of characters and words changed), the YAML audit recipes that set their thresholds
// (built in from audits/*.yaml, plus a user folder), the word alignment of an original and its
// adversarial text, and the auditor that runs a recipe's checks over many pairs on several cores.
// Each check returns its value (a cosine, a count, a share) and whether it passed, so a stored run can be
// re-judged with other thresholds. Like Attacks, it knows nothing about storage: Workflows records it.
import Attacks
import Foundation

/// One successful adversarial example to audit: the original text, the adversarial one, and the gold
/// label (which the attack moved the model away from).
public struct AuditedPair: Sendable {
    /// The example's index in its run (what the verdicts are stored under).
    public let index: Int
    public let original: String
    public let adversarial: String
    public let gold: String
    /// Which words changed, from a word diff of the two texts.
    public let alignment: WordAlignment

    public init(index: Int, original: String, adversarial: String, gold: String) {
        self.index = index
        self.original = original
        self.adversarial = adversarial
        self.gold = gold
        alignment = WordAlignment(original: original, adversarial: adversarial)
    }
}

/// What a check found on one pair: its value whatever the threshold, whether it passed, and a few words
/// saying why for people ("good → bad").
public struct CheckResult: Sendable, Equatable {
    public var check: String
    public var value: Double
    public var passed: Bool
    public var detail: String?

    public init(check: String, value: Double, passed: Bool, detail: String? = nil) {
        self.check = check
        self.value = value
        self.passed = passed
        self.detail = detail
    }
}
