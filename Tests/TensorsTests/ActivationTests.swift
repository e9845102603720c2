// ActivationTests: every Activation (tanh-approximated GELU, ReLU, SiLU, tanh; exact GELU keeps its own
// GELUTests) and the gated form GeGLU, forward and backward, against naive Double references, with
// SIMD tails and in-place use; and the names transformers' configs use.
import Foundation
import Tensors
import XCTest

final class ActivationTests: XCTestCase {
    /// transformers' NewGELUActivation in Double: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    static func referenceTanhGELU(_ x: Double) -> Double {
        0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }

    static func reference(_ activation: Activation, _ x: Double) -> Double {
        switch activation {
        case .gelu: return referenceGELU(x)
        case .geluTanh: return referenceTanhGELU(x)
        case .relu: return max(x, 0)
        case .silu: return x / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        }
    }

    /// Central difference of the Double reference (the analytic derivatives are what is under test).
    static func referenceDerivative(_ activation: Activation, _ x: Double) -> Double {
        if activation == .relu { return x > 0 ? 1 : 0 }
        let h = 1e-6 * max(1, abs(x))
        return (reference(activation, x + h) - reference(activation, x - h)) / (2 * h)
    }

    func testForwardAndBackwardMatchDoubleReferences() {
        // 20 001 points plus a few away from the sweep: odd length, so the scalar tail runs too.
        let xs = sweep(-8, 8, count: 20_001) + [0, -0.0, 1e-7, -1e-7, 30, -30, 80, -80]
        let dy = xs.indices.map { Float(sin(Double($0))) }
        for activation in [Activation.geluTanh, .relu, .silu, .tanh, .gelu] {
            var y = [Float](repeating: .nan, count: xs.count), dx = y
            activation.forward(xs, count: xs.count, into: &y)
            activation.backward(x: xs, dy: dy, count: xs.count, into: &dx)
            var forward = ErrorStats(), backward = ErrorStats()
            for i in xs.indices {
                let x = Double(xs[i])
                forward.record(input: x, value: y[i], reference: Self.reference(activation, x))
                backward.record(input: x, value: dx[i], reference: Double(dy[i]) * Self.referenceDerivative(activation, x))
            }
            print("\(activation): forward \(forward); backward \(backward)")
            XCTAssertLessThanOrEqual(forward.maxAbs, 2e-6, "\(activation) forward \(forward)")
            XCTAssertLessThanOrEqual(backward.maxAbs, 5e-6, "\(activation) backward \(backward)")
            XCTAssertFalse(y.contains { $0.isNaN } || dx.contains { $0.isNaN }, "\(activation)")
        }
    }

    func testInPlaceAndTailsAgreeWithTheFullArray() {
        var rng = TestRNG(3)
        let data = rng.floats(37, -4, 4)
        for activation in Activation.allCases {
            var full = [Float](repeating: 0, count: data.count)
            activation.forward(data, count: data.count, into: &full)
            for count in [0, 1, 7, 8, 9, 16, 36] {
                var y = [Float](repeating: 123, count: data.count)
                activation.forward(data, count: count, into: &y)
                XCTAssertEqual(Array(y[0..<count]), Array(full[0..<count]), "\(activation) count \(count)")
                XCTAssertTrue(y[count...].allSatisfy { $0 == 123 }, "\(activation) wrote past \(count)")
            }
            var inPlace = data
            inPlace.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                activation.forward(base, count: p.count, into: base)
            }
            XCTAssertEqual(inPlace, full, "\(activation) in place")
        }
    }

    func testGatedActivationAndItsBackwardMatchDouble() {
        var rng = TestRNG(9)
        let rows = 5, width = 21   // not a multiple of 8: the scalar tail runs
        let x = rng.floats(rows * 2 * width, -3, 3), dy = rng.floats(rows * width, -1, 1)
        for activation in [Activation.gelu, .geluTanh, .silu] {
            var y = [Float](repeating: .nan, count: rows * width)
            var dx = [Float](repeating: .nan, count: rows * 2 * width)
            RowKernels.gatedActivation(activation, x, rows: rows, width: width, into: &y)
            RowKernels.gatedActivationBackward(activation, x: x, dy: dy, rows: rows, width: width, into: &dx)
            var worstForward = 0.0, worstBackward = 0.0
            for row in 0..<rows {
                for i in 0..<width {
                    let input = Double(x[row * 2 * width + i]), gate = Double(x[row * 2 * width + width + i])
                    let g = Double(dy[row * width + i])
                    worstForward = max(worstForward, abs(Double(y[row * width + i]) - Self.reference(activation, input) * gate))
                    let dInput = g * gate * Self.referenceDerivative(activation, input)
                    let dGate = g * Self.reference(activation, input)
                    worstBackward = max(worstBackward, abs(Double(dx[row * 2 * width + i]) - dInput),
                                        abs(Double(dx[row * 2 * width + width + i]) - dGate))
                }
            }
            print("gated \(activation): forward \(worstForward), backward \(worstBackward)")
            XCTAssertLessThanOrEqual(worstForward, 5e-6, "\(activation)")
            XCTAssertLessThanOrEqual(worstBackward, 5e-6, "\(activation)")
        }
    }

    func testHuggingFaceNames() {
        XCTAssertEqual(Activation(huggingFaceName: "gelu"), .gelu)
        XCTAssertEqual(Activation(huggingFaceName: "gelu_python"), .gelu)
        XCTAssertEqual(Activation(huggingFaceName: "gelu_new"), .geluTanh)
        XCTAssertEqual(Activation(huggingFaceName: "gelu_pytorch_tanh"), .geluTanh)
        XCTAssertEqual(Activation(huggingFaceName: "relu"), .relu)
        XCTAssertEqual(Activation(huggingFaceName: "swish"), .silu)
        XCTAssertNil(Activation(huggingFaceName: "quick_gelu"))
        for activation in Activation.allCases { XCTAssertEqual(Activation(huggingFaceName: activation.huggingFaceName), activation) }
    }
}
