// BenchImages: `robust bench` on an image model (ViT) — classification throughput (images/s) at the batch sizes
// evaluation and attacks use, and the training step (batch 128): clean, Madry PGD-7 and TRADES-7, each with its
// cost against the clean step. FLOPs from the encoder's shapes (tokens = patches + [CLS]) plus the patch projection.
import Basics
import Foundation
import Tensors
import Training
import Transformer

extension BenchWorkflow {
    func images(_ engine: EncoderModel, normalization: PixelNormalization, peak: Double,
                report: (String, [String: Any], String) -> Void) throws {
        let geometry = try engine.patchGeometry()
        let config = engine.config
        let length = geometry.sequenceLength
        let perImage = config.forwardFLOPsPerToken(sequenceLength: length) * Double(length)
            + 2 * Double(geometry.patchValues * config.hiddenSize * geometry.patchCount)
        var random = SeededRandom(seed: 21)
        let values = geometry.channels * geometry.imageSize * geometry.imageSize
        func pixels(_ count: Int) -> [Float] { (0..<(count * values)).map { _ in random.uniform() } }
        let inference = engine.makeWorkspace(training: false)
        for batch in [1, 64, 256] {
            let input = pixels(batch)
            let time = try measure { _ = try engine.classifyImages(input, count: batch, normalization: normalization, workspace: inference) }
            let gflops = perImage * Double(batch) / time / 1e9
            report("classify_images_\(batch)", withShare(["batch": batch, "ms": time * 1e3, "images_per_s": Double(batch) / time,
                                                          "gflops": gflops], gflops, peak),
                   String(format: "classify %4d images  %8.2f ms  %8.0f images/s  %6.1f GFLOPS%@", batch, time * 1e3,
                          Double(batch) / time, gflops, shareText(gflops, peak)))
        }
        let batch = 128
        let input = pixels(batch)
        let labels = (0..<batch).map { _ in random.below(engine.classCount) }
        let workspace = engine.makeWorkspace(training: true)
        let optimiser = AdamW(store: engine.parameters)
        engine.parameters.zeroGradients()
        var cleanTime = 0.0
        for method in [nil] + PixelAdversarialTraining.Method.allCases {
            let adversarial = method.map { PixelAdversarialTraining(method: $0, epsilon: 0.1, steps: 7) }
            let step = ImageTrainingStep(model: engine, optimiser: optimiser, normalization: normalization, adversarial: adversarial)
            var count = 0
            let time = try measure {
                count += 1
                try step.run(images: input, count: batch, labels: labels, soft: nil, workspace: workspace,
                             dropout: DropoutPlan(seed: UInt64(count), config: config), learningRate: 1e-5, maxGradNorm: 1,
                             seed: UInt64(count))
            }
            if method == nil { cleanTime = time }
            let name = method.map { "\($0.rawValue)-7" } ?? "clean"
            let gflops = method == nil ? 3 * perImage * Double(batch) / time / 1e9 : Double.nan
            var fields: [String: Any] = ["batch": batch, "ms_per_step": time * 1e3, "images_per_s": Double(batch) / time,
                                         "cost_vs_clean": time / cleanTime]
            if gflops.isFinite { fields = withShare(fields.merging(["gflops": gflops]) { a, _ in a }, gflops, peak) }
            report("train_step_images_\(batch)" + (method.map { "_\($0.rawValue)7" } ?? ""), fields,
                   String(format: "train step %d images %@ %8.1f ms/step  %7.0f images/s  %.2f× clean%@", batch,
                          name.padding(toLength: 8, withPad: " ", startingAt: 0), time * 1e3, Double(batch) / time, time / cleanTime,
                          gflops.isFinite ? String(format: "  %6.1f GFLOPS%@", gflops, shareText(gflops, peak)) : ""))
        }
    }
}
