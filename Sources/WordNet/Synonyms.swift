// WordNet: synonym candidates for word-substitution attacks.
//
// synonyms(of:pos:) looks the word up through morphy (Morphy.swift), takes every synset of every
// base form, and returns the other words of those synsets: lowercased, deduplicated, without the
// word and its base forms, and by default one token only (no spaces, underscores or hyphens).
// The order is deterministic: POS by POS (noun, verb, adjective, adverb), base form by base form
// (morphy order), synset by synset in sense order (most frequent first), word by word in the
// synset's order. Inflected candidates (same form as the original) come from
// synonymsInflected(for:pos:) in Inflection.swift.
import Foundation

/// Which lemmas count as synonym candidates.
public struct SynonymOptions: Sendable, Hashable {
    /// Keep only lemmas of one word (no spaces or underscores). Default true.
    public var singleTokenOnly: Bool
    /// Keep lemmas with hyphens (`well-chosen`). Default false.
    public var allowHyphens: Bool
    /// Keep only lemmas made of the letters a-z (drops `o.k.`, `20th`, `ko'd`). Default false.
    public var lettersOnly: Bool
    /// Use only the first N senses of each base form (most frequent first); nil for all.
    public var maxSenses: Int?

    public init(singleTokenOnly: Bool = true, allowHyphens: Bool = false, lettersOnly: Bool = false,
                maxSenses: Int? = nil) {
        self.singleTokenOnly = singleTokenOnly
        self.allowHyphens = allowHyphens
        self.lettersOnly = lettersOnly
        self.maxSenses = maxSenses
    }

    public static let `default` = SynonymOptions()

    func accepts(_ lemma: String) -> Bool {
        if lemma.isEmpty { return false }
        if singleTokenOnly && (lemma.contains(" ") || lemma.contains("_")) { return false }
        if !allowHyphens && lemma.contains("-") { return false }
        if lettersOnly && !lemma.unicodeScalars.allSatisfy({ $0.value >= 0x61 && $0.value <= 0x7A }) { return false }
        return true
    }
}

/// The synonyms found through one base form of the word.
struct SynonymGroup {
    let pos: PartOfSpeech
    let baseKey: String
    /// Lowercased display spellings (spaces), in sense order then word order.
    let synonyms: [String]
}

extension WordNetDatabase {
    /// Synonym candidates for `word` (restricted to `pos` when given); see the file header for
    /// filtering and order. `synonyms(of: "movie", pos: .noun)` starts with `film`, `picture`.
    public func synonyms(of word: String, pos: PartOfSpeech? = nil,
                         options: SynonymOptions = .default) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for group in synonymGroups(WordNetDatabase.key(word), pos: pos, options: options) {
            for synonym in group.synonyms where seen.insert(synonym).inserted {
                out.append(synonym)
            }
        }
        return out
    }

    func synonymGroups(_ key: String, pos: PartOfSpeech?, options: SynonymOptions) -> [SynonymGroup] {
        let posList = pos.map { [$0] } ?? partsOfSpeech
        let bases = posList.map { (pos: $0, keys: baseFormKeys(key, pos: $0)) }
        var excluded: Set<String> = [WordNetDatabase.spaced(key)]
        for entry in bases { for base in entry.keys { excluded.insert(WordNetDatabase.spaced(base)) } }
        var groups: [SynonymGroup] = []
        for entry in bases {
            for base in entry.keys {
                var seen = Set<String>()
                var names: [String] = []
                for (sense, synset) in synsets(key: base, pos: entry.pos).enumerated() {
                    if let limit = options.maxSenses, sense >= limit { break }
                    for word in synset.words {
                        let name = word.lemma.lowercased()
                        if options.accepts(name) && !excluded.contains(name) && seen.insert(name).inserted {
                            names.append(name)
                        }
                    }
                }
                groups.append(SynonymGroup(pos: entry.pos, baseKey: base, synonyms: names))
            }
        }
        return groups
    }
}
