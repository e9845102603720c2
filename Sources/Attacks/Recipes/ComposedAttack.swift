// ComposedAttack: a text attack made of the four parts — goal · transformation · constraints · search —
// as a recipe names them. An attack whose original text has no position that the constraints allow
// and the transformation can change is skipped ("no attackable words").

public struct ComposedAttack: AttackProcedure {
    public let goal: GoalFunction
    public let transformation: any Transformation
    public let constraints: [any Constraint]
    public let search: any SearchMethod

    public init(goal: GoalFunction, transformation: any Transformation, constraints: [any Constraint],
                search: any SearchMethod) {
        self.goal = goal
        self.transformation = transformation
        self.constraints = constraints
        self.search = search
    }

    public var needsSentenceEncoder: Bool { constraints.contains { $0.needsSentenceEncoder } }
    /// Composed text attacks look words up (synonyms, parts of speech, stopword forms) through the Lexicon.
    public var needsWordNet: Bool { true }
    public var transformationNames: [String] { transformation.parts.map(\.name) }
    public var queryBudget: Int? { goal.queryBudget }
    public var needsGradients: Bool { search.needsGradients }

    public func attack(_ input: AttackInput, context: AttackContext) throws -> AttackOutcome {
        let target = try goal.targetIndex(labels: context.labels)
        if let target, target == context.gold {
            return .skipped("the gold label is already the target label '\(context.labels[target])'")
        }
        let session = SearchSession(context: context, goal: goal, target: target, transformation: transformation,
                                    constraints: constraints)
        if session.initial.succeeded { return .skipped("the clean text already meets the goal") }
        let allowed = session.allowedIndices(context.original)
        guard !allowed.isEmpty else {
            return .skipped(context.visibleWords == 0 ? "no words inside the model's maximum length"
                                                      : "no attackable words")
        }
        // A composed attack has something to try only where the transformation yields a candidate.
        let hasCandidate = allowed.contains { !transformation.candidates(of: context.original, at: $0, context: context).isEmpty }
        guard hasCandidate else { return .skipped("no attackable words (no candidate for any allowed word)") }
        let best = try session.exact(search.search(session))
        let changed = best.text != context.original
        var outcome = AttackOutcome(status: best.succeeded ? .success : .failed,
                                    adversarialText: changed ? best.text.text : nil,
                                    adversarialProbabilities: changed ? best.probabilities : nil,
                                    wordsChanged: changed ? best.text.wordsChanged : 0)
        if !best.succeeded {
            outcome.reason = session.exhausted ? "query budget spent" : "no candidate changed the prediction"
        }
        return outcome
    }
}
