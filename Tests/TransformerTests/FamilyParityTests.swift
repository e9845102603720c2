// FamilyParityTests: every model family against transformers (fixtures made by
// bench/fixtures/make_model_fixtures.py): hidden states and logits of a padding-free and a padded batch
// within 1e-5, d loss / d input embeddings within 1e-4 relative, the loss within 1e-5. Also: each
// family saves exactly the keys, shapes and dtypes transformers wrote, with the family's config.json.
import Foundation
import SafeTensors
import Tensors
import TestSupport
import Transformer
import XCTest

final class FamilyParityTests: XCTestCase {
    struct Errors: CustomStringConvertible {
        var freeHidden: Float = 0, freeLogits: Float = 0, paddedHidden: Float = 0, paddedLogits: Float = 0
        var gradient: Float = 0, loss: Float = 0
        var description: String {
            String(format: "hidden %.2e / %.2e, logits %.2e / %.2e (free / padded), input gradient %.2e relative, loss %.2e",
                   freeHidden, paddedHidden, freeLogits, paddedLogits, gradient, loss)
        }
    }

    /// Largest |ours − reference| over the real tokens of `sequences`, reference rows padded to `width` tokens.
    func hiddenError(_ ours: UnsafePointer<Float>, _ reference: [Float], sequences: [[Int32]], paddedLength: Int, h: Int) -> Float {
        var worst: Float = 0, packed = 0
        for (index, sequence) in sequences.enumerated() {
            for t in 0..<sequence.count {
                for i in 0..<h {
                    worst = max(worst, abs(ours[(packed + t) * h + i] - reference[(index * paddedLength + t) * h + i]))
                }
            }
            packed += sequence.count
        }
        return worst
    }

