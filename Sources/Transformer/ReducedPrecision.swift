// ReducedPrecision: an encoder's block weights packed for bf16 or int8 queries (`--precision`), made
// once per model and precision and shared read-only by every workspace that runs in it. Only the four
// linear layers of each block (query/key/value, attention output, feed-forward in and out) are packed:
// they are nearly all of a forward pass's arithmetic. Embeddings, LayerNorms, attention scores, the
// activation and the head stay fp32, and training and gradients always run in fp32.
import Foundation
import Tensors

/// A model's packed weights for one precision, by the weight's offset in the parameter store.
final class PackedBlocks: @unchecked Sendable {
    let layers: [Int: PackedLinear]
    init(layers: [Int: PackedLinear]) { self.layers = layers }
}

extension EncoderModel {
    /// Packs the block weights for `precision` (nothing for fp32; once per precision). Throws a one-line
    /// error when this CPU cannot run it. Call before sharing the model between threads' queries, and again
    /// after its weights change (`discardPackedWeights`).
    public func prepare(precision: Precision) throws {
        guard precision.isReduced else { return }
        try OneDNN.require(precision)
        if packedBlocks(precision) != nil { return }
        var layers: [Int: PackedLinear] = [:]
        for slots in weights.layers {
            for slot in [slots.qkv, slots.attentionOutput, slots.intermediate, slots.output] where layers[slot.weight] == nil {
                layers[slot.weight] = try PackedLinear(weight: value(slot.weight), outFeatures: slot.outFeatures,
                                                       inFeatures: slot.inFeatures, precision: precision)
            }
        }
        packLock.withLock { packs[precision] = PackedBlocks(layers: layers) }
    }

    /// Forgets packed weights (the fp32 weights changed).
    public func discardPackedWeights() { packLock.withLock { packs.removeAll() } }

    /// Bytes the packed weights of `precision` hold (0 when not prepared).
    public func packedBytes(_ precision: Precision) -> Int {
        packedBlocks(precision)?.layers.values.reduce(0) { $0 + $1.bytes } ?? 0
    }

    func packedBlocks(_ precision: Precision) -> PackedBlocks? { packLock.withLock { packs[precision] } }

    /// The packed weights of `slot` in `precision`, nil when the model was not prepared for it.
    @inline(__always)
    func packedLinear(_ slot: LinearSlot, _ precision: Precision) -> PackedLinear? {
        packedBlocks(precision)?.layers[slot.weight]
    }
}
