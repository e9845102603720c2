// bf16 mixed-precision training's gradients against fp32's (which GradientCheckTests checks by finite
// differences) on a tiny random BERT: every parameter's gradient close in relative L2, the bf16 path really
// taken, dropout masks the same, and fp32 master weights untouched by packing.
import Basics
import Foundation
import Tensors
import TestSupport
import Transformer
import XCTest

final class MixedPrecisionGradientTests: XCTestCase {
    func gradients(_ model: EncoderModel, precision: Precision, dropout: DropoutPlan?) throws -> [String: [Float]] {
        let workspace = model.makeWorkspace(training: true)
        workspace.precision = precision
        if precision.isReduced { try model.prepare(precision: precision, backward: true) }
        model.parameters.zeroGradients()
        let logits = try model.classify(GradientCheckTests.batch, workspace: workspace, dropout: dropout)
        let dLogits = FloatBuffer(capacity: GradientCheckTests.labels.count * model.classCount)
        _ = try Loss.crossEntropy(logits: logits, labels: GradientCheckTests.labels, classes: model.classCount, gradient: dLogits.pointer)
        try model.classifyBackward(workspace: workspace, logitGradient: dLogits.pointer, dropout: dropout)
        var result: [String: [Float]] = [:]
        for entry in model.parameters.entries { result[entry.name] = model.parameters.gradientArray(entry.name) }
        return result
    }

    func testBF16GradientsAreCloseToFp32() throws {
        if let reason = OneDNN.unavailability(.bf16) { throw XCTSkip(reason) }
        for dropout in [nil, DropoutPlan(seed: 5, hidden: 0.1, attention: 0.1, classifier: 0.1)] {
            let model = try GradientCheckTests.tinyModel()
            let weightsBefore = model.parameters.entries.map { model.parameters.array($0.name) ?? [] }
            let exact = try gradients(model, precision: .fp32, dropout: dropout)
            let mixed = try gradients(model, precision: .bf16, dropout: dropout)
            XCTAssertEqual(model.parameters.entries.map { model.parameters.array($0.name) ?? [] }, weightsBefore,
                           "packing leaves the fp32 weights alone")
            var differing = 0
            for (name, reference) in exact {
                let got = try XCTUnwrap(mixed[name])
                var error = 0.0, norm = 0.0
                for (a, b) in zip(got, reference) {
                    error += Double(a - b) * Double(a - b)
                    norm += Double(b) * Double(b)
                }
                // The key bias's gradient is 0 in exact arithmetic (softmax ignores a constant added to a row's
                // scores), so both sides are rounding noise there: an absolute floor of 1e-5 covers it.
                let distance = error.squareRoot(), size = norm.squareRoot()
                XCTAssertLessThan(distance, 0.05 * size + 1e-5, "\(name) (dropout \(dropout != nil)): \(distance) against |g| \(size)")
                if distance > 1e-6 * size { differing += 1 }
            }
            XCTAssertGreaterThan(differing, 10, "the bf16 path really ran")
        }
    }

    func testInt8CannotTrain() throws {
        if let reason = OneDNN.unavailability(.int8) { throw XCTSkip(reason) }
        let model = try GradientCheckTests.tinyModel()
        XCTAssertThrowsError(try model.prepare(precision: .int8, backward: true)) { error in
            XCTAssertEqual("\(error)", "training runs in fp32 or bf16; int8 is for queries only")
        }
    }
}
