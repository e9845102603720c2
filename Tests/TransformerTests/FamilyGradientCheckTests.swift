// FamilyGradientCheckTests: finite-difference checks of every family's backward pass on tiny random
// models built from each family's config.json keys — DistilBERT's ReLU head, RoBERTa's positions and
// head-input dropout, ELECTRA's and ALBERT's embedding projection, ALBERT's shared layers, DeBERTa's
// disentangled attention (shared and separate position projections, before-norm projection), ModernBERT's
// pre-LN blocks, rotary attention with local windows, GeGLU and head LayerNorm — with and without dropout,
// for every parameter and for the input word vectors.
import Basics
import Foundation
import Tensors
import TestSupport
import Transformer
import XCTest

final class FamilyGradientCheckTests: XCTestCase {
    static let common: [String: Any] = ["vocab_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4,
                                        "max_position_embeddings": 14, "id2label": ["0": "a", "1": "b", "2": "c"]]

    static let configs: [String: (family: any ModelFamily, json: [String: Any])] = [
        "distilbert": (DistilBertFamily(), ["vocab_size": 40, "dim": 16, "n_layers": 2, "n_heads": 4, "hidden_dim": 32,
                                            "max_position_embeddings": 14, "activation": "gelu", "id2label": ["0": "a", "1": "b", "2": "c"]]),
        "roberta": (RobertaFamily(), common.merging(["hidden_size": 16, "intermediate_size": 32, "pad_token_id": 1,
                                                     "type_vocab_size": 1, "max_position_embeddings": 16]) { $1 }),
        "electra": (ElectraFamily(), common.merging(["hidden_size": 16, "embedding_size": 8, "intermediate_size": 32]) { $1 }),
        "albert": (AlbertFamily(), common.merging(["hidden_size": 16, "embedding_size": 8, "intermediate_size": 32,
                                                   "num_hidden_layers": 4, "num_hidden_groups": 2, "inner_group_num": 2]) { $1 }),
        "deberta": (DebertaV2Family(), common.merging([
            "hidden_size": 16, "intermediate_size": 32, "relative_attention": true, "pos_att_type": ["p2c", "c2p"],
            "position_buckets": 4, "max_relative_positions": 12, "share_att_key": true, "norm_rel_ebd": "layer_norm",
            "position_biased_input": false, "type_vocab_size": 0]) { $1 }),
        "deberta-separate": (DebertaV2Family(), common.merging([
            "hidden_size": 16, "embedding_size": 8, "intermediate_size": 32, "relative_attention": true,
            "pos_att_type": "c2p|p2c", "max_relative_positions": 3, "share_att_key": false, "type_vocab_size": 2,
            "pooler_hidden_act": "tanh"]) { $1 }),
        "modernbert": (ModernBertFamily(), common.merging([
            "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 3, "local_attention": 4,
            "global_attn_every_n_layers": 2, "pad_token_id": 0, "norm_bias": false]) { $1 }),
        "modernbert-mean": (ModernBertFamily(), common.merging([
            "hidden_size": 16, "intermediate_size": 24, "local_attention": 2, "global_attn_every_n_layers": 2,
            "pad_token_id": 0, "norm_bias": true, "attention_bias": true, "mlp_bias": true, "classifier_bias": true,
            "classifier_pooling": "mean", "hidden_activation": "gelu_new"]) { $1 }),
    ]

    func model(_ name: String, seed: UInt64 = 7) throws -> EncoderModel {
        let entry = try XCTUnwrap(Self.configs[name])
        let config = try entry.family.config(from: ConfigReader(entry.json))
        let model = try EncoderModel(config: config, classes: 3, seed: seed)
        FiniteDifferences.randomise(model, seed: seed &+ 1)
        return model
    }

    /// Ids from 2 up, so no family's padding id (0 or 1) occurs; sequences up to 9 tokens, beyond the
    /// local windows and relative-position buckets above.
    static let batch = TokenBatch([[2, 5, 9, 13, 3], [2, 7, 7, 30, 22, 11, 17, 6, 3], [2, 4, 3]])
    static let labels = [2, 0, 1]

