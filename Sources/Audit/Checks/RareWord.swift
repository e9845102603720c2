// RareWord: a synonym swap that reaches for a word people rarely use ("great" → "enceinte", "pure" →
// "arrant") reads as unnatural even when WordNet lists it as a synonym. A new word is rare when few of its
// senses ever occur in WordNet's sense-tagged corpus (SemCor: `tagsense_cnt` in WordNet's index, summed over
// its base forms and parts of speech; 0 for "enceinte", 6 for "great") and the training data has it in few
// texts. A word WordNet does not know at all is the non-word check's. The original word must not be rare
// itself (a rare word swapped for another is no change in register).
import WordNet

/// No swapped-in word is rare where the word it replaced is not. Value: the number of such swaps.
public struct RareWord: ValidityCheck {
    /// A word with fewer senses than this seen in WordNet's tagged corpus (over its base forms and parts of speech)…
    public let minTagged: Int
    /// …and in fewer training texts than this is rare.
    public let minTexts: Int
    public init(minTagged: Int, minTexts: Int) {
        self.minTagged = max(1, minTagged)
        self.minTexts = max(1, minTexts)
    }
    public var name: String { "rare-word" }
    public var settings: [String: String] { ["min_tagged": "\(minTagged)", "min_texts": "\(minTexts)"] }
    /// The training data's counts are used when the audit has them (an eval); without them (one text), WordNet's alone.
    public var needs: AuditNeeds { .wordNet }

    /// The senses of `word` seen in WordNet's tagged corpus (`tagsense_cnt`), over its base forms in every part of speech.
    public static func taggedSenses(of word: String, in wordnet: WordNetDatabase) -> Int {
        var total = 0
        for pos in PartOfSpeech.allCases {
            for base in wordnet.baseForms(of: word.lowercased(), pos: pos) {
                total += wordnet.indexEntry(lemma: base, pos: pos)?.tagSenseCount ?? 0
            }
        }
        return total
    }

    /// A word WordNet knows (a word it does not know is the non-word check's) with few tagged senses and few
    /// training texts.
    func isRare(_ word: String, wordnet: WordNetDatabase, table: LabelWordTable?) -> Bool {
        !wordnet.partsOfSpeech(of: word.lowercased()).isEmpty
            && Self.taggedSenses(of: word, in: wordnet) < minTagged && (table?.count(of: word) ?? 0) < minTexts
    }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        guard let wordnet = context.wordnet else { throw AuditError.missing("WordNet") }
        let table = context.labelWords
        var found: [String] = []
        for swap in pair.alignment.substitutions {
            let old = pair.alignment.originalWords[swap.original], new = pair.alignment.adversarialWords[swap.adversarial]
            guard old.lowercased() != new.lowercased(), new.allSatisfy(\.isLetter) else { continue }
            if isRare(new, wordnet: wordnet, table: table) && !isRare(old, wordnet: wordnet, table: table) {
                found.append("\(old) → \(new)")
            }
        }
        return CheckResult(check: name, value: Double(found.count), passed: found.isEmpty,
                           detail: found.isEmpty ? nil : found.joined(separator: ", "))
    }
}
