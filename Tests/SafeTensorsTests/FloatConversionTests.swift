// FloatConversionTests: F16/BF16 ↔ Float on hand-made bit patterns, exhaustively against Float16 where available, and unaligned reads.
import Basics
import XCTest
import SafeTensors

final class FloatConversionTests: XCTestCase {
    func f16(_ bits: UInt16) -> Float { FloatConversion.float(fromF16: bits) }
    func bf16(_ bits: UInt16) -> Float { FloatConversion.float(fromBF16: bits) }

    func testF16HandMadePatterns() {
        XCTAssertEqual(f16(0x0000).bitPattern, 0x0000_0000)            // +0
        XCTAssertEqual(f16(0x8000).bitPattern, 0x8000_0000)            // -0
        XCTAssertEqual(f16(0x3C00), 1)
        XCTAssertEqual(f16(0xBC00), -1)
        XCTAssertEqual(f16(0x3555), 0.333251953125)
        XCTAssertEqual(f16(0x7BFF), 65504)                              // max finite
        XCTAssertEqual(f16(0xFBFF), -65504)
        XCTAssertEqual(f16(0x0400), 0x1p-14)                            // min normal
        XCTAssertEqual(f16(0x0001), 0x1p-24)                            // min subnormal
        XCTAssertEqual(f16(0x8001), -0x1p-24)
        XCTAssertEqual(f16(0x03FF), 1023 * 0x1p-24)                     // max subnormal
        XCTAssertEqual(f16(0x7C00), .infinity)
        XCTAssertEqual(f16(0xFC00), -.infinity)
        XCTAssertTrue(f16(0x7E00).isNaN)
        XCTAssertTrue(f16(0x7C01).isNaN)                                // signalling NaN stays NaN
        XCTAssertTrue(f16(0xFE00).isNaN)
        XCTAssertEqual(f16(0xFE00).sign, .minus)
        XCTAssertEqual(f16(0x7E01).bitPattern, 0x7FC0_2000)             // payload kept
    }

    func testBF16HandMadePatterns() {
        XCTAssertEqual(bf16(0x0000).bitPattern, 0)
        XCTAssertEqual(bf16(0x8000).bitPattern, 0x8000_0000)
        XCTAssertEqual(bf16(0x3F80), 1)
        XCTAssertEqual(bf16(0xC000), -2)
        XCTAssertEqual(bf16(0x7F7F), Float(bitPattern: 0x7F7F_0000))   // max finite ≈ 3.39e38
        XCTAssertEqual(bf16(0x0080), Float.leastNormalMagnitude)
        XCTAssertEqual(bf16(0x0001), Float(bitPattern: 0x0001_0000))   // min subnormal 2^-133
        XCTAssertEqual(bf16(0x0001), 0x1p-133)
        XCTAssertEqual(bf16(0x7F80), .infinity)
        XCTAssertEqual(bf16(0xFF80), -.infinity)
        XCTAssertTrue(bf16(0x7FC0).isNaN)
        XCTAssertTrue(bf16(0x7F81).isNaN)
    }

    func testFloatToF16Rounding() {
        func h(_ v: Float) -> UInt16 { FloatConversion.f16Bits(from: v) }
        XCTAssertEqual(h(0), 0x0000)
        XCTAssertEqual(h(-0.0), 0x8000)
        XCTAssertEqual(h(1), 0x3C00)
        XCTAssertEqual(h(65504), 0x7BFF)
        XCTAssertEqual(h(65519), 0x7BFF)          // below the halfway point to 65536
        XCTAssertEqual(h(65520), 0x7C00)          // halfway rounds to even = inf
        XCTAssertEqual(h(1e10), 0x7C00)
        XCTAssertEqual(h(-.infinity), 0xFC00)
        XCTAssertEqual(h(0x1p-24), 0x0001)
        XCTAssertEqual(h(0x1p-25), 0x0000)        // tie → even (0)
        XCTAssertEqual(h(0x1.8p-25), 0x0001)      // above the tie
        XCTAssertEqual(h(0x1.8p-24), 0x0002)      // 1.5 ulp tie → even (2)
        XCTAssertEqual(h(0x1p-26), 0x0000)
        XCTAssertEqual(h(1 + 0x1p-11), 0x3C00)    // tie → even
        XCTAssertEqual(h(1 + 0x1.8p-11), 0x3C01)
        XCTAssertEqual(h(0x1.FFFp-15), 0x0400)    // rounds up from subnormal into the smallest normal
        XCTAssertEqual(h(.nan) & 0x7E00, 0x7E00)
        XCTAssertEqual(h(-Float.nan) & 0x8000, 0x8000)
    }

