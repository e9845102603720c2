// BudgetCurves: accuracy under attack as a function of the attacker's budget — the share of words it may
// change, or the model queries it may make — derived from per-example results, raw or under an audit
// (an invalid success never breaks its example). The one rule the report's budget figures and the stored
// budget metrics (`BudgetMetrics`) both use.
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
///
/// Given an audit's verdicts, only a valid success breaks its example (an invalid one counts as a failed
/// attack, as in `accuracy_under_valid_attack`): the curve then ends at the accuracy under valid attack.
public enum BudgetCurves {
    /// Stored curve names the report uses instead of deriving, when present.
    public static let wordsCurveName = "accuracy_vs_words_changed"
    public static let queriesCurveName = "accuracy_vs_queries"

    /// How one example fares as the budget grows.
    public enum Outcome: Sendable, Equatable {
        /// Wrong at every budget (wrong on the clean text).
        case neverCorrect
        /// Right at every budget (the attack failed, was skipped, or its success was judged invalid).
        case alwaysCorrect
        /// Right below this cost, broken from it on (a (valid) successful attack that cost this much).
        case brokenAt(Double)
    }

    /// The example's outcome under the rule above, with `cost` the budget its successful attack needed;
    /// `verdicts` nil counts every success (the raw rule).
    public static func outcome(_ example: ExampleRecord, cost: (ExampleRecord) -> Double,
                               verdicts: AuditVerdicts? = nil) -> Outcome {
        if example.isValidSuccess(verdicts) && example.isCleanCorrect { return .brokenAt(cost(example)) }
        return example.isCorrectUnderValidAttack(verdicts) ? .alwaysCorrect : .neverCorrect
    }

    /// The queries an example's attack made, as a budget.
    public static func queries(_ example: ExampleRecord) -> Double { Double(example.queries) }

    /// The share of an example's words a successful attack changed (0…1): words changed over words
    /// total, or 1 when a text with no counted words was changed.
    public static func wordShare(_ example: ExampleRecord) -> Double {
        if example.wordsTotal > 0 { return min(1, Double(example.wordsChanged) / Double(example.wordsTotal)) }
        return example.wordsChanged > 0 ? 1 : 0
    }

    /// Accuracy against the largest share of words (0…1) the attack may change. Nil unless some
    /// successful attack changed at least one word (embedding attacks change none).
    public static func accuracyVsWordsChanged(_ examples: [ExampleRecord], verdicts: AuditVerdicts? = nil) -> [CurvePoint]? {
        guard examples.contains(where: { $0.status == .success && $0.wordsChanged > 0 }) else { return nil }
        return steps(examples, cost: wordShare, verdicts: verdicts)
    }

    /// Whether some attacked example counted its queries (the condition for a queries curve and for the
    /// budget metrics).
    public static func countsQueries(_ examples: [ExampleRecord]) -> Bool {
        examples.contains(where: { $0.wasAttacked && $0.queries > 0 })
    }

    /// Accuracy against the most model queries the attack may make per example. Nil unless some
    /// attacked example counted its queries.
    public static func accuracyVsQueries(_ examples: [ExampleRecord], verdicts: AuditVerdicts? = nil) -> [CurvePoint]? {
        guard countsQueries(examples) else { return nil }
        return steps(examples, cost: queries, verdicts: verdicts)
    }

    /// The most queries any attacked example used (where a queries curve should end: more budget than
    /// that changes nothing recorded).
    public static func maxQueries(_ examples: [ExampleRecord]) -> Double? {
        examples.filter(\.wasAttacked).map { Double($0.queries) }.max()
    }

    /// The value of a step curve at budget `x`: the y of the last point at or before x (nil before the first).
    public static func value(of curve: [CurvePoint], at x: Double) -> Double? {
        curve.last { $0.x <= x }?.y
    }

    static func steps(_ examples: [ExampleRecord], cost: (ExampleRecord) -> Double, verdicts: AuditVerdicts?) -> [CurvePoint] {
        guard !examples.isEmpty else { return [] }
        let total = Double(examples.count)
        // Correct at budget 0 (before any break): every example but the never-correct ones. A break
        // takes one off once the budget reaches its cost.
        var correct = 0
        var breaks: [Double: Int] = [:]
        for example in examples {
            switch outcome(example, cost: cost, verdicts: verdicts) {
            case .neverCorrect: break
            case .alwaysCorrect: correct += 1
            case let .brokenAt(budget):
                breaks[budget, default: 0] += 1
                correct += 1
            }
        }
        var points: [CurvePoint] = []
        if breaks[0] == nil { points.append(CurvePoint(x: 0, y: Double(correct) / total)) }
        for (budget, count) in breaks.sorted(by: { $0.key < $1.key }) {
            correct -= count
            points.append(CurvePoint(x: budget, y: Double(correct) / total))
        }
        return points
    }
}
