// EncoderWeights: where each tensor of an encoder lives in the ParameterStore. The engine names its
// parameters as BERT does (without `bert.`) and adds names for what BERT lacks; each family maps these
// names to its own checkpoint keys (Families/). Query, key and value are laid out back to back so that
// one GEMM computes all three projections.
import Tensors

public struct LinearSlot: Sendable {
    public let weight: Int      // offset of [out, in]
    public let bias: Int?       // offset of [out]; nil for a layer without bias
    public let inFeatures: Int
    public let outFeatures: Int
}

public struct LayerNormSlot: Sendable {
    public let gamma: Int
    public let beta: Int?
}

public struct EncoderLayerSlots: Sendable {
    public let qkv: LinearSlot            // [3H, H]: query, key, value rows
    /// DeBERTa's own projections of the relative embeddings (`pos_key_proj`, `pos_query_proj`).
    public let positionKey: LinearSlot?
    public let positionQuery: LinearSlot?
    public let attentionOutput: LinearSlot
    public let intermediate: LinearSlot   // [I, H], or [2I, H] gated
    public let output: LinearSlot
    public let norms: Norms

    /// Where a block's LayerNorms sit, which is also which block function runs it.
    public enum Norms: Sendable {
        /// Post-LN: after the attention residual, and after the feed-forward residual.
        case post(attention: LayerNormSlot, output: LayerNormSlot)
        /// Pre-LN: before attention (absent in ModernBERT's first layer), and before the feed-forward block.
        case pre(input: LayerNormSlot?, feedForward: LayerNormSlot)
    }
}

/// How embeddings of `embeddingSize` reach the hidden size.
public enum ProjectionSlot: Sendable {
    case none
    /// After the embedding LayerNorm and dropout (ELECTRA, ALBERT).
    case afterNorm(LinearSlot)
    /// Between the sum and the LayerNorm, which is then over the hidden size (DeBERTa).
    case beforeNorm(LinearSlot)
}

/// A ViT's patch embedding: the projection (conv weight [H, C, p, p] read as [H, C·p·p]) and the [CLS] row.
public struct PatchSlots: Sendable {
    public let projection: LinearSlot
    public let cls: Int
}

public struct EncoderWeights: Sendable {
    /// The word table [vocab, E]; nil for a patch encoder.
    public let wordEmbeddings: Int?
    public let patches: PatchSlots?
    public let positionEmbeddings: Int?
    public let typeEmbeddings: Int?
    /// The embeddings' LayerNorm; nil for a patch encoder (ViT has none).
    public let embeddingNorm: LayerNormSlot?
    public let embeddingProjection: ProjectionSlot
    /// DeBERTa: the relative-position table [2·span, H] and its LayerNorm.
    public let relativeEmbeddings: Int?
    public let relativeNorm: LayerNormSlot?
    /// One per physical layer (ALBERT's blocks share them).
    public let layers: [EncoderLayerSlots]
    /// Pre-LN: the LayerNorm after the last layer.
    public let finalNorm: LayerNormSlot?
    /// The head's dense layer (BERT's pooler, DistilBERT's pre_classifier, RoBERTa's classifier.dense, …).
    public let pooler: LinearSlot?
    public let headNorm: LayerNormSlot?
    public let classifier: LinearSlot

    /// Head parameters: initialised (seeded) when a bare encoder's file lacks them.
    public static func isHead(_ name: String) -> Bool { name.hasPrefix("pooler.") || name.hasPrefix("classifier.") }

