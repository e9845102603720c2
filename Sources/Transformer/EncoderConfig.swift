// EncoderConfig: what the engine needs to know about one encoder — its sizes, dropout rates and labels,
// and the `Architecture`: the few places where the families differ (positions, embedding projection,
// block layout, attention kind, feed-forward kind, layer sharing, biases, classification head). Each
// family (Families/) decodes its own config.json keys into this; the engine reads nothing else.
import Foundation
import Tensors

public enum EngineError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case checkpoint(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidConfig(let message): return "invalid config.json: \(message)"
        case .checkpoint(let message): return "checkpoint: \(message)"
        case .invalidInput(let message): return "invalid input: \(message)"
        }
    }
}

/// Dropout probabilities by site; nil where the family has no dropout at that site.
public struct DropoutRates: Sendable, Equatable {
    /// After the embedding LayerNorm (ModernBERT: `embedding_dropout`).
    public var embeddings: Float?
    /// On attention probabilities.
    public var attention: Float?
    /// On the attention block's output projection, before the residual sum.
    public var attentionOutput: Float?
    /// On the feed-forward block (BERT: its output, before the residual; ModernBERT: the gated product).
    public var feedForward: Float?
    /// On DeBERTa's relative-position embeddings, in every layer.
    public var relativeEmbeddings: Float?
    /// On the pooled row before the head's dense layer (RoBERTa, ELECTRA, DeBERTa's ContextPooler).
    public var headInput: Float?
    /// Before the classifier.
    public var classifier: Float?

    public init(embeddings: Float? = nil, attention: Float? = nil, attentionOutput: Float? = nil, feedForward: Float? = nil,
                relativeEmbeddings: Float? = nil, headInput: Float? = nil, classifier: Float? = nil) {
        self.embeddings = embeddings
        self.attention = attention
        self.attentionOutput = attentionOutput
        self.feedForward = feedForward
        self.relativeEmbeddings = relativeEmbeddings
        self.headInput = headInput
        self.classifier = classifier
    }

    /// BERT's three rates: hidden (embeddings, attention output, feed-forward), attention, classifier.
    public init(hidden: Float, attention: Float, classifier: Float) {
        self.init(embeddings: hidden, attention: attention, attentionOutput: hidden, feedForward: hidden,
                  classifier: classifier)
    }

    /// The same probability `p` at every site the family has (`robust train --dropout p`).
    public func uniform(_ p: Float) -> DropoutRates {
        func site(_ rate: Float?) -> Float? { rate == nil ? nil : p }
        return DropoutRates(embeddings: site(embeddings), attention: site(attention), attentionOutput: site(attentionOutput),
                            feedForward: site(feedForward), relativeEmbeddings: site(relativeEmbeddings),
                            headInput: site(headInput), classifier: site(classifier))
    }

    var all: [(String, Float?)] {
        [("embeddings", embeddings), ("attention", attention), ("attention output", attentionOutput),
         ("feed-forward", feedForward), ("relative embeddings", relativeEmbeddings), ("head input", headInput),
         ("classifier", classifier)]
    }
}

/// The classification head of a `*ForSequenceClassification`: pool one row per sequence, optional
/// dropout, dense, activation, optional LayerNorm, dropout, classifier.
public struct HeadConfig: Sendable, Equatable {
    public enum Pooling: String, Sendable { case first, mean }
    public var pooling: Pooling
    public var denseBias: Bool
    public var activation: Activation
    /// A LayerNorm after the activation (ModernBERT's `head.norm`).
    public var norm: Bool
    /// Whether there is a dense layer (+ activation) before the classifier; ViT's classifier reads the
    /// pooled row directly.
    public var dense: Bool

    public init(pooling: Pooling = .first, denseBias: Bool = true, activation: Activation = .tanh, norm: Bool = false,
                dense: Bool = true) {
        self.pooling = pooling
        self.denseBias = denseBias
        self.activation = activation
        self.norm = norm
        self.dense = dense
    }
}

