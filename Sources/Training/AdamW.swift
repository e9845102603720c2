// AdamW: Adam with decoupled weight decay over a ParameterStore, as torch.optim.AdamW computes it;
// plus global-norm gradient clipping as torch.nn.utils.clip_grad_norm_.
import Foundation
import Tensors

public struct AdamWSettings: Sendable, Codable, Equatable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0.01

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

public final class AdamW {
    public let settings: AdamWSettings
    public private(set) var stepCount = 0
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer
    let store: ParameterStore

    public init(store: ParameterStore, settings: AdamWSettings = AdamWSettings()) {
        self.store = store
        self.settings = settings
        firstMoment = FloatBuffer(capacity: store.count)
        secondMoment = FloatBuffer(capacity: store.count)
    }

    /// One update with learning rate `learningRate`, from the gradients in the store multiplied by
    /// `gradientScale` (gradient clipping, fused here to save a pass over memory). With
    /// `zeroingGradients`, each gradient is cleared once read, ready for the next backward pass.
    public func step(learningRate: Float, gradientScale: Float = 1, zeroingGradients: Bool = false) {
        stepCount += 1
        let s = settings
        let correction1 = 1 - pow(Double(s.beta1), Double(stepCount))
        let correction2 = 1 - pow(Double(s.beta2), Double(stepCount))
        let stepSize = Float(Double(learningRate) / correction1)
        let rootCorrection2 = Float(correction2.squareRoot())
        let m = firstMoment.pointer, v = secondMoment.pointer
        let p = store.values.pointer, g = store.gradients.pointer
        for entry in store.entries {
            let decay = entry.decays ? 1 - learningRate * s.weightDecay : 1
            let base = entry.offset
            Parallel.forEachRange(entry.count, grain: 1 << 15) { range in
                // SIMD8 body (the scalar loop does not vectorise: sqrt and division), then a scalar tail.
                typealias V = SIMD8<Float>
                let beta1 = V(repeating: s.beta1), beta2 = V(repeating: s.beta2)
                let oneMinusBeta1 = V(repeating: 1 - s.beta1), oneMinusBeta2 = V(repeating: 1 - s.beta2)
                let scaleV = V(repeating: gradientScale), decayV = V(repeating: decay)
                let stepV = V(repeating: stepSize), rootV = V(repeating: rootCorrection2), epsV = V(repeating: s.epsilon)
                var j = range.lowerBound
                while j + 8 <= range.upperBound {
                    let i = base + j
                    let gradient = UnsafeRawPointer(g + i).loadUnaligned(as: V.self) * scaleV
                    if zeroingGradients { UnsafeMutableRawPointer(g + i).storeBytes(of: V(), as: V.self) }
                    var parameter = UnsafeRawPointer(p + i).loadUnaligned(as: V.self) * decayV
                    let first = beta1 * UnsafeRawPointer(m + i).loadUnaligned(as: V.self) + oneMinusBeta1 * gradient
                    let second = beta2 * UnsafeRawPointer(v + i).loadUnaligned(as: V.self) + oneMinusBeta2 * gradient * gradient
                    parameter -= stepV * first / (second.squareRoot() / rootV + epsV)
                    UnsafeMutableRawPointer(m + i).storeBytes(of: first, as: V.self)
                    UnsafeMutableRawPointer(v + i).storeBytes(of: second, as: V.self)
                    UnsafeMutableRawPointer(p + i).storeBytes(of: parameter, as: V.self)
                    j += 8
                }
                while j < range.upperBound {
                    let i = base + j
                    let gradient = g[i] * gradientScale
                    if zeroingGradients { g[i] = 0 }
                    p[i] *= decay
                    m[i] = s.beta1 * m[i] + (1 - s.beta1) * gradient
                    v[i] = s.beta2 * v[i] + (1 - s.beta2) * gradient * gradient
                    let denominator = v[i].squareRoot() / rootCorrection2 + s.epsilon
                    p[i] -= stepSize * m[i] / denominator
                    j += 1
                }
            }
        }
    }

    /// Optimiser state for resuming: moments and step count.
    public func state() -> (step: Int, first: [Float], second: [Float]) {
        (stepCount, firstMoment.array(store.count), secondMoment.array(store.count))
    }

    public func restore(step: Int, first: [Float], second: [Float]) throws {
        guard first.count == store.count, second.count == store.count, step >= 0 else {
            throw TrainingError.invalidState("optimiser state has \(first.count) values; the model has \(store.count)")
        }
        stepCount = step
        for (i, value) in first.enumerated() { firstMoment.pointer[i] = value }
        for (i, value) in second.enumerated() { secondMoment.pointer[i] = value }
    }
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidState(String)
    case invalidSettings(String)

    public var description: String {
        switch self {
        case .invalidState(let message): return "training state: \(message)"
        case .invalidSettings(let message): return "training settings: \(message)"
        }
    }
}

public enum GradientClipping {
    /// The global L2 norm of the gradients and the factor that brings it down to `maxNorm` (1 if already below).
    public static func scale(_ store: ParameterStore, maxNorm: Float) -> (norm: Float, scale: Float) {
        let norm = store.gradientNorm()
        return (norm, min(1, maxNorm / (norm + 1e-6)))
    }

    /// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clip(_ store: ParameterStore, maxNorm: Float) -> Float {
        let norm = store.gradientNorm()
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            let g = store.gradients.pointer
            Parallel.forEachRange(store.count, grain: 1 << 15) { range in
                for i in range { g[i] *= coefficient }
            }
        }
        return norm
    }
}
