// SelfAttention: multi-head scaled dot-product attention per packed sequence (keys are exactly the
// sequence's own tokens, so padding never enters the softmax), forward and backward.
import Foundation
import Tensors

extension BertModel {
    /// qkv [T, 3H] → context [T, H]; stores pre-dropout probabilities for backward.
    func attentionForward(_ layer: Int, _ activations: LayerActivations, _ workspace: Workspace, dropout: DropoutPlan?) {
        let batch = workspace.batch, h = config.hiddenSize, heads = config.headCount, dh = config.headSize
        let qkv = activations.qkv.pointer, context = activations.context.pointer
        let probabilities = activations.probabilities.pointer
        let scale = 1 / Float(dh).squareRoot()
        let probability = dropout?.attention ?? 0
        let siteSeed = dropout?.seed(layer: layer, .attentionProbabilities) ?? 0
        let starts = workspace.probabilityStarts
        Parallel.forEach(batch.count * heads, serial: isSmall(workspace)) { item, worker in
            let sequence = item / heads, head = item % heads
            let n = batch.lengths[sequence], start = batch.starts[sequence]
            let q = qkv + start * 3 * h + head * dh
            let k = q + h, v = q + 2 * h
            let pOffset = starts[sequence] + head * n * n
            let p = probabilities + pOffset
            BLAS.gemm(transB: true, m: n, n: n, k: dh, alpha: scale, a: q, lda: 3 * h, b: k, ldb: 3 * h,
                      c: p, ldc: n)
            for row in 0..<n { RowKernels.softmaxRow(p + row * n, n) }
            var used = UnsafePointer(p)
            if probability > 0 {
                let dropped = workspace.attentionScratch[worker].pointer
                dropped.update(from: p, count: n * n)
                dropOut(dropped, count: n * n, probability: probability, seed: siteSeed, indexBase: pOffset)
                used = UnsafePointer(dropped)
            }
            BLAS.gemm(m: n, n: dh, k: n, a: used, lda: n, b: v, ldb: 3 * h, c: context + start * h + head * dh, ldc: h)
        }
    }

    /// Inference only: the [CLS] query of each sequence over all its keys; context row i (of B) is
    /// sequence i's [CLS] context.
    func attentionForwardCLS(_ activations: LayerActivations, _ workspace: Workspace) {
        let batch = workspace.batch, h = config.hiddenSize, heads = config.headCount, dh = config.headSize
        let qkv = activations.qkv.pointer, context = activations.context.pointer
        let scores = activations.probabilities.pointer
        let scale = 1 / Float(dh).squareRoot()
        let starts = workspace.probabilityStarts
        Parallel.forEach(batch.count * heads, serial: isSmall(workspace)) { item, _ in
            let sequence = item / heads, head = item % heads
            let n = batch.lengths[sequence], start = batch.starts[sequence]
            let q = qkv + start * 3 * h + head * dh
            let k = q + h, v = q + 2 * h
            let p = scores + starts[sequence] + head * n * n   // this (sequence, head)'s own tile: no overlap
            BLAS.gemm(transB: true, m: 1, n: n, k: dh, alpha: scale, a: q, lda: 3 * h, b: k, ldb: 3 * h, c: p, ldc: n)
            RowKernels.softmaxRow(p, n)
            BLAS.gemm(m: 1, n: dh, k: n, a: p, lda: n, b: v, ldb: 3 * h, c: context + sequence * h + head * dh, ldc: h)
        }
    }

    /// d context [T, H] → d qkv [T, 3H] (overwritten).
    func attentionBackward(_ layer: Int, _ activations: LayerActivations, _ workspace: Workspace,
                           contextGradient: UnsafePointer<Float>, qkvGradient: UnsafeMutablePointer<Float>,
                           dropout: DropoutPlan?) {
        let batch = workspace.batch, h = config.hiddenSize, heads = config.headCount, dh = config.headSize
        let qkv = activations.qkv.pointer, probabilities = activations.probabilities.pointer
        let scale = 1 / Float(dh).squareRoot()
        let probability = dropout?.attention ?? 0
        let siteSeed = dropout?.seed(layer: layer, .attentionProbabilities) ?? 0
        let starts = workspace.probabilityStarts
        Parallel.forEach(batch.count * heads, serial: isSmall(workspace)) { item, worker in
            let sequence = item / heads, head = item % heads
            let n = batch.lengths[sequence], start = batch.starts[sequence]
            let q = qkv + start * 3 * h + head * dh
            let k = q + h, v = q + 2 * h
            let dq = qkvGradient + start * 3 * h + head * dh
            let dk = dq + h, dv = dq + 2 * h
            let dc = contextGradient + start * h + head * dh
            let pOffset = starts[sequence] + head * n * n
            let p = probabilities + pOffset
            let dp = workspace.attentionScratch[worker].pointer
            // d P' = dC · Vᵀ
            BLAS.gemm(transB: true, m: n, n: n, k: dh, a: dc, lda: h, b: v, ldb: 3 * h, c: dp, ldc: n)
            var used = UnsafePointer(p)
            if probability > 0 {
                let dropped = workspace.attentionScratchB[worker].pointer
                dropped.update(from: p, count: n * n)
                dropOut(dropped, count: n * n, probability: probability, seed: siteSeed, indexBase: pOffset)
                dropOut(dp, count: n * n, probability: probability, seed: siteSeed, indexBase: pOffset)
                used = UnsafePointer(dropped)
            }
            // dV = P'ᵀ · dC
            BLAS.gemm(transA: true, m: n, n: dh, k: n, a: used, lda: n, b: dc, ldb: h, c: dv, ldc: 3 * h)
            for row in 0..<n { RowKernels.softmaxBackwardRow(probabilities: p + row * n, gradient: dp + row * n, n, scale: scale) }
            // dQ = dS · K, dK = dSᵀ · Q
            BLAS.gemm(m: n, n: dh, k: n, a: dp, lda: n, b: k, ldb: 3 * h, c: dq, ldc: 3 * h)
            BLAS.gemm(transA: true, m: n, n: dh, k: n, a: dp, lda: n, b: q, ldb: 3 * h, c: dk, ldc: 3 * h)
        }
    }

    /// Attention over few, short sequences costs less than waking a second thread.
    private func isSmall(_ workspace: Workspace) -> Bool {
        workspace.batch.lengths.reduce(0) { $0 + $1 * $1 } * config.hiddenSize < 1 << 20
    }

    /// Sequential dropout for one small tile (already inside a parallel loop).
    @inline(__always)
    private func dropOut(_ x: UnsafeMutablePointer<Float>, count: Int, probability: Float, seed: UInt64, indexBase: Int) {
        let threshold = RowKernels.dropoutThreshold(probability)
        let keepScale = 1 / (1 - probability)
        for i in 0..<count {
            x[i] = RowKernels.dropoutKeeps(seed: seed, index: indexBase + i, threshold: threshold) ? x[i] * keepScale : 0
        }
    }
}
