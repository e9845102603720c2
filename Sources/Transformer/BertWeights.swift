// BertWeights: where each BERT tensor lives in the ParameterStore, named as Hugging Face names them
// (without the `bert.` prefix). Query, key and value are laid out back to back so that one GEMM
// computes all three projections.
import Tensors

public struct LinearSlot: Sendable {
    public let weight: Int      // offset of [out, in]
    public let bias: Int        // offset of [out]
    public let inFeatures: Int
    public let outFeatures: Int
}

public struct LayerNormSlot: Sendable {
    public let gamma: Int
    public let beta: Int
}

public struct EncoderLayerSlots: Sendable {
    public let qkv: LinearSlot            // [3H, H]: query, key, value rows
    public let attentionOutput: LinearSlot
    public let attentionNorm: LayerNormSlot
    public let intermediate: LinearSlot
    public let output: LinearSlot
    public let outputNorm: LayerNormSlot
}

public struct BertWeights: Sendable {
    public let wordEmbeddings: Int
    public let positionEmbeddings: Int
    public let typeEmbeddings: Int
    public let embeddingNorm: LayerNormSlot
    public let layers: [EncoderLayerSlots]
    public let pooler: LinearSlot
    public let classifier: LinearSlot

    /// Every tensor's HF name and shape, in arena order. `classes` sizes the classifier head.
    public static func layout(_ config: BertConfig, classes: Int) -> [(name: String, shape: [Int], decays: Bool)] {
        let h = config.hiddenSize, i = config.intermediateSize
        var items: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [config.vocabSize, h]),
            ("embeddings.position_embeddings.weight", [config.maxPositions, h]),
            ("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h]),
            ("embeddings.LayerNorm.weight", [h]), ("embeddings.LayerNorm.bias", [h]),
        ]
        for layer in 0..<config.layerCount {
            let p = "encoder.layer.\(layer)."
            items += [
                (p + "attention.self.query.weight", [h, h]), (p + "attention.self.key.weight", [h, h]),
                (p + "attention.self.value.weight", [h, h]),
                (p + "attention.self.query.bias", [h]), (p + "attention.self.key.bias", [h]),
                (p + "attention.self.value.bias", [h]),
                (p + "attention.output.dense.weight", [h, h]), (p + "attention.output.dense.bias", [h]),
                (p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h]),
                (p + "intermediate.dense.weight", [i, h]), (p + "intermediate.dense.bias", [i]),
                (p + "output.dense.weight", [h, i]), (p + "output.dense.bias", [h]),
                (p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h]),
            ]
        }
        items += [("pooler.dense.weight", [h, h]), ("pooler.dense.bias", [h]),
                  ("classifier.weight", [classes, h]), ("classifier.bias", [classes])]
        return items.map { (name: $0.0, shape: $0.1, decays: !($0.0.hasSuffix("bias") || $0.0.contains("LayerNorm"))) }
    }

    /// Resolves offsets from a store built with `layout`. Returns nil if a tensor is missing or the
    /// fused query/key/value rows are not contiguous.
    public init?(_ config: BertConfig, store: ParameterStore) {
        func offset(_ name: String) -> Int? { store.entry(name)?.offset }
        func linear(_ prefix: String, _ inFeatures: Int, _ outFeatures: Int) -> LinearSlot? {
            guard let w = offset(prefix + ".weight"), let b = offset(prefix + ".bias") else { return nil }
            return LinearSlot(weight: w, bias: b, inFeatures: inFeatures, outFeatures: outFeatures)
        }
        func norm(_ prefix: String) -> LayerNormSlot? {
            guard let g = offset(prefix + ".weight"), let b = offset(prefix + ".bias") else { return nil }
            return LayerNormSlot(gamma: g, beta: b)
        }
        let h = config.hiddenSize, inter = config.intermediateSize
        guard let word = offset("embeddings.word_embeddings.weight"),
              let position = offset("embeddings.position_embeddings.weight"),
              let type = offset("embeddings.token_type_embeddings.weight"),
              let embeddingNorm = norm("embeddings.LayerNorm"),
              let pooler = linear("pooler.dense", h, h),
              let classifierEntry = store.entry("classifier.weight"),
              let classifier = linear("classifier", h, classifierEntry.shape[0]) else { return nil }
        var layers: [EncoderLayerSlots] = []
        for layer in 0..<config.layerCount {
            let p = "encoder.layer.\(layer)."
            guard let q = offset(p + "attention.self.query.weight"), let k = offset(p + "attention.self.key.weight"),
                  let v = offset(p + "attention.self.value.weight"),
                  let qb = offset(p + "attention.self.query.bias"), let kb = offset(p + "attention.self.key.bias"),
                  let vb = offset(p + "attention.self.value.bias"),
                  k == q + h * h, v == k + h * h, kb == qb + h, vb == kb + h,
                  let attentionOutput = linear(p + "attention.output.dense", h, h),
                  let attentionNorm = norm(p + "attention.output.LayerNorm"),
                  let intermediate = linear(p + "intermediate.dense", h, inter),
                  let output = linear(p + "output.dense", inter, h),
                  let outputNorm = norm(p + "output.LayerNorm") else { return nil }
            layers.append(EncoderLayerSlots(
                qkv: LinearSlot(weight: q, bias: qb, inFeatures: h, outFeatures: 3 * h),
                attentionOutput: attentionOutput, attentionNorm: attentionNorm,
                intermediate: intermediate, output: output, outputNorm: outputNorm))
        }
        wordEmbeddings = word
        positionEmbeddings = position
        typeEmbeddings = type
        self.embeddingNorm = embeddingNorm
        self.layers = layers
        self.pooler = pooler
        self.classifier = classifier
    }
}
