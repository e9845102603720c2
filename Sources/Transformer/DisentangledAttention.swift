// DisentangledAttention: DeBERTa-v2/v3's relative-position terms of the attention scores, forward and
// backward. For query i and key j with r = row(i − j) of the (LayerNorm'd) relative-embedding table,
// the raw score q_i·k_j gains q_i·posK[r] (content→position) and k_j·posQ[r] (position→content), where
// posK and posQ are the table projected by the key and query projections (`share_att_key`) or by their
// own. Only the rows the batch's distances reach are projected.
import Tensors

extension EncoderModel {
    // MARK: The relative-embedding table (once per pass)

    /// LayerNorm (or copy) of the table rows the batch uses into `workspace.relativeTable`.
    func relativeEmbeddingsForward(_ workspace: Workspace) {
        guard let table = weights.relativeEmbeddings, workspace.relativeRows > 0 else { return }
        let h = config.hiddenSize, first = workspace.relativeFirst, rows = workspace.relativeRows
        let source = value(table) + first * h, target = workspace.relativeTable.pointer + first * h
        if let norm = weights.relativeNorm {
            RowKernels.layerNorm(source, rows: rows, width: h, eps: config.layerNormEps, gamma: value(norm.gamma),
                                 beta: value(norm.beta), into: target, mean: workspace.relativeMean.pointer + first,
                                 rstd: workspace.relativeRstd.pointer + first)
        } else {
            target.update(from: source, count: rows * h)
        }
    }

    func prepareRelativeGradient(_ workspace: Workspace) {
        guard workspace.relativeRows > 0 else { return }
        let h = config.hiddenSize
        (workspace.relativeGradient.pointer + workspace.relativeFirst * h).update(repeating: 0, count: workspace.relativeRows * h)
    }

    /// Backward of `relativeEmbeddingsForward` into the table's gradient (after every block has added its part).
    func relativeEmbeddingsBackward(_ workspace: Workspace, parameterGradients: Bool) {
        guard parameterGradients, let table = weights.relativeEmbeddings, workspace.relativeRows > 0 else { return }
        let h = config.hiddenSize, first = workspace.relativeFirst, rows = workspace.relativeRows
        let dy = workspace.relativeGradient.pointer + first * h, dTable = gradient(table) + first * h
        if let norm = weights.relativeNorm {
            RowKernels.layerNormBackward(x: value(table) + first * h, dy: dy, rows: rows, width: h,
                                         mean: workspace.relativeMean.pointer + first, rstd: workspace.relativeRstd.pointer + first,
                                         gamma: value(norm.gamma), dx: dTable, accumulate: true,
                                         dGamma: gradient(norm.gamma), dBeta: gradient(norm.beta, if: true))
        } else {
            RowKernels.add(dy, into: dTable, count: rows * h)
        }
    }

    // MARK: Position projections (per block)

    /// The key and query projections of the relative embeddings: the attention's own (`share_att_key`)
    /// or DeBERTa's separate `pos_key_proj`/`pos_query_proj`.
    func positionSlots(_ block: Int) -> (key: LinearSlot, query: LinearSlot) {
        let slots = slots(ofBlock: block), h = config.hiddenSize
        let qkv = slots.qkv
        let sharedQuery = LinearSlot(weight: qkv.weight, bias: qkv.bias, inFeatures: h, outFeatures: h)
        let sharedKey = LinearSlot(weight: qkv.weight + h * h, bias: qkv.bias.map { $0 + h }, inFeatures: h, outFeatures: h)
        return (slots.positionKey ?? sharedKey, slots.positionQuery ?? sharedQuery)
    }

    /// This block's relative embeddings: the table's rows, or (dropout in training) a dropped-out copy.
    func relativeInput(_ block: Int, _ a: LayerActivations, _ workspace: Workspace, dropout: DropoutPlan?) -> UnsafeMutablePointer<Float> {
        let h = config.hiddenSize
        let rows = workspace.relativeTable.pointer + workspace.relativeFirst * h
        guard let dropout, dropout.rate(.relativeEmbeddings) > 0 else { return rows }
        return a.relativeInput.pointer
    }

    func positionProjectionsForward(_ block: Int, _ a: LayerActivations, _ workspace: Workspace, dropout: DropoutPlan?) {
        guard case .disentangled(let d) = config.architecture.attention else { return }
        let h = config.hiddenSize, rows = workspace.relativeRows
        let input = relativeInput(block, a, workspace, dropout: dropout)
        if let dropout, dropout.rate(.relativeEmbeddings) > 0 {
            input.update(from: workspace.relativeTable.pointer + workspace.relativeFirst * h, count: rows * h)
            dropout.apply(input, count: rows * h, layer: block, .relativeEmbeddings)
        }
        let (key, query) = positionSlots(block)
        if d.contentToPosition { linear(input, rows: rows, key, into: a.positionKey.pointer) }
        if d.positionToContent { linear(input, rows: rows, query, into: a.positionQuery.pointer) }
    }

    func prepareProjectionGradients(_ workspace: Workspace) {
        let count = workspace.relativeRows * config.hiddenSize
        workspace.gradientPositionKey.zero(count)
        workspace.gradientPositionQuery.zero(count)
    }

