// PixelAttackResult: what a pixel attack did to one image (its status, the adversarial image, distances,
// the model calls it spent, the final margin), and `PixelAttackSummary`, the counts over many images
// (clean and robust accuracy, success rate) that ε sweeps and reports use.
//
// Statuses follow the text attacks' vocabulary (Attacks/Core/Attack.swift): an image the classifier
// already gets wrong is `skipped` (TextAttack's "skipped") and not attacked; robust accuracy counts the
// `failed` images (correct before and after the attack) over all images.
import Basics

public enum PixelAttackStatus: String, Codable, Sendable, CaseIterable {
    /// The adversarial image is classified as something other than the label.
    case success
    /// The clean image was classified correctly, and the attack did not change that.
    case failed
    /// The clean image was already misclassified: not attacked.
    case skipped
}

public struct PixelAttackResult: Codable, Sendable, Equatable {
    /// The image's position in the input plus the caller's `firstIndex` (also its seed index).
    public var index: Int
    public var label: Int
    public var cleanPrediction: Int
    /// The prediction on `adversarialImage` (the clean prediction when skipped).
    public var adversarialPrediction: Int
    public var status: PixelAttackStatus
    /// CHW pixels in [0, 1]: the best point found (a successful one when any iterate succeeded), the clean
    /// image when skipped.
    public var adversarialImage: [Float]
    /// max |adversarial − clean| and ‖adversarial − clean‖₂.
    public var linfDistance: Float
    public var l2Distance: Float
    /// Forward-and-backward passes spent on this image (the clean prediction excluded).
    public var gradientEvaluations: Int
    /// Forward-only passes spent on this image (the clean prediction excluded): Square's queries, and the
    /// evaluation of the last iterate of FGSM, PGD and APGD (one per run).
    public var queries: Int
    /// logit of the label minus the best other logit, at `adversarialImage` (≤ 0 when fooled, but for
    /// ties, where the first largest logit is the prediction).
    public var margin: Float
    /// The attack's objective at `adversarialImage`, higher is more adversarial: the cross-entropy or DLR
    /// loss of gradient attacks, −margin for Square.
    public var loss: Float

    public var success: Bool { status == .success }

    public init(index: Int, label: Int, cleanPrediction: Int, adversarialPrediction: Int, status: PixelAttackStatus,
                adversarialImage: [Float], linfDistance: Float, l2Distance: Float, gradientEvaluations: Int, queries: Int,
                margin: Float, loss: Float) {
        self.index = index
        self.label = label
        self.cleanPrediction = cleanPrediction
        self.adversarialPrediction = adversarialPrediction
        self.status = status
        self.adversarialImage = adversarialImage
        self.linfDistance = linfDistance
        self.l2Distance = l2Distance
        self.gradientEvaluations = gradientEvaluations
        self.queries = queries
        self.margin = margin
        self.loss = loss
    }
}

/// Counts over the results of one attack.
public struct PixelAttackSummary: Codable, Sendable, Equatable {
    public var total: Int
    /// Images classified correctly before the attack (not skipped).
    public var cleanCorrect: Int
    public var successes: Int
    /// Images classified correctly after the attack (`failed`).
    public var robustCorrect: Int
    public var gradientEvaluations: Int
    public var queries: Int

    public init(_ results: [PixelAttackResult]) {
        total = results.count
        cleanCorrect = results.count(where: { $0.status != .skipped })
        successes = results.count(where: { $0.status == .success })
        robustCorrect = results.count(where: { $0.status == .failed })
        gradientEvaluations = results.reduce(0) { $0 + $1.gradientEvaluations }
        queries = results.reduce(0) { $0 + $1.queries }
    }

    public var cleanAccuracy: Double { total > 0 ? Double(cleanCorrect) / Double(total) : 0 }
    /// Correct after the attack over all images.
    public var robustAccuracy: Double { total > 0 ? Double(robustCorrect) / Double(total) : 0 }
    /// Successes over the images attacked (clean-correct ones).
    public var successRate: Double { cleanCorrect > 0 ? Double(successes) / Double(cleanCorrect) : 0 }
}

/// Accuracy under attack at one radius of an ε sweep.
public struct EpsilonSweepPoint: Codable, Sendable, Equatable {
    public var epsilon: Float
    public var summary: PixelAttackSummary
    public var robustAccuracy: Double { summary.robustAccuracy }

    public init(epsilon: Float, summary: PixelAttackSummary) {
        self.epsilon = epsilon
        self.summary = summary
    }
}
