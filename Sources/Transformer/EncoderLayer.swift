// EncoderLayer: one post-LN block (BERT, DistilBERT, RoBERTa, ELECTRA, ALBERT, DeBERTa) — fused QKV
// projection, attention, output dense + residual + LayerNorm, activation feed-forward + residual +
// LayerNorm — forward and backward. `block` counts blocks as they run (ALBERT repeats shared weights,
// so gradients of a shared layer accumulate over its repeats); dropout masks are per block.
import Tensors

extension EncoderModel {
    @inline(__always) func slots(ofBlock block: Int) -> EncoderLayerSlots { weights.layers[config.physicalLayer(ofBlock: block)] }

    /// A post-LN block's two LayerNorms.
    typealias PostNorms = (attention: LayerNormSlot, output: LayerNormSlot)

    /// `input` [T, H] → `activations.output` [T, H]. In inference `input` may alias the output buffer:
    /// it is last read before the output is written.
    func encoderLayerForward(_ block: Int, _ norms: PostNorms, input: UnsafePointer<Float>, _ a: LayerActivations,
                             _ workspace: Workspace, dropout: DropoutPlan?) {
        let slots = slots(ofBlock: block)
        let t = workspace.batch.tokenCount, h = config.hiddenSize, inner = config.intermediateSize
        let eps = config.layerNormEps
        linear(input, rows: t, slots.qkv, into: a.qkv.pointer, workspace)
        attentionForward(block, a, workspace, dropout: dropout)
        linear(a.context.pointer, rows: t, slots.attentionOutput, into: a.attentionSum.pointer, workspace)
        dropout?.apply(a.attentionSum.pointer, count: t * h, layer: block, .attentionOutput)
        RowKernels.add(input, into: a.attentionSum.pointer, count: t * h)
        RowKernels.layerNorm(a.attentionSum.pointer, rows: t, width: h, eps: eps,
                             gamma: value(norms.attention.gamma), beta: value(norms.attention.beta),
                             into: a.attentionNormed.pointer, mean: a.attentionMean.pointer, rstd: a.attentionRstd.pointer)
        linear(a.attentionNormed.pointer, rows: t, slots.intermediate, into: a.intermediate.pointer, workspace)
        config.activation.forward(a.intermediate.pointer, count: t * inner, into: a.activated.pointer)
        linear(a.activated.pointer, rows: t, slots.output, into: a.outputSum.pointer, workspace)
        dropout?.apply(a.outputSum.pointer, count: t * h, layer: block, .feedForwardOutput)
        RowKernels.add(a.attentionNormed.pointer, into: a.outputSum.pointer, count: t * h)
        let outputNorm = norms.output
        RowKernels.layerNorm(a.outputSum.pointer, rows: t, width: h, eps: eps,
                             gamma: value(outputNorm.gamma), beta: value(outputNorm.beta),
                             into: a.output.pointer, mean: a.outputMean.pointer, rstd: a.outputRstd.pointer)
    }

    /// Inference only: the block for the first ([CLS]) row of each sequence alone, written to those rows
    /// of `activations.output` (the other rows are left stale). Keys and values still come from every
    /// token, but the query, the attention output, the feed-forward block and both LayerNorms run on B
    /// rows instead of T — about 14% of a 6-layer classification forward pass. Row-for-row the same
    /// arithmetic as `encoderLayerForward`, so the logits agree to rounding. Standard attention only.
    func encoderLayerForwardCLS(_ block: Int, _ norms: PostNorms, input: UnsafePointer<Float>, _ a: LayerActivations,
                                _ workspace: Workspace) {
        let slots = slots(ofBlock: block)
        let batch = workspace.batch
        let t = batch.tokenCount, b = batch.count, h = config.hiddenSize, inner = config.intermediateSize
        let eps = config.layerNormEps
        linear(input, rows: t, slots.qkv, into: a.qkv.pointer, workspace)
        attentionForwardCLS(a, workspace)                              // context rows 0..<B
        linear(a.context.pointer, rows: b, slots.attentionOutput, into: a.attentionSum.pointer, workspace)
        for (row, start) in batch.starts.enumerated() {
            RowKernels.add(input + start * h, into: a.attentionSum.pointer + row * h, count: h)
        }
        RowKernels.layerNorm(a.attentionSum.pointer, rows: b, width: h, eps: eps,
                             gamma: value(norms.attention.gamma), beta: value(norms.attention.beta),
                             into: a.attentionNormed.pointer, mean: a.attentionMean.pointer, rstd: a.attentionRstd.pointer)
        linear(a.attentionNormed.pointer, rows: b, slots.intermediate, into: a.intermediate.pointer, workspace)
        config.activation.forward(a.intermediate.pointer, count: b * inner, into: a.activated.pointer)
        linear(a.activated.pointer, rows: b, slots.output, into: a.outputSum.pointer, workspace)
        RowKernels.add(a.attentionNormed.pointer, into: a.outputSum.pointer, count: b * h)
        // LayerNorm into the (free) attention-sum rows, then each row to its [CLS] position. `input`
        // may alias the output buffer; it is no longer read.
        let outputNorm = norms.output
        RowKernels.layerNorm(a.outputSum.pointer, rows: b, width: h, eps: eps,
                             gamma: value(outputNorm.gamma), beta: value(outputNorm.beta),
                             into: a.attentionSum.pointer, mean: a.outputMean.pointer, rstd: a.outputRstd.pointer)
        let output = a.output.pointer
        for (row, start) in batch.starts.enumerated() {
            (output + start * h).update(from: a.attentionSum.pointer + row * h, count: h)
        }
    }

