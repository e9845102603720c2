// SquareAttack: the L∞ Square Attack (Andriushchenko, Croce, Flammarion & Hein 2020, "Square Attack: a
// query-efficient black-box adversarial attack via random search"), score-based: it reads only
// `logits` (never gradients) and minimises the margin z_y − max_{i≠y} z_i.
//
// Per image: start from vertical stripes, clean + ε·(±1 per channel and column), clipped to [0, 1]
// (query 1). Then, until the image is fooled or the budget is spent, one query per iteration: a random
// square of side s = round(√(p·h·w)) (at least 1, at most the image) at a uniformly random position, every
// channel of it moved by its own random ±2ε from the current best point and projected back onto the
// ε-ball ∩ [0, 1]; the candidate replaces the best point when its margin is lower or it is misclassified.
// p follows AutoAttack's schedule rescaled to the budget: p_init, halved after iterations 10, 50, 200,
// 500, 1000, 2000, 4000, 6000 and 8000 of 10,000. `queryBudget` counts the initialisation (AutoAttack's
// loop adds its iterations to it); positions and signs come from the image's own generator, so results do
// not depend on the batch (AutoAttack draws one position per batch).
import Basics
import Foundation

extension PixelAttacks {
    public static func square(_ settings: PixelAttackSettings, classifier: some PixelClassifier, images: [Float],
                              labels: [Int], batchSize: Int = 64, firstIndex: Int = 0) throws -> [PixelAttackResult] {
        try require(settings, [.square], function: "PixelAttacks.square")
        let shape = classifier.shape
        return try PixelAttackDriver.run(settings, classifier: classifier, images: images, labels: labels,
                                         batchSize: batchSize, firstIndex: firstIndex) { model, workspace, batch in
            try SquareRun.run(settings, shape: shape, model: model, workspace: workspace, batch: batch)
        }
    }
}

enum SquareRun {
    /// The share p of the image one square covers at iteration `iteration` (0-based) of `budget`.
    static func share(iteration: Int, budget: Int, pInit: Double) -> Double {
        let scaled = Int(Double(iteration) / Double(max(budget, 1)) * 10000)
        let bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000]
        let halvings = bounds.filter { scaled > $0 }.count
        return pInit / Double(1 << halvings)
    }

    /// The square's side for share `p` of an h × w image.
    static func side(share p: Double, height: Int, width: Int) -> Int {
        let side = Int((p * Double(height * width)).squareRoot().rounded())
        return min(max(side, 1), height, width)
    }

    static func run<C: PixelClassifier>(_ settings: PixelAttackSettings, shape: ImageShape, model: CheckedClassifier<C>,
                                        workspace: PixelWorkspace, batch: PixelBatch) throws {
        let width = workspace.width, classes = model.classes
        let slots = Array(batch.members.indices), count = slots.count
        let epsilon = settings.epsilon
        let labels = batch.labels
        let indices = slots.map(batch.index(ofMember:))
        let positions = batch.members
        let records = workspace.records
        let best = workspace.current, origin = workspace.origin, candidates = workspace.scratch
        let channels = shape.channels, rows = shape.height, columns = shape.width, plane = rows * columns
        PixelAttackDriver.gather(slots, of: batch, in: workspace)

        var random = indices.map { SeededRandom(seed: SeededRandom.mix(settings.seed, $0, 0)) }
        for p in 0..<count {
            let x = best.image(p, width), clean = origin.image(p, width)
            for channel in 0..<channels {
                for column in 0..<columns {
                    let sign: Float = random[p].next() >> 63 == 0 ? -1 : 1
                    for row in 0..<rows {
                        let i = channel * plane + row * columns + column
                        x[i] = min(max(clean[i] + epsilon * sign, 0), 1)
                    }
                }
            }
        }
        var margin = [Float](repeating: 0, count: count)
        var prediction = [Int](repeating: 0, count: count)
        let initial = try model.logits(best.pointer, count: count, indices: indices)
        try initial.withBase { z in
            for p in 0..<count {
                let row = z + p * classes
                margin[p] = PixelLosses.margin(row, classes: classes, label: labels[p])
                prediction[p] = PixelLosses.prediction(row, classes: classes)
                records.queries[positions[p]] += 1
            }
        }
        var active = (0..<count).filter { prediction[$0] == labels[$0] }
        var iteration = 0
        while !active.isEmpty && iteration + 1 < settings.queryBudget {
            let squareSide = side(share: share(iteration: iteration, budget: settings.queryBudget, pInit: settings.pInit),
                                  height: rows, width: columns)
            for (j, p) in active.enumerated() {
                let candidate = candidates.image(j, width), clean = origin.image(p, width)
                candidate.update(from: best.image(p, width), count: width)
                let top = random[p].below(rows - squareSide + 1), left = random[p].below(columns - squareSide + 1)
                for channel in 0..<channels {
                    let step: Float = random[p].next() >> 63 == 0 ? -2 * epsilon : 2 * epsilon
                    for row in top..<(top + squareSide) {
                        for column in left..<(left + squareSide) {
                            let i = channel * plane + row * columns + column
                            let low = max(clean[i] - epsilon, 0), high = min(clean[i] + epsilon, 1)
                            candidate[i] = min(max(candidate[i] + step, low), high)
                        }
                    }
                }
            }
            let logits = try model.logits(candidates.pointer, count: active.count, indices: active.map { indices[$0] })
            try logits.withBase { z in
                for (j, p) in active.enumerated() {
                    let row = z + j * classes
                    let value = PixelLosses.margin(row, classes: classes, label: labels[p])
                    let predicted = PixelLosses.prediction(row, classes: classes)
                    records.queries[positions[p]] += 1
                    if value < margin[p] || predicted != labels[p] {
                        margin[p] = value
                        prediction[p] = predicted
                        best.image(p, width).update(from: candidates.image(j, width), count: width)
                    }
                }
            }
            active.removeAll { prediction[$0] != labels[$0] }
            iteration += 1
        }
        for p in 0..<count {
            records.offer(positions[p], image: best.image(p, width), prediction: prediction[p], label: labels[p],
                          margin: margin[p], loss: -margin[p])
        }
    }
}
