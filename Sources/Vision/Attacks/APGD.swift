// APGD: Auto-PGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness with an ensemble of
// diverse parameter-free attacks", Algorithm 1), the step-size-free PGD of AutoAttack, on the
// cross-entropy (apgd-ce) or the DLR loss (apgd-dlr), in L∞ and L2. Written from the paper, checked
// against the behaviour of AutoAttack's autopgd_base.py (no code copied).
//
// Per image, from x⁰ (a random point on the ε-sphere as AutoAttack, or the clean image), step η = 2ε:
//   z = Π(xᵏ + η·s(∇L(xᵏ)))                                  s = sign (L∞) or g/‖g‖₂ (L2)
//   xᵏ⁺¹ = Π(xᵏ + α(z − xᵏ) + (1 − α)(xᵏ − xᵏ⁻¹))            α = 1 at the first step, then `momentum` (0.75)
// with Π the projection onto the ε-ball ∩ [0, 1]^d. x_max is the highest-loss iterate so far. At each
// checkpoint w_j = ⌈p_j·N⌉ (p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06): 22, 41, 57,
// 70, 80, 87, 93, 99 for N = 100), η is halved and the next step starts from x_max (with its gradient) when
//   condition 1: fewer than ρ·(w_j − w_{j−1}) of the steps since the last checkpoint raised the loss
//                (ρ = 0.75; counted over consecutive iterates, the first compared with x⁰), or
//   condition 2: η was not halved at the previous checkpoint and the best loss has not improved since
//                (never at the first checkpoint, as AutoAttack).
// Budget per run and image: N gradient evaluations (x⁰ … x^{N−1}) and one forward pass for x^N, whose
// gradient nothing would use (AutoAttack computes it: N + 1 there). Every iterate is a candidate for the
// result (the driver keeps a successful one first, then the highest loss); no early stop within a run;
// restarts attack only the images not yet fooled, each from a new random start.
import Basics
import Foundation

extension PixelAttacks {
    public static func apgd(_ settings: PixelAttackSettings, classifier: some PixelClassifier, images: [Float],
                            labels: [Int], batchSize: Int = 64, firstIndex: Int = 0) throws -> [PixelAttackResult] {
        try require(settings, [.apgdCE, .apgdDLR], function: "PixelAttacks.apgd")
        return try PixelAttackDriver.run(settings, classifier: classifier, images: images, labels: labels,
                                         batchSize: batchSize, firstIndex: firstIndex) { model, workspace, batch in
            try PixelAttackDriver.restarting(settings.restarts, batch, workspace) { slots, restart in
                try APGDRun.run(settings, model: model, workspace: workspace, batch: batch, slots: slots, restart: restart)
            }
        }
    }
}

enum APGDRun {
    /// The iterations after which APGD checks its step size, below `iterations`: w_j = ⌈p_j·N⌉ with p₀ = 0,
    /// p₁ = `first`, p_{j+1} = p_j + max(p_j − p_{j−1} − `decrement`, `minimum`) (the paper's schedule;
    /// AutoAttack's integer version, intervals ⌊0.22N⌋ shrinking by ⌊0.03N⌋ ≥ 1 down to ⌊0.06N⌋ ≥ 1, gives
    /// the same points at N = 100 but more of them for small N).
    static func checkpoints(iterations: Int, first: Double, decrement: Double, minimum: Double) -> [Int] {
        var points: [Int] = []
        var before = 0.0, share = first
        while true {
            let point = Int((share * Double(iterations) - 1e-9).rounded(.up))
            guard point < iterations else { break }
            if point > (points.last ?? 0) { points.append(point) }
            let next = share + max(share - before - decrement, minimum)
            before = share
            share = next
        }
        return points
    }

    /// Whether to halve the step at a checkpoint: condition 1 (fewer than ρ·interval of the steps since
    /// the last checkpoint raised the loss) or condition 2 (not halved at the last checkpoint, and the best
    /// loss no higher than it was there).
    static func halves(increases: Int, interval: Int, rho: Double, halvedAtLastCheckpoint: Bool,
                       bestAtLastCheckpoint: Float, best: Float) -> Bool {
        let oscillating = Double(increases) < rho * Double(interval)
        let stalled = !halvedAtLastCheckpoint && bestAtLastCheckpoint >= best
        return oscillating || stalled
    }

