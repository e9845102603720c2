// PixelAttackSettingsTests: settings decode with the papers' defaults and round-trip; bad settings and bad
// inputs give one clear line each; a classifier answering NaN, infinite gradients or the wrong number of
// logits produces an error, not a trap; the ε sweep's points agree with single runs.
import Basics
import Foundation
@testable import Vision
import XCTest

final class PixelAttackSettingsTests: XCTestCase {
    let shape = ImageShape(channels: 1, height: 5, width: 5)

    private func decode(_ json: String) throws -> PixelAttackSettings {
        try PixelAttackSettings.decode(json: Data(json.utf8))
    }

    private func assertError(_ json: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(json), file: file, line: line) { error in
            XCTAssertEqual(String(describing: error), message, file: file, line: line)
            XCTAssertFalse(String(describing: error).contains("\n"), file: file, line: line)
        }
    }

    func testDefaultsAndRoundTrip() throws {
        let pgd = try decode(#"{"kind": "pgd", "epsilon": 0.1}"#)
        XCTAssertEqual(pgd.steps, 20)
        XCTAssertTrue(pgd.randomStart)
        XCTAssertEqual(pgd.effectiveStepSize, 2.5 * 0.1 / 20, accuracy: 1e-9)
        XCTAssertEqual(pgd.norm, .linf)
        XCTAssertEqual(pgd.loss, .crossEntropy)
        let apgd = try decode(#"{"kind": "apgd-ce", "norm": "l2", "epsilon": 0.5, "steps": 50, "seed": 3}"#)
        XCTAssertEqual(apgd.momentum, 0.75)
        XCTAssertEqual(apgd.rho, 0.75)
        XCTAssertEqual(apgd.checkpointFirst, 0.22)
        XCTAssertEqual(apgd.steps, 50)
        XCTAssertEqual(apgd.seed, 3)
        XCTAssertEqual(try decode(#"{"kind": "apgd-dlr", "epsilon": 0.03}"#).loss, .dlr)
        let square = try decode(#"{"kind": "square", "epsilon": 0.05, "query_budget": 1000}"#)
        XCTAssertEqual(square.pInit, 0.8)
        XCTAssertEqual(square.queryBudget, 1000)
        XCTAssertEqual(square.loss, .margin)
        for settings in [pgd, apgd, square, try decode(#"{"kind": "fgsm", "epsilon": 0.2, "loss": "dlr"}"#),
                         try decode(#"{"kind": "pgd", "epsilon": 0.2, "step_size": 0.01, "restarts": 3, "random_start": false}"#)] {
            let data = try JSONCoding.encoder().encode(settings)
            XCTAssertEqual(try PixelAttackSettings.decode(json: data), settings, String(decoding: data, as: UTF8.self))
        }
        // Only the kind's own keys are written.
        let written = String(decoding: try JSONCoding.encoder().encode(square), as: UTF8.self)
        XCTAssertFalse(written.contains("steps"))
        XCTAssertTrue(written.contains("\"query_budget\":1000"))
    }

    func testInvalidSettingsGiveOneClearLine() {
        assertError(#"{"kind": "pgd", "epsilon": -0.1}"#, "epsilon must be a finite number ≥ 0 (got -0.1)")
        assertError(#"{"kind": "pgd", "epsilon": 0.1, "steps": 0}"#, "steps must be at least 1 (got 0)")
        assertError(#"{"kind": "apgd-ce", "epsilon": 0.1, "steps": -3}"#, "steps must be at least 1 (got -3)")
        assertError(#"{"kind": "pgdd", "epsilon": 0.1}"#,
                    "unknown attack kind 'pgdd' (did you mean 'pgd'?); expected one of fgsm, pgd, apgd-ce, apgd-dlr, square")
        assertError(#"{"kind": "cw", "epsilon": 0.1}"#,
                    "unknown attack kind 'cw'; expected one of fgsm, pgd, apgd-ce, apgd-dlr, square")
        assertError(#"{"epsilon": 0.1}"#, "attack settings need 'kind' (one of fgsm, pgd, apgd-ce, apgd-dlr, square)")
        assertError(#"{"kind": "pgd"}"#, "attack settings need 'epsilon' (the perturbation radius)")
        assertError(#"{"kind": "pgd", "epsilon": "big"}"#, "attack setting 'epsilon' must be a number")
        assertError(#"{"kind": "pgd", "norm": "Linf", "epsilon": 0.1}"#, "unknown norm 'Linf' (did you mean 'linf'?); expected one of linf, l2")
        assertError(#"{"kind": "pgd", "epsilon": 0.1, "stepz": 3}"#, "unknown attack setting 'stepz' (did you mean 'steps'?)")
        assertError(#"{"kind": "pgd", "epsilon": 0.1, "query_budget": 3}"#, "attack setting 'query_budget' does not apply to pgd")
        assertError(#"{"kind": "fgsm", "epsilon": 0.1, "steps": 3}"#, "attack setting 'steps' does not apply to fgsm")
        assertError(#"{"kind": "square", "norm": "l2", "epsilon": 0.1}"#, "square supports only the linf norm (got l2)")
        assertError(#"{"kind": "pgd", "norm": "l1", "epsilon": 0.1}"#,
                    "unknown norm 'l1'; expected one of linf, l2")
        assertError(#"{"kind": "apgd-ce", "epsilon": 0.1, "loss": "dlr"}"#,
                    "apgd-ce maximises ce, not dlr (use kind apgd-dlr)")
        assertError(#"{"kind": "apgd-ce", "epsilon": 0.1, "rho": 1.5}"#, "rho must lie in (0, 1] (got 1.5)")
        assertError(#"{"kind": "pgd", "epsilon": 0.1, "step_size": 0}"#, "step_size must be a finite number > 0 (got 0.0)")
        assertError(#"{"kind": "square", "epsilon": 0.1, "query_budget": 0}"#, "query_budget must lie in 1…1000000 (got 0)")
        assertError(#"{"kind": "pgd", "epsilon": 0.1, "restarts": 0}"#, "restarts must lie in 1…1000 (got 0)")
        assertError(#"[1, 2]"#, "attack settings must be a JSON object")
        XCTAssertThrowsError(try decode(#"{"kind": "pgd", "#)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("attack settings are not valid JSON"), "\(error)")
            XCTAssertFalse(String(describing: error).contains("\n"))
        }
        // Settings built in code are validated when an attack starts.
        var settings = PixelAttackSettings(kind: .pgd, epsilon: .nan)
        let model = LinearSoftmaxFake(shape: shape, classes: 3)
        XCTAssertThrowsError(try PixelAttacks.run(settings, classifier: model, images: [], labels: [])) {
            XCTAssertEqual(String(describing: $0), "epsilon must be a finite number ≥ 0 (got nan)")
        }
        settings.epsilon = 0.1
        XCTAssertThrowsError(try PixelAttacks.square(settings, classifier: model, images: [], labels: [])) {
            XCTAssertEqual(String(describing: $0), "PixelAttacks.square runs square, not pgd (use PixelAttacks.run)")
        }
    }

    func testInvalidInputsGiveOneClearLine() throws {
        let model = LinearSoftmaxFake(shape: shape, classes: 3)
        let settings = PixelAttackSettings(kind: .fgsm, epsilon: 0.1)
        let image = [Float](repeating: 0.5, count: 25)
        func check(_ images: [Float], _ labels: [Int], batchSize: Int = 64, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try PixelAttacks.run(settings, classifier: model, images: images, labels: labels,
                                                      batchSize: batchSize), line: line) {
                XCTAssertEqual(String(describing: $0), message, line: line)
            }
        }
        check(image + [0.5], [0], "26 pixel values for 1 images of 1×5×5 (expected 25)")
        check(image + image, [0, 3], "label 3 of image 1 is not a class of the classifier (0…2)")
        check(image + image.map { $0 * 3 }, [0, 1], "image 1 has pixel value 1.5 outside [0, 1]")
        check(image + [Float.nan] + image.dropFirst(), [0, 1], "image 1 has pixel value nan outside [0, 1]")
        check(image, [0], batchSize: 0, "batch size must be at least 1 (got 0)")
        XCTAssertEqual(try PixelAttacks.run(settings, classifier: model, images: [], labels: []), [])
    }

    func testNonFiniteClassifierAnswersAreErrors() throws {
        let inner = TanhMLPFake(shape: shape, classes: 4)
        let (images, labels) = try fakeData(inner, count: 6)
        var pgd = PixelAttackSettings(kind: .pgd, epsilon: 0.1)
        pgd.steps = 3
        let cases: [(NaNClassifier<TanhMLPFake>.Where, PixelAttackSettings, String)] = [
            (.gradientLogits, pgd, "the classifier returned a non-finite logit (nan) for image 0"),
            (.pixelGradient, PixelAttackSettings(kind: .apgdCE, epsilon: 0.1),
             "the classifier returned a non-finite pixel gradient (inf) for image 0"),
            (.wrongLogitCount, PixelAttackSettings(kind: .square, epsilon: 0.1),
             "the classifier returned 23 logits for 6 images of 4 classes (expected 24)"),
        ]
        for (place, settings, message) in cases {
            XCTAssertThrowsError(try PixelAttacks.run(settings, classifier: NaNClassifier(inner: inner, place: place),
                                                      images: images, labels: labels)) {
                XCTAssertEqual(String(describing: $0), message)
            }
        }
        // NaN on the clean images, named by their index (with the caller's offset).
        var shifted = images
        shifted[2 * 25] = 0.999
        for i in stride(from: 0, to: shifted.count, by: 25) where i != 50 { shifted[i] = min(shifted[i], 0.9) }
        let nanClean = NaNClassifier(inner: inner, place: .cleanLogits(threshold: 0.95))
        XCTAssertThrowsError(try PixelAttacks.run(PixelAttackSettings(kind: .square, epsilon: 0.1), classifier: nanClean,
                                                  images: shifted, labels: labels, firstIndex: 100)) {
            XCTAssertEqual(String(describing: $0), "the classifier returned a non-finite logit (nan) for image 102")
        }
        // The classifier's own errors pass through.
        XCTAssertThrowsError(try PixelAttacks.run(pgd, classifier: GradientFreeClassifier(inner: inner), images: images, labels: labels)) {
            XCTAssertEqual(String(describing: $0), "this classifier has no gradients")
        }
    }

    func testEpsilonSweepAgreesWithRuns() throws {
        let model = LinearSoftmaxFake(shape: shape, classes: 4, scale: 3)
        let (images, labels) = try fakeData(model, count: 30, wrongEvery: 6)
        var settings = PixelAttackSettings(kind: .pgd, epsilon: 0.1, seed: 9)
        settings.steps = 10
        let epsilons: [Float] = [0, 0.02, 0.05, 0.1, 0.2]
        let points = try PixelAttacks.epsilonSweep(settings, epsilons: epsilons, classifier: model, images: images,
                                                   labels: labels, batchSize: 7)
        XCTAssertEqual(points.map(\.epsilon), epsilons)
        XCTAssertEqual(points[0].summary.cleanCorrect, 25)
        XCTAssertEqual(points[0].robustAccuracy, 25.0 / 30.0, accuracy: 1e-12)
        XCTAssertEqual(points[0].summary.gradientEvaluations, 0)
        for (point, epsilon) in zip(points, epsilons).dropFirst() {
            var at = settings
            at.epsilon = epsilon
            let results = try PixelAttacks.run(at, classifier: model, images: images, labels: labels)
            XCTAssertEqual(point.summary, PixelAttackSummary(results))
            XCTAssertEqual(point.summary.robustCorrect + point.summary.successes, 25)
        }
        for (a, b) in zip(points, points.dropFirst()) {
            XCTAssertLessThanOrEqual(b.robustAccuracy, a.robustAccuracy, "robust accuracy should fall with ε")
        }
        XCTAssertLessThan(points.last!.robustAccuracy, 0.3)
        XCTAssertThrowsError(try PixelAttacks.epsilonSweep(settings, epsilons: [0.1, -1], classifier: model, images: images,
                                                           labels: labels)) {
            XCTAssertEqual(String(describing: $0), "sweep epsilons must be finite numbers ≥ 0 (got -1.0)")
        }
        settings.stepSize = 0.01
        XCTAssertThrowsError(try PixelAttacks.epsilonSweep(settings, epsilons: [0.1], classifier: model, images: images,
                                                           labels: labels)) {
            XCTAssertEqual(String(describing: $0), "an ε sweep derives PGD's step size from each ε; leave step_size unset")
        }
    }
}
