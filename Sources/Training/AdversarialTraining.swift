// AdversarialTraining: training-time perturbations δ of the input word embeddings. Norms and projections
// are per example (L2 over the example's tokens × hidden), and every pass reuses the step's dropout mask.
// With ascend(δ, g) = Π_ε(δ + α·g/‖g‖) per example:
// - FGM (Miyato et al. 2017): a clean pass, δ = ε·g/‖g‖ from its gradient, a pass at δ; the parameter
//   gradients are the sum of both passes' (loss_clean + loss_adv);
// - PGD-K (L2 PGD as NLP adversarial training runs it): a clean pass, δ_1 = ascend(0, g_clean), passes at
//   δ_1…δ_K with δ_{k+1} = ascend(δ_k, g_k); parameter gradients from the clean pass and the pass at δ_K;
// - FreeLB-K (Zhu et al. 2020): a random start δ_0, passes at δ_0…δ_{K-1} with δ_{k+1} = ascend(δ_k, g_k),
//   each pass's parameter gradients weighted 1/K (their average); no clean pass.
// bench/fixtures/make_adversarial_fixtures.py computes one step of each in torch; AdversarialParityTests
// compares.
import Basics
import Foundation
import Tensors
import Transformer

public struct AdversarialTraining: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable { case fgm, pgd, freelb }

    public var method: Method
    /// Radius of the per-example L2 ball (FGM: the step's length). FreeLB: 0 means unbounded.
    public var epsilon: Float
    /// Length of each ascent step (PGD, FreeLB).
    public var stepSize: Float
    /// Ascent steps (PGD, FreeLB); FGM always takes one.
    public var steps: Int
    /// FreeLB's random start: uniform in ±initialMagnitude/√(tokens·hidden) per example.
    public var initialMagnitude: Float

    public init(method: Method, epsilon: Float? = nil, stepSize: Float? = nil, steps: Int? = nil, initialMagnitude: Float? = nil) {
        self.method = method
        switch method {
        case .fgm:
            self.epsilon = epsilon ?? 1.0
            self.stepSize = stepSize ?? self.epsilon
            self.steps = 1
        case .pgd:
            self.epsilon = epsilon ?? 1.0
            self.stepSize = stepSize ?? 0.3
            self.steps = steps ?? 3
        case .freelb:
            self.epsilon = epsilon ?? 0
            self.stepSize = stepSize ?? 0.1
            self.steps = steps ?? 2
        }
        self.initialMagnitude = initialMagnitude ?? (method == .freelb ? 0.6 : 0)
    }

    public func validate() throws {
        guard epsilon >= 0, epsilon.isFinite, stepSize > 0, stepSize.isFinite else {
            throw TrainingError.invalidSettings("adversarial epsilon must be ≥ 0 and step size > 0")
        }
        guard (1...32).contains(steps) else { throw TrainingError.invalidSettings("adversarial steps must be in 1...32") }
        guard method == .freelb || epsilon > 0 else { throw TrainingError.invalidSettings("\(method.rawValue) needs epsilon > 0") }
    }
}

/// Runs one adversarial training step's passes; owns the perturbation buffers.
final class AdversarialStep {
    let settings: AdversarialTraining
    private let delta = FloatBuffer()
    private let logitGradient = FloatBuffer()
    /// Test hook: after each forward pass, the δ it used [tokens × width] (nil for a clean pass) and its
    /// (unscaled) loss.
    var observePass: ((_ delta: UnsafeBufferPointer<Float>?, _ loss: Float) -> Void)?
    /// Test hook: FreeLB's start δ_0 [tokens × width] in place of the seeded uniform draw (still projected
    /// onto the ε-ball), so a step can be compared with a reference that drew its own.
    var freeLBStart: [Float]?

    init(_ settings: AdversarialTraining) { self.settings = settings }

