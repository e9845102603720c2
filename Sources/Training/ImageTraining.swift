// ImageTraining: training and evaluating image classifiers (ViT) — the labelled 8-bit images, the training
// step (clean cross-entropy with hard or soft labels, Madry's PGD adversarial training, TRADES), evaluation,
// and the loop: seeded shuffled batches, per-epoch augmentation through a hook (Vision's recipes, plugged in
// by the workflow, so this module knows no augmentation), seeded dropout, global-norm clipping, AdamW with
// linear warmup and decay, dev evaluations, early stopping, best-model tracking and exact resumption — the
// same `TrainerSettings`, `TrainingState` and records as text fine-tuning (FineTuner.swift).
import Basics
import Foundation
import Tensors
import Transformer

/// Labelled images: NCHW 8-bit pixels (value / 255 is the pixel in [0, 1]) and class indices.
public struct ImageExamples: Sendable {
    public var shape: ImageShape
    public var pixels: [UInt8]
    public var labels: [Int]

    public init(shape: ImageShape, pixels: [UInt8], labels: [Int]) throws {
        guard pixels.count == labels.count * shape.count else {
            throw TrainingError.invalidSettings("\(pixels.count) pixel values do not make \(labels.count) images of \(shape)")
        }
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
    }

    public var count: Int { labels.count }
    public var isEmpty: Bool { labels.isEmpty }

    /// The images at `indices` as Float pixels in [0, 1] into `output` (NCHW, indices.count images).
    public func gather(_ indices: [Int], into output: UnsafeMutablePointer<Float>) {
        let n = shape.count
        pixels.withUnsafeBufferPointer { source in
            for (row, index) in indices.enumerated() {
                let from = index * n, to = output + row * n
                for i in 0..<n { to[i] = Float(source[from + i]) / 255 }
            }
        }
    }

    /// A subset, in the order of `indices`.
    public func subset(_ indices: [Int]) -> ImageExamples {
        let n = shape.count
        var pixels = [UInt8]()
        pixels.reserveCapacity(indices.count * n)
        for index in indices { pixels.append(contentsOf: self.pixels[(index * n)..<((index + 1) * n)]) }
        return ImageExamples(unchecked: shape, pixels: pixels, labels: indices.map { labels[$0] })
    }

    /// For values built here, whose counts agree by construction.
    private init(unchecked shape: ImageShape, pixels: [UInt8], labels: [Int]) {
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
    }
}

/// Adversarial training on pixels (`robust retrain --method pgd|trades` on an image model).
public struct PixelAdversarialTraining: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// Madry et al. 2018: train on PGD examples (L∞, random start) in place of the clean ones.
        case pgd
        /// Zhang et al. 2019: clean cross-entropy + β · KL(f(x) ‖ f(x′)), x′ found by PGD on the KL.
        case trades
    }
    public var method: Method
    /// L∞ radius in [0, 1] pixel units.
    public var epsilon: Float
    public var steps: Int
    /// Step size (nil: 2.5 · ε / steps, Madry's rule).
    public var stepSize: Float?
    /// TRADES's β.
    public var beta: Float

    public init(method: Method, epsilon: Float = 0.1, steps: Int = 7, stepSize: Float? = nil, beta: Float = 6) {
        self.method = method
        self.epsilon = epsilon
        self.steps = steps
        self.stepSize = stepSize
        self.beta = beta
    }

    public var step: Float { stepSize ?? 2.5 * epsilon / Float(max(steps, 1)) }

    public func validate() throws {
        guard epsilon > 0, epsilon <= 1 else { throw TrainingError.invalidSettings("the pixel ε must be in (0, 1]") }
        guard steps >= 1, steps <= 1000 else { throw TrainingError.invalidSettings("PGD steps must be in 1...1000") }
        guard (stepSize ?? 1) > 0 else { throw TrainingError.invalidSettings("the PGD step size must be positive") }
        guard beta > 0, beta.isFinite else { throw TrainingError.invalidSettings("TRADES's β must be positive") }
    }
}

