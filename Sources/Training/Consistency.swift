// Consistency: semi-supervised training on unlabelled text. Each optimiser step adds to the labelled batch's
// cross-entropy a consistency loss on a batch of unlabelled examples (ratio × the batch size):
// - UDA (Xie et al. 2020): the model's prediction on the original, without dropout and without gradient, sharpened
//   by a temperature τ, is the target p̃ for its prediction q on an augmented copy (with dropout);
//   loss = λ · mean_i m_i · KL(p̃_i ‖ q_i), where m_i = 1 when the original's top probability is at least the
//   confidence threshold β (0: every example counts). d loss / d logits_i = λ · m_i · (q_i − p̃_i) / U.
// - VAT (Miyato et al. 2017/2019): the target p̂ is the original's prediction (no dropout, no sharpening); one
//   power iteration finds the adversarial direction on the word embeddings: a random unit direction d per example
//   (L2 over its tokens × width), g = ∇_r KL(p̂ ‖ q(x + r)) at r = ξ·d (a pass without dropout, input gradient
//   only), r_adv = ε · g/‖g‖; loss = λ_vat · mean_i KL(p̂_i ‖ q(x_i + r_adv,i)) with dropout.
// - Training-signal annealing (TSA) for the labelled part: an example whose correct-class probability exceeds
//   η_t = α_t·(1 − 1/K) + 1/K leaves the loss (α_t at progress t: linear t, log 1 − e^(−5t), exp e^(5(t − 1))),
//   so the few labels are not memorised before the unlabelled signal arrives; the loss is the mean over the kept.
// The unlabelled stream is a seeded permutation per pass over the unlabelled data (`UnlabeledSchedule`), so a step's
// examples, and the seeds of their augmented copies, follow from the step number: runs are reproducible and resume.
import Basics
import Foundation
import Tensors
import Transformer

public struct ConsistencyTraining: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        case uda, vat, udaVat = "uda+vat"
        public var usesAugmentation: Bool { self != .vat }
        public var usesVAT: Bool { self != .uda }
    }

    public enum Annealing: String, Codable, Sendable, CaseIterable { case none, linear, log, exp }

    public var method: Method
    /// λ: weight of the UDA consistency loss.
    public var weight: Float = 1
    /// τ: the UDA target is softmax(logits / τ) (1: no sharpening).
    public var temperature: Float = 0.4
    /// β: only unlabelled examples whose original top probability is at least this count (0: all).
    public var threshold: Float = 0.8
    /// Training-signal annealing of the labelled loss.
    public var annealing: Annealing = .none
    /// Unlabelled examples per labelled one in each step.
    public var unlabeledRatio: Int = 3
    /// VAT: L2 radius of the adversarial perturbation per example, its probe length ξ, and its loss weight.
    public var vatEpsilon: Float = 1
    public var vatXi: Float = 0.01
    public var vatWeight: Float = 1
    /// UDA: the augmentation recipes making the unlabelled copies (names or files; the workflow resolves them).
    public var augmentation: [String] = []

    public init(method: Method) { self.method = method }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError.invalidSettings(message) } }
        try check(weight > 0 && weight.isFinite, "the consistency weight must be positive")
        try check(temperature > 0 && temperature <= 10, "the UDA temperature must be in (0, 10]")
        try check(threshold >= 0 && threshold < 1, "the UDA confidence threshold must be in [0, 1)")
        try check((1...64).contains(unlabeledRatio), "the unlabelled ratio must be in 1...64")
        try check(vatEpsilon > 0 && vatEpsilon.isFinite, "the VAT epsilon must be positive")
        try check(vatXi > 0 && vatXi.isFinite && vatXi <= vatEpsilon, "the VAT xi must be positive and at most epsilon")
        try check(vatWeight > 0 && vatWeight.isFinite, "the VAT weight must be positive")
        try check(!method.usesAugmentation || !augmentation.isEmpty, "UDA needs an augmentation recipe for the unlabelled copies")
    }

    /// TSA's threshold η_t at `progress` (steps done / planned, in [0, 1]) for `classes` classes; nil without TSA.
    public func annealingThreshold(progress: Double, classes: Int) -> Double? {
        let t = min(max(progress, 0), 1)
        let alpha: Double
        switch annealing {
        case .none: return nil
        case .linear: alpha = t
        case .log: alpha = 1 - exp(-5 * t)
        case .exp: alpha = exp(5 * (t - 1))
        }
        let k = Double(max(classes, 1))
        return alpha * (1 - 1 / k) + 1 / k
    }
}

