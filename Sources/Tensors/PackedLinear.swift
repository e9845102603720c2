// PackedLinear: a linear layer's weights converted once to bf16 or int8 and packed in the layout oneDNN's
// matmul picks, and the product Y[rows, out] = X[rows, in] · Wᵀ + bias with them. X and Y stay fp32.
//   bf16: X rounded to bf16 per call (nearest even), fp32 accumulation.
//   int8: dynamic symmetric per-token scales for X (max |x| of the row / 127), per-output-channel scales
//         for W (max |w| of the channel / 127), s8·s8 → s32 accumulation, rescaled to fp32.
// Rows go through in chunks of `chunkRows` (and one remainder), so each thread caches at most
// `chunkRows` primitives per layer shape; outside a parallel region, chunks are split across workers.
// A primitive oneDNN will not make falls back to the fp32 product for that chunk (counted in `fallbacks`).
import CDNNL
import Foundation
import Synchronization

struct PrimitiveKey: Hashable {
    var precision: Precision
    var rows: Int, outFeatures: Int, inFeatures: Int
    /// Adds into the destination (a sum post-op) instead of overwriting it.
    var accumulates = false
    /// The source's row stride when it is not `inFeatures` (a column block of a wider matrix, read transposed).
    var sourceStride = 0
}

/// One matmul primitive for one shape, with the memory objects its arguments are bound to per call.
final class MatmulPrimitive {
    let primitive: dnnl_primitive_t
    let source: dnnl_memory_t, weights: dnnl_memory_t, destination: dnnl_memory_t
    let scratchpad: dnnl_memory_t?
    let scratchBytes: Int

    /// `sourceStride` > 0: the source [rows, in] is read transposed from a matrix whose rows are `sourceStride`
    /// long (element (r, i) at i · sourceStride + r), as a weight gradient reads dYᵀ.
    init(key: PrimitiveKey, weightsDesc: dnnl_memory_desc_t, engine: dnnl_engine_t) throws {
        let type = PackedLinear.dataType(key.precision)
        var sourceDesc = dnnl_memory_desc_t(), destinationDesc = dnnl_memory_desc_t(), weightsDesc = weightsDesc
        if key.sourceStride > 0 {
            try OneDNN.check(robust_dnnl_md2_strided(&sourceDesc, Int64(key.rows), Int64(key.inFeatures), type, 1,
                                                     Int64(key.sourceStride)), "source layout")
        } else {
            try OneDNN.check(robust_dnnl_md2(&sourceDesc, Int64(key.rows), Int64(key.inFeatures), type, dnnl_ab), "source layout")
        }
        try OneDNN.check(robust_dnnl_md2(&destinationDesc, Int64(key.rows), Int64(key.outFeatures), dnnl_f32, dnnl_ab),
                         "destination layout")
        let descriptor = try PackedLinear.primitiveDescriptor(source: &sourceDesc, weights: &weightsDesc,
                                                              destination: &destinationDesc, engine: engine,
                                                              accumulate: key.accumulates)
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var primitive: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&primitive, descriptor), "making a matmul")
        guard let primitive else { throw PrecisionError("oneDNN: no matmul") }
        var made: [dnnl_memory_t] = []
        func memory(_ desc: UnsafePointer<dnnl_memory_desc_t>) throws -> dnnl_memory_t {
            var memory: dnnl_memory_t?
            // A placeholder handle: every call binds its own pointers.
            try OneDNN.check(dnnl_memory_create(&memory, desc, engine, nil), "binding memory")
            guard let memory else { throw PrecisionError("oneDNN: no memory") }
            made.append(memory)
            return memory
        }
        do {
            source = try memory(&sourceDesc)
            weights = try memory(&weightsDesc)
            destination = try memory(&destinationDesc)
            let scratchDesc = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)
            let bytes = scratchDesc.map { dnnl_memory_desc_get_size($0) } ?? 0
            scratchBytes = bytes
            scratchpad = bytes > 0 ? try scratchDesc.map { try memory($0) } : nil
        } catch {
            for memory in made { dnnl_memory_destroy(memory) }
            dnnl_primitive_destroy(primitive)
            throw error
        }
        self.primitive = primitive
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        for memory in [source, weights, destination] { dnnl_memory_destroy(memory) }
        if let scratchpad { dnnl_memory_destroy(scratchpad) }
    }

    /// Runs on `state`'s stream with its scratchpad, the data handles already bound.
    func execute(_ state: OneDNNThread) throws {
        if let scratchpad {
            dnnl_memory_set_data_handle(scratchpad, state.scratch.reserve(scratchBytes))
        }
        // The arguments on the stack: no allocation per product.
        let status = withUnsafeTemporaryAllocation(of: dnnl_exec_arg_t.self, capacity: 4) { arguments -> dnnl_status_t in
            arguments[0] = robust_dnnl_arg(DNNL_ARG_SRC, source)
            arguments[1] = robust_dnnl_arg(DNNL_ARG_WEIGHTS, weights)
            arguments[2] = robust_dnnl_arg(DNNL_ARG_DST, destination)
            var count: Int32 = 3
            if let scratchpad {
                arguments[3] = robust_dnnl_arg(DNNL_ARG_SCRATCHPAD, scratchpad)
                count = 4
            }
            return dnnl_primitive_execute(primitive, state.stream, count, arguments.baseAddress)
        }
        try OneDNN.check(status, "a matmul")
    }
}

