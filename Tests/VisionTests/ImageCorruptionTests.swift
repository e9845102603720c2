// ImageCorruptionTests: the common corruptions — formulas by hand (contrast, brightness, rotation, blur
// weights), strictly stronger from severity 1 to 5 (mean absolute change), deterministic and independent
// of the batch, pixels in [0, 1], and the suite's entries and errors.
import Basics
import XCTest
@testable import Vision

final class ImageCorruptionTests: XCTestCase {
    typealias T = AugmentationTestImages
    let shape = ImageShape(channels: 1, height: 28, width: 28)

    func corrupted(_ corruption: ImageCorruption, severity: Int, _ images: [Float], seed: UInt64 = 1,
                   indices: [Int]? = nil) throws -> [Float] {
        var copy = images
        let count = images.count / shape.count
        try corruption.apply(images: &copy, count: count, shape: shape, severity: severity, seed: seed,
                             indices: indices ?? Array(0..<count))
        return copy
    }

    func meanAbsoluteChange(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double(abs($1.0 - $1.1)) } / Double(a.count)
    }

    func testSeveritiesGetStrictlyStronger() throws {
        let images = (0..<4).flatMap { T.garment(variant: $0) }
        for corruption in ImageCorruption.allCases {
            var previous = 0.0
            var changes: [Double] = []
            for severity in 1...5 {
                let change = meanAbsoluteChange(try corrupted(corruption, severity: severity, images), images)
                changes.append(change)
                XCTAssertGreaterThan(change, previous, "\(corruption.rawValue): severity \(severity) is not stronger than \(severity - 1): \(changes)")
                previous = change
            }
        }
    }

    func testDeterministicAndIndependentOfTheBatch() throws {
        let a = T.garment(variant: 1), b = T.garment(variant: 2)
        for corruption in ImageCorruption.allCases {
            for severity in [1, 5] {
                let first = try corrupted(corruption, severity: severity, a + b, seed: 3, indices: [40, 41])
                let again = try corrupted(corruption, severity: severity, a + b, seed: 3, indices: [40, 41])
                XCTAssertEqual(T.bits(first), T.bits(again), corruption.rawValue)
                let swapped = try corrupted(corruption, severity: severity, b + a, seed: 3, indices: [41, 40])
                XCTAssertEqual(T.bits(Array(first[0..<784])), T.bits(Array(swapped[784..<1568])), corruption.rawValue)
                XCTAssertEqual(T.bits(Array(first[784..<1568])), T.bits(Array(swapped[0..<784])), corruption.rawValue)
                let alone = try corrupted(corruption, severity: severity, b, seed: 3, indices: [41])
                XCTAssertEqual(T.bits(alone), T.bits(Array(first[784..<1568])), corruption.rawValue)
            }
        }
        // The random ones change with the seed.
        for corruption in [ImageCorruption.gaussianNoise] {
            XCTAssertNotEqual(try corrupted(corruption, severity: 3, a, seed: 1), try corrupted(corruption, severity: 3, a, seed: 2))
        }
    }

    func testPixelsStayInUnitRange() throws {
        let images = T.random(count: 3, shape: shape, seed: 8) + T.garment()
        for corruption in ImageCorruption.allCases {
            for severity in 1...5 {
                T.assertInUnitRange(try corrupted(corruption, severity: severity, images), "\(corruption.rawValue) \(severity)")
            }
        }
    }

    func testFormulasByHand() throws {
        let image = T.garment()
        let mean = image.reduce(0, +) / 784
        // Contrast at severity 1: (x − m)·0.75 + m.
        let contrasted = try corrupted(.contrast, severity: 1, image)
        for i in stride(from: 0, to: 784, by: 37) {
            XCTAssertEqual(contrasted[i], (image[i] - mean) * 0.75 + mean, accuracy: 1e-5)
        }
        // Brightness at severity 5: x + 0.3, clamped.
        let brighter = try corrupted(.brightness, severity: 5, image)
        for i in 0..<784 { XCTAssertEqual(brighter[i], min(image[i] + 0.3, 1)) }
        // Rotation at severity 3: ±0.6 rad about the centre.
        let rotated = try corrupted(.rotation, severity: 3, image)
        var plus = [Float](repeating: 0, count: 784), minus = [Float](repeating: 0, count: 784)
        PixelOperations.warp(image, into: &plus, shape: shape, map: .rotation(degrees: 0.6 * 180 / Double.pi))
        PixelOperations.warp(image, into: &minus, shape: shape, map: .rotation(degrees: -0.6 * 180 / Double.pi))
        XCTAssertTrue(rotated == plus || rotated == minus)
        // Noise at severity 2: clip(x + 0.06·n); the residual of unclipped pixels has σ near 0.06.
        let noisy = try corrupted(.gaussianNoise, severity: 2, [Float](repeating: 0.5, count: 784))
        let residuals = noisy.map { Double($0 - 0.5) }
        let sigma = (residuals.map { $0 * $0 }.reduce(0, +) / 784).squareRoot()
        XCTAssertEqual(sigma, 0.06, accuracy: 0.006)
    }

    /// Blur: a constant image stays constant (nearest border); a single bright pixel spreads with the
    /// normalised Gaussian weights, σ = 1 (severity 5) truncated at 4 pixels.
    func testGaussianBlurWeights() throws {
        let flat = try corrupted(.gaussianBlur, severity: 5, [Float](repeating: 0.4, count: 784))
        for value in flat { XCTAssertEqual(value, 0.4, accuracy: 1e-6) }
        var dot = [Float](repeating: 0, count: 784)
        dot[14 * 28 + 14] = 1
        let blurred = try corrupted(.gaussianBlur, severity: 5, dot)
        let weights = (-4...4).map { exp(-Double($0 * $0) / 2) }
        let total = weights.reduce(0, +)
        XCTAssertEqual(Double(blurred[14 * 28 + 14]), (weights[4] / total) * (weights[4] / total), accuracy: 1e-6)
        XCTAssertEqual(Double(blurred[14 * 28 + 16]), (weights[4] / total) * (weights[6] / total), accuracy: 1e-6)
        XCTAssertEqual(Double(blurred[17 * 28 + 13]), (weights[7] / total) * (weights[3] / total), accuracy: 1e-6)
        XCTAssertEqual(blurred[14 * 28 + 19], 0, "beyond the 4-pixel radius")
        XCTAssertEqual(Double(blurred.reduce(0, +)), 1, accuracy: 1e-5)
        XCTAssertEqual(PixelOperations.gaussianRadius(sigma: 0.4), 2)
    }

    func testSuite() throws {
        let suite = CorruptionSuite.standard
        XCTAssertEqual(suite.entries.count, 25)
        XCTAssertEqual(suite.entries.first?.name, "gaussian_noise-1")
        XCTAssertEqual(suite.entries.last?.name, "rotation-5")
        XCTAssertEqual(Set(suite.entries).count, 25)
        for entry in suite.entries { XCTAssertEqual(CorruptionSuite.Entry(name: entry.name), entry) }
        XCTAssertNil(CorruptionSuite.Entry(name: "contrast-6"))
        XCTAssertNil(CorruptionSuite.Entry(name: "fog-1"))
        XCTAssertEqual(CorruptionSuite(corruptions: [.contrast], severities: [2, 4]).entries,
                       [CorruptionSuite.Entry(.contrast, severity: 2), CorruptionSuite.Entry(.contrast, severity: 4)])
        var images = T.garment()
        try suite.apply(CorruptionSuite.Entry(.brightness, severity: 1), images: &images, count: 1, shape: shape, seed: 0, indices: [0])
        XCTAssertEqual(images, T.garment().map { min($0 + 0.05, 1) })
        XCTAssertThrowsError(try suite.apply(CorruptionSuite.Entry(.contrast, severity: 0), images: &images, count: 1, shape: shape,
                                             seed: 0, indices: [0])) { error in
            XCTAssertEqual("\(error)", "severity 0 of contrast is outside 1…5")
        }
        XCTAssertThrowsError(try ImageCorruption.contrast.apply(images: &images, count: 1, shape: shape, severity: 1, seed: 0, indices: [])) { error in
            XCTAssertEqual("\(error)", "0 example indices for 1 images")
        }
        XCTAssertEqual(ImageCorruption.gaussianBlur.parameters, [0.4, 0.6, 0.7, 0.8, 1.0])
        XCTAssertEqual(ImageCorruption.rotation.parameter(severity: 5), 1.0)
    }
}