/// One optimiser step on a batch of images.
public final class ImageTrainingStep {
    let model: EncoderModel
    let optimiser: AdamW
    let normalization: PixelNormalization
    let adversarial: PixelAdversarialTraining?
    private let logitGradient = FloatBuffer(), adversarialImages = FloatBuffer(), direction = FloatBuffer()
    private let cleanLogits = FloatBuffer()
    /// TRADES runs the clean and the adversarial batch through the model in one step: a second workspace.
    private var second: Workspace?

    public init(model: EncoderModel, optimiser: AdamW, normalization: PixelNormalization, adversarial: PixelAdversarialTraining?) {
        self.model = model
        self.optimiser = optimiser
        self.normalization = normalization
        self.adversarial = adversarial
    }

    /// Trains on `count` images (pixels in [0, 1]) with hard `labels`, or with `soft` targets [count, classes]
    /// (mixup, cutmix) when given. Returns the batch's training loss (clean cross-entropy; PGD: on the
    /// adversarial images; TRADES: the whole objective). Gradients are zero on entry and on exit.
    @discardableResult
    public func run(images: UnsafePointer<Float>, count: Int, labels: [Int], soft: [Float]?, workspace: Workspace,
                    dropout: DropoutPlan, learningRate: Float, maxGradNorm: Float, seed: UInt64) throws -> Float {
        let c = model.classCount
        logitGradient.reserve(count * c)
        let loss: Float
        switch adversarial?.method {
        case nil:
            let logits = try model.classifyImages(images, count: count, normalization: normalization, workspace: workspace, dropout: dropout)
            loss = try Self.crossEntropy(logits, labels: labels, soft: soft, classes: c, gradient: logitGradient.pointer)
            try model.classifyImagesBackward(workspace: workspace, logitGradient: logitGradient.pointer, dropout: dropout)
        case .pgd?:
            guard let settings = adversarial else { return 0 }
            let adversarialPixels = try pgd(images, count: count, settings: settings, workspace: workspace, seed: seed) { logits, gradient in
                try Self.crossEntropy(logits, labels: labels, soft: soft, classes: c, gradient: gradient)
            }
            let logits = try model.classifyImages(adversarialPixels, count: count, normalization: normalization, workspace: workspace,
                                                  dropout: dropout)
            loss = try Self.crossEntropy(logits, labels: labels, soft: soft, classes: c, gradient: logitGradient.pointer)
            try model.classifyImagesBackward(workspace: workspace, logitGradient: logitGradient.pointer, dropout: dropout)
        case .trades?:
            guard let settings = adversarial else { return 0 }
            loss = try trades(images, count: count, labels: labels, soft: soft, settings: settings, workspace: workspace,
                              dropout: dropout, seed: seed)
        }
        let clipping = GradientClipping.scale(model.parameters, maxNorm: maxGradNorm)
        optimiser.step(learningRate: learningRate, gradientScale: clipping.scale, zeroingGradients: true)
        return loss
    }