    /// From d posK and d posQ (summed over the block's sequences and heads): the projections' parameter
    /// gradients, and d relative embeddings added to the table's gradient.
    func positionProjectionsBackward(_ block: Int, _ a: LayerActivations, _ workspace: Workspace, dropout: DropoutPlan?) {
        guard case .disentangled(let d) = config.architecture.attention else { return }
        let h = config.hiddenSize, rows = workspace.relativeRows
        let input = relativeInput(block, a, workspace, dropout: dropout)
        let (key, query) = positionSlots(block)
        let dInput = workspace.gradientRelativeInput.pointer
        dInput.update(repeating: 0, count: rows * h)
        if d.contentToPosition {
            linearBackward(input, dY: workspace.gradientPositionKey.pointer, rows: rows, key, dX: dInput, accumulate: true, wanted: true)
        }
        if d.positionToContent {
            linearBackward(input, dY: workspace.gradientPositionQuery.pointer, rows: rows, query, dX: dInput, accumulate: true,
                           wanted: true)
        }
        dropout?.apply(dInput, count: rows * h, layer: block, .relativeEmbeddings)
        RowKernels.add(dInput, into: workspace.relativeGradient.pointer + workspace.relativeFirst * h, count: rows * h)
    }

    // MARK: Scores (per sequence and head)

    /// Adds scale·(q_i·posK[r] + k_j·posQ[r]) to the n×n raw scores `scores` of one sequence and head.
    func addPositionScores(_ d: DisentangledAttention, scores: UnsafeMutablePointer<Float>, n: Int,
                           q: UnsafePointer<Float>, k: UnsafePointer<Float>, head: Int, scale: Float,
                           _ a: LayerActivations, _ workspace: Workspace, worker: Int) {
        let h = config.hiddenSize, dh = config.headSize, rows = workspace.relativeRows
        let reach = workspace.batch.longest - 1
        workspace.relativeRowIndex.withUnsafeBufferPointer { index in
            if d.contentToPosition {
                // C[i, r] = q_i · posK[r]
                let c = workspace.attentionScratchB[worker].pointer
                BLAS.gemm(transB: true, m: n, n: rows, k: dh, alpha: scale, a: q, lda: 3 * h,
                          b: a.positionKey.pointer + head * dh, ldb: h, c: c, ldc: rows)
                for i in 0..<n {
                    let row = scores + i * n, ci = c + i * rows
                    for j in 0..<n { row[j] += ci[Int(index[i - j + reach])] }
                }
            }
            if d.positionToContent {
                // P[j, r] = k_j · posQ[r]
                let p = workspace.attentionScratchC[worker].pointer
                BLAS.gemm(transB: true, m: n, n: rows, k: dh, alpha: scale, a: k, lda: 3 * h,
                          b: a.positionQuery.pointer + head * dh, ldb: h, c: p, ldc: rows)
                for i in 0..<n {
                    let row = scores + i * n
                    for j in 0..<n { row[j] += p[j * rows + Int(index[i - j + reach])] }
                }
            }
        }
    }

    /// From d raw scores [n, n] of one sequence and head: adds to dq and dk (rows of the [T, 3H]
    /// gradient) and, when `parameterGradients`, to d posK and d posQ.
    func positionScoresBackward(_ d: DisentangledAttention, scoreGradient ds: UnsafePointer<Float>, n: Int,
                                q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                                dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, head: Int,
                                _ a: LayerActivations, _ workspace: Workspace, worker: Int, parameterGradients: Bool) {
        let h = config.hiddenSize, dh = config.headSize, rows = workspace.relativeRows
        let reach = workspace.batch.longest - 1
        workspace.relativeRowIndex.withUnsafeBufferPointer { index in
            if d.contentToPosition {
                // G[i, r] = Σ_j dS[i, j] over the keys j at row r of query i.
                let g = workspace.attentionScratchB[worker].pointer
                g.update(repeating: 0, count: n * rows)
                for i in 0..<n {
                    let gi = g + i * rows, dsi = ds + i * n
                    for j in 0..<n { gi[Int(index[i - j + reach])] += dsi[j] }
                }
                BLAS.gemm(m: n, n: dh, k: rows, a: g, lda: rows, b: a.positionKey.pointer + head * dh, ldb: h,
                          beta: 1, c: dq, ldc: 3 * h)
                if parameterGradients {
                    BLAS.gemm(transA: true, m: rows, n: dh, k: n, a: g, lda: rows, b: q, ldb: 3 * h, beta: 1,
                              c: workspace.gradientPositionKey.pointer + head * dh, ldc: h)
                }
            }
            if d.positionToContent {
                // G[j, r] = Σ_i dS[i, j] over the queries i at row r of key j.
                let g = workspace.attentionScratchC[worker].pointer
                g.update(repeating: 0, count: n * rows)
                for i in 0..<n {
                    let dsi = ds + i * n
                    for j in 0..<n { g[j * rows + Int(index[i - j + reach])] += dsi[j] }
                }
                BLAS.gemm(m: n, n: dh, k: rows, a: g, lda: rows, b: a.positionQuery.pointer + head * dh, ldb: h,
                          beta: 1, c: dk, ldc: 3 * h)
                if parameterGradients {
                    BLAS.gemm(transA: true, m: rows, n: dh, k: n, a: g, lda: rows, b: k, ldb: 3 * h, beta: 1,
                              c: workspace.gradientPositionQuery.pointer + head * dh, ldc: h)
                }
            }
        }
    }
}
