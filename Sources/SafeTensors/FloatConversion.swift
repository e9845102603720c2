// FloatConversion: exact F16/BF16 ↔ Float conversions (subnormals, infinities, NaN) and bulk little-endian decoding.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bit-level conversions between Float and the 16-bit float formats, written without relying on
/// the platform's `Float16` (which is missing on some targets).
public enum FloatConversion {
    /// IEEE 754 binary16 → Float. Exact for every input: subnormals are scaled, infinities kept,
    /// NaN payloads and signs preserved (shifted into the top of the Float mantissa).
    @inline(__always)
    public static func float(fromF16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }  // ±0
            // Subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: magnitude.bitPattern | sign)
        }
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))  // ±inf or NaN
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// bfloat16 → Float: the top 16 bits of a Float. Exact for every input.
    @inline(__always)
    public static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Float → IEEE 754 binary16, rounding to nearest, ties to even. Overflow gives ±inf,
    /// underflow gives subnormals or ±0, NaN stays NaN (quiet, sign and top payload bits kept).
    public static func f16Bits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xFF)
        let mantissa = x & 0x7F_FFFF
        if exponent == 0xFF {
            if mantissa == 0 { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let e = exponent - 112  // the binary16 biased exponent
        if e >= 31 { return sign | 0x7C00 }
        if e <= 0 {
            // Result is subnormal (or zero): significand = m × 2^(e − 14), with m the 24-bit significand.
            if e < -10 { return sign }  // below half the smallest subnormal: rounds to zero
            let m = mantissa | 0x80_0000
            let shift = UInt32(14 - e)  // 14...24
            let q = m >> shift
            let remainder = m & ((1 << shift) - 1)
            let halfway: UInt32 = 1 << (shift - 1)
            var r = q
            if remainder > halfway || (remainder == halfway && (q & 1) == 1) { r += 1 }
            return sign | UInt16(truncatingIfNeeded: r)  // r = 0x400 carries into the smallest normal
        }
        var r = UInt32(e) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (r & 1) == 1) { r += 1 }  // may carry up to inf
        return sign | UInt16(truncatingIfNeeded: r)
    }

    /// Float → bfloat16, rounding to nearest, ties to even. NaN stays NaN (quiet, sign kept).
    @inline(__always)
    public static func bf16Bits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: x >> 16) | 0x0040 }
        let lsb = (x >> 16) & 1
        return UInt16(truncatingIfNeeded: (x &+ 0x7FFF &+ lsb) >> 16)
    }
}

/// Decodes `count` little-endian elements of `dtype` (F32, F16 or BF16) from possibly unaligned
/// `source` into `destination`. The caller has checked the sizes.
func decodeFloats(_ dtype: DType, from source: UnsafeRawPointer, count: Int,
                  into destination: UnsafeMutablePointer<Float>) {
    switch dtype {
    case .f32:
        #if _endian(little)
        memcpy(destination, source, count * 4)  // memcpy: no alignment requirement on source
        #else
        for i in 0..<count {
            let bits = source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
            destination[i] = Float(bitPattern: UInt32(littleEndian: bits))
        }
        #endif
    case .f16:
        for i in 0..<count {
            let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            destination[i] = FloatConversion.float(fromF16: bits)
        }
    case .bf16:
        for i in 0..<count {
            let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            destination[i] = FloatConversion.float(fromBF16: bits)
        }
    default:
        break  // callers only pass float dtypes
    }
}

/// Encodes `source` as little-endian `dtype` (F32, F16 or BF16) into `destination`.
func encodeFloats(_ source: UnsafeBufferPointer<Float>, as dtype: DType, into destination: UnsafeMutableRawPointer) {
    switch dtype {
    case .f32:
        for (i, v) in source.enumerated() {
            destination.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
        }
    case .f16:
        for (i, v) in source.enumerated() {
            destination.storeBytes(of: FloatConversion.f16Bits(from: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    case .bf16:
        for (i, v) in source.enumerated() {
            destination.storeBytes(of: FloatConversion.bf16Bits(from: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    default:
        break
    }
}
