// ImageAugmentationOperationTests: each pixel operation against values computed by hand on tiny images —
// flip, whole-pixel shifts and random crop, quarter-turn rotation against transpose-and-flip, translation,
// zoom, brightness and contrast formulas, random erasing's box, RandAugment's operations and magnitude
// mapping — and that every operation keeps pixels in [0, 1].
import Basics
import XCTest
@testable import Vision

/// Small helpers for the image augmentation and corruption tests (a prefix keeps them apart from other test files).
enum AugmentationTestImages {
    /// `values` run through `body` as a mutable image.
    static func transformed(_ values: [Float], _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            body(base)
        }
        return copy
    }

    /// A 28×28 grey image like a Fashion-MNIST garment: black background, an ellipse of textured grey.
    static func garment(variant: Int = 0) -> [Float] {
        var image = [Float](repeating: 0, count: 28 * 28)
        for y in 0..<28 {
            for x in 0..<28 {
                let dx = (Double(x) - 13.5) / 9, dy = (Double(y) - 13.5) / 12
                if dx * dx + dy * dy <= 1 {
                    image[y * 28 + x] = 0.3 + 0.6 * Float((x + 2 * y + variant) % 7) / 6
                }
            }
        }
        return image
    }

    /// `count` images of `shape` with uniform random pixels.
    static func random(count: Int, shape: ImageShape, seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<(count * shape.count)).map { _ in random.uniform() }
    }

    static func assertInUnitRange(_ values: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        if let bad = values.first(where: { !($0 >= 0 && $0 <= 1) }) {
            XCTFail("\(message): pixel \(bad) outside [0, 1]", file: file, line: line)
        }
    }

    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
}

final class ImageAugmentationOperationTests: XCTestCase {
    typealias T = AugmentationTestImages

    // MARK: Flip, shift, crop

    func testFlipOfTwoByThree() {
        let shape = ImageShape(channels: 1, height: 2, width: 3)
        XCTAssertEqual(T.transformed([1, 2, 3, 4, 5, 6]) { PixelOperations.flipHorizontal($0, shape: shape) }, [3, 2, 1, 6, 5, 4])
        // Two channels flip independently; an even width too.
        let two = ImageShape(channels: 2, height: 1, width: 4)
        XCTAssertEqual(T.transformed([1, 2, 3, 4, 5, 6, 7, 8]) { PixelOperations.flipHorizontal($0, shape: two) }, [4, 3, 2, 1, 8, 7, 6, 5])
    }

    func testShiftByWholePixelsIsExact() {
        let shape = ImageShape(channels: 1, height: 3, width: 3)
        let image: [Float] = [1, 2, 3,
                              4, 5, 6,
                              7, 8, 9]
        var out = [Float](repeating: -1, count: 9)
        PixelOperations.shift(image, into: &out, shape: shape, dx: 1, dy: -1)
        // Right by one, up by one: new column 0 and bottom row are 0.
        XCTAssertEqual(out, [0, 4, 5,
                             0, 7, 8,
                             0, 0, 0])
        PixelOperations.shift(image, into: &out, shape: shape, dx: -2, dy: 2)
        XCTAssertEqual(out, [0, 0, 0,
                             0, 0, 0,
                             3, 0, 0])
        PixelOperations.shift(image, into: &out, shape: shape, dx: 3, dy: 0)
        XCTAssertEqual(out, [Float](repeating: 0, count: 9), "a shift by the whole width leaves nothing")
    }

