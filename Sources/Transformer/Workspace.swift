// Workspace: every activation and scratch buffer one forward/backward pass needs, sized for a batch and
// reused across calls (buffers only grow), so the hot path does not allocate. Buffers a family's
// architecture does not use stay at their minimal size.
// Inference keeps one block's activations; training keeps every block's for the backward pass.
import Tensors

public final class LayerActivations {
    let qkv = FloatBuffer()            // [T, 3H] (rotary: after rotation)
    let probabilities = FloatBuffer()  // per sequence [heads, len, len], before dropout
    let context = FloatBuffer()        // [T, H]
    /// Post-LN: dropout(dense(context)) + input, before LayerNorm. Pre-LN: the residual stream after attention.
    let attentionSum = FloatBuffer()   // [T, H]
    let attentionMean = FloatBuffer(), attentionRstd = FloatBuffer()
    /// Post-LN: LayerNorm(attentionSum). Pre-LN: the feed-forward block's normalised input.
    let attentionNormed = FloatBuffer() // [T, H]
    /// Pre-LN: the attention block's normalised input (layers after the first) and its statistics.
    let inputNormed = FloatBuffer(), inputMean = FloatBuffer(), inputRstd = FloatBuffer()
    let intermediate = FloatBuffer()   // [T, I] before the activation ([T, 2I] gated)
    let activated = FloatBuffer()      // [T, I] after the activation (gated: after dropout)
    let outputSum = FloatBuffer()      // [T, H] before LayerNorm
    let outputMean = FloatBuffer(), outputRstd = FloatBuffer()
    let output = FloatBuffer()         // [T, H]
    /// DeBERTa: this block's relative embeddings after dropout, and their key and query projections
    /// ([rows, H] each, for the rows the batch's distances use).
    let relativeInput = FloatBuffer(), positionKey = FloatBuffer(), positionQuery = FloatBuffer()

    var buffers: [FloatBuffer] {
        [qkv, probabilities, context, attentionSum, attentionMean, attentionRstd, attentionNormed, inputNormed, inputMean,
         inputRstd, intermediate, activated, outputSum, outputMean, outputRstd, output, relativeInput, positionKey,
         positionQuery]
    }

    func reserve(tokens: Int, probabilities probabilityCount: Int, hidden: Int, inner: Int, gated: Bool, preNorm: Bool,
                 relativeRows: Int) {
        qkv.reserve(tokens * 3 * hidden)
        probabilities.reserve(probabilityCount)
        for buffer in [context, attentionSum, attentionNormed, outputSum, output] { buffer.reserve(tokens * hidden) }
        for buffer in [attentionMean, attentionRstd, outputMean, outputRstd] { buffer.reserve(tokens) }
        intermediate.reserve(tokens * inner * (gated ? 2 : 1))
        activated.reserve(tokens * inner)
        if preNorm {
            inputNormed.reserve(tokens * hidden)
            inputMean.reserve(tokens)
            inputRstd.reserve(tokens)
        }
        if relativeRows > 0 {
            for buffer in [relativeInput, positionKey, positionQuery] { buffer.reserve(relativeRows * hidden) }
        }
    }
}

