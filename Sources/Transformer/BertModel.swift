// BertModel: a BERT encoder with pooler and classification head over one ParameterStore: forward,
// backward to every weight and to the input word embeddings, with seeded dropout in training.
// The per-layer functions live beside it (Embeddings, SelfAttention, FeedForward, Heads).
import Basics
import Foundation
import Tensors

/// Seeded dropout for one training step; nil means evaluation mode (no dropout).
public struct DropoutPlan: Sendable {
    public var seed: UInt64
    public var hidden: Float
    public var attention: Float
    public var classifier: Float

    public init(seed: UInt64, hidden: Float, attention: Float, classifier: Float) {
        self.seed = seed
        self.hidden = hidden
        self.attention = attention
        self.classifier = classifier
    }

    public init(seed: UInt64, config: BertConfig) {
        self.init(seed: seed, hidden: config.hiddenDropout, attention: config.attentionDropout,
                  classifier: config.effectiveClassifierDropout)
    }

    enum Site: Int { case embeddings, attentionProbabilities, attentionOutput, feedForwardOutput, classifier }

    func seed(layer: Int, _ site: Site) -> UInt64 { SeededRandom.mix(seed, layer, site.rawValue) }
}

public final class BertModel: @unchecked Sendable {
    public let config: BertConfig
    public let parameters: ParameterStore
    public let weights: BertWeights
    public var classCount: Int { weights.classifier.outFeatures }

    /// A model with every tensor allocated and initialised as Hugging Face does for a new model:
    /// normal(0, 0.02) weights, zero biases, unit LayerNorm gains. ModelHandle loading overwrites them.
    /// `initialised: false` leaves the weights zero, for loaders that fill every tensor themselves.
    public init(config: BertConfig, classes: Int, seed: UInt64 = 0, initialised: Bool = true) throws {
        guard classes >= 1, classes <= 1 << 16 else { throw EngineError.invalidConfig("class count \(classes) must be in 1...65536") }
        self.config = config
        parameters = ParameterStore(layout: BertWeights.layout(config, classes: classes))
        guard let weights = BertWeights(config, store: parameters) else {
            throw EngineError.invalidConfig("internal: parameter layout does not match the model")
        }
        self.weights = weights
        if initialised { initialise(seed: seed) }
    }

    /// Reinitialises tensors whose names match `filter` (all when nil).
    public func initialise(seed: UInt64, only filter: ((String) -> Bool)? = nil) {
        var random = SeededRandom(seed: seed)
        for entry in parameters.entries where filter?(entry.name) ?? true {
            let values = parameters.value(at: entry.offset)
            if entry.name.contains("LayerNorm.weight") {
                values.update(repeating: 1, count: entry.count)
            } else if entry.name.hasSuffix("bias") {
                values.update(repeating: 0, count: entry.count)
            } else {
                for i in 0..<entry.count { values[i] = 0.02 * random.normal() }
            }
        }
    }

    public func makeWorkspace(training: Bool) -> Workspace {
        Workspace(config: config, keepsActivations: training)
    }

    @inline(__always) func value(_ offset: Int) -> UnsafeMutablePointer<Float> { parameters.value(at: offset) }
    @inline(__always) func gradient(_ offset: Int) -> UnsafeMutablePointer<Float> { parameters.gradient(at: offset) }

    /// The parameter-gradient pointer when this backward pass accumulates them, else nil.
    @inline(__always) func gradient(_ offset: Int, if wanted: Bool) -> UnsafeMutablePointer<Float>? {
        wanted ? parameters.gradient(at: offset) : nil
    }

    // MARK: Encoder

