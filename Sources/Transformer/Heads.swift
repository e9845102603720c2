// Heads: the tanh pooler over [CLS] and the classifier (BertForSequenceClassification), mean pooling
// for sentence embeddings, and their backward passes.
import Foundation
import Tensors

extension BertModel {
    func classifierForward(hidden: UnsafePointer<Float>, _ w: Workspace, dropout: DropoutPlan?) -> UnsafeMutablePointer<Float> {
        let batch = w.batch, h = config.hiddenSize, b = batch.count
        let cls = w.clsRows.pointer
        for (row, start) in batch.starts.enumerated() { (cls + row * h).update(from: hidden + start * h, count: h) }
        BLAS.linear(cls, rows: b, inFeatures: h, weight: value(weights.pooler.weight), bias: value(weights.pooler.bias),
                    outFeatures: h, into: w.pooled.pointer)
        RowKernels.tanh(w.pooled.pointer, count: b * h, into: w.pooled.pointer)
        w.pooledDropped.pointer.update(from: w.pooled.pointer, count: b * h)
        if let dropout {
            RowKernels.dropout(w.pooledDropped.pointer, count: b * h, probability: dropout.classifier,
                               seed: dropout.seed(layer: config.layerCount, .classifier))
        }
        BLAS.linear(w.pooledDropped.pointer, rows: b, inFeatures: h, weight: value(weights.classifier.weight),
                    bias: value(weights.classifier.bias), outFeatures: classCount, into: w.logits.pointer)
        return w.logits.pointer
    }

    /// d logits [B, C] → d last hidden states in `w.gradientHidden` (non-zero only on [CLS] rows).
    func classifierBackward(_ w: Workspace, logitGradient: UnsafePointer<Float>, dropout: DropoutPlan?, parameterGradients: Bool) {
        let wanted = parameterGradients
        let batch = w.batch, h = config.hiddenSize, b = batch.count
        let dPooled = w.gradientPooled.pointer
        BLAS.linearBackward(x: w.pooledDropped.pointer, dY: logitGradient, rows: b, inFeatures: h, outFeatures: classCount,
                            weight: value(weights.classifier.weight), dWeight: gradient(weights.classifier.weight, if: wanted),
                            dBias: gradient(weights.classifier.bias, if: wanted), dX: dPooled, accumulateDX: false)
        if let dropout {
            RowKernels.dropout(dPooled, count: b * h, probability: dropout.classifier,
                               seed: dropout.seed(layer: config.layerCount, .classifier))
        }
        let pooled = w.pooled.pointer
        for i in 0..<(b * h) { dPooled[i] *= 1 - pooled[i] * pooled[i] }   // tanh′
        BLAS.linearBackward(x: w.clsRows.pointer, dY: dPooled, rows: b, inFeatures: h, outFeatures: h,
                            weight: value(weights.pooler.weight), dWeight: gradient(weights.pooler.weight, if: wanted),
                            dBias: gradient(weights.pooler.bias, if: wanted), dX: w.gradientCLS.pointer, accumulateDX: false)
        let dHidden = w.gradientHidden.pointer
        dHidden.update(repeating: 0, count: batch.tokenCount * h)
        for (row, start) in batch.starts.enumerated() {
            (dHidden + start * h).update(from: w.gradientCLS.pointer + row * h, count: h)
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
