// EncoderModel: the one encoder every family runs on, with its classification head, over one
// ParameterStore: forward, and backward to every weight and to the input word embeddings, with seeded
// dropout in training. The parts live beside it (Embeddings, EncoderLayer for post-LN blocks,
// PreNormLayer for pre-LN ones, SelfAttention with its rotary and disentangled variants, Heads); the
// `Architecture` in the config says which variant each part runs.
import Basics
import Foundation
import Tensors

/// Seeded dropout for one training step; nil means evaluation mode (no dropout).
public struct DropoutPlan: Sendable {
    public var seed: UInt64
    public var rates: DropoutRates

    public init(seed: UInt64, rates: DropoutRates) {
        self.seed = seed
        self.rates = rates
    }

    /// The config's own rates.
    public init(seed: UInt64, config: EncoderConfig) { self.init(seed: seed, rates: config.dropout) }

    /// The same probability at every site the config's family has (`robust train --dropout p`).
    public init(seed: UInt64, config: EncoderConfig, uniform probability: Float) {
        self.init(seed: seed, rates: config.dropout.uniform(probability))
    }

    /// BERT's three rates at every site of a post-LN encoder (hidden: embeddings, attention output and
    /// feed-forward output).
    public init(seed: UInt64, hidden: Float, attention: Float, classifier: Float) {
        self.init(seed: seed, rates: DropoutRates(hidden: hidden, attention: attention, classifier: classifier))
    }

    enum Site: Int {
        case embeddings, attentionProbabilities, attentionOutput, feedForwardOutput, classifier, headInput, relativeEmbeddings
    }

    func seed(layer: Int, _ site: Site) -> UInt64 { SeededRandom.mix(seed, layer, site.rawValue) }

    func rate(_ site: Site) -> Float {
        switch site {
        case .embeddings: return rates.embeddings ?? 0
        case .attentionProbabilities: return rates.attention ?? 0
        case .attentionOutput: return rates.attentionOutput ?? 0
        case .feedForwardOutput: return rates.feedForward ?? 0
        case .classifier: return rates.classifier ?? 0
        case .headInput: return rates.headInput ?? 0
        case .relativeEmbeddings: return rates.relativeEmbeddings ?? 0
        }
    }

    /// Drops out `x` at `site` of block `layer` (nothing when the rate is 0). Backward passes call it
    /// again with the same arguments: the mask is a function of the seed.
    func apply(_ x: UnsafeMutablePointer<Float>, count: Int, layer: Int, _ site: Site) {
        RowKernels.dropout(x, count: count, probability: rate(site), seed: seed(layer: layer, site))
    }
}

public final class EncoderModel: @unchecked Sendable {
    public let config: EncoderConfig
    public let parameters: ParameterStore
    public let weights: EncoderWeights
    public var classCount: Int { weights.classifier.outFeatures }
    /// Width of the word vectors: what `wordEmbeddingDelta` and `inputEmbeddingGradient` hold per token.
    public var inputEmbeddingWidth: Int { config.embeddingSize }
    /// Rotary cos/sin tables by position, grown on demand (ModernBERT).
    let rotary: RotaryTables?
    /// Block weights packed for reduced-precision queries (ReducedPrecision.swift), under `packLock`.
    var packs: [Precision: PackedBlocks] = [:]
    let packLock = NSLock()

