// Heads: each family's classification head as its `*ForSequenceClassification` builds it — BERT's and
// ALBERT's tanh pooler, DistilBERT's pre_classifier + ReLU, RoBERTa's and ELECTRA's dense head, DeBERTa's
// ContextPooler, ModernBERT's dense + LayerNorm head, over the first token or the mean — then the
// classifier; mean pooling for sentence embeddings; cross-entropy; and their backward passes.
import Foundation
import Tensors

extension EncoderModel {
    /// The family's head over the last hidden states: pool (first row or mean), [dropout], dense,
    /// activation, [LayerNorm], dropout, classifier.
    func classifierForward(hidden: UnsafePointer<Float>, _ w: Workspace, dropout: DropoutPlan?) -> UnsafeMutablePointer<Float> {
        let head = config.architecture.head
        let batch = w.batch, h = config.hiddenSize, b = batch.count
        let cls = w.clsRows.pointer
        switch head.pooling {
        case .first:
            for (row, start) in batch.starts.enumerated() { (cls + row * h).update(from: hidden + start * h, count: h) }
        case .mean:
            for (row, start) in batch.starts.enumerated() {
                let out = cls + row * h, n = batch.lengths[row]
                out.update(repeating: 0, count: h)
                for t in start..<(start + n) {
                    let r = hidden + t * h
                    for i in 0..<h { out[i] += r[i] }
                }
                for i in 0..<h { out[i] /= Float(n) }
            }
        }
        var input = UnsafePointer(cls)
        if let dropout, dropout.rate(.headInput) > 0 {
            w.headInput.pointer.update(from: cls, count: b * h)
            dropout.apply(w.headInput.pointer, count: b * h, layer: config.layerCount, .headInput)
            input = UnsafePointer(w.headInput.pointer)
        }
        var features = UnsafeMutablePointer(mutating: input)
        if let pooler = weights.pooler {
            linear(input, rows: b, pooler, into: w.pooledLinear.pointer)
            head.activation.forward(w.pooledLinear.pointer, count: b * h, into: w.pooled.pointer)
            features = w.pooled.pointer
        }
        if let norm = weights.headNorm {
            RowKernels.layerNorm(features, rows: b, width: h, eps: config.layerNormEps, gamma: value(norm.gamma),
                                 beta: value(norm.beta), into: w.headNormed.pointer, mean: w.headMean.pointer,
                                 rstd: w.headRstd.pointer)
            features = w.headNormed.pointer
        }
        w.pooledDropped.pointer.update(from: features, count: b * h)
        dropout?.apply(w.pooledDropped.pointer, count: b * h, layer: config.layerCount, .classifier)
        linear(w.pooledDropped.pointer, rows: b, weights.classifier, into: w.logits.pointer)
        return w.logits.pointer
    }

    /// d logits [B, C] → d last hidden states in `w.gradientHidden` (non-zero only on the pooled rows).
    func classifierBackward(_ w: Workspace, logitGradient: UnsafePointer<Float>, dropout: DropoutPlan?, parameterGradients: Bool) {
        let wanted = parameterGradients
        let head = config.architecture.head
        let batch = w.batch, h = config.hiddenSize, b = batch.count
        let dPooled = w.gradientPooled.pointer
        linearBackward(w.pooledDropped.pointer, dY: logitGradient, rows: b, weights.classifier, dX: dPooled,
                       accumulate: false, wanted: wanted)
        dropout?.apply(dPooled, count: b * h, layer: config.layerCount, .classifier)
        guard let pooler = weights.pooler else {
            // ViT: the classifier reads the pooled row itself.
            w.gradientCLS.pointer.update(from: dPooled, count: b * h)
            spreadPooledGradient(w)
            return
        }
        if let norm = weights.headNorm {
            let dActivated = w.gradientCLS.pointer
            RowKernels.layerNormBackward(x: w.pooled.pointer, dy: dPooled, rows: b, width: h, mean: w.headMean.pointer,
                                         rstd: w.headRstd.pointer, gamma: value(norm.gamma), dx: dActivated,
                                         accumulate: false, dGamma: gradient(norm.gamma, if: wanted),
                                         dBeta: gradient(norm.beta, if: wanted))
            dPooled.update(from: dActivated, count: b * h)
        }
        if head.activation == .tanh {
            let pooled = w.pooled.pointer
            for i in 0..<(b * h) { dPooled[i] *= 1 - pooled[i] * pooled[i] }   // tanh′ from its output
        } else {
            head.activation.backward(x: w.pooledLinear.pointer, dy: dPooled, count: b * h, into: dPooled)
        }
        let headInput = dropout.map { $0.rate(.headInput) > 0 } ?? false ? w.headInput.pointer : w.clsRows.pointer
        linearBackward(headInput, dY: dPooled, rows: b, pooler, dX: w.gradientCLS.pointer, accumulate: false,
                       wanted: wanted)
        dropout?.apply(w.gradientCLS.pointer, count: b * h, layer: config.layerCount, .headInput)
        spreadPooledGradient(w)
    }

