// FiniteDifferences: central differences of a classifier's cross-entropy against its analytic
// gradients, for every tensor (three random entries and the largest-gradient one each) and for the input
// word vectors; shared by the BERT and the family gradient checks.
import Basics
import Foundation
import Tensors
import Transformer
import XCTest

enum FiniteDifferences {
    /// Larger weights than the 0.02 default, so every path carries a gradient FD can see in Float:
    /// normal(0, 0.3), plus 1 for LayerNorm gains.
    static func randomise(_ model: EncoderModel, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for entry in model.parameters.entries {
            let values = model.parameters.value(at: entry.offset)
            let gain: Float = entry.name.contains("LayerNorm.weight") ? 1 : 0
            for i in 0..<entry.count { values[i] = gain + 0.3 * random.normal() }
        }
    }

    static func loss(_ model: EncoderModel, _ workspace: Workspace, batch: TokenBatch, labels: [Int], dropout: DropoutPlan?,
                     delta: UnsafePointer<Float>? = nil) throws -> Float {
        let logits = try model.classify(batch, workspace: workspace, dropout: dropout, wordEmbeddingDelta: delta)
        return try Loss.crossEntropy(logits: logits, labels: labels, classes: model.classCount, gradient: nil)
    }

    /// Runs the backward pass (parameter gradients left in the store, input gradient in the workspace).
    static func backward(_ model: EncoderModel, _ workspace: Workspace, batch: TokenBatch, labels: [Int], dropout: DropoutPlan?,
                         parameterGradients: Bool = true) throws {
        model.parameters.zeroGradients()
        let logits = try model.classify(batch, workspace: workspace, dropout: dropout)
        let dLogits = FloatBuffer(capacity: batch.count * model.classCount)
        _ = try Loss.crossEntropy(logits: logits, labels: labels, classes: model.classCount, gradient: dLogits.pointer)
        try model.classifyBackward(workspace: workspace, logitGradient: dLogits.pointer, dropout: dropout,
                                   parameterGradients: parameterGradients)
    }

    /// Checks every tensor's analytic gradient within 1e-3 + 3e-2·|numeric|. With `skippingKinks`, an entry
    /// whose forward and backward differences disagree (a step across a ReLU's kink) is skipped and counted.
    /// Returns the entries checked, the worst relative error and the entries skipped.
    @discardableResult
    static func checkParameters(_ model: EncoderModel, batch: TokenBatch, labels: [Int], dropout: DropoutPlan?,
                                step: Float = 1e-2, skippingKinks: Bool = false, name: String,
                                file: StaticString = #filePath, line: UInt = #line) throws -> (checked: Int, worst: Float, kinks: Int) {
        let workspace = model.makeWorkspace(training: true)
        try backward(model, workspace, batch: batch, labels: labels, dropout: dropout)
        let base = try loss(model, workspace, batch: batch, labels: labels, dropout: dropout)
        var random = SeededRandom(seed: 99)
        var checked = 0, worst: Float = 0, kinks = 0
        for entry in model.parameters.entries {
            let gradients = model.parameters.gradient(at: entry.offset)
            var indices = (0..<3).map { _ in Int(random.next() % UInt64(entry.count)) }
            if let top = (0..<entry.count).max(by: { abs(gradients[$0]) < abs(gradients[$1]) }) { indices.append(top) }
            for index in indices {
                let value = model.parameters.value(at: entry.offset + index)
                let saved = value.pointee
                value.pointee = saved + step
                let up = try loss(model, workspace, batch: batch, labels: labels, dropout: dropout)
                value.pointee = saved - step
                let down = try loss(model, workspace, batch: batch, labels: labels, dropout: dropout)
                value.pointee = saved
                let numeric = (up - down) / (2 * step)
                let analytic = gradients[index]
                if skippingKinks, abs((up - base) - (base - down)) / step > 0.2 * abs(numeric) + 1e-2 {
                    kinks += 1
                    continue
                }
                worst = max(worst, abs(numeric - analytic) / max(abs(numeric), 1e-2))
                XCTAssertLessThanOrEqual(abs(numeric - analytic), 1e-3 + 3e-2 * abs(numeric),
                                         "\(name) \(entry.name)[\(index)]: analytic \(analytic) numeric \(numeric)",
                                         file: file, line: line)
                checked += 1
            }
        }
        return (checked, worst, kinks)
    }

    /// Checks d loss / d input word vectors at 40 random (token, dimension) entries.
    static func checkInput(_ model: EncoderModel, batch: TokenBatch, labels: [Int], step: Float = 1e-2, name: String,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let workspace = model.makeWorkspace(training: true)
        try backward(model, workspace, batch: batch, labels: labels, dropout: nil)
        let e = model.inputEmbeddingWidth, t = batch.tokenCount
        let analytic = workspace.inputEmbeddingGradient.array(t * e)
        let delta = FloatBuffer(capacity: t * e)
        var random = SeededRandom(seed: 5)
        for _ in 0..<40 {
            let index = Int(random.next() % UInt64(t * e))
            delta.zero(t * e)
            delta.pointer[index] = step
            let up = try loss(model, workspace, batch: batch, labels: labels, dropout: nil, delta: delta.pointer)
            delta.pointer[index] = -step
            let down = try loss(model, workspace, batch: batch, labels: labels, dropout: nil, delta: delta.pointer)
            let numeric = (up - down) / (2 * step)
            XCTAssertEqual(analytic[index], numeric, accuracy: 1e-3 + 3e-2 * abs(numeric), "\(name) token-dim \(index)",
                           file: file, line: line)
        }
    }
}
