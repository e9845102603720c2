// EpsilonSweep: accuracy under attack at several radii, for accuracy-vs-ε curves. Each ε runs the attack
// from scratch with the same settings and seed (so each image starts from the same random draws scaled
// to the radius); robust accuracy is correct-after-attack over all images. At ε = 0 no attack runs: the
// clean-correct images count as robust (one forward pass per image). PGD's step size must be left to its
// default (2.5·ε/steps), which follows each radius.
import Basics
import Foundation

extension PixelAttacks {
    /// One point per radius of `epsilons`, in the order given.
    public static func epsilonSweep(_ settings: PixelAttackSettings, epsilons: [Float], classifier: some PixelClassifier,
                                    images: [Float], labels: [Int], batchSize: Int = 64,
                                    firstIndex: Int = 0) throws -> [EpsilonSweepPoint] {
        guard !epsilons.isEmpty else { throw PixelAttackError.settings("an ε sweep needs at least one epsilon") }
        for epsilon in epsilons where !(epsilon.isFinite && epsilon >= 0) {
            throw PixelAttackError.settings("sweep epsilons must be finite numbers ≥ 0 (got \(epsilon))")
        }
        guard settings.stepSize == nil else {
            throw PixelAttackError.settings("an ε sweep derives PGD's step size from each ε; leave step_size unset")
        }
        try settings.validate()
        var points: [EpsilonSweepPoint] = []
        for epsilon in epsilons {
            var at = settings
            at.epsilon = epsilon
            let results: [PixelAttackResult]
            if epsilon == 0 {
                results = try PixelAttackDriver.run(at, classifier: classifier, images: images, labels: labels,
                                                    batchSize: batchSize, firstIndex: firstIndex) { _, workspace, batch in
                    for member in batch.members.indices {
                        let position = batch.members[member]
                        workspace.records.offer(position, image: workspace.clean.image(position, workspace.width),
                                                prediction: batch.labels[member], label: batch.labels[member],
                                                margin: 0, loss: 0)
                    }
                }
            } else {
                results = try run(at, classifier: classifier, images: images, labels: labels, batchSize: batchSize,
                                  firstIndex: firstIndex)
            }
            points.append(EpsilonSweepPoint(epsilon: epsilon, summary: PixelAttackSummary(results)))
        }
        return points
    }
}
