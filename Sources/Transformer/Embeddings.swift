// Embeddings: word + position + token-type vectors, LayerNorm, dropout; and the backward pass that
// scatters gradients into the three tables and exposes d loss / d word vectors.
import Tensors

extension BertModel {
    func embeddingsForward(_ workspace: Workspace, dropout: DropoutPlan?, delta: UnsafePointer<Float>?) {
        let batch = workspace.batch, h = config.hiddenSize
        let word = value(weights.wordEmbeddings), position = value(weights.positionEmbeddings)
        let type = value(weights.typeEmbeddings)
        let sum = workspace.embeddingSum.pointer
        batch.tokenIDs.withUnsafeBufferPointer { ids in
            batch.typeIDs.withUnsafeBufferPointer { types in
                for (sequence, start) in batch.starts.enumerated() {
                    for p in 0..<batch.lengths[sequence] {
                        let t = start + p
                        let row = sum + t * h
                        let w = word + Int(ids[t]) * h, pos = position + p * h, ty = type + Int(types[t]) * h
                        if let delta {
                            let d = delta + t * h
                            for i in 0..<h { row[i] = w[i] + d[i] + pos[i] + ty[i] }
                        } else {
                            for i in 0..<h { row[i] = w[i] + pos[i] + ty[i] }
                        }
                    }
                }
            }
        }
        let norm = weights.embeddingNorm
        RowKernels.layerNorm(sum, rows: batch.tokenCount, width: h, eps: config.layerNormEps,
                             gamma: value(norm.gamma), beta: value(norm.beta), into: workspace.embeddings.pointer,
                             mean: workspace.embeddingMean.pointer, rstd: workspace.embeddingRstd.pointer)
        if let dropout {
            RowKernels.dropout(workspace.embeddings.pointer, count: batch.tokenCount * h, probability: dropout.hidden,
                               seed: dropout.seed(layer: -1, .embeddings))
        }
    }

    /// `embeddingGradient` is d loss / d (dropped-out) embedding output; it is overwritten.
    func embeddingsBackward(_ workspace: Workspace, embeddingGradient: UnsafeMutablePointer<Float>, dropout: DropoutPlan?,
                            parameterGradients: Bool) {
        let batch = workspace.batch, h = config.hiddenSize, t = batch.tokenCount
        if let dropout {
            RowKernels.dropout(embeddingGradient, count: t * h, probability: dropout.hidden,
                               seed: dropout.seed(layer: -1, .embeddings))
        }
        let norm = weights.embeddingNorm
        let dSum = workspace.inputEmbeddingGradient.pointer
        RowKernels.layerNormBackward(x: workspace.embeddingSum.pointer, dy: embeddingGradient, rows: t, width: h,
                                     mean: workspace.embeddingMean.pointer, rstd: workspace.embeddingRstd.pointer,
                                     gamma: value(norm.gamma), dx: dSum, accumulate: false,
                                     dGamma: gradient(norm.gamma, if: parameterGradients),
                                     dBeta: gradient(norm.beta, if: parameterGradients))
        // d sum / d word vector is the identity, so dSum is also the input-embedding gradient.
        guard parameterGradients else { return }
        let dWord = gradient(weights.wordEmbeddings), dPosition = gradient(weights.positionEmbeddings)
        let dType = gradient(weights.typeEmbeddings)
        batch.tokenIDs.withUnsafeBufferPointer { ids in
            batch.typeIDs.withUnsafeBufferPointer { types in
                // Split by columns: tokens may repeat ids, so rows would race; columns never do.
                Parallel.forEachRange(h, grain: 32) { columns in
                    for (sequence, start) in batch.starts.enumerated() {
                        for p in 0..<batch.lengths[sequence] {
                            let tIndex = start + p
                            let g = dSum + tIndex * h
                            let w = dWord + Int(ids[tIndex]) * h, pos = dPosition + p * h
                            let ty = dType + Int(types[tIndex]) * h
                            for i in columns {
                                w[i] += g[i]
                                pos[i] += g[i]
                                ty[i] += g[i]
                            }
                        }
                    }
                }
            }
        }
    }
}
