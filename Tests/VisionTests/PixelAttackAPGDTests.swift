// PixelAttackAPGDTests: APGD-CE and APGD-DLR against the tanh MLP fake — with PGD's budget it reaches at
// least PGD's loss on most images, spends exactly its budget (counted by the classifier), stays in the
// ball for L∞ and L2, and its checkpoints follow the paper's schedule.
import Basics
import Foundation
@testable import Vision
import XCTest

final class PixelAttackAPGDTests: XCTestCase {
    let shape = ImageShape(channels: 2, height: 6, width: 6)

    func testCheckpointsFollowThePaper() {
        // p: 0, 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99 (p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06))
        XCTAssertEqual(APGDRun.checkpoints(iterations: 100, first: 0.22, decrement: 0.03, minimum: 0.06),
                       [22, 41, 57, 70, 80, 87, 93, 99])
        XCTAssertEqual(APGDRun.checkpoints(iterations: 200, first: 0.22, decrement: 0.03, minimum: 0.06),
                       [44, 82, 114, 140, 160, 174, 186, 198])
        XCTAssertEqual(APGDRun.checkpoints(iterations: 10, first: 0.22, decrement: 0.03, minimum: 0.06), [3, 5, 6, 7, 8, 9])
        XCTAssertEqual(APGDRun.checkpoints(iterations: 1, first: 0.22, decrement: 0.03, minimum: 0.06), [])
    }

    func testStepHalvingConditions() {
        func halves(_ increases: Int, _ interval: Int, halvedBefore: Bool, bestBefore: Float, best: Float) -> Bool {
            APGDRun.halves(increases: increases, interval: interval, rho: 0.75, halvedAtLastCheckpoint: halvedBefore,
                           bestAtLastCheckpoint: bestBefore, best: best)
        }
        // Condition 1: fewer than 0.75·16 = 12 increases.
        XCTAssertTrue(halves(11, 16, halvedBefore: true, bestBefore: 1, best: 2))
        XCTAssertFalse(halves(12, 16, halvedBefore: true, bestBefore: 1, best: 2))
        XCTAssertTrue(halves(0, 1, halvedBefore: true, bestBefore: 1, best: 2))
        XCTAssertFalse(halves(1, 1, halvedBefore: true, bestBefore: 1, best: 2))
        // Condition 2: not halved last time and no improvement since (equal counts as none).
        XCTAssertTrue(halves(16, 16, halvedBefore: false, bestBefore: 2, best: 2))
        XCTAssertTrue(halves(16, 16, halvedBefore: false, bestBefore: 3, best: 2))
        XCTAssertFalse(halves(16, 16, halvedBefore: false, bestBefore: 1.9, best: 2))
        XCTAssertFalse(halves(16, 16, halvedBefore: true, bestBefore: 2, best: 2))
    }

