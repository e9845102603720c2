// Victim: the model under attack, as the attacks see it — text in, class probabilities out — and the
// per-example query layer (`QueryOracle`) that caches, counts and budgets every query.
//
// A victim is used by one worker thread at a time (it owns scratch space); the runner makes one per
// worker. The model it wraps is shared read-only between workers.
import Foundation
import Tensors
import Tokenizer
import Transformer

/// The classifier under attack.
public protocol Victim: AnyObject {
    /// Class names, in the model's order.
    var labels: [String] { get }
    /// The token that ranking by [UNK] substitutes for a word.
    var unknownToken: String { get }
    /// The text as the model sees it: token ids, truncated to the model's maximum length. These ids
    /// are the query cache key, so the tokenizer runs once per candidate text.
    func tokenIDs(_ text: String) -> [Int32]
    /// Where truncation cuts `text`: the Unicode-scalar offset after which the model sees nothing, or
    /// nil when the whole text fits.
    func visibleScalarLimit(_ text: String) -> Int?
    /// Class probabilities of each token sequence, computed in one batched pass (in the search precision).
    func probabilities(_ sequences: [[Int32]]) throws -> [[Float]]
    /// The precision `probabilities` runs in when it is not the reference (e.g. "bf16"); nil: they are exact.
    var reducedPrecision: String? { get }
    /// How far from success (in probability margin) an answer of `probabilities` may be and still be a success in
    /// fp32: candidates that close are re-checked too, so the search does not walk past a real success.
    var recheckMargin: Float { get }
    /// Class probabilities in the reference precision (fp32): what decides a clean prediction and a success.
    func exactProbabilities(_ sequences: [[Int32]]) throws -> [[Float]]
}

extension Victim {
    public var reducedPrecision: String? { nil }
    public var recheckMargin: Float { 0 }
    public func exactProbabilities(_ sequences: [[Int32]]) throws -> [[Float]] { try probabilities(sequences) }
}

/// A victim that can also say how much each word matters to its loss (for ranking by gradient).
public protocol GradientVictim: Victim {
    /// For each word (given by its Unicode-scalar range in `text`), the L1 norm of the mean gradient of
    /// the cross-entropy loss for `label` with respect to the word vectors of the word's tokens
    /// (TextAttack's gradient ranking). Words the model does not see get 0.
    func wordGradientNorms(_ text: String, wordRanges: [Range<Int>], label: Int) throws -> [Float]
}

/// The per-example query layer between an attack and its victim.
///
/// - Cache: keyed by token ids (each text is tokenised once), for one example (a fresh oracle per example, so results and query counts
///   never depend on which examples a worker ran before — the same for any number of workers).
/// - Counting: `queries` = texts the model actually ran (cache misses, each distinct text once);
///   `cacheHits` = texts answered from the cache (including repeats within one batch).
/// - Budget: at most `budget` queries (TextAttack's `query_budget`; the clean prediction counts). A
///   batch that would exceed it is answered up to the first text that no longer fits; `isExhausted`
///   then tells the search to stop.
/// - Exactness: with a victim that searches in reduced precision (bf16, int8), `exactProbabilities`
///   re-checks texts in fp32 — the clean text, and every candidate a search would accept as a success.
///   A re-checked answer replaces the approximate one in the cache, so the search sees it from then on.
///   Re-checks are not queries (the text was already queried) and spend no budget; `exactChecks` counts
///   them and `exactRejections` the would-be successes that fp32 turned down.
public final class QueryOracle {
    public let victim: any Victim
    public var budget: Int?
    public private(set) var queries = 0
    public private(set) var cacheHits = 0
    /// Set once a request was cut short by the budget (or the budget is spent).
    public private(set) var isExhausted = false
    /// Texts re-checked in fp32 and would-be successes fp32 turned down (reduced-precision victims only).
    public private(set) var exactChecks = 0
    public private(set) var exactRejections = 0
    private var cache: [[Int32]: [Float]] = [:]
    /// Keys whose cached answer is exact (reduced-precision victims only).
    private var exact = Set<[Int32]>()
    /// Token ids of every text seen, so a text asked for again is not tokenised again.
    private var tokenized: [String: [Int32]] = [:]

    public init(victim: any Victim, budget: Int? = nil) {
        self.victim = victim
        self.budget = budget
    }

    /// Probabilities of each text, in order. Fewer results than texts means the budget cut the request.
    public func probabilities(_ texts: [String]) throws -> [[Float]] {
        var keys: [[Int32]] = []
        keys.reserveCapacity(texts.count)
        var pending: [[Int32]] = []
        var pendingSet = Set<[Int32]>()
        var allowed = texts.count
        for (position, text) in texts.enumerated() {
            let ids = tokenIDs(text)
            if cache[ids] == nil && !pendingSet.contains(ids) {
                if let budget, queries + pending.count >= budget {
                    allowed = position
                    isExhausted = true
                    break
                }
                pending.append(ids)
                pendingSet.insert(ids)
            }
            keys.append(ids)
        }
        if !pending.isEmpty {
            let results = try victim.probabilities(pending)
            guard results.count == pending.count else {
                throw AttackError.victim("the model returned \(results.count) results for \(pending.count) texts")
            }
            for (ids, probabilities) in zip(pending, results) { cache[ids] = probabilities }
            queries += pending.count
        }
        cacheHits += allowed - pending.count
        if let budget, queries >= budget { isExhausted = true }
        return keys.prefix(allowed).map { cache[$0] ?? [] }
    }

