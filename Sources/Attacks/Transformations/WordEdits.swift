// Word edits as in EDA (Wei & Zou 2019), at word position i:
//   word-delete   drop word i (never the only word)
//   word-swap     exchange word i with another word (random_one: one random other word; else each)
//   word-insert   insert a WordNet synonym of word i at a random position (random_one: one random
//                 synonym; else every synonym, each at its own random position)
// EDA's fourth operation, synonym replacement, is `wordnet-synonyms`.
import Basics

public struct WordEdit: Transformation {
    public enum Kind: String, Sendable, CaseIterable {
        case delete, swap, insert
    }

    public var kind: Kind
    public var randomOne: Bool

    public init(_ kind: Kind, randomOne: Bool = true) {
        self.kind = kind
        self.randomOne = randomOne
    }

    public var name: String { "word-\(kind.rawValue)" }

    public func candidates(of text: AttackedText, at index: Int, context: AttackContext) -> [AttackedText] {
        let n = text.count
        switch kind {
        case .delete:
            return n > 1 ? [text.deletingWord(at: index)] : []
        case .swap:
            guard n > 1 else { return [] }
            var others = Array(0..<n)
            others.remove(at: index)
            if randomOne { others = [others[context.random.below(others.count)]] }
            return others.compactMap { j in
                text.words[j] == text.words[index] ? nil : text.swappingWords(index, j)
            }
        case .insert:
            let word = text.words[index]
            guard word.unicodeScalars.allSatisfy({ ($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A }) else { return [] }
            var synonyms = context.lexicon.synonyms(of: word.lowercased(), inflect: true, maxSenses: nil)
            guard !synonyms.isEmpty else { return [] }
            if randomOne { synonyms = [synonyms[context.random.below(synonyms.count)]] }
            return synonyms.map { synonym in
                text.insertingWord(synonym, at: context.random.below(n + 1))
            }
        }
    }
}
