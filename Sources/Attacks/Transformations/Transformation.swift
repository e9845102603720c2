// Transformation: how a text may be perturbed, one word position at a time. A search asks for the
// candidates at the positions that the pre-transformation constraints allow; the post-transformation
// constraints then filter them (Constraints/).
//
// Transformations that draw random edits (DeepWordBug's character edits with `random_one`, EDA's
// insertions) draw from `context.random`, the example's own generator, so that results are identical
// whatever the number of workers.

public protocol Transformation: Sendable {
    var name: String { get }
    /// The texts that change `text` at word `index` (empty when that word cannot be changed).
    func candidates(of text: AttackedText, at index: Int, context: AttackContext) -> [AttackedText]
    /// The transformations this one is made of: a composite lists its parts, anything else is [self].
    /// The random search applies one part per trial, as EDA applies one kind of edit per sentence.
    var parts: [any Transformation] { get }
}

extension Transformation {
    public var parts: [any Transformation] { [self] }
}

/// Several transformations at once: the candidates of each, in order, without repeated texts.
public struct CompositeTransformation: Transformation {
    public let members: [any Transformation]
    public var name: String { members.map(\.name).joined(separator: "+") }
    public var parts: [any Transformation] { members }

    public init(_ members: [any Transformation]) { self.members = members }

    public func candidates(of text: AttackedText, at index: Int, context: AttackContext) -> [AttackedText] {
        var seen = Set<String>()
        var out: [AttackedText] = []
        for member in members {
            for candidate in member.candidates(of: text, at: index, context: context)
            where candidate.text != text.text && seen.insert(candidate.text).inserted {
                out.append(candidate)
            }
        }
        return out
    }
}

/// Synonym substitution from WordNet 3.0 (PWWS, TextFooler-WordNet, EDA's synonym replacement): every
/// one-word synonym of the word over all its parts of speech and senses (WordNet order: POS, base form,
/// sense, word), re-inflected to the original's form (`inflect`) and in its letter case. Words with
/// anything but letters are left alone.
public struct WordNetSynonymSwap: Transformation {
    public var inflect: Bool
    /// Keep at most this many candidates (the first ones in WordNet order); nil for all.
    public var maxCandidates: Int?
    /// Use only the first N senses of each base form (most frequent first); nil for all.
    public var maxSenses: Int?
    public var name: String { "wordnet-synonyms" }

    public init(inflect: Bool = true, maxCandidates: Int? = nil, maxSenses: Int? = nil) {
        self.inflect = inflect
        self.maxCandidates = maxCandidates
        self.maxSenses = maxSenses
    }

    public func candidates(of text: AttackedText, at index: Int, context: AttackContext) -> [AttackedText] {
        let word = text.words[index]
        guard word.unicodeScalars.allSatisfy({ ($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A }) else { return [] }
        var synonyms = context.lexicon.synonyms(of: word, inflect: inflect, maxSenses: maxSenses)
        if let maxCandidates, synonyms.count > maxCandidates { synonyms = Array(synonyms.prefix(maxCandidates)) }
        return synonyms.map { text.replacingWord(at: index, with: $0) }
    }
}
