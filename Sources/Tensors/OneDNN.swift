// OneDNN: what oneDNN (Debian's libdnnl, linked through the CDNNL system-library module) can run on this
// CPU, its engine, and each thread's own stream and primitive cache. The reduced-precision products
// themselves are in PackedLinear.swift.
//
// Threads: Debian's oneDNN runs on OpenMP. robust makes its own threads (`Parallel`), so every thread that
// calls oneDNN asks for an OpenMP team of one when it first does, and large products are split across
// robust's workers as `BLAS.gemm` splits them.
import CDNNL
import Foundation

/// The arithmetic of model queries: `fp32` is the reference; `bf16` and `int8` run the encoder's matrix
/// products through oneDNN (bf16 inputs with fp32 accumulation; int8 with per-token and per-channel scales
/// and int32 accumulation). LayerNorm, softmax, activations, attention and the head stay fp32.
public enum Precision: String, CaseIterable, Sendable, Codable, Comparable {
    case fp32, bf16, int8

    public var isReduced: Bool { self != .fp32 }

    public static func < (a: Precision, b: Precision) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }

    /// The value named `text`, or a one-line error listing the values and what runs on this machine.
    public static func parse(_ text: String) throws -> Precision {
        guard let precision = Precision(rawValue: text.lowercased()) else {
            throw PrecisionError("unknown precision '\(text)': use fp32, bf16 or int8 (this machine runs \(OneDNN.runnableList))")
        }
        return precision
    }
}

/// A precision that cannot be used here (one line).
public struct PrecisionError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum OneDNN {
    /// oneDNN's CPU engine (nil only when oneDNN cannot make one).
    nonisolated(unsafe) static let engine: dnnl_engine_t? = {
        var engine: dnnl_engine_t?
        guard dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success else { return nil }
        return engine
    }()

    /// The library's version, e.g. "2.6.3".
    public static var version: String {
        guard let v = dnnl_version()?.pointee else { return "unknown" }
        return "\(v.major).\(v.minor).\(v.patch)"
    }

    /// The instruction set oneDNN dispatches to on this CPU (lowered by `DNNL_MAX_CPU_ISA`).
    public static var isa: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        default: return "other"
        }
    }

    private static func has(_ needed: dnnl_cpu_isa_t) -> Bool {
        let effective = dnnl_get_effective_cpu_isa().rawValue
        return effective & needed.rawValue == needed.rawValue
    }

    /// Nil when `precision` runs natively here; else why not (one phrase).
    public static func unavailability(_ precision: Precision) -> String? {
        switch precision {
        case .fp32: return nil
        case .bf16:
            if engine == nil { return "oneDNN could not make a CPU engine" }
            return has(dnnl_cpu_isa_avx512_core_bf16) ? nil
                : "bf16 needs AVX512-BF16 (oneDNN's avx512_core_bf16); oneDNN reports \(isa) here"
        case .int8:
            if engine == nil { return "oneDNN could not make a CPU engine" }
            return has(dnnl_cpu_isa_avx512_core_vnni) || has(dnnl_cpu_isa_avx2_vnni) ? nil
                : "int8 needs VNNI (oneDNN's avx512_core_vnni or avx2_vnni); oneDNN reports \(isa) here"
        }
    }

    /// The precisions this machine runs natively.
    public static var runnable: [Precision] { Precision.allCases.filter { unavailability($0) == nil } }
    static var runnableList: String { runnable.map(\.rawValue).joined(separator: ", ") }

    /// Throws a one-line error when `precision` cannot run here, listing what can.
    public static func require(_ precision: Precision) throws {
        if let reason = unavailability(precision) {
            throw PrecisionError("precision \(precision.rawValue) cannot run here: \(reason); this machine runs \(runnableList)")
        }
    }

    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) throws {
        guard status == dnnl_success else { throw PrecisionError("oneDNN: \(what()) failed (status \(status.rawValue))") }
    }
}

/// One thread's oneDNN state: its stream, its primitives by shape, and its scratch memory. Made on a
/// thread's first reduced-precision product and freed when the thread ends.
final class OneDNNThread {
    let stream: dnnl_stream_t
    var primitives: [PrimitiveKey: MatmulPrimitive] = [:]
    /// Converted inputs (bf16 or int8) of one chunk, the per-row int8 scales, and primitive scratchpads.
    let source = RawBuffer()
    let scratch = RawBuffer()
    /// bf16 copies of one chunk of a weight gradient's operands.
    let gradient = RawBuffer()
    var rowScales: [Float] = []

    private init(stream: dnnl_stream_t) { self.stream = stream }

    deinit {
        primitives.removeAll()
        dnnl_stream_destroy(stream)
    }

    private static let key: pthread_key_t? = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<OneDNNThread>.fromOpaque(pointer).release()
        }
        return status == 0 ? key : nil
    }()

    /// This thread's state.
    static func current() throws -> OneDNNThread {
        guard let key else { throw PrecisionError("oneDNN: no thread-local storage") }
        if let pointer = pthread_getspecific(key) { return Unmanaged<OneDNNThread>.fromOpaque(pointer).takeUnretainedValue() }
        guard let engine = OneDNN.engine else { throw PrecisionError("oneDNN could not make a CPU engine") }
        robust_dnnl_single_thread()
        var stream: dnnl_stream_t?
        try OneDNN.check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "making a stream")
        guard let stream else { throw PrecisionError("oneDNN: no stream") }
        let state = OneDNNThread(stream: stream)
        pthread_setspecific(key, Unmanaged.passRetained(state).toOpaque())
        return state
    }
}

/// A growing 64-byte-aligned byte buffer (never shrinks, freed with its owner).
final class RawBuffer {
    private(set) var pointer: UnsafeMutableRawPointer?
    private(set) var capacity = 0

    func reserve(_ bytes: Int) -> UnsafeMutableRawPointer {
        if let pointer, capacity >= bytes { return pointer }
        pointer?.deallocate()
        let size = max(bytes, 64)
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        pointer = fresh
        capacity = size
        return fresh
    }

    deinit { pointer?.deallocate() }
}