    private func tokenIDs(_ text: String) -> [Int32] {
        if let known = tokenized[text] { return known }
        let ids = victim.tokenIDs(text)
        tokenized[text] = ids
        return ids
    }

    /// Whether answers may differ from the reference precision (then successes are re-checked).
    public var isReducedPrecision: Bool { victim.reducedPrecision != nil }

    /// Probabilities of each text in fp32: `probabilities` (so a text never asked counts as a query and spends
    /// budget as usual), then, for a reduced-precision victim, one fp32 pass over the answers not yet exact.
    /// Fewer results than texts means the budget cut the request.
    public func exactProbabilities(_ texts: [String]) throws -> [[Float]] {
        let answers = try probabilities(texts)
        guard isReducedPrecision else { return answers }
        let keys = texts.prefix(answers.count).map(tokenIDs)
        var pending: [[Int32]] = []
        for ids in keys where exact.insert(ids).inserted { pending.append(ids) }
        if !pending.isEmpty {
            let results = try victim.exactProbabilities(pending)
            guard results.count == pending.count else {
                for ids in pending { exact.remove(ids) }
                throw AttackError.victim("the model returned \(results.count) results for \(pending.count) texts")
            }
            for (ids, probabilities) in zip(pending, results) { cache[ids] = probabilities }
            exactChecks += pending.count
        }
        return keys.map { cache[$0] ?? [] }
    }

    /// Notes a candidate that succeeded in the search precision and not in fp32.
    public func recordRejection() { exactRejections += 1 }

    /// Counts model passes an attack made itself (embedding attacks run the model directly), so that
    /// they appear in the example's query count and spend the budget.
    public func recordQueries(_ count: Int) {
        queries += max(0, count)
        if let budget, queries >= budget { isExhausted = true }
    }

    /// Whether another query is affordable.
    public var canQuery: Bool { budget.map { queries < $0 } ?? true }
}

/// A fine-tuned encoder classifier of any supported family (a `ModelHandle`'s model and tokenizer) as a victim. Each instance owns
/// an inference workspace, so make one per worker thread; the model's weights are shared.
public final class ModelVictim: GradientVictim {
    public let model: EncoderModel
    public let tokenizer: TextTokenizer
    public let labels: [String]
    /// Texts are truncated to this many tokens ([CLS] and [SEP] included).
    public let maxLength: Int
    /// Candidates of one step go through one forward pass; only a step bigger than this many tokens is
    /// split (to bound the workspace's memory).
    public var maxTokensPerPass = 16_384
    /// The precision of search queries (`probabilities`); gradients, embedding attacks and
    /// `exactProbabilities` are always fp32.
    public let precision: Precision
    private let workspace: Workspace
    private var exactWorkspace: Workspace?
    private var gradientWorkspace: Workspace?

    /// A reduced `precision` needs the model prepared for it (`EncoderModel.prepare(precision:)`): the caller
    /// does that once, before workers share the model.
    public init(model: EncoderModel, tokenizer: TextTokenizer, labels: [String]? = nil, maxLength: Int = 128,
                precision: Precision = .fp32) {
        self.model = model
        self.tokenizer = tokenizer
        self.labels = labels ?? model.config.labels
        self.maxLength = max(2, min(maxLength, model.config.maxSequenceLength))
        self.precision = precision
        workspace = model.makeWorkspace(training: false)
        workspace.precision = precision
    }

    public convenience init(checkpoint: ModelHandle, maxLength: Int = 128, precision: Precision = .fp32) {
        self.init(model: checkpoint.model, tokenizer: checkpoint.tokenizer, labels: checkpoint.labels, maxLength: maxLength,
                  precision: precision)
    }

    public var reducedPrecision: String? { precision.isReduced ? precision.rawValue : nil }

    /// Two to four times the largest probability difference from fp32 measured on the 1,051 `mr` test sentences
    /// (bf16 0.008, int8 0.077 with MiniLM): a margin moves by up to twice a probability.
    public var recheckMargin: Float {
        switch precision {
        case .fp32: return 0
        case .bf16: return 0.03
        case .int8: return 0.15
        }
    }

    public var unknownToken: String { tokenizer.unknownToken ?? "[UNK]" }

    public func tokenIDs(_ text: String) -> [Int32] { tokenizer.encode(text, maxLength: maxLength).ids }