    /// Runs the encoder; returns the last hidden states [T, H] (packed tokens), valid until the next call
    /// on this workspace. `wordEmbeddingDelta` [T, H] is added to the looked-up word vectors (embedding attacks).
    /// `onlyCLSAfterLastLayer` (inference only) finishes the last layer for the [CLS] rows alone, as
    /// classification needs nothing else; the other rows of the result are then not valid.
    @discardableResult
    public func encode(_ batch: TokenBatch, workspace: Workspace, dropout: DropoutPlan? = nil,
                       wordEmbeddingDelta: UnsafePointer<Float>? = nil, onlyCLSAfterLastLayer: Bool = false) throws -> UnsafeMutablePointer<Float> {
        try batch.validate(config)
        guard workspace.config == config else { throw EngineError.invalidInput("workspace belongs to another model") }
        if dropout != nil && !workspace.keepsActivations {
            throw EngineError.invalidInput("training needs a workspace made with training: true")
        }
        let clsOnly = onlyCLSAfterLastLayer && dropout == nil && !workspace.keepsActivations
        if dropout == nil, !workspace.keepsActivations, let groups = dataParallelGroups(batch) {
            return encodeInGroups(batch, groups: groups, workspace: workspace, wordEmbeddingDelta: wordEmbeddingDelta,
                                  onlyCLSAfterLastLayer: clsOnly)
        }
        workspace.prepare(for: batch, classes: classCount, needsBackward: workspace.keepsActivations)
        embeddingsForward(workspace, dropout: dropout, delta: wordEmbeddingDelta)
        return encoderLayers(input: workspace.embeddings.pointer, workspace, dropout: dropout, onlyCLSAfterLastLayer: clsOnly)
    }

    /// Every encoder layer over the prepared workspace, from `input` (the embeddings).
    func encoderLayers(input embeddings: UnsafeMutablePointer<Float>, _ workspace: Workspace, dropout: DropoutPlan?,
                       onlyCLSAfterLastLayer: Bool) -> UnsafeMutablePointer<Float> {
        var input = embeddings
        for layer in 0..<config.layerCount {
            let activations = workspace.activations(layer)
            if onlyCLSAfterLastLayer && layer == config.layerCount - 1 {
                encoderLayerForwardCLS(layer, input: input, activations, workspace)
            } else {
                encoderLayerForward(layer, input: input, activations, workspace, dropout: dropout)
            }
            input = activations.output.pointer
        }
        return input
    }

    /// For inference on a large batch, contiguous groups of sequences (about equal in tokens), one per
    /// worker: each group runs the whole encoder on its own core, which beats splitting every kernel
    /// across cores (no per-call thread hand-offs). Nil when not worth it.
    func dataParallelGroups(_ batch: TokenBatch) -> [Range<Int>]? {
        let workers = Parallel.workers
        guard workers >= 2, !Parallel.insideParallelRegion, batch.count >= workers,
              batch.tokenCount >= 128 * workers else { return nil }
        var groups: [Range<Int>] = []
        var start = 0, tokensBefore = 0
        for group in 0..<workers {
            let target = batch.tokenCount * (group + 1) / workers
            var end = start
            var tokens = tokensBefore
            while end < batch.count && (tokens < target || end == start) && batch.count - end > workers - group - 1 {
                tokens += batch.lengths[end]
                end += 1
            }
            if group == workers - 1 { end = batch.count }
            groups.append(start..<end)
            tokensBefore = tokens
            start = end
        }
        return groups.allSatisfy { !$0.isEmpty } ? groups : nil
    }

    func encodeInGroups(_ batch: TokenBatch, groups: [Range<Int>], workspace: Workspace,
                        wordEmbeddingDelta: UnsafePointer<Float>?, onlyCLSAfterLastLayer: Bool) -> UnsafeMutablePointer<Float> {
        workspace.prepare(for: batch, classes: classCount, needsBackward: false, layerBuffers: false)
        let h = config.hiddenSize
        let output = workspace.activations(config.layerCount - 1).output.pointer
        let parts = workspace.groupWorkspaces(count: groups.count)
        Parallel.forEach(groups.count) { index, _ in
            let group = groups[index]
            let first = batch.starts[group.lowerBound]
            var part = TokenBatch()
            for sequence in group {
                let start = batch.starts[sequence], end = start + batch.lengths[sequence]
                part.append(Array(batch.tokenIDs[start..<end]), typeIDs: Array(batch.typeIDs[start..<end]))
            }
            let sub = parts[index]
            sub.prepare(for: part, classes: classCount, needsBackward: false)
            embeddingsForward(sub, dropout: nil, delta: wordEmbeddingDelta.map { $0 + first * h })
            let input = encoderLayers(input: sub.embeddings.pointer, sub, dropout: nil, onlyCLSAfterLastLayer: onlyCLSAfterLastLayer)
            (output + first * h).update(from: input, count: part.tokenCount * h)
        }
        return output
    }

