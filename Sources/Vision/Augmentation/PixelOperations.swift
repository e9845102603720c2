// PixelOperations: the deterministic pixel operations augmentations and corruptions are built from, on one
// image (CHW, Float in [0, 1], `shape.count` values). Nothing here draws random numbers (random erasing's
// noise fill takes the caller's generator) and nothing allocates: operations that cannot work in place take
// a `scratch` buffer of at least `shape.count` values from the caller.
//
// Geometry works in pixel-index coordinates (x right, y down), with the centre of the image at
// ((W−1)/2, (H−1)/2) — the centre torchvision, PIL and skimage rotate about — so a quarter turn of a square
// maps the pixel grid onto itself. Warps map each output pixel back to a source point (`AffineMap`) and
// sample it bilinearly; source pixels outside the image count as 0 (fill 0).
import Basics
import Foundation

/// The inverse map of an affine warp: output pixel p reads the source at centre + M·(p − centre) + t, with
/// M = [[a, b], [c, d]] and t = (tx, ty). The builders take the forward (visible) transformation and store
/// its inverse.
public struct AffineMap: Sendable, Equatable {
    public var a: Double, b: Double, c: Double, d: Double
    public var tx: Double, ty: Double

    public init(a: Double, b: Double, c: Double, d: Double, tx: Double = 0, ty: Double = 0) {
        self.a = a; self.b = b; self.c = c; self.d = d; self.tx = tx; self.ty = ty
    }

    public static let identity = AffineMap(a: 1, b: 0, c: 0, d: 1)

    /// Rotation by `degrees` counter-clockwise as seen on screen (torchvision's and PIL's sign), about the centre.
    public static func rotation(degrees: Double) -> AffineMap {
        let radians = degrees * Double.pi / 180
        let cosine = Foundation.cos(radians), sine = Foundation.sin(radians)
        return AffineMap(a: cosine, b: -sine, c: sine, d: cosine)
    }

    /// Zoom by `factor` about the centre (> 1 enlarges the content).
    public static func scaling(_ factor: Double) -> AffineMap {
        AffineMap(a: 1 / factor, b: 0, c: 0, d: 1 / factor)
    }

    /// Horizontal shear about the centre: the point (x, y) moves to (x + m·(y − centre), y).
    public static func shearX(_ m: Double) -> AffineMap { AffineMap(a: 1, b: -m, c: 0, d: 1) }
    /// Vertical shear about the centre: the point (x, y) moves to (x, y + m·(x − centre)).
    public static func shearY(_ m: Double) -> AffineMap { AffineMap(a: 1, b: 0, c: -m, d: 1) }

    /// Translation of the content by (dx, dy) pixels (right, down).
    public static func translation(dx: Double, dy: Double) -> AffineMap {
        AffineMap(a: 1, b: 0, c: 0, d: 1, tx: -dx, ty: -dy)
    }
}

public enum PixelOperations {
    // MARK: Geometry

    /// Mirrors every row (left ↔ right), in place.
    public static func flipHorizontal(_ image: UnsafeMutablePointer<Float>, shape: ImageShape) {
        let width = shape.width
        for row in 0..<(shape.channels * shape.height) {
            var left = image + row * width
            var right = left + (width - 1)
            while left < right {
                let value = left.pointee
                left.pointee = right.pointee
                right.pointee = value
                left += 1
                right -= 1
            }
        }
    }

    /// Moves the content by whole pixels, `dx` right and `dy` down, into `destination` (not the source);
    /// uncovered pixels are 0.
    public static func shift(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                             shape: ImageShape, dx: Int, dy: Int) {
        let height = shape.height, width = shape.width, plane = height * width
        destination.update(repeating: 0, count: shape.count)
        // Output columns x with 0 ≤ x − dx < width, rows y with 0 ≤ y − dy < height.
        let x0 = max(0, dx), x1 = min(width, width + dx)
        let y0 = max(0, dy), y1 = min(height, height + dy)
        guard x0 < x1, y0 < y1 else { return }
        for channel in 0..<shape.channels {
            for y in y0..<y1 {
                let from = source + channel * plane + (y - dy) * width + (x0 - dx)
                (destination + channel * plane + y * width + x0).update(from: from, count: x1 - x0)
            }
        }
    }

