// PixelAttackFakeGradientTests: the fake classifiers the pixel-attack tests run against — a linear softmax
// model on pixels, a two-layer tanh MLP (both with analytic gradients, computed in Double), wrappers that
// count calls, refuse gradients or answer NaN — and finite-difference checks of their gradients and of
// the attack losses' logit gradients, so the attack tests rest on verified derivatives.
import Basics
import Foundation
@testable import Vision
import XCTest

// MARK: Fakes

/// Seeded Gaussian weights.
func fakeWeights(_ count: Int, scale: Double, seed: UInt64) -> [Double] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in Double(random.normal()) * scale }
}

/// z = W·x + b on the raw pixels.
struct LinearSoftmaxFake: PixelClassifier {
    let shape: ImageShape
    let classCount: Int
    let weights: [Double]  // classCount × d
    let bias: [Double]

    init(shape: ImageShape, classes: Int, scale: Double = 1, seed: UInt64 = 1) {
        self.shape = shape
        classCount = classes
        let d = shape.count
        let weights = fakeWeights(classes * d, scale: scale / Double(d).squareRoot(), seed: seed)
        self.weights = weights
        // Centre the classes on mid-grey images so predictions vary across random images.
        bias = (0..<classes).map { k in -(0..<d).reduce(0) { $0 + weights[k * d + $1] * 0.5 } }
    }

    func logits(_ images: UnsafePointer<Float>, count: Int) throws -> [Float] {
        let d = shape.count
        var out = [Float](repeating: 0, count: count * classCount)
        for n in 0..<count {
            for k in 0..<classCount {
                var total = bias[k]
                for i in 0..<d { total += weights[k * d + i] * Double(images[n * d + i]) }
                out[n * classCount + k] = Float(total)
            }
        }
        return out
    }

    func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, pixelGradient: UnsafeMutablePointer<Float>,
                           logitGradient: ([Float]) -> [Float]) throws -> [Float] {
        let d = shape.count
        let z = try logits(images, count: count)
        let g = logitGradient(z)
        for n in 0..<count {
            for i in 0..<d {
                var total: Double = 0
                for k in 0..<classCount { total += Double(g[n * classCount + k]) * weights[k * d + i] }
                pixelGradient[n * d + i] = Float(total)
            }
        }
        return z
    }
}

/// z = W₂·tanh(W₁·x + b₁) + b₂.
struct TanhMLPFake: PixelClassifier {
    let shape: ImageShape
    let classCount: Int
    let hidden: Int
    let w1: [Double], b1: [Double], w2: [Double], b2: [Double]

    init(shape: ImageShape, classes: Int, hidden: Int = 16, scale: Double = 3, seed: UInt64 = 2) {
        self.shape = shape
        classCount = classes
        self.hidden = hidden
        let d = shape.count
        let w1 = fakeWeights(hidden * d, scale: scale / Double(d).squareRoot(), seed: seed)
        self.w1 = w1
        b1 = (0..<hidden).map { j in -(0..<d).reduce(0) { $0 + w1[j * d + $1] * 0.5 } }
        w2 = fakeWeights(classes * hidden, scale: 2 / Double(hidden).squareRoot(), seed: seed &+ 1)
        b2 = fakeWeights(classes, scale: 0.1, seed: seed &+ 2)
    }

    private func hiddenLayer(_ image: UnsafePointer<Float>) -> [Double] {
        let d = shape.count
        return (0..<hidden).map { j in
            var total = b1[j]
            for i in 0..<d { total += w1[j * d + i] * Double(image[i]) }
            return Foundation.tanh(total)
        }
    }

    func logits(_ images: UnsafePointer<Float>, count: Int) throws -> [Float] {
        var out = [Float](repeating: 0, count: count * classCount)
        for n in 0..<count {
            let h = hiddenLayer(images + n * shape.count)
            for k in 0..<classCount {
                var total = b2[k]
                for j in 0..<hidden { total += w2[k * hidden + j] * h[j] }
                out[n * classCount + k] = Float(total)
            }
        }
        return out
    }

    func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, pixelGradient: UnsafeMutablePointer<Float>,
                           logitGradient: ([Float]) -> [Float]) throws -> [Float] {
        let d = shape.count
        let z = try logits(images, count: count)
        let g = logitGradient(z)
        for n in 0..<count {
            let h = hiddenLayer(images + n * d)
            // d loss / d pre-activation = (W₂ᵀ g) ⊙ (1 − h²)
            var pre = [Double](repeating: 0, count: hidden)
            for j in 0..<hidden {
                var total: Double = 0
                for k in 0..<classCount { total += Double(g[n * classCount + k]) * w2[k * hidden + j] }
                pre[j] = total * (1 - h[j] * h[j])
            }
            for i in 0..<d {
                var total: Double = 0
                for j in 0..<hidden { total += pre[j] * w1[j * d + i] }
                pixelGradient[n * d + i] = Float(total)
            }
        }
        return z
    }
}

