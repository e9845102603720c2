// The attack contract: what a procedure receives for one example (`AttackContext`), what it returns
// (`AttackOutcome`), and the protocol every attack conforms to (`AttackProcedure`) — a composed text
// attack (goal · transformation · constraints · search, see Recipes/ComposedAttack.swift) or a custom
// procedure such as the embedding-space attacks (Embedding/).
import Basics
import Foundation
import WordNet

/// How one example ended under one attack: the attack's own outcome vocabulary (the workflow layer
/// maps it to stored records).
public enum AttackStatus: String, Sendable, CaseIterable, Codable {
    /// The attack changed the prediction away from the gold label.
    case success
    /// The model was right before the attack, and the attack did not change that.
    case failed
    /// The attack was not attempted (empty text, unknown label, no word it may change, an error); the
    /// clean prediction stands, and `reason` says why.
    case skipped
    /// The model was already wrong on the clean text, so there was nothing to attack.
    case cleanWrong = "clean_wrong"
}

/// One example to attack: its position in the run's data slice, its text and its gold label name.
public struct AttackInput: Sendable, Equatable {
    public var index: Int
    public var text: String
    public var gold: String

    public init(index: Int, text: String, gold: String) {
        self.index = index
        self.text = text
        self.gold = gold
    }
}

/// One point an example contributes to a curve, e.g. (ε = 0.05, correct = 1) for an ε sweep. The runner
/// stores the mean y over all examples for each (curve, x) as the run's curve points.
public struct CurveObservation: Sendable, Equatable, Codable {
    public var curve: String
    public var xName: String
    public var x: Double
    public var yName: String
    public var y: Double

    public init(curve: String, xName: String, x: Double, yName: String, y: Double) {
        self.curve = curve
        self.xName = xName
        self.x = x
        self.yName = yName
        self.y = y
    }
}

/// What an attack did to one example. The runner adds what it measures itself (queries, cache hits,
/// time, similarity) and commits the example to the results store.
public struct AttackOutcome: Sendable {
    /// `.success`, `.failed` or `.skipped` (the runner decides `.cleanWrong` before the attack runs).
    public var status: AttackStatus
    /// The best adversarial text found (successful or not), nil when nothing was changed.
    public var adversarialText: String?
    /// The victim's probabilities on `adversarialText`.
    public var adversarialProbabilities: [Float]?
    /// Words changed (replaced, inserted, moved or deleted) relative to the original.
    public var wordsChanged: Int
    /// Why the example was skipped or the attack stopped (one line), e.g. "query budget spent".
    public var reason: String?
    /// Points this example contributes to curves (embedding attacks: correct at each ε).
    public var curves: [CurveObservation]
    /// Extra per-example numbers kept in the record's detail JSON.
    public var details: [String: Double]

    public init(status: AttackStatus, adversarialText: String? = nil, adversarialProbabilities: [Float]? = nil,
                wordsChanged: Int = 0, reason: String? = nil, curves: [CurveObservation] = [],
                details: [String: Double] = [:]) {
        self.status = status
        self.adversarialText = adversarialText
        self.adversarialProbabilities = adversarialProbabilities
        self.wordsChanged = wordsChanged
        self.reason = reason
        self.curves = curves
        self.details = details
    }

    public static func skipped(_ reason: String) -> AttackOutcome { AttackOutcome(status: .skipped, reason: reason) }
}

/// Everything an attack may use for one example. Made by the runner for each example, on the worker
/// that attacks it: the victim and encoder are that worker's, the cache and the generator are the
/// example's own.
public final class AttackContext {
    /// The example's text, split into words.
    public let original: AttackedText
    /// The gold label's index in `labels`.
    public let gold: Int
    public let labels: [String]
    /// The victim's probabilities on the clean text (the first query).
    public let cleanProbabilities: [Float]
    /// Words at this index and beyond lie past the model's maximum length (the model never sees them),
    /// so attacks leave them alone. `original.count` when the text fits.
    public let visibleWords: Int
    /// Queries to the victim go through here (cache, counters, budget).
    public let oracle: QueryOracle
    /// Sentence embeddings (nil when no encoder was loaded).
    public let similarity: SimilarityScorer?
    /// The example's own generator: `SeededRandom(seed: SeededRandom.mix(runSeed, exampleIndex))`.
    public var random: SeededRandom
    /// WordNet lookups, cached per worker.
    public let lexicon: Lexicon
    /// The sentence similarity the similarity constraint measured for each candidate text it kept (a
    /// search prefers the most similar of equally good successes, as TextAttack's greedy search does).
    public var candidateSimilarity: [String: Double] = [:]

    public init(original: AttackedText, gold: Int, labels: [String], cleanProbabilities: [Float], visibleWords: Int,
                oracle: QueryOracle, similarity: SimilarityScorer?, random: SeededRandom, lexicon: Lexicon) {
        self.original = original
        self.gold = gold
        self.labels = labels
        self.cleanProbabilities = cleanProbabilities
        self.visibleWords = visibleWords
        self.oracle = oracle
        self.similarity = similarity
        self.random = random
        self.lexicon = lexicon
    }

    public var victim: any Victim { oracle.victim }
}

