// Workspace: every activation and scratch buffer one forward/backward pass needs, sized for a batch and
// reused across calls (buffers only grow), so the hot path does not allocate.
// Inference keeps one layer's activations; training keeps all layers' for the backward pass.
import Tensors

public final class LayerActivations {
    let qkv = FloatBuffer()            // [T, 3H]
    let probabilities = FloatBuffer()  // per sequence [heads, len, len], before dropout
    let context = FloatBuffer()        // [T, H]
    let attentionSum = FloatBuffer()   // [T, H] dropout(dense(context)) + input, before LayerNorm
    let attentionMean = FloatBuffer(), attentionRstd = FloatBuffer()
    let attentionNormed = FloatBuffer() // [T, H]
    let intermediate = FloatBuffer()   // [T, I] before GELU
    let activated = FloatBuffer()      // [T, I] after GELU
    let outputSum = FloatBuffer()      // [T, H] before LayerNorm
    let outputMean = FloatBuffer(), outputRstd = FloatBuffer()
    let output = FloatBuffer()         // [T, H]

    var buffers: [FloatBuffer] {
        [qkv, probabilities, context, attentionSum, attentionMean, attentionRstd, attentionNormed, intermediate,
         activated, outputSum, outputMean, outputRstd, output]
    }

    func reserve(tokens: Int, probabilities probabilityCount: Int, hidden: Int, inner: Int) {
        qkv.reserve(tokens * 3 * hidden)
        probabilities.reserve(probabilityCount)
        for buffer in [context, attentionSum, attentionNormed, outputSum, output] { buffer.reserve(tokens * hidden) }
        for buffer in [attentionMean, attentionRstd, outputMean, outputRstd] { buffer.reserve(tokens) }
        intermediate.reserve(tokens * inner)
        activated.reserve(tokens * inner)
    }
}

public final class Workspace {
    public let config: BertConfig
    public let keepsActivations: Bool
    let layers: [LayerActivations]
    let embeddingSum = FloatBuffer(), embeddingMean = FloatBuffer(), embeddingRstd = FloatBuffer()
    let embeddings = FloatBuffer()
    /// Start of each sequence's attention probabilities inside `probabilities`.
    var probabilityStarts: [Int] = []
    // Heads: [CLS] rows, pooled, logits.
    let clsRows = FloatBuffer(), pooled = FloatBuffer(), pooledDropped = FloatBuffer(), logits = FloatBuffer()
    // Backward scratch, shared by every layer.
    let gradientA = FloatBuffer(), gradientB = FloatBuffer(), gradientResidual = FloatBuffer()
    let gradientNormed = FloatBuffer(), gradientQKV = FloatBuffer(), gradientContext = FloatBuffer()
    let gradientInner = FloatBuffer()
    let gradientPooled = FloatBuffer(), gradientCLS = FloatBuffer(), gradientHidden = FloatBuffer()
    /// d loss / d word-embedding vectors of every token, [T, H], filled by `backward`.
    public let inputEmbeddingGradient = FloatBuffer()
    /// Per-worker attention scratch ([len, len] each).
    let attentionScratch: [FloatBuffer]
    let attentionScratchB: [FloatBuffer]
    public private(set) var batch = TokenBatch()
    /// Inference workspaces for data-parallel groups of a large batch (made on first use).
    private var groups: [Workspace] = []

    public init(config: BertConfig, keepsActivations: Bool) {
        self.config = config
        self.keepsActivations = keepsActivations
        layers = (0..<(keepsActivations ? config.layerCount : 1)).map { _ in LayerActivations() }
        attentionScratch = (0..<Parallel.workers).map { _ in FloatBuffer() }
        attentionScratchB = (0..<Parallel.workers).map { _ in FloatBuffer() }
    }

    /// Bytes held by every buffer of this workspace (what a pass needs beyond the weights).
    public var allocatedBytes: Int {
        let own = [embeddingSum, embeddingMean, embeddingRstd, embeddings, clsRows, pooled, pooledDropped, logits,
                   gradientA, gradientB, gradientResidual, gradientNormed, gradientQKV, gradientContext, gradientInner,
                   gradientPooled, gradientCLS, gradientHidden, inputEmbeddingGradient] + attentionScratch + attentionScratchB
        let all = own + layers.flatMap(\.buffers)
        return all.reduce(0) { $0 + $1.capacity } * MemoryLayout<Float>.stride
            + groups.reduce(0) { $0 + $1.allocatedBytes }
    }

    func groupWorkspaces(count: Int) -> [Workspace] {
        while groups.count < count { groups.append(Workspace(config: config, keepsActivations: false)) }
        return Array(groups.prefix(count))
    }

    func activations(_ layer: Int) -> LayerActivations { layers[keepsActivations ? layer : 0] }

    /// Sizes every buffer for `batch` (growing only) and records its layout.
    /// `layerBuffers: false` skips the per-layer activations (data-parallel groups hold their own).
    func prepare(for batch: TokenBatch, classes: Int, needsBackward: Bool, layerBuffers: Bool = true) {
        self.batch = batch
        let t = batch.tokenCount, h = config.hiddenSize, inner = config.intermediateSize
        probabilityStarts.removeAll(keepingCapacity: true)
        var total = 0
        for length in batch.lengths {
            probabilityStarts.append(total)
            total += config.headCount * length * length
        }
        if layerBuffers {
            for layer in layers { layer.reserve(tokens: t, probabilities: total, hidden: h, inner: inner) }
            for buffer in [embeddingSum, embeddings] { buffer.reserve(t * h) }
            embeddingMean.reserve(t)
            embeddingRstd.reserve(t)
        } else {
            activations(config.layerCount - 1).output.reserve(t * h)
        }
        let sequences = batch.count
        for buffer in [clsRows, pooled, pooledDropped, gradientPooled, gradientCLS] { buffer.reserve(sequences * h) }
        logits.reserve(sequences * max(classes, 1))
        let longest = batch.longest
        for buffer in attentionScratch { buffer.reserve(longest * longest) }
        for buffer in attentionScratchB { buffer.reserve(longest * longest) }
        if needsBackward {
            for buffer in [gradientA, gradientB, gradientResidual, gradientNormed, gradientContext, gradientHidden,
                           inputEmbeddingGradient] {
                buffer.reserve(t * h)
            }
            gradientQKV.reserve(t * 3 * h)
            gradientInner.reserve(t * inner)
        }
    }
}
