// PackedLinear against naive references: bf16 rounding, the bf16 and int8 products (every chunk size
// path, the parallel split, bias), their error against fp32, and inputs that must not trap.
import Foundation
import Tensors
import XCTest

final class PackedLinearTests: XCTestCase {
    func require(_ precision: Precision) throws {
        if let reason = OneDNN.unavailability(precision) { throw XCTSkip(reason) }
    }

    func testBFloat16RoundsToNearestEven() {
        let values: [Float] = [1, 1 + 1 / 256, 1 + 3 / 256, -2.5, .infinity, -.infinity, 0, -0.0, 3.1415927, 65504, 1e-40]
        var out = [UInt16](repeating: 0, count: values.count)
        LowPrecision.toBFloat16(values, count: values.count, into: &out)
        // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: ties go to the even mantissa (1); 1 + 3·2⁻⁸ goes up.
        XCTAssertEqual(out[0], 0x3F80)
        XCTAssertEqual(out[1], 0x3F80)
        XCTAssertEqual(out[2], 0x3F82)
        XCTAssertEqual(out[3], 0xC020)
        XCTAssertEqual(out[4], 0x7F80)
        XCTAssertEqual(out[5], 0xFF80)
        XCTAssertEqual(out[6], 0x0000)
        XCTAssertEqual(out[7], 0x8000)
        XCTAssertEqual(LowPrecision.fromBFloat16(out[8]), 3.140625)
        // Every result is the nearest bf16 (checked against the two neighbours by brute force).
        for (value, bits) in zip(values, out) where value.isFinite {
            let got = Double(LowPrecision.fromBFloat16(bits))
            for neighbour in [bits &- 1, bits &+ 1] {
                let other = Double(LowPrecision.fromBFloat16(neighbour))
                guard other.isFinite else { continue }
                XCTAssertLessThanOrEqual(abs(got - Double(value)), abs(other - Double(value)), "\(value)")
            }
        }
        var nan: [Float] = [.nan]
        var nanOut: [UInt16] = [0]
        LowPrecision.toBFloat16(&nan, count: 1, into: &nanOut)
        XCTAssertTrue(LowPrecision.fromBFloat16(nanOut[0]).isNaN)
    }

    func testSaturatingInt8NeverTraps() {
        XCTAssertEqual(LowPrecision.saturatingInt8(126.5), 126)
        XCTAssertEqual(LowPrecision.saturatingInt8(127.6), 127)
        XCTAssertEqual(LowPrecision.saturatingInt8(-500), -127)
        XCTAssertEqual(LowPrecision.saturatingInt8(.infinity), 127)
        XCTAssertEqual(LowPrecision.saturatingInt8(.nan), -127)
    }

    /// Random weights and inputs with a few outliers, as activations have.
    func data(rows: Int, inFeatures: Int, outFeatures: Int, seed: UInt64) -> (x: [Float], w: [Float], b: [Float]) {
        var random = TestRandom(seed)
        let x = (0..<(rows * inFeatures)).map { i in random.normal() * (i % 97 == 0 ? 8 : 1) }
        let w = (0..<(outFeatures * inFeatures)).map { _ in random.normal() * 0.05 }
        let b = (0..<outFeatures).map { _ in random.normal() * 0.1 }
        return (x, w, b)
    }

