// Polarity: did the attack flip what the text asserts? A swapped word that is a WordNet antonym of the
// original (directly, or through the similar-to adjectives of WordNet's adjective clusters), or a
// negation added or removed.
import Attacks
import WordNet

/// No swapped word is a WordNet antonym of the word it replaced. Value: the number of antonym swaps.
public struct AntonymSwap: ValidityCheck {
    public init() {}
    public var name: String { "antonym" }
    public var settings: [String: String] { [:] }
    public var needs: AuditNeeds { .wordNet }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        guard let wordnet = context.wordnet else { throw AuditError.missing("WordNet") }
        var found: [String] = []
        for swap in pair.alignment.substitutions {
            let old = pair.alignment.originalWords[swap.original], new = pair.alignment.adversarialWords[swap.adversarial]
            guard old.lowercased() != new.lowercased() else { continue }
            if wordnet.isAntonym(new, of: old) { found.append("\(old) → \(new)") }
        }
        return CheckResult(check: name, value: Double(found.count), passed: found.isEmpty,
                           detail: found.isEmpty ? nil : found.joined(separator: ", "))
    }
}

/// The attack neither added nor removed a negation. Value: |negations among the new words − negations
/// among the replaced or deleted ones|, so "don't" → "do not" is no change.
public struct NegationChange: ValidityCheck {
    /// Negation words (lowercased); a word ending in "n't" ("don't", "isn’t") is one too.
    public static let words: Set<String> = [
        "not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "nowhere", "cannot", "without",
        "nope", "nah", "ain't", "aint", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont",
        "cant", "couldnt", "shouldnt", "wouldnt", "hasnt", "havent", "hadnt",
    ]

    public static func isNegation(_ word: String) -> Bool {
        let lower = word.lowercased()
        return words.contains(lower) || lower.hasSuffix("n't") || lower.hasSuffix("n’t")
    }

    public init() {}
    public var name: String { "negation" }
    public var settings: [String: String] { [:] }
    public var needs: AuditNeeds { [] }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        let removed = pair.alignment.changedOriginal.map { pair.alignment.originalWords[$0] }.filter(Self.isNegation)
        let added = pair.alignment.changedAdversarial.map { pair.alignment.adversarialWords[$0] }.filter(Self.isNegation)
        let change = abs(added.count - removed.count)
        var detail: String?
        if change > 0 {
            detail = added.count > removed.count ? "added \(added.joined(separator: ", "))"
                : "removed \(removed.joined(separator: ", "))"
        }
        return CheckResult(check: name, value: Double(change), passed: change == 0, detail: detail)
    }
}
