// The engine's parallel paths (data-parallel groups for large inference batches, split GEMMs,
// per-head attention) must give the same numbers as the serial path.
import Basics
import Foundation
import Tensors
import Transformer
import XCTest

final class ParallelEquivalenceTests: XCTestCase {
    func model() throws -> EncoderModel {
        let config = try EncoderConfig(vocabSize: 200, hiddenSize: 64, layerCount: 2, headCount: 4, intermediateSize: 128,
                                    maxPositions: 64)
        return try EncoderModel(config: config, classes: 2, seed: 3)
    }

    func batch() -> TokenBatch {
        var random = SeededRandom(seed: 8)
        // 9 sequences of uneven lengths, 300+ tokens: large enough for the data-parallel path.
        return TokenBatch((0..<9).map { index in
            (0..<(20 + index * 5)).map { _ in Int32(random.next() % 200) }
        })
    }

    func testGroupedInferenceEqualsSingleWorkspacePass() throws {
        let model = try model(), batch = batch()
        XCTAssertGreaterThanOrEqual(batch.tokenCount, 256)
        let h = model.config.hiddenSize
        // An inference workspace takes the grouped path; a training one never does.
        // (The returned pointers live inside the workspaces, so those are held until the end.)
        let inference = model.makeWorkspace(training: false), training = model.makeWorkspace(training: true)
        let grouped = try model.encode(batch, workspace: inference)
        let single = try model.encode(batch, workspace: training)
        var worst: Float = 0
        for i in 0..<(batch.tokenCount * h) { worst = max(worst, abs(grouped[i] - single[i])) }
        withExtendedLifetime((inference, training)) {}
        XCTAssertLessThanOrEqual(worst, 1e-5)
    }

    func testOneWorkerAndTwoWorkersAgree() throws {
        let model = try model(), batch = batch()
        let saved = Parallel.workers
        defer { Parallel.workers = saved }
        Parallel.workers = 1
        let serial = try model.probabilities(batch, workspace: model.makeWorkspace(training: false))
        Parallel.workers = 2
        let parallel = try model.probabilities(batch, workspace: model.makeWorkspace(training: false))
        for (a, b) in zip(serial, parallel) {
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        }
    }

    func testWordEmbeddingDeltaReachesEveryGroup() throws {
        // A perturbation of the last token's word vector must change only the last sequence's states.
        let model = try model(), batch = batch()
        let h = model.config.hiddenSize, t = batch.tokenCount
        let workspace = model.makeWorkspace(training: false)
        let base = Array(UnsafeBufferPointer(start: try model.encode(batch, workspace: workspace), count: t * h))
        let delta = FloatBuffer(capacity: t * h)
        for i in 0..<h { delta.pointer[(t - 1) * h + i] = i % 2 == 0 ? 0.5 : -0.5 }   // not constant: LayerNorm removes a constant shift
        let perturbed = try model.encode(batch, workspace: workspace, wordEmbeddingDelta: delta.pointer)
        let lastStart = batch.starts[batch.count - 1]
        var changedInside: Float = 0, changedOutside: Float = 0
        for token in 0..<t {
            let change = (0..<h).map { abs(perturbed[token * h + $0] - base[token * h + $0]) }.max() ?? 0
            if token >= lastStart { changedInside = max(changedInside, change) } else { changedOutside = max(changedOutside, change) }
        }
        XCTAssertGreaterThan(changedInside, 1e-3)
        XCTAssertEqual(changedOutside, 0)
        withExtendedLifetime(workspace) {}
    }

    /// Classification in inference finishes the last layer for the [CLS] rows only; its logits must
    /// equal the full pass's (a training workspace always runs every row), for one sequence, a small
    /// serial batch, and the large batch that takes the data-parallel path, with and without a delta.
    func testCLSOnlyLastLayerGivesTheFullPassLogits() throws {
        let model = try model()
        var random = SeededRandom(seed: 21)
        let small = TokenBatch([(0..<7).map { _ in Int32(random.next() % 200) }, [5, 9], [11]])
        let single = TokenBatch([(0..<33).map { _ in Int32(random.next() % 200) }])
        for batch in [single, small, batch()] {
            let inference = model.makeWorkspace(training: false), training = model.makeWorkspace(training: true)
            let delta = FloatBuffer(capacity: batch.tokenCount * model.config.hiddenSize)
            for i in 0..<(batch.tokenCount * model.config.hiddenSize) { delta.pointer[i] = Float(i % 7) * 0.01 - 0.03 }
            for perturbation in [nil, UnsafePointer(delta.pointer)] {
                let fast = Array(UnsafeBufferPointer(start: try model.classify(batch, workspace: inference, wordEmbeddingDelta: perturbation),
                                                     count: batch.count * 2))
                let full = Array(UnsafeBufferPointer(start: try model.classify(batch, workspace: training, wordEmbeddingDelta: perturbation),
                                                     count: batch.count * 2))
                for (a, b) in zip(fast, full) { XCTAssertEqual(a, b, accuracy: 1e-5, "batch of \(batch.count)") }
                // Not a vacuous check: the logits differ between sequences.
                if batch.count > 1 { XCTAssertNotEqual(fast[0], fast[2]) }
            }
            withExtendedLifetime((inference, training, delta)) {}
        }
    }
}
