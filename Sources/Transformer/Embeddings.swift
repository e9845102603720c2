// Embeddings: word + position + token-type vectors (each family's positions: none, 0, 1, 2, … or
// RoBERTa's after the padding id), the optional projection to the hidden size (before or after the
// LayerNorm), LayerNorm and dropout; and the backward pass that scatters gradients into the tables and
// exposes d loss / d word vectors.
import Tensors

extension EncoderModel {
    /// Fills `workspace.positionIDs`: each token's row of the position table.
    func assignPositions(_ workspace: Workspace) {
        let batch = workspace.batch
        workspace.positionIDs.removeAll(keepingCapacity: true)
        let pad = Int32(config.padTokenID)
        for (sequence, start) in batch.starts.enumerated() {
            var count: Int32 = 0
            for p in 0..<batch.lengths[sequence] {
                switch config.architecture.positions {
                case .none, .learned:
                    workspace.positionIDs.append(Int32(p))
                case .learnedAfterPadding:
                    // transformers' create_position_ids_from_input_ids: cumsum(id ≠ pad) · (id ≠ pad) + pad.
                    if batch.tokenIDs[start + p] == pad {
                        workspace.positionIDs.append(pad)
                    } else {
                        count += 1
                        workspace.positionIDs.append(pad + count)
                    }
                }
            }
        }
    }

    func embeddingsForward(_ workspace: Workspace, dropout: DropoutPlan?, delta: UnsafePointer<Float>?) {
        let batch = workspace.batch, e = config.embeddingSize, h = config.hiddenSize, t = batch.tokenCount
        guard let wordTable = weights.wordEmbeddings, let norm = weights.embeddingNorm else { return }
        assignPositions(workspace)
        let word = value(wordTable)
        let positionTable = value(weights.positionEmbeddings), typeTable = value(weights.typeEmbeddings)
        let sum = workspace.embeddingSum.pointer
        batch.tokenIDs.withUnsafeBufferPointer { ids in
            batch.typeIDs.withUnsafeBufferPointer { types in
                workspace.positionIDs.withUnsafeBufferPointer { positions in
                    for index in 0..<t {
                        let row = sum + index * e
                        let w = word + Int(ids[index]) * e
                        if let delta {
                            let d = delta + index * e
                            for i in 0..<e { row[i] = w[i] + d[i] }
                        } else {
                            row.update(from: w, count: e)
                        }
                        // BERT's order of additions: (word + delta) + position + type.
                        if let table = positionTable {
                            let pos = table + Int(positions[index]) * e
                            for i in 0..<e { row[i] += pos[i] }
                        }
                        if let table = typeTable {
                            let ty = table + Int(types[index]) * e
                            for i in 0..<e { row[i] += ty[i] }
                        }
                    }
                }
            }
        }
        let output = workspace.embeddings.pointer
        switch weights.embeddingProjection {
        case .none:
            layerNorm(sum, rows: t, width: e, norm, into: output, workspace)
            dropout?.apply(output, count: t * h, layer: -1, .embeddings)
        case .afterNorm(let projection):
            let normed = workspace.embeddingInner.pointer
            layerNorm(sum, rows: t, width: e, norm, into: normed, workspace)
            dropout?.apply(normed, count: t * e, layer: -1, .embeddings)
            linear(normed, rows: t, projection, into: output)
        case .beforeNorm(let projection):
            let projected = workspace.embeddingInner.pointer
            linear(sum, rows: t, projection, into: projected)
            layerNorm(projected, rows: t, width: h, norm, into: output, workspace)
            dropout?.apply(output, count: t * h, layer: -1, .embeddings)
        }
    }

