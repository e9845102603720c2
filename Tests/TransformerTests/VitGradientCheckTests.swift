// VitGradientCheckTests: finite-difference checks of the Vision Transformer's backward pass on tiny random
// models — every parameter (the patch projection, [CLS] row and position table included) and the pixels —
// with and without dropout, grey and RGB, qkv_bias on and off; the patch unfolding against a naive
// convolution; a text batch refused by an image model and images by a text model.
import Basics
import Foundation
import Tensors
import Transformer
import XCTest

final class VitGradientCheckTests: XCTestCase {
    static func config(channels: Int, qkvBias: Bool = true, dropout: Double = 0) throws -> EncoderConfig {
        var raw: [String: Any] = [
            "model_type": "vit", "image_size": 8, "patch_size": 4, "num_channels": channels, "hidden_size": 16,
            "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 24, "qkv_bias": qkvBias,
            "hidden_dropout_prob": dropout, "attention_probs_dropout_prob": dropout, "layer_norm_eps": 1e-6,
        ]
        raw["id2label"] = ["0": "a", "1": "b", "2": "c"]
        return try VitFamily().config(from: ConfigReader(raw))
    }

    static func model(channels: Int, qkvBias: Bool = true, seed: UInt64 = 5) throws -> EncoderModel {
        let model = try EncoderModel(config: try config(channels: channels, qkvBias: qkvBias), classes: 3, seed: seed)
        var random = SeededRandom(seed: seed &+ 1)
        for entry in model.parameters.entries {
            let values = model.parameters.value(at: entry.offset)
            let gain: Float = entry.name.contains("LayerNorm.weight") ? 1 : 0
            for i in 0..<entry.count { values[i] = gain + 0.3 * random.normal() }
        }
        return model
    }