    func checkParameters(_ name: String, dropout: Bool) throws {
        let model = try model(name)
        let plan = dropout ? DropoutPlan(seed: 1234, config: model.config, uniform: 0.2) : nil
        // A ReLU (DistilBERT's head, over three rows) has a kink a step can cross: such entries are skipped
        // and counted. (A ReLU feed-forward has so many units that most steps cross one: DistilBERT's is
        // checked here with GELU, and its ReLU against transformers in FamilyParityTests and against a
        // Double reference in ActivationTests.)
        let hasKinks = model.config.activation == .relu || model.config.architecture.head.activation == .relu
        let (checked, worst, kinks) = try FiniteDifferences.checkParameters(model, batch: Self.batch, labels: Self.labels,
                                                                            dropout: plan, skippingKinks: hasKinks, name: name)
        print("\(name) gradient check (dropout \(dropout)): \(checked) entries, worst relative error \(worst), \(kinks) across a ReLU kink skipped")
        XCTAssertLessThanOrEqual(kinks, checked / 10, name)
    }

    func checkInput(_ name: String) throws {
        try FiniteDifferences.checkInput(try model(name), batch: Self.batch, labels: Self.labels, name: name)
    }

    /// Packed sequences never see each other: each sequence's probabilities alone equal its row in the batch.
    func checkPacking(_ name: String) throws {
        let model = try model(name)
        let workspace = model.makeWorkspace(training: false)
        let together = try model.probabilities(Self.batch, workspace: workspace)
        for (index, length) in Self.batch.lengths.enumerated() {
            let start = Self.batch.starts[index]
            let alone = try model.probabilities(TokenBatch([Array(Self.batch.tokenIDs[start..<(start + length)])]), workspace: workspace)[0]
            for c in 0..<model.classCount { XCTAssertEqual(alone[c], together[index][c], accuracy: 1e-6, name) }
        }
    }

    func run(_ name: String) throws {
        try checkParameters(name, dropout: false)
        try checkParameters(name, dropout: true)
        try checkInput(name)
        try checkPacking(name)
    }

    func testDistilBert() throws { try run("distilbert") }
    func testRoberta() throws { try run("roberta") }
    func testElectra() throws { try run("electra") }
    func testAlbertGroups() throws { try run("albert") }
    func testDebertaSharedKeysAndBuckets() throws { try run("deberta") }
    func testDebertaSeparateProjectionsAndFactorisedEmbeddings() throws { try run("deberta-separate") }
    func testModernBert() throws { try run("modernbert") }
    func testModernBertMeanPoolingBiasesAndTanhGELU() throws { try run("modernbert-mean") }

    /// RoBERTa: a padding id inside a sequence takes position padding_idx and later tokens skip it, and
    /// its word row (and the padding position row) get no gradient, as in transformers.
    func testRobertaPaddingIdInsideASequence() throws {
        let model = try model("roberta")
        let batch = TokenBatch([[2, 5, 1, 9, 3]])
        let workspace = model.makeWorkspace(training: true)
        model.parameters.zeroGradients()
        let logits = try model.classify(batch, workspace: workspace)
        let dLogits = FloatBuffer(capacity: model.classCount)
        _ = try Loss.crossEntropy(logits: logits, labels: [1], classes: model.classCount, gradient: dLogits.pointer)
        try model.classifyBackward(workspace: workspace, logitGradient: dLogits.pointer)
        let h = model.config.hiddenSize
        let words = try XCTUnwrap(model.parameters.gradientArray("embeddings.word_embeddings.weight"))
        let positions = try XCTUnwrap(model.parameters.gradientArray("embeddings.position_embeddings.weight"))
        XCTAssertEqual(words[h..<(2 * h)].map(abs).max(), 0, "the padding id's row")
        XCTAssertEqual(positions[h..<(2 * h)].map(abs).max(), 0, "padding_idx's position row")
        // Positions 2, 3, (1), 4, 5: rows 2–5 used, 6 not.
        for row in 2...5 { XCTAssertGreaterThan(positions[(row * h)..<((row + 1) * h)].map(abs).max() ?? 0, 0, "row \(row)") }
        XCTAssertEqual(positions[(6 * h)..<(7 * h)].map(abs).max(), 0)
    }
}