    /// L∞ PGD with a uniform random start in the ε-ball, ascending `objective` (which writes d objective / d
    /// logits); no dropout and no parameter gradients. Returns the adversarial images (valid until the next call).
    func pgd(_ images: UnsafePointer<Float>, count: Int, settings: PixelAdversarialTraining, workspace: Workspace, seed: UInt64,
             start: ((inout SeededRandom) -> Float)? = nil,
             objective: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) throws -> Float) throws -> UnsafeMutablePointer<Float> {
        let geometry = try model.patchGeometry()
        let n = count * geometry.channels * geometry.imageSize * geometry.imageSize
        let x = adversarialImages.reserve(n)
        var random = SeededRandom(seed: seed)
        let epsilon = settings.epsilon, alpha = settings.step
        for i in 0..<n {
            let offset = start?(&random) ?? (2 * random.uniform() - 1) * epsilon
            x[i] = min(max(images[i] + offset, 0), 1)
        }
        let gradient = logitGradient.reserve(count * model.classCount)
        for _ in 0..<settings.steps {
            let logits = try model.classifyImages(x, count: count, normalization: normalization, workspace: workspace)
            _ = try objective(logits, gradient)
            try model.classifyImagesBackward(workspace: workspace, logitGradient: gradient, parameterGradients: false)
            let g = workspace.pixelGradient.pointer
            for i in 0..<n {
                let step = g[i] > 0 ? alpha : (g[i] < 0 ? -alpha : 0)
                let moved = min(max(x[i] + step, images[i] - epsilon), images[i] + epsilon)
                x[i] = min(max(moved, 0), 1)
            }
        }
        return x
    }

    /// TRADES: x′ from PGD on KL(f(x) ‖ f(x′)) starting at x + 0.001·N(0, 1) (eval mode), then clean cross-entropy
    /// plus β · KL on the two batches with dropout, backward through both.
    private func trades(_ images: UnsafePointer<Float>, count: Int, labels: [Int], soft: [Float]?, settings: PixelAdversarialTraining,
                        workspace: Workspace, dropout: DropoutPlan, seed: UInt64) throws -> Float {
        let c = model.classCount
        let clean = cleanLogits.reserve(count * c)
        clean.update(from: try model.classifyImages(images, count: count, normalization: normalization, workspace: workspace), count: count * c)
        let target = Self.softmaxRows(clean, rows: count, classes: c)
        let adversarialPixels = try pgd(images, count: count, settings: settings, workspace: workspace, seed: seed,
                                        start: { 0.001 * $0.normal() }) { logits, gradient in
            Self.kl(target: target, logits: logits, rows: count, classes: c, scale: 1, gradient: gradient)
        }
        let other = second ?? model.makeWorkspace(training: true)
        other.precision = workspace.precision
        second = other
        // Clean pass (dropout) on `workspace`, adversarial pass (its own dropout seed) on `other`.
        let logits = try model.classifyImages(images, count: count, normalization: normalization, workspace: workspace, dropout: dropout)
        let p = Self.softmaxRows(logits, rows: count, classes: c)
        let adversarialPlan = DropoutPlan(seed: SeededRandom.mix(dropout.seed, 0x7AD), rates: dropout.rates)
        let adversarialLogits = try model.classifyImages(adversarialPixels, count: count, normalization: normalization,
                                                         workspace: other, dropout: adversarialPlan)
        let dAdversarial = direction.reserve(count * c)
        let beta = settings.beta
        let divergence = Self.kl(target: p, logits: adversarialLogits, rows: count, classes: c, scale: beta / Float(count),
                                 gradient: dAdversarial)
        let natural = try Self.crossEntropy(logits, labels: labels, soft: soft, classes: c, gradient: logitGradient.pointer)
        Self.klSourceGradient(p: p, q: Self.softmaxRows(adversarialLogits, rows: count, classes: c), rows: count, classes: c,
                              scale: beta / Float(count), adding: logitGradient.pointer)
        try model.classifyImagesBackward(workspace: workspace, logitGradient: logitGradient.pointer, dropout: dropout)
        try model.classifyImagesBackward(workspace: other, logitGradient: dAdversarial, dropout: adversarialPlan)
        return natural + beta * divergence
    }

    /// Mean cross-entropy with hard labels, or −Σ y log p with soft targets; writes d loss / d logits.
    static func crossEntropy(_ logits: UnsafePointer<Float>, labels: [Int], soft: [Float]?, classes c: Int,
                             gradient: UnsafeMutablePointer<Float>) throws -> Float {
        guard let soft else { return try Loss.crossEntropy(logits: logits, labels: labels, classes: c, gradient: gradient) }
        let rows = labels.count
        guard soft.count == rows * c else { throw TrainingError.invalidSettings("soft targets do not match the batch") }
        var total = 0.0
        for row in 0..<rows {
            let l = logits + row * c
            var m = -Float.infinity
            for j in 0..<c { m = max(m, l[j]) }
            var s = 0.0
            for j in 0..<c { s += exp(Double(l[j] - m)) }
            let logSum = Double(m) + log(s)
            for j in 0..<c {
                let y = Double(soft[row * c + j])
                total -= y * (Double(l[j]) - logSum)
                gradient[row * c + j] = Float((exp(Double(l[j]) - logSum) - y) / Double(rows))
            }
        }
        return Float(total / Double(max(rows, 1)))
    }

    /// d Σ_rows KL(p ‖ q) / d the logits of p (p = softmax of them): p ⊙ (log p − log q − KL_row), times `scale`,
    /// added into `gradient`.
    static func klSourceGradient(p: [Float], q: [Float], rows: Int, classes c: Int, scale: Float, adding gradient: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            var rowKL: Float = 0
            for j in 0..<c {
                let pj = p[row * c + j]
                if pj > 0 { rowKL += pj * (log(pj) - log(max(q[row * c + j], 1e-30))) }
            }
            for j in 0..<c {
                let pj = p[row * c + j]
                let term = pj > 0 ? pj * (log(pj) - log(max(q[row * c + j], 1e-30)) - rowKL) : 0
                gradient[row * c + j] += scale * term
            }
        }
    }

    static func softmaxRows(_ logits: UnsafePointer<Float>, rows: Int, classes c: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * c)
        for row in 0..<rows {
            let p = Loss.softmax(Array(UnsafeBufferPointer(start: logits + row * c, count: c)))
            for j in 0..<c { out[row * c + j] = p[j] }
        }
        return out
    }

    /// Σ_rows KL(target ‖ softmax(logits)) · scale, and its gradient w.r.t. the logits (scale · (q − target)).
    static func kl(target: [Float], logits: UnsafePointer<Float>, rows: Int, classes c: Int, scale: Float,
                   gradient: UnsafeMutablePointer<Float>) -> Float {
        var total: Float = 0
        for row in 0..<rows {
            let q = Loss.softmax(Array(UnsafeBufferPointer(start: logits + row * c, count: c)))
            for j in 0..<c {
                let p = target[row * c + j]
                if p > 0 { total += p * (log(p) - log(max(q[j], 1e-30))) }
                gradient[row * c + j] = scale * (q[j] - p)
            }
        }
        return total * scale
    }
}

