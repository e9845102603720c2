// PGD: projected gradient descent (Madry et al. 2018, "Towards deep learning models resistant to adversarial
// attacks") in L∞ and L2. From a uniform random point of the ε-ball (or the clean image), `steps` times:
// x ← Π(x + α·sign(∇ₓL)) (L∞) or Π(x + α·∇ₓL/‖∇ₓL‖₂) (L2), with Π the projection onto the ε-ball ∩ [0, 1]^d
// (PixelGeometry) and α = `stepSize` or 2.5·ε/steps. Every image takes all steps (no early stop, as
// standard PGD-k); every iterate x₀ … x_steps is a candidate and the best one is kept (a successful one
// first, then the highest loss), so a success at any step counts. Per run and image: `steps` gradient
// evaluations (at x₀ … x_{steps−1}) and one forward pass (x_steps). Restarts attack again, from new
// random starts, only the images not yet fooled.
import Basics
import Foundation

extension PixelAttacks {
    public static func pgd(_ settings: PixelAttackSettings, classifier: some PixelClassifier, images: [Float],
                           labels: [Int], batchSize: Int = 64, firstIndex: Int = 0) throws -> [PixelAttackResult] {
        try require(settings, [.pgd], function: "PixelAttacks.pgd")
        return try PixelAttackDriver.run(settings, classifier: classifier, images: images, labels: labels,
                                         batchSize: batchSize, firstIndex: firstIndex) { model, workspace, batch in
            try PixelAttackDriver.restarting(settings.restarts, batch, workspace) { slots, restart in
                try PGDRun.run(settings, model: model, workspace: workspace, batch: batch, slots: slots, restart: restart)
            }
        }
    }
}

enum PGDRun {
    /// One PGD run on the batch members `slots`.
    static func run<C: PixelClassifier>(_ settings: PixelAttackSettings, model: CheckedClassifier<C>, workspace: PixelWorkspace,
                                        batch: PixelBatch, slots: [Int], restart: Int) throws {
        let width = workspace.width, classes = model.classes, count = slots.count
        let epsilon = settings.epsilon, alpha = settings.effectiveStepSize
        let labels = slots.map { batch.labels[$0] }
        let indices = slots.map(batch.index(ofMember:))
        let positions = slots.map { batch.members[$0] }
        let records = workspace.records
        PixelAttackDriver.gather(slots, of: batch, in: workspace)
        for p in 0..<count {
            let x = workspace.current.image(p, width), clean = workspace.origin.image(p, width)
            if settings.randomStart {
                var random = SeededRandom(seed: SeededRandom.mix(settings.seed, indices[p], restart))
                PixelGeometry.uniformStart(settings.norm, into: x, clean: clean, epsilon: epsilon, count: width, random: &random)
            } else {
                x.update(from: clean, count: width)
            }
        }
        for step in 0...settings.steps {
            let last = step == settings.steps
            let logits: [Float]
            if last {
                logits = try model.logits(workspace.current.pointer, count: count, indices: indices)
            } else {
                logits = try model.logitsAndGradient(workspace.current.pointer, count: count, labels: labels,
                                                     loss: settings.loss, gradient: workspace.gradient.pointer, indices: indices)
            }
            try logits.withBase { z in
                for p in 0..<count {
                    if last { records.queries[positions[p]] += 1 } else { records.gradientEvaluations[positions[p]] += 1 }
                    records.offer(positions[p], image: workspace.current.image(p, width), logits: z + p * classes,
                                  classes: classes, label: labels[p], loss: settings.loss)
                }
            }
            guard !last else { break }
            for p in 0..<count {
                let x = workspace.current.image(p, width), direction = workspace.scratch.image(p, width)
                PixelGeometry.ascentDirection(settings.norm, gradient: workspace.gradient.image(p, width), into: direction,
                                              count: width)
                for i in 0..<width { x[i] += alpha * direction[i] }
                PixelGeometry.project(settings.norm, x, clean: workspace.origin.image(p, width), epsilon: epsilon, count: width)
            }
        }
    }
}