    /// Warps `source` into `destination` (not the source) by `map`, bilinearly, with 0 outside the image.
    public static func warp(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                            shape: ImageShape, map: AffineMap) {
        let height = shape.height, width = shape.width, plane = height * width, channels = shape.channels
        let centreX = Double(width - 1) / 2, centreY = Double(height - 1) / 2
        // Source point of output (x, y): sx = a·x + b·y + ox, sy = c·x + d·y + oy, in Double (rotation by
        // quarter turns then lands within 1e-15 of the grid).
        let ox = centreX - map.a * centreX - map.b * centreY + map.tx
        let oy = centreY - map.c * centreX - map.d * centreY + map.ty
        for y in 0..<height {
            for x in 0..<width {
                let sx = map.a * Double(x) + map.b * Double(y) + ox
                let sy = map.c * Double(x) + map.d * Double(y) + oy
                let out = destination + y * width + x
                guard sx > -1, sy > -1, sx < Double(width), sy < Double(height) else {
                    for channel in 0..<channels { out[channel * plane] = 0 }
                    continue
                }
                let fx0 = sx.rounded(.down), fy0 = sy.rounded(.down)
                let x0 = Int(fx0), y0 = Int(fy0)
                let fx = Float(sx - fx0), fy = Float(sy - fy0)
                // Weights of the four neighbours; a neighbour outside the image gets weight 0 (its value is 0).
                let inX0 = x0 >= 0, inX1 = x0 + 1 < width, inY0 = y0 >= 0, inY1 = y0 + 1 < height
                let w00: Float = inX0 && inY0 ? (1 - fx) * (1 - fy) : 0
                let w10: Float = inX1 && inY0 ? fx * (1 - fy) : 0
                let w01: Float = inX0 && inY1 ? (1 - fx) * fy : 0
                let w11: Float = inX1 && inY1 ? fx * fy : 0
                let i00 = y0 * width + x0
                for channel in 0..<channels {
                    // Only in-image neighbours are read (an outside one has weight 0).
                    let p = source + channel * plane
                    var value: Float = 0
                    if w00 != 0 { value += w00 * p[i00] }
                    if w10 != 0 { value += w10 * p[i00 + 1] }
                    if w01 != 0 { value += w01 * p[i00 + width] }
                    if w11 != 0 { value += w11 * p[i00 + width + 1] }
                    out[channel * plane] = min(max(value, 0), 1)
                }
            }
        }
    }

    // MARK: Intensity

    /// x·factor, clamped to [0, 1] (PIL's ImageEnhance.Brightness and torchvision's adjust_brightness:
    /// a blend with black).
    public static func scaleBrightness(_ image: UnsafeMutablePointer<Float>, count: Int, factor: Float) {
        for i in 0..<count { image[i] = min(max(image[i] * factor, 0), 1) }
    }

    /// x + delta, clamped to [0, 1] (ImageNet-C's brightness: V + c in HSV, which for grey is the value itself).
    public static func addBrightness(_ image: UnsafeMutablePointer<Float>, count: Int, delta: Float) {
        for i in 0..<count { image[i] = min(max(image[i] + delta, 0), 1) }
    }

    /// The mean torchvision's adjust_contrast blends with: the mean of the image's grey version — for one
    /// channel the mean of all pixels, for three the mean of ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B),
    /// for any other count the mean of all values.
    public static func greyMean(_ image: UnsafePointer<Float>, shape: ImageShape) -> Float {
        let plane = shape.height * shape.width
        guard plane > 0, shape.channels > 0 else { return 0 }
        var sum: Double = 0
        if shape.channels == 3 {
            for i in 0..<plane {
                sum += 0.299 * Double(image[i]) + 0.587 * Double(image[plane + i]) + 0.114 * Double(image[2 * plane + i])
            }
            return Float(sum / Double(plane))
        }
        for i in 0..<shape.count { sum += Double(image[i]) }
        return Float(sum / Double(shape.count))
    }

    /// factor·x + (1 − factor)·mean, clamped (torchvision adjust_contrast; `mean` from `greyMean`).
    public static func blendContrast(_ image: UnsafeMutablePointer<Float>, count: Int, factor: Float, mean: Float) {
        let offset = (1 - factor) * mean
        for i in 0..<count { image[i] = min(max(factor * image[i] + offset, 0), 1) }
    }

    /// Contrast by `factor` about the image's grey mean (torchvision adjust_contrast): 0 gives a flat grey
    /// image, 1 the image itself, above 1 more contrast.
    public static func contrast(_ image: UnsafeMutablePointer<Float>, shape: ImageShape, factor: Float) {
        blendContrast(image, count: shape.count, factor: factor, mean: greyMean(image, shape: shape))
    }

