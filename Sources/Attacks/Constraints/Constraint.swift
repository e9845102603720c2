// Constraint: what an adversarial text must respect. Two kinds of checks, as in TextAttack:
//   - pre-transformation (`allowsChange`): may word i of the current text be changed at all?
//     (stopwords, repeat modification, minimum word length, the words-changed budget);
//   - post-transformation (`filter`): which candidates are acceptable? (the words-changed budget,
//     Levenshtein distance, part of speech, sentence similarity). Candidates are filtered in batches,
//     so the similarity constraint embeds all of them in one pass; cheap constraints run first.
import Foundation
import WordNet

public protocol Constraint: Sendable {
    var name: String { get }
    /// Whether word `index` of `text` may be changed. Default: yes.
    func allowsChange(_ text: AttackedText, at index: Int, context: AttackContext) -> Bool
    /// The candidates (each made from `source` by one transformation) that satisfy the constraint,
    /// in their order. Default: all.
    func filter(_ candidates: [AttackedText], source: AttackedText, context: AttackContext) throws -> [AttackedText]
    /// Expensive constraints (a model pass) run after the cheap ones.
    var isExpensive: Bool { get }
    /// Whether the constraint needs the sentence encoder.
    var needsSentenceEncoder: Bool { get }
}

extension Constraint {
    public func allowsChange(_ text: AttackedText, at index: Int, context: AttackContext) -> Bool { true }
    public func filter(_ candidates: [AttackedText], source: AttackedText, context: AttackContext) throws -> [AttackedText] {
        candidates
    }
    public var isExpensive: Bool { false }
    public var needsSentenceEncoder: Bool { false }
}

/// No word is changed twice (TextAttack's RepeatModification): a changed or inserted word is frozen.
public struct RepeatModification: Constraint {
    public init() {}
    public var name: String { "repeat-modification" }
    public func allowsChange(_ text: AttackedText, at index: Int, context: AttackContext) -> Bool { !text.changed[index] }
}

/// Stopwords are left alone (compared in lower case).
public struct StopwordModification: Constraint {
    public let stopwords: Set<String>
    public init(stopwords: Set<String>) { self.stopwords = stopwords }
    public var name: String { "stopwords" }
    public func allowsChange(_ text: AttackedText, at index: Int, context: AttackContext) -> Bool {
        !stopwords.contains(text.words[index].lowercased())
    }
}

/// Words shorter than `minimum` characters are left alone.
public struct MinimumWordLength: Constraint {
    public let minimum: Int
    public init(minimum: Int) { self.minimum = minimum }
    public var name: String { "min-word-length" }
    public func allowsChange(_ text: AttackedText, at index: Int, context: AttackContext) -> Bool {
        text.words[index].count >= minimum
    }
}

/// At most a fraction (rounded up, as TextAttack's MaxWordsPerturbed) and/or a number of the original
/// words may be changed; at least one word may always change.
public struct MaxWordsPerturbed: Constraint {
    public let maxFraction: Double?
    public let maxCount: Int?
    public init(maxFraction: Double?, maxCount: Int?) {
        self.maxFraction = maxFraction
        self.maxCount = maxCount
    }
    public var name: String { "max-words-perturbed" }

    public func limit(originalWords: Int) -> Int {
        var limit = Int.max
        if let maxFraction { limit = min(limit, Int((Double(originalWords) * maxFraction - 1e-9).rounded(.up))) }
        if let maxCount { limit = min(limit, maxCount) }
        return max(1, limit)
    }

    public func allowsChange(_ text: AttackedText, at index: Int, context: AttackContext) -> Bool {
        text.changed[index] || text.wordsChanged < limit(originalWords: context.original.count)
    }

    public func filter(_ candidates: [AttackedText], source: AttackedText, context: AttackContext) throws -> [AttackedText] {
        let limit = limit(originalWords: context.original.count)
        return candidates.filter { $0.wordsChanged <= limit }
    }
}

/// The Levenshtein distance (in Unicode scalars) between the original text and a candidate is at most
/// `maxDistance` (TextAttack's LevenshteinEditDistance, used by DeepWordBug with 30).
public struct LevenshteinDistance: Constraint {
    public let maxDistance: Int
    public init(maxDistance: Int) { self.maxDistance = maxDistance }
    public var name: String { "levenshtein" }

    public func filter(_ candidates: [AttackedText], source: AttackedText, context: AttackContext) throws -> [AttackedText] {
        let original = Array(context.original.text.unicodeScalars)
        return candidates.filter {
            LevenshteinDistance.distance(original, Array($0.text.unicodeScalars), limit: maxDistance) <= maxDistance
        }
    }