public enum ImageEvaluation {
    /// Mean cross-entropy, predictions, probabilities and the classification report of `examples` (eval mode).
    public static func evaluate(_ model: EncoderModel, normalization: PixelNormalization, examples: ImageExamples,
                                labels: [String], batchSize: Int = 256) throws -> Evaluation.Result {
        let probabilities = try self.probabilities(model, normalization: normalization, examples: examples, batchSize: batchSize)
        return Evaluation.result(probabilities: probabilities, gold: examples.labels, labels: labels)
    }

    /// Class probabilities of every image (eval mode), in batches.
    public static func probabilities(_ model: EncoderModel, normalization: PixelNormalization, examples: ImageExamples,
                                     batchSize: Int = 256) throws -> [[Float]] {
        let workspace = model.makeWorkspace(training: false)
        let buffer = FloatBuffer(capacity: batchSize * examples.shape.count)
        let c = model.classCount
        var out: [[Float]] = []
        out.reserveCapacity(examples.count)
        var start = 0
        while start < examples.count {
            let indices = Array(start..<min(start + batchSize, examples.count))
            examples.gather(indices, into: buffer.pointer)
            let logits = try model.classifyImages(buffer.pointer, count: indices.count, normalization: normalization, workspace: workspace)
            for row in 0..<indices.count {
                out.append(Loss.softmax(Array(UnsafeBufferPointer(start: logits + row * c, count: c))))
            }
            start += batchSize
        }
        return out
    }
}

