// ValidityCheck: the protocol every check implements, and what checks are given to run (`AuditContext`:
// one worker's sentence encoder with its cache, WordNet, the label-word table, the known words).
// A check first names the texts it needs embedded (the auditor embeds a batch of pairs' texts in one
// pass), then judges a pair from them.
import Attacks
import Foundation
import Tokenizer
import WordNet

/// What a check needs loaded.
public struct AuditNeeds: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The MiniLM sentence encoder.
    public static let encoder = AuditNeeds(rawValue: 1)
    /// WordNet 3.0.
    public static let wordNet = AuditNeeds(rawValue: 2)
    /// The label-word table of the training data.
    public static let labelWords = AuditNeeds(rawValue: 4)
    /// Words known to be words: the vocabulary and the dataset's words (besides WordNet).
    public static let knownWords = AuditNeeds(rawValue: 8)
}

public protocol ValidityCheck: Sendable {
    /// The name audit recipes use (`sentence-cosine`).
    var name: String { get }
    /// Its thresholds and settings, for the stored audit configuration.
    var settings: [String: String] { get }
    var needs: AuditNeeds { get }
    /// Texts to embed before `judge` (none by default).
    func texts(for pair: AuditedPair) -> [String]
    func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult
}

extension ValidityCheck {
    public func texts(for pair: AuditedPair) -> [String] { [] }
}

/// Words that count as words for the non-word check, besides WordNet's: a tokenizer vocabulary's whole
/// words and the dataset's own words, lowercased.
public struct KnownWords: Sendable {
    public var words: Set<String>
    public init(words: Set<String> = []) { self.words = words }

    /// Adds a tokenizer's whole-word tokens (not continuation pieces, not special tokens).
    public mutating func add(vocabularyOf tokenizer: TextTokenizer) {
        for id in 0..<Int32(clamping: tokenizer.vocabularySize) {
            guard let token = tokenizer.token(of: id), !token.hasPrefix("##"), !token.hasPrefix("["),
                  token.unicodeScalars.contains(where: { CharacterSet.letters.contains($0) }) else { continue }
            // Byte-level BPE and sentencepiece mark a word start; the word is what follows.
            let word = token.hasPrefix("Ġ") || token.hasPrefix("▁") ? String(token.dropFirst()) : token
            if !word.isEmpty { words.insert(word.lowercased()) }
        }
    }

    /// Adds the words of texts (as attacks split them).
    public mutating func add(texts: [String]) {
        for text in texts { for word in AttackedText(text).words { words.insert(word.lowercased()) } }
    }

    public func contains(_ word: String) -> Bool { words.contains(word.lowercased()) }
}

/// What one worker's checks use. Not shared between threads (the scorer owns a workspace and a cache).
public final class AuditContext {
    public let scorer: SimilarityScorer?
    public let wordnet: WordNetDatabase?
    public let lexicon: Lexicon
    public let labelWords: LabelWordTable?
    public let knownWords: KnownWords

    public init(encoder: (any SentenceEncoder)?, wordnet: WordNetDatabase?, labelWords: LabelWordTable?,
                knownWords: KnownWords) {
        scorer = encoder.map { SimilarityScorer(encoder: $0) }
        self.wordnet = wordnet
        lexicon = Lexicon(wordnet: wordnet)
        self.labelWords = labelWords
        self.knownWords = knownWords
    }

    /// The cosine of two texts' embeddings (already embedded by the auditor, else embedded now).
    func cosine(_ a: String, _ b: String) throws -> Double {
        guard let scorer else { throw AuditError.missing("the sentence encoder") }
        let vectors = try scorer.embeddings([a, b])
        return SimilarityMetric.cosine.similarity(vectors[0], vectors[1])
    }
}

public enum AuditError: Error, CustomStringConvertible, Equatable {
    /// An audit recipe that cannot be read or is not valid (one line, naming the file and key).
    case recipe(String)
    /// A resource a check needs is not loaded.
    case missing(String)

    public var description: String {
        switch self {
        case .recipe(let message): return message
        case .missing(let what): return "the audit needs \(what), which is not loaded"
        }
    }
}
