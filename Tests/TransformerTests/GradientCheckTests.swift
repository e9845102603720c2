// Finite-difference checks of every backward pass (embeddings, attention, feed-forward, LayerNorms,
// pooler, classifier, input word vectors) on a tiny random BERT, with and without dropout.
import Basics
import Foundation
import Tensors
import TestSupport
import Transformer
import XCTest

final class GradientCheckTests: XCTestCase {
    static func tinyModel(seed: UInt64 = 7) throws -> EncoderModel {
        let config = try EncoderConfig(vocabSize: 40, hiddenSize: 16, layerCount: 2, headCount: 4, intermediateSize: 32,
                                    hiddenDropout: 0.1, attentionDropout: 0.1, maxPositions: 12, typeVocabSize: 2)
        let model = try EncoderModel(config: config, classes: 3, seed: seed)
        FiniteDifferences.randomise(model, seed: seed &+ 1)
        return model
    }

    static let batch = TokenBatch([[1, 5, 9, 13, 2], [1, 7, 7, 30, 22, 11, 3, 2], [1, 4, 2]],
                                  typeIDs: [[0, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1], [0, 1, 1]])
    static let labels = [2, 0, 1]

    func loss(_ model: EncoderModel, _ workspace: Workspace, dropout: DropoutPlan?, delta: UnsafePointer<Float>? = nil) throws -> Float {
        let logits = try model.classify(Self.batch, workspace: workspace, dropout: dropout, wordEmbeddingDelta: delta)
        return try Loss.crossEntropy(logits: logits, labels: Self.labels, classes: model.classCount, gradient: nil)
    }

    func checkAllParameters(dropout: DropoutPlan?) throws {
        let model = try Self.tinyModel()
        let (checked, worst, _) = try FiniteDifferences.checkParameters(model, batch: Self.batch, labels: Self.labels,
                                                                        dropout: dropout, name: "bert")
        // Positions and token types that occur must have non-zero gradients; unused word rows must be zero.
        let wordGradient = model.parameters.gradientArray("embeddings.word_embeddings.weight") ?? []
        XCTAssertEqual(wordGradient[39 * 16..<40 * 16].map(abs).max(), 0, "an unused word row got a gradient")
        XCTAssertGreaterThan(wordGradient[7 * 16..<8 * 16].map(abs).max() ?? 0, 0)
        print("gradient check (dropout \(dropout != nil)): \(checked) entries, worst relative error \(worst)")
    }

    func testEveryParameterGradientMatchesFiniteDifferences() throws {
        try checkAllParameters(dropout: nil)
    }

    func testGradientsWithDropoutMatchFiniteDifferences() throws {
        // Dropout masks are pure functions of the seed, so the perturbed losses see the same mask.
        try checkAllParameters(dropout: DropoutPlan(seed: 1234, hidden: 0.2, attention: 0.2, classifier: 0.2))
    }

    func testInputEmbeddingGradientMatchesFiniteDifferences() throws {
        try FiniteDifferences.checkInput(try Self.tinyModel(), batch: Self.batch, labels: Self.labels, name: "bert")
    }

    func testInputGradientOnlyPassMatchesAndLeavesParameterGradientsAlone() throws {
        let model = try Self.tinyModel()
        let h = model.config.hiddenSize, t = Self.batch.tokenCount
        let plan = DropoutPlan(seed: 11, hidden: 0.1, attention: 0.1, classifier: 0.1)
        func inputGradient(parameterGradients: Bool) throws -> [Float] {
            let workspace = model.makeWorkspace(training: true)
            let logits = try model.classify(Self.batch, workspace: workspace, dropout: plan)
            let dLogits = FloatBuffer(capacity: Self.batch.count * model.classCount)
            _ = try Loss.crossEntropy(logits: logits, labels: Self.labels, classes: model.classCount, gradient: dLogits.pointer)
            try model.classifyBackward(workspace: workspace, logitGradient: dLogits.pointer, dropout: plan,
                                       parameterGradients: parameterGradients)
            return workspace.inputEmbeddingGradient.array(t * h)
        }
        model.parameters.zeroGradients()
        let full = try inputGradient(parameterGradients: true)
        XCTAssertGreaterThan(model.parameters.gradientNorm(), 0)
        model.parameters.zeroGradients()
        let only = try inputGradient(parameterGradients: false)
        XCTAssertEqual(model.parameters.gradientNorm(), 0)
        XCTAssertEqual(only, full)
    }

    func testDropoutIsSeededAndOffInEvaluation() throws {
        let model = try Self.tinyModel()
        let workspace = model.makeWorkspace(training: true)
        let plan = DropoutPlan(seed: 3, hidden: 0.3, attention: 0.3, classifier: 0.3)
        let a = try loss(model, workspace, dropout: plan)
        let b = try loss(model, workspace, dropout: plan)
        let c = try loss(model, workspace, dropout: DropoutPlan(seed: 4, hidden: 0.3, attention: 0.3, classifier: 0.3))
        let evaluation = try loss(model, workspace, dropout: nil)
        let evaluationAgain = try loss(model, model.makeWorkspace(training: false), dropout: nil)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertNotEqual(a, evaluation)
        XCTAssertEqual(evaluation, evaluationAgain)
    }

    func testPackedBatchEqualsSequencesRunAlone() throws {
        // Attention must see only each sequence's own tokens: batching cannot change any output.
        let model = try Self.tinyModel()
        let workspace = model.makeWorkspace(training: false)
        let together = try model.probabilities(Self.batch, workspace: workspace)
        for (index, length) in Self.batch.lengths.enumerated() {
            let start = Self.batch.starts[index]
            let alone = TokenBatch([Array(Self.batch.tokenIDs[start..<(start + length)])],
                                   typeIDs: [Array(Self.batch.typeIDs[start..<(start + length)])])
            let probabilities = try model.probabilities(alone, workspace: workspace)[0]
            for c in 0..<model.classCount { XCTAssertEqual(probabilities[c], together[index][c], accuracy: 1e-6) }
        }
    }

    func testInvalidInputsThrowInsteadOfTrapping() throws {
        let model = try Self.tinyModel()
        let workspace = model.makeWorkspace(training: false)
        XCTAssertThrowsError(try model.encode(TokenBatch([[1, 99]]), workspace: workspace))
        XCTAssertThrowsError(try model.encode(TokenBatch([[]]), workspace: workspace))
        XCTAssertThrowsError(try model.encode(TokenBatch([[Int32](repeating: 1, count: 13)]), workspace: workspace), "longer than max positions")
        XCTAssertThrowsError(try model.encode(TokenBatch([[1, 2]], typeIDs: [[0, 5]]), workspace: workspace))
        XCTAssertThrowsError(try model.encode(Self.batch, workspace: workspace, dropout: DropoutPlan(seed: 1, config: model.config)))
        XCTAssertThrowsError(try Loss.crossEntropy(logits: [0, 0, 0], labels: [3], classes: 3))
    }
}

