// DType: the element types a safetensors header may name, their bit widths and the reference writer's order.

/// An element type named by the `dtype` field of a safetensors header.
///
/// The cases and their order follow the `Dtype` enum of the reference Rust implementation
/// (huggingface/safetensors). The order matters to the writer: the reference sorts tensors by
/// descending dtype (in this order), then by name, before laying out the data buffer.
public enum DType: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case bool = "BOOL"
    case f4 = "F4"
    case f6e2m3 = "F6_E2M3"
    case f6e3m2 = "F6_E3M2"
    case u8 = "U8"
    case i8 = "I8"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3 = "F8_E4M3"
    case f8e8m0 = "F8_E8M0"
    case f8e4m3fnuz = "F8_E4M3FNUZ"
    case f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case c64 = "C64"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bits per element (4 and 6 for the packed micro-scaling float types).
    public var bitWidth: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Position in the reference implementation's `Dtype` declaration order.
    public var referenceRank: Int {
        // allCases is declared in the reference order; the list is short, so a scan is fine.
        DType.allCases.firstIndex(of: self) ?? 0
    }

    /// True for the types `SafeTensorsFile.floats` converts to `Float` (F32, F16, BF16).
    public var isConvertibleToFloat: Bool {
        self == .f32 || self == .f16 || self == .bf16
    }

    /// The name used in the file, e.g. "F32".
    public var description: String { rawValue }
}
