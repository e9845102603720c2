// GoalFunction: what counts as a successful attack, and the score a search climbs (TextAttack's goal
// functions).
//   untargeted  success: the predicted class (argmax, first on ties) is not the gold label;
//               score = 1 − p(gold).
//   targeted    success: the predicted class is `target`; score = p(target). An example whose gold
//               label is the target is skipped.
// Both may carry a query budget: the victim answers at most that many uncached texts per example (the
// clean prediction included); the search then stops and the attack counts as failed.

public struct GoalFunction: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case untargeted
        /// The class to reach, by name.
        case targeted(String)
    }

    public var kind: Kind
    public var queryBudget: Int?

    public init(kind: Kind = .untargeted, queryBudget: Int? = nil) {
        self.kind = kind
        self.queryBudget = queryBudget
    }

    /// The index of the target class, or nil for an untargeted goal. Throws when the target is not one
    /// of `labels`.
    public func targetIndex(labels: [String]) throws -> Int? {
        guard case .targeted(let name) = kind else { return nil }
        guard let index = labels.firstIndex(of: name) else {
            throw AttackError.unsupported("the goal's target label '\(name)' is not one of the model's labels (\(labels.joined(separator: ", ")))")
        }
        return index
    }

    /// The score a search maximises (higher is closer to success).
    @inline(__always)
    public func score(_ probabilities: [Float], gold: Int, target: Int?) -> Float {
        guard !probabilities.isEmpty else { return -.infinity }
        if let target { return probabilities[target] }
        return 1 - probabilities[gold]
    }

    @inline(__always)
    public func succeeded(_ probabilities: [Float], gold: Int, target: Int?) -> Bool {
        guard let predicted = GoalFunction.argmax(probabilities) else { return false }
        if let target { return predicted == target }
        return predicted != gold
    }

    /// How far `probabilities` are from success, in probability: untargeted, p(gold) − the largest other; targeted,
    /// the largest other − p(target). Success needs it below 0 (ties at 0 follow `succeeded`'s argmax rule).
    @inline(__always)
    public func margin(_ probabilities: [Float], gold: Int, target: Int?) -> Float {
        guard !probabilities.isEmpty else { return .infinity }
        let reference = target ?? gold
        guard reference < probabilities.count else { return .infinity }
        var other = -Float.infinity
        for (index, value) in probabilities.enumerated() where index != reference { other = max(other, value) }
        return target == nil ? probabilities[reference] - other : other - probabilities[reference]
    }

    /// The first index of the largest value.
    @inline(__always)
    public static func argmax(_ values: [Float]) -> Int? {
        guard var best = values.indices.first else { return nil }
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
