// BudgetCurveTests: the derived accuracy-vs-words-changed and accuracy-vs-queries curves on a toy case
// computed by hand, and the figures planned from stored curves.
import Analysis
import Foundation
import TestSupport
import XCTest
import Results
@testable import Reports

final class BudgetCurveTests: XCTestCase {
    func example(_ index: Int, _ status: ExampleStatus, words: Int = 0, total: Int = 10, queries: Int = 0) -> ExampleRecord {
        let wrong = status == .cleanWrong
        return ExampleRecord(runID: 1, recipe: "toy", exampleIndex: index, text: "t \(index)", gold: "pos",
                             cleanPrediction: wrong ? "neg" : "pos", adversarialText: status == .success ? "u \(index)" : nil,
                             adversarialPrediction: status == .success ? "neg" : nil, status: status, queries: queries,
                             wordsChanged: words, wordsTotal: total)
    }

    /// Six examples: one clean-wrong, one failed attack (30 queries), three successes (1/10 words in 5
    /// queries, 2/10 in 20, 2/10 in 20) and one skipped. Clean accuracy 5/6; under attack 2/6.
    var toy: [ExampleRecord] {
        [example(0, .cleanWrong), example(1, .failed, queries: 30), example(2, .success, words: 1, queries: 5),
         example(3, .success, words: 2, queries: 20), example(4, .success, words: 2, queries: 20), example(5, .skipped)]
    }

    func testWordsChangedCurveOnAHandComputedCase() throws {
        let curve = try XCTUnwrap(BudgetCurves.accuracyVsWordsChanged(toy))
        XCTAssertEqual(curve, [CurvePoint(x: 0, y: 5.0 / 6), CurvePoint(x: 0.1, y: 4.0 / 6), CurvePoint(x: 0.2, y: 2.0 / 6)])
        // The unlimited budget is the recipe's accuracy under attack.
        let metric = RecipeSummary.metrics(of: toy, run: 1, recipe: "toy").first { $0.name == MetricName.accuracyUnderAttack }
        XCTAssertEqual(curve.last!.y, try XCTUnwrap(metric).value, accuracy: 1e-12)
    }

    func testQueriesCurveOnAHandComputedCase() throws {
        let curve = try XCTUnwrap(BudgetCurves.accuracyVsQueries(toy))
        XCTAssertEqual(curve, [CurvePoint(x: 0, y: 5.0 / 6), CurvePoint(x: 5, y: 4.0 / 6), CurvePoint(x: 20, y: 2.0 / 6)])
        XCTAssertEqual(BudgetCurves.maxQueries(toy), 30, "the failed attack spent the most queries")
    }

    func testFreeSuccessesStartTheCurveBelowCleanAccuracy() throws {
        // A success that used no queries breaks its example at budget 0: no separate (0, clean) point.
        let examples = [example(0, .success, words: 1, queries: 0), example(1, .success, words: 1, queries: 4), example(2, .failed, queries: 4)]
        XCTAssertEqual(BudgetCurves.accuracyVsQueries(examples),
                       [CurvePoint(x: 0, y: 2.0 / 3), CurvePoint(x: 4, y: 1.0 / 3)])
    }

    func testCurvesNeedTheirKindOfAttack() {
        // An embedding attack changes no words: no words curve, but a queries curve.
        let embedding = [example(0, .success, words: 0, queries: 3), example(1, .failed, queries: 3)]
        XCTAssertNil(BudgetCurves.accuracyVsWordsChanged(embedding))
        XCTAssertNotNil(BudgetCurves.accuracyVsQueries(embedding))
        // A clean evaluation attacks nothing.
        let clean = [example(0, .skipped, queries: 1), example(1, .cleanWrong, queries: 1)]
        XCTAssertNil(BudgetCurves.accuracyVsWordsChanged(clean))
        XCTAssertNil(BudgetCurves.accuracyVsQueries(clean))
        XCTAssertNil(BudgetCurves.accuracyVsQueries([]))
        // A text with no counted words that was changed counts as wholly changed.
        XCTAssertEqual(BudgetCurves.wordShare(example(0, .success, words: 1, total: 0)), 1)
        XCTAssertEqual(BudgetCurves.wordShare(example(0, .success, words: 3, total: 2)), 1)
    }

    func testFiguresUseStoredBudgetCurvesAndDeriveTheRest() throws {
        let run = RunRecord(id: 4, kind: .attack, robustVersion: "t")
        let stored = [CurvePointRecord(runID: 4, recipe: "a", curve: BudgetCurves.wordsCurveName, xName: "share", x: 0, yName: "acc", y: 0.9),
                      CurvePointRecord(runID: 4, recipe: "a", curve: BudgetCurves.wordsCurveName, xName: "share", x: 0.5, yName: "acc", y: 0.3)]
        let examples = toy
        let data = ReportData(runs: [RunData(run: run, recipes: [
            RecipeData(name: "a", examples: examples, metrics: RecipeSummary.metrics(of: examples, run: 4, recipe: "a"),
                       curves: [BudgetCurves.wordsCurveName: stored]),
            RecipeData(name: "b", examples: examples, metrics: RecipeSummary.metrics(of: examples, run: 4, recipe: "b")),
        ])], databasePath: "x.db")
        let figures = FigurePlanner.figures(for: data)
        XCTAssertEqual(figures.map(\.name), ["accuracy_under_attack", "accuracy_vs_words_changed", "accuracy_vs_queries"])
        let words = figures[1]
        XCTAssertEqual(words.series.map(\.title), ["a", "b"])
        XCTAssertEqual(words.series[0].points.map(\.x), [0, 50, 52], "stored shares shown as percent, drawn on 4% past the last step")
        XCTAssertEqual(words.series[0].points.map(\.y), [90, 30, 30])
        XCTAssertEqual(words.series[1].points.map(\.x), [0, 10, 20, 52], "derived, then drawn on to the common right edge")
        XCTAssertTrue(words.caption.contains("stored by the attack where it recorded one"), words.caption)
        // The queries curve runs on to the most queries spent (30), at the final accuracy.
        let queries = figures[2]
        XCTAssertEqual(queries.series[0].points.map { ($0.x * 1000).rounded() / 1000 }, [0, 5, 20, 30, 31.2])
        XCTAssertEqual(queries.series[0].points.last!.y, 100.0 * 2 / 6, accuracy: 1e-9)
        // The bars: clean accuracy of the largest recipe, then each attack, with intervals in percent.
        let bars = figures[0]
        XCTAssertEqual(bars.kind, .bars(groups: ["no attack", "a", "b"]))
        XCTAssertEqual(bars.series.count, 1)
        XCTAssertEqual(bars.series[0].points.map(\.x), [0, 1, 2])
        XCTAssertEqual(bars.series[0].points[0].y, 100.0 * 5 / 6, accuracy: 1e-9)
        XCTAssertNotNil(bars.series[0].points[1].low)
    }
}