/// Which unlabelled examples a step uses: the stream runs through a seeded permutation of the unlabelled data,
/// a new one for each pass ("cycle"); a step's slice is a function of the step number alone.
public struct UnlabeledSchedule: Sendable {
    public let count: Int
    public let seed: UInt64
    private var cached: (cycle: Int, order: [Int])?

    public init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    /// The (index, cycle) pairs of `size` examples for a 0-based step.
    public mutating func slice(step: Int, size: Int) -> [(index: Int, cycle: Int)] {
        guard count > 0 else { return [] }
        var result: [(index: Int, cycle: Int)] = []
        result.reserveCapacity(size)
        for k in 0..<size {
            let position = step * size + k
            let cycle = position / count
            result.append((order(cycle)[position % count], cycle))
        }
        return result
    }

    private mutating func order(_ cycle: Int) -> [Int] {
        if let cached, cached.cycle == cycle { return cached.order }
        var order = Array(0..<count)
        var random = SeededRandom(seed: SeededRandom.mix(seed, cycle, 0x0DA))
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        cached = (cycle, order)
        return order
    }
}

/// A step's unlabelled examples: the originals and, for UDA, one augmented copy of each (same order).
public struct UnlabeledBatch: Sendable {
    public var originals: [TokenizedExample]
    public var augmented: [TokenizedExample]?
    public init(originals: [TokenizedExample], augmented: [TokenizedExample]?) {
        self.originals = originals
        self.augmented = augmented
    }
}

/// Where the unlabelled batches come from (the workflow augments and tokenises them).
public protocol UnlabeledSource: AnyObject {
    /// Usable unlabelled examples.
    var count: Int { get }
    /// The unlabelled batch of a 0-based step (`size` examples).
    func batch(step: Int, size: Int) throws -> UnlabeledBatch
}

/// What one step's consistency part measured (and, summed, what steps since an evaluation did).
public struct ConsistencyOutcome: Codable, Sendable, Equatable {
    /// The weighted consistency loss (UDA + VAT parts).
    public var loss: Double = 0
    /// Unlabelled examples whose original top probability reached the threshold, and all of them.
    public var confident = 0
    public var unlabeled = 0

    public mutating func add(_ other: ConsistencyOutcome) {
        loss += other.loss
        confident += other.confident
        unlabeled += other.unlabeled
    }
}

public enum ConsistencyLoss {
    /// KL(p ‖ softmax(logits)) per row, p given; writes `scale[row] · (q − p)` into `gradient` when given.
    /// Returns Σ_row scale[row] · KL_row.
    public static func kl(target p: UnsafePointer<Float>, logits: UnsafePointer<Float>, rows: Int, classes c: Int,
                          scale: (Int) -> Double, gradient: UnsafeMutablePointer<Float>?) -> Double {
        var total = 0.0
        for row in 0..<rows {
            let l = logits + row * c, target = p + row * c
            let (m, sum) = shiftedSum(l, classes: c)
            let logSum = m + log(sum)
            let w = scale(row)
            var kl = 0.0
            for k in 0..<c {
                let pk = Double(target[k])
                let logQ = Double(l[k]) - logSum
                if pk > 0 { kl += pk * (log(pk) - logQ) }
                gradient?[row * c + k] = Float(w * (exp(logQ) - pk))
            }
            total += w * kl
        }
        return total
    }

    /// m = max_k l_k / temperature and Σ_k exp(l_k / temperature − m) of one row, in Double.
    static func shiftedSum(_ l: UnsafePointer<Float>, classes c: Int, temperature: Double = 1) -> (m: Double, sum: Double) {
        var m = -Double.infinity
        for k in 0..<c { m = max(m, Double(l[k]) / temperature) }
        var s = 0.0
        for k in 0..<c { s += exp(Double(l[k]) / temperature - m) }
        return (m, s)
    }