public final class Workspace {
    public let config: EncoderConfig
    public let keepsActivations: Bool
    /// The arithmetic of the blocks' linear layers: any precision in inference, fp32 or bf16 (mixed precision) in
    /// training. A reduced precision needs the model prepared for it (`EncoderModel.prepare(precision:)`), else
    /// the layers run fp32.
    public var precision: Precision = .fp32
    let layers: [LayerActivations]
    /// Each token's position id (RoBERTa's start after the padding id).
    var positionIDs: [Int32] = []
    let embeddingSum = FloatBuffer(), embeddingMean = FloatBuffer(), embeddingRstd = FloatBuffer()
    /// Projected embeddings: DeBERTa's before LayerNorm; ELECTRA's and ALBERT's LayerNorm output before projection.
    let embeddingInner = FloatBuffer()
    let embeddings = FloatBuffer()
    /// DeBERTa: the (normalised) relative-embedding table, its statistics and its gradient.
    let relativeTable = FloatBuffer(), relativeMean = FloatBuffer(), relativeRstd = FloatBuffer()
    let relativeGradient = FloatBuffer()
    /// The relative-embedding rows the batch's distances reach: `relativeFirst ..< relativeFirst + relativeRows`.
    var relativeFirst = 0, relativeRows = 0
    /// For query i and key j of a sequence, `relativeRowIndex[i − j + longest − 1]` is their row minus `relativeFirst`.
    var relativeRowIndex: [Int32] = []
    /// Pre-LN: the final LayerNorm's output and statistics.
    let finalOutput = FloatBuffer(), finalMean = FloatBuffer(), finalRstd = FloatBuffer()
    /// Start of each sequence's attention probabilities inside `probabilities`.
    var probabilityStarts: [Int] = []
    // Head: pooled rows (dropped out), dense output, activated, normalised, dropped out, logits.
    let clsRows = FloatBuffer(), headInput = FloatBuffer(), pooledLinear = FloatBuffer(), pooled = FloatBuffer()
    let headNormed = FloatBuffer(), headMean = FloatBuffer(), headRstd = FloatBuffer()
    let pooledDropped = FloatBuffer(), logits = FloatBuffer()
    // Backward scratch, shared by every layer.
    let gradientA = FloatBuffer(), gradientB = FloatBuffer(), gradientResidual = FloatBuffer()
    let gradientNormed = FloatBuffer(), gradientQKV = FloatBuffer(), gradientContext = FloatBuffer()
    let gradientInner = FloatBuffer(), gradientActivated = FloatBuffer()
    let gradientPooled = FloatBuffer(), gradientCLS = FloatBuffer(), gradientHidden = FloatBuffer()
    let gradientEmbeddingInner = FloatBuffer()
    let gradientPositionKey = FloatBuffer(), gradientPositionQuery = FloatBuffer(), gradientRelativeInput = FloatBuffer()
    /// d loss / d word-embedding vectors of every token, [T, embeddingSize], filled by `backward`.
    public let inputEmbeddingGradient = FloatBuffer()
    /// ViT: unfolded normalised patches [images · N, C·p·p], their projection [images · N, H] (also its
    /// gradient in backward), d unfolded patches, and d loss / d pixels [images, C, S, S] filled by backward.
    let patchColumns = FloatBuffer(), patchOutput = FloatBuffer(), gradientPatchColumns = FloatBuffer()
    public let pixelGradient = FloatBuffer()
    /// ViT: the normalisation the last forward pass used, and the token layout of its images.
    var pixelNormalization = PixelNormalization(mean: [], std: [])
    var imageBatch = TokenBatch()
    /// Per-worker attention scratch ([len, len] each; DeBERTa: also [len, rows] position scores).
    let attentionScratch: [FloatBuffer]
    let attentionScratchB: [FloatBuffer]
    let attentionScratchC: [FloatBuffer]
    public private(set) var batch = TokenBatch()
    /// Inference workspaces for data-parallel groups of a large batch (made on first use).
    private var groups: [Workspace] = []

    public init(config: EncoderConfig, keepsActivations: Bool) {
        self.config = config
        self.keepsActivations = keepsActivations
        layers = (0..<(keepsActivations ? config.blockCount : 1)).map { _ in LayerActivations() }
        attentionScratch = (0..<Parallel.workers).map { _ in FloatBuffer() }
        attentionScratchB = (0..<Parallel.workers).map { _ in FloatBuffer() }
        attentionScratchC = (0..<Parallel.workers).map { _ in FloatBuffer() }
    }

    /// Bytes held by every buffer of this workspace (what a pass needs beyond the weights).
    public var allocatedBytes: Int {
        let own = [embeddingSum, embeddingMean, embeddingRstd, embeddingInner, embeddings, relativeTable, relativeMean,
                   relativeRstd, relativeGradient, finalOutput, finalMean, finalRstd, clsRows, headInput, pooledLinear,
                   pooled, headNormed, headMean, headRstd, pooledDropped, logits, gradientA, gradientB, gradientResidual,
                   gradientNormed, gradientQKV, gradientContext, gradientInner, gradientActivated, gradientPooled,
                   gradientCLS, gradientHidden, gradientEmbeddingInner, gradientPositionKey, gradientPositionQuery,
                   gradientRelativeInput, inputEmbeddingGradient, patchColumns, patchOutput, gradientPatchColumns,
                   pixelGradient] + attentionScratch + attentionScratchB + attentionScratchC
        let all = own + layers.flatMap(\.buffers)
        return all.reduce(0) { $0 + $1.capacity } * MemoryLayout<Float>.stride
            + groups.reduce(0) { $0 + $1.allocatedBytes }
    }

