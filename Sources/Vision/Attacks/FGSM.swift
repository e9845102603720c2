// FGSM: the fast gradient sign method (Goodfellow, Shlens & Szegedy 2015) — one step of length ε along the
// loss gradient at the clean image: x + ε·sign(∇ₓL) for L∞, x + ε·∇ₓL/‖∇ₓL‖₂ for L2 (unchanged where the
// gradient is zero), clipped to [0, 1] (which keeps it in the ball). One gradient evaluation and one
// forward pass (the adversarial image's prediction) per attacked image; the result is that one point.
import Basics
import Foundation

extension PixelAttacks {
    public static func fgsm(_ settings: PixelAttackSettings, classifier: some PixelClassifier, images: [Float],
                            labels: [Int], batchSize: Int = 64, firstIndex: Int = 0) throws -> [PixelAttackResult] {
        try require(settings, [.fgsm], function: "PixelAttacks.fgsm")
        return try PixelAttackDriver.run(settings, classifier: classifier, images: images, labels: labels,
                                         batchSize: batchSize, firstIndex: firstIndex) { model, workspace, batch in
            let width = workspace.width, classes = model.classes
            let slots = Array(batch.members.indices)
            let count = slots.count
            let indices = slots.map(batch.index(ofMember:))
            let records = workspace.records
            PixelAttackDriver.gather(slots, of: batch, in: workspace)
            _ = try model.logitsAndGradient(workspace.origin.pointer, count: count, labels: batch.labels, loss: settings.loss,
                                            gradient: workspace.gradient.pointer, indices: indices)
            for p in 0..<count {
                let x = workspace.current.image(p, width), clean = workspace.origin.image(p, width)
                let direction = workspace.scratch.image(p, width)
                PixelGeometry.ascentDirection(settings.norm, gradient: workspace.gradient.image(p, width), into: direction,
                                              count: width)
                for i in 0..<width { x[i] = min(max(clean[i] + settings.epsilon * direction[i], 0), 1) }
                records.gradientEvaluations[batch.members[p]] += 1
            }
            let logits = try model.logits(workspace.current.pointer, count: count, indices: indices)
            try logits.withBase { z in
                for p in 0..<count {
                    records.queries[batch.members[p]] += 1
                    records.offer(batch.members[p], image: workspace.current.image(p, width), logits: z + p * classes,
                                  classes: classes, label: batch.labels[p], loss: settings.loss)
                }
            }
        }
    }
}