    /// softmax(logits / temperature) of each row, in Double for the exponentials.
    public static func softmax(_ logits: UnsafePointer<Float>, rows: Int, classes c: Int, temperature: Float = 1,
                               into out: UnsafeMutablePointer<Float>) {
        let t = Double(temperature)
        for row in 0..<rows {
            let l = logits + row * c
            let (m, sum) = shiftedSum(l, classes: c, temperature: t)
            for k in 0..<c { out[row * c + k] = Float(exp(Double(l[k]) / t - m) / sum) }
        }
    }

    /// Cross-entropy with training-signal annealing: rows whose correct-class probability exceeds `threshold` are
    /// left out; the loss is the mean over the rows kept (0 when none is), and `gradient` gets (p − y) / kept for them
    /// and 0 for the others. Returns (the annealed loss, the plain mean cross-entropy of all rows, rows kept).
    public static func annealedCrossEntropy(logits: UnsafePointer<Float>, labels: [Int], classes c: Int, threshold: Double,
                                            gradient: UnsafeMutablePointer<Float>) throws -> (loss: Double, plain: Double, kept: Int) {
        if let bad = labels.first(where: { $0 < 0 || $0 >= c }) {
            throw EngineError.invalidInput("label id \(bad) is outside the model's \(c) classes")
        }
        let sums = labels.indices.map { shiftedSum(logits + $0 * c, classes: c) }
        let losses = labels.indices.map { sums[$0].m + log(sums[$0].sum) - Double(logits[$0 * c + labels[$0]]) }
        let keep = losses.map { exp(-$0) <= threshold }
        let kept = keep.filter { $0 }.count
        for (row, label) in labels.enumerated() {
            for k in 0..<c {
                let p = exp(Double(logits[row * c + k]) - sums[row].m) / sums[row].sum
                gradient[row * c + k] = keep[row] ? Float((p - (k == label ? 1 : 0)) / Double(kept)) : 0
            }
        }
        let annealed = kept == 0 ? 0 : zip(losses, keep).reduce(0.0) { $0 + ($1.1 ? $1.0 : 0) } / Double(kept)
        return (annealed, losses.reduce(0, +) / Double(max(labels.count, 1)), kept)
    }
}

/// Runs one step's consistency passes; gradients accumulate into the parameter store. Owns its buffers and the
/// inference workspace that computes the originals' targets.
final class ConsistencyStep {
    let settings: ConsistencyTraining
    private var targetWorkspace: Workspace?
    private let originalLogits = FloatBuffer()
    private let target = FloatBuffer()
    private let sharpenedTarget = FloatBuffer()
    private let logitGradient = FloatBuffer()
    private let delta = FloatBuffer()
    /// Test hook: VAT's adversarial perturbation r_adv [tokens × width], each step.
    var observePerturbation: ((UnsafeBufferPointer<Float>) -> Void)?

    init(_ settings: ConsistencyTraining) { self.settings = settings }