    static func pixels(count: Int, channels: Int, seed: UInt64 = 11) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<(count * channels * 64)).map { _ in Float(random.next() % 1000) / 1000 }
    }

    static func normalization(_ channels: Int) -> PixelNormalization {
        PixelNormalization(mean: Array([0.5, 0.4, 0.3].prefix(channels)), std: Array([0.25, 0.3, 0.2].prefix(channels)))
    }

    func loss(_ model: EncoderModel, _ w: Workspace, _ pixels: [Float], labels: [Int], dropout: DropoutPlan?) throws -> Float {
        let logits = try model.classifyImages(pixels, count: labels.count, normalization: Self.normalization(model.config.architecture.patches?.channels ?? 1),
                                              workspace: w, dropout: dropout)
        return try Loss.crossEntropy(logits: logits, labels: labels, classes: model.classCount, gradient: nil)
    }

    func backward(_ model: EncoderModel, _ w: Workspace, _ pixels: [Float], labels: [Int], dropout: DropoutPlan?) throws {
        model.parameters.zeroGradients()
        let logits = try model.classifyImages(pixels, count: labels.count, normalization: Self.normalization(model.config.architecture.patches?.channels ?? 1),
                                              workspace: w, dropout: dropout)
        let d = FloatBuffer(capacity: labels.count * model.classCount)
        _ = try Loss.crossEntropy(logits: logits, labels: labels, classes: model.classCount, gradient: d.pointer)
        try model.classifyImagesBackward(workspace: w, logitGradient: d.pointer, dropout: dropout)
    }

    func check(channels: Int, qkvBias: Bool, dropout: Bool) throws {
        let model = try Self.model(channels: channels, qkvBias: qkvBias)
        let labels = [2, 0, 1]
        var pixels = Self.pixels(count: labels.count, channels: channels)
        let plan = dropout ? DropoutPlan(seed: 77, config: model.config, uniform: 0.2) : nil
        let w = model.makeWorkspace(training: true)
        try backward(model, w, pixels, labels: labels, dropout: plan)
        let pixelGradient = Array(UnsafeBufferPointer(start: w.pixelGradient.pointer, count: pixels.count))
        let step: Float = 1e-2
        var random = SeededRandom(seed: 3)
        var checked = 0
        for entry in model.parameters.entries {
            let gradients = model.parameters.gradient(at: entry.offset)
            var indices = (0..<3).map { _ in Int(random.next() % UInt64(entry.count)) }
            if let top = (0..<entry.count).max(by: { abs(gradients[$0]) < abs(gradients[$1]) }) { indices.append(top) }
            for index in indices {
                let value = model.parameters.value(at: entry.offset + index)
                let saved = value.pointee
                value.pointee = saved + step
                let up = try loss(model, w, pixels, labels: labels, dropout: plan)
                value.pointee = saved - step
                let down = try loss(model, w, pixels, labels: labels, dropout: plan)
                value.pointee = saved
                let numeric = (up - down) / (2 * step), analytic = gradients[index]
                XCTAssertLessThanOrEqual(abs(numeric - analytic), 1e-3 + 3e-2 * abs(numeric),
                                         "\(entry.name)[\(index)]: analytic \(analytic) numeric \(numeric)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
        // Pixels: 40 random ones and the largest-gradient one (small step: pixels are divided by std ≈ 0.25).
        var pixelIndices = (0..<40).map { _ in Int(random.next() % UInt64(pixels.count)) }
        if let top = pixelIndices.indices.isEmpty ? nil : (0..<pixels.count).max(by: { abs(pixelGradient[$0]) < abs(pixelGradient[$1]) }) {
            pixelIndices.append(top)
        }
        var nonZero = 0
        for index in pixelIndices {
            let saved = pixels[index], h: Float = 2e-3
            pixels[index] = saved + h
            let up = try loss(model, w, pixels, labels: labels, dropout: plan)
            pixels[index] = saved - h
            let down = try loss(model, w, pixels, labels: labels, dropout: plan)
            pixels[index] = saved
            let numeric = (up - down) / (2 * h), analytic = pixelGradient[index]
            if abs(analytic) > 1e-3 { nonZero += 1 }
            XCTAssertLessThanOrEqual(abs(numeric - analytic), 2e-3 + 3e-2 * abs(numeric),
                                     "pixel \(index): analytic \(analytic) numeric \(numeric)")
        }
        XCTAssertGreaterThan(nonZero, 20, "the pixel gradient should not vanish")
    }

    func testGreyGradients() throws { try check(channels: 1, qkvBias: true, dropout: false) }
    func testGreyGradientsWithDropout() throws { try check(channels: 1, qkvBias: true, dropout: true) }
    func testRGBGradientsWithoutQKVBias() throws { try check(channels: 3, qkvBias: false, dropout: false) }
    func testRGBGradientsWithDropout() throws { try check(channels: 3, qkvBias: false, dropout: true) }

    /// The patch embedding against a naive strided convolution on normalised pixels, plus the position row.
    func testPatchProjectionMatchesNaiveConvolution() throws {
        let model = try Self.model(channels: 3, qkvBias: true)
        let geometry = try model.patchGeometry()
        XCTAssertEqual(geometry.patchCount, 4)
        XCTAssertEqual(geometry.patchValues, 48)
        let pixels = Self.pixels(count: 2, channels: 3)
        let norm = Self.normalization(3)
        // Image 1, patch 3 (bottom right: token 4), output channel 5.
        let store = model.parameters
        guard let projection = store.entry("embeddings.patch_embeddings.projection.weight"),
              let bias = store.entry("embeddings.patch_embeddings.projection.bias"),
              let positions = store.entry("embeddings.position_embeddings") else { return XCTFail("missing tensors") }
        let weight = store.value(at: projection.offset), b = store.value(at: bias.offset)
        var expected = b[5]
        for c in 0..<3 {
            for i in 0..<4 {
                for j in 0..<4 {
                    let x = pixels[1 * 192 + c * 64 + (4 + i) * 8 + (4 + j)]
                    expected += weight[((5 * 3 + c) * 4 + i) * 4 + j] * (x - norm.mean[c]) / norm.std[c]
                }
            }
        }
        expected += store.value(at: positions.offset)[4 * 16 + 5]
        let embedding = try model.imageEmbeddings(pixels, count: 2, normalization: norm)
        XCTAssertEqual(embedding[(1 * 5 + 4) * 16 + 5], expected, accuracy: 1e-5)
    }

    func testTextAndImageInputsAreKeptApart() throws {
        let vit = try Self.model(channels: 1)
        XCTAssertThrowsError(try vit.classify(TokenBatch([[0, 0]]), workspace: vit.makeWorkspace(training: false))) {
            XCTAssertTrue("\($0)".contains("reads images"), "\($0)")
        }
        let pixels = [Float](repeating: .nan, count: 64)
        XCTAssertThrowsError(try vit.classifyImages(pixels, count: 1, normalization: Self.normalization(1),
                                                    workspace: vit.makeWorkspace(training: false))) {
            XCTAssertTrue("\($0)".contains("NaN"), "\($0)")
        }
        let bert = try EncoderModel(config: try EncoderConfig(vocabSize: 10, hiddenSize: 8, layerCount: 1, headCount: 2,
                                                              intermediateSize: 8), classes: 2)
        XCTAssertThrowsError(try bert.classifyImages([0], count: 1, normalization: Self.normalization(1),
                                                     workspace: bert.makeWorkspace(training: false)))
    }

    /// Inference on a batch large enough for data-parallel groups gives the same logits as one image at a time.
    func testGroupedInferenceMatchesSingleImages() throws {
        let model = try Self.model(channels: 1)
        let count = 40
        let pixels = Self.pixels(count: count, channels: 1, seed: 4)
        let norm = Self.normalization(1)
        let whole = model.makeWorkspace(training: false)
        let batched = Array(UnsafeBufferPointer(start: try model.classifyImages(pixels, count: count, normalization: norm,
                                                                                 workspace: whole),
                                                count: count * 3))
        let single = model.makeWorkspace(training: false)
        for image in 0..<count {
            let logits = try model.classifyImages(Array(pixels[(image * 64)..<((image + 1) * 64)]), count: 1, normalization: norm,
                                                  workspace: single)
            for c in 0..<3 { XCTAssertEqual(logits[c], batched[image * 3 + c], accuracy: 1e-5) }
        }
    }
}