/// An attack on one example. Conform to this for a procedure that is not a composition of the four
/// parts (e.g. FGSM/PGD on the word embeddings), and register it in `Embedding/EmbeddingProcedures.swift`
/// (or `ProcedureCatalog`) so that a recipe can name it under `procedure:`.
///
/// The runner has already checked the example (non-empty, known label, clean prediction right) and
/// spent one query on the clean text; the procedure returns `.success`, `.failed` or `.skipped`.
/// Procedures must draw randomness only from `context.random`, and query the victim only through
/// `context.oracle` (or, for gradients, `context.victim as? ModelVictim`), so that results do not
/// depend on the number of workers.
public protocol AttackProcedure: Sendable {
    func attack(_ input: AttackInput, context: AttackContext) throws -> AttackOutcome
    /// Whether the procedure needs the sentence encoder (the runner then refuses to start without one).
    var needsSentenceEncoder: Bool { get }
    /// The query budget the runner applies to the oracle (nil: none).
    var queryBudget: Int? { get }
    /// Whether the procedure needs a victim with gradients (`GradientVictim`).
    var needsGradients: Bool { get }
    /// Whether it perturbs the word embeddings rather than the text (FGSM, PGD).
    var perturbsEmbeddings: Bool { get }
    /// Whether it looks words up in WordNet (the runner's `Lexicon` then needs the database).
    var needsWordNet: Bool { get }
    /// The names of the transformations it applies (e.g. `wordnet-synonyms`, `char-swap`), so that
    /// retraining can tell which attacks share transformations; `["embedding"]` for embedding
    /// perturbations, empty when it has no named parts.
    var transformationNames: [String] { get }
}

extension AttackProcedure {
    public var needsSentenceEncoder: Bool { false }
    public var queryBudget: Int? { nil }
    public var needsGradients: Bool { false }
    public var perturbsEmbeddings: Bool { false }
    public var needsWordNet: Bool { false }
    public var transformationNames: [String] { perturbsEmbeddings ? ["embedding"] : [] }
}

/// A one-line error of the attack module.
public enum AttackError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A recipe file or recipe name that cannot be used (the message names the file and line).
    case recipe(String)
    /// The victim or encoder misbehaved.
    case victim(String)
    /// A requirement of a recipe that this setup cannot meet (e.g. no sentence encoder).
    case unsupported(String)
    /// The victim could not answer at all (a service unreachable or failing after its retries, or answering
    /// with something that fails its checks): the example is not recorded and the run stops.
    case unavailable(String)

    public var description: String {
        switch self {
        case .recipe(let message), .victim(let message), .unsupported(let message), .unavailable(let message): return message
        }
    }
}

/// WordNet lookups for the synonym transformations and the part-of-speech constraint, cached per
/// worker (the answers never depend on the cache, so sharing it across examples keeps results
/// deterministic).
public final class Lexicon {
    public let wordnet: WordNetDatabase?
    private var synonymCache: [String: [String]] = [:]
    private var posCache: [String: Set<PartOfSpeech>] = [:]
    private var dominantCache: [String: PartOfSpeech?] = [:]

    public init(wordnet: WordNetDatabase?) { self.wordnet = wordnet }

    /// One-word synonyms of `word`, inflected like it and in its letter case (WordNet order, see
    /// `WordNetDatabase.synonymsInflected`); `inflect: false` gives the lemmas instead.
    public func synonyms(of word: String, inflect: Bool, maxSenses: Int?) -> [String] {
        guard let wordnet else { return [] }
        let key = "\(inflect ? 1 : 0)|\(maxSenses ?? -1)|\(word)"
        if let cached = synonymCache[key] { return cached }
        let options = SynonymOptions(singleTokenOnly: true, allowHyphens: false, lettersOnly: true, maxSenses: maxSenses)
        var result: [String]
        if inflect {
            result = wordnet.synonymsInflected(for: word, options: options)
        } else {
            let lower = word.lowercased()
            result = wordnet.synonyms(of: word, options: options).map { Lexicon.matchCase(of: word, $0) }
            result.removeAll { $0.lowercased() == lower }
        }
        synonymCache[key] = result
        return result
    }

    /// The parts of speech `word` can have (through morphy); empty when WordNet does not know it.
    public func partsOfSpeech(of word: String) -> Set<PartOfSpeech> {
        guard let wordnet else { return [] }
        let key = word.lowercased()
        if let cached = posCache[key] { return cached }
        let result = wordnet.partsOfSpeech(of: key)
        posCache[key] = result
        return result
    }

    /// The part of speech `word` most often has: the POS whose base forms have the most sense-tagged
    /// occurrences in WordNet's concordance (`tagSenseCount`), ties broken by synset count, then by
    /// WordNet order (noun, verb, adjective, adverb). Nil when WordNet does not know the word.
    public func dominantPartOfSpeech(of word: String) -> PartOfSpeech? {
        guard let wordnet else { return nil }
        let key = word.lowercased()
        if let cached = dominantCache[key] { return cached }
        var best: (pos: PartOfSpeech, tagged: Int, senses: Int)?
        for pos in PartOfSpeech.allCases {
            var tagged = 0, senses = 0
            for base in wordnet.baseForms(of: key, pos: pos) {
                if let entry = wordnet.indexEntry(lemma: base, pos: pos) {
                    tagged += entry.tagSenseCount
                    senses += entry.synsetOffsets.count
                }
            }
            guard senses > 0 else { continue }
            if let current = best, (tagged, senses) <= (current.tagged, current.senses) { continue }
            best = (pos, tagged, senses)
        }
        dominantCache[key] = best?.pos
        return best?.pos
    }

    static func matchCase(of original: String, _ word: String) -> String {
        guard let first = original.first else { return word }
        if original.count > 1 && original == original.uppercased() && original != original.lowercased() {
            return word.uppercased()
        }
        if first.isUppercase { return word.prefix(1).uppercased() + word.dropFirst() }
        return word
    }
}