    func run(model: EncoderModel, unlabeled: UnlabeledBatch, workspace: Workspace, dropout: DropoutPlan,
             seed: UInt64) throws -> ConsistencyOutcome {
        let u = unlabeled.originals.count, c = model.classCount
        guard u > 0 else { return ConsistencyOutcome() }
        var outcome = ConsistencyOutcome(loss: 0, confident: 0, unlabeled: u)
        let originals = Batching.tokenBatch(unlabeled.originals, indices: Array(0..<u))
        // Targets: evaluation mode, no gradient, on a workspace of their own.
        let inference: Workspace
        if let targetWorkspace { inference = targetWorkspace } else {
            inference = model.makeWorkspace(training: false)
            targetWorkspace = inference
        }
        inference.precision = workspace.precision
        let logits = try model.classify(originals, workspace: inference)
        let original = originalLogits.reserve(u * c)
        original.update(from: logits, count: u * c)
        let plain = target.reserve(u * c)
        ConsistencyLoss.softmax(original, rows: u, classes: c, into: plain)
        var mask = [Double](repeating: 1, count: u)
        for row in 0..<u {
            var top: Float = 0
            for k in 0..<c { top = max(top, plain[row * c + k]) }
            if top >= settings.threshold { outcome.confident += 1 } else if settings.threshold > 0 { mask[row] = 0 }
        }
        let gradient = logitGradient.reserve(u * c)

        if settings.method.usesAugmentation {
            guard let augmented = unlabeled.augmented, augmented.count == u else {
                throw TrainingError.invalidState("UDA needs one augmented copy per unlabelled example")
            }
            let sharpened = sharpenedTarget.reserve(u * c)
            ConsistencyLoss.softmax(original, rows: u, classes: c, temperature: settings.temperature, into: sharpened)
            let batch = Batching.tokenBatch(augmented, indices: Array(0..<u))
            let q = try model.classify(batch, workspace: workspace, dropout: dropout)
            let weight = Double(settings.weight) / Double(u)
            outcome.loss += ConsistencyLoss.kl(target: sharpened, logits: q, rows: u, classes: c,
                                               scale: { weight * mask[$0] }, gradient: gradient)
            try model.classifyBackward(workspace: workspace, logitGradient: gradient, dropout: dropout)
        }
        if settings.method.usesVAT {
            let h = model.inputEmbeddingWidth, t = originals.tokenCount
            let d = delta.reserve(t * h)
            start(d, batch: originals, width: h, seed: seed)
            // Power iteration: the gradient of KL(p̂ ‖ q(x + ξd)) without dropout, input gradient only.
            let probe = try model.classify(originals, workspace: workspace, wordEmbeddingDelta: UnsafePointer(d))
            _ = ConsistencyLoss.kl(target: plain, logits: probe, rows: u, classes: c, scale: { _ in 1 }, gradient: gradient)
            try model.classifyBackward(workspace: workspace, logitGradient: gradient, parameterGradients: false)
            let g = workspace.inputEmbeddingGradient.pointer
            for (sequence, first) in originals.starts.enumerated() {
                let range = (first * h)..<((first + originals.lengths[sequence]) * h)
                var norm = 0.0
                for i in range { norm += Double(g[i]) * Double(g[i]) }
                // A zero gradient (a flat spot) keeps the random direction.
                if norm > 0 {
                    let scale = settings.vatEpsilon / Float(norm.squareRoot())
                    for i in range { d[i] = scale * g[i] }
                } else {
                    for i in range { d[i] *= settings.vatEpsilon / settings.vatXi }
                }
            }
            observePerturbation?(UnsafeBufferPointer(start: d, count: t * h))
            let q = try model.classify(originals, workspace: workspace, dropout: dropout, wordEmbeddingDelta: UnsafePointer(d))
            let weight = Double(settings.vatWeight) / Double(u)
            outcome.loss += ConsistencyLoss.kl(target: plain, logits: q, rows: u, classes: c, scale: { _ in weight }, gradient: gradient)
            try model.classifyBackward(workspace: workspace, logitGradient: gradient, dropout: dropout)
        }
        return outcome
    }

    /// ξ·d with d a standard-normal draw (seeded) normalised to unit L2 per example.
    private func start(_ d: UnsafeMutablePointer<Float>, batch: TokenBatch, width h: Int, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for i in 0..<(batch.tokenCount * h) {
            // Box–Muller from two uniforms (the first kept off 0).
            let a = Double(random.uniform()) + 1e-12, b = Double(random.uniform())
            d[i] = Float((-2 * log(a)).squareRoot() * cos(2 * Double.pi * b))
        }
        for (sequence, first) in batch.starts.enumerated() {
            let range = (first * h)..<((first + batch.lengths[sequence]) * h)
            var norm = 0.0
            for i in range { norm += Double(d[i]) * Double(d[i]) }
            let scale = norm > 0 ? settings.vatXi / Float(norm.squareRoot()) : 0
            for i in range { d[i] *= scale }
        }
    }
}
