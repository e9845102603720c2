// The real BERT path on a tiny random model: batched queries equal one-by-one forward passes,
// truncation, input gradients against finite differences, gradient ranking, the MiniLM-style encoder,
// and recipes run through the runner with 1 and 2 workers.
import Basics
import Foundation
import Tensors
import Transformer
import XCTest
@testable import Attacks

final class ModelVictimTests: XCTestCase {
    let texts = ["the movie was good", "a dull plot", "the acting is not very good", "great fun", "a boring story and a bad film",
                 "the plot was fun and the acting was great", "not a good movie", "very dull", "a film", "the story is great"]

    func testBatchedQueriesEqualSinglePasses() throws {
        let (model, tokenizer) = try TinyBert.make()
        let victim = ModelVictim(model: model, tokenizer: tokenizer, maxLength: 48)
        let sequences = texts.map { victim.tokenIDs($0) }
        let batched = try victim.probabilities(sequences)
        let workspace = model.makeWorkspace(training: false)
        for (ids, probabilities) in zip(sequences, batched) {
            let single = try model.probabilities(TokenBatch([ids]), workspace: workspace)[0]
            for (a, b) in zip(single, probabilities) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
        // Split passes (a small token cap) give the same answers.
        victim.maxTokensPerPass = 12
        let split = try victim.probabilities(sequences)
        for (a, b) in zip(split.joined(), batched.joined()) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(victim.labels, ["neg", "pos"])
    }

    func testTruncationLimit() throws {
        let (model, tokenizer) = try TinyBert.make()
        let victim = ModelVictim(model: model, tokenizer: tokenizer, maxLength: 6)
        // [CLS] the movie was good [SEP] fits exactly; one more word does not.
        XCTAssertNil(victim.visibleScalarLimit("the movie was good"))
        let text = "the movie was good fun"
        XCTAssertEqual(victim.visibleScalarLimit(text), 18)     // after "good"
        XCTAssertEqual(victim.tokenIDs(text).count, 6)
        let limit = try XCTUnwrap(victim.visibleScalarLimit(text))
        XCTAssertEqual(AttackedText(text).scalarRanges().prefix { $0.lowerBound < limit }.count, 4)
    }

    func testInputGradientMatchesFiniteDifferences() throws {
        let (model, tokenizer) = try TinyBert.make()
        let victim = ModelVictim(model: model, tokenizer: tokenizer)
        let ids = victim.tokenIDs("a dull plot")
        let h = model.config.hiddenSize
        let (loss, probabilities, gradient) = try victim.inputGradient(ids, label: 1)
        XCTAssertEqual(gradient.count, ids.count * h)
        XCTAssertEqual(loss, -Foundation.log(probabilities[1]), accuracy: 1e-4)
        let step: Float = 1e-2
        for (token, component) in [(1, 3), (2, 7), (3, 0)] {
            var delta = [Float](repeating: 0, count: ids.count * h)
            delta[token * h + component] = step
            let up = try delta.withUnsafeBufferPointer { try victim.inputGradient(ids, label: 1, wordEmbeddingDelta: $0.baseAddress).loss }
            delta[token * h + component] = -step
            let down = try delta.withUnsafeBufferPointer { try victim.inputGradient(ids, label: 1, wordEmbeddingDelta: $0.baseAddress).loss }
            let numeric = (up - down) / (2 * step)
            XCTAssertEqual(gradient[token * h + component], numeric, accuracy: 2e-3 + 0.05 * abs(numeric))
        }
        // The perturbed forward on the inference workspace agrees with the gradient engine's.
        var delta = [Float](repeating: 0.05, count: ids.count * h)
        delta[0] = -0.1
        let perturbed = try delta.withUnsafeBufferPointer { try victim.probabilities(ids, wordEmbeddingDelta: $0.baseAddress) }
        let viaGradient = try delta.withUnsafeBufferPointer { try victim.inputGradient(ids, label: 0, wordEmbeddingDelta: $0.baseAddress).probabilities }
        for (a, b) in zip(perturbed, viaGradient) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // Word norms: one value per word, each the L1 norm of its token's gradient (one token per word here).
        let norms = try victim.wordGradientNorms("a dull plot", wordRanges: AttackedText("a dull plot").scalarRanges(), label: 1)
        XCTAssertEqual(norms.count, 3)
        for word in 0..<3 {
            let expected = (0..<h).map { abs(gradient[(word + 1) * h + $0]) }.reduce(0, +)
            XCTAssertEqual(norms[word], expected, accuracy: 1e-4)
        }
    }

    func testMeanPooledEncoder() throws {
        let (model, tokenizer) = try TinyBert.make()
        let encoder = MiniLMEncoder(model: model, tokenizer: tokenizer)
        let vectors = try encoder.embed(["a good movie", "a good film", "a good movie"])
        XCTAssertEqual(vectors.count, 3)
        for vector in vectors { XCTAssertEqual(vector.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-5) }
        // The same text at two places of one batch: equal to float rounding. Bit equality is not promised:
        // the two copies can land in GEMMs of different row counts, and OpenBLAS's edge kernels for some
        // cores (Haswell's, chosen where OPENBLAS_CORETYPE says so) sum in another order.
        for (a, b) in zip(vectors[0], vectors[2]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(SimilarityMetric.cosine.similarity(vectors[0], vectors[2]), 1, accuracy: 1e-5)
        XCTAssertLessThan(SimilarityMetric.cosine.similarity(vectors[0], vectors[1]), 0.9999)
    }

    func testRecipesOnTinyBertAreIdenticalWithOneAndTwoWorkers() throws {
        let (model, tokenizer) = try TinyBert.make()
        let labeller = ModelVictim(model: model, tokenizer: tokenizer)
        // Gold = the model's own clean prediction, so every example is attacked.
        let inputs = try texts.enumerated().map { index, text -> AttackInput in
            let p = try labeller.probabilities([labeller.tokenIDs(text)])[0]
            return AttackInput(index: index, text: text, gold: p[1] > p[0] ? "pos" : "neg")
        }
        let gradientRecipe = try recipe("name: gradient-wordnet\ntransformation: wordnet-synonyms\nconstraints: [repeat-modification, stopwords]\nsearch: {name: greedy-wir, ranking: gradient}\n")
        for recipe in [try shipped("deepwordbug"), try shipped("pwws"), try shipped("textfooler-wordnet"), gradientRecipe] {
            func run(_ workers: Int) throws -> [Int: ExampleResult] {
                var results: [Int: ExampleResult] = [:]
                try AttackRunner(recipe: recipe, workers: workers, seed: 5, wordnet: try wordNet()) { _ in
                    AttackWorker(victim: ModelVictim(model: model, tokenizer: tokenizer),
                                 encoder: MiniLMEncoder(model: model, tokenizer: tokenizer))
                }.run(inputs) { results[$0.input.index] = $0 }
                return results
            }
            let one = try run(1), two = try run(2)
            XCTAssertEqual(one.count, texts.count)
            for index in one.keys {
                var a = try XCTUnwrap(one[index])
                var b = try XCTUnwrap(two[index])
                a.milliseconds = 0
                b.milliseconds = 0
                XCTAssertEqual(a, b, "\(recipe.name) example \(index)")
            }
            let successes = one.values.filter { $0.status == .success }
            XCTAssertGreaterThan(successes.count, 0, recipe.name)
            for result in successes {
                XCTAssertNotEqual(result.adversarialPrediction, result.input.gold)
                XCTAssertNotNil(result.similarity)
                XCTAssertGreaterThan(result.queries, 1)
            }
        }
    }
}