    /// Random crop with padding P is a whole-pixel shift by some (dx, dy) in −P…P each way, and every one
    /// of the (2P + 1)² offsets occurs.
    func testRandomCropWithPaddingShiftsExactly() {
        let shape = ImageShape(channels: 1, height: 6, width: 6)
        let image = (0..<36).map { Float($0 + 1) / 36 }   // all distinct: the shift is identifiable
        let padding = 2
        let workspace = AugmentationWorkspace(imageCount: shape.count)
        var seen = Set<[Int]>()
        for seed in 0..<300 {
            var random = SeededRandom(seed: UInt64(seed))
            let out = T.transformed(image) {
                ImageOperation.randomCrop(padding: padding).apply($0, shape: shape, random: &random, workspace: workspace)
            }
            var matches: [[Int]] = []
            for dy in -padding...padding {
                for dx in -padding...padding {
                    var shifted = [Float](repeating: 0, count: 36)
                    PixelOperations.shift(image, into: &shifted, shape: shape, dx: dx, dy: dy)
                    if shifted == out { matches.append([dx, dy]) }
                }
            }
            XCTAssertEqual(matches.count, 1, "seed \(seed): the crop is not one whole-pixel shift within ±\(padding)")
            if let match = matches.first { seen.insert(match) }
        }
        XCTAssertEqual(seen.count, 25, "every offset of −2…2 × −2…2 occurs")
    }

    // MARK: Warps

    func testQuarterTurnIsTransposeThenFlip() {
        for side in [4, 5] {
            let shape = ImageShape(channels: 2, height: side, width: side)
            let image = (0..<shape.count).map { Float($0) / Float(shape.count) }
            var counterClockwise = [Float](repeating: 0, count: shape.count)
            var clockwise = [Float](repeating: 0, count: shape.count)
            PixelOperations.warp(image, into: &counterClockwise, shape: shape, map: .rotation(degrees: 90))
            PixelOperations.warp(image, into: &clockwise, shape: shape, map: .rotation(degrees: -90))
            let plane = side * side
            for c in 0..<2 {
                for y in 0..<side {
                    for x in 0..<side {
                        // numpy's rot90: out[y][x] = in[x][side − 1 − y] (counter-clockwise on screen).
                        XCTAssertEqual(counterClockwise[c * plane + y * side + x], image[c * plane + x * side + (side - 1 - y)],
                                       accuracy: 1e-5, "side \(side) (\(x), \(y))")
                        XCTAssertEqual(clockwise[c * plane + y * side + x], image[c * plane + (side - 1 - x) * side + y],
                                       accuracy: 1e-5, "side \(side) (\(x), \(y))")
                    }
                }
            }
        }
    }

    func testRotationByZeroIsExactAndByHalfTurnFlipsBothWays() {
        let shape = ImageShape(channels: 1, height: 3, width: 4)
        let image = (0..<12).map { Float($0) / 12 }
        var out = [Float](repeating: 0, count: 12)
        PixelOperations.warp(image, into: &out, shape: shape, map: .rotation(degrees: 0))
        XCTAssertEqual(out, image)
        PixelOperations.warp(image, into: &out, shape: shape, map: .rotation(degrees: 180))
        for i in 0..<12 { XCTAssertEqual(out[i], image[11 - i], accuracy: 1e-5) }
    }

    func testTranslationByWholePixels() {
        let shape = ImageShape(channels: 1, height: 4, width: 5)
        let image = (0..<20).map { Float($0 + 1) / 20 }
        var warped = [Float](repeating: 0, count: 20), shifted = [Float](repeating: 0, count: 20)
        for (dx, dy) in [(2, -1), (-3, 2), (0, 0), (1, 3)] {
            PixelOperations.warp(image, into: &warped, shape: shape, map: .translation(dx: Double(dx), dy: Double(dy)))
            PixelOperations.shift(image, into: &shifted, shape: shape, dx: dx, dy: dy)
            XCTAssertEqual(warped, shifted, "translation by (\(dx), \(dy)) through the warp")
        }
        // By hand: right by 2, up by 1.
        PixelOperations.shift(image, into: &shifted, shape: shape, dx: 2, dy: -1)
        XCTAssertEqual(Array(shifted[0..<5]), [0, 0, image[5], image[6], image[7]])
        XCTAssertEqual(Array(shifted[15..<20]), [0, 0, 0, 0, 0])
    }

