// PixelAttackPGDTests: FGSM and PGD against the linear softmax fake (exact gradients) and the tanh MLP —
// FGSM equals its closed form, PGD stays in the ε-ball ∩ [0, 1] for L∞ and L2, the L2 projection is the
// exact Euclidean projection, PGD never fools an image the linear model provably resists and finds most
// of those it does not, results are a function of the seed only (not of the batch size), restarts are never
// worse than one run, and the model calls counted equal the calls made.
import Basics
import Foundation
@testable import Vision
import XCTest

final class PixelAttackPGDTests: XCTestCase {
    let shape = ImageShape(channels: 1, height: 8, width: 8)

    private func image(_ images: [Float], _ n: Int, _ d: Int) -> [Float] { Array(images[(n * d)..<((n + 1) * d)]) }

    /// x + ε·sign(∇ₓ CE) clipped to [0, 1], from the fake's weights (not through the module).
    func testFGSMLinfEqualsClosedForm() throws {
        let model = LinearSoftmaxFake(shape: shape, classes: 5, scale: 3)
        let (images, labels) = try fakeData(model, count: 24, wrongEvery: 7)
        let epsilon: Float = 0.03
        let results = try PixelAttacks.run(PixelAttackSettings(kind: .fgsm, epsilon: epsilon), classifier: model,
                                           images: images, labels: labels, batchSize: 5)
        let d = shape.count
        XCTAssertEqual(results.count, 24)
        var attacked = 0, fooled = 0
        for (n, result) in results.enumerated() {
            let x = image(images, n, d)
            XCTAssertEqual(result.index, n)
            XCTAssertEqual(result.label, labels[n])
            if n % 7 == 0 {
                XCTAssertEqual(result.status, .skipped)
                XCTAssertEqual(result.adversarialImage, x)
                XCTAssertEqual(result.gradientEvaluations + result.queries, 0)
                continue
            }
            attacked += 1
            let z = try fakeLogits(model, x)
            let top = Double(z.max()!)
            let total = z.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) }
            let expected = (0..<d).map { i -> Float in
                var g: Double = 0
                for k in 0..<5 {
                    let p = Foundation.exp(Double(z[k]) - top) / total - (k == labels[n] ? 1 : 0)
                    g += p * model.weights[k * d + i]
                }
                let sign: Float = g > 0 ? 1 : (g < 0 ? -1 : 0)
                return min(max(x[i] + epsilon * sign, 0), 1)
            }
            XCTAssertEqual(result.adversarialImage, expected, "image \(n)")
            XCTAssertEqual(result.gradientEvaluations, 1)
            XCTAssertEqual(result.queries, 1)
            let after = try fakeLogits(model, expected)
            let prediction = after.indices.max { after[$0] < after[$1] }!
            XCTAssertEqual(result.adversarialPrediction, prediction)
            XCTAssertEqual(result.status, prediction == labels[n] ? .failed : .success)
            XCTAssertEqual(Double(result.loss), referenceCrossEntropy(after, label: labels[n]), accuracy: 1e-5)
            let others = after.enumerated().filter { $0.offset != labels[n] }.map(\.element).max()!
            XCTAssertEqual(result.margin, after[labels[n]] - others, accuracy: 1e-6)
            XCTAssertLessThanOrEqual(result.linfDistance, epsilon * (1 + 1e-6))
            if result.success { fooled += 1 }
        }
        XCTAssertEqual(attacked, 20)
        XCTAssertGreaterThan(fooled, 0, "ε should fool some images")
        XCTAssertLessThan(fooled, attacked, "ε should not fool every image")
    }

    /// x + ε·∇/‖∇‖₂ clipped to [0, 1].
    func testFGSML2EqualsClosedForm() throws {
        let model = LinearSoftmaxFake(shape: shape, classes: 4, scale: 3)
        let (images, labels) = try fakeData(model, count: 10)
        let epsilon: Float = 0.4
        let results = try PixelAttacks.fgsm(PixelAttackSettings(kind: .fgsm, norm: .l2, epsilon: epsilon), classifier: model,
                                            images: images, labels: labels)
        let d = shape.count
        for (n, result) in results.enumerated() {
            let x = image(images, n, d)
            let z = try fakeLogits(model, x)
            let top = Double(z.max()!)
            let total = z.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) }
            let g = (0..<d).map { i in
                (0..<4).reduce(0.0) { sum, k in
                    sum + (Foundation.exp(Double(z[k]) - top) / total - (k == labels[n] ? 1 : 0)) * model.weights[k * d + i]
                }
            }
            let length = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in 0..<d {
                let expected = min(max(Double(x[i]) + Double(epsilon) * g[i] / length, 0), 1)
                XCTAssertEqual(Double(result.adversarialImage[i]), expected, accuracy: 1e-6, "image \(n) pixel \(i)")
            }
            XCTAssertLessThanOrEqual(result.l2Distance, epsilon * (1 + 1e-5))
        }
    }

    private func assertInBall(_ results: [PixelAttackResult], images: [Float], norm: PixelNorm, epsilon: Float,
                              file: StaticString = #filePath, line: UInt = #line) {
        let d = shape.count
        for (n, result) in results.enumerated() {
            var largest: Float = 0, total: Double = 0
            for i in 0..<d {
                let pixel = result.adversarialImage[i]
                XCTAssertTrue(pixel >= 0 && pixel <= 1, "image \(n) pixel \(i) = \(pixel)", file: file, line: line)
                let delta = pixel - images[n * d + i]
                largest = max(largest, abs(delta))
                total += Double(delta) * Double(delta)
            }
            XCTAssertEqual(result.linfDistance, largest, file: file, line: line)
            XCTAssertEqual(Double(result.l2Distance), total.squareRoot(), accuracy: 1e-5, file: file, line: line)
            switch norm {
            case .linf: XCTAssertLessThanOrEqual(largest, epsilon + 1e-6, "image \(n)", file: file, line: line)
            case .l2: XCTAssertLessThanOrEqual(total.squareRoot(), Double(epsilon) * (1 + 1e-5) + 1e-6, "image \(n)",
                                               file: file, line: line)
            }
        }
    }

    func testPGDStaysInBallAndImage() throws {
        let model = TanhMLPFake(shape: shape, classes: 5)
        let (images, labels) = try fakeData(model, count: 16)
        for (norm, epsilon) in [(PixelNorm.linf, Float(0.05)), (.linf, 0.3), (.l2, 0.5), (.l2, 3)] {
            var settings = PixelAttackSettings(kind: .pgd, norm: norm, epsilon: epsilon, seed: 3)
            settings.steps = 15
            let results = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 6)
            assertInBall(results, images: images, norm: norm, epsilon: epsilon)
            // The larger radii reach the boundary somewhere (the ball is not trivially respected).
            let reach = results.map { norm == .linf ? $0.linfDistance : $0.l2Distance }.max()!
            XCTAssertGreaterThan(reach, epsilon * 0.9, "\(norm) ε \(epsilon)")
            for (n, result) in results.enumerated() {
                let z = try fakeLogits(model, result.adversarialImage)
                let prediction = z.indices.max { z[$0] < z[$1] }!
                XCTAssertEqual(result.adversarialPrediction, prediction, "image \(n)")
                XCTAssertEqual(result.success, prediction != labels[n])
                XCTAssertEqual(result.gradientEvaluations, 15)
                XCTAssertEqual(result.queries, 1)
            }
        }
    }

    /// L∞ projection is a clamp; L2 projection is feasible, idempotent, satisfies the projection's
    /// variational inequality ⟨v − p, q − p⟩ ≤ 0 for feasible q, and is never farther than scale-then-clip.
    func testProjectionsAreExact() {
        var random = SeededRandom(seed: 21)
        let d = 50
        var strictlyCloser = 0
        for trial in 0..<200 {
            let epsilon: Float = 0.05 + random.uniform() * 1.5
            // Clean pixels often at 0 or 1, where the box binds.
            let clean = (0..<d).map { _ -> Float in
                let u = random.uniform()
                return u < 0.2 ? 0 : (u > 0.8 ? 1 : random.uniform())
            }
            let v = (0..<d).map { clean[$0] + random.normal() * 0.4 }
            var projected = v
            clean.withUnsafeBufferPointer { c in
                projected.withUnsafeMutableBufferPointer { p in
                    PixelGeometry.project(.l2, p.baseAddress!, clean: c.baseAddress!, epsilon: epsilon, count: d)
                }
            }
            let distance = zip(projected, clean).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            XCTAssertLessThanOrEqual(distance, Double(epsilon) * (1 + 1e-5) + 1e-6, "trial \(trial)")
            XCTAssertTrue(projected.allSatisfy { $0 >= 0 && $0 <= 1 })
            var again = projected
            clean.withUnsafeBufferPointer { c in
                again.withUnsafeMutableBufferPointer { p in
                    PixelGeometry.project(.l2, p.baseAddress!, clean: c.baseAddress!, epsilon: epsilon, count: d)
                }
            }
            for i in 0..<d { XCTAssertEqual(again[i], projected[i], accuracy: 1e-6) }
            for _ in 0..<20 {
                // A feasible q: a random offset scaled into the ball, then clipped (clipping keeps it inside).
                var q = (0..<d).map { _ in random.normal() }
                let length = q.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
                let radius = Double(epsilon) * Double(random.uniform())
                q = (0..<d).map { min(max(clean[$0] + Float(Double(q[$0]) * radius / length), 0), 1) }
                let inner = (0..<d).reduce(0.0) { $0 + Double(v[$1] - projected[$1]) * Double(q[$1] - projected[$1]) }
                XCTAssertLessThanOrEqual(inner, 1e-5, "trial \(trial)")
            }
            // Scale into the ball, then clip: feasible but not the projection in general.
            let offset = (0..<d).map { Double(v[$0] - clean[$0]) }
            let length = offset.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = min(1, Double(epsilon) / length)
            let naive = (0..<d).map { min(max(Double(clean[$0]) + offset[$0] * scale, 0), 1) }
            let exactGap = (0..<d).reduce(0.0) { $0 + pow(Double(v[$1] - projected[$1]), 2) }
            let naiveGap = (0..<d).reduce(0.0) { $0 + pow(Double(v[$1]) - naive[$1], 2) }
            XCTAssertLessThanOrEqual(exactGap, naiveGap + 1e-6, "trial \(trial)")
            if exactGap < naiveGap - 1e-4 { strictlyCloser += 1 }
        }
        XCTAssertGreaterThan(strictlyCloser, 20, "the exact projection should often beat scale-then-clip")

        var x: [Float] = [0.5, 0.9, -0.2, 0.1]
        let clean: [Float] = [0.3, 0.95, 0.05, 0.1]
        clean.withUnsafeBufferPointer { c in
            x.withUnsafeMutableBufferPointer { p in
                PixelGeometry.project(.linf, p.baseAddress!, clean: c.baseAddress!, epsilon: 0.1, count: 4)
            }
        }
        XCTAssertEqual(x[0], 0.4, accuracy: 1e-7)
        XCTAssertEqual(x[1], 0.9, accuracy: 1e-7)
        XCTAssertEqual(x[2], 0, accuracy: 1e-7)
        XCTAssertEqual(x[3], 0.1, accuracy: 1e-7)
    }

    /// For a linear model the L∞ robustness of an image is exact: class j beats the label somewhere in
    /// the ball ∩ [0, 1] iff the margin minimised coordinate by coordinate is ≤ 0. PGD must never fool a
    /// provably robust image, and should find most of the others.
    func testPGDAgreesWithExactLinearRobustness() throws {
        let model = LinearSoftmaxFake(shape: shape, classes: 4, scale: 3)
        let (images, labels) = try fakeData(model, count: 60)
        let epsilon: Float = 0.04, d = shape.count
        var settings = PixelAttackSettings(kind: .pgd, epsilon: epsilon, seed: 1)
        settings.steps = 40
        let results = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels)
        var vulnerable = 0, found = 0
        for (n, result) in results.enumerated() {
            let y = labels[n]
            let z = try fakeLogits(model, image(images, n, d))
            var smallest = Double.infinity
            for j in 0..<4 where j != y {
                var margin = Double(z[y]) - Double(z[j])
                for i in 0..<d {
                    let w = model.weights[y * d + i] - model.weights[j * d + i]
                    let x = Double(images[n * d + i])
                    let low = max(-Double(epsilon), -x), high = min(Double(epsilon), 1 - x)
                    margin += min(w * low, w * high)
                }
                smallest = min(smallest, margin)
            }
            if smallest > 1e-4 { XCTAssertFalse(result.success, "image \(n) is provably robust but PGD reports success") }
            if smallest < -1e-4 {
                vulnerable += 1
                if result.success { found += 1 }
            }
        }
        XCTAssertGreaterThan(vulnerable, 10, "ε should make some images vulnerable")
        XCTAssertLessThan(vulnerable, 60, "ε should leave some images robust")
        XCTAssertGreaterThanOrEqual(Double(found), 0.9 * Double(vulnerable), "PGD found \(found) of \(vulnerable)")
    }

    func testResultsDependOnSeedNotOnBatching() throws {
        let model = TanhMLPFake(shape: shape, classes: 5)
        let (images, labels) = try fakeData(model, count: 13, wrongEvery: 5)
        for norm in PixelNorm.allCases {
            var settings = PixelAttackSettings(kind: .pgd, norm: norm, epsilon: norm == .linf ? 0.05 : 0.5, seed: 42)
            settings.steps = 8
            settings.restarts = 2
            let reference = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 64)
            XCTAssertEqual(try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 64), reference)
            XCTAssertEqual(try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 3), reference)
            // One image attacked alone, as image 7 of the same slice.
            let alone = try PixelAttacks.run(settings, classifier: model, images: image(images, 7, shape.count), labels: [labels[7]],
                                             firstIndex: 7)
            XCTAssertEqual(alone, [reference[7]])
            settings.seed = 43
            let other = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels)
            XCTAssertNotEqual(other.map(\.adversarialImage), reference.map(\.adversarialImage))
        }
    }

    func testRestartsAreNeverWorseThanOneRun() throws {
        let model = TanhMLPFake(shape: shape, classes: 5)
        let (images, labels) = try fakeData(model, count: 40)
        var settings = PixelAttackSettings(kind: .pgd, epsilon: 0.03, seed: 8)
        settings.steps = 5
        let once = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels)
        settings.restarts = 4
        let counting = CountingClassifier(model)
        let four = try PixelAttacks.run(settings, classifier: counting, images: images, labels: labels)
        var improved = 0
        for (a, b) in zip(once, four) {
            if a.success {
                XCTAssertEqual(b, a, "a first-run success is kept as it is")
            } else {
                XCTAssertTrue(b.success || b.loss >= a.loss, "image \(a.index): \(b.loss) < \(a.loss)")
                XCTAssertGreaterThan(b.gradientEvaluations, a.gradientEvaluations)
                if b.success || b.loss > a.loss { improved += 1 }
            }
        }
        XCTAssertGreaterThan(once.count(where: { $0.status == .failed }), 5, "the test needs images that survive one run")
        XCTAssertGreaterThan(improved, 0, "restarts should improve some image")
        let counts = counting.counts
        XCTAssertEqual(counts.gradients, four.reduce(0) { $0 + $1.gradientEvaluations })
        XCTAssertEqual(counts.logits, 40 + four.reduce(0) { $0 + $1.queries })
        XCTAssertLessThanOrEqual(counts.largestBatch, 40)
    }

    /// More steps cannot lower what PGD reaches when both start from the clean image with one step size:
    /// the longer run passes through the shorter run's iterates.
    func testLongerPGDReachesAtLeastTheShorterLoss() throws {
        let model = TanhMLPFake(shape: shape, classes: 5)
        let (images, labels) = try fakeData(model, count: 20)
        var settings = PixelAttackSettings(kind: .pgd, epsilon: 0.02, seed: 8)
        settings.randomStart = false
        settings.stepSize = 0.005
        settings.steps = 3
        let short = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels)
        settings.steps = 12
        let long = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels)
        for (a, b) in zip(short, long) {
            XCTAssertTrue((b.success && !a.success) || (b.success == a.success && b.loss >= a.loss), "image \(a.index)")
        }
        XCTAssertGreaterThan(zip(short, long).count(where: { $1.loss > $0.loss + 1e-4 }), 10)
    }
}