    /// Backward from d loss / d last hidden states [T, H]; accumulates into `parameters.gradients`
    /// and writes d loss / d word-embedding vectors into `workspace.inputEmbeddingGradient`.
    /// `parameterGradients: false` computes only the input gradient: no writes to the shared parameter
    /// gradients (so several threads may run it on one model, each with its own workspace) and about a
    /// third less work.
    public func encodeBackward(workspace: Workspace, hiddenGradient: UnsafePointer<Float>, dropout: DropoutPlan? = nil,
                               parameterGradients: Bool = true) throws {
        guard workspace.keepsActivations else { throw EngineError.invalidInput("backward needs a workspace made with training: true") }
        let t = workspace.batch.tokenCount, h = config.hiddenSize
        var gradientOut = workspace.gradientA.pointer
        gradientOut.update(from: hiddenGradient, count: t * h)
        var gradientIn = workspace.gradientB.pointer
        for layer in stride(from: config.layerCount - 1, through: 0, by: -1) {
            let input = layer == 0 ? workspace.embeddings.pointer : workspace.activations(layer - 1).output.pointer
            encoderLayerBackward(layer, input: input, workspace.activations(layer), workspace,
                                 outputGradient: gradientOut, inputGradient: gradientIn, dropout: dropout,
                                 parameterGradients: parameterGradients)
            swap(&gradientOut, &gradientIn)
        }
        embeddingsBackward(workspace, embeddingGradient: gradientOut, dropout: dropout, parameterGradients: parameterGradients)
    }

    // MARK: Classification (BertForSequenceClassification)

    /// logits [B, classes] from the [CLS] hidden state through the tanh pooler and the classifier.
    @discardableResult
    public func classify(_ batch: TokenBatch, workspace: Workspace, dropout: DropoutPlan? = nil,
                         wordEmbeddingDelta: UnsafePointer<Float>? = nil) throws -> UnsafeMutablePointer<Float> {
        let hidden = try encode(batch, workspace: workspace, dropout: dropout, wordEmbeddingDelta: wordEmbeddingDelta,
                                onlyCLSAfterLastLayer: true)
        return classifierForward(hidden: hidden, workspace, dropout: dropout)
    }

    /// Backward of `classify` from d loss / d logits [B, classes] (see `encodeBackward` for `parameterGradients`).
    public func classifyBackward(workspace: Workspace, logitGradient: UnsafePointer<Float>, dropout: DropoutPlan? = nil,
                                 parameterGradients: Bool = true) throws {
        guard workspace.keepsActivations else { throw EngineError.invalidInput("backward needs a workspace made with training: true") }
        classifierBackward(workspace, logitGradient: logitGradient, dropout: dropout, parameterGradients: parameterGradients)
        try encodeBackward(workspace: workspace, hiddenGradient: workspace.gradientHidden.pointer, dropout: dropout,
                           parameterGradients: parameterGradients)
    }

    /// Class probabilities for each sequence of `batch` (evaluation mode).
    public func probabilities(_ batch: TokenBatch, workspace: Workspace) throws -> [[Float]] {
        let logits = try classify(batch, workspace: workspace)
        let c = classCount
        return (0..<batch.count).map { row in Loss.softmax(Array(UnsafeBufferPointer(start: logits + row * c, count: c))) }
    }
}
