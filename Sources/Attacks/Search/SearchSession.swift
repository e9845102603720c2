// SearchSession: what a search method works with for one example — the goal, the transformation and
// the constraints, bound to the example's context — and the search protocol itself.
//
// `candidates` applies the pre-transformation constraints to pick positions, the transformation to
// make texts, and the post-transformation constraints (cheap first, all candidates of the step in one
// batch). `evaluate` sends texts to the victim through the example's oracle in one batched pass and
// scores them with the goal.

/// A text the victim has answered for, scored by the goal.
public struct Evaluated: Sendable {
    public var text: AttackedText
    public var probabilities: [Float]
    public var score: Float
    public var succeeded: Bool
}

public protocol SearchMethod: Sendable {
    var name: String { get }
    /// The best text found: a successful one if the search found one, else the highest-scoring (the
    /// initial text when nothing beat it).
    func search(_ session: SearchSession) throws -> Evaluated
    /// Whether the search needs a victim with gradients.
    var needsGradients: Bool { get }
}

extension SearchMethod {
    public var needsGradients: Bool { false }
}

public final class SearchSession {
    public let context: AttackContext
    public let goal: GoalFunction
    public let target: Int?
    public let transformation: any Transformation
    public let constraints: [any Constraint]
    public let initial: Evaluated
    /// Set when the query budget cut a request short.
    public private(set) var exhausted = false

    init(context: AttackContext, goal: GoalFunction, target: Int?, transformation: any Transformation,
         constraints: [any Constraint]) {
        self.context = context
        self.goal = goal
        self.target = target
        self.transformation = transformation
        // Cheap constraints first; the order among equals is the recipe's.
        self.constraints = constraints.filter { !$0.isExpensive } + constraints.filter { $0.isExpensive }
        let clean = context.cleanProbabilities
        initial = Evaluated(text: context.original, probabilities: clean,
                            score: goal.score(clean, gold: context.gold, target: target),
                            succeeded: goal.succeeded(clean, gold: context.gold, target: target))
    }

    public var original: AttackedText { context.original }

    /// Positions of `text` that may change: inside the model's window and allowed by every
    /// pre-transformation constraint.
    public func allowedIndices(_ text: AttackedText) -> [Int] {
        let visible = text.count - max(0, context.original.count - context.visibleWords)
        return (0..<max(0, min(text.count, visible))).filter { index in
            constraints.allSatisfy { $0.allowsChange(text, at: index, context: context) }
        }
    }

    /// The acceptable candidates at each of `indices` (grouped by index, in order), with the
    /// post-transformation constraints applied to all of them at once. `expensive: false` leaves out the
    /// expensive constraints (sentence similarity), for a search that applies them later, to the
    /// candidates it actually evaluates (`applyingExpensiveConstraints`). A position past the end of
    /// `text` has none: a search walking the original's positions (greedy-wir) reaches them once a
    /// word-delete candidate was kept.
    public func candidateGroups(of text: AttackedText, indices: [Int], expensive: Bool = true) throws -> [[AttackedText]] {
        var all: [AttackedText] = []
        var owner: [Int] = []
        for (group, index) in indices.enumerated() where index >= 0 && index < text.count {
            for candidate in transformation.candidates(of: text, at: index, context: context) {
                all.append(candidate)
                owner.append(group)
            }
        }
        var kept = all
        for constraint in constraints where !kept.isEmpty && (expensive || !constraint.isExpensive) {
            kept = try constraint.filter(kept, source: text, context: context)
        }
        // `kept` is a subsequence of `all`: walk both to regroup.
        var groups = [[AttackedText]](repeating: [], count: indices.count)
        var k = 0
        for (position, candidate) in all.enumerated() where k < kept.count && kept[k].text == candidate.text {
            groups[owner[position]].append(candidate)
            k += 1
        }
        return groups
    }

    /// The candidates (made from `source`, cheap constraints already applied) that also pass the
    /// expensive constraints.
    public func applyingExpensiveConstraints(_ candidates: [AttackedText], source: AttackedText) throws -> [AttackedText] {
        var kept = candidates
        for constraint in constraints where constraint.isExpensive && !kept.isEmpty {
            kept = try constraint.filter(kept, source: source, context: context)
        }
        return kept
    }

    /// The acceptable candidates at `indices`, flattened.
    public func candidates(of text: AttackedText, indices: [Int]) throws -> [AttackedText] {
        try candidateGroups(of: text, indices: indices).flatMap { $0 }
    }

    /// Scores `texts` in one batched query. Fewer results than texts means the budget ran out.
    /// With a reduced-precision victim, every result that meets the goal, or comes within the victim's
    /// `recheckMargin` of it, is re-checked in fp32 and carries the fp32 probabilities, score and verdict (a
    /// candidate fp32 turns down is no success: the search goes on; a near miss fp32 accepts is one);
    /// `verify: false` skips that for queries that only rank (the word-importance probes).
    public func evaluate(_ texts: [AttackedText], verify: Bool = true) throws -> [Evaluated] {
        guard !texts.isEmpty else { return [] }
        let oracle = context.oracle
        let answers = try oracle.probabilities(texts.map(\.text))
        if answers.count < texts.count || oracle.isExhausted { exhausted = true }
        var results = zip(texts, answers).map { text, probabilities in evaluated(text, probabilities) }
        guard verify, oracle.isReducedPrecision else { return results }
        let margin = oracle.victim.recheckMargin
        let claimed = results.indices.filter {
            results[$0].succeeded || goal.margin(results[$0].probabilities, gold: context.gold, target: target) < margin
        }
        guard !claimed.isEmpty else { return results }
        let exact = try oracle.exactProbabilities(claimed.map { results[$0].text.text })
        for (index, probabilities) in zip(claimed, exact) where !probabilities.isEmpty {
            let claimedSuccess = results[index].succeeded
            results[index] = evaluated(results[index].text, probabilities)
            if claimedSuccess && !results[index].succeeded { oracle.recordRejection() }
        }
        return results
    }

    /// The final text of a search, with fp32 probabilities (a reduced-precision victim's approximate ones
    /// are never stored).
    public func exact(_ result: Evaluated) throws -> Evaluated {
        guard context.oracle.isReducedPrecision,
              let probabilities = try context.oracle.exactProbabilities([result.text.text]).first, !probabilities.isEmpty else {
            return result
        }
        let checked = evaluated(result.text, probabilities)
        if result.succeeded && !checked.succeeded { context.oracle.recordRejection() }
        return checked
    }

    private func evaluated(_ text: AttackedText, _ probabilities: [Float]) -> Evaluated {
        Evaluated(text: text, probabilities: probabilities,
                  score: goal.score(probabilities, gold: context.gold, target: target),
                  succeeded: goal.succeeded(probabilities, gold: context.gold, target: target))
    }

    /// The first result with the highest score.
    static func best(_ results: [Evaluated]) -> Evaluated? {
        guard var best = results.first else { return nil }
        for result in results.dropFirst() where result.score > best.score { best = result }
        return best
    }
}
