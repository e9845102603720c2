// EncoderLayer: one BERT block — fused QKV projection, attention, output dense + residual + LayerNorm,
// GELU feed-forward + residual + LayerNorm — forward and backward.
import Tensors

extension BertModel {
    /// `input` [T, H] → `activations.output` [T, H]. In inference `input` may alias the output buffer:
    /// it is last read before the output is written.
    func encoderLayerForward(_ layer: Int, input: UnsafePointer<Float>, _ a: LayerActivations,
                             _ workspace: Workspace, dropout: DropoutPlan?) {
        let slots = weights.layers[layer]
        let t = workspace.batch.tokenCount, h = config.hiddenSize, inner = config.intermediateSize
        let eps = config.layerNormEps
        BLAS.linear(input, rows: t, inFeatures: h, weight: value(slots.qkv.weight), bias: value(slots.qkv.bias),
                    outFeatures: 3 * h, into: a.qkv.pointer)
        attentionForward(layer, a, workspace, dropout: dropout)
        BLAS.linear(a.context.pointer, rows: t, inFeatures: h, weight: value(slots.attentionOutput.weight),
                    bias: value(slots.attentionOutput.bias), outFeatures: h, into: a.attentionSum.pointer)
        if let dropout {
            RowKernels.dropout(a.attentionSum.pointer, count: t * h, probability: dropout.hidden,
                               seed: dropout.seed(layer: layer, .attentionOutput))
        }
        RowKernels.add(input, into: a.attentionSum.pointer, count: t * h)
        RowKernels.layerNorm(a.attentionSum.pointer, rows: t, width: h, eps: eps,
                             gamma: value(slots.attentionNorm.gamma), beta: value(slots.attentionNorm.beta),
                             into: a.attentionNormed.pointer, mean: a.attentionMean.pointer, rstd: a.attentionRstd.pointer)
        BLAS.linear(a.attentionNormed.pointer, rows: t, inFeatures: h, weight: value(slots.intermediate.weight),
                    bias: value(slots.intermediate.bias), outFeatures: inner, into: a.intermediate.pointer)
        RowKernels.gelu(a.intermediate.pointer, count: t * inner, into: a.activated.pointer)
        BLAS.linear(a.activated.pointer, rows: t, inFeatures: inner, weight: value(slots.output.weight),
                    bias: value(slots.output.bias), outFeatures: h, into: a.outputSum.pointer)
        if let dropout {
            RowKernels.dropout(a.outputSum.pointer, count: t * h, probability: dropout.hidden,
                               seed: dropout.seed(layer: layer, .feedForwardOutput))
        }
        RowKernels.add(a.attentionNormed.pointer, into: a.outputSum.pointer, count: t * h)
        RowKernels.layerNorm(a.outputSum.pointer, rows: t, width: h, eps: eps,
                             gamma: value(slots.outputNorm.gamma), beta: value(slots.outputNorm.beta),
                             into: a.output.pointer, mean: a.outputMean.pointer, rstd: a.outputRstd.pointer)
    }

    /// Inference only: the layer for the [CLS] row of each sequence alone, written to those rows of
    /// `activations.output` (the other rows are left stale). Keys and values still come from every
    /// token, but the query, the attention output, the feed-forward block and both LayerNorms run on B
    /// rows instead of T — about 14% of a 6-layer classification forward pass. Row-for-row the same
    /// arithmetic as `encoderLayerForward`, so the logits agree to rounding.
    func encoderLayerForwardCLS(_ layer: Int, input: UnsafePointer<Float>, _ a: LayerActivations, _ workspace: Workspace) {
        let slots = weights.layers[layer]
        let batch = workspace.batch
        let t = batch.tokenCount, b = batch.count, h = config.hiddenSize, inner = config.intermediateSize
        let eps = config.layerNormEps
        BLAS.linear(input, rows: t, inFeatures: h, weight: value(slots.qkv.weight), bias: value(slots.qkv.bias),
                    outFeatures: 3 * h, into: a.qkv.pointer)
        attentionForwardCLS(a, workspace)                              // context rows 0..<B
        BLAS.linear(a.context.pointer, rows: b, inFeatures: h, weight: value(slots.attentionOutput.weight),
                    bias: value(slots.attentionOutput.bias), outFeatures: h, into: a.attentionSum.pointer)
        for (row, start) in batch.starts.enumerated() {
            RowKernels.add(input + start * h, into: a.attentionSum.pointer + row * h, count: h)
        }
        RowKernels.layerNorm(a.attentionSum.pointer, rows: b, width: h, eps: eps,
                             gamma: value(slots.attentionNorm.gamma), beta: value(slots.attentionNorm.beta),
                             into: a.attentionNormed.pointer, mean: a.attentionMean.pointer, rstd: a.attentionRstd.pointer)
        BLAS.linear(a.attentionNormed.pointer, rows: b, inFeatures: h, weight: value(slots.intermediate.weight),
                    bias: value(slots.intermediate.bias), outFeatures: inner, into: a.intermediate.pointer)
        RowKernels.gelu(a.intermediate.pointer, count: b * inner, into: a.activated.pointer)
        BLAS.linear(a.activated.pointer, rows: b, inFeatures: inner, weight: value(slots.output.weight),
                    bias: value(slots.output.bias), outFeatures: h, into: a.outputSum.pointer)
        RowKernels.add(a.attentionNormed.pointer, into: a.outputSum.pointer, count: b * h)
        // LayerNorm into the (free) attention-sum rows, then each row to its [CLS] position. `input`
        // may alias the output buffer; it is no longer read.
        RowKernels.layerNorm(a.outputSum.pointer, rows: b, width: h, eps: eps,
                             gamma: value(slots.outputNorm.gamma), beta: value(slots.outputNorm.beta),
                             into: a.attentionSum.pointer, mean: a.outputMean.pointer, rstd: a.outputRstd.pointer)
        let output = a.output.pointer
        for (row, start) in batch.starts.enumerated() {
            (output + start * h).update(from: a.attentionSum.pointer + row * h, count: h)
        }
    }