/// DeBERTa-v2/v3 disentangled attention: content-to-position and position-to-content terms over
/// (log-bucketed) relative positions.
public struct DisentangledAttention: Sendable, Equatable {
    public var contentToPosition: Bool
    public var positionToContent: Bool
    /// Positions use the query and key projections (`share_att_key`), else their own.
    public var sharesKey: Bool
    /// `position_buckets` (≤ 0: none, relative distances up to `maxRelativePositions`).
    public var buckets: Int
    public var maxRelativePositions: Int
    /// LayerNorm over the relative embeddings (`norm_rel_ebd: layer_norm`).
    public var normalisesEmbeddings: Bool

    public init(contentToPosition: Bool, positionToContent: Bool, sharesKey: Bool, buckets: Int, maxRelativePositions: Int,
                normalisesEmbeddings: Bool) {
        self.contentToPosition = contentToPosition
        self.positionToContent = positionToContent
        self.sharesKey = sharesKey
        self.buckets = buckets
        self.maxRelativePositions = maxRelativePositions
        self.normalisesEmbeddings = normalisesEmbeddings
    }

    /// Half the number of relative-embedding rows (`att_span`).
    public var span: Int { buckets > 0 ? buckets : maxRelativePositions }
    /// 1 + one per position term: the scores are divided by √(head size · this).
    public var scaleFactor: Int { 1 + (contentToPosition ? 1 : 0) + (positionToContent ? 1 : 0) }

    /// The relative-embedding row of query i and key j: clamp(bucket(i − j) + span, 0, 2·span − 1).
    public func row(_ distance: Int) -> Int {
        min(max(bucket(distance) + span, 0), 2 * span - 1)
    }

    /// transformers' `make_log_bucket_position` (identity without buckets).
    func bucket(_ distance: Int) -> Int {
        guard buckets > 0, maxRelativePositions > 0 else { return distance }
        let mid = buckets / 2
        let magnitude = abs(distance)
        if magnitude <= mid || (distance < mid && distance > -mid) { return distance }
        // torch computes this in float32: ceil(log(|d| / mid) / log((max − 1) / mid) · (mid − 1)) + mid.
        let ratio = Float(magnitude) / Float(mid)
        let logMax = Float(Foundation.log(Double(Float(maxRelativePositions - 1) / Float(mid))))
        let scaled = Float(Foundation.log(Double(ratio))) / logMax * Float(mid - 1)
        let position = Int(scaled.rounded(.up)) + mid
        return distance < 0 ? -position : position
    }
}

/// ModernBERT's rotary attention: global layers see every key, local ones a window of keys.
public struct RotaryAttention: Sendable, Equatable {
    public var globalTheta: Float
    public var localTheta: Float
    /// A key j is in query i's local window when |i − j| ≤ this (`local_attention // 2`).
    public var localHalfWindow: Int
    /// Whether each layer is global (`layer_types`: full_attention) or local (sliding_attention).
    public var globalLayers: [Bool]

    public init(globalTheta: Float, localTheta: Float, localHalfWindow: Int, globalLayers: [Bool]) {
        self.globalTheta = globalTheta
        self.localTheta = localTheta
        self.localHalfWindow = localHalfWindow
        self.globalLayers = globalLayers
    }
}

/// Where the families differ. BERT's values are the defaults.
public struct Architecture: Sendable, Equatable {
    public enum Positions: Sendable, Equatable {
        /// No position table (relative or rotary positions instead).
        case none
        /// Learned absolute positions 0, 1, 2, … per sequence.
        case learned
        /// RoBERTa's: padding_idx + 1 + the count of non-padding tokens so far; a padding id gets padding_idx.
        case learnedAfterPadding
    }
    public var positions: Positions = .learned

    public enum Projection: Sendable, Equatable {
        case none
        /// ELECTRA's `embeddings_project`, ALBERT's `embedding_hidden_mapping_in`: after LayerNorm and dropout.
        case afterNorm
        /// DeBERTa's `embed_proj` (no bias): between the sum and the LayerNorm, which is then over the hidden size.
        case beforeNorm
    }
    /// How embeddings of `embeddingSize` reach the hidden size (none when they are equal).
    public var embeddingProjection: Projection = .none

