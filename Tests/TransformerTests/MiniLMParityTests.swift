// Parity of the Swift encoder with Hugging Face transformers on all-MiniLM-L6-v2 (fixtures made by
// the Python reference stack): hidden states, pooled embeddings, logits, loss and input gradients.
import Foundation
import Tensors
import TestSupport
import Tokenizer
import Transformer
import XCTest

final class MiniLMParityTests: XCTestCase {
    static let shared: Result<ModelHandle, Error> = Result { try ModelHandle(directory: try requireMiniLM()) }

    func checkpoint() throws -> ModelHandle { try Self.shared.get() }

    /// The fixture's padded batch, unpadded into our packed form.
    func fixtureBatch(_ fixture: [String: Any]) -> TokenBatch {
        let ids = (fixture["input_ids"] as? [Any] ?? []).map(ints)
        let masks = (fixture["attention_mask"] as? [Any] ?? []).map(ints)
        return TokenBatch(zip(ids, masks).map { idRow, maskRow in
            zip(idRow, maskRow).filter { $0.1 == 1 }.map { Int32($0.0) }
        })
    }

    func testLoadsBareMiniLMWithNewHead() throws {
        let checkpoint = try checkpoint()
        XCTAssertEqual(checkpoint.config.layerCount, 6)
        XCTAssertEqual(checkpoint.config.hiddenSize, 384)
        XCTAssertFalse(checkpoint.hasTrainedHead)
        XCTAssertEqual(checkpoint.initialisedTensors.sorted(), ["classifier.bias", "classifier.weight"])
        XCTAssertEqual(checkpoint.ignoredTensors, ["embeddings.position_ids"])
    }

    func testHiddenStatesAndPooledEmbeddingsMatchTransformers() throws {
        let checkpoint = try checkpoint()
        let fixture = try loadJSONFixture("minilm_forward.json")
        let batch = fixtureBatch(fixture)
        let sentences = try XCTUnwrap(fixture["sentences"] as? [[String: Any]])
        XCTAssertEqual(batch.count, sentences.count)
        // Token ids from our tokenizer must equal the fixture's too.
        for (index, sentence) in sentences.enumerated() {
            let text = try XCTUnwrap(sentence["text"] as? String)
            let start = batch.starts[index]
            XCTAssertEqual(checkpoint.tokenizer.encode(text, maxLength: 512).ids,
                           Array(batch.tokenIDs[start..<(start + batch.lengths[index])]), "sentence \(index)")
        }
        let workspace = checkpoint.model.makeWorkspace(training: false)
        let hidden = try checkpoint.model.encode(batch, workspace: workspace)
        let h = checkpoint.config.hiddenSize
        var maxHiddenDiff: Float = 0, maxPooledDiff: Float = 0, maxNormalisedDiff: Float = 0
        let pooled = Pooling.mean(hidden: hidden, batch: batch, width: h, normalise: false)
        let normalised = Pooling.mean(hidden: hidden, batch: batch, width: h, normalise: true)
        for (index, sentence) in sentences.enumerated() {
            let rows = (sentence["hidden_first8"] as? [Any] ?? []).map(floats)
            XCTAssertEqual(rows.count, batch.lengths[index])
            for (t, row) in rows.enumerated() {
                for (i, expected) in row.enumerated() {
                    maxHiddenDiff = max(maxHiddenDiff, abs(hidden[(batch.starts[index] + t) * h + i] - expected))
                }
            }
            for (i, expected) in floats(sentence["mean_pooled"]).enumerated() {
                maxPooledDiff = max(maxPooledDiff, abs(pooled[index][i] - expected))
            }
            let expectedNormalised = floats(sentence["mean_pooled_normalized"])
            XCTAssertEqual(expectedNormalised.count, h)
            for (i, expected) in expectedNormalised.enumerated() {
                maxNormalisedDiff = max(maxNormalisedDiff, abs(normalised[index][i] - expected))
            }
        }
        print("MiniLM parity: max |Δhidden| \(maxHiddenDiff), |Δpooled| \(maxPooledDiff), |Δnormalised| \(maxNormalisedDiff)")
        XCTAssertLessThanOrEqual(maxHiddenDiff, 1e-4)
        XCTAssertLessThanOrEqual(maxPooledDiff, 1e-4)
        XCTAssertLessThanOrEqual(maxNormalisedDiff, 1e-5)
    }