    /// d pooled rows (`w.gradientCLS`) → d last hidden states in `w.gradientHidden`.
    private func spreadPooledGradient(_ w: Workspace) {
        let head = config.architecture.head
        let batch = w.batch, h = config.hiddenSize
        let dHidden = w.gradientHidden.pointer
        dHidden.update(repeating: 0, count: batch.tokenCount * h)
        switch head.pooling {
        case .first:
            for (row, start) in batch.starts.enumerated() {
                (dHidden + start * h).update(from: w.gradientCLS.pointer + row * h, count: h)
            }
        case .mean:
            for (row, start) in batch.starts.enumerated() {
                let n = batch.lengths[row], g = w.gradientCLS.pointer + row * h
                for t in start..<(start + n) {
                    for i in 0..<h { dHidden[t * h + i] = g[i] / Float(n) }
                }
            }
        }
    }
}

/// Mean pooling over each sequence's tokens (sentence-transformers' pooling), optionally L2-normalised.
public enum Pooling {
    public static func mean(hidden: UnsafePointer<Float>, batch: TokenBatch, width h: Int, normalise: Bool) -> [[Float]] {
        (0..<batch.count).map { sequence in
            var row = [Float](repeating: 0, count: h)
            let n = batch.lengths[sequence], start = batch.starts[sequence]
            for t in start..<(start + n) {
                let r = hidden + t * h
                for i in 0..<h { row[i] += r[i] }
            }
            for i in 0..<h { row[i] /= Float(n) }
            if normalise {
                let norm = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                for i in 0..<h { row[i] /= norm }
            }
            return row
        }
    }

    /// Backward of unnormalised mean pooling: spreads d pooled [B, H] over each sequence's tokens.
    public static func meanBackward(pooledGradient: [[Float]], batch: TokenBatch, width h: Int,
                                    into dHidden: UnsafeMutablePointer<Float>) {
        for sequence in 0..<batch.count {
            let n = batch.lengths[sequence], start = batch.starts[sequence]
            for t in start..<(start + n) {
                for i in 0..<h { dHidden[t * h + i] = pooledGradient[sequence][i] / Float(n) }
            }
        }
    }
}

/// Softmax cross-entropy with mean reduction, as torch's `cross_entropy`.
public enum Loss {
    public static func softmax(_ logits: [Float]) -> [Float] {
        let m = logits.max() ?? 0
        let e = logits.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Mean loss over rows; writes d loss / d logits into `gradient` [rows, classes] when given.
    public static func crossEntropy(logits: UnsafePointer<Float>, labels: [Int], classes: Int,
                                    gradient: UnsafeMutablePointer<Float>?) throws -> Float {
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw EngineError.invalidInput("label id \(bad) is outside the model's \(classes) classes")
        }
        var total: Double = 0
        let rows = labels.count
        for (row, label) in labels.enumerated() {
            let l = logits + row * classes
            var m = -Float.infinity
            for c in 0..<classes { m = max(m, l[c]) }
            var s: Double = 0
            for c in 0..<classes { s += Foundation.exp(Double(l[c] - m)) }
            let logSum = Double(m) + Foundation.log(s)
            total += logSum - Double(l[label])
            if let gradient {
                for c in 0..<classes {
                    let p = Foundation.exp(Double(l[c]) - logSum)
                    gradient[row * classes + c] = Float((p - (c == label ? 1 : 0)) / Double(rows))
                }
            }
        }
        return Float(total / Double(max(rows, 1)))
    }

    public static func crossEntropy(logits: [Float], labels: [Int], classes: Int, gradient: inout [Float]) throws -> Float {
        gradient = [Float](repeating: 0, count: logits.count)
        return try crossEntropy(logits, labels, classes, gradient: &gradient, wantsGradient: true)
    }

    public static func crossEntropy(logits: [Float], labels: [Int], classes: Int) throws -> Float {
        var unused: [Float] = []
        return try crossEntropy(logits, labels, classes, gradient: &unused, wantsGradient: false)
    }

    private static func crossEntropy(_ logits: [Float], _ labels: [Int], _ classes: Int, gradient: inout [Float],
                                     wantsGradient: Bool) throws -> Float {
        guard logits.count == labels.count * classes, !labels.isEmpty else {
            throw EngineError.invalidInput("\(logits.count) logits do not match \(labels.count) labels × \(classes) classes")
        }
        return try logits.withUnsafeBufferPointer { l in
            try gradient.withUnsafeMutableBufferPointer { g in
                guard let base = l.baseAddress else { throw EngineError.invalidInput("no logits") }
                return try crossEntropy(logits: base, labels: labels, classes: classes,
                                        gradient: wantsGradient ? g.baseAddress : nil)
            }
        }
    }
}
