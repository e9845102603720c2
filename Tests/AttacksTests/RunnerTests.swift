// The runner: bad input never crashes (skipped and counted), results are the same for 1 and 2 workers,
// every example is committed as it finishes, a resumed run skips finished examples, and a custom
// procedure's curve points become the run's curves.
import Basics
import Foundation
import Results
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

    func testBadInputIsSkippedWithAReason() {
        func run(_ text: String, gold: String = "pos", victim: WeightedWordVictim? = nil) -> ExampleResult {
            attackOne(text, gold: gold, procedure: procedure, victim: victim ?? WeightedWordVictim(weights: weights, bias: 0.5))
        }
        let empty = run("   ")
        XCTAssertEqual(empty.status, .skipped)
        XCTAssertEqual(empty.reason, "empty text")
        XCTAssertEqual(empty.cleanPrediction, "pos")
        XCTAssertEqual(empty.record(runID: 1, recipe: "r").detailJSON, "{\"cache_hits\":0,\"reason\":\"empty text\"}")

        let unknown = run("a good movie", gold: "neutral")
        XCTAssertEqual(unknown.status, .skipped)
        XCTAssertEqual(unknown.reason, "label 'neutral' is not one of the model's labels (neg, pos)")

        let wrong = run("a bad movie")
        XCTAssertEqual(wrong.status, .cleanWrong)
        XCTAssertEqual(wrong.queries, 1)

        let stopwordsOnly = run("and the of it")
        XCTAssertEqual(stopwordsOnly.status, .skipped)
        XCTAssertEqual(stopwordsOnly.reason, "no attackable words")

        let noCandidates = run("a splendid spectacle")
        XCTAssertEqual(noCandidates.status, .skipped)
        XCTAssertEqual(noCandidates.reason, "no attackable words (no candidate for any allowed word)")

        // Longer than the model sees (3 words): only "movie" and "plot" could matter, but they are past
        // the cut; the keyword "good" is inside, so the attack changes it and nothing beyond.
        let long = run("good movie was the plot movie plot movie", victim: WeightedWordVictim(weights: weights, maxWords: 3))
        XCTAssertTrue(long.truncated)
        XCTAssertEqual(long.adversarialText, "bad movie was the plot movie plot movie")
        XCTAssertTrue(long.record(runID: 1, recipe: "r").detailJSON?.contains("\"truncated\":true") == true)
        let cut = run("was the of good", victim: WeightedWordVictim(weights: weights, bias: 1, maxWords: 2))
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
            var xr = x.record(runID: 1, recipe: "r"), yr = y.record(runID: 1, recipe: "r")
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

    func testResultsAreCommittedAndResumeSkipsFinishedExamples() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("attacks-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try ResultStore(path: path)
        let recipe = Recipe(name: "scripted", procedure: procedure)
        let weights = self.weights
        let all = inputs()
        let runner = AttackRunner(recipe: recipe, workers: 2, seed: 1, wordnet: nil) { _ in
            AttackWorker(victim: WeightedWordVictim(weights: weights, bias: 0.1), encoder: nil)
        }
        // The first session stops after 4 examples (as Ctrl-C would).
        var recorded = 0
        let run = try store.beginRun(RunRecord(kind: .attack, robustVersion: "test"))
        let lock = NSLock()
        try runner.run(all, shouldStop: { lock.lock(); defer { lock.unlock() }; return recorded >= 4 }) { result in
            try store.recordExample(result.record(runID: run.runID, recipe: recipe.name))
            lock.lock()
            recorded += 1
            lock.unlock()
        }
        let done = try store.completedExampleIndices(run: run.runID, recipe: recipe.name)
        XCTAssertGreaterThanOrEqual(done.count, 4)
        XCTAssertLessThan(done.count, all.count)
        // The second session attacks only the rest.
        var second: [Int] = []
        try runner.run(all.filter { !done.contains($0.index) }) { result in
            second.append(result.input.index)
            try store.recordExample(result.record(runID: run.runID, recipe: recipe.name))
        }
        XCTAssertEqual(Set(second).intersection(done), [])
        let examples = try store.examples(run: run.runID, recipe: recipe.name)
        XCTAssertEqual(examples.map(\.exampleIndex), Array(0..<all.count))

        let metrics = try store.recordSummaryMetrics(run: run.runID, recipe: recipe.name)
        let summary = AttackSummary(recipe: recipe.name, examples: examples)
        XCTAssertEqual(summary.examples, 10)
        XCTAssertEqual(summary.cleanWrong, 1)        // "a bad movie"
        XCTAssertEqual(summary.skipped, 1)           // ""
        XCTAssertEqual(summary.failed, 1)            // "the movie": "film" does not help
        XCTAssertEqual(summary.successful, 7)
        // The skipped empty text keeps its (right) clean prediction, as the results store counts it.
        XCTAssertEqual(summary.originalAccuracy, 0.9)
        XCTAssertEqual(summary.accuracyUnderAttack, 0.2)
        XCTAssertEqual(summary.attackSuccessRate, 7.0 / 8)
        XCTAssertEqual(metrics.first { $0.name == MetricName.accuracyUnderAttack }?.value, summary.accuracyUnderAttack)
        let table = AttackSummary.table([summary], wallSecondsPerExample: ["scripted": 0.5])
        XCTAssertTrue(table.contains("Number of successful attacks"))
        XCTAssertTrue(table.contains("Accuracy under attack"))
        XCTAssertTrue(table.contains("Wall seconds per example"))
    }

    /// A custom procedure in the style of an ε sweep: at each ε it reports whether the example survives.
    struct SweepProcedure: AttackProcedure {
        func attack(_ input: AttackInput, context: AttackContext) throws -> AttackOutcome {
            let words = Double(context.original.count)
            let curves = [0.1, 0.2, 0.4].map { epsilon in
                CurveObservation(curve: "accuracy_vs_epsilon", xName: "epsilon", x: epsilon, yName: "accuracy",
                                 y: epsilon * words < 0.5 ? 1 : 0)
            }
            context.oracle.recordQueries(3)
            return AttackOutcome(status: curves.last?.y == 0 ? .success : .failed, curves: curves, details: ["min_epsilon": 0.1])
        }
    }

    func testCustomProcedureCurvesBecomeRunCurves() throws {
        let recipe = Recipe(name: "sweep", procedure: SweepProcedure())
        let victim = { WeightedWordVictim(weights: ["good": 3]) }
        let texts = ["good", "good good", "good good good"]
        var results: [ExampleResult] = []
        try AttackRunner(recipe: recipe, workers: 2, seed: 1, wordnet: nil) { _ in AttackWorker(victim: victim(), encoder: nil) }
            .run(texts.enumerated().map { AttackInput(index: $0.offset, text: $0.element, gold: "pos") }) { results.append($0) }
        XCTAssertEqual(results.map(\.queries), [4, 4, 4])
        let records = results.map { $0.record(runID: 3, recipe: "sweep") }
        XCTAssertTrue(records[0].detailJSON?.contains("\"details\":{\"min_epsilon\":0.1}") == true)
        let points = AttackRunner.curvePoints(of: records, runID: 3, recipe: "sweep")
        // 1, 2 and 3 words survive while ε·words < 0.5: all three at 0.1, two at 0.2, one at 0.4.
        XCTAssertEqual(points.map(\.x), [0.1, 0.2, 0.4])
        XCTAssertEqual(points.map(\.y), [1, 2.0 / 3, 1.0 / 3])
        XCTAssertEqual(Set(points.map(\.curve)), ["accuracy_vs_epsilon"])
        XCTAssertEqual(points[0].xName, "epsilon")
    }
}