public final class PackedLinear: @unchecked Sendable {
    public let precision: Precision
    public let inFeatures: Int
    public let outFeatures: Int
    /// The fp32 weights [out, in] (the model's own, not owned): the fallback.
    let original: UnsafePointer<Float>
    /// The packed weights (and, for int8, oneDNN's compensation after them).
    let packed: UnsafeMutableRawPointer
    let packedBytes: Int
    private(set) var weightsDesc: dnnl_memory_desc_t
    /// int8: each output channel's weight scale.
    let columnScales: [Float]
    /// The fp32 weights are stored [in, out] (see `init`).
    let transposed: Bool

    /// Rows per oneDNN call.
    public static let chunkRows = 64
    /// Chunks that fell back to fp32 because oneDNN would not run them (0 on a machine that runs the precision).
    public static var fallbacks: Int { fallbackCount.load(ordering: .relaxed) }
    static let fallbackCount = Atomic<Int>(0)

    static func dataType(_ precision: Precision) -> dnnl_data_type_t {
        switch precision {
        case .fp32: return dnnl_f32
        case .bf16: return dnnl_bf16
        case .int8: return dnnl_s8
        }
    }

    /// The matmul source[M, K] · weights[K, N] → f32 destination[M, N], in user-scratchpad mode.
    static func primitiveDescriptor(source: inout dnnl_memory_desc_t, weights: inout dnnl_memory_desc_t,
                                    destination: inout dnnl_memory_desc_t, engine: dnnl_engine_t,
                                    accumulate: Bool = false) throws -> dnnl_primitive_desc_t {
        var operation = dnnl_matmul_desc_t()
        try OneDNN.check(dnnl_matmul_desc_init(&operation, &source, &weights, nil, &destination), "describing a matmul")
        var attributes: dnnl_primitive_attr_t?
        try OneDNN.check(dnnl_primitive_attr_create(&attributes), "matmul attributes")
        defer { dnnl_primitive_attr_destroy(attributes) }
        try OneDNN.check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user), "user scratchpad")
        if accumulate {
            var operations: dnnl_post_ops_t?
            try OneDNN.check(dnnl_post_ops_create(&operations), "post-ops")
            defer { dnnl_post_ops_destroy(operations) }
            try OneDNN.check(dnnl_post_ops_append_sum(operations, 1), "a sum post-op")
            try OneDNN.check(dnnl_primitive_attr_set_post_ops(attributes, operations), "post-ops")
        }
        var descriptor: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_primitive_desc_create(&descriptor, &operation, attributes, engine, nil),
                         "a \(source.data_type == dnnl_bf16 ? "bf16" : "int8") matmul")
        guard let descriptor else { throw PrecisionError("oneDNN: no matmul descriptor") }
        return descriptor
    }

    /// Packs `weight` [out, in] (fp32, row-major, as Hugging Face stores it) for `precision` (bf16 or int8).
    /// Keeps a pointer to `weight` for the fp32 fallback: it must outlive this object.
    /// `transposed`: `weight` is stored as [in, out] instead (a layer's weight W [o, i] used as Wᵀ, for d input = dY · W:
    /// bf16 only).
    public init(weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int, precision: Precision,
                transposed: Bool = false) throws {
        guard precision.isReduced else { throw PrecisionError("internal: fp32 weights are not packed") }
        guard !transposed || precision == .bf16 else { throw PrecisionError("internal: transposed weights are bf16 only") }
        self.transposed = transposed
        try OneDNN.require(precision)
        guard let engine = OneDNN.engine else { throw PrecisionError("oneDNN could not make a CPU engine") }
        self.precision = precision
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        original = weight
        let type = PackedLinear.dataType(precision)
        // The layout oneDNN picks for these weights, from a matmul of one full chunk.
        var sourceDesc = dnnl_memory_desc_t(), weightsAny = dnnl_memory_desc_t(), destinationDesc = dnnl_memory_desc_t()
        try OneDNN.check(robust_dnnl_md2(&sourceDesc, Int64(PackedLinear.chunkRows), Int64(inFeatures), type, dnnl_ab), "source layout")
        try OneDNN.check(robust_dnnl_md2(&weightsAny, Int64(inFeatures), Int64(outFeatures), type, dnnl_format_tag_any), "weights layout")
        try OneDNN.check(robust_dnnl_md2(&destinationDesc, Int64(PackedLinear.chunkRows), Int64(outFeatures), dnnl_f32, dnnl_ab),
                         "destination layout")
        let descriptor = try PackedLinear.primitiveDescriptor(source: &sourceDesc, weights: &weightsAny,
                                                              destination: &destinationDesc, engine: engine)
        defer { dnnl_primitive_desc_destroy(descriptor) }
        guard let chosen = dnnl_primitive_desc_query_md(descriptor, dnnl_query_weights_md, 0)?.pointee else {
            throw PrecisionError("oneDNN: the matmul has no weights layout")
        }
        weightsDesc = chosen
        var chosenDesc = chosen
        packedBytes = dnnl_memory_desc_get_size(&chosenDesc)
        packed = UnsafeMutableRawPointer.allocate(byteCount: max(packedBytes, 64), alignment: 64)
        // Plain weights as the matmul reads them: [in, out] whose memory is W [out, in] (format `ba`).
        var scales: [Float] = []
        var plainDesc = dnnl_memory_desc_t()
        var quantised: [Int8] = []
        try OneDNN.check(robust_dnnl_md2(&plainDesc, Int64(inFeatures), Int64(outFeatures),
                                         precision == .bf16 ? dnnl_f32 : dnnl_s8, transposed ? dnnl_ab : dnnl_ba),
                         "plain weights layout")
        if precision == .int8 {
            scales = [Float](repeating: 1, count: outFeatures)
            quantised = [Int8](repeating: 0, count: outFeatures * inFeatures)
            for channel in 0..<outFeatures {
                let row = weight + channel * inFeatures
                var largest: Float = 0
                for i in 0..<inFeatures { largest = max(largest, abs(row[i])) }
                let scale = largest > 0 ? largest / 127 : 1
                scales[channel] = scale
                let inverse = 1 / scale
                for i in 0..<inFeatures {
                    quantised[channel * inFeatures + i] = LowPrecision.saturatingInt8(row[i] * inverse)
                }
            }
        }
        columnScales = scales
        do {
            try quantised.withUnsafeMutableBytes { bytes in
                let plain = precision == .bf16 ? UnsafeMutableRawPointer(mutating: weight) : bytes.baseAddress
                try PackedLinear.reorder(from: &plainDesc, plain, to: &chosenDesc, packed, engine: engine)
            }
        } catch {
            packed.deallocate()
            throw error
        }
    }

    deinit { packed.deallocate() }

    /// Bytes of packed weights.
    public var bytes: Int { packedBytes + columnScales.count * MemoryLayout<Float>.stride }

    static func reorder(from source: inout dnnl_memory_desc_t, _ sourceData: UnsafeMutableRawPointer?,
                        to destination: inout dnnl_memory_desc_t, _ destinationData: UnsafeMutableRawPointer,
                        engine: dnnl_engine_t) throws {
        var descriptor: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_reorder_primitive_desc_create(&descriptor, &source, engine, &destination, engine, nil), "packing weights")
        guard let descriptor else { throw PrecisionError("oneDNN: no reorder") }
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var primitive: dnnl_primitive_t?
        try OneDNN.check(dnnl_primitive_create(&primitive, descriptor), "making the packing reorder")
        defer { dnnl_primitive_destroy(primitive) }
        var from: dnnl_memory_t?, to: dnnl_memory_t?
        try OneDNN.check(dnnl_memory_create(&from, &source, engine, sourceData), "plain weights")
        defer { dnnl_memory_destroy(from) }
        try OneDNN.check(dnnl_memory_create(&to, &destination, engine, destinationData), "packed weights")
        defer { dnnl_memory_destroy(to) }
        let stream = try OneDNNThread.current().stream
        var arguments = [robust_dnnl_arg(DNNL_ARG_FROM, from), robust_dnnl_arg(DNNL_ARG_TO, to)]
        try OneDNN.check(dnnl_primitive_execute(primitive, stream, Int32(arguments.count), &arguments), "packing weights")
        try OneDNN.check(dnnl_stream_wait(stream), "packing weights")
    }

    /// Y[rows, out] = X[rows, in] · Wᵀ + bias; `accumulate`: Y += X · Wᵀ (no bias; bf16).
    public func apply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
                      accumulate: Bool = false) {
        guard rows > 0 else { return }
        let chunk = PackedLinear.chunkRows
        let chunks = (rows + chunk - 1) / chunk
        let workers = Parallel.workers
        if workers > 1, chunks > 1, !Parallel.insideParallelRegion, 2 * rows * inFeatures * outFeatures >= 8_000_000 {
            Parallel.forEachRange(chunks) { range in
                for part in range {
                    self.applyChunk(x, first: part * chunk, rows: min(chunk, rows - part * chunk), bias: bias, into: y,
                                    accumulate: accumulate)
                }
            }
        } else {
            for part in 0..<chunks {
                applyChunk(x, first: part * chunk, rows: min(chunk, rows - part * chunk), bias: bias, into: y, accumulate: accumulate)
            }
        }
    }

    private func applyChunk(_ x: UnsafePointer<Float>, first: Int, rows: Int, bias: UnsafePointer<Float>?,
                            into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let input = x + first * inFeatures, output = y + first * outFeatures
        do {
            try run(input, rows: rows, into: output, accumulate: accumulate)
        } catch {
            PackedLinear.fallbackCount.add(1, ordering: .relaxed)
            if transposed {
                BLAS.serialGemm(false, false, rows, outFeatures, inFeatures, 1, input, inFeatures, original, outFeatures,
                                accumulate ? 1 : 0, output, outFeatures)
            } else {
                BLAS.serialGemm(false, true, rows, outFeatures, inFeatures, 1, input, inFeatures, original, inFeatures,
                                accumulate ? 1 : 0, output, outFeatures)
            }
        }
        if let bias {
            for row in 0..<rows { RowKernels.add(bias, into: output + row * outFeatures, count: outFeatures) }
        }
    }

    /// One chunk through oneDNN: convert X, multiply, rescale (int8).
    private func run(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool) throws {
        let state = try OneDNNThread.current()
        let key = PrimitiveKey(precision: precision, rows: rows, outFeatures: outFeatures, inFeatures: inFeatures,
                               accumulates: accumulate)
        let primitive: MatmulPrimitive
        if let cached = state.primitives[key] {
            primitive = cached
        } else {
            guard let engine = OneDNN.engine else { throw PrecisionError("oneDNN could not make a CPU engine") }
            primitive = try MatmulPrimitive(key: key, weightsDesc: weightsDesc, engine: engine)
            state.primitives[key] = primitive
        }
        if accumulate && precision != .bf16 { throw PrecisionError("internal: accumulating products are bf16 only") }
        let count = rows * inFeatures
        switch precision {
        case .bf16:
            let source = state.source.reserve(count * 2).bindMemory(to: UInt16.self, capacity: count)
            LowPrecision.toBFloat16(x, count: count, into: source)
        case .int8:
            let source = state.source.reserve(count).bindMemory(to: Int8.self, capacity: count)
            if state.rowScales.count < rows { state.rowScales = [Float](repeating: 0, count: max(rows, PackedLinear.chunkRows)) }
            state.rowScales.withUnsafeMutableBufferPointer { scales in
                for row in 0..<rows {
                    scales[row] = LowPrecision.quantiseRow(x + row * inFeatures, count: inFeatures, into: source + row * inFeatures)
                }
            }
        case .fp32:
            throw PrecisionError("internal: fp32 through oneDNN")
        }
        dnnl_memory_set_data_handle(primitive.source, state.source.pointer)
        dnnl_memory_set_data_handle(primitive.weights, packed)
        dnnl_memory_set_data_handle(primitive.destination, y)
        try primitive.execute(state)
        if precision == .int8 {
            columnScales.withUnsafeBufferPointer { columns in
                guard let columns = columns.baseAddress else { return }
                state.rowScales.withUnsafeBufferPointer { scales in
                    for row in 0..<rows {
                        RowKernels.multiply(y + row * outFeatures, by: columns, scale: scales[row], count: outFeatures)
                    }
                }
            }
        }
    }
}