    /// The recipe's translation op draws a whole-pixel shift within ±round(f·size).
    func testTranslationOperationShiftsWithinItsRange() {
        let shape = ImageShape(channels: 1, height: 10, width: 10)
        let image = (0..<100).map { Float($0 + 1) / 100 }
        let workspace = AugmentationWorkspace(imageCount: 100)
        var seen = Set<[Int]>()
        for seed in 0..<200 {
            var random = SeededRandom(seed: UInt64(seed))
            let out = T.transformed(image) {
                ImageOperation.translation(x: 0.2, y: 0.1).apply($0, shape: shape, random: &random, workspace: workspace)
            }
            var found: [Int]?
            for dy in -1...1 {
                for dx in -2...2 {
                    var shifted = [Float](repeating: 0, count: 100)
                    PixelOperations.shift(image, into: &shifted, shape: shape, dx: dx, dy: dy)
                    if shifted == out { found = [dx, dy] }
                }
            }
            guard let found else { return XCTFail("seed \(seed): not a shift within ±2, ±1") }
            seen.insert(found)
        }
        XCTAssertEqual(seen.count, 15)
    }

    func testZoomAboutTheCentre() {
        let shape = ImageShape(channels: 1, height: 5, width: 5)
        let image = (0..<25).map { Float($0) / 25 }
        var out = [Float](repeating: 0, count: 25)
        PixelOperations.warp(image, into: &out, shape: shape, map: .scaling(2))
        // Output (x, y) reads the source at 2 + (x − 2)/2, 2 + (y − 2)/2.
        XCTAssertEqual(out[2 * 5 + 2], image[2 * 5 + 2], accuracy: 1e-6, "the centre stays")
        XCTAssertEqual(out[2 * 5 + 3], (image[2 * 5 + 2] + image[2 * 5 + 3]) / 2, accuracy: 1e-6)
        XCTAssertEqual(out[4 * 5 + 4], image[3 * 5 + 3], accuracy: 1e-6)
        XCTAssertEqual(out[0], image[1 * 5 + 1], accuracy: 1e-6)
        XCTAssertEqual(out[1 * 5 + 0], (image[1 * 5 + 1] + image[2 * 5 + 1]) / 2, accuracy: 1e-6)
        // Zoom out by 2: the corners read outside the image (0), the centre stays.
        PixelOperations.warp(image, into: &out, shape: shape, map: .scaling(0.5))
        XCTAssertEqual(out[0], 0)
        XCTAssertEqual(out[2 * 5 + 2], image[2 * 5 + 2], accuracy: 1e-6)
        XCTAssertEqual(out[2 * 5 + 3], image[2 * 5 + 4], accuracy: 1e-6)
    }

    func testShearAboutTheCentre() {
        let shape = ImageShape(channels: 1, height: 3, width: 3)
        let image: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        var out = [Float](repeating: 0, count: 9)
        // Shear x by 1: row y moves right by y − 1.
        PixelOperations.warp(image, into: &out, shape: shape, map: .shearX(1))
        let expected: [Float] = [0.2, 0.3, 0, 0.4, 0.5, 0.6, 0, 0.7, 0.8]
        for i in 0..<9 { XCTAssertEqual(out[i], expected[i], accuracy: 1e-6, "pixel \(i)") }
    }

    // MARK: Intensity

    func testBrightnessFormulas() {
        let image: [Float] = [0, 0.2, 0.5, 0.9]
        let scaled = T.transformed(image) { PixelOperations.scaleBrightness($0, count: 4, factor: 1.5) }
        XCTAssertEqual(scaled, [0, 0.2 * 1.5, 0.75, 1])
        let added = T.transformed(image) { PixelOperations.addBrightness($0, count: 4, delta: 0.2) }
        XCTAssertEqual(added, [0.2, 0.2 + 0.2, 0.5 + 0.2, 1])
        let darker = T.transformed(image) { PixelOperations.addBrightness($0, count: 4, delta: -0.3) }
        XCTAssertEqual(darker, [0, 0, 0.5 - 0.3, 0.9 - 0.3])
    }