/// The image training loop. The workflow plugs in augmentation (`augment`) and receives progress, evaluations
/// and resumable states through the same hooks as `FineTuner`.
public final class ImageTrainer {
    public let model: EncoderModel
    public let normalization: PixelNormalization
    public let settings: TrainerSettings
    public let train: ImageExamples
    public let dev: ImageExamples
    public let labels: [String]
    public let optimiser: AdamW
    public private(set) var state = TrainingState()

    public var onProgress: (TrainingProgress) -> Void = { _ in }
    public var onEvaluation: (EvaluationRecord, Evaluation.Result, _ improved: Bool) throws -> Void = { _, _, _ in }
    public var onCheckpointState: (TrainingState) throws -> Void = { _ in }
    public var shouldStop: () -> Bool = { false }
    /// Augments a batch in place (pixels in [0, 1], NCHW) before the step: the training indices of its images, the
    /// 0-based epoch; returns soft targets [count, classes] when it mixes images (mixup, cutmix), else nil.
    /// Must be a function of (settings.seed, epoch, indices) so runs and resumptions repeat.
    public var augment: ((_ images: UnsafeMutablePointer<Float>, _ indices: [Int], _ labels: [Int], _ epoch: Int) throws -> [Float]?)?

    public init(model: EncoderModel, normalization: PixelNormalization, settings: TrainerSettings, train: ImageExamples,
                dev: ImageExamples, labels: [String]) throws {
        try settings.validate()
        guard !train.isEmpty else { throw TrainingError.invalidSettings("the training split is empty") }
        guard labels.count == model.classCount else {
            throw TrainingError.invalidSettings("\(labels.count) labels but the model's head has \(model.classCount) classes")
        }
        let geometry = try model.patchGeometry()
        let shape = ImageShape(channels: geometry.channels, height: geometry.imageSize, width: geometry.imageSize)
        for (name, part) in [("train", train), ("dev", dev)] where !part.isEmpty {
            guard part.shape == shape else {
                throw TrainingError.invalidSettings("the \(name) images are \(part.shape) but the model takes \(shape)")
            }
            if let bad = part.labels.first(where: { $0 < 0 || $0 >= labels.count }) {
                throw TrainingError.invalidSettings("label index \(bad) is outside the \(labels.count) classes")
            }
        }
        self.model = model
        self.normalization = normalization
        self.settings = settings
        self.train = train
        self.dev = dev
        self.labels = labels
        optimiser = AdamW(store: model.parameters, settings: AdamWSettings(weightDecay: settings.weightDecay))
    }

    public var batchesPerEpoch: Int { (train.count + settings.batchSize - 1) / settings.batchSize }
    public var totalSteps: Int { batchesPerEpoch * settings.epochs }
    public var schedule: LinearWarmupDecay { LinearWarmupDecay(settings: settings, totalSteps: totalSteps) }

    public func resume(from saved: TrainingState, optimiserStep: Int, first: [Float], second: [Float]) throws {
        try optimiser.restore(step: optimiserStep, first: first, second: second)
        state = saved
    }

