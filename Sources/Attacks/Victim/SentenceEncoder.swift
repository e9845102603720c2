// SentenceEncoder: sentence embeddings for the similarity constraint and for the similarity the results
// store records — the MiniLM base model (models/all-MiniLM-L6-v2), mean pooled and L2-normalised, as
// sentence-transformers computes them. Like a victim, an encoder instance is used by one worker at a
// time (it owns a workspace); the weights are shared.
import Foundation
import Tokenizer
import Transformer

public protocol SentenceEncoder: AnyObject {
    /// L2-normalised embeddings of `texts`, computed in one batched pass.
    func embed(_ texts: [String]) throws -> [[Float]]
}

/// Mean-pooled, normalised embeddings of a BERT encoder (sentence-transformers' MiniLM recipe).
public final class MiniLMEncoder: SentenceEncoder {
    public let model: EncoderModel
    public let tokenizer: TextTokenizer
    /// all-MiniLM-L6-v2's `max_seq_length` is 256 word pieces.
    public let maxLength: Int
    private let workspace: Workspace

    public init(model: EncoderModel, tokenizer: TextTokenizer, maxLength: Int = 256) {
        self.model = model
        self.tokenizer = tokenizer
        self.maxLength = max(2, min(maxLength, model.config.maxSequenceLength))
        workspace = model.makeWorkspace(training: false)
    }

    /// Loads the base model folder (a bare encoder is fine: its new head is never used).
    public static func loadModel(directory: URL) throws -> (EncoderModel, TextTokenizer) {
        let checkpoint = try ModelHandle(directory: directory)
        return (checkpoint.model, checkpoint.tokenizer)
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let batch = TokenBatch(texts.map { tokenizer.encode($0, maxLength: maxLength).ids })
        let hidden = try model.encode(batch, workspace: workspace)
        return Pooling.mean(hidden: hidden, batch: batch, width: model.config.hiddenSize, normalise: true)
    }
}

/// How two embeddings are compared.
public enum SimilarityMetric: String, Sendable, CaseIterable {
    /// The cosine of the angle (normalised embeddings: their dot product).
    case cosine
    /// 1 − angle/π, as TextAttack's USE constraint with `metric: angular`.
    case angular

    public func similarity(_ a: [Float], _ b: [Float]) -> Double {
        var dot: Float = 0
        for i in 0..<min(a.count, b.count) { dot += a[i] * b[i] }
        let cosine = Double(max(-1, min(1, dot)))
        switch self {
        case .cosine: return cosine
        case .angular: return 1 - acos(cosine) / Double.pi
        }
    }
}

/// An encoder with a per-example cache keyed by text (a window or a whole text is embedded once).
public final class SimilarityScorer {
    public let encoder: any SentenceEncoder
    private var cache: [String: [Float]] = [:]
    public private(set) var encoded = 0

    public init(encoder: any SentenceEncoder) { self.encoder = encoder }

    /// Embeddings of `texts`, the uncached ones computed in one pass.
    public func embeddings(_ texts: [String]) throws -> [[Float]] {
        var missing: [String] = []
        var seen = Set<String>()
        for text in texts where cache[text] == nil && seen.insert(text).inserted { missing.append(text) }
        if !missing.isEmpty {
            let vectors = try encoder.embed(missing)
            guard vectors.count == missing.count else {
                throw AttackError.victim("the sentence encoder returned \(vectors.count) embeddings for \(missing.count) texts")
            }
            for (text, vector) in zip(missing, vectors) { cache[text] = vector }
            encoded += missing.count
        }
        return texts.map { cache[$0] ?? [] }
    }

    /// The similarity of each pair (a, b), all embeddings in one pass.
    public func similarities(_ pairs: [(String, String)], metric: SimilarityMetric) throws -> [Double] {
        let vectors = try embeddings(pairs.flatMap { [$0.0, $0.1] })
        return pairs.indices.map { metric.similarity(vectors[2 * $0], vectors[2 * $0 + 1]) }
    }

    public func reset() { cache.removeAll(keepingCapacity: true) }
}
