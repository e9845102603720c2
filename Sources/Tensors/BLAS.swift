// BLAS: row-major single-precision GEMM and vector helpers over OpenBLAS's CBLAS interface.
import CBLAS

public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, all row-major. op(A) is m×k, op(B) is k×n, C is m×n.
    @inline(__always)
    public static func gemm(transA: Bool = false, transB: Bool = false,
                            m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
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

    /// Backward of `linear`: dX (+)= dY·W, dW += dYᵀ·X, dBias += Σ_rows dY.
    public static func linearBackward(x: UnsafePointer<Float>, dY: UnsafePointer<Float>, rows: Int,
                                      inFeatures: Int, outFeatures: Int,
                                      weight: UnsafePointer<Float>,
                                      dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                      dX: UnsafeMutablePointer<Float>?, accumulateDX: Bool) {
        if let dX {
            gemm(m: rows, n: inFeatures, k: outFeatures, a: dY, lda: outFeatures, b: weight, ldb: inFeatures,
                 beta: accumulateDX ? 1 : 0, c: dX, ldc: inFeatures)
        }
        gemm(transA: true, m: outFeatures, n: inFeatures, k: rows, a: dY, lda: outFeatures, b: x, ldb: inFeatures,
             beta: 1, c: dWeight, ldc: inFeatures)
        if let dBias { RowKernels.addColumnSums(dY, rows: rows, width: outFeatures, into: dBias) }
    }

    public static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }
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
