// BLAS: row-major single-precision GEMM and vector helpers over OpenBLAS's CBLAS interface.
import CBLAS

public enum BLAS {
    /// OpenBLAS runs single-threaded; `gemm` splits large products across `Parallel.workers` itself.
    /// On 2-core machines this beats OpenBLAS's own threads (no spin/yield hand-offs per call, and
    /// small-M products split along N instead of M), and it composes with coarser parallel loops.
    private static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    /// C = alpha · op(A) · op(B) + beta · C, all row-major. op(A) is m×k, op(B) is k×n, C is m×n.
    /// Split across workers along the larger of m and n when the product is big enough.
    @inline(__always)
    public static func gemm(transA: Bool = false, transB: Bool = false,
                            m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = singleThreadedBLAS
        if m == 0 || n == 0 { return }
        let workers = Parallel.workers
        let flops = 2 * m * n * k
        guard workers > 1, flops >= 4_000_000, !Parallel.insideParallelRegion else {
            serialGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if m >= n || n < 32 * workers {
            // Rows of C: rows of op(A).
            let block = max(16, (m + workers - 1) / workers / 16 * 16)
            let parts = (m + block - 1) / block
            Parallel.forEachRange(parts) { range in
                for part in range {
                    let r0 = part * block, rows = min(block, m - r0)
                    serialGemm(transA, transB, rows, n, k, alpha, transA ? a + r0 : a + r0 * lda, lda, b, ldb,
                               beta, c + r0 * ldc, ldc)
                }
            }
        } else {
            // Columns of C: columns of op(B).
            let block = max(16, (n + workers - 1) / workers / 16 * 16)
            let parts = (n + block - 1) / block
            Parallel.forEachRange(parts) { range in
                for part in range {
                    let c0 = part * block, columns = min(block, n - c0)
                    serialGemm(transA, transB, m, columns, k, alpha, a, lda, transB ? b + c0 * ldb : b + c0, ldb,
                               beta, c + c0, ldc)
                }
            }
        }
    }

    @inline(__always)
    static func serialGemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                           _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                           _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Y[rows, out] = X[rows, in] · Wᵀ + bias, where W is [out, in] as stored by Hugging Face.
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                              weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures: Int,
                              into y: UnsafeMutablePointer<Float>) {
        if let bias {
            for row in 0..<rows { (y + row * outFeatures).update(from: bias, count: outFeatures) }
        }
        gemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: x, lda: inFeatures,
             b: weight, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: y, ldc: outFeatures)
    }

    /// Backward of `linear`: dX (+)= dY·W, dW += dYᵀ·X, dBias += Σ_rows dY. A nil `dWeight` skips the
    /// parameter gradients (input gradients only, e.g. for attacks: a third less work, no shared writes).
    public static func linearBackward(x: UnsafePointer<Float>, dY: UnsafePointer<Float>, rows: Int,
                                      inFeatures: Int, outFeatures: Int,
                                      weight: UnsafePointer<Float>,
                                      dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
                                      dX: UnsafeMutablePointer<Float>?, accumulateDX: Bool) {
        if let dX {
            gemm(m: rows, n: inFeatures, k: outFeatures, a: dY, lda: outFeatures, b: weight, ldb: inFeatures,
                 beta: accumulateDX ? 1 : 0, c: dX, ldc: inFeatures)
        }
        guard let dWeight else { return }
        gemm(transA: true, m: outFeatures, n: inFeatures, k: rows, a: dY, lda: outFeatures, b: x, ldb: inFeatures,
             beta: 1, c: dWeight, ldc: inFeatures)
        if let dBias { RowKernels.addColumnSums(dY, rows: rows, width: outFeatures, into: dBias) }
    }

    /// OpenBLAS's own thread count (1 once robust has made its first product).
    public static var threads: Int { Int(openblas_get_num_threads()) }
    public static var configuration: String {
        guard let text = openblas_get_config() else { return "OpenBLAS" }
        return String(cString: text)
    }
    public static var coreName: String {
        guard let text = openblas_get_corename() else { return "unknown" }
        return String(cString: text)
    }

    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        cblas_sdot(Int32(count), x, 1, y, 1)
    }
}
