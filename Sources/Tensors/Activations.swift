// Activations: the element-wise non-linearities the encoder families use (exact erf GELU, the tanh
// approximation of GELU, ReLU, SiLU, tanh), forward and backward, parallel and vectorised with SIMD8;
// and the gated form GeGLU (act(input) · gate) with its backward pass.
import Foundation

/// An element-wise activation, named as transformers' `ACT2FN` names it (see `init(huggingFaceName:)`).
public enum Activation: String, Sendable, Equatable, CaseIterable {
    /// x·Φ(x) with the exact erf (transformers' "gelu", "gelu_python").
    case gelu
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (transformers' "gelu_new", "gelu_pytorch_tanh", "gelu_fast").
    case geluTanh
    case relu
    /// x·σ(x) (transformers' "silu", "swish").
    case silu
    case tanh

    /// The activation of one of transformers' `ACT2FN` names, or nil when robust does not implement it.
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu", "gelu_python": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_python_tanh": self = .geluTanh
        case "relu": self = .relu
        case "silu", "swish": self = .silu
        case "tanh": self = .tanh
        default: return nil
        }
    }

    /// The activation's usual name in config.json.
    public var huggingFaceName: String {
        switch self {
        case .gelu: return "gelu"
        case .geluTanh: return "gelu_new"
        case .relu: return "relu"
        case .silu: return "silu"
        case .tanh: return "tanh"
        }
    }

    /// The names `init(huggingFaceName:)` accepts, for error messages.
    public static let huggingFaceNames = ["gelu", "gelu_python", "gelu_new", "gelu_pytorch_tanh", "gelu_fast",
                                          "gelu_python_tanh", "relu", "silu", "swish", "tanh"]

    /// y = act(x) over `count` elements (`y` may be `x`).
    public func forward(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        switch self {
        case .gelu: RowKernels.gelu(x, count: count, into: y)
        case .tanh: RowKernels.tanh(x, count: count, into: y)
        default:
            RowKernels.map(count, x, into: y) { v in self.value(v) } scalar: { v in self.value(Vector(repeating: v))[0] }
        }
    }

    /// dx = dy · act′(x) over `count` elements (`dx` may be `dy`).
    public func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int, into dx: UnsafeMutablePointer<Float>) {
        switch self {
        case .gelu: RowKernels.geluBackward(x: x, dy: dy, count: count, into: dx)
        case .tanh:
            for i in 0..<count {
                let t = Foundation.tanh(x[i])
                dx[i] = dy[i] * (1 - t * t)
            }
        default:
            RowKernels.map2(count, x, dy, into: dx) { v, g in g * self.derivative(v) } scalar: { v, g in
                g * self.derivative(Vector(repeating: v))[0]
            }
        }
    }

    public typealias Vector = SIMD8<Float>

    /// √(2/π) and the cubic coefficient of the tanh approximation.
    static let tanhScale: Float = 0.7978845608028654
    static let cubic: Float = 0.044715

    @inline(__always)
    func value(_ v: Vector) -> Vector {
        switch self {
        case .gelu: return v * 0.5 * (1 + FastMath.erf(v * 0.70710678118654752))
        case .geluTanh:
            let inner = (v + v * v * v * Activation.cubic) * Activation.tanhScale
            return v * 0.5 * (1 + FastMath.tanh(inner))
        case .relu: return v.replacing(with: 0, where: v .< 0)
        case .silu: return v / (1 + FastMath.exp(-v))
        case .tanh: return FastMath.tanh(v)
        }
    }

    @inline(__always)
    func derivative(_ v: Vector) -> Vector {
        switch self {
        case .gelu:
            let cdf = 0.5 * (1 + FastMath.erf(v * 0.70710678118654752))
            return cdf + v * FastMath.exp(v * v * -0.5) * 0.3989422804014327
        case .geluTanh:
            let inner = (v + v * v * v * Activation.cubic) * Activation.tanhScale
            let t = FastMath.tanh(inner)
            let dInner = (1 + v * v * (3 * Activation.cubic)) * Activation.tanhScale
            return 0.5 * (1 + t) + v * 0.5 * (1 - t * t) * dInner
        case .relu: return Vector(repeating: 1).replacing(with: 0, where: v .<= 0)
        case .silu:
            let s = 1 / (1 + FastMath.exp(-v))
            return s * (1 + v * (1 - s))
        case .tanh:
            let t = FastMath.tanh(v)
            return 1 - t * t
        }
    }
}

extension RowKernels {
    /// y[i] = f(x[i]) in SIMD8 blocks split across workers, the tail with `scalar`.
    @inline(__always)
    static func map(_ count: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                    _ f: (Vector) -> Vector, scalar: (Float) -> Float) {
        Parallel.forEachRange(count / 8, grain: 4096) { blocks in
            for block in blocks { store(f(load(x + block * 8)), y + block * 8) }
        }
        for i in (count / 8 * 8)..<count { y[i] = scalar(x[i]) }
    }

    /// z[i] = f(x[i], y[i]) in SIMD8 blocks split across workers, the tail with `scalar`.
    @inline(__always)
    static func map2(_ count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>,
                     _ f: (Vector, Vector) -> Vector, scalar: (Float, Float) -> Float) {
        Parallel.forEachRange(count / 8, grain: 4096) { blocks in
            for block in blocks {
                let offset = block * 8
                store(f(load(x + offset), load(y + offset)), z + offset)
            }
        }
        for i in (count / 8 * 8)..<count { z[i] = scalar(x[i], y[i]) }
    }

    // MARK: Gated linear unit (GeGLU when the activation is GELU)

    /// For each of `rows` rows of `x` [rows, 2·width] (input half, then gate half):
    /// y[row, i] = act(input[i]) · gate[i], into y [rows, width].
    public static func gatedActivation(_ activation: Activation, _ x: UnsafePointer<Float>, rows: Int, width: Int,
                                       into y: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(rows, grain: max(1, 16_384 / max(width, 1))) { range in
            for row in range {
                let input = x + row * 2 * width, gate = input + width, out = y + row * width
                var i = 0
                while i + 8 <= width {
                    store(activation.value(load(input + i)) * load(gate + i), out + i)
                    i += 8
                }
                while i < width { out[i] = activation.value(Vector(repeating: input[i]))[0] * gate[i]; i += 1 }
            }
        }
    }

    /// Backward of `gatedActivation`: from dy [rows, width], writes dx [rows, 2·width] (input half:
    /// dy · gate · act′(input); gate half: dy · act(input)).
    public static func gatedActivationBackward(_ activation: Activation, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                               rows: Int, width: Int, into dx: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(rows, grain: max(1, 16_384 / max(width, 1))) { range in
            for row in range {
                let input = x + row * 2 * width, gate = input + width, g = dy + row * width
                let dInput = dx + row * 2 * width, dGate = dInput + width
                var i = 0
                while i + 8 <= width {
                    let v = load(input + i), d = load(g + i)
                    store(d * load(gate + i) * activation.derivative(v), dInput + i)
                    store(d * activation.value(v), dGate + i)
                    i += 8
                }
                while i < width {
                    let v = Vector(repeating: input[i])
                    dInput[i] = g[i] * gate[i] * activation.derivative(v)[0]
                    dGate[i] = g[i] * activation.value(v)[0]
                    i += 1
                }
            }
        }
    }
}