    /// A model with every tensor allocated and initialised as Hugging Face does for a new model:
    /// normal(0, 0.02) weights, zero biases, unit LayerNorm gains. ModelHandle loading overwrites them.
    /// `initialised: false` leaves the weights zero, for loaders that fill every tensor themselves.
    public init(config: EncoderConfig, classes: Int, seed: UInt64 = 0, initialised: Bool = true) throws {
        guard classes >= 1, classes <= 1 << 16 else { throw EngineError.invalidConfig("class count \(classes) must be in 1...65536") }
        self.config = config
        parameters = ParameterStore(layout: EncoderWeights.layout(config, classes: classes))
        guard let weights = EncoderWeights(config, store: parameters) else {
            throw EngineError.invalidConfig("internal: parameter layout does not match the model")
        }
        self.weights = weights
        if case .rotary(let options) = config.architecture.attention {
            rotary = RotaryTables(options, headSize: config.headSize, length: config.maxSequenceLength)
        } else {
            rotary = nil
        }
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
    @inline(__always) func value(_ offset: Int?) -> UnsafeMutablePointer<Float>? { offset.map { parameters.value(at: $0) } }
    @inline(__always) func gradient(_ offset: Int) -> UnsafeMutablePointer<Float> { parameters.gradient(at: offset) }

    /// The parameter-gradient pointer when this backward pass accumulates them, else nil.
    @inline(__always) func gradient(_ offset: Int?, if wanted: Bool) -> UnsafeMutablePointer<Float>? {
        guard wanted, let offset else { return nil }
        return parameters.gradient(at: offset)
    }

    /// Whether classification may finish the last block for the first row of each sequence alone.
    var supportsFirstRowOnly: Bool {
        let a = config.architecture
        return a.block == .postNorm && a.attention == .standard && a.head.pooling == .first
    }

    // MARK: Encoder

    /// Runs the encoder; returns the last hidden states [T, H] (packed tokens), valid until the next call
    /// on this workspace. `wordEmbeddingDelta` [T, embeddingSize] is added to the looked-up word vectors
    /// (embedding attacks). `onlyCLSAfterLastLayer` (inference only) finishes the last layer for the first
    /// row of each sequence alone where the architecture allows, as classification needs nothing else;
    /// the other rows of the result are then not valid.
    @discardableResult
    public func encode(_ batch: TokenBatch, workspace: Workspace, dropout: DropoutPlan? = nil,
                       wordEmbeddingDelta: UnsafePointer<Float>? = nil, onlyCLSAfterLastLayer: Bool = false) throws -> UnsafeMutablePointer<Float> {
        guard config.architecture.patches == nil else {
            throw EngineError.invalidInput("this \(config.modelType) model reads images, not text")
        }
        try batch.validate(config)
        guard workspace.config == config else { throw EngineError.invalidInput("workspace belongs to another model") }
        if dropout != nil && !workspace.keepsActivations {
            throw EngineError.invalidInput("training needs a workspace made with training: true")
        }
        let clsOnly = onlyCLSAfterLastLayer && dropout == nil && !workspace.keepsActivations && supportsFirstRowOnly
        if dropout == nil, !workspace.keepsActivations, let groups = dataParallelGroups(batch) {
            let e = config.embeddingSize
            return encodeInGroups(batch, groups: groups, workspace: workspace, onlyCLSAfterLastLayer: clsOnly) { sub, group in
                let first = batch.starts[group.lowerBound]
                embeddingsForward(sub, dropout: nil, delta: wordEmbeddingDelta.map { $0 + first * e })
            }
        }
        workspace.prepare(for: batch, classes: classCount, needsBackward: workspace.keepsActivations)
        embeddingsForward(workspace, dropout: dropout, delta: wordEmbeddingDelta)
        return encoderLayers(input: workspace.embeddings.pointer, workspace, dropout: dropout, onlyCLSAfterLastLayer: clsOnly)
    }

    /// Every encoder block over the prepared workspace, from `input` (the embeddings), then the final
    /// LayerNorm of a pre-LN encoder.
    func encoderLayers(input embeddings: UnsafeMutablePointer<Float>, _ workspace: Workspace, dropout: DropoutPlan?,
                       onlyCLSAfterLastLayer: Bool) -> UnsafeMutablePointer<Float> {
        relativeEmbeddingsForward(workspace)
        var input = embeddings
        let last = config.blockCount - 1
        for block in 0...last {
            let activations = workspace.activations(block)
            switch slots(ofBlock: block).norms {
            case .post(let attention, let output):
                if onlyCLSAfterLastLayer && block == last {
                    encoderLayerForwardCLS(block, (attention, output), input: input, activations, workspace)
                } else {
                    encoderLayerForward(block, (attention, output), input: input, activations, workspace, dropout: dropout)
                }
            case .pre(let inputNorm, let feedForward):
                preNormLayerForward(block, (inputNorm, feedForward), input: input, activations, workspace, dropout: dropout)
            }
            input = activations.output.pointer
        }
        guard let norm = weights.finalNorm else { return input }
        let t = workspace.batch.tokenCount
        RowKernels.layerNorm(input, rows: t, width: config.hiddenSize, eps: config.layerNormEps, gamma: value(norm.gamma),
                             beta: value(norm.beta), into: workspace.finalOutput.pointer, mean: workspace.finalMean.pointer,
                             rstd: workspace.finalRstd.pointer)
        return workspace.finalOutput.pointer
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

    /// `embed` fills a group's workspace's embeddings for the sequences of `group` (the sub-workspace is
    /// prepared for them).
    func encodeInGroups(_ batch: TokenBatch, groups: [Range<Int>], workspace: Workspace, onlyCLSAfterLastLayer: Bool,
                        embed: (Workspace, Range<Int>) -> Void) -> UnsafeMutablePointer<Float> {
        workspace.prepare(for: batch, classes: classCount, needsBackward: false, layerBuffers: false)
        let h = config.hiddenSize
        let output = config.architecture.block == .preNorm ? workspace.finalOutput.pointer
            : workspace.activations(config.blockCount - 1).output.pointer
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
            sub.precision = workspace.precision
            sub.prepare(for: part, classes: classCount, needsBackward: false)
            embed(sub, group)
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
        if let norm = weights.finalNorm {
            let last = workspace.activations(config.blockCount - 1).output.pointer
            RowKernels.layerNormBackward(x: last, dy: hiddenGradient, rows: t, width: h, mean: workspace.finalMean.pointer,
                                         rstd: workspace.finalRstd.pointer, gamma: value(norm.gamma), dx: gradientOut,
                                         accumulate: false, dGamma: gradient(norm.gamma, if: parameterGradients),
                                         dBeta: gradient(norm.beta, if: parameterGradients))
        } else {
            gradientOut.update(from: hiddenGradient, count: t * h)
        }
        prepareRelativeGradient(workspace)
        var gradientIn = workspace.gradientB.pointer
        for block in stride(from: config.blockCount - 1, through: 0, by: -1) {
            let input = block == 0 ? workspace.embeddings.pointer : workspace.activations(block - 1).output.pointer
            switch slots(ofBlock: block).norms {
            case .post(let attention, let output):
                encoderLayerBackward(block, (attention, output), input: input, workspace.activations(block), workspace,
                                     outputGradient: gradientOut, inputGradient: gradientIn, dropout: dropout,
                                     parameterGradients: parameterGradients)
            case .pre(let inputNorm, let feedForward):
                preNormLayerBackward(block, (inputNorm, feedForward), input: input, workspace.activations(block), workspace,
                                     outputGradient: gradientOut, inputGradient: gradientIn, dropout: dropout,
                                     parameterGradients: parameterGradients)
            }
            swap(&gradientOut, &gradientIn)
        }
        relativeEmbeddingsBackward(workspace, parameterGradients: parameterGradients)
        if config.architecture.patches != nil {
            patchEmbeddingsBackward(workspace, embeddingGradient: gradientOut, dropout: dropout, parameterGradients: parameterGradients)
        } else {
            embeddingsBackward(workspace, embeddingGradient: gradientOut, dropout: dropout, parameterGradients: parameterGradients)
        }
    }

    // MARK: Classification (*ForSequenceClassification)

    /// logits [B, classes] from the pooled hidden states through the family's head.
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