    public func visibleScalarLimit(_ text: String) -> Int? {
        // One token more than the model keeps tells whether it keeps them all, without tokenizing a long text whole.
        let full = tokenizer.encode(text, maxLength: maxLength + 1)
        guard full.count > maxLength else { return nil }
        // The last content token the model keeps is at maxLength - 2 ([CLS] first, [SEP] last).
        let last = maxLength - 2
        return last >= 1 ? full.offsets[last].upperBound : 0
    }

    public func probabilities(_ sequences: [[Int32]]) throws -> [[Float]] {
        try probabilities(sequences, workspace: workspace)
    }

    public func exactProbabilities(_ sequences: [[Int32]]) throws -> [[Float]] {
        try probabilities(sequences, workspace: fp32Workspace())
    }

    private func probabilities(_ sequences: [[Int32]], workspace: Workspace) throws -> [[Float]] {
        var results: [[Float]] = []
        results.reserveCapacity(sequences.count)
        var batch = TokenBatch()
        for ids in sequences {
            if batch.count > 0 && batch.tokenCount + ids.count > maxTokensPerPass {
                results += try model.probabilities(batch, workspace: workspace)
                batch.removeAll()
            }
            batch.append(ids)
        }
        if batch.count > 0 { results += try model.probabilities(batch, workspace: workspace) }
        return results
    }

    /// Class probabilities with `delta` [tokens, embedding width] added to the word vectors of one sequence
    /// (embedding-space attacks). Runs in fp32, on this victim's inference workspace.
    public func probabilities(_ ids: [Int32], wordEmbeddingDelta delta: UnsafePointer<Float>?) throws -> [Float] {
        let batch = TokenBatch([ids])
        let logits = try model.classify(batch, workspace: fp32Workspace(), wordEmbeddingDelta: delta)
        return Loss.softmax(Array(UnsafeBufferPointer(start: logits, count: model.classCount)))
    }

    /// The loss of `label` and d loss / d word vectors [tokens × embedding width] of one sequence, with `delta`
    /// added to its word vectors. Runs on this victim's own training workspace (made on first use) with
    /// the input-gradient-only backward, which never writes the shared parameter gradients, so workers
    /// can take gradients of the one shared model at the same time.
    public func inputGradient(_ ids: [Int32], label: Int, wordEmbeddingDelta delta: UnsafePointer<Float>? = nil)
        throws -> (loss: Float, probabilities: [Float], gradient: [Float]) {
        let space = gradientSpace()
        let batch = TokenBatch([ids])
        let logits = try model.classify(batch, workspace: space, wordEmbeddingDelta: delta)
        let classes = model.classCount
        guard label >= 0 && label < classes else {
            throw AttackError.victim("label \(label) is outside the model's \(classes) classes")
        }
        let probabilities = Loss.softmax(Array(UnsafeBufferPointer(start: logits, count: classes)))
        var dLogits = [Float](repeating: 0, count: classes)
        let loss = try dLogits.withUnsafeMutableBufferPointer { pointer -> Float in
            guard let base = pointer.baseAddress else { return 0 }
            let loss = try Loss.crossEntropy(logits: logits, labels: [label], classes: classes, gradient: base)
            try model.classifyBackward(workspace: space, logitGradient: base, parameterGradients: false)
            return loss
        }
        let count = ids.count * model.inputEmbeddingWidth
        let gradient = Array(UnsafeBufferPointer(start: space.inputEmbeddingGradient.pointer, count: count))
        return (loss, probabilities, gradient)
    }

    public func wordGradientNorms(_ text: String, wordRanges: [Range<Int>], label: Int) throws -> [Float] {
        let encoding = tokenizer.encode(text, maxLength: maxLength)
        let (_, _, gradient) = try inputGradient(encoding.ids, label: label)
        let h = model.inputEmbeddingWidth
        var norms = [Float](repeating: 0, count: wordRanges.count)
        var mean = [Float](repeating: 0, count: h)
        for (word, range) in wordRanges.enumerated() {
            var tokens = 0
            for i in 0..<h { mean[i] = 0 }
            for t in encoding.ids.indices where encoding.wordIDs[t] != nil {
                let offsets = encoding.offsets[t]
                guard offsets.lowerBound < range.upperBound && range.lowerBound < offsets.upperBound else { continue }
                tokens += 1
                for i in 0..<h { mean[i] += gradient[t * h + i] }
            }
            guard tokens > 0 else { continue }
            var total: Float = 0
            for i in 0..<h { total += abs(mean[i] / Float(tokens)) }
            norms[word] = total
        }
        return norms
    }

    /// The search workspace when it runs fp32, else this victim's own fp32 inference workspace (made on first use).
    private func fp32Workspace() -> Workspace {
        guard precision.isReduced else { return workspace }
        if let exactWorkspace { return exactWorkspace }
        let space = model.makeWorkspace(training: false)
        exactWorkspace = space
        return space
    }

    private func gradientSpace() -> Workspace {
        if let gradientWorkspace { return gradientWorkspace }
        let space = model.makeWorkspace(training: true)
        gradientWorkspace = space
        return space
    }
}