    func testContrastBlendsWithTheMean() {
        let shape = ImageShape(channels: 1, height: 2, width: 2)
        let image: [Float] = [0, 0.2, 0.4, 1]   // mean 0.4
        XCTAssertEqual(PixelOperations.greyMean(image, shape: shape), 0.4, accuracy: 1e-7)
        let half = T.transformed(image) { PixelOperations.contrast($0, shape: shape, factor: 0.5) }
        for (a, b) in zip(half, [0.2, 0.3, 0.4, 0.7] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let flat = T.transformed(image) { PixelOperations.contrast($0, shape: shape, factor: 0) }
        for a in flat { XCTAssertEqual(a, 0.4, accuracy: 1e-6) }
        let double = T.transformed(image) { PixelOperations.contrast($0, shape: shape, factor: 2) }
        for (a, b) in zip(double, [0, 0, 0.4, 1] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // Three channels blend with the mean of the luma (0.299, 0.587, 0.114).
        let rgb = ImageShape(channels: 3, height: 1, width: 1)
        XCTAssertEqual(PixelOperations.greyMean([1, 0, 0], shape: rgb), 0.299, accuracy: 1e-6)
    }

    // MARK: Random erasing

    func testRandomErasingBoxStaysWithinBounds() {
        let shape = ImageShape(channels: 1, height: 28, width: 28)
        let area = ParameterRange(0.02, 0.33), aspect = ParameterRange(0.3, 3.3)
        let workspace = AugmentationWorkspace(imageCount: shape.count)
        let image = [Float](repeating: 0.25, count: shape.count)
        var sizes = Set<Int>()
        for seed in 0..<300 {
            var random = SeededRandom(seed: UInt64(seed))
            let out = T.transformed(image) {
                ImageOperation.randomErasing(area: area, aspect: aspect, value: .constant(1)).apply($0, shape: shape, random: &random,
                                                                                                   workspace: workspace)
            }
            let erased = out.indices.filter { out[$0] == 1 }
            guard let first = erased.first, let last = erased.last else { continue }   // no box fitted: untouched
            XCTAssertTrue(out.allSatisfy { $0 == 1 || $0 == 0.25 })
            // A rectangle: the erased pixels are exactly the bounding box of them.
            let rows = erased.map { $0 / 28 }, columns = erased.map { $0 % 28 }
            let (top, bottom) = (rows.min() ?? 0, rows.max() ?? 0), (left, right) = (columns.min() ?? 0, columns.max() ?? 0)
            let h = bottom - top + 1, w = right - left + 1
            XCTAssertEqual(erased.count, h * w, "seed \(seed): not a rectangle (\(first)…\(last))")
            XCTAssertLessThan(h, 28)
            XCTAssertLessThan(w, 28)
            // Area: the drawn fraction times 784, up to the rounding of each side (≤ (h + w)/2 + 1/4).
            let slack = Double(h + w) / 2 + 0.25
            XCTAssertGreaterThanOrEqual(Double(h * w), 0.02 * 784 - slack, "seed \(seed)")
            XCTAssertLessThanOrEqual(Double(h * w), 0.33 * 784 + slack, "seed \(seed)")
            let ratio = Double(h) / Double(w)
            XCTAssertTrue(ratio > 0.3 * 0.5 && ratio < 3.3 * 2, "seed \(seed): aspect \(ratio)")
            sizes.insert(h * w)
        }
        XCTAssertGreaterThan(sizes.count, 30, "box sizes vary")

        // Noise fill: values in [0, 1), the rest kept.
        var random = SeededRandom(seed: 5)
        let noisy = T.transformed(image) {
            ImageOperation.randomErasing(area: area, aspect: aspect, value: .random).apply($0, shape: shape, random: &random,
                                                                                         workspace: workspace)
        }
        XCTAssertTrue(noisy.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertGreaterThan(noisy.filter { $0 != 0.25 }.count, 10)
    }

    // MARK: RandAugment's operations

    func testPosterizeSolarizeAutocontrast() {
        let posterized = T.transformed([0.5, 1, 0.1]) { PixelOperations.posterize($0, count: 3, bits: 4) }
        // Levels 128, 255, 26 keep their top 4 bits: 128, 240, 16.
        XCTAssertEqual(posterized, [128 / 255, 240 / 255, 16 / 255])
        XCTAssertEqual(T.transformed([0.2, 0.7, 0.8]) { PixelOperations.solarize($0, count: 3, threshold: 0.7) },
                       [0.2, 1 - 0.7, 1 - 0.8])
        let shape = ImageShape(channels: 1, height: 1, width: 3)
        let stretched = T.transformed([0.2, 0.4, 0.6]) { PixelOperations.autocontrast($0, shape: shape) }
        for (a, b) in zip(stretched, [0, 0.5, 1] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(T.transformed([0.3, 0.3, 0.3]) { PixelOperations.autocontrast($0, shape: shape) }, [0.3, 0.3, 0.3])
    }

    /// PIL's equalize on 1,024 pixels: 512 at level 10, 256 at 20, 256 at 30. step = ⌊(1024 − 256)/255⌋ = 3;
    /// level 10 → ⌊(0 + 1)/3⌋ = 0, 20 → ⌊(512 + 1)/3⌋ = 171, 30 → min(⌊(768 + 1)/3⌋, 255) = 255.
    func testEqualizeAsPIL() {
        let shape = ImageShape(channels: 1, height: 32, width: 32)
        var image = [Float](repeating: 10 / 255, count: 512) + [Float](repeating: 20 / 255, count: 256)
        image += [Float](repeating: 30 / 255, count: 256)
        let histogram = UnsafeMutablePointer<Int>.allocate(capacity: 256)
        defer { histogram.deallocate() }
        let out = T.transformed(image) { PixelOperations.equalize($0, shape: shape, histogram: histogram) }
        XCTAssertEqual(out[0], 0)
        XCTAssertEqual(out[600], 171 / 255)
        XCTAssertEqual(out[1000], 1)
        // Too few pixels for a step: unchanged.
        let small = ImageShape(channels: 1, height: 2, width: 2)
        XCTAssertEqual(T.transformed([0.1, 0.2, 0.3, 0.4]) { PixelOperations.equalize($0, shape: small, histogram: histogram) },
                       [0.1, 0.2, 0.3, 0.4])
    }

    /// Sharpness 0 is the smoothed image inside, border kept: centre of a 3×3 single bright pixel is 5/13.
    func testSharpnessSmoothsWithPILKernel() {
        let shape = ImageShape(channels: 1, height: 3, width: 3)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 9)
        defer { scratch.deallocate() }
        let image: [Float] = [0, 0, 0, 0, 1, 0, 0, 0, 0]
        let smooth = T.transformed(image) { PixelOperations.sharpness($0, scratch: scratch, shape: shape, factor: 0) }
        XCTAssertEqual(smooth[4], 5 / 13, accuracy: 1e-6)
        XCTAssertEqual(smooth.enumerated().filter { $0.offset != 4 }.map(\.element), [Float](repeating: 0, count: 8))
        let sharp = T.transformed([0.5, 0.5, 0.5, 0.5, 0.6, 0.5, 0.5, 0.5, 0.5]) {
            PixelOperations.sharpness($0, scratch: scratch, shape: shape, factor: 2)
        }
        // smooth = (8·0.5 + 5·0.6)/13; 2·0.6 − smooth.
        XCTAssertEqual(sharp[4], 2 * 0.6 - (4 + 3) / 13, accuracy: 1e-6)
    }

    /// The magnitude mapping at M = 9 on a 28×28 image: rotate 9°, translate 3 pixels, brightness ×1.27,
    /// posterize 7 bits, solarize above 0.7.
    func testRandAugmentMagnitudeMapping() {
        let shape = ImageShape(channels: 1, height: 28, width: 28)
        let image = T.garment()
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: shape.count)
        let histogram = UnsafeMutablePointer<Int>.allocate(capacity: 256)
        defer { scratch.deallocate(); histogram.deallocate() }
        func randAugment(_ op: RandAugment.Operation, negative: Bool = false) -> [Float] {
            T.transformed(image) {
                RandAugment.apply(op, magnitude: 9, negative: negative, to: $0, shape: shape, scratch: scratch, histogram: histogram)
            }
        }
        var expected = [Float](repeating: 0, count: shape.count)
        PixelOperations.warp(image, into: &expected, shape: shape, map: .rotation(degrees: 9))
        XCTAssertEqual(randAugment(.rotate), expected)
        PixelOperations.warp(image, into: &expected, shape: shape, map: .rotation(degrees: -9))
        XCTAssertEqual(randAugment(.rotate, negative: true), expected)
        PixelOperations.shift(image, into: &expected, shape: shape, dx: 3, dy: 0)
        XCTAssertEqual(randAugment(.translateX), expected)
        PixelOperations.shift(image, into: &expected, shape: shape, dx: 0, dy: -3)
        XCTAssertEqual(randAugment(.translateY, negative: true), expected)
        XCTAssertEqual(randAugment(.brightness),
                       T.transformed(image) { PixelOperations.scaleBrightness($0, count: 784, factor: Float(1 + 0.9 * (9.0 / 30))) })
        XCTAssertEqual(randAugment(.posterize), T.transformed(image) { PixelOperations.posterize($0, count: 784, bits: 7) })
        XCTAssertEqual(randAugment(.solarize), T.transformed(image) { PixelOperations.solarize($0, count: 784, threshold: 0.7) })
        XCTAssertEqual(randAugment(.identity), image)
        // Unsigned operations ignore `negative`.
        XCTAssertEqual(randAugment(.solarize, negative: true), randAugment(.solarize))
        PixelOperations.warp(image, into: &expected, shape: shape, map: .shearX(0.3 * (9.0 / 30)))
        XCTAssertEqual(randAugment(.shearX), expected)
    }

    /// Every operation, at extreme settings, on random images: pixels stay in [0, 1].
    func testEveryOperationStaysInUnitRange() {
        let shape = ImageShape(channels: 1, height: 28, width: 28)
        let operations: [ImageOperation] = [
            .horizontalFlip, .randomCrop(padding: 4), .rotation(degrees: ParameterRange(-180, 180)),
            .translation(x: 0.5, y: 0.5), .scaling(zoom: ParameterRange(0.2, 5)),
            .brightnessFactor(ParameterRange(0, 10)), .brightnessDelta(ParameterRange(-1, 1)),
            .contrast(factor: ParameterRange(0, 10)),
            .randomErasing(area: ParameterRange(0.02, 0.9), aspect: ParameterRange(0.1, 10), value: .random),
            .randAugment(RandAugment(count: 10, magnitude: 30)),
        ]
        let workspace = AugmentationWorkspace(imageCount: shape.count)
        for (index, operation) in operations.enumerated() {
            for seed in 0..<20 {
                var random = SeededRandom(seed: UInt64(seed))
                let images = T.random(count: 1, shape: shape, seed: UInt64(1000 + seed))
                let out = T.transformed(images) { operation.apply($0, shape: shape, random: &random, workspace: workspace) }
                T.assertInUnitRange(out, "operation \(index) (\(operation.name)) seed \(seed)")
            }
        }
        for op in RandAugment.Operation.allCases {
            for magnitude in [0.0, 9, 30] {
                for negative in [false, true] {
                    let out = T.transformed(T.random(count: 1, shape: shape, seed: 7)) {
                        RandAugment.apply(op, magnitude: magnitude, negative: negative, to: $0, shape: shape,
                                          scratch: workspace.scratch, histogram: workspace.histogram)
                    }
                    T.assertInUnitRange(out, "\(op.rawValue) at \(magnitude)")
                }
            }
        }
    }
}