    /// Y = X·Wᵀ + b in Double from the given (already rounded) operands.
    func reference(_ x: [Double], _ w: [Double], _ b: [Float]?, rows: Int, inFeatures: Int, outFeatures: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * outFeatures)
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum = 0.0
                for i in 0..<inFeatures { sum += x[r * inFeatures + i] * w[o * inFeatures + i] }
                y[r * outFeatures + o] = sum + Double(b?[o] ?? 0)
            }
        }
        return y
    }

    /// The transpose of a row-major [rows, columns] matrix.
    func transpose(_ m: [Double], rows: Int, columns: Int) -> [Double] {
        (0..<(rows * columns)).map { index in m[(index % rows) * columns + index / rows] }
    }

    func bf16(_ values: [Float]) -> [Double] {
        var bits = [UInt16](repeating: 0, count: values.count)
        LowPrecision.toBFloat16(values, count: values.count, into: &bits)
        return bits.map { Double(LowPrecision.fromBFloat16($0)) }
    }

    func run(_ packed: PackedLinear, _ x: [Float], rows: Int, bias: [Float]?) -> [Float] {
        var y = [Float](repeating: .nan, count: rows * packed.outFeatures)
        if let bias {
            bias.withUnsafeBufferPointer { b in packed.apply(x, rows: rows, bias: b.baseAddress, into: &y) }
        } else {
            packed.apply(x, rows: rows, bias: nil, into: &y)
        }
        return y
    }

    func maxRelative(_ y: [Float], _ reference: [Double]) -> Double {
        let scale = reference.map(abs).max() ?? 1
        return zip(y, reference).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }

    func relativeL2(_ y: [Float], _ reference: [Double]) -> Double {
        let error = zip(y, reference).reduce(0.0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) }
        let norm = reference.reduce(0.0) { $0 + $1 * $1 }
        return (error / norm).squareRoot()
    }

    func testBFloat16MatchesReferenceAtEveryChunkSize() throws {
        try require(.bf16)
        let inFeatures = 48, outFeatures = 40
        for rows in [1, 7, PackedLinear.chunkRows, PackedLinear.chunkRows + 1, 2 * PackedLinear.chunkRows + 13] {
            let (x, w, b) = data(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, seed: UInt64(rows))
            let packed = try w.withUnsafeBufferPointer {
                try PackedLinear(weight: $0.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures, precision: .bf16)
            }
            let fallbacks = PackedLinear.fallbacks
            let y = run(packed, x, rows: rows, bias: b)
            XCTAssertEqual(PackedLinear.fallbacks, fallbacks, "oneDNN ran every chunk")
            // Operands rounded to bf16, products summed exactly: only the accumulation order differs.
            let exact = reference(bf16(x), bf16(w), b, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
            XCTAssertLessThan(maxRelative(y, exact), 1e-5, "rows \(rows)")
            // Against fp32 operands: bf16's 8-bit mantissa.
            let full = reference(x.map(Double.init), w.map(Double.init), b, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
            let error = relativeL2(y, full)
            XCTAssertLessThan(error, 1e-2, "rows \(rows)")
            XCTAssertGreaterThan(error, 1e-5, "bf16 really rounds")
        }
    }

    func testInt8MatchesReferenceWithPerTokenAndPerChannelScales() throws {
        try require(.int8)
        let inFeatures = 64, outFeatures = 24
        for rows in [1, 5, PackedLinear.chunkRows + 3] {
            let (x, w, b) = data(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, seed: 100 + UInt64(rows))
            let packed = try w.withUnsafeBufferPointer {
                try PackedLinear(weight: $0.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures, precision: .int8)
            }
            let y = run(packed, x, rows: rows, bias: b)
            // The same quantisation by hand: symmetric, max |·| / 127 per row of X and per row of W.
            func quantised(_ m: [Float], rows: Int, width: Int) -> [Double] {
                var out = [Double](repeating: 0, count: m.count)
                for r in 0..<rows {
                    let row = m[(r * width)..<((r + 1) * width)]
                    let scale = Double(row.map(abs).max() ?? 0) / 127
                    for i in 0..<width {
                        let q = scale > 0 ? (Double(m[r * width + i]) / scale).rounded(.toNearestOrEven) : 0
                        out[r * width + i] = max(-127, min(127, q)) * scale
                    }
                }
                return out
            }
            let exact = reference(quantised(x, rows: rows, width: inFeatures), quantised(w, rows: outFeatures, width: inFeatures), b,
                                  rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
            XCTAssertLessThan(maxRelative(y, exact), 1e-4, "rows \(rows)")
            let full = reference(x.map(Double.init), w.map(Double.init), b, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
            XCTAssertLessThan(relativeL2(y, full), 3e-2, "rows \(rows)")
        }
    }

    func testParallelSplitGivesTheSameBitsAsOneThread() throws {
        try require(.bf16)
        let rows = 300, inFeatures = 384, outFeatures = 1536
        let (x, w, b) = data(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, seed: 7)
        for precision in [Precision.bf16, .int8] where OneDNN.unavailability(precision) == nil {
            let packed = try w.withUnsafeBufferPointer {
                try PackedLinear(weight: $0.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures, precision: precision)
            }
            let split = run(packed, x, rows: rows, bias: b)
            let saved = Parallel.workers
            Parallel.workers = 1
            let serial = run(packed, x, rows: rows, bias: b)
            Parallel.workers = saved
            XCTAssertEqual(split, serial, "\(precision)")
        }
    }

    func testNonFiniteInputsDoNotTrap() throws {
        try require(.int8)
        let inFeatures = 16, outFeatures = 8
        var (x, w, _) = data(rows: 3, inFeatures: inFeatures, outFeatures: outFeatures, seed: 9)
        x[0] = .nan
        x[inFeatures] = .infinity
        w[5] = .nan
        for precision in [Precision.bf16, .int8] where OneDNN.unavailability(precision) == nil {
            let packed = try w.withUnsafeBufferPointer {
                try PackedLinear(weight: $0.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures, precision: precision)
            }
            let y = run(packed, x, rows: 3, bias: nil)
            XCTAssertEqual(y.count, 3 * outFeatures)
            // The last row has finite inputs; only the weight channel with a NaN may be non-finite there.
            XCTAssertTrue(y[(2 * outFeatures)..<(3 * outFeatures)].enumerated().allSatisfy { $0.offset == 0 || $0.element.isFinite },
                          "\(precision)")
        }
    }

    func testTransposedAndAccumulatingProductsMatchTheReference() throws {
        try require(.bf16)
        // dX [rows, in] += dY [rows, out] · W [out, in], with W packed transposed (as bf16 training's backward does).
        let inFeatures = 40, outFeatures = 56, rows = PackedLinear.chunkRows + 9
        let (dY, w, _) = data(rows: rows, inFeatures: outFeatures, outFeatures: inFeatures, seed: 21)
        let packed = try w.withUnsafeBufferPointer {
            try PackedLinear(weight: $0.baseAddress!, outFeatures: inFeatures, inFeatures: outFeatures, precision: .bf16,
                             transposed: true)
        }
        var dX = (0..<(rows * inFeatures)).map { Float($0 % 7) * 0.25 }
        let before = dX.map(Double.init)
        packed.apply(dY, rows: rows, bias: nil, into: &dX, accumulate: true)
        // w here is [out, in] = [56, 40] row-major: dX[r, i] += Σ_o dY[r, o] · w[o, i].
        let product = reference(bf16(dY), transpose(bf16(w), rows: outFeatures, columns: inFeatures), nil,
                                rows: rows, inFeatures: outFeatures, outFeatures: inFeatures)
        XCTAssertLessThan(maxRelative(dX, zip(before, product).map(+)), 1e-5)
        XCTAssertThrowsError(try w.withUnsafeBufferPointer {
            try PackedLinear(weight: $0.baseAddress!, outFeatures: inFeatures, inFeatures: outFeatures, precision: .int8,
                             transposed: true)
        })
    }

    func testWeightGradientMatchesTheReferenceAcrossChunksAndWorkers() throws {
        try require(.bf16)
        // 300 tokens: one full chunk of 256 and one padded with zeros; 96 output rows split over the workers.
        let rows = BF16WeightGradient.chunkRows + 44, outFeatures = 96, inFeatures = 48
        let (x, _, _) = data(rows: rows, inFeatures: inFeatures, outFeatures: 1, seed: 31)
        let (dY, _, _) = data(rows: rows, inFeatures: outFeatures, outFeatures: 1, seed: 32)
        var dW = (0..<(outFeatures * inFeatures)).map { Float($0 % 5) * 0.5 }
        let before = dW.map(Double.init)
        let fallbacks = PackedLinear.fallbacks
        BF16WeightGradient.accumulate(dY: dY, x: x, rows: rows, outFeatures: outFeatures, inFeatures: inFeatures, into: &dW)
        XCTAssertEqual(PackedLinear.fallbacks, fallbacks, "oneDNN ran every chunk")
        // dW = dYᵀ · X = dYᵀ · (Xᵀ)ᵀ.
        let product = reference(transpose(bf16(dY), rows: rows, columns: outFeatures), transpose(bf16(x), rows: rows, columns: inFeatures),
                                nil, rows: outFeatures, inFeatures: rows, outFeatures: inFeatures)
        XCTAssertLessThan(maxRelative(dW, zip(before, product).map(+)), 1e-5)
        // One worker: the same sums (the split changes only which thread computes which rows).
        var serial = (0..<(outFeatures * inFeatures)).map { Float($0 % 5) * 0.5 }
        let saved = Parallel.workers
        Parallel.workers = 1
        BF16WeightGradient.accumulate(dY: dY, x: x, rows: rows, outFeatures: outFeatures, inFeatures: inFeatures, into: &serial)
        Parallel.workers = saved
        XCTAssertLessThan(maxRelative(serial, dW.map(Double.init)), 1e-6)
    }

    func testUnknownPrecisionListsWhatRuns() {
        XCTAssertThrowsError(try Precision.parse("fp16")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("unknown precision 'fp16'"), text)
            XCTAssertTrue(text.contains("this machine runs fp32"), text)
        }
        XCTAssertEqual(try Precision.parse("BF16"), .bf16)
    }
}

/// A small seeded generator for test data (xorshift, Box–Muller).
struct TestRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func normal() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * .pi * v)
    }
}