    public enum Block: Sendable, Equatable {
        /// BERT: x → LN(x + attention(x)) → LN(· + FFN(·)).
        case postNorm
        /// ModernBERT: x + attention(LN(x)) (no LN in layer 0), then + FFN(LN(·)); a final LN.
        case preNorm
    }
    public var block: Block = .postNorm

    public enum Attention: Sendable, Equatable {
        case standard
        case disentangled(DisentangledAttention)
        case rotary(RotaryAttention)
    }
    public var attention: Attention = .standard

    /// GeGLU: the intermediate projection has 2·intermediate outputs, act(first half) · second half.
    public var gatedFeedForward = false
    public var attentionBias = true
    /// Query, key and value biases (when `attentionBias`); ViT's `qkv_bias: false` drops only these.
    public var qkvBias = true
    public var feedForwardBias = true
    public var normBias = true

    /// ALBERT: `layerCount` applications of `groups` shared groups of `innerLayers` layers each.
    public var sharedGroups: Int? = nil
    public var innerLayers = 1

    public var head = HeadConfig()

    /// What the encoder reads: token ids (every text family) or image patches (ViT).
    public var input: Input = .tokens
    public enum Input: Sendable, Equatable {
        case tokens
        case patches(PatchGeometry)
    }
    /// Query, key and value stored as one tensor (ModernBERT's `Wqkv`) rather than three.
    public var fusedQKV = false
    /// Pre-LN: whether the first block has its attention LayerNorm (ViT: yes; ModernBERT: no).
    public var firstBlockNorm = true
    /// Pre-LN: where the feed-forward dropout sits — on the activated inner product (ModernBERT's
    /// `mlp_dropout`) or on the block's output before the residual (ViT's `ViTOutput`).
    public var feedForwardDropoutOnOutput = false

    public init() {}

    /// The image geometry of a patch encoder; nil for a text encoder.
    public var patches: PatchGeometry? {
        if case .patches(let geometry) = input { return geometry }
        return nil
    }
}

/// A ViT's patch embedding: square images of `imageSize` with `channels`, cut into non-overlapping
/// `patchSize` squares (a Conv2d with stride = kernel = patch size, as a GEMM over unfolded patches); a
/// [CLS] row then one row per patch, in row-major patch order.
public struct PatchGeometry: Sendable, Equatable {
    public var channels: Int
    public var imageSize: Int
    public var patchSize: Int

    public init(channels: Int, imageSize: Int, patchSize: Int) {
        self.channels = channels
        self.imageSize = imageSize
        self.patchSize = patchSize
    }

    public var patchesPerSide: Int { imageSize / patchSize }
    public var patchCount: Int { patchesPerSide * patchesPerSide }
    /// Values per unfolded patch: channels × patch × patch, in the conv weight's (c, i, j) order.
    public var patchValues: Int { channels * patchSize * patchSize }
    /// Tokens per image: [CLS] + patches.
    public var sequenceLength: Int { patchCount + 1 }
}

public struct EncoderConfig: Sendable, Equatable {
    /// config.json's `model_type` (the family that reads and writes it).
    public var modelType: String
    public var vocabSize: Int
    public var hiddenSize: Int
    /// Width of the word vectors (ALBERT, ELECTRA, DeBERTa may factorise; otherwise the hidden size).
    public var embeddingSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    /// 0: the family has no token-type embeddings.
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var padTokenID: Int
    public var activation: Activation
    public var dropout: DropoutRates
    public var architecture: Architecture
    /// Class names in id order; empty for a bare encoder.
    public var labels: [String]

    public var headSize: Int { hiddenSize / headCount }

    /// BERT's rates, for callers that think in them.
    public var hiddenDropout: Float { dropout.feedForward ?? 0 }
    public var attentionDropout: Float { dropout.attention ?? 0 }

