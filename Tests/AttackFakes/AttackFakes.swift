// AttackFakes: scripted stand-ins for the attack engine's parts, shared by AttacksTests and
// WorkflowsTests — a victim whose logit is a sum of word weights, sentence embeddings from word vectors,
// and a swap table — so tests can expect exact results.
import Attacks
import Foundation

/// A victim whose logit for "pos" is `bias` + the sum of per-word weights (lower-cased words; unknown
/// words weigh 0), p(pos) = σ(logit). Records the size of every batch it is asked for.
public final class WeightedWordVictim: Victim {
    public let labels = ["neg", "pos"]
    public let unknownToken = "[UNK]"
    public let weights: [String: Float]
    public let bias: Float
    /// The model "sees" only the first `maxWords` words (truncation).
    public let maxWords: Int?
    private var vocabulary: [String: Int32] = [:]
    private var words: [String] = []
    public private(set) var batches: [Int] = []

    public init(weights: [String: Float], bias: Float = 0, maxWords: Int? = nil) {
        self.weights = weights
        self.bias = bias
        self.maxWords = maxWords
    }

    public func tokenIDs(_ text: String) -> [Int32] {
        var seen = AttackedText(text).words.map { $0.lowercased() }
        if let maxWords { seen = Array(seen.prefix(maxWords)) }
        return [101] + seen.map { word in
            if let id = vocabulary[word] { return id }
            let id = Int32(1000 + words.count)
            vocabulary[word] = id
            words.append(word)
            return id
        } + [102]
    }

    public func visibleScalarLimit(_ text: String) -> Int? {
        let parsed = AttackedText(text)
        guard let maxWords, parsed.count > maxWords else { return nil }
        return parsed.scalarRanges()[maxWords - 1].upperBound
    }

    public func probabilities(_ sequences: [[Int32]]) throws -> [[Float]] {
        batches.append(sequences.count)
        return sequences.map { ids in
            var logit = bias
            for id in ids where id >= 1000 { logit += weights[words[Int(id) - 1000]] ?? 0 }
            let p = 1 / (1 + Foundation.exp(-logit))
            return [1 - p, p]
        }
    }

    public var totalQueried: Int { batches.reduce(0, +) }
}

/// Sentence embeddings from per-word vectors: the normalised sum of the vectors of the text's words
/// (lower case; a word without a vector adds `unknown`).
public final class WordVectorEncoder: SentenceEncoder {
    public let vectors: [String: [Float]]
    public let unknown: [Float]
    public private(set) var batches: [Int] = []

    public init(vectors: [String: [Float]], unknown: [Float] = [1, 0, 0]) {
        self.vectors = vectors
        self.unknown = unknown
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        batches.append(texts.count)
        return texts.map { text in
            var sum = [Float](repeating: 0, count: unknown.count)
            for word in AttackedText(text).words {
                let v = vectors[word.lowercased()] ?? unknown
                for i in sum.indices { sum[i] += v[i] }
            }
            let norm = max(sum.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
            return sum.map { $0 / norm }
        }
    }
}

/// Replacement lists by word (lower case), in order; keeps the original's capitalisation.
public struct DictionarySwap: Transformation {
    public let table: [String: [String]]
    public init(table: [String: [String]]) { self.table = table }
    public var name: String { "dictionary" }
    public func candidates(of text: AttackedText, at index: Int, context: AttackContext) -> [AttackedText] {
        (table[text.words[index].lowercased()] ?? []).map { text.replacingWord(at: index, with: $0) }
    }
}