    /// Forward and backward passes for one batch; parameter gradients are left in the store.
    /// Returns the clean loss (FreeLB: the first, lightly perturbed pass's loss).
    func run(model: EncoderModel, batch: TokenBatch, labels: [Int], workspace: Workspace, dropout: DropoutPlan,
             seed: UInt64) throws -> Float {
        let t = batch.tokenCount, h = model.inputEmbeddingWidth
        let d = delta.reserve(t * h)
        d.update(repeating: 0, count: t * h)
        logitGradient.reserve(batch.count * model.classCount)

        func pass(perturbed: Bool, lossScale: Float, parameterGradients: Bool) throws -> Float {
            let logits = try model.classify(batch, workspace: workspace, dropout: dropout,
                                            wordEmbeddingDelta: perturbed ? UnsafePointer(d) : nil)
            let loss = try Loss.crossEntropy(logits: logits, labels: labels, classes: model.classCount,
                                             gradient: logitGradient.pointer)
            observePass?(perturbed ? UnsafeBufferPointer(start: d, count: t * h) : nil, loss)
            if lossScale != 1 {
                for i in 0..<(batch.count * model.classCount) { logitGradient.pointer[i] *= lossScale }
            }
            try model.classifyBackward(workspace: workspace, logitGradient: logitGradient.pointer, dropout: dropout,
                                       parameterGradients: parameterGradients)
            return loss
        }

        switch settings.method {
        case .fgm:
            let loss = try pass(perturbed: false, lossScale: 1, parameterGradients: true)
            ascend(d, gradient: workspace.inputEmbeddingGradient.pointer, batch: batch, width: h,
                   step: settings.epsilon, radius: settings.epsilon)
            _ = try pass(perturbed: true, lossScale: 1, parameterGradients: true)
            return loss
        case .pgd:
            let loss = try pass(perturbed: false, lossScale: 1, parameterGradients: true)
            ascend(d, gradient: workspace.inputEmbeddingGradient.pointer, batch: batch, width: h,
                   step: settings.stepSize, radius: settings.epsilon)
            for step in 1...settings.steps {
                let last = step == settings.steps
                _ = try pass(perturbed: true, lossScale: 1, parameterGradients: last)
                if !last {
                    ascend(d, gradient: workspace.inputEmbeddingGradient.pointer, batch: batch, width: h,
                           step: settings.stepSize, radius: settings.epsilon)
                }
            }
            return loss
        case .freelb:
            try start(d, batch: batch, width: h, seed: seed)
            var first: Float = 0
            for step in 1...settings.steps {
                let loss = try pass(perturbed: true, lossScale: 1 / Float(settings.steps), parameterGradients: true)
                if step == 1 { first = loss }
                if step < settings.steps {
                    // The step is normalised, so the 1/K loss scaling does not shrink it.
                    ascend(d, gradient: workspace.inputEmbeddingGradient.pointer, batch: batch, width: h,
                           step: settings.stepSize, radius: settings.epsilon)
                }
            }
            return first
        }
    }

    /// δ_s ← Π_ε(δ_s + step · g_s / ‖g_s‖) for each example s (radius 0: no projection).
    private func ascend(_ d: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, batch: TokenBatch,
                        width h: Int, step: Float, radius: Float) {
        for (sequence, start) in batch.starts.enumerated() {
            let range = (start * h)..<((start + batch.lengths[sequence]) * h)
            var norm: Double = 0
            for i in range { norm += Double(g[i]) * Double(g[i]) }
            let scale = norm > 0 ? step / Float(norm.squareRoot()) : 0
            for i in range { d[i] += scale * g[i] }
            if radius > 0 { project(d, range, radius) }
        }
    }

    private func project(_ d: UnsafeMutablePointer<Float>, _ range: Range<Int>, _ radius: Float) {
        var norm: Double = 0
        for i in range { norm += Double(d[i]) * Double(d[i]) }
        let length = Float(norm.squareRoot())
        if length > radius {
            let scale = radius / length
            for i in range { d[i] *= scale }
        }
    }

    /// FreeLB's δ_0: per example uniform in ±initialMagnitude/√(tokens·width) (or `freeLBStart`), projected
    /// onto the ε-ball.
    private func start(_ d: UnsafeMutablePointer<Float>, batch: TokenBatch, width h: Int, seed: UInt64) throws {
        if let given = freeLBStart {
            guard given.count == batch.tokenCount * h else {
                throw TrainingError.invalidState("FreeLB start has \(given.count) values; the batch needs \(batch.tokenCount * h)")
            }
            d.update(from: given, count: given.count)
        } else {
            guard settings.initialMagnitude > 0 else { return }
            var random = SeededRandom(seed: seed)
            for (sequence, start) in batch.starts.enumerated() {
                let range = (start * h)..<((start + batch.lengths[sequence]) * h)
                let bound = settings.initialMagnitude / Float(range.count).squareRoot()
                for i in range { d[i] = (random.uniform() * 2 - 1) * bound }
            }
        }
        guard settings.epsilon > 0 else { return }
        for (sequence, start) in batch.starts.enumerated() {
            project(d, (start * h)..<((start + batch.lengths[sequence]) * h), settings.epsilon)
        }
    }
}