    /// Images of one pixel x with logits [1 + ½·sin(ωx), 0] and label 0: never fooled, and the loss
    /// log(1 + e^{−z₀}) has many local maxima, so APGD's step halving and its returns to the best point
    /// decide where it ends.
    struct SineFake: PixelClassifier {
        let omega: Double
        var shape: ImageShape { ImageShape(channels: 1, height: 1, width: 1) }
        var classCount: Int { 2 }
        func logits(_ images: UnsafePointer<Float>, count: Int) throws -> [Float] {
            (0..<count).flatMap { [Float(1 + 0.5 * Foundation.sin(omega * Double(images[$0]))), 0] }
        }
        func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, pixelGradient: UnsafeMutablePointer<Float>,
                               logitGradient: ([Float]) -> [Float]) throws -> [Float] {
            let z = try logits(images, count: count)
            let g = logitGradient(z)
            for n in 0..<count {
                pixelGradient[n] = Float(Double(g[2 * n]) * 0.5 * omega * Foundation.cos(omega * Double(images[n])))
            }
            return z
        }
    }

    /// Algorithm 1 of Croce & Hein (2020) for one pixel, written out here from the paper.
    private func referenceAPGD(_ model: SineFake, clean: Float, epsilon: Float, iterations: Int, checkpoints: [Int])
        throws -> (best: Float, loss: Float) {
        let low = max(clean - epsilon, 0), high = min(clean + epsilon, 1)
        func evaluate(_ x: Float) throws -> (loss: Float, gradient: Float) {
            var gradient: Float = 0
            let z = try [x].withUnsafeBufferPointer { p in
                try model.logitsAndGradient(p.baseAddress!, count: 1, pixelGradient: &gradient) { z in
                    let p0 = 1 / (1 + Foundation.exp(Double(z[1] - z[0])))
                    return [Float(p0 - 1), Float(1 - p0)]
                }
            }
            return (Float(referenceCrossEntropy(z, label: 0)), gradient)
        }
        var x = clean, previous = clean
        var (loss, gradient) = try evaluate(x)
        var best = x, bestGradient = gradient, bestLoss = loss, lastLoss = loss
        var step = 2 * epsilon, increases = 0, halvedAtLastCheck = true, bestAtLastCheck = bestLoss, lastCheckpoint = 0
        for k in 0..<iterations {
            let alpha: Float = k == 0 ? 1 : 0.75
            let sign: Float = gradient > 0 ? 1 : (gradient < 0 ? -1 : 0)
            let z = min(max(x + step * sign, low), high)
            let next = min(max(x + alpha * (z - x) + (1 - alpha) * (x - previous), low), high)
            previous = x
            x = next
            (loss, gradient) = try evaluate(x)
            if loss > lastLoss { increases += 1 }
            lastLoss = loss
            if loss > bestLoss { (best, bestGradient, bestLoss) = (x, gradient, loss) }
            if checkpoints.contains(k + 1) {
                let condition1 = Double(increases) < 0.75 * Double(k + 1 - lastCheckpoint)
                let condition2 = !halvedAtLastCheck && bestAtLastCheck >= bestLoss
                halvedAtLastCheck = condition1 || condition2
                bestAtLastCheck = bestLoss
                increases = 0
                lastCheckpoint = k + 1
                if halvedAtLastCheck {
                    step /= 2
                    x = best
                    gradient = bestGradient
                }
            }
        }
        return (best, bestLoss)
    }

    func testAPGDMatchesAReferenceOnOnePixel() throws {
        // ⌈p·N⌉ for p = 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93 (and 0.99 below N = 100).
        let schedules = [30: [7, 13, 18, 21, 24, 27, 28], 100: [22, 41, 57, 70, 80, 87, 93, 99]]
        for (n, list) in schedules {
            XCTAssertEqual(APGDRun.checkpoints(iterations: n, first: 0.22, decrement: 0.03, minimum: 0.06), list)
        }
        var random = SeededRandom(seed: 12)
        let images = (0..<40).map { _ in random.uniform() }
        let labels = [Int](repeating: 0, count: 40)
        for (omega, epsilon, iterations) in [(37.0, Float(0.3), 30), (8, 0.2, 100), (20, 0.1, 100), (3, 0.5, 100), (60, 0.05, 100)] {
            let model = SineFake(omega: omega)
            for norm in PixelNorm.allCases {
                var settings = PixelAttackSettings(kind: .apgdCE, norm: norm, epsilon: epsilon)
                settings.steps = iterations
                settings.randomStart = false
                let results = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 16)
                var raised = 0
                for (n, result) in results.enumerated() {
                    let reference = try referenceAPGD(model, clean: images[n], epsilon: epsilon, iterations: iterations,
                                                      checkpoints: schedules[iterations]!)
                    let context = "ω \(omega) ε \(epsilon) N \(iterations) \(norm) image \(n)"
                    XCTAssertEqual(result.status, .failed)
                    XCTAssertEqual(result.adversarialImage[0], reference.best, accuracy: 1e-6, context)
                    XCTAssertEqual(result.loss, reference.loss, accuracy: 1e-6, context)
                    if result.loss > Float(referenceCrossEntropy(try fakeLogits(model, [images[n]]), label: 0)) + 1e-4 { raised += 1 }
                }
                // The attack raises the loss above the clean one on most images.
                XCTAssertGreaterThan(raised, 30)
            }
        }
    }

    /// The same number of gradient evaluations; APGD's loss should be at least PGD's on most images.
    func testAPGDReachesAtLeastPGDLossOnMostImages() throws {
        let model = TanhMLPFake(shape: shape, classes: 6, hidden: 24, seed: 4)
        let (images, labels) = try fakeData(model, count: 48, seed: 3)
        let steps = 40
        for (norm, epsilon) in [(PixelNorm.linf, Float(0.02)), (.l2, 0.2)] {
            var pgd = PixelAttackSettings(kind: .pgd, norm: norm, epsilon: epsilon, seed: 5)
            pgd.steps = steps
            var apgd = PixelAttackSettings(kind: .apgdCE, norm: norm, epsilon: epsilon, seed: 5)
            apgd.steps = steps
            let pgdResults = try PixelAttacks.run(pgd, classifier: model, images: images, labels: labels)
            let counting = CountingClassifier(model)
            let apgdResults = try PixelAttacks.run(apgd, classifier: counting, images: images, labels: labels, batchSize: 20)
            var atLeast = 0
            for (a, p) in zip(apgdResults, pgdResults) {
                XCTAssertEqual(a.gradientEvaluations, steps, "APGD spends its budget exactly")
                XCTAssertEqual(a.queries, 1)
                XCTAssertEqual(p.gradientEvaluations, steps)
                // The loss at the returned image, cross-checked against the fake.
                let z = try fakeLogits(model, a.adversarialImage)
                XCTAssertEqual(Double(a.loss), referenceCrossEntropy(z, label: a.label), accuracy: 1e-4)
                if a.loss >= p.loss - 1e-5 { atLeast += 1 }
            }
            let counts = counting.counts
            XCTAssertEqual(counts.gradients, 48 * steps)
            XCTAssertEqual(counts.logits, 48 + 48)
            XCTAssertLessThanOrEqual(counts.largestBatch, 20)
            let summary = (PixelAttackSummary(apgdResults), PixelAttackSummary(pgdResults))
            XCTAssertGreaterThanOrEqual(Double(atLeast), 0.85 * 48, "\(norm): APGD ≥ PGD loss on \(atLeast) of 48")
            XCTAssertGreaterThanOrEqual(summary.0.successes, summary.1.successes, "\(norm)")
            XCTAssertGreaterThan(summary.1.robustCorrect, 5, "\(norm): ε should leave PGD some robust images")
            XCTAssertGreaterThan(summary.0.successes, 5, "\(norm): ε should let APGD fool some images")
            for result in apgdResults {
                let reach = norm == .linf ? result.linfDistance : result.l2Distance
                XCTAssertLessThanOrEqual(reach, epsilon * (1 + 1e-5) + 1e-6)
                XCTAssertTrue(result.adversarialImage.allSatisfy { $0 >= 0 && $0 <= 1 })
            }
        }
    }

    /// A bad constant step size hurts PGD, not APGD (which adapts): with PGD's step far too small for ε,
    /// APGD's loss is higher on nearly every image.
    func testAPGDAdaptsWherePGDStepIsPoor() throws {
        let model = TanhMLPFake(shape: shape, classes: 6, hidden: 24, seed: 4)
        let (images, labels) = try fakeData(model, count: 24, seed: 3)
        var pgd = PixelAttackSettings(kind: .pgd, epsilon: 0.1, seed: 5)
        pgd.steps = 20
        pgd.stepSize = 0.0005
        pgd.randomStart = false
        var apgd = PixelAttackSettings(kind: .apgdCE, epsilon: 0.1, seed: 5)
        apgd.steps = 20
        apgd.randomStart = false
        let p = try PixelAttacks.run(pgd, classifier: model, images: images, labels: labels)
        let a = try PixelAttacks.run(apgd, classifier: model, images: images, labels: labels)
        XCTAssertGreaterThanOrEqual(zip(a, p).count(where: { $0.loss > $1.loss }), 22)
    }

    func testAPGDDLRRunsAndNeedsThreeClasses() throws {
        let model = TanhMLPFake(shape: shape, classes: 5)
        let (images, labels) = try fakeData(model, count: 10)
        var settings = PixelAttackSettings(kind: .apgdDLR, epsilon: 0.05, seed: 1)
        settings.steps = 10
        let results = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels)
        for result in results {
            let z = try fakeLogits(model, result.adversarialImage)
            let sorted = z.sorted(by: >)
            let others = z.enumerated().filter { $0.offset != result.label }.map(\.element).max()!
            let dlr = -(Double(z[result.label]) - Double(others)) / (Double(sorted[0]) - Double(sorted[2]) + 1e-12)
            XCTAssertEqual(Double(result.loss), dlr, accuracy: 1e-4)
            XCTAssertLessThanOrEqual(result.linfDistance, 0.05 + 1e-6)
        }
        let binary = TanhMLPFake(shape: shape, classes: 2)
        let (few, fewLabels) = try fakeData(binary, count: 2)
        XCTAssertThrowsError(try PixelAttacks.run(settings, classifier: binary, images: few, labels: fewLabels)) {
            XCTAssertEqual(String(describing: $0), "the dlr loss needs at least 3 classes (the classifier has 2)")
        }
    }

    func testAPGDIsDeterministicAcrossBatchSizes() throws {
        let model = TanhMLPFake(shape: shape, classes: 5)
        let (images, labels) = try fakeData(model, count: 9, wrongEvery: 4)
        var settings = PixelAttackSettings(kind: .apgdCE, norm: .l2, epsilon: 0.3, seed: 77)
        settings.steps = 12
        settings.restarts = 2
        let a = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 2)
        let b = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 9)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.filter { $0.status == .skipped }.map(\.index), [0, 4, 8])
    }
}