/// The conversions around reduced-precision products.
public enum LowPrecision {
    /// fp32 → bf16, rounding to nearest even (NaN stays NaN).
    @inline(__always)
    public static func toBFloat16(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<UInt16>) {
        x.withMemoryRebound(to: UInt32.self, capacity: count) { bits in
            for i in 0..<count {
                let u = bits[i]
                let rounded = u &+ 0x7FFF &+ ((u >> 16) & 1)
                y[i] = (u & 0x7FFF_FFFF) > 0x7F80_0000 ? UInt16(truncatingIfNeeded: u >> 16) | 0x40 : UInt16(truncatingIfNeeded: rounded >> 16)
            }
        }
    }

    /// The nearest int8 in [-127, 127] (NaN → -127: never traps).
    @inline(__always)
    public static func saturatingInt8(_ value: Float) -> Int8 {
        let v = value.rounded(.toNearestOrEven)
        return Int8(v > 127 ? 127 : (v >= -127 ? v : -127))
    }

    /// bf16 → fp32 (exact).
    @inline(__always)
    public static func fromBFloat16(_ value: UInt16) -> Float { Float(bitPattern: UInt32(value) << 16) }

    /// Symmetric int8 of one row: q = round(x / s) with s = max |x| / 127; returns s (1 for an all-zero row).
    @inline(__always)
    public static func quantiseRow(_ x: UnsafePointer<Float>, count: Int, into q: UnsafeMutablePointer<Int8>) -> Float {
        var largest: Float = 0
        for i in 0..<count { largest = max(largest, abs(x[i])) }
        let scale = largest > 0 ? largest / 127 : 1
        let inverse = 127 / max(largest, .leastNormalMagnitude)
        for i in 0..<count {
            q[i] = saturatingInt8(x[i] * inverse)
        }
        return scale
    }
}