struct FakeClassifierError: Error, CustomStringConvertible {
    let description: String
}

/// Counts the images (rows) each method was asked about.
final class CountingClassifier<Inner: PixelClassifier>: PixelClassifier, @unchecked Sendable {
    let inner: Inner
    private let lock = NSLock()
    private var logitRows = 0
    private var gradientRows = 0
    private var largestBatch = 0

    init(_ inner: Inner) { self.inner = inner }

    var shape: ImageShape { inner.shape }
    var classCount: Int { inner.classCount }
    var counts: (logits: Int, gradients: Int, largestBatch: Int) {
        lock.lock(); defer { lock.unlock() }
        return (logitRows, gradientRows, largestBatch)
    }

    func logits(_ images: UnsafePointer<Float>, count: Int) throws -> [Float] {
        lock.lock(); logitRows += count; largestBatch = max(largestBatch, count); lock.unlock()
        return try inner.logits(images, count: count)
    }

    func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, pixelGradient: UnsafeMutablePointer<Float>,
                           logitGradient: ([Float]) -> [Float]) throws -> [Float] {
        lock.lock(); gradientRows += count; largestBatch = max(largestBatch, count); lock.unlock()
        return try inner.logitsAndGradient(images, count: count, pixelGradient: pixelGradient, logitGradient: logitGradient)
    }
}

/// Logits only: asking for a gradient fails.
struct GradientFreeClassifier<Inner: PixelClassifier>: PixelClassifier {
    let inner: Inner
    var shape: ImageShape { inner.shape }
    var classCount: Int { inner.classCount }
    func logits(_ images: UnsafePointer<Float>, count: Int) throws -> [Float] { try inner.logits(images, count: count) }
    func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, pixelGradient: UnsafeMutablePointer<Float>,
                           logitGradient: ([Float]) -> [Float]) throws -> [Float] {
        throw FakeClassifierError(description: "this classifier has no gradients")
    }
}

/// Answers NaN where told: in every logit of images whose first pixel exceeds `threshold` (clean or
/// not), in the logits of gradient calls, or in the pixel gradient.
struct NaNClassifier<Inner: PixelClassifier>: PixelClassifier {
    enum Where: Sendable { case cleanLogits(threshold: Float), gradientLogits, pixelGradient, wrongLogitCount }
    let inner: Inner
    let place: Where
    var shape: ImageShape { inner.shape }
    var classCount: Int { inner.classCount }

    func logits(_ images: UnsafePointer<Float>, count: Int) throws -> [Float] {
        var z = try inner.logits(images, count: count)
        switch place {
        case .cleanLogits(let threshold):
            for n in 0..<count where images[n * shape.count] > threshold {
                for k in 0..<classCount { z[n * classCount + k] = .nan }
            }
        case .wrongLogitCount:
            z.removeLast()
        default: break
        }
        return z
    }

    func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, pixelGradient: UnsafeMutablePointer<Float>,
                           logitGradient: ([Float]) -> [Float]) throws -> [Float] {
        var z = try inner.logitsAndGradient(images, count: count, pixelGradient: pixelGradient, logitGradient: logitGradient)
        switch place {
        case .gradientLogits: z[0] = .nan
        case .pixelGradient: pixelGradient[shape.count / 2] = .infinity
        default: break
        }
        return z
    }
}

// MARK: Data

/// `count` seeded random images in [0, 1] and labels: the classifier's clean predictions, except every
/// `wrongEvery`-th image (from 0), whose label is shifted to make it misclassified.
func fakeData(_ classifier: some PixelClassifier, count: Int, seed: UInt64 = 11, wrongEvery: Int? = nil) throws
    -> (images: [Float], labels: [Int]) {
    var random = SeededRandom(seed: seed)
    let images = (0..<(count * classifier.shape.count)).map { _ in random.uniform() }
    let logits = try images.withUnsafeBufferPointer { try classifier.logits($0.baseAddress!, count: count) }
    var labels = (0..<count).map { n in
        (0..<classifier.classCount).max { logits[n * classifier.classCount + $0] < logits[n * classifier.classCount + $1] } ?? 0
    }
    if let wrongEvery {
        for n in stride(from: 0, to: count, by: wrongEvery) { labels[n] = (labels[n] + 1) % classifier.classCount }
    }
    return (images, labels)
}

/// The logits of one image.
func fakeLogits(_ classifier: some PixelClassifier, _ image: [Float]) throws -> [Float] {
    try image.withUnsafeBufferPointer { try classifier.logits($0.baseAddress!, count: 1) }
}

/// Cross-entropy of one row in Double (independent of the module's losses).
func referenceCrossEntropy(_ z: [Float], label: Int) -> Double {
    let top = Double(z.max() ?? 0)
    return top + Foundation.log(z.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) }) - Double(z[label])
}