    /// Edit distance with unit costs; stops early (returning limit + 1) once every path exceeds `limit`.
    public static func distance<T: Equatable>(_ a: [T], _ b: [T], limit: Int = .max) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        if abs(a.count - b.count) > limit { return limit == .max ? abs(a.count - b.count) : limit + 1 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if limit != .max && rowMinimum > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// Part-of-speech consistency through WordNet: a replacement must be usable as the part of speech the
/// original word most often has (`Lexicon.dominantPartOfSpeech`: the POS with the most sense-tagged
/// uses). `mode: any` only asks that the two words share some POS. `allow_verb_noun_swap` (TextFooler's
/// default) also accepts a noun for a verb and a verb for a noun. A word WordNet does not know (a
/// stopword, a name, a misspelling) gives no evidence, so such a change passes.
public struct PartOfSpeechConsistency: Constraint {
    public enum Mode: String, Sendable, CaseIterable { case dominant, any }
    public let mode: Mode
    public let allowVerbNounSwap: Bool
    public init(mode: Mode = .dominant, allowVerbNounSwap: Bool = true) {
        self.mode = mode
        self.allowVerbNounSwap = allowVerbNounSwap
    }
    public var name: String { "part-of-speech" }

    public func filter(_ candidates: [AttackedText], source: AttackedText, context: AttackContext) throws -> [AttackedText] {
        candidates.filter { candidate in
            candidate.lastChanged.allSatisfy { position in
                guard candidate.count == source.count, position < candidate.count else { return true }
                return consistent(source.words[position], candidate.words[position], lexicon: context.lexicon)
            }
        }
    }

    func consistent(_ old: String, _ new: String, lexicon: Lexicon) -> Bool {
        let newPOS = lexicon.partsOfSpeech(of: new)
        guard !newPOS.isEmpty else { return true }
        switch mode {
        case .dominant:
            guard let expected = lexicon.dominantPartOfSpeech(of: old) else { return true }
            if newPOS.contains(expected) { return true }
            let nounVerb: Set<PartOfSpeech> = [.noun, .verb]
            return allowVerbNounSwap && nounVerb.contains(expected) && !newPOS.isDisjoint(with: nounVerb)
        case .any:
            let oldPOS = lexicon.partsOfSpeech(of: old)
            guard !oldPOS.isEmpty else { return true }
            if !oldPOS.isDisjoint(with: newPOS) { return true }
            let nounVerb: Set<PartOfSpeech> = [.noun, .verb]
            return allowVerbNounSwap && !oldPOS.isDisjoint(with: nounVerb) && !newPOS.isDisjoint(with: nounVerb)
        }
    }
}

/// The sentence-embedding similarity between a candidate and its reference stays at or above
/// `threshold`. Embeddings: the MiniLM base model, mean pooled and normalised (`SentenceEncoder`).
/// - `window`: compare the `window` words around the changed word (TextFooler: 15) — or the whole
///   texts when nil;
/// - `compare_to`: `original` (the clean text) or `current` (the text the candidate was made from, as
///   TextFooler does);
/// - `metric`: `cosine`, or `angular` (1 − angle/π, TextAttack's USE setting).
/// All candidates of a step, with their references, are embedded in one pass (cached per example).
public struct SentenceSimilarity: Constraint {
    public enum Reference: String, Sendable, CaseIterable { case original, current }
    public let threshold: Double
    public let window: Int?
    public let reference: Reference
    public let metric: SimilarityMetric
    public init(threshold: Double, window: Int?, reference: Reference, metric: SimilarityMetric) {
        self.threshold = threshold
        self.window = window
        self.reference = reference
        self.metric = metric
    }
    public var name: String { "sentence-similarity" }
    public var isExpensive: Bool { true }
    public var needsSentenceEncoder: Bool { true }

    public func filter(_ candidates: [AttackedText], source: AttackedText, context: AttackContext) throws -> [AttackedText] {
        guard !candidates.isEmpty else { return [] }
        guard let scorer = context.similarity else {
            throw AttackError.unsupported("the sentence-similarity constraint needs the sentence encoder (the MiniLM base model)")
        }
        let base = reference == .original ? context.original : source
        let pairs: [(String, String)] = candidates.map { candidate in
            guard let window else { return (base.text, candidate.text) }
            let position = candidate.lastChanged.first ?? 0
            return (base.window(around: min(position, max(base.count - 1, 0)), size: window),
                    candidate.window(around: position, size: window))
        }
        let scores = try scorer.similarities(pairs, metric: metric)
        var kept: [AttackedText] = []
        for (candidate, score) in zip(candidates, scores) where score >= threshold {
            context.candidateSimilarity[candidate.text] = score
            kept.append(candidate)
        }
        return kept
    }
}