    func testFloatToBF16Rounding() {
        func b(_ v: Float) -> UInt16 { FloatConversion.bf16Bits(from: v) }
        XCTAssertEqual(b(1), 0x3F80)
        XCTAssertEqual(b(Float(bitPattern: 0x3F80_8000)), 0x3F80)  // tie → even
        XCTAssertEqual(b(Float(bitPattern: 0x3F81_8000)), 0x3F82)  // tie → even (up)
        XCTAssertEqual(b(Float(bitPattern: 0x3F80_8001)), 0x3F81)
        XCTAssertEqual(b(.greatestFiniteMagnitude), 0x7F80)         // rounds to inf
        XCTAssertEqual(b(-.infinity), 0xFF80)
        XCTAssertEqual(b(Float(bitPattern: 0x7F80_0001)) & 0x7FC0, 0x7FC0)  // signalling NaN → quiet NaN, not inf
    }

    /// Every F16 bit pattern: round trip through Float is exact (NaN stays NaN), and the conversion agrees with the platform's Float16.
    func testF16ExhaustiveRoundTrip() {
        var roundTripFailures: [UInt16] = []
        var platformFailures: [UInt16] = []
        for raw in 0...UInt16.max {
            let f = f16(raw)
            let back = FloatConversion.f16Bits(from: f)
            if f.isNaN ? !f16(back).isNaN : back != raw { roundTripFailures.append(raw) }
            #if !(os(macOS) && arch(x86_64))
            let reference = Float(Float16(bitPattern: raw))
            if !(reference.bitPattern == f.bitPattern || (reference.isNaN && f.isNaN)) { platformFailures.append(raw) }
            #endif
        }
        XCTAssertEqual(roundTripFailures.count, 0, "first failing patterns: \(roundTripFailures.prefix(8).map { String($0, radix: 16) })")
        XCTAssertEqual(platformFailures.count, 0, "first failing patterns: \(platformFailures.prefix(8).map { String($0, radix: 16) })")
    }

    /// Float → F16 agrees with the platform's Float16 conversion on many random floats.
    func testFloatToF16AgreesWithPlatform() {
        #if !(os(macOS) && arch(x86_64))
        var rng = SeededRandom(seed: 7)
        var failures: [UInt32] = []
        for _ in 0..<200_000 {
            // Bias exponents toward the F16 range so subnormal and overflow edges are hit often.
            var bits = UInt32.random(in: 0...UInt32.max, using: &rng)
            if bits & 1 == 0 { bits = (bits & 0x807F_FFFF) | (UInt32.random(in: 95...145, using: &rng) << 23) }
            let v = Float(bitPattern: bits)
            let mine = FloatConversion.f16Bits(from: v)
            let ok = v.isNaN ? Float16(bitPattern: mine).isNaN : mine == Float16(v).bitPattern
            if !ok { failures.append(bits) }
        }
        XCTAssertEqual(failures.count, 0, "first failing float bits: \(failures.prefix(8).map { String($0, radix: 16) })")
        #endif
    }

    /// Tensors whose data starts at odd offsets (the header length need not be a multiple of 8).
    func testUnalignedReads() throws {
        let values: [Float] = [1, -2, 0.1, .infinity]
        var data = f32Bytes(values)
        data += [0x00, 0x3C, 0x01, 0x00]   // F16 1, min subnormal
        data += [0x80, 0x3F, 0x80, 0xFF]   // BF16 1, -inf
        let header = #"{"f":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[20,24]}}"#
        for pad in 0..<8 {
            let bytes = image(header + String(repeating: " ", count: pad), data: data)
            let file = try SafeTensorsFile(bytes: bytes)
            XCTAssertEqual(try file.floats("f"), values)
            XCTAssertEqual(try file.floats("h"), [1, 0x1p-24])
            XCTAssertEqual(try file.floats("b"), [1, -.infinity])
        }
    }
}