    func testLossAndInputEmbeddingGradientMatchTorch() throws {
        let checkpoint = try checkpoint()
        let model = checkpoint.model, h = model.config.hiddenSize
        let forward = try loadJSONFixture("minilm_forward.json")
        let fixture = try loadJSONFixture("minilm_grad.json")
        let headWeight = (fixture["head_weight"] as? [Any] ?? []).map(floats)
        let headBias = floats(fixture["head_bias"])
        let labels = ints(fixture["labels"])
        XCTAssertEqual(headWeight.count, 2)

        func head(_ pooled: [Float]) -> [Float] {
            (0..<2).map { c in zip(headWeight[c], pooled).reduce(headBias[c]) { $0 + $1.0 * $1.1 } }
        }
        // The whole batch: logits and per-example cross-entropy.
        let batch = fixtureBatch(forward)
        let inference = model.makeWorkspace(training: false)
        let hidden = try model.encode(batch, workspace: inference)
        let pooled = Pooling.mean(hidden: hidden, batch: batch, width: h, normalise: false)
        let expectedBatch = try XCTUnwrap(fixture["batch"] as? [String: Any])
        let expectedLogits = (expectedBatch["logits"] as? [Any] ?? []).map(floats)
        var logits: [Float] = []
        for (index, row) in pooled.enumerated() {
            let l = head(row)
            logits += l
            for c in 0..<2 { XCTAssertEqual(l[c], expectedLogits[index][c], accuracy: 1e-5) }
        }
        let meanLoss = try Loss.crossEntropy(logits: logits, labels: labels, classes: 2)
        XCTAssertEqual(meanLoss, Float(truncating: expectedBatch["mean_ce"] as? NSNumber ?? 0), accuracy: 1e-5)

        // Sentence 0 alone: loss and d loss / d word vectors.
        let sentence = try XCTUnwrap(fixture["sentence0"] as? [String: Any])
        let single = TokenBatch([ints(sentence["input_ids"]).map { Int32($0) }])
        let training = model.makeWorkspace(training: true)
        model.parameters.zeroGradients()
        let singleHidden = try model.encode(single, workspace: training)
        let singlePooled = Pooling.mean(hidden: singleHidden, batch: single, width: h, normalise: false)[0]
        let singleLogits = head(singlePooled)
        var dLogits = [Float](repeating: 0, count: 2)
        let loss = try Loss.crossEntropy(logits: singleLogits, labels: [ints(sentence["label"].map { [$0] })[0]],
                                         classes: 2, gradient: &dLogits)
        XCTAssertEqual(loss, Float(truncating: sentence["loss"] as? NSNumber ?? 0), accuracy: 1e-5)
        let dPooled = (0..<h).map { i in dLogits[0] * headWeight[0][i] + dLogits[1] * headWeight[1][i] }
        let dHidden = FloatBuffer(capacity: single.tokenCount * h)
        Pooling.meanBackward(pooledGradient: [dPooled], batch: single, width: h, into: dHidden.pointer)
        try model.encodeBackward(workspace: training, hiddenGradient: dHidden.pointer)
        let gradient = training.inputEmbeddingGradient.pointer
        let expectedFirst8 = (sentence["grad_first8_per_token"] as? [Any] ?? []).map(floats)
        let expectedNorms = floats(sentence["grad_l2_per_token"])
        XCTAssertEqual(expectedNorms.count, single.tokenCount)
        var worstNorm: Float = 0
        for t in 0..<single.tokenCount {
            for i in 0..<8 {
                let actual = gradient[t * h + i], expected = expectedFirst8[t][i]
                XCTAssertTrue(abs(actual - expected) <= 1e-5 || abs(actual - expected) <= 1e-3 * abs(expected),
                              "token \(t) dim \(i): \(actual) vs \(expected)")
            }
            let norm = (0..<h).reduce(Float(0)) { $0 + gradient[t * h + $1] * gradient[t * h + $1] }.squareRoot()
            worstNorm = max(worstNorm, abs(norm - expectedNorms[t]) / expectedNorms[t])
        }
        print("MiniLM gradient parity: worst relative per-token norm error \(worstNorm)")
        XCTAssertLessThanOrEqual(worstNorm, 1e-3)
    }
}
