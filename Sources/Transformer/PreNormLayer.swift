// PreNormLayer: one pre-LN block (ModernBERT) — x + attention(LN(x)) (no LayerNorm in the first block),
// then + FFN(LN(·)) with a plain or gated (GeGLU) feed-forward — forward and backward. The encoder's
// final LayerNorm is in EncoderModel.
import Tensors

extension EncoderModel {
    /// `input` [T, H] → `activations.output` [T, H]. In inference `input` may alias the output buffer:
    /// it is last read (the attention residual) before the output is written.
    /// A pre-LN block's two LayerNorms.
    typealias PreNorms = (input: LayerNormSlot?, feedForward: LayerNormSlot)

    func preNormLayerForward(_ block: Int, _ norms: PreNorms, input: UnsafePointer<Float>, _ a: LayerActivations,
                             _ workspace: Workspace, dropout: DropoutPlan?) {
        let slots = slots(ofBlock: block)
        let t = workspace.batch.tokenCount, h = config.hiddenSize, inner = config.intermediateSize
        let eps = config.layerNormEps
        var attentionInput = input
        if let norm = norms.input {
            RowKernels.layerNorm(input, rows: t, width: h, eps: eps, gamma: value(norm.gamma), beta: value(norm.beta),
                                 into: a.inputNormed.pointer, mean: a.inputMean.pointer, rstd: a.inputRstd.pointer)
            attentionInput = UnsafePointer(a.inputNormed.pointer)
        }
        linear(attentionInput, rows: t, slots.qkv, into: a.qkv.pointer, workspace)
        attentionForward(block, a, workspace, dropout: dropout)
        linear(a.context.pointer, rows: t, slots.attentionOutput, into: a.attentionSum.pointer, workspace)
        dropout?.apply(a.attentionSum.pointer, count: t * h, layer: block, .attentionOutput)
        RowKernels.add(input, into: a.attentionSum.pointer, count: t * h)
        RowKernels.layerNorm(a.attentionSum.pointer, rows: t, width: h, eps: eps, gamma: value(norms.feedForward.gamma),
                             beta: value(norms.feedForward.beta), into: a.attentionNormed.pointer,
                             mean: a.attentionMean.pointer, rstd: a.attentionRstd.pointer)
        linear(a.attentionNormed.pointer, rows: t, slots.intermediate, into: a.intermediate.pointer, workspace)
        if config.architecture.gatedFeedForward {
            RowKernels.gatedActivation(config.activation, a.intermediate.pointer, rows: t, width: inner, into: a.activated.pointer)
        } else {
            config.activation.forward(a.intermediate.pointer, count: t * inner, into: a.activated.pointer)
        }
        let dropsOutput = config.architecture.feedForwardDropoutOnOutput
        if !dropsOutput { dropout?.apply(a.activated.pointer, count: t * inner, layer: block, .feedForwardOutput) }
        linear(a.activated.pointer, rows: t, slots.output, into: a.output.pointer, workspace)
        if dropsOutput { dropout?.apply(a.output.pointer, count: t * h, layer: block, .feedForwardOutput) }
        RowKernels.add(a.attentionSum.pointer, into: a.output.pointer, count: t * h)
    }

    /// d output [T, H] → d input [T, H] (overwritten); parameter gradients accumulate.
    func preNormLayerBackward(_ block: Int, _ norms: PreNorms, input: UnsafePointer<Float>, _ a: LayerActivations, _ w: Workspace,
                              outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                              dropout: DropoutPlan?, parameterGradients wanted: Bool) {
        let slots = slots(ofBlock: block)
        let t = w.batch.tokenCount, h = config.hiddenSize, inner = config.intermediateSize
        let dMiddle = w.gradientResidual.pointer     // d (residual stream after attention)
        let dNormed = w.gradientNormed.pointer
        let dActivated = config.architecture.gatedFeedForward ? w.gradientActivated.pointer : w.gradientInner.pointer
        // Feed-forward: output dense, dropout, activation (gated or not), intermediate dense, its LayerNorm.
        dMiddle.update(from: outputGradient, count: t * h)   // residual path
        var dOutput = outputGradient
        let dropsOutput = config.architecture.feedForwardDropoutOnOutput
        if dropsOutput, let dropout, dropout.rate(.feedForwardOutput) > 0 {
            // ViT: the dropout sits after the output dense; dNormed is free until the intermediate backward.
            dNormed.update(from: outputGradient, count: t * h)
            dropout.apply(dNormed, count: t * h, layer: block, .feedForwardOutput)
            dOutput = UnsafePointer(dNormed)
        }
        linearBackward(a.activated.pointer, dY: dOutput, rows: t, slots.output, dX: dActivated, accumulate: false,
                       wanted: wanted, w)
        if !dropsOutput { dropout?.apply(dActivated, count: t * inner, layer: block, .feedForwardOutput) }
        if config.architecture.gatedFeedForward {
            RowKernels.gatedActivationBackward(config.activation, x: a.intermediate.pointer, dy: dActivated, rows: t,
                                               width: inner, into: w.gradientInner.pointer)
        } else {
            config.activation.backward(x: a.intermediate.pointer, dy: dActivated, count: t * inner, into: dActivated)
        }
        linearBackward(a.attentionNormed.pointer, dY: w.gradientInner.pointer, rows: t, slots.intermediate, dX: dNormed,
                       accumulate: false, wanted: wanted, w)
        RowKernels.layerNormBackward(x: a.attentionSum.pointer, dy: dNormed, rows: t, width: h, mean: a.attentionMean.pointer,
                                     rstd: a.attentionRstd.pointer, gamma: value(norms.feedForward.gamma), dx: dMiddle,
                                     accumulate: true, dGamma: gradient(norms.feedForward.gamma, if: wanted),
                                     dBeta: gradient(norms.feedForward.beta, if: wanted))
        // Attention: output dense (after its dropout), attention, QKV projection, its LayerNorm.
        attentionHalfBackward(block, slots, a, w, sumGradient: dMiddle, inputGradient: inputGradient, dropout: dropout,
                              parameterGradients: wanted)
        if let norm = norms.input {
            linearBackward(a.inputNormed.pointer, dY: w.gradientQKV.pointer, rows: t, slots.qkv, dX: dNormed,
                           accumulate: false, wanted: wanted, w)
            RowKernels.layerNormBackward(x: input, dy: dNormed, rows: t, width: h, mean: a.inputMean.pointer,
                                         rstd: a.inputRstd.pointer, gamma: value(norm.gamma), dx: inputGradient,
                                         accumulate: true, dGamma: gradient(norm.gamma, if: wanted),
                                         dBeta: gradient(norm.beta, if: wanted))
        } else {
            linearBackward(input, dY: w.gradientQKV.pointer, rows: t, slots.qkv, dX: inputGradient, accumulate: true,
                           wanted: wanted, w)
        }
    }
}
