// WordNet: morphy(7), the base forms of an inflected word.
//
// For a word and a POS, in this order, keeping only forms that are lemmas of that POS's index:
//  1. the word itself;
//  2. if the word is in the POS's exception list (`*.exc`), the listed base forms, and nothing
//     else (as WordNet's morphword() and NLTK do, the rules are then not applied);
//  3. otherwise the detachment rules of morphy(7), each tried once on the word:
//       noun       s→ ses→s xes→x zes→z ches→ch shes→sh men→man ies→y
//       verb       s→ ies→y es→e es→ ed→e ed→ ing→e ing→
//       adjective  er→ est→ er→e est→e
//       adverb     (exception list only)
//     Nouns ending in `ss` or of at most two letters get no rules; a noun ending in `ful` is
//     reduced without the `ful` and gets it back (`boxesful` → `boxful`), as in WordNet's morph.c.
//  4. if nothing was found and the word is a collocation (`attorneys general`, `looking for`),
//     each word is replaced by itself or its base forms (only the first word for verbs) and the
//     combinations that are index lemmas are kept (at most 64 combinations are tried).
// Unlike WordNet's C morphy, which stops at the first hit, all hits are returned, in that order.
// Words are matched case-insensitively; spaces and underscores are the same.
import Foundation

extension WordNetDatabase {
    static let detachmentRules: [PartOfSpeech: [(suffix: String, ending: String)]] = [
        .noun: [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
                ("men", "man"), ("ies", "y")],
        .verb: [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
                ("ing", "e"), ("ing", "")],
        .adjective: [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
        .adverb: [],
    ]

    /// The base forms (lemmas) of `word` as `pos`, by morphy(7); empty when the word is not a form
    /// of any `pos` lemma. `baseForms(of: "children", pos: .noun) == ["child"]`,
    /// `baseForms(of: "better", pos: .adjective) == ["better", "good", "well"]`.
    public func baseForms(of word: String, pos: PartOfSpeech) -> [String] {
        baseFormKeys(WordNetDatabase.key(word), pos: pos).map(WordNetDatabase.spaced)
    }

    /// The base forms of `word` over the given POS (all loaded POS when nil), deduplicated,
    /// POS by POS in WordNet order (noun, verb, adjective, adverb).
    public func lemmas(of word: String, pos: PartOfSpeech? = nil) -> [String] {
        let key = WordNetDatabase.key(word)
        var seen = Set<String>()
        var out: [String] = []
        for p in pos.map({ [$0] }) ?? partsOfSpeech {
            for base in baseFormKeys(key, pos: p) where seen.insert(base).inserted {
                out.append(WordNetDatabase.spaced(base))
            }
        }
        return out
    }

    /// The parts of speech `word` can be (as itself or as an inflection of a lemma).
    public func partsOfSpeech(of word: String) -> Set<PartOfSpeech> {
        let key = WordNetDatabase.key(word)
        return Set(partsOfSpeech.filter { !baseFormKeys(key, pos: $0).isEmpty })
    }

    /// The synsets of every base form of `word` (all loaded POS when `pos` is nil): POS by POS,
    /// base form by base form, each in sense order, without repeats.
    public func synsets(of word: String, pos: PartOfSpeech? = nil) -> [Synset] {
        let key = WordNetDatabase.key(word)
        var seen = Set<SynsetID>()
        var out: [Synset] = []
        for p in pos.map({ [$0] }) ?? partsOfSpeech {
            for base in baseFormKeys(key, pos: p) {
                for synset in synsets(key: base, pos: p) where seen.insert(synset.id).inserted {
                    out.append(synset)
                }
            }
        }
        return out
    }

    // MARK: - Implementation (index spelling in and out)

    func baseFormKeys(_ key: String, pos: PartOfSpeech) -> [String] {
        guard let table = tables[pos], !key.isEmpty else { return [] }
        var out: [String] = []
        func add(_ candidate: String) {
            if table.index[candidate] != nil && !out.contains(candidate) { out.append(candidate) }
        }
        add(key)
        if let bases = table.exceptions[key] {
            bases.forEach(add)
            return out
        }
        ruleCandidates(key, pos: pos, table: table).forEach(add)
        if out.isEmpty && key.contains("_") {
            collocationCandidates(key, pos: pos, table: table).forEach(add)
        }
        return out
    }

    /// The detachment-rule results of one word that are index lemmas (not the word itself).
    private func ruleCandidates(_ key: String, pos: PartOfSpeech, table: POSTable) -> [String] {
        if pos == .noun {
            if key.hasSuffix("ful") && key.count > 3 {
                let stem = String(key.dropLast(3))
                let stemBases = table.exceptions[stem] ?? rules(stem, pos: pos, table: table)
                return stemBases.map { $0 + "ful" }.filter { table.index[$0] != nil }
            }
            if key.hasSuffix("ss") || key.count <= 2 { return [] }
        }
        return rules(key, pos: pos, table: table)
    }

    private func rules(_ key: String, pos: PartOfSpeech, table: POSTable) -> [String] {
        var out: [String] = []
        for rule in WordNetDatabase.detachmentRules[pos] ?? [] where key.hasSuffix(rule.suffix) {
            guard key.count > rule.suffix.count else { continue }
            let candidate = String(key.dropLast(rule.suffix.count)) + rule.ending
            if candidate != key && table.index[candidate] != nil && !out.contains(candidate) {
                out.append(candidate)
            }
        }
        return out
    }

    /// Collocations: every word by itself or its base forms (verbs: only the first word).
    private func collocationCandidates(_ key: String, pos: PartOfSpeech, table: POSTable) -> [String] {
        let words = key.split(separator: "_").map(String.init)
        guard words.count > 1 else { return [] }
        var options: [[String]] = []
        for (i, word) in words.enumerated() {
            var choices = [word]
            if pos != .verb || i == 0 {
                let bases = table.exceptions[word] ?? ruleCandidates(word, pos: pos, table: table)
                for base in bases where !choices.contains(base) { choices.append(base) }
            }
            options.append(choices)
        }
        var combinations = [""]
        for choices in options {
            var next: [String] = []
            for prefix in combinations {
                for choice in choices where next.count < 64 {
                    next.append(prefix.isEmpty ? choice : prefix + "_" + choice)
                }
            }
            combinations = next
        }
        return combinations.filter { $0 != key && table.index[$0] != nil }
    }
}