    /// A BERT configuration (the family the engine started with); other families build theirs in Families/.
    public init(vocabSize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                hiddenDropout: Float = 0.1, attentionDropout: Float = 0.1, classifierDropout: Float? = nil,
                maxPositions: Int = 512, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12,
                padTokenID: Int = 0, activation: Activation = .gelu, labels: [String] = []) throws {
        try self.init(modelType: "bert", vocabSize: vocabSize, hiddenSize: hiddenSize, embeddingSize: hiddenSize,
                      layerCount: layerCount, headCount: headCount, intermediateSize: intermediateSize,
                      maxPositions: maxPositions, typeVocabSize: typeVocabSize, layerNormEps: layerNormEps,
                      padTokenID: padTokenID, activation: activation,
                      dropout: DropoutRates(hidden: hiddenDropout, attention: attentionDropout,
                                            classifier: classifierDropout ?? hiddenDropout),
                      architecture: Architecture(), labels: labels)
    }

    public init(modelType: String, vocabSize: Int, hiddenSize: Int, embeddingSize: Int, layerCount: Int, headCount: Int,
                intermediateSize: Int, maxPositions: Int, typeVocabSize: Int, layerNormEps: Float, padTokenID: Int,
                activation: Activation, dropout: DropoutRates, architecture: Architecture, labels: [String] = []) throws {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.embeddingSize = embeddingSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.padTokenID = padTokenID
        self.activation = activation
        self.dropout = dropout
        self.architecture = architecture
        self.labels = labels
        try validate()
    }

    /// Encoder blocks run per pass (ALBERT repeats its shared layers).
    public var blockCount: Int { layerCount * architecture.innerLayers }
    /// Distinct layers with their own weights.
    public var physicalLayerCount: Int {
        architecture.sharedGroups.map { $0 * architecture.innerLayers } ?? layerCount
    }

    /// The weights (physical layer) block `block` runs with: itself, or ALBERT's group and inner layer,
    /// the group as transformers picks it: int(layer / (layers / groups)).
    public func physicalLayer(ofBlock block: Int) -> Int {
        guard let groups = architecture.sharedGroups else { return block }
        let inner = architecture.innerLayers
        let layer = block / inner
        let group = Int(Double(layer) / (Double(layerCount) / Double(groups)))
        return group * inner + block % inner
    }

    /// The longest sequence the position table allows (RoBERTa's positions start after the padding id).
    public var maxSequenceLength: Int {
        architecture.positions == .learnedAfterPadding ? maxPositions - padTokenID - 1 : maxPositions
    }