    /// Every tensor's engine name and shape, in arena order. `classes` sizes the classifier head.
    public static func layout(_ config: EncoderConfig, classes: Int) -> [(name: String, shape: [Int], decays: Bool)] {
        let a = config.architecture
        let h = config.hiddenSize, e = config.embeddingSize, inner = config.intermediateSize
        var items: [(String, [Int])] = []
        func linear(_ prefix: String, _ out: Int, _ input: Int, bias: Bool) {
            items.append((prefix + ".weight", [out, input]))
            if bias { items.append((prefix + ".bias", [out])) }
        }
        func norm(_ prefix: String, _ width: Int) {
            items.append((prefix + ".weight", [width]))
            if a.normBias { items.append((prefix + ".bias", [width])) }
        }
        if let p = a.patches {
            // Shapes as ViT's checkpoints hold them: cls_token [1, 1, H], position_embeddings [1, N + 1, H],
            // the patch projection as the Conv2d weight [H, C, p, p].
            items.append(("embeddings.cls_token", [1, 1, h]))
            items.append(("embeddings.position_embeddings", [1, p.sequenceLength, h]))
            items.append(("embeddings.patch_embeddings.projection.weight", [h, p.channels, p.patchSize, p.patchSize]))
            items.append(("embeddings.patch_embeddings.projection.bias", [h]))
        } else {
            items.append(("embeddings.word_embeddings.weight", [config.vocabSize, e]))
            if a.positions != .none { items.append(("embeddings.position_embeddings.weight", [config.maxPositions, e])) }
            if config.typeVocabSize > 0 { items.append(("embeddings.token_type_embeddings.weight", [config.typeVocabSize, e])) }
            if a.embeddingProjection == .beforeNorm { linear("embeddings.projection", h, e, bias: false) }
            norm("embeddings.LayerNorm", a.embeddingProjection == .beforeNorm ? h : e)
            if a.embeddingProjection == .afterNorm { linear("embeddings.projection", h, e, bias: true) }
        }
        if case .disentangled(let d) = a.attention {
            items.append(("encoder.relative_embeddings.weight", [2 * d.span, h]))
            if d.normalisesEmbeddings { norm("encoder.relative_embeddings.LayerNorm", h) }
        }
        let bias = a.attentionBias, qkvBias = a.attentionBias && a.qkvBias
        for layer in 0..<config.physicalLayerCount {
            let p = "encoder.layer.\(layer)."
            if a.block == .preNorm && (layer > 0 || a.firstBlockNorm) { norm(p + "attention.LayerNorm", h) }
            if a.fusedQKV {
                linear(p + "attention.self.qkv", 3 * h, h, bias: qkvBias)
            } else {
                items += [(p + "attention.self.query.weight", [h, h]), (p + "attention.self.key.weight", [h, h]),
                          (p + "attention.self.value.weight", [h, h])]
                if qkvBias {
                    items += [(p + "attention.self.query.bias", [h]), (p + "attention.self.key.bias", [h]),
                              (p + "attention.self.value.bias", [h])]
                }
            }
            if case .disentangled(let d) = a.attention, !d.sharesKey {
                if d.contentToPosition { linear(p + "attention.self.position_key", h, h, bias: true) }
                if d.positionToContent { linear(p + "attention.self.position_query", h, h, bias: true) }
            }
            linear(p + "attention.output.dense", h, h, bias: bias)
            if a.block == .postNorm {
                norm(p + "attention.output.LayerNorm", h)
            } else {
                norm(p + "intermediate.LayerNorm", h)
            }
            linear(p + "intermediate.dense", a.gatedFeedForward ? 2 * inner : inner, h, bias: a.feedForwardBias)
            linear(p + "output.dense", h, inner, bias: a.feedForwardBias)
            if a.block == .postNorm { norm(p + "output.LayerNorm", h) }
        }
        if a.block == .preNorm { norm("encoder.LayerNorm", h) }
        if a.head.dense { linear("pooler.dense", h, h, bias: a.head.denseBias) }
        if a.head.norm { norm("pooler.LayerNorm", h) }
        linear("classifier", classes, h, bias: true)
        // No weight decay on biases and LayerNorm gains, as transformers' Trainer (which decays ViT's [CLS] row
        // and position table).
        return items.map { (name: $0.0, shape: $0.1, decays: !($0.0.hasSuffix("bias") || $0.0.contains("LayerNorm"))) }
    }

