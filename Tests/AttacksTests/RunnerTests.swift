// The runner: bad input never crashes (skipped and counted), and results are the same for 1 and 2
// workers. (Recording, resuming and curves from stored examples are WorkflowsTests'.)
import Basics
import Foundation
import Tensors
import XCTest
@testable import Attacks

final class RunnerTests: XCTestCase {
    let weights: [String: Float] = ["good": 3, "great": 2, "bad": -4, "poor": -2, "dull": -1, "fine": 0.5]
    let swaps = DictionarySwap(table: ["good": ["fine", "poor", "bad"], "great": ["fine", "poor"], "movie": ["film"],
                                       "plot": ["story"]])

    var procedure: ComposedAttack {
        ComposedAttack(goal: GoalFunction(), transformation: swaps,
                       constraints: [RepeatModification(), StopwordModification(stopwords: Stopwords.textFooler)],
                       search: GreedyWordImportance(ranking: .unk))
    }

    func testBadInputIsSkippedWithAReason() throws {
        func run(_ text: String, gold: String = "pos", victim: WeightedWordVictim? = nil) throws -> ExampleResult {
            try attackOne(text, gold: gold, procedure: procedure, victim: victim ?? WeightedWordVictim(weights: weights, bias: 0.5))
        }
        let empty = try run("   ")
        XCTAssertEqual(empty.status, .skipped)
        XCTAssertEqual(empty.reason, "empty text")
        XCTAssertEqual(empty.cleanPrediction, "pos")
        XCTAssertEqual(empty.cacheHits, 0)

        let unknown = try run("a good movie", gold: "neutral")
        XCTAssertEqual(unknown.status, .skipped)
        XCTAssertEqual(unknown.reason, "label 'neutral' is not one of the model's labels (neg, pos)")

        let wrong = try run("a bad movie")
        XCTAssertEqual(wrong.status, .cleanWrong)
        XCTAssertEqual(wrong.queries, 1)

        let stopwordsOnly = try run("and the of it")
        XCTAssertEqual(stopwordsOnly.status, .skipped)
        XCTAssertEqual(stopwordsOnly.reason, "no attackable words")

        let noCandidates = try run("a splendid spectacle")
        XCTAssertEqual(noCandidates.status, .skipped)
        XCTAssertEqual(noCandidates.reason, "no attackable words (no candidate for any allowed word)")

        // Longer than the model sees (3 words): only "movie" and "plot" could matter, but they are past
        // the cut; the keyword "good" is inside, so the attack changes it and nothing beyond.
        let long = try run("good movie was the plot movie plot movie", victim: WeightedWordVictim(weights: weights, maxWords: 3))
        XCTAssertTrue(long.truncated)
        XCTAssertEqual(long.adversarialText, "bad movie was the plot movie plot movie")
        let cut = try run("was the of good", victim: WeightedWordVictim(weights: weights, bias: 1, maxWords: 2))
        XCTAssertEqual(cut.status, .skipped)
        XCTAssertEqual(cut.reason, "no attackable words")
    }

    func inputs() -> [AttackInput] {
        let texts = ["a good movie", "a great plot", "a good and great movie", "a bad movie", "", "good plot, dull movie",
                     "the movie", "a fine movie with a good plot", "great", "a great, great movie"]
        return texts.enumerated().map { AttackInput(index: $0.offset, text: $0.element, gold: "pos") }
    }

    func runAll(_ recipe: Recipe, workers: Int, inputs: [AttackInput], makeVictim: @escaping () -> any Victim) throws -> [Int: ExampleResult] {
        let runner = AttackRunner(recipe: recipe, workers: workers, seed: 99, wordnet: try wordNet()) { _ in
            AttackWorker(victim: makeVictim(), encoder: WordVectorEncoder(vectors: ["bad": [0, 1, 0]]))
        }
        var results: [Int: ExampleResult] = [:]
        try runner.run(inputs) { results[$0.input.index] = $0 }
        XCTAssertEqual(results.count, inputs.count)
        return results
    }

    func assertSame(_ a: [Int: ExampleResult], _ b: [Int: ExampleResult], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted(), file: file, line: line)
        for (index, x) in a {
            guard let y = b[index] else { continue }
            var xr = x, yr = y
            xr.milliseconds = 0
            yr.milliseconds = 0
            XCTAssertEqual(xr, yr, "example \(index)", file: file, line: line)
        }
    }

    func testOneAndTwoWorkersGiveIdenticalResults() throws {
        let recipe = Recipe(name: "scripted", procedure: procedure)
        let weights = self.weights
        let one = try runAll(recipe, workers: 1, inputs: inputs()) { WeightedWordVictim(weights: weights, bias: 0.1) }
        let two = try runAll(recipe, workers: 2, inputs: inputs()) { WeightedWordVictim(weights: weights, bias: 0.1) }
        assertSame(one, two)
        XCTAssertEqual(one[0]?.adversarialText, "a bad movie")
        XCTAssertEqual(one[3]?.status, .cleanWrong)
        XCTAssertEqual(one[4]?.reason, "empty text")
        XCTAssertEqual(Parallel.workers, max(1, ProcessInfo.processInfo.activeProcessorCount), "the runner restores the worker count")

        // The random recipes draw from per-example generators: the same with 1 and 2 workers.
        for name in ["deepwordbug", "eda-noise"] {
            let shippedRecipe = try shipped(name)
            // Without its keyword a text turns negative, so any edit of "good" or "great" flips it.
            let a = try runAll(shippedRecipe, workers: 1, inputs: inputs()) { WeightedWordVictim(weights: weights, bias: -0.5) }
            let b = try runAll(shippedRecipe, workers: 2, inputs: inputs()) { WeightedWordVictim(weights: weights, bias: -0.5) }
            assertSame(a, b)
            XCTAssertGreaterThan(a.values.filter { $0.status == .success }.count, 2, name)
        }
    }
}
