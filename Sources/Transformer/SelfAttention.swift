// SelfAttention: multi-head scaled dot-product attention per packed sequence (keys are exactly the
// sequence's own tokens, so padding never enters the softmax), forward and backward, with the families'
// variants: rotary positions on queries and keys and a local key window (ModernBERT), and DeBERTa's
// content-to-position and position-to-content score terms (DisentangledAttention.swift).
import Foundation
import Tensors

extension EncoderModel {
    /// What one block's attention adds to plain scaled dot products.
    struct AttentionVariant {
        var scale: Float
        /// Keys j with |i − j| ≤ this only (ModernBERT's local layers); nil: every key.
        var window: Int?
        var disentangled: DisentangledAttention?
    }

    func attentionVariant(_ block: Int) -> AttentionVariant {
        let dh = Float(config.headSize)
        switch config.architecture.attention {
        case .standard:
            return AttentionVariant(scale: 1 / dh.squareRoot(), window: nil, disentangled: nil)
        case .rotary(let r):
            return AttentionVariant(scale: 1 / dh.squareRoot(), window: r.globalLayers[block] ? nil : r.localHalfWindow,
                                    disentangled: nil)
        case .disentangled(let d):
            // transformers divides by √(head size · scale factor), computed in float32.
            return AttentionVariant(scale: 1 / (dh * Float(d.scaleFactor)).squareRoot(), window: nil, disentangled: d)
        }
    }

    /// qkv [T, 3H] → context [T, H]; stores pre-dropout probabilities for backward. Rotary attention
    /// rotates the queries and keys of `qkv` in place first.
    func attentionForward(_ block: Int, _ activations: LayerActivations, _ workspace: Workspace, dropout: DropoutPlan?) {
        let batch = workspace.batch, h = config.hiddenSize, heads = config.headCount, dh = config.headSize
        let qkv = activations.qkv.pointer, context = activations.context.pointer
        let probabilities = activations.probabilities.pointer
        let variant = attentionVariant(block)
        let scale = variant.scale
        let probability = dropout?.rate(.attentionProbabilities) ?? 0
        let siteSeed = dropout?.seed(layer: block, .attentionProbabilities) ?? 0
        let starts = workspace.probabilityStarts
        if let rotary { rotary.rotate(qkv, batch: batch, hidden: h, heads: heads, global: variant.window == nil, inverse: false) }
        if variant.disentangled != nil { positionProjectionsForward(block, activations, workspace, dropout: dropout) }
        Parallel.forEach(batch.count * heads, serial: isSmall(workspace)) { item, worker in
            let sequence = item / heads, head = item % heads
            let n = batch.lengths[sequence], start = batch.starts[sequence]
            let q = qkv + start * 3 * h + head * dh
            let k = q + h, v = q + 2 * h
            let pOffset = starts[sequence] + head * n * n
            let p = probabilities + pOffset
            BLAS.gemm(transB: true, m: n, n: n, k: dh, alpha: scale, a: q, lda: 3 * h, b: k, ldb: 3 * h,
                      c: p, ldc: n)
            if let d = variant.disentangled {
                addPositionScores(d, scores: p, n: n, q: q, k: k, head: head, scale: scale, activations, workspace, worker: worker)
            }
            if let window = variant.window, n - 1 > window {
                for row in 0..<n { windowedSoftmaxRow(p + row * n, n, row: row, window: window) }
            } else {
                for row in 0..<n { RowKernels.softmaxRow(p + row * n, n) }
            }
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

    /// Softmax over the keys of row `row`'s window; the probabilities of keys outside it are exactly 0
    /// (as transformers' −∞ mask gives), so the backward pass needs no window.
    @inline(__always)
    func windowedSoftmaxRow(_ p: UnsafeMutablePointer<Float>, _ n: Int, row: Int, window: Int) {
        let low = max(0, row - window), high = min(n - 1, row + window)
        RowKernels.softmaxRow(p + low, high - low + 1)
        if low > 0 { p.update(repeating: 0, count: low) }
        if high < n - 1 { (p + high + 1).update(repeating: 0, count: n - 1 - high) }
    }

    /// Inference only: the [CLS] query of each sequence over all its keys; context row i (of B) is
    /// sequence i's [CLS] context. Standard attention only.
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

    /// d context [T, H] → d qkv [T, 3H] (overwritten; rotary: d of the unrotated projections). DeBERTa's
    /// position terms also accumulate into the relative embeddings' gradient when `parameterGradients`.
    func attentionBackward(_ block: Int, _ activations: LayerActivations, _ workspace: Workspace,
                           contextGradient: UnsafePointer<Float>, qkvGradient: UnsafeMutablePointer<Float>,
                           dropout: DropoutPlan?, parameterGradients: Bool) {
        let batch = workspace.batch, h = config.hiddenSize, heads = config.headCount, dh = config.headSize
        let qkv = activations.qkv.pointer, probabilities = activations.probabilities.pointer
        let variant = attentionVariant(block)
        let scale = variant.scale
        let probability = dropout?.rate(.attentionProbabilities) ?? 0
        let siteSeed = dropout?.seed(layer: block, .attentionProbabilities) ?? 0
        let starts = workspace.probabilityStarts
        let positionGradients = variant.disentangled != nil && parameterGradients
        if positionGradients { prepareProjectionGradients(workspace) }
        func item(_ sequence: Int, _ head: Int, _ worker: Int) {
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
            if let d = variant.disentangled {
                positionScoresBackward(d, scoreGradient: dp, n: n, q: q, k: k, dq: dq, dk: dk, head: head,
                                       activations, workspace, worker: worker, parameterGradients: parameterGradients)
            }
        }
        if positionGradients {
            // Every sequence adds into the same head's columns of the position gradients: one thread per head.
            Parallel.forEach(heads, serial: isSmall(workspace)) { head, worker in
                for sequence in 0..<batch.count { item(sequence, head, worker) }
            }
        } else {
            Parallel.forEach(batch.count * heads, serial: isSmall(workspace)) { index, worker in
                item(index / heads, index % heads, worker)
            }
        }
        if let rotary {
            rotary.rotate(qkvGradient, batch: batch, hidden: h, heads: heads, global: variant.window == nil, inverse: true)
        }
        if positionGradients { positionProjectionsBackward(block, activations, workspace, dropout: dropout) }
    }

    /// Attention over few, short sequences costs less than waking a second thread.
    func isSmall(_ workspace: Workspace) -> Bool {
        workspace.batch.lengths.reduce(0) { $0 + $1 * $1 } * config.hiddenSize < 1 << 20
    }

    /// Sequential dropout for one small tile (already inside a parallel loop).
    @inline(__always)
    func dropOut(_ x: UnsafeMutablePointer<Float>, count: Int, probability: Float, seed: UInt64, indexBase: Int) {
        let threshold = RowKernels.dropoutThreshold(probability)
        let keepScale = 1 / (1 - probability)
        for i in 0..<count {
            x[i] = RowKernels.dropoutKeeps(seed: seed, index: indexBase + i, threshold: threshold) ? x[i] * keepScale : 0
        }
    }
}