    /// d output [T, H] → d input [T, H] (overwritten); parameter gradients accumulate.
    func encoderLayerBackward(_ block: Int, _ norms: PostNorms, input: UnsafePointer<Float>, _ a: LayerActivations, _ w: Workspace,
                              outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                              dropout: DropoutPlan?, parameterGradients: Bool) {
        let wanted = parameterGradients
        let slots = slots(ofBlock: block)
        let t = w.batch.tokenCount, h = config.hiddenSize, inner = config.intermediateSize
        let dSum = w.gradientResidual.pointer      // d (pre-LayerNorm sum)
        let dNormed = w.gradientNormed.pointer     // d attentionNormed (residual + feed-forward paths)
        let dInner = w.gradientInner.pointer

        // Output LayerNorm.
        let outputNorm = norms.output
        RowKernels.layerNormBackward(x: a.outputSum.pointer, dy: outputGradient, rows: t, width: h,
                                     mean: a.outputMean.pointer, rstd: a.outputRstd.pointer,
                                     gamma: value(outputNorm.gamma), dx: dSum, accumulate: false,
                                     dGamma: gradient(outputNorm.gamma, if: wanted), dBeta: gradient(outputNorm.beta, if: wanted))
        dNormed.update(from: dSum, count: t * h)   // residual path
        dropout?.apply(dSum, count: t * h, layer: block, .feedForwardOutput)
        // Feed-forward: output dense, activation, intermediate dense.
        linearBackward(a.activated.pointer, dY: dSum, rows: t, slots.output, dX: dInner, accumulate: false, wanted: wanted, w)
        config.activation.backward(x: a.intermediate.pointer, dy: dInner, count: t * inner, into: dInner)
        linearBackward(a.attentionNormed.pointer, dY: dInner, rows: t, slots.intermediate, dX: dNormed, accumulate: true,
                       wanted: wanted, w)
        // Attention LayerNorm.
        RowKernels.layerNormBackward(x: a.attentionSum.pointer, dy: dNormed, rows: t, width: h,
                                     mean: a.attentionMean.pointer, rstd: a.attentionRstd.pointer,
                                     gamma: value(norms.attention.gamma), dx: dSum, accumulate: false,
                                     dGamma: gradient(norms.attention.gamma, if: wanted), dBeta: gradient(norms.attention.beta, if: wanted))
        attentionHalfBackward(block, slots, a, w, sumGradient: dSum, inputGradient: inputGradient, dropout: dropout,
                              parameterGradients: wanted)
        linearBackward(input, dY: w.gradientQKV.pointer, rows: t, slots.qkv, dX: inputGradient, accumulate: true, wanted: wanted, w)
    }

    /// The attention half of a block's backward pass, from d (residual sum after attention) `sumGradient`
    /// (overwritten): the residual path into `inputGradient` (overwritten), then the attention output's
    /// dropout and dense layer and the attention itself, leaving d QKV in `w.gradientQKV`.
    func attentionHalfBackward(_ block: Int, _ slots: EncoderLayerSlots, _ a: LayerActivations, _ w: Workspace,
                               sumGradient dSum: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                               dropout: DropoutPlan?, parameterGradients wanted: Bool) {
        let count = w.batch.tokenCount * config.hiddenSize
        inputGradient.update(from: dSum, count: count)   // residual path
        dropout?.apply(dSum, count: count, layer: block, .attentionOutput)
        linearBackward(a.context.pointer, dY: dSum, rows: w.batch.tokenCount, slots.attentionOutput,
                       dX: w.gradientContext.pointer, accumulate: false, wanted: wanted, w)
        attentionBackward(block, a, w, contextGradient: w.gradientContext.pointer, qkvGradient: w.gradientQKV.pointer,
                          dropout: dropout, parameterGradients: wanted)
    }
}
