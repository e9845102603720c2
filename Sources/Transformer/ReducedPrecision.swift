// ReducedPrecision: an encoder's block weights packed for bf16 or int8 queries (`--precision`), made
// once per model and precision and shared read-only by every workspace that runs in it. Only the four
// linear layers of each block (query/key/value, attention output, feed-forward in and out) are packed:
// they are nearly all of a forward pass's arithmetic. Embeddings, LayerNorms, attention scores, the
// activation and the head stay fp32. bf16 training (mixed precision) also packs each weight for the input
// gradients and computes the weight gradients with bf16 operands (BF16WeightGradient); the fp32 master weights,
// the optimiser and everything else stay fp32.
import Foundation
import Tensors

/// A model's packed weights for one precision, by the weight's offset in the parameter store; for bf16
/// training also each weight packed for d input = dY · W.
final class PackedBlocks: @unchecked Sendable {
    let layers: [Int: PackedLinear]
    let transposed: [Int: PackedLinear]
    init(layers: [Int: PackedLinear], transposed: [Int: PackedLinear]) {
        self.layers = layers
        self.transposed = transposed
    }
}

extension EncoderModel {
    /// Packs the block weights for `precision` (nothing for fp32; once per precision). Throws a one-line
    /// error when this CPU cannot run it. Call before sharing the model between threads' queries, and again
    /// after its weights change (`discardPackedWeights`).
    /// `backward` (bf16 mixed-precision training): also the weights for the backward pass's input gradients.
    public func prepare(precision: Precision, backward: Bool = false) throws {
        guard precision.isReduced else { return }
        try OneDNN.require(precision)
        if backward && precision != .bf16 {
            throw PrecisionError("training runs in fp32 or bf16; \(precision.rawValue) is for queries only")
        }
        if let ready = packedBlocks(precision), !backward || !ready.transposed.isEmpty { return }
        var layers: [Int: PackedLinear] = [:], transposed: [Int: PackedLinear] = [:]
        for slots in weights.layers {
            for slot in [slots.qkv, slots.attentionOutput, slots.intermediate, slots.output] where layers[slot.weight] == nil {
                layers[slot.weight] = try PackedLinear(weight: value(slot.weight), outFeatures: slot.outFeatures,
                                                       inFeatures: slot.inFeatures, precision: precision)
                if backward {
                    transposed[slot.weight] = try PackedLinear(weight: value(slot.weight), outFeatures: slot.inFeatures,
                                                               inFeatures: slot.outFeatures, precision: precision, transposed: true)
                }
            }
        }
        packLock.withLock { packs[precision] = PackedBlocks(layers: layers, transposed: transposed) }
    }

    /// Forgets packed weights (the fp32 weights changed).
    public func discardPackedWeights() { packLock.withLock { packs.removeAll() } }

    /// Bytes the packed weights of `precision` hold (0 when not prepared).
    public func packedBytes(_ precision: Precision) -> Int {
        guard let blocks = packedBlocks(precision) else { return 0 }
        return (Array(blocks.layers.values) + Array(blocks.transposed.values)).reduce(0) { $0 + $1.bytes }
    }

    func packedBlocks(_ precision: Precision) -> PackedBlocks? { packLock.withLock { packs[precision] } }

    /// The packed weights of `slot` in `precision`, nil when the model was not prepared for it.
    @inline(__always)
    func packedLinear(_ slot: LinearSlot, _ precision: Precision) -> PackedLinear? {
        packedBlocks(precision)?.layers[slot.weight]
    }
}