    func groupWorkspaces(count: Int) -> [Workspace] {
        while groups.count < count { groups.append(Workspace(config: config, keepsActivations: false)) }
        return Array(groups.prefix(count))
    }

    func activations(_ block: Int) -> LayerActivations { layers[keepsActivations ? block : 0] }

    /// Sizes every buffer for `batch` (growing only) and records its layout.
    /// `layerBuffers: false` skips the per-layer activations (data-parallel groups hold their own).
    func prepare(for batch: TokenBatch, classes: Int, needsBackward: Bool, layerBuffers: Bool = true) {
        self.batch = batch
        let a = config.architecture
        let t = batch.tokenCount, h = config.hiddenSize, e = config.embeddingSize, inner = config.intermediateSize
        probabilityStarts.removeAll(keepingCapacity: true)
        var total = 0
        for length in batch.lengths {
            probabilityStarts.append(total)
            total += config.headCount * length * length
        }
        relativeFirst = 0
        relativeRows = 0
        var relativeTableRows = 0
        if case .disentangled(let d) = a.attention {
            // Distances i − j span ±(longest − 1); their rows are a contiguous range (bucketing is monotonic).
            let reach = max(batch.longest - 1, 0)
            relativeFirst = d.row(-reach)
            relativeRows = d.row(reach) - relativeFirst + 1
            relativeTableRows = 2 * d.span
            relativeRowIndex.removeAll(keepingCapacity: true)
            for distance in -reach...reach { relativeRowIndex.append(Int32(d.row(distance) - relativeFirst)) }
        }
        let preNorm = a.block == .preNorm
        if layerBuffers {
            for layer in layers {
                layer.reserve(tokens: t, probabilities: total, hidden: h, inner: inner, gated: a.gatedFeedForward,
                              preNorm: preNorm, relativeRows: relativeRows)
            }
            embeddingSum.reserve(t * e)
            embeddings.reserve(t * h)
            if a.embeddingProjection != .none { embeddingInner.reserve(t * max(e, h)) }
            embeddingMean.reserve(t)
            embeddingRstd.reserve(t)
            if preNorm {
                finalOutput.reserve(t * h)
                finalMean.reserve(t)
                finalRstd.reserve(t)
            }
        } else {
            activations(config.blockCount - 1).output.reserve(t * h)
            if preNorm { finalOutput.reserve(t * h) }
        }
        if relativeTableRows > 0 {
            relativeTable.reserve(relativeTableRows * h)
            relativeMean.reserve(relativeTableRows)
            relativeRstd.reserve(relativeTableRows)
        }
        let sequences = batch.count
        for buffer in [clsRows, headInput, pooledLinear, pooled, headNormed, pooledDropped, gradientPooled, gradientCLS] {
            buffer.reserve(sequences * h)
        }
        headMean.reserve(sequences)
        headRstd.reserve(sequences)
        logits.reserve(sequences * max(classes, 1))
        let longest = batch.longest
        for buffer in attentionScratch { buffer.reserve(longest * longest) }
        for buffer in attentionScratchB { buffer.reserve(longest * max(longest, relativeRows)) }
        if relativeRows > 0 { for buffer in attentionScratchC { buffer.reserve(longest * relativeRows) } }
        if needsBackward {
            for buffer in [gradientA, gradientB, gradientResidual, gradientNormed, gradientContext, gradientHidden] {
                buffer.reserve(t * h)
            }
            inputEmbeddingGradient.reserve(t * e)
            if a.embeddingProjection != .none { gradientEmbeddingInner.reserve(t * max(e, h)) }
            gradientQKV.reserve(t * 3 * h)
            gradientInner.reserve(t * inner * (a.gatedFeedForward ? 2 : 1))
            if a.gatedFeedForward { gradientActivated.reserve(t * inner) }
            if relativeTableRows > 0 {
                relativeGradient.reserve(relativeTableRows * h)
                for buffer in [gradientPositionKey, gradientPositionQuery, gradientRelativeInput] {
                    buffer.reserve(relativeRows * h)
                }
            }
        }
    }
}