    /// PIL's ImageEnhance.Sharpness as torchvision's adjust_sharpness: a blend of the image with its
    /// smoothed version (3×3 kernel [[1,1,1],[1,5,1],[1,1,1]]/13, border pixels kept): factor·x + (1 − factor)·smooth,
    /// clamped. `scratch` holds `shape.count` values.
    public static func sharpness(_ image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                 shape: ImageShape, factor: Float) {
        let height = shape.height, width = shape.width, plane = height * width
        guard height > 2, width > 2 else { return }
        scratch.update(from: image, count: shape.count)
        for channel in 0..<shape.channels {
            let source = UnsafePointer(scratch + channel * plane), out = image + channel * plane
            for y in 1..<(height - 1) {
                for x in 1..<(width - 1) {
                    let i = y * width + x
                    var sum = source[i - width - 1] + source[i - width] + source[i - width + 1]
                    sum += source[i - 1] + 5 * source[i] + source[i + 1]
                    sum += source[i + width - 1] + source[i + width] + source[i + width + 1]
                    let smooth = sum / 13
                    out[i] = min(max(factor * source[i] + (1 - factor) * smooth, 0), 1)
                }
            }
        }
    }

    /// The 8-bit level of a pixel (round(x·255), clamped), as the PIL and torchvision uint8 operations see it.
    @inline(__always) static func level(_ value: Float) -> Int {
        Int(min(max(value * 255 + 0.5, 0), 255))
    }

    /// Keeps the top `bits` bits (1…8) of every pixel's 8-bit level (PIL's ImageOps.posterize).
    public static func posterize(_ image: UnsafeMutablePointer<Float>, count: Int, bits: Int) {
        let keep = min(max(bits, 1), 8)
        let mask = ~((1 << (8 - keep)) - 1) & 0xFF
        for i in 0..<count { image[i] = Float(level(image[i]) & mask) / 255 }
    }

    /// Inverts every pixel at or above `threshold`: x ≥ t → 1 − x (torchvision solarize).
    public static func solarize(_ image: UnsafeMutablePointer<Float>, count: Int, threshold: Float) {
        for i in 0..<count where image[i] >= threshold { image[i] = 1 - image[i] }
    }

    /// Stretches each channel to [0, 1]: (x − min)/(max − min); a flat channel is left as it is
    /// (torchvision autocontrast).
    public static func autocontrast(_ image: UnsafeMutablePointer<Float>, shape: ImageShape) {
        let plane = shape.height * shape.width
        for channel in 0..<shape.channels {
            let p = image + channel * plane
            var low = Float.infinity, high = -Float.infinity
            for i in 0..<plane {
                low = min(low, p[i])
                high = max(high, p[i])
            }
            guard high > low else { continue }
            let scale = 1 / (high - low)
            for i in 0..<plane { p[i] = min(max((p[i] - low) * scale, 0), 1) }
        }
    }

    /// Histogram equalisation of each channel's 8-bit levels, as torchvision's equalize (PIL's
    /// ImageOps.equalize): step = ⌊(pixels − count of the highest level present) / 255⌋; when step is 0 the
    /// channel is kept; else level v maps to ⌊(pixels below v + ⌊step/2⌋) / step⌋, at most 255.
    /// `histogram` holds 256 integers.
    public static func equalize(_ image: UnsafeMutablePointer<Float>, shape: ImageShape, histogram: UnsafeMutablePointer<Int>) {
        let plane = shape.height * shape.width
        for channel in 0..<shape.channels {
            let p = image + channel * plane
            histogram.update(repeating: 0, count: 256)
            for i in 0..<plane { histogram[level(p[i])] += 1 }
            var last = 255
            while last > 0 && histogram[last] == 0 { last -= 1 }
            let step = (plane - histogram[last]) / 255
            guard step > 0 else { continue }
            // Turn the histogram into the lookup table in place: entry v = pixels below v, mapped.
            var below = 0
            for value in 0..<256 {
                let count = histogram[value]
                histogram[value] = min((below + step / 2) / step, 255)
                below += count
            }
            for i in 0..<plane { p[i] = Float(histogram[level(p[i])]) / 255 }
        }
    }

    // MARK: Regions