    /// d output [T, H] → d input [T, H] (overwritten); parameter gradients accumulate.
    func encoderLayerBackward(_ layer: Int, input: UnsafePointer<Float>, _ a: LayerActivations, _ w: Workspace,
                              outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                              dropout: DropoutPlan?, parameterGradients: Bool) {
        let wanted = parameterGradients
        let slots = weights.layers[layer]
        let t = w.batch.tokenCount, h = config.hiddenSize, inner = config.intermediateSize
        let dSum = w.gradientResidual.pointer      // d (pre-LayerNorm sum)
        let dNormed = w.gradientNormed.pointer     // d attentionNormed (residual + feed-forward paths)
        let dInner = w.gradientInner.pointer

        // Output LayerNorm.
        RowKernels.layerNormBackward(x: a.outputSum.pointer, dy: outputGradient, rows: t, width: h,
                                     mean: a.outputMean.pointer, rstd: a.outputRstd.pointer,
                                     gamma: value(slots.outputNorm.gamma), dx: dSum, accumulate: false,
                                     dGamma: gradient(slots.outputNorm.gamma, if: wanted), dBeta: gradient(slots.outputNorm.beta, if: wanted))
        dNormed.update(from: dSum, count: t * h)   // residual path
        if let dropout {
            RowKernels.dropout(dSum, count: t * h, probability: dropout.hidden, seed: dropout.seed(layer: layer, .feedForwardOutput))
        }
        // Feed-forward: output dense, GELU, intermediate dense.
        BLAS.linearBackward(x: a.activated.pointer, dY: dSum, rows: t, inFeatures: inner, outFeatures: h,
                            weight: value(slots.output.weight), dWeight: gradient(slots.output.weight, if: wanted),
                            dBias: gradient(slots.output.bias, if: wanted), dX: dInner, accumulateDX: false)
        RowKernels.geluBackward(x: a.intermediate.pointer, dy: dInner, count: t * inner, into: dInner)
        BLAS.linearBackward(x: a.attentionNormed.pointer, dY: dInner, rows: t, inFeatures: h, outFeatures: inner,
                            weight: value(slots.intermediate.weight), dWeight: gradient(slots.intermediate.weight, if: wanted),
                            dBias: gradient(slots.intermediate.bias, if: wanted), dX: dNormed, accumulateDX: true)
        // Attention LayerNorm.
        RowKernels.layerNormBackward(x: a.attentionSum.pointer, dy: dNormed, rows: t, width: h,
                                     mean: a.attentionMean.pointer, rstd: a.attentionRstd.pointer,
                                     gamma: value(slots.attentionNorm.gamma), dx: dSum, accumulate: false,
                                     dGamma: gradient(slots.attentionNorm.gamma, if: wanted), dBeta: gradient(slots.attentionNorm.beta, if: wanted))
        inputGradient.update(from: dSum, count: t * h)   // residual path
        if let dropout {
            RowKernels.dropout(dSum, count: t * h, probability: dropout.hidden, seed: dropout.seed(layer: layer, .attentionOutput))
        }
        BLAS.linearBackward(x: a.context.pointer, dY: dSum, rows: t, inFeatures: h, outFeatures: h,
                            weight: value(slots.attentionOutput.weight), dWeight: gradient(slots.attentionOutput.weight, if: wanted),
                            dBias: gradient(slots.attentionOutput.bias, if: wanted), dX: w.gradientContext.pointer, accumulateDX: false)
        attentionBackward(layer, a, w, contextGradient: w.gradientContext.pointer, qkvGradient: w.gradientQKV.pointer,
                          dropout: dropout)
        BLAS.linearBackward(x: input, dY: w.gradientQKV.pointer, rows: t, inFeatures: h, outFeatures: 3 * h,
                            weight: value(slots.qkv.weight), dWeight: gradient(slots.qkv.weight, if: wanted),
                            dBias: gradient(slots.qkv.bias, if: wanted), dX: inputGradient, accumulateDX: true)
    }
}
