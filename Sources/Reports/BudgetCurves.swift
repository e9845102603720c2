// BudgetCurves: accuracy under attack as a function of the attacker's budget — the share of words it may
// change, or the model queries it may make — derived from per-example results when no curve was stored.
import Foundation
import Results

/// One point of a curve.
public struct CurvePoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// Budget curves derived from a recipe's examples.
///
/// Rule: at budget b, an example counts as correct when the model was right on the clean text and the
/// attack did not succeed within b — it failed, was skipped, or succeeded only with a cost above b. So
/// the curve starts at (0, accuracy with no budget), steps down at every distinct cost of a successful
/// attack, and its last point is the recipe's accuracy under attack. Accuracy is over all examples
/// (clean-wrong ones count as wrong), as `accuracy_under_attack` is. The result is a step function:
/// y holds from its x until the next point's x.
public enum BudgetCurves {
    /// Stored curve names the report uses instead of deriving, when present.
    public static let wordsCurveName = "accuracy_vs_words_changed"
    public static let queriesCurveName = "accuracy_vs_queries"

    /// The share of an example's words a successful attack changed (0…1): words changed over words
    /// total, or 1 when a text with no counted words was changed.
    public static func wordShare(_ example: ExampleRecord) -> Double {
        if example.wordsTotal > 0 { return min(1, Double(example.wordsChanged) / Double(example.wordsTotal)) }
        return example.wordsChanged > 0 ? 1 : 0
    }

    /// Accuracy against the largest share of words (0…1) the attack may change. Nil unless some
    /// successful attack changed at least one word (embedding attacks change none).
    public static func accuracyVsWordsChanged(_ examples: [ExampleRecord]) -> [CurvePoint]? {
        guard examples.contains(where: { $0.status == .success && $0.wordsChanged > 0 }) else { return nil }
        return steps(examples, cost: wordShare)
    }

    /// Accuracy against the most model queries the attack may make per example. Nil unless some
    /// attacked example counted its queries.
    public static func accuracyVsQueries(_ examples: [ExampleRecord]) -> [CurvePoint]? {
        guard examples.contains(where: { $0.wasAttacked && $0.queries > 0 }) else { return nil }
        return steps(examples, cost: { Double($0.queries) })
    }

    /// The most queries any attacked example used (where a queries curve should end: more budget than
    /// that changes nothing recorded).
    public static func maxQueries(_ examples: [ExampleRecord]) -> Double? {
        examples.filter(\.wasAttacked).map { Double($0.queries) }.max()
    }

    private static func steps(_ examples: [ExampleRecord], cost: (ExampleRecord) -> Double) -> [CurvePoint] {
        let total = Double(examples.count)
        // Correct at any budget: what is correct under the full attack. A successful attack breaks a
        // clean-correct example once the budget reaches its cost.
        var correct = examples.filter(\.isCorrectUnderAttack).count
        var breaks: [Double: Int] = [:]
        for example in examples where example.status == .success && example.isCleanCorrect {
            breaks[cost(example), default: 0] += 1
            correct += 1
        }
        var points: [CurvePoint] = []
        if breaks[0] == nil { points.append(CurvePoint(x: 0, y: Double(correct) / total)) }
        for budget in breaks.keys.sorted() {
            correct -= breaks[budget]!
            points.append(CurvePoint(x: budget, y: Double(correct) / total))
        }
        return points
    }
}
