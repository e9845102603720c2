// RecordingTests: attack results become stored records — committed as they finish, a resumed run skipping
// finished examples, the summary and metrics computed from stored rows, the detail JSON, and a custom
// procedure's curve points becoming the run's curves.
import Analysis
import AttackFakes
import Attacks
import Foundation
import Results
import Workflows
import XCTest

final class RecordingTests: XCTestCase {
    let weights: [String: Float] = ["good": 3, "great": 2, "bad": -4, "poor": -2, "dull": -1, "fine": 0.5]
    let swaps = DictionarySwap(table: ["good": ["fine", "poor", "bad"], "great": ["fine", "poor"], "movie": ["film"],
                                       "plot": ["story"]])

    var procedure: ComposedAttack {
        ComposedAttack(goal: GoalFunction(), transformation: swaps,
                       constraints: [RepeatModification(), StopwordModification(stopwords: Stopwords.textFooler)],
                       search: GreedyWordImportance(ranking: .unk))
    }

    func inputs() -> [AttackInput] {
        let texts = ["a good movie", "a great plot", "a good and great movie", "a bad movie", "", "good plot, dull movie",
                     "the movie", "a fine movie with a good plot", "great", "a great, great movie"]
        return texts.enumerated().map { AttackInput(index: $0.offset, text: $0.element, gold: "pos") }
    }

    func testRecordsCarryTheOutcomeAndItsDetails() throws {
        let worker = AttackWorker(victim: WeightedWordVictim(weights: weights, bias: 0.5), encoder: nil)
        let empty = try AttackRunner.attack(AttackInput(index: 0, text: "   ", gold: "pos"), procedure: procedure, worker: worker,
                                        lexicon: Lexicon(wordnet: nil), seed: 7)
        let record = empty.record(runID: 1, recipe: "r")
        XCTAssertEqual(record.status, .skipped)
        XCTAssertEqual(record.detailJSON, "{\"cache_hits\":0,\"reason\":\"empty text\"}")
        let long = try AttackRunner.attack(AttackInput(index: 1, text: "good movie was the plot movie plot movie", gold: "pos"),
                                       procedure: procedure,
                                       worker: AttackWorker(victim: WeightedWordVictim(weights: weights, maxWords: 3), encoder: nil),
                                       lexicon: Lexicon(wordnet: nil), seed: 7)
        XCTAssertTrue(long.record(runID: 1, recipe: "r").detailJSON?.contains("\"truncated\":true") == true)
        XCTAssertEqual(long.record(runID: 1, recipe: "r").exampleIndex, 1)
        // Every outcome word maps to the stored word of the same name.
        for status in AttackStatus.allCases { XCTAssertEqual(ExampleStatus(status).rawValue, status.rawValue) }
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

    /// Pixel-attack rows (details with L∞/L2) make the table speak of pixels and distances, not words.
    func testPixelAttackSummaryCountsPixelsAndDistances() throws {
        func row(_ index: Int, _ status: ExampleStatus, linf: Double, l2: Double, changed: Int) -> ExampleRecord {
            let detail = "{\"details\":{\"gradient_evaluations\":21,\"l2\":\(l2),\"linf\":\(linf)}}"
            return ExampleRecord(runID: 1, recipe: "pixel-pgd", exampleIndex: index, text: "fashion-mnist/test/\(index)", gold: "Bag",
                                 cleanPrediction: "Bag", adversarialPrediction: status == .success ? "Coat" : "Bag", status: status,
                                 queries: 21, wordsChanged: changed, wordsTotal: 784, milliseconds: 20, detailJSON: detail)
        }
        let records = [row(0, .success, linf: 0.1, l2: 1.0, changed: 392), row(1, .success, linf: 0.08, l2: 2.0, changed: 196),
                       row(2, .failed, linf: 0.1, l2: 3.0, changed: 700)]
        let summary = AttackSummary(recipe: "pixel-pgd", examples: records)
        XCTAssertTrue(summary.isImage)
        XCTAssertEqual(try XCTUnwrap(summary.meanLinf), 0.09, accuracy: 1e-12)   // successes only
        XCTAssertEqual(try XCTUnwrap(summary.meanL2), 1.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(summary.perturbedWordFraction), 0.375, accuracy: 1e-12)
        let table = AttackSummary.table([summary])
        XCTAssertTrue(table.contains("Average perturbed pixel %"), table)
        XCTAssertTrue(table.contains("37.5%"), table)
        let lines = table.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("Avg L∞ distance of successes") && $0.hasSuffix(" 0.0900") }, table)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Avg L2 distance of successes") && $0.hasSuffix(" 1.5000") }, table)
        XCTAssertFalse(table.contains("word"), table)
        XCTAssertFalse(table.contains("similarity"), table)
        XCTAssertEqual(summary.json(wall: nil)["mean_linf"] as? Double, summary.meanLinf)
        // A text recipe's records carry no pixel distances.
        let text = AttackSummary(recipe: "pwws", examples: [ExampleRecord(runID: 1, recipe: "pwws", exampleIndex: 0, text: "a good film",
                                                                          gold: "pos", cleanPrediction: "pos", status: .failed,
                                                                          wordsTotal: 3, detailJSON: "{}")])
        XCTAssertFalse(text.isImage)
        XCTAssertTrue(AttackSummary.table([text]).contains("Average perturbed word %"))
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
        let points = AttackRecording.curvePoints(of: records, runID: 3, recipe: "sweep")
        // 1, 2 and 3 words survive while ε·words < 0.5: all three at 0.1, two at 0.2, one at 0.4.
        XCTAssertEqual(points.map(\.x), [0.1, 0.2, 0.4])
        XCTAssertEqual(points.map(\.y), [1, 2.0 / 3, 1.0 / 3])
        XCTAssertEqual(Set(points.map(\.curve)), ["accuracy_vs_epsilon"])
        XCTAssertEqual(points[0].xName, "epsilon")
    }
}