    func check(_ name: String) throws -> Errors {
        let fixture = try FamilyFixture(name)
        let folder = try ModelFolder.load(directory: fixture.model)
        XCTAssertTrue(folder.hasTrainedHead, name)
        XCTAssertEqual(folder.model.config.labels, ["a", "b", "c"], name)
        XCTAssertEqual(folder.initialisedTensors, [], name)
        let model = folder.model, h = model.config.hiddenSize, e = model.inputEmbeddingWidth, c = model.classCount
        var errors = Errors()

        // Padding-free batch.
        let free = TokenBatch(fixture.freeIDs)
        let workspace = model.makeWorkspace(training: false)
        let freeLength = try fixture.shape("free.hidden")[1]
        errors.freeHidden = hiddenError(try model.encode(free, workspace: workspace), try fixture.floats("free.hidden"),
                                        sequences: fixture.freeIDs, paddedLength: freeLength, h: h)
        let freeLogits = try model.classify(free, workspace: workspace)
        errors.freeLogits = zip(0..<(free.count * c), try fixture.floats("free.logits")).map { abs(freeLogits[$0] - $1) }.max() ?? .nan

        // Padded batch, packed.
        let sequences = fixture.packedPadded
        let padded = TokenBatch(sequences)
        let paddedLength = try fixture.shape("padded.hidden")[1]
        errors.paddedHidden = hiddenError(try model.encode(padded, workspace: workspace), try fixture.floats("padded.hidden"),
                                          sequences: sequences, paddedLength: paddedLength, h: h)
        let paddedLogits = try model.classify(padded, workspace: workspace)
        errors.paddedLogits = zip(0..<(padded.count * c), try fixture.floats("padded.logits"))
            .map { abs(paddedLogits[$0] - $1) }.max() ?? .nan

        // Loss and d loss / d input embeddings (evaluation mode).
        let training = model.makeWorkspace(training: true)
        model.parameters.zeroGradients()
        let logits = try model.classify(padded, workspace: training)
        let dLogits = FloatBuffer(capacity: padded.count * c)
        let loss = try Loss.crossEntropy(logits: logits, labels: fixture.labels, classes: c, gradient: dLogits.pointer)
        errors.loss = abs(loss - ((fixture.json["padded_loss"] as? NSNumber)?.floatValue ?? .nan))
        try model.classifyBackward(workspace: training, logitGradient: dLogits.pointer, parameterGradients: false)
        XCTAssertEqual(model.parameters.gradientNorm(), 0, "\(name): the input-only backward wrote parameter gradients")
        let reference = try fixture.floats("padded.input_gradient")
        XCTAssertEqual(try fixture.shape("padded.input_gradient").last, e, name)
        let scale = reference.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 0, name)
        errors.gradient = hiddenError(training.inputEmbeddingGradient.pointer, reference, sequences: sequences,
                                      paddedLength: paddedLength, h: e) / scale
        print("\(name) parity: \(errors)")
        XCTAssertLessThanOrEqual(errors.freeHidden, 1e-5, name)
        XCTAssertLessThanOrEqual(errors.paddedHidden, 1e-5, name)
        XCTAssertLessThanOrEqual(errors.freeLogits, 1e-5, name)
        XCTAssertLessThanOrEqual(errors.paddedLogits, 1e-5, name)
        XCTAssertLessThanOrEqual(errors.gradient, 1e-4, name)
        XCTAssertLessThanOrEqual(errors.loss, 1e-5, name)
        return errors
    }

    /// Saving writes the tensors transformers wrote (names, shapes, dtypes) and a config.json of the same
    /// family that reads back into the same config.
    func checkSaveRoundTrip(_ name: String) throws {
        let fixture = try FamilyFixture(name)
        let checkpoint = try ModelHandle(directory: fixture.model)
        let saved = FileManager.default.temporaryDirectory.appendingPathComponent("robust-family-\(name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: saved) }
        try checkpoint.save(to: saved)
        let ours = try SafeTensorsFile(contentsOf: saved.appendingPathComponent("model.safetensors"))
        let original = try SafeTensorsFile(contentsOf: fixture.model.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(ours.metadata["format"], "pt", name)
        XCTAssertEqual(Set(ours.names), Set(original.names), name)
        for key in original.names {
            XCTAssertEqual(ours.info(key)?.shape, original.info(key)?.shape, "\(name) \(key)")
            XCTAssertEqual(ours.info(key)?.dtype, original.info(key)?.dtype, "\(name) \(key)")
            XCTAssertEqual(try ours.floats(key), try original.floats(key), "\(name) \(key)")
        }
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: saved.appendingPathComponent("config.json"))) as? [String: Any])
        let originalConfig = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fixture.model.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual(config["model_type"] as? String, originalConfig["model_type"] as? String, name)
        XCTAssertEqual(config["architectures"] as? [String], originalConfig["architectures"] as? [String], name)
        XCTAssertEqual(config["id2label"] as? [String: String], ["0": "a", "1": "b", "2": "c"], name)
        XCTAssertEqual(config["label2id"] as? [String: Int], ["a": 0, "b": 1, "c": 2], name)
        let reloaded = try ModelHandle(directory: saved)
        XCTAssertEqual(reloaded.config, checkpoint.config, name)
        XCTAssertEqual(reloaded.family.modelType, checkpoint.family.modelType, name)
    }

    func run(_ name: String) throws {
        _ = try check(name)
        try checkSaveRoundTrip(name)
    }

    func testDistilBert() throws { try run("distilbert") }
    func testDistilBertWithReLUAndSinusoidalPositions() throws { try run("distilbert-relu") }
    func testRoberta() throws { try run("roberta") }
    func testXLMRoberta() throws { try run("xlm-roberta") }
    func testElectraWithEmbeddingProjection() throws { try run("electra") }
    func testAlbertWithSharedLayers() throws { try run("albert") }
    func testAlbertWithTwoGroupsOfTwoLayers() throws { try run("albert-groups") }
    func testDebertaV3() throws { try run("deberta-v2") }
    func testDebertaV2WithSeparatePositionProjectionsAndFactorisedEmbeddings() throws { try run("deberta-v2-variant") }
    func testModernBert() throws { try run("modernbert") }
    func testModernBertWithMeanPoolingAndBiases() throws { try run("modernbert-mean") }
}