// MARK: Finite-difference checks

final class PixelAttackFakeGradientTests: XCTestCase {
    let shape = ImageShape(channels: 2, height: 6, width: 6)

    /// Checks the fake's pixel gradient of loss = Σ c·z against central differences of its logits.
    private func checkGradient(_ classifier: some PixelClassifier, tolerance: Double, file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let d = classifier.shape.count, classes = classifier.classCount
        var random = SeededRandom(seed: 5)
        let image = (0..<d).map { _ in 0.1 + 0.8 * random.uniform() }
        let coefficients = (0..<classes).map { _ in random.normal() }
        var gradient = [Float](repeating: 0, count: d)
        _ = try image.withUnsafeBufferPointer { x in
            try gradient.withUnsafeMutableBufferPointer { g in
                try classifier.logitsAndGradient(x.baseAddress!, count: 1, pixelGradient: g.baseAddress!) { _ in coefficients }
            }
        }
        func objective(_ x: [Float]) throws -> Double {
            let z = try fakeLogits(classifier, x)
            return zip(z, coefficients).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let h: Float = 1e-2
        var worst: Double = 0
        var largest: Double = 0
        for i in 0..<d {
            var plus = image, minus = image
            plus[i] += h
            minus[i] -= h
            let estimate = (try objective(plus) - objective(minus)) / Double(plus[i] - minus[i])
            worst = max(worst, abs(estimate - Double(gradient[i])))
            largest = max(largest, abs(Double(gradient[i])))
        }
        XCTAssertGreaterThan(largest, 0.05, "the gradient should not be trivially zero", file: file, line: line)
        XCTAssertLessThan(worst, tolerance * max(largest, 1), "largest finite-difference error \(worst)", file: file, line: line)
    }

    func testLinearFakeGradientMatchesFiniteDifferences() throws {
        try checkGradient(LinearSoftmaxFake(shape: shape, classes: 5, scale: 4), tolerance: 1e-3)
    }

    func testMLPFakeGradientMatchesFiniteDifferences() throws {
        try checkGradient(TanhMLPFake(shape: shape, classes: 5), tolerance: 2e-3)
    }

    /// The losses' logit gradients (what the attacks back-propagate) against central differences.
    func testLossGradientsMatchFiniteDifferences() {
        var random = SeededRandom(seed: 9)
        for loss in PixelAttackLoss.allCases {
            for trial in 0..<20 {
                let classes = 3 + trial % 5
                let label = trial % classes
                // Spread logits apart so that the orderings DLR and the margin depend on do not flip.
                let z = (0..<classes).map { Float($0) * 0.7 + random.uniform() * 0.3 }.shuffled(using: &random)
                var gradient = [Float](repeating: 0, count: classes)
                z.withUnsafeBufferPointer { zp in
                    gradient.withUnsafeMutableBufferPointer { g in
                        PixelLosses.gradient(loss, zp.baseAddress!, classes: classes, label: label, into: g.baseAddress!)
                    }
                }
                for k in 0..<classes {
                    let h: Float = 1e-3
                    var plus = z, minus = z
                    plus[k] += h
                    minus[k] -= h
                    let value = { (row: [Float]) in row.withUnsafeBufferPointer {
                        Double(PixelLosses.value(loss, $0.baseAddress!, classes: classes, label: label))
                    } }
                    let estimate = (value(plus) - value(minus)) / Double(plus[k] - minus[k])
                    XCTAssertEqual(Double(gradient[k]), estimate, accuracy: 2e-3, "\(loss) class \(k) of \(z), label \(label)")
                }
            }
        }
    }

    /// The module's cross-entropy against an independent formula, and DLR and margin on a worked example.
    func testLossValues() {
        let z: [Float] = [2, -1, 0.5, 3]
        z.withUnsafeBufferPointer { p in
            let row = p.baseAddress!
            XCTAssertEqual(Double(PixelLosses.value(.crossEntropy, row, classes: 4, label: 0)),
                           referenceCrossEntropy(z, label: 0), accuracy: 1e-6)
            // label 0: best other 3, sorted 3, 2, 0.5 → −(2 − 3)/(3 − 0.5) = 0.4
            XCTAssertEqual(PixelLosses.value(.dlr, row, classes: 4, label: 0), 0.4, accuracy: 1e-6)
            // label 3 (predicted): −(3 − 2)/(3 − 0.5) = −0.4
            XCTAssertEqual(PixelLosses.value(.dlr, row, classes: 4, label: 3), -0.4, accuracy: 1e-6)
            XCTAssertEqual(PixelLosses.margin(row, classes: 4, label: 2), -2.5)
            XCTAssertEqual(PixelLosses.value(.margin, row, classes: 4, label: 2), 2.5)
            XCTAssertEqual(PixelLosses.prediction(row, classes: 4), 3)
        }
    }
}
