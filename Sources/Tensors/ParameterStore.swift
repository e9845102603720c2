// ParameterStore: every trainable tensor of a model in one contiguous arena, with a parallel gradient
// arena, so optimisers, gradient clipping and zeroing are single loops over memory.
import Foundation

public struct ParameterEntry: Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public let count: Int
    /// Whether AdamW applies weight decay (not to biases or LayerNorm, as in Hugging Face recipes).
    public let decays: Bool
}

public final class ParameterStore: @unchecked Sendable {
    public let entries: [ParameterEntry]
    public let count: Int
    public let values: FloatBuffer
    public let gradients: FloatBuffer
    private let indexByName: [String: Int]

    /// Lays tensors out back to back in the given order (no padding, so neighbours can be fused).
    public init(layout: [(name: String, shape: [Int], decays: Bool)]) {
        var entries: [ParameterEntry] = []
        var offset = 0
        for item in layout {
            let count = item.shape.reduce(1, *)
            entries.append(ParameterEntry(name: item.name, shape: item.shape, offset: offset, count: count,
                                          decays: item.decays))
            offset += count
        }
        self.entries = entries
        self.count = offset
        values = FloatBuffer(capacity: offset)
        gradients = FloatBuffer(capacity: offset)
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() { index[entry.name] = position }
        indexByName = index
    }

    public func entry(_ name: String) -> ParameterEntry? { indexByName[name].map { entries[$0] } }

    public func value(at offset: Int) -> UnsafeMutablePointer<Float> { values.pointer + offset }
    public func gradient(at offset: Int) -> UnsafeMutablePointer<Float> { gradients.pointer + offset }

    public func zeroGradients() { gradients.zero(count) }

    /// The values of one named tensor, copied (tests and checkpoint writing).
    public func array(_ name: String) -> [Float]? {
        guard let entry = entry(name) else { return nil }
        return Array(UnsafeBufferPointer(start: values.pointer + entry.offset, count: entry.count))
    }

    public func gradientArray(_ name: String) -> [Float]? {
        guard let entry = entry(name) else { return nil }
        return Array(UnsafeBufferPointer(start: gradients.pointer + entry.offset, count: entry.count))
    }

    /// √(Σ g²) over every gradient.
    public func gradientNorm() -> Float {
        var total: Double = 0
        for entry in entries {
            let g = gradients.pointer + entry.offset
            total += Double(BLAS.dot(g, g, count: entry.count))
        }
        return Float(total.squareRoot())
    }
}
