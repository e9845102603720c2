// PrecisionAgreement: how a reduced precision's clean predictions agree with fp32's on an evaluation's
// examples — the share with the same predicted class, the largest difference of any class probability, and
// the speed of each — said and stored with the run (metrics of the "clean" recipe).
import Basics
import Foundation
import Results
import Tensors
import Training
import Transformer

public struct PrecisionAgreement: Sendable, Equatable {
    public var precision: Precision
    public var examples: Int
    /// Examples whose predicted class is fp32's.
    public var agreeing: Int
    /// max over examples and classes of |p_precision − p_fp32|.
    public var maxProbabilityDifference: Double
    public var referenceSeconds: Double
    public var seconds: Double

    public var agreement: Double { examples == 0 ? 1 : Double(agreeing) / Double(examples) }

    /// Evaluates `data` again in `precision` (preparing the model for it) and compares with the fp32 `reference`.
    public static func measure(_ model: EncoderModel, precision: Precision, data: LabelledData, reference: Evaluation.Result,
                        referenceSeconds: Double, labels: [String]) throws -> PrecisionAgreement {
        try UserError.wrapping { try model.prepare(precision: precision) }
        let started = Date()
        let reduced = try Evaluation.evaluate(model, examples: data.examples, labels: labels, precision: precision)
        let seconds = Date().timeIntervalSince(started)
        var agreeing = 0
        var largest = 0.0
        for (index, probabilities) in reduced.probabilities.enumerated() where index < reference.probabilities.count {
            if reduced.predictions[index] == reference.predictions[index] { agreeing += 1 }
            for (a, b) in zip(probabilities, reference.probabilities[index]) { largest = max(largest, Double(abs(a - b))) }
        }
        return PrecisionAgreement(precision: precision, examples: reduced.probabilities.count, agreeing: agreeing,
                                  maxProbabilityDifference: largest, referenceSeconds: referenceSeconds, seconds: seconds)
    }

    /// `bf16_agreement`, `bf16_disagreements`, `bf16_max_probability_difference`, `bf16_seconds` of the clean recipe.
    func metrics(run: Int64) -> [MetricRecord] {
        Self.metrics(precision, agreement: agreement, disagreements: Double(examples - agreeing),
                     maxProbabilityDifference: maxProbabilityDifference, seconds: seconds, run: run)
    }

    static func metrics(_ precision: Precision, agreement: Double, disagreements: Double, maxProbabilityDifference: Double,
                        seconds: Double, run: Int64) -> [MetricRecord] {
        let name = precision.rawValue
        return [
            MetricRecord(runID: run, recipe: RunRecording.cleanRecipe, name: "\(name)_agreement", value: agreement),
            MetricRecord(runID: run, recipe: RunRecording.cleanRecipe, name: "\(name)_disagreements", value: disagreements),
            MetricRecord(runID: run, recipe: RunRecording.cleanRecipe, name: "\(name)_max_probability_difference",
                         value: maxProbabilityDifference),
            MetricRecord(runID: run, recipe: RunRecording.cleanRecipe, name: "\(name)_seconds", value: seconds),
        ]
    }

    /// A merged run's figures from its shards' (`metrics` of each): disagreements and times summed, the largest
    /// probability difference the largest of any shard. (Each shard's figures come from a batched evaluation, so
    /// these are not one process's to the bit.)
    static func combined(_ shardMetrics: [MetricRecord], examples: Int, run: Int64) -> [MetricRecord] {
        let clean = shardMetrics.filter { $0.recipe == RunRecording.cleanRecipe }
        func values(_ precision: Precision, _ suffix: String) -> [Double] {
            clean.filter { $0.name == "\(precision.rawValue)_\(suffix)" }.map(\.value)
        }
        return Precision.allCases.filter(\.isReduced).flatMap { precision -> [MetricRecord] in
            let disagreements = values(precision, "disagreements")
            guard !disagreements.isEmpty else { return [] }
            let total = disagreements.reduce(0, +)
            return metrics(precision, agreement: examples == 0 ? 1 : 1 - total / Double(examples), disagreements: total,
                           maxProbabilityDifference: values(precision, "max_probability_difference").max() ?? 0,
                           seconds: values(precision, "seconds").reduce(0, +), run: run)
        }
    }

    public var line: String {
        String(format: "%@ agrees with fp32 on %d/%d clean predictions (%.2f%%); largest probability difference %.4f; %.2f s against fp32's %.2f s (%.2f×)",
               precision.rawValue, agreeing, examples, 100 * agreement, maxProbabilityDifference, seconds, referenceSeconds,
               referenceSeconds / max(seconds, 1e-9))
    }

    public var json: [String: Any] {
        ["precision": precision.rawValue, "examples": examples, "agreeing": agreeing, "agreement": agreement,
         "max_probability_difference": maxProbabilityDifference, "seconds": seconds, "fp32_seconds": referenceSeconds]
    }
}