    /// Resolves offsets from a store built with `layout`. Returns nil if a tensor is missing or the
    /// query/key/value rows are not contiguous.
    public init?(_ config: EncoderConfig, store: ParameterStore) {
        let a = config.architecture
        func offset(_ name: String) -> Int? { store.entry(name)?.offset }
        func linear(_ prefix: String, _ inFeatures: Int, _ outFeatures: Int, bias: Bool) -> LinearSlot? {
            guard let w = offset(prefix + ".weight") else { return nil }
            let b = offset(prefix + ".bias")
            guard (b != nil) == bias else { return nil }
            return LinearSlot(weight: w, bias: b, inFeatures: inFeatures, outFeatures: outFeatures)
        }
        func norm(_ prefix: String) -> LayerNormSlot? {
            guard let g = offset(prefix + ".weight") else { return nil }
            let b = offset(prefix + ".bias")
            guard (b != nil) == a.normBias else { return nil }
            return LayerNormSlot(gamma: g, beta: b)
        }
        let h = config.hiddenSize, e = config.embeddingSize, inner = config.intermediateSize
        guard let classifierEntry = store.entry("classifier.weight"),
              let classifier = linear("classifier", h, classifierEntry.shape[0], bias: true) else { return nil }
        var pooler: LinearSlot?
        if a.head.dense {
            guard let slot = linear("pooler.dense", h, h, bias: a.head.denseBias) else { return nil }
            pooler = slot
        }
        var word: Int?, embeddingNorm: LayerNormSlot?, patches: PatchSlots?, position: Int?, type: Int?
        if let p = a.patches {
            guard let cls = offset("embeddings.cls_token"), let table = offset("embeddings.position_embeddings"),
                  let projection = linear("embeddings.patch_embeddings.projection", p.patchValues, h, bias: true) else { return nil }
            patches = PatchSlots(projection: projection, cls: cls)
            position = table
        } else {
            guard let table = offset("embeddings.word_embeddings.weight"), let slot = norm("embeddings.LayerNorm") else { return nil }
            word = table
            embeddingNorm = slot
            position = offset("embeddings.position_embeddings.weight")
            type = offset("embeddings.token_type_embeddings.weight")
            guard (position != nil) == (a.positions != .none), (type != nil) == (config.typeVocabSize > 0) else { return nil }
        }
        var projection = ProjectionSlot.none
        if a.embeddingProjection != .none {
            guard let slot = linear("embeddings.projection", e, h, bias: a.embeddingProjection == .afterNorm) else { return nil }
            projection = a.embeddingProjection == .afterNorm ? .afterNorm(slot) : .beforeNorm(slot)
        }
        var relative: Int?, relativeNorm: LayerNormSlot?
        if case .disentangled(let d) = a.attention {
            guard let table = offset("encoder.relative_embeddings.weight") else { return nil }
            relative = table
            if d.normalisesEmbeddings {
                guard let slot = norm("encoder.relative_embeddings.LayerNorm") else { return nil }
                relativeNorm = slot
            }
        }
        var layers: [EncoderLayerSlots] = []
        for layer in 0..<config.physicalLayerCount {
            let p = "encoder.layer.\(layer)."
            let qkv: LinearSlot
            if a.fusedQKV {
                guard let fused = linear(p + "attention.self.qkv", h, 3 * h, bias: a.attentionBias && a.qkvBias) else { return nil }
                qkv = fused
            } else {
                guard let q = offset(p + "attention.self.query.weight"), let k = offset(p + "attention.self.key.weight"),
                      let v = offset(p + "attention.self.value.weight"), k == q + h * h, v == k + h * h else { return nil }
                var qb: Int?
                if a.attentionBias && a.qkvBias {
                    guard let b = offset(p + "attention.self.query.bias"), offset(p + "attention.self.key.bias") == b + h,
                          offset(p + "attention.self.value.bias") == b + 2 * h else { return nil }
                    qb = b
                }
                qkv = LinearSlot(weight: q, bias: qb, inFeatures: h, outFeatures: 3 * h)
            }
            var positionKey: LinearSlot?, positionQuery: LinearSlot?
            if case .disentangled(let d) = a.attention, !d.sharesKey {
                if d.contentToPosition {
                    guard let slot = linear(p + "attention.self.position_key", h, h, bias: true) else { return nil }
                    positionKey = slot
                }
                if d.positionToContent {
                    guard let slot = linear(p + "attention.self.position_query", h, h, bias: true) else { return nil }
                    positionQuery = slot
                }
            }
            guard let attentionOutput = linear(p + "attention.output.dense", h, h, bias: a.attentionBias),
                  let intermediate = linear(p + "intermediate.dense", h, a.gatedFeedForward ? 2 * inner : inner,
                                            bias: a.feedForwardBias),
                  let output = linear(p + "output.dense", inner, h, bias: a.feedForwardBias) else { return nil }
            let norms: EncoderLayerSlots.Norms
            switch a.block {
            case .postNorm:
                guard let attention = norm(p + "attention.output.LayerNorm"), let after = norm(p + "output.LayerNorm") else { return nil }
                norms = .post(attention: attention, output: after)
            case .preNorm:
                let input = norm(p + "attention.LayerNorm")
                guard (input != nil) == (layer > 0 || a.firstBlockNorm), let feedForward = norm(p + "intermediate.LayerNorm") else { return nil }
                norms = .pre(input: input, feedForward: feedForward)
            }
            layers.append(EncoderLayerSlots(
                qkv: qkv, positionKey: positionKey, positionQuery: positionQuery, attentionOutput: attentionOutput,
                intermediate: intermediate, output: output, norms: norms))
        }
        var finalNorm: LayerNormSlot?
        if a.block == .preNorm {
            guard let slot = norm("encoder.LayerNorm") else { return nil }
            finalNorm = slot
        }
        var headNorm: LayerNormSlot?
        if a.head.norm {
            guard let slot = norm("pooler.LayerNorm") else { return nil }
            headNorm = slot
        }
        wordEmbeddings = word
        self.patches = patches
        positionEmbeddings = position
        typeEmbeddings = type
        self.embeddingNorm = embeddingNorm
        embeddingProjection = projection
        relativeEmbeddings = relative
        self.relativeNorm = relativeNorm
        self.layers = layers
        self.finalNorm = finalNorm
        self.pooler = pooler
        self.headNorm = headNorm
        self.classifier = classifier
    }
}
