// Form: is the adversarial text still well formed? A swapped word that cannot be the original's part of
// speech (WordNet), a new word that is no word at all (a character edit's "fi1m"), and how much of the
// text changed (characters and words).
import Attacks
import Foundation
import WordNet

/// Every swapped word can be the original word's part of speech, as WordNet knows them (a word WordNet
/// does not know gives no evidence). Value: the number of swaps with no part of speech in common.
public struct PartOfSpeechChange: ValidityCheck {
    public init() {}
    public var name: String { "pos-change" }
    public var settings: [String: String] { [:] }
    public var needs: AuditNeeds { .wordNet }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        guard context.wordnet != nil else { throw AuditError.missing("WordNet") }
        var found: [String] = []
        for swap in pair.alignment.substitutions {
            let old = pair.alignment.originalWords[swap.original], new = pair.alignment.adversarialWords[swap.adversarial]
            guard old.lowercased() != new.lowercased() else { continue }
            let before = context.lexicon.partsOfSpeech(of: old), after = context.lexicon.partsOfSpeech(of: new)
            guard !before.isEmpty, !after.isEmpty, before.isDisjoint(with: after) else { continue }
            let names = { (set: Set<PartOfSpeech>) in set.sorted().map(\.description).joined(separator: "/") }
            found.append("\(old) (\(names(before))) → \(new) (\(names(after)))")
        }
        return CheckResult(check: name, value: Double(found.count), passed: found.isEmpty,
                           detail: found.isEmpty ? nil : found.joined(separator: ", "))
    }
}

/// Every new word is a word: WordNet knows it (through morphy), or it is in the known words (the
/// vocabulary and the dataset's own words), or it is a number. Value: the number of new non-words.
public struct NonWord: ValidityCheck {
    public init() {}
    public var name: String { "non-word" }
    public var settings: [String: String] { [:] }
    public var needs: AuditNeeds { [.wordNet, .knownWords] }

    public static func isNumber(_ word: String) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy { CharacterSet.decimalDigits.contains($0) || ",._".unicodeScalars.contains($0) }
    }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        let original = Set(pair.alignment.originalWords.map { $0.lowercased() })
        var found: [String] = []
        for position in pair.alignment.changedAdversarial {
            let word = pair.alignment.adversarialWords[position]
            if original.contains(word.lowercased()) || Self.isNumber(word) || context.knownWords.contains(word) { continue }
            if !context.lexicon.partsOfSpeech(of: word).isEmpty { continue }
            found.append(word)
        }
        return CheckResult(check: name, value: Double(found.count), passed: found.isEmpty,
                           detail: found.isEmpty ? nil : found.joined(separator: ", "))
    }
}

/// The share of the original's characters changed (Levenshtein distance in Unicode scalars over the
/// original's length) is at most `max`.
public struct ChangedCharacters: ValidityCheck {
    public let maximum: Double
    public init(maximum: Double) { self.maximum = maximum }
    public var name: String { "changed-characters" }
    public var settings: [String: String] { ["max": "\(maximum)"] }
    public var needs: AuditNeeds { [] }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        let a = Array(pair.original.unicodeScalars), b = Array(pair.adversarial.unicodeScalars)
        let share = Double(LevenshteinDistance.distance(a, b)) / Double(max(a.count, 1))
        return CheckResult(check: name, value: share, passed: share <= maximum)
    }
}

/// The share of the original's words changed (replaced, deleted or inserted, over the original's word
/// count) is at most `max`.
public struct ChangedWords: ValidityCheck {
    public let maximum: Double
    public init(maximum: Double) { self.maximum = maximum }
    public var name: String { "changed-words" }
    public var settings: [String: String] { ["max": "\(maximum)"] }
    public var needs: AuditNeeds { [] }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        let share = min(1, Double(pair.alignment.wordsChanged) / Double(max(pair.alignment.originalWords.count, 1)))
        return CheckResult(check: name, value: share, passed: share <= maximum)
    }
}