    /// Sets the rectangle of rows top..<top+height and columns left..<left+width (clipped to the image) of
    /// every channel to `value`.
    public static func fill(_ image: UnsafeMutablePointer<Float>, shape: ImageShape, top: Int, left: Int,
                            height: Int, width: Int, value: Float) {
        let y0 = max(top, 0), y1 = min(top + height, shape.height)
        let x0 = max(left, 0), x1 = min(left + width, shape.width)
        guard y0 < y1, x0 < x1 else { return }
        let plane = shape.height * shape.width
        for channel in 0..<shape.channels {
            for y in y0..<y1 { (image + channel * plane + y * shape.width + x0).update(repeating: value, count: x1 - x0) }
        }
    }

    /// Fills the rectangle (clipped) with independent uniform values in [0, 1) from `random`, channel by
    /// channel, row by row.
    public static func fillRandom(_ image: UnsafeMutablePointer<Float>, shape: ImageShape, top: Int, left: Int,
                                  height: Int, width: Int, random: inout SeededRandom) {
        let y0 = max(top, 0), y1 = min(top + height, shape.height)
        let x0 = max(left, 0), x1 = min(left + width, shape.width)
        guard y0 < y1, x0 < x1 else { return }
        let plane = shape.height * shape.width
        for channel in 0..<shape.channels {
            for y in y0..<y1 {
                let row = image + channel * plane + y * shape.width
                for x in x0..<x1 { row[x] = random.uniform() }
            }
        }
    }

    /// Copies the rectangle (clipped) of every channel from `source` into `image`.
    public static func paste(_ source: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>, shape: ImageShape,
                             top: Int, left: Int, height: Int, width: Int) {
        let y0 = max(top, 0), y1 = min(top + height, shape.height)
        let x0 = max(left, 0), x1 = min(left + width, shape.width)
        guard y0 < y1, x0 < x1 else { return }
        let plane = shape.height * shape.width
        for channel in 0..<shape.channels {
            for y in y0..<y1 {
                let offset = channel * plane + y * shape.width + x0
                (image + offset).update(from: source + offset, count: x1 - x0)
            }
        }
    }

    /// λ·a + (1 − λ)·b into `a`, clamped to [0, 1] (the clamp only catches rounding: both images are in [0, 1]).
    public static func blend(_ a: UnsafeMutablePointer<Float>, with b: UnsafePointer<Float>, count: Int, lambda: Float) {
        let other = 1 - lambda
        for i in 0..<count { a[i] = min(max(lambda * a[i] + other * b[i], 0), 1) }
    }

    /// Gaussian blur with standard deviation `sigma` (pixels), separable, truncated at ⌊4σ + 0.5⌋ pixels
    /// each side, borders extended with the nearest pixel — skimage.filters.gaussian's defaults as the
    /// ImageNet-C and CIFAR-10-C code calls it. `kernel` holds at least 2·radius + 1 values, `scratch`
    /// `shape.count`. Result clamped to [0, 1].
    public static func gaussianBlur(_ image: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                    kernel: UnsafeMutablePointer<Float>, shape: ImageShape, sigma: Double) {
        guard sigma > 0 else { return }
        let radius = gaussianRadius(sigma: sigma)
        var total: Double = 0
        for k in -radius...radius { total += Foundation.exp(-Double(k * k) / (2 * sigma * sigma)) }
        for k in -radius...radius { kernel[k + radius] = Float(Foundation.exp(-Double(k * k) / (2 * sigma * sigma)) / total) }
        let height = shape.height, width = shape.width, plane = height * width
        for channel in 0..<shape.channels {
            let p = image + channel * plane, t = scratch + channel * plane
            // Rows into scratch, then columns back into the image.
            for y in 0..<height {
                let row = p + y * width
                for x in 0..<width {
                    var sum: Float = 0
                    for k in -radius...radius { sum += kernel[k + radius] * row[min(max(x + k, 0), width - 1)] }
                    t[y * width + x] = sum
                }
            }
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for k in -radius...radius { sum += kernel[k + radius] * t[min(max(y + k, 0), height - 1) * width + x] }
                    p[y * width + x] = min(max(sum, 0), 1)
                }
            }
        }
    }

    /// The kernel radius `gaussianBlur` uses for `sigma` (scipy's truncate = 4).
    public static func gaussianRadius(sigma: Double) -> Int { max(Int(4 * sigma + 0.5), 0) }
}