    /// One APGD run on the batch members `slots`.
    static func run<C: PixelClassifier>(_ settings: PixelAttackSettings, model: CheckedClassifier<C>, workspace: PixelWorkspace,
                                        batch: PixelBatch, slots: [Int], restart: Int) throws {
        let width = workspace.width, classes = model.classes, count = slots.count
        let iterations = settings.steps, epsilon = settings.epsilon, loss = settings.loss
        let momentum = Float(settings.momentum)
        let labels = slots.map { batch.labels[$0] }
        let indices = slots.map(batch.index(ofMember:))
        let positions = slots.map { batch.members[$0] }
        let records = workspace.records
        let current = workspace.current, previous = workspace.previous, gradient = workspace.gradient
        let best = workspace.best, bestGradient = workspace.bestGradient, origin = workspace.origin, scratch = workspace.scratch
        let schedule = checkpoints(iterations: iterations, first: settings.checkpointFirst,
                                   decrement: settings.checkpointDecrement, minimum: settings.checkpointMinimum)
        PixelAttackDriver.gather(slots, of: batch, in: workspace)
        for p in 0..<count {
            let x = current.image(p, width), clean = origin.image(p, width)
            if settings.randomStart {
                var random = SeededRandom(seed: SeededRandom.mix(settings.seed, indices[p], restart))
                PixelGeometry.surfaceStart(settings.norm, into: x, clean: clean, epsilon: epsilon, count: width, random: &random)
            } else {
                x.update(from: clean, count: width)
            }
            previous.image(p, width).update(from: x, count: width)
        }

        var stepSize = [Float](repeating: 2 * epsilon, count: count)
        var lossBest = [Float](repeating: 0, count: count)
        var lossPrevious = [Float](repeating: 0, count: count)
        var increases = [Int](repeating: 0, count: count)
        var lossBestAtCheck = [Float](repeating: 0, count: count)
        var reducedAtCheck = [Bool](repeating: true, count: count)

        /// Evaluates the current iterates (with gradients unless `last`), offers them and tracks x_max.
        func evaluate(first: Bool, last: Bool) throws {
            let logits: [Float]
            if last {
                logits = try model.logits(current.pointer, count: count, indices: indices)
            } else {
                logits = try model.logitsAndGradient(current.pointer, count: count, labels: labels, loss: loss,
                                                     gradient: gradient.pointer, indices: indices)
            }
            try logits.withBase { z in
                for p in 0..<count {
                    let row = z + p * classes
                    if last { records.queries[positions[p]] += 1 } else { records.gradientEvaluations[positions[p]] += 1 }
                    let value = PixelLosses.value(loss, row, classes: classes, label: labels[p])
                    records.offer(positions[p], image: current.image(p, width), prediction: PixelLosses.prediction(row, classes: classes),
                                  label: labels[p], margin: PixelLosses.margin(row, classes: classes, label: labels[p]), loss: value)
                    if first {
                        lossBest[p] = value
                        lossBestAtCheck[p] = value
                    } else if value > lossPrevious[p] {
                        increases[p] += 1
                    }
                    lossPrevious[p] = value
                    if first || value > lossBest[p] {
                        lossBest[p] = value
                        best.image(p, width).update(from: current.image(p, width), count: width)
                        if !last { bestGradient.image(p, width).update(from: gradient.image(p, width), count: width) }
                    }
                }
            }
        }

        try evaluate(first: true, last: iterations == 0)
        var nextCheckpoint = 0, lastCheckpoint = 0
        for k in 0..<iterations {
            let alpha: Float = k == 0 ? 1 : momentum
            for p in 0..<count {
                let x = current.image(p, width), before = previous.image(p, width), z = scratch.image(p, width)
                let clean = origin.image(p, width)
                PixelGeometry.ascentDirection(settings.norm, gradient: gradient.image(p, width), into: z, count: width)
                for i in 0..<width { z[i] = x[i] + stepSize[p] * z[i] }
                PixelGeometry.project(settings.norm, z, clean: clean, epsilon: epsilon, count: width)
                for i in 0..<width {
                    let xi = x[i]
                    z[i] = xi + alpha * (z[i] - xi) + (1 - alpha) * (xi - before[i])
                    before[i] = xi
                }
                x.update(from: z, count: width)
                PixelGeometry.project(settings.norm, x, clean: clean, epsilon: epsilon, count: width)
            }
            let last = k + 1 == iterations
            try evaluate(first: false, last: last)
            guard !last, nextCheckpoint < schedule.count, schedule[nextCheckpoint] == k + 1 else { continue }
            let interval = k + 1 - lastCheckpoint
            lastCheckpoint = k + 1
            nextCheckpoint += 1
            for p in 0..<count {
                let reduce = halves(increases: increases[p], interval: interval, rho: settings.rho,
                                    halvedAtLastCheckpoint: reducedAtCheck[p], bestAtLastCheckpoint: lossBestAtCheck[p],
                                    best: lossBest[p])
                reducedAtCheck[p] = reduce
                lossBestAtCheck[p] = lossBest[p]
                increases[p] = 0
                if reduce {
                    stepSize[p] /= 2
                    current.image(p, width).update(from: best.image(p, width), count: width)
                    gradient.image(p, width).update(from: bestGradient.image(p, width), count: width)
                }
            }
        }
    }
}
