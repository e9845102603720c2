// ImageCorruption: common corruptions at severities 1…5 after Hendrycks & Dietterich (2019), for small grey
// images (Fashion-MNIST, 28×28), pixels in [0, 1] and kept as Float (the benchmarks round to 8 bits).
//
//     corruption       parameter                    1      2      3      4      5     from
//     gaussian_noise   σ of x + N(0, σ²)            0.04   0.06   0.08   0.09   0.10  CIFAR-10-C
//     gaussian_blur    σ in pixels                  0.4    0.6    0.7    0.8    1.0   CIFAR-10-C
//     contrast         c of (x − mean)·c + mean     0.75   0.5    0.4    0.3    0.15  CIFAR-10-C
//     brightness       c of x + c                   0.05   0.1    0.15   0.2    0.3   CIFAR-10-C
//     rotation         |angle| in radians           0.2    0.4    0.6    0.8    1.0   MNIST-C (Mu & Gilmer 2019)
//
// Noise, blur, contrast and brightness take CIFAR-10-C's table (make_cifar_c.py), the benchmark at the
// nearest resolution (32×32): ImageNet-C's (224×224) — which MNIST-C's code also carries for these four:
// noise .08/.12/.18/.26/.38, blur σ 1/2/3/4/6, contrast .4/.3/.2/.1/.05, brightness .1/.2/.3/.4/.5 — blurs
// a 28-pixel image beyond recognition from severity 2. Rotation is not in ImageNet-C or CIFAR-10-C;
// MNIST-C's `rotate` is used as written (0.2…1.0 rad ≈ 11.5°…57.3°, a random direction, about the centre,
// bilinear, fill 0).
//
// Formulas, as the reference code: noise clip(x + σ·n); blur skimage.filters.gaussian (truncate 4, nearest
// border); contrast clip((x − m)·c + m) with m the mean of each channel of the image; brightness
// clip(x + c) (ImageNet-C adds c to HSV's V, which for a grey image is x itself).
//
// Randomness (noise, rotation direction) comes from SeededRandom.mix(seed, corruption, example index): it does
// not depend on the severity, so the five severities of an image differ only in strength (the same noise
// pattern scaled, the same direction turned further), nor on the batch.
import Basics
import Foundation

public enum ImageCorruption: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case gaussianNoise = "gaussian_noise"
    case gaussianBlur = "gaussian_blur"
    case contrast
    case brightness
    case rotation

    public static let severities = 1...5

    /// The table above, by severity 1…5.
    public var parameters: [Double] {
        switch self {
        case .gaussianNoise: return [0.04, 0.06, 0.08, 0.09, 0.10]
        case .gaussianBlur: return [0.4, 0.6, 0.7, 0.8, 1.0]
        case .contrast: return [0.75, 0.5, 0.4, 0.3, 0.15]
        case .brightness: return [0.05, 0.1, 0.15, 0.2, 0.3]
        case .rotation: return [0.2, 0.4, 0.6, 0.8, 1.0]
        }
    }

    /// The parameter at `severity` (1…5), or nil outside.
    public func parameter(severity: Int) -> Double? {
        ImageCorruption.severities.contains(severity) ? parameters[severity - 1] : nil
    }

    /// A stable number per corruption for seeding (its position in the table, which only grows).
    var seedTag: Int {
        switch self {
        case .gaussianNoise: return 1
        case .gaussianBlur: return 2
        case .contrast: return 3
        case .brightness: return 4
        case .rotation: return 5
        }
    }

    /// Corrupts `count` images (NCHW at `images`) in place at `severity`; `indices` are the examples' dataset
    /// indices (they seed the random draws).
    public func apply(images: UnsafeMutablePointer<Float>, count: Int, shape: ImageShape, severity: Int,
                      seed: UInt64, indices: [Int]) throws {
        guard let parameter = parameter(severity: severity) else {
            throw ImageAugmentationError.input("severity \(severity) of \(rawValue) is outside 1…5")
        }
        guard shape.channels > 0, shape.height > 0, shape.width > 0 else {
            throw ImageAugmentationError.input("image shape \(shape) has an empty dimension")
        }
        guard count >= 0, indices.count == count else {
            throw ImageAugmentationError.input("\(indices.count) example indices for \(count) images")
        }
        let workspace = AugmentationWorkspace(imageCount: shape.count)
        for position in 0..<count {
            var random = SeededRandom(seed: SeededRandom.mix(seed, seedTag, indices[position]))
            apply(to: images + position * shape.count, shape: shape, parameter: parameter, random: &random, workspace: workspace)
        }
    }

    func apply(to image: UnsafeMutablePointer<Float>, shape: ImageShape, parameter: Double, random: inout SeededRandom,
               workspace: AugmentationWorkspace) {
        let count = shape.count
        switch self {
        case .gaussianNoise:
            let sigma = Float(parameter)
            for i in 0..<count { image[i] = min(max(image[i] + sigma * random.normal(), 0), 1) }
        case .gaussianBlur:
            PixelOperations.gaussianBlur(image, scratch: workspace.scratch, kernel: workspace.kernel, shape: shape, sigma: parameter)
        case .contrast:
            let plane = shape.height * shape.width
            for channel in 0..<shape.channels {
                let p = image + channel * plane
                var sum: Double = 0
                for i in 0..<plane { sum += Double(p[i]) }
                PixelOperations.blendContrast(p, count: plane, factor: Float(parameter), mean: Float(sum / Double(plane)))
            }
        case .brightness:
            PixelOperations.addBrightness(image, count: count, delta: Float(parameter))
        case .rotation:
            let direction: Double = random.below(2) == 0 ? -1 : 1
            workspace.warp(image, shape: shape, map: .rotation(degrees: direction * parameter * 180 / Double.pi))
        }
    }
}

/// A list of (corruption, severity) pairs to evaluate on, and the application of one to a batch.
public struct CorruptionSuite: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
        public var corruption: ImageCorruption
        public var severity: Int

        public init(_ corruption: ImageCorruption, severity: Int) {
            self.corruption = corruption
            self.severity = severity
        }

        /// "gaussian_noise-3".
        public var name: String { "\(corruption.rawValue)-\(severity)" }
        public var description: String { name }

        /// Parses "corruption-severity" ("contrast-5"); nil for anything else.
        public init?(name: String) {
            guard let dash = name.lastIndex(of: "-"), let severity = Int(name[name.index(after: dash)...]),
                  ImageCorruption.severities.contains(severity),
                  let corruption = ImageCorruption(rawValue: String(name[..<dash])) else { return nil }
            self.init(corruption, severity: severity)
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Every listed corruption at every listed severity, corruption by corruption.
    public init(corruptions: [ImageCorruption] = ImageCorruption.allCases, severities: [Int] = Array(ImageCorruption.severities)) {
        entries = corruptions.flatMap { corruption in severities.map { Entry(corruption, severity: $0) } }
    }

    /// The five corruptions at the five severities (25 entries).
    public static let standard = CorruptionSuite()

    /// Corrupts a batch in place with `entry` (see `ImageCorruption.apply`).
    public func apply(_ entry: Entry, images: UnsafeMutablePointer<Float>, count: Int, shape: ImageShape,
                      seed: UInt64, indices: [Int]) throws {
        try entry.corruption.apply(images: images, count: count, shape: shape, severity: entry.severity, seed: seed, indices: indices)
    }
}