    /// The epoch's batches: a seeded permutation of the training images cut into batches.
    public static func epochBatches(count: Int, batchSize: Int, seed: UInt64, epoch: Int) -> [[Int]] {
        var order = Array(0..<count)
        var random = SeededRandom(seed: SeededRandom.mix(seed, epoch, 0x1A6E))
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        }
        return stride(from: 0, to: count, by: batchSize).map { Array(order[$0..<min($0 + batchSize, count)]) }
    }

    public func run() throws -> TrainingState {
        let workspace = model.makeWorkspace(training: true)
        workspace.precision = settings.precision ?? .fp32
        let step = ImageTrainingStep(model: model, optimiser: optimiser, normalization: normalization,
                                     adversarial: settings.pixelAdversarial)
        let schedule = self.schedule
        let buffer = FloatBuffer(capacity: settings.batchSize * train.shape.count)
        var lastReport = Date(), started = Date()
        var imagesSinceReport = 0, stepsThisSession = 0
        while state.epoch < settings.epochs && !state.finished {
            let batches = Self.epochBatches(count: train.count, batchSize: settings.batchSize, seed: settings.seed, epoch: state.epoch)
            while state.batchInEpoch < batches.count {
                if shouldStop() {
                    try onCheckpointState(state)
                    throw TrainingInterrupted(state: state)
                }
                let indices = batches[state.batchInEpoch]
                let labels = indices.map { train.labels[$0] }
                train.gather(indices, into: buffer.pointer)
                let soft = try augment?(buffer.pointer, indices, labels, state.epoch)
                let stepSeed = SeededRandom.mix(settings.seed, state.step, 3)
                let plan = settings.dropout.map { DropoutPlan(seed: stepSeed, config: model.config, uniform: $0) }
                    ?? DropoutPlan(seed: stepSeed, config: model.config)
                if stepsThisSession == 0 { model.parameters.zeroGradients() }
                let rate = schedule.rate(afterSteps: state.step)
                let loss = try step.run(images: buffer.pointer, count: indices.count, labels: labels, soft: soft, workspace: workspace,
                                        dropout: plan, learningRate: rate, maxGradNorm: settings.maxGradNorm,
                                        seed: SeededRandom.mix(stepSeed, 5))
                guard loss.isFinite else {
                    throw TrainingError.invalidState("the training loss became \(loss) at step \(state.step + 1); lower the learning rate")
                }
                state.step += 1
                state.batchInEpoch += 1
                state.runningLoss += Double(loss)
                state.runningCount += 1
                stepsThisSession += 1
                imagesSinceReport += indices.count
                let now = Date()
                if now.timeIntervalSince(lastReport) >= 1 || state.step == totalSteps {
                    let perStep = now.timeIntervalSince(started) / Double(max(stepsThisSession, 1))
                    onProgress(TrainingProgress(
                        epoch: state.epoch + 1, epochs: settings.epochs, step: state.step, totalSteps: totalSteps,
                        loss: state.runningLoss / Double(max(state.runningCount, 1)), learningRate: rate,
                        tokensPerSecond: Double(imagesSinceReport) / max(now.timeIntervalSince(lastReport), 1e-9),
                        secondsRemaining: perStep * Double(totalSteps - state.step)))
                    lastReport = now
                    imagesSinceReport = 0
                }
                if let every = settings.evaluateEvery, state.step % every == 0, state.batchInEpoch < batches.count {
                    let evaluationStarted = Date()
                    try evaluateAndRecord(rate: rate)
                    started = started.addingTimeInterval(Date().timeIntervalSince(evaluationStarted))
                    if state.finished { return state }
                }
            }
            state.epoch += 1
            state.batchInEpoch = 0
            let evaluationStarted = Date()
            try evaluateAndRecord(rate: schedule.rate(afterSteps: max(state.step - 1, 0)))
            started = started.addingTimeInterval(Date().timeIntervalSince(evaluationStarted))
            lastReport = Date()
        }
        state.finished = true
        try onCheckpointState(state)
        return state
    }

    private func evaluateAndRecord(rate: Float) throws {
        let result: Evaluation.Result
        if dev.isEmpty {
            result = Evaluation.Result(loss: .nan, report: ClassificationReport(labels: labels, gold: [], predicted: []),
                                       predictions: [], probabilities: [])
        } else {
            result = try ImageEvaluation.evaluate(model, normalization: normalization, examples: dev, labels: labels)
        }
        let record = EvaluationRecord(epoch: Double(state.step) / Double(max(batchesPerEpoch, 1)), step: state.step,
                                      trainLoss: state.runningLoss / Double(max(state.runningCount, 1)),
                                      devLoss: result.loss, devAccuracy: result.report.accuracy, devMacroF1: result.report.macroF1,
                                      learningRate: Double(rate))
        let improved = state.note(record, result: dev.isEmpty ? nil : result, metric: settings.metric)
        try onEvaluation(record, result, improved)
        state.stopIfPatienceRanOut(settings.patience, totalSteps: totalSteps)
        try onCheckpointState(state)
    }
}
