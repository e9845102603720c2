// VitParityTests: robust's ViT against transformers' `ViTForImageClassification` on the tiny random models
// made by bench/fixtures/make_vit_fixtures.py (Tests/Fixtures/vit/grey, rgb: qkv_bias off, eps 1e-6, three
// channels with their own mean and std): logits within 1e-5, the loss, d loss / d [0, 1] pixels (through the
// preprocessor's normalisation), four AdamW steps as the trainer takes them (ImageTrainingStep), and a save that
// writes back exactly transformers' tensors, config and preprocessor keys.
import Foundation
import SafeTensors
import Tensors
import TestSupport
import Training
import Transformer
import XCTest

final class VitParityTests: XCTestCase {
    struct Fixture {
        let folder: URL
        let json: [String: Any]
        let tensors: SafeTensorsFile
        init(_ name: String) throws {
            folder = TestPaths.fixture("vit/\(name)")
            let data = try Data(contentsOf: folder.appendingPathComponent("reference.json"))
            json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            tensors = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("reference.safetensors"))
        }
        var model: URL { folder.appendingPathComponent("model") }
        var labels: [Int] { (json["labels"] as? [NSNumber] ?? []).map(\.intValue) }
        var steps: [[String: Any]] { json["steps"] as? [[String: Any]] ?? [] }
    }

    func check(_ name: String) throws {
        let fixture = try Fixture(name)
        let handle = try ImageModelHandle(directory: fixture.model)
        let model = handle.model, c = model.classCount
        let pixels = try fixture.tensors.floats("pixels")
        let labels = fixture.labels
        XCTAssertEqual(handle.preprocessor.normalization.mean, (fixture.json["image_mean"] as? [NSNumber])?.map(\.floatValue))
        // Logits (eval mode).
        let workspace = model.makeWorkspace(training: true)
        let logits = try model.classifyImages(pixels, count: labels.count, normalization: handle.preprocessor.normalization,
                                              workspace: workspace)
        let reference = try fixture.tensors.floats("logits")
        let logitError = zip(0..<(labels.count * c), reference).map { abs(logits[$0] - $1) }.max() ?? .nan
        // Loss and pixel gradient.
        let dLogits = FloatBuffer(capacity: labels.count * c)
        let loss = try Loss.crossEntropy(logits: logits, labels: labels, classes: c, gradient: dLogits.pointer)
        model.parameters.zeroGradients()
        try model.classifyImagesBackward(workspace: workspace, logitGradient: dLogits.pointer, parameterGradients: false)
        XCTAssertEqual(model.parameters.gradientNorm(), 0, "the input-only backward wrote parameter gradients")
        let expectedGradient = try fixture.tensors.floats("pixel_gradient")
        let scale = expectedGradient.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 0)
        let gradientError = (zip(0..<pixels.count, expectedGradient).map { abs(workspace.pixelGradient.pointer[$0] - $1) }.max() ?? .nan) / scale
        let lossError = abs(loss - ((fixture.json["loss"] as? NSNumber)?.floatValue ?? .nan))
        print("vit \(name) parity: logits \(logitError), loss \(lossError), pixel gradient \(gradientError) relative")
        XCTAssertLessThanOrEqual(logitError, 1e-5, name)
        XCTAssertLessThanOrEqual(lossError, 1e-5, name)
        XCTAssertLessThanOrEqual(gradientError, 1e-5, name)

        // Four training steps as the trainer takes them.
        let optimiser = AdamW(store: model.parameters, settings: AdamWSettings(weightDecay: 0.01))
        let schedule = LinearWarmupDecay(peak: 1e-3, warmupSteps: 2, totalSteps: 4)
        let step = ImageTrainingStep(model: model, optimiser: optimiser, normalization: handle.preprocessor.normalization, adversarial: nil)
        let plan = DropoutPlan(seed: 0, config: model.config)
        XCTAssertEqual(fixture.steps.count, 4)
        var worstLoss: Float = 0
        for (index, expected) in fixture.steps.enumerated() {
            let rate = schedule.rate(afterSteps: index)
            let loss = try step.run(images: pixels, count: labels.count, labels: labels, soft: nil, workspace: workspace, dropout: plan,
                                    learningRate: rate, maxGradNorm: 0.1, seed: 0)
            worstLoss = max(worstLoss, abs(loss - ((expected["loss"] as? NSNumber)?.floatValue ?? .nan)))
            XCTAssertEqual(rate, (expected["lr_used"] as? NSNumber)?.floatValue ?? .nan, accuracy: 1e-9)
        }
        var worst: Float = 0, worstName = "", checked = 0
        for entry in model.parameters.entries {
            let key = "after." + handle.family.savedKey(entry.name)
            let expected = try fixture.tensors.floats(key)
            let values = try XCTUnwrap(model.parameters.array(entry.name))
            XCTAssertEqual(values.count, expected.count, key)
            // The key biases get no gradient in exact arithmetic (softmax ignores a per-query constant): AdamW
            // turns rounding into updates there, so they are compared loosely (the fixture's note).
            let tolerance: Float = key.contains("key.bias") ? 2e-3 : 1e-5
            for (value, reference) in zip(values, expected) {
                XCTAssertLessThanOrEqual(abs(value - reference), tolerance, key)
                if !key.contains("key.bias"), abs(value - reference) > worst { (worst, worstName) = (abs(value - reference), key) }
            }
            checked += 1
        }
        XCTAssertEqual(checked, fixture.tensors.names.filter { $0.hasPrefix("after.") }.count, "every saved parameter is checked")
        print("vit \(name) four AdamW steps: worst |Δparameter| \(worst) (\(worstName)), |Δloss| \(worstLoss)")
        XCTAssertLessThanOrEqual(worstLoss, 1e-5, name)
    }

    /// Saving writes transformers' tensors (names, shapes, values) and config keys, and the preprocessor's.
    func checkSave(_ name: String) throws {
        let fixture = try Fixture(name)
        let handle = try ImageModelHandle(directory: fixture.model)
        let saved = FileManager.default.temporaryDirectory.appendingPathComponent("robust-vit-\(name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: saved) }
        try handle.save(to: saved)
        let ours = try SafeTensorsFile(contentsOf: saved.appendingPathComponent("model.safetensors"))
        let original = try SafeTensorsFile(contentsOf: fixture.model.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(Set(ours.names), Set(original.names), name)
        for key in original.names {
            XCTAssertEqual(ours.info(key)?.shape, original.info(key)?.shape, key)
            XCTAssertEqual(try ours.floats(key), try original.floats(key), key)
        }
        let reloaded = try ImageModelHandle(directory: saved)
        XCTAssertEqual(reloaded.config, handle.config)
        XCTAssertEqual(reloaded.preprocessor, handle.preprocessor)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: saved.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual(config["architectures"] as? [String], ["ViTForImageClassification"])
        XCTAssertEqual(config["model_type"] as? String, "vit")
        XCTAssertEqual((config["image_size"] as? NSNumber)?.intValue, handle.preprocessor.shape.height)
    }

    func testGreyViT() throws {
        try check("grey")
        try checkSave("grey")
    }

    func testRGBViTWithoutQKVBias() throws {
        try check("rgb")
        try checkSave("rgb")
    }

    func testBadPreprocessorIsOneLine() throws {
        let fixture = try Fixture("grey")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("robust-vit-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: fixture.model, to: copy)
        for (text, expected) in [("{\"image_std\": [0]}", "image_std"), ("{\"image_mean\": [0.1, 0.2]}", "image_mean"),
                                 ("[1]", "not a JSON object"), ("{\"do_rescale\": false}", "do_rescale"),
                                 ("{\"size\": {\"height\": 9, \"width\": 9}}", "differs")] {
            try Data(text.utf8).write(to: copy.appendingPathComponent("preprocessor_config.json"))
            XCTAssertThrowsError(try ImageModelHandle(directory: copy), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
    }
}