    private func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, _ norm: LayerNormSlot,
                           into y: UnsafeMutablePointer<Float>, _ workspace: Workspace) {
        RowKernels.layerNorm(x, rows: rows, width: width, eps: config.layerNormEps, gamma: value(norm.gamma),
                             beta: value(norm.beta), into: y, mean: workspace.embeddingMean.pointer,
                             rstd: workspace.embeddingRstd.pointer)
    }

    private func layerNormBackward(_ x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int, width: Int,
                                   _ norm: LayerNormSlot, dx: UnsafeMutablePointer<Float>, _ workspace: Workspace, wanted: Bool) {
        RowKernels.layerNormBackward(x: x, dy: dy, rows: rows, width: width, mean: workspace.embeddingMean.pointer,
                                     rstd: workspace.embeddingRstd.pointer, gamma: value(norm.gamma), dx: dx,
                                     accumulate: false, dGamma: gradient(norm.gamma, if: wanted),
                                     dBeta: gradient(norm.beta, if: wanted))
    }

    /// `embeddingGradient` is d loss / d (dropped-out) embedding output [T, H]; it is overwritten.
    func embeddingsBackward(_ workspace: Workspace, embeddingGradient: UnsafeMutablePointer<Float>, dropout: DropoutPlan?,
                            parameterGradients wanted: Bool) {
        let batch = workspace.batch, h = config.hiddenSize, e = config.embeddingSize, t = batch.tokenCount
        guard let wordTable = weights.wordEmbeddings, let norm = weights.embeddingNorm else { return }
        let sum = workspace.embeddingSum.pointer
        let dSum = workspace.inputEmbeddingGradient.pointer
        switch weights.embeddingProjection {
        case .none:
            dropout?.apply(embeddingGradient, count: t * h, layer: -1, .embeddings)
            layerNormBackward(sum, dy: embeddingGradient, rows: t, width: e, norm, dx: dSum, workspace, wanted: wanted)
        case .afterNorm(let projection):
            let dNormed = workspace.gradientEmbeddingInner.pointer
            linearBackward(workspace.embeddingInner.pointer, dY: embeddingGradient, rows: t, projection, dX: dNormed,
                           accumulate: false, wanted: wanted)
            dropout?.apply(dNormed, count: t * e, layer: -1, .embeddings)
            layerNormBackward(sum, dy: dNormed, rows: t, width: e, norm, dx: dSum, workspace, wanted: wanted)
        case .beforeNorm(let projection):
            let dProjected = workspace.gradientEmbeddingInner.pointer
            dropout?.apply(embeddingGradient, count: t * h, layer: -1, .embeddings)
            layerNormBackward(workspace.embeddingInner.pointer, dy: embeddingGradient, rows: t, width: h, norm,
                              dx: dProjected, workspace, wanted: wanted)
            linearBackward(sum, dY: dProjected, rows: t, projection, dX: dSum, accumulate: false, wanted: wanted)
        }
        // d sum / d word vector is the identity, so dSum is also the input-embedding gradient. As in
        // transformers (`nn.Embedding(padding_idx=pad_token_id)`), the padding id's word row, and
        // RoBERTa's padding position row, get no gradient.
        guard wanted else { return }
        let pad = Int32(config.padTokenID)
        let padPosition: Int32 = config.architecture.positions == .learnedAfterPadding ? pad : -1
        let dWord = gradient(wordTable)
        let dPosition = gradient(weights.positionEmbeddings, if: true)
        let dType = gradient(weights.typeEmbeddings, if: true)
        batch.tokenIDs.withUnsafeBufferPointer { ids in
            batch.typeIDs.withUnsafeBufferPointer { types in
                workspace.positionIDs.withUnsafeBufferPointer { positions in
                    // Split by columns: tokens may repeat ids, so rows would race; columns never do.
                    Parallel.forEachRange(e, grain: 32) { columns in
                        for index in 0..<t {
                            let g = dSum + index * e
                            if ids[index] != pad {
                                let w = dWord + Int(ids[index]) * e
                                for i in columns { w[i] += g[i] }
                            }
                            if let dPosition, positions[index] != padPosition {
                                let pos = dPosition + Int(positions[index]) * e
                                for i in columns { pos[i] += g[i] }
                            }
                            if let dType {
                                let ty = dType + Int(types[index]) * e
                                for i in columns { ty[i] += g[i] }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: Linear layers by slot

    /// An encoder block's linear layer, in the workspace's precision (its weights packed by `prepare(precision:)`;
    /// a training workspace: bf16 only).
    @inline(__always)
    func linear(_ x: UnsafePointer<Float>, rows: Int, _ slot: LinearSlot, into y: UnsafeMutablePointer<Float>,
                _ workspace: Workspace) {
        let precision = workspace.precision
        if precision.isReduced, !workspace.keepsActivations || precision == .bf16, let packed = packedLinear(slot, precision) {
            packed.apply(x, rows: rows, bias: value(slot.bias), into: y)
        } else {
            linear(x, rows: rows, slot, into: y)
        }
    }

    /// y [rows, out] = x · Wᵀ (+ bias) for a slot.
    @inline(__always)
    func linear(_ x: UnsafePointer<Float>, rows: Int, _ slot: LinearSlot, into y: UnsafeMutablePointer<Float>) {
        BLAS.linear(x, rows: rows, inFeatures: slot.inFeatures, weight: value(slot.weight), bias: value(slot.bias),
                    outFeatures: slot.outFeatures, into: y)
    }

    /// Backward of an encoder block's linear layer: in bf16 (both products) on a bf16 training workspace whose
    /// model was prepared for training (`prepare(precision: .bf16, backward: true)`), else fp32. The bias
    /// gradient is summed in fp32.
    func linearBackward(_ x: UnsafePointer<Float>, dY: UnsafePointer<Float>, rows: Int, _ slot: LinearSlot,
                        dX: UnsafeMutablePointer<Float>?, accumulate: Bool, wanted: Bool, _ workspace: Workspace) {
        guard workspace.precision == .bf16, workspace.keepsActivations, let blocks = packedBlocks(.bf16),
              let transposed = blocks.transposed[slot.weight] else {
            linearBackward(x, dY: dY, rows: rows, slot, dX: dX, accumulate: accumulate, wanted: wanted)
            return
        }
        if let dX { transposed.apply(dY, rows: rows, bias: nil, into: dX, accumulate: accumulate) }
        guard wanted else { return }
        BF16WeightGradient.accumulate(dY: dY, x: x, rows: rows, outFeatures: slot.outFeatures, inFeatures: slot.inFeatures,
                                      into: gradient(slot.weight))
        if let dBias = gradient(slot.bias, if: true) {
            RowKernels.addColumnSums(dY, rows: rows, width: slot.outFeatures, into: dBias)
        }
    }

    /// Backward of `linear` for a slot; parameter gradients only when `wanted`.
    @inline(__always)
    func linearBackward(_ x: UnsafePointer<Float>, dY: UnsafePointer<Float>, rows: Int, _ slot: LinearSlot,
                        dX: UnsafeMutablePointer<Float>?, accumulate: Bool, wanted: Bool) {
        BLAS.linearBackward(x: x, dY: dY, rows: rows, inFeatures: slot.inFeatures, outFeatures: slot.outFeatures,
                            weight: value(slot.weight), dWeight: gradient(slot.weight, if: wanted),
                            dBias: gradient(slot.bias, if: wanted), dX: dX, accumulateDX: accumulate)
    }
}
