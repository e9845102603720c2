// BF16WeightGradient: a linear layer's weight gradient dW[out, in] += dYᵀ · X with bf16 operands and fp32
// accumulation (bf16 mixed-precision training; the fp32 master weights and AdamW's moments are untouched).
// Tokens are the reduction dimension: they go through in chunks of `chunkRows`, the last one padded with
// zero rows (exact: a zero row adds nothing), so one primitive per layer shape serves every batch; each
// chunk adds into dW through a sum post-op. Outside a parallel region the output rows are split across the
// workers. A chunk oneDNN will not run is computed in fp32 instead (counted in `PackedLinear.fallbacks`).
import CDNNL
import Foundation

public enum BF16WeightGradient {
    /// Tokens per oneDNN call (the reduction length).
    public static let chunkRows = 256

    /// dW [out, in] += dY [rows, out]ᵀ · X [rows, in].
    public static func accumulate(dY: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, outFeatures: Int,
                                  inFeatures: Int, into dW: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        let chunk = chunkRows
        let workers = Parallel.workers > 1 && !Parallel.insideParallelRegion && outFeatures >= 64 ? Parallel.workers : 1
        // Output rows per worker, a multiple of 16.
        let block = (outFeatures + workers - 1) / workers / 16 * 16 + 16
        let parts = stride(from: 0, to: outFeatures, by: block).map { $0..<min($0 + block, outFeatures) }
        guard let state = try? OneDNNThread.current() else {
            fp32(dY: dY, x: x, first: 0, rows: rows, columns: 0..<outFeatures, outFeatures: outFeatures, inFeatures: inFeatures, into: dW)
            return
        }
        let width = chunk * (outFeatures + inFeatures)
        let buffer = state.gradient.reserve(width * 2).bindMemory(to: UInt16.self, capacity: width)
        let dyChunk = buffer, xChunk = buffer + chunk * outFeatures
        for first in stride(from: 0, to: rows, by: chunk) {
            let count = min(chunk, rows - first)
            LowPrecision.toBFloat16(dY + first * outFeatures, count: count * outFeatures, into: dyChunk)
            LowPrecision.toBFloat16(x + first * inFeatures, count: count * inFeatures, into: xChunk)
            if count < chunk {
                (dyChunk + count * outFeatures).update(repeating: 0, count: (chunk - count) * outFeatures)
                (xChunk + count * inFeatures).update(repeating: 0, count: (chunk - count) * inFeatures)
            }
            let work = { (columns: Range<Int>) in
                do {
                    try run(dyChunk: dyChunk, xChunk: xChunk, columns: columns, outFeatures: outFeatures, inFeatures: inFeatures,
                            into: dW)
                } catch {
                    PackedLinear.fallbackCount.add(1, ordering: .relaxed)
                    fp32(dY: dY, x: x, first: first, rows: count, columns: columns, outFeatures: outFeatures,
                         inFeatures: inFeatures, into: dW)
                }
            }
            if parts.count > 1 {
                Parallel.forEach(parts.count) { part, _ in work(parts[part]) }
            } else {
                work(0..<outFeatures)
            }
        }
    }

    /// One chunk's product for the output rows `columns` (of dYᵀ), on the calling thread's primitives.
    private static func run(dyChunk: UnsafeMutablePointer<UInt16>, xChunk: UnsafeMutablePointer<UInt16>, columns: Range<Int>,
                            outFeatures: Int, inFeatures: Int, into dW: UnsafeMutablePointer<Float>) throws {
        let state = try OneDNNThread.current()
        // As a matmul: source dYᵀ[columns] [n, chunk] (read transposed, row stride outFeatures), weights X [chunk, in].
        let key = PrimitiveKey(precision: .bf16, rows: columns.count, outFeatures: inFeatures, inFeatures: chunkRows,
                               accumulates: true, sourceStride: outFeatures)
        let primitive: MatmulPrimitive
        if let cached = state.primitives[key] {
            primitive = cached
        } else {
            guard let engine = OneDNN.engine else { throw PrecisionError("oneDNN could not make a CPU engine") }
            var weights = dnnl_memory_desc_t()
            try OneDNN.check(robust_dnnl_md2(&weights, Int64(chunkRows), Int64(inFeatures), dnnl_bf16, dnnl_ab), "weights layout")
            primitive = try MatmulPrimitive(key: key, weightsDesc: weights, engine: engine)
            state.primitives[key] = primitive
        }
        dnnl_memory_set_data_handle(primitive.source, dyChunk + columns.lowerBound)
        dnnl_memory_set_data_handle(primitive.weights, xChunk)
        dnnl_memory_set_data_handle(primitive.destination, dW + columns.lowerBound * inFeatures)
        try primitive.execute(state)
    }

    /// The same chunk in fp32 (the fallback).
    private static func fp32(dY: UnsafePointer<Float>, x: UnsafePointer<Float>, first: Int, rows: Int, columns: Range<Int>,
                             outFeatures: Int, inFeatures: Int, into dW: UnsafeMutablePointer<Float>) {
        BLAS.serialGemm(true, false, columns.count, inFeatures, rows, 1, dY + first * outFeatures + columns.lowerBound, outFeatures,
                        x + first * inFeatures, inFeatures, 1, dW + columns.lowerBound * inFeatures, inFeatures)
    }
}