    func validate() throws {
        func positive(_ value: Int, _ name: String, limit: Int = 1 << 24) throws {
            guard value > 0, value <= limit else { throw EngineError.invalidConfig("\(name) must be in 1...\(limit), got \(value)") }
        }
        try positive(vocabSize, "vocab_size")
        try positive(hiddenSize, "hidden_size", limit: 1 << 16)
        try positive(embeddingSize, "embedding_size", limit: 1 << 16)
        try positive(layerCount, "num_hidden_layers", limit: 1024)
        try positive(headCount, "num_attention_heads", limit: 1024)
        try positive(intermediateSize, "intermediate_size", limit: 1 << 18)
        try positive(maxPositions, "max_position_embeddings", limit: 1 << 16)
        guard typeVocabSize >= 0, typeVocabSize <= 1 << 16 else {
            throw EngineError.invalidConfig("type_vocab_size must be in 0...65536, got \(typeVocabSize)")
        }
        guard hiddenSize % headCount == 0 else {
            throw EngineError.invalidConfig("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
        }
        for (name, p) in dropout.all where !((p ?? 0) >= 0 && (p ?? 0) < 1) {
            throw EngineError.invalidConfig("the \(name) dropout must be in [0, 1), got \(p ?? 0)")
        }
        guard layerNormEps > 0, layerNormEps.isFinite else { throw EngineError.invalidConfig("layer_norm_eps must be positive") }
        guard padTokenID >= 0, padTokenID < vocabSize else { throw EngineError.invalidConfig("pad_token_id \(padTokenID) outside the vocabulary") }
        guard maxSequenceLength >= 2 else {
            throw EngineError.invalidConfig("max_position_embeddings \(maxPositions) leaves no room for a sequence")
        }
        let a = architecture
        if a.embeddingProjection == .none, embeddingSize != hiddenSize {
            throw EngineError.invalidConfig("embedding_size \(embeddingSize) differs from hidden_size \(hiddenSize), which this family cannot project")
        }
        if let groups = a.sharedGroups {
            try positive(groups, "num_hidden_groups", limit: layerCount)
            try positive(a.innerLayers, "inner_group_num", limit: 64)
            // The layers with their own weights, as many as num_hidden_layers may ask for: 1024 groups of 64
            // would make 65,536 sets of weights from a few hundred bytes of config.json (and minutes of work
            // just to name their tensors before the file is found to lack them).
            guard groups * a.innerLayers <= 1024 else {
                throw EngineError.invalidConfig("num_hidden_groups × inner_group_num must be at most 1024 (layers with their own weights), got \(groups) × \(a.innerLayers)")
            }
        }
        if let p = a.patches {
            guard p.channels >= 1, p.channels <= 4 else { throw EngineError.invalidConfig("num_channels must be in 1...4, got \(p.channels)") }
            guard p.patchSize >= 1, p.imageSize >= p.patchSize, p.imageSize <= 4096, p.imageSize % p.patchSize == 0 else {
                throw EngineError.invalidConfig("image_size \(p.imageSize) must be a multiple of patch_size \(p.patchSize) (and at most 4096)")
            }
            guard p.sequenceLength <= maxPositions else {
                throw EngineError.invalidConfig("\(p.patchCount) patches need \(p.sequenceLength) positions")
            }
            guard a.block == .preNorm, a.attention == .standard else {
                throw EngineError.invalidConfig("a patch encoder runs pre-LN blocks with standard attention")
            }
        }
        switch a.attention {
        case .standard: break
        case .disentangled(let d):
            guard d.span >= 1, d.span <= 1 << 14 else {
                throw EngineError.invalidConfig("relative attention needs position_buckets or max_relative_positions in 1...16384")
            }
        case .rotary(let r):
            guard r.globalLayers.count == layerCount else {
                throw EngineError.invalidConfig("layer_types has \(r.globalLayers.count) entries for \(layerCount) layers")
            }
            guard headSize % 2 == 0 else { throw EngineError.invalidConfig("rotary positions need an even head size, got \(headSize)") }
            guard r.localHalfWindow >= 0, r.globalTheta > 0, r.localTheta > 0 else {
                throw EngineError.invalidConfig("local_attention and the rope thetas must be positive")
            }
        }
    }
}

extension EncoderConfig {
    /// Multiply-add FLOPs per token of one forward pass over sequences of `sequenceLength` tokens, matrix
    /// products only (the head excluded): the embedding projection, and per block the Q/K/V, attention
    /// (scores and context over every key; DeBERTa adds its two position terms), output and feed-forward
    /// products (GeGLU's first one twice as wide).
    public func forwardFLOPsPerToken(sequenceLength length: Int) -> Double {
        let h = Double(hiddenSize), i = Double(intermediateSize), l = Double(length)
        let a = architecture
        var attention = 2 * 2 * l * h
        if case .disentangled(let d) = a.attention {
            let reach = max(length - 1, 0)
            let rows = Double(d.row(reach) - d.row(-reach) + 1)
            let terms = Double((d.contentToPosition ? 1 : 0) + (d.positionToContent ? 1 : 0))
            attention += terms * 2 * rows * h
        }
        let feedForward = 2 * h * i * (a.gatedFeedForward ? 2 : 1) + 2 * i * h
        let block = 2 * h * 3 * h + attention + 2 * h * h + feedForward
        let projection = a.embeddingProjection == .none ? 0 : 2 * Double(embeddingSize) * h
        return projection + Double(blockCount) * block
    }
}
