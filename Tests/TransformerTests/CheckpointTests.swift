// ModelHandle loading and saving: HF classification and bare-encoder folders, round trips, and every
// malformed-folder case ending in a clear error rather than a crash.
import Foundation
import SafeTensors
import Tensors
import TestSupport
import Transformer
import XCTest

final class CheckpointTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("robust-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// tiny_bert_cls plus a 128-token vocabulary, so it is a complete checkpoint.
    func tinyCheckpointFolder() throws -> URL {
        let folder = scratch.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: TestPaths.fixture("tiny_bert_cls/\(name)"), to: folder.appendingPathComponent(name))
        }
        let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        let words = (0..<(128 - specials.count)).map { "w\($0)" }
        try (specials + words).joined(separator: "\n").write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        return folder
    }

    func expectError(_ body: () throws -> Void, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains(fragment), "'\(text)' lacks '\(fragment)'", file: file, line: line)
            XCTAssertFalse(text.contains("\n"), "error is not one line: \(text)", file: file, line: line)
        }
    }

    func testClassificationCheckpointRoundTripsBitExact() throws {
        let folder = try tinyCheckpointFolder()
        let checkpoint = try ModelHandle(directory: folder)
        XCTAssertTrue(checkpoint.hasTrainedHead)
        XCTAssertEqual(checkpoint.labels, ["a", "b", "c"])
        let saved = scratch.appendingPathComponent("saved")
        try checkpoint.save(to: saved)
        let file = try SafeTensorsFile(contentsOf: saved.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(file.metadata["format"], "pt")
        XCTAssertTrue(file.names.contains("bert.embeddings.word_embeddings.weight"))
        XCTAssertTrue(file.names.contains("classifier.weight"))
        XCTAssertFalse(file.names.contains { !$0.hasPrefix("bert.") && !$0.hasPrefix("classifier.") })
        // Exactly the tensor names, shapes and dtypes that transformers itself wrote for this model,
        // so it loads ours with no missing or unexpected keys.
        let original = try SafeTensorsFile(contentsOf: TestPaths.fixture("tiny_bert_cls/model.safetensors"))
        XCTAssertEqual(Set(file.names), Set(original.names))
        for name in original.names {
            XCTAssertEqual(file.info(name)?.shape, original.info(name)?.shape, name)
            XCTAssertEqual(file.info(name)?.dtype, original.info(name)?.dtype, name)
        }
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: saved.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual(config["architectures"] as? [String], ["BertForSequenceClassification"])
        XCTAssertEqual(config["id2label"] as? [String: String], ["0": "a", "1": "b", "2": "c"])
        XCTAssertEqual(config["label2id"] as? [String: Int], ["a": 0, "b": 1, "c": 2])
        XCTAssertEqual(config["hidden_dropout_prob"] as? Double, 0)
        for name in ["vocab.txt", "tokenizer_config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: saved.appendingPathComponent(name).path), name)
        }
        let reloaded = try ModelHandle(directory: saved)
        for entry in checkpoint.model.parameters.entries {
            XCTAssertEqual(reloaded.model.parameters.array(entry.name), checkpoint.model.parameters.array(entry.name), entry.name)
        }
        XCTAssertEqual(reloaded.tokenizer.encode("w3 w77 [MASK]").ids, checkpoint.tokenizer.encode("w3 w77 [MASK]").ids)
    }

    func testSavingRefusesToReplaceACheckpointUnlessAsked() throws {
        let checkpoint = try ModelHandle(directory: try tinyCheckpointFolder())
        let target = scratch.appendingPathComponent("out")
        try checkpoint.save(to: target)
        expectError({ try checkpoint.save(to: target) }, contains: "--overwrite")
        let readme = target.appendingPathComponent("NOTES.md")
        try "keep me".write(to: readme, atomically: true, encoding: .utf8)
        try checkpoint.save(to: target, overwrite: true)
        XCTAssertEqual(try String(contentsOf: readme, encoding: .utf8), "keep me")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains("staging") }
        XCTAssertEqual(leftovers, [])
    }

    func testBareEncoderGetsSeededHeadWithRequestedLabels() throws {
        let folder = try tinyCheckpointFolder()
        // Strip the head and the prefix: a bare BertModel.
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        let tensors = try file.names.filter { !$0.hasPrefix("classifier.") }.map { name in
            SafeTensorsWriter.Tensor(name: String(name.dropFirst(5)), shape: try file.requireInfo(name).shape, values: try file.floats(name))
        }
        try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
        let a = try ModelHandle(directory: folder, labels: ["neg", "pos"], seed: 5)
        let b = try ModelHandle(directory: folder, labels: ["neg", "pos"], seed: 5)
        let c = try ModelHandle(directory: folder, labels: ["neg", "pos"], seed: 6)
        XCTAssertFalse(a.hasTrainedHead)
        XCTAssertEqual(a.model.classCount, 2)
        XCTAssertEqual(a.labels, ["neg", "pos"])
        XCTAssertEqual(a.model.parameters.array("classifier.weight"), b.model.parameters.array("classifier.weight"))
        XCTAssertNotEqual(a.model.parameters.array("classifier.weight"), c.model.parameters.array("classifier.weight"))
        XCTAssertEqual(a.model.parameters.array("encoder.layer.1.output.dense.weight"),
                       c.model.parameters.array("encoder.layer.1.output.dense.weight"))
        XCTAssertEqual(a.model.parameters.array("classifier.bias"), [0, 0])
    }

    /// Labels that would silently give wrong results are refused: two classes of one name, an id2label
    /// shorter than the head, and weights that are NaN or infinite.
    func testLabelsAndWeightsThatWouldGiveSilentlyWrongResultsAreRefused() throws {
        let folder = try tinyCheckpointFolder()
        let configURL = folder.appendingPathComponent("config.json")
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        let classes = try XCTUnwrap(config["id2label"] as? [String: Any]).count
        XCTAssertGreaterThanOrEqual(classes, 3)
        config["id2label"] = Dictionary(uniqueKeysWithValues: (0..<classes).map { (String($0), $0 == 2 ? "pos" : ["neg", "pos"][$0 % 2]) })
        config.removeValue(forKey: "label2id")
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "id2label names 'pos' twice (ids 1 and 2)")

        config["id2label"] = ["0": "neg", "1": "pos"]
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "id2label names 2 classes but tensor")

        config["id2label"] = Dictionary(uniqueKeysWithValues: (0..<classes).map { (String($0), "c\($0)") })
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        XCTAssertEqual(try ModelHandle(directory: folder).labels, (0..<classes).map { "c\($0)" })

        let weightsURL = folder.appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(data: try Data(contentsOf: weightsURL))
        for poison in [Float.nan, Float.infinity] {
            let tensors = try file.names.map { name -> SafeTensorsWriter.Tensor in
                let info = try file.requireInfo(name)
                var values = try file.floats(name)
                if name == "bert.encoder.layer.1.output.dense.weight" { values[7] = poison }
                return SafeTensorsWriter.Tensor(name: name, shape: info.shape, values: values)
            }
            try SafeTensorsWriter.write(tensors, to: weightsURL)
            expectError({ _ = try ModelHandle(directory: folder) },
                        contains: "tensor 'bert.encoder.layer.1.output.dense.weight' holds \(poison.isNaN ? "NaN" : "an infinite value") (element 7 of")
        }
    }

    /// Found by fuzz-config: "1" and "01" both name id 1 (as transformers' int(key) reads them). Which name
    /// was kept depended on the dictionary's order, and class 0 was silently lost; now it is refused.
    func testID2LabelGivingAnIDTwiceIsRefused() throws {
        let config = ConfigReader(["id2label": ["0": "a", "01": "b", "1": "c"]])
        XCTAssertThrowsError(try config.labels()) { error in
            XCTAssertEqual("\(error)", "invalid config.json: id2label gives id 1 twice (keys '01' and '1')")
        }
        XCTAssertThrowsError(try ConfigReader(["id2label": ["+0": "a", "0": "b"]]).labels())
        XCTAssertEqual(try ConfigReader(["id2label": ["1": "b", "00": "a"]]).labels(), ["a", "b"])
    }

    /// Found by fuzz-checkpoint: config.json's sizes were allocated before the file was checked, so a bare
    /// encoder's config asking for 16M × 65536 word vectors beside a 100 KB file trapped ("cannot allocate
    /// 4 TB") instead of naming the tensor whose shape differs. Every tensor is now checked first.
    func testAConfigLargerThanItsWeightsIsRefusedBeforeAllocating() throws {
        let folder = try tinyCheckpointFolder()
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(data: try Data(contentsOf: weightsURL))
        let encoder = try file.names.filter { !$0.hasPrefix("classifier.") && !$0.hasPrefix("bert.pooler.") }.map { name in
            SafeTensorsWriter.Tensor(name: name, shape: try file.requireInfo(name).shape, values: try file.floats(name))
        }
        try SafeTensorsWriter.write(encoder, to: weightsURL)
        let configURL = folder.appendingPathComponent("config.json")
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        config.removeValue(forKey: "id2label")
        config.removeValue(forKey: "label2id")
        config["architectures"] = ["BertModel"]
        config["vocab_size"] = 1 << 24
        config["hidden_size"] = 1 << 16
        config["num_attention_heads"] = 1
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) },
                    contains: "tensor 'bert.embeddings.word_embeddings.weight' has shape [128, 32] but config.json implies [16777216, 65536]")
    }

    /// Found by fuzz-checkpoint: an ALBERT config.json of a few hundred bytes (1024 groups of 64 inner layers)
    /// kept robust busy for minutes naming 65,536 layers' tensors; now the layers with their own weights are
    /// limited to 1024, as num_hidden_layers is, and a config that needs more tensors than the file holds is
    /// refused before they are named one by one.
    func testAConfigNeedingFarMoreTensorsThanTheFileHoldsIsRefusedAtOnce() throws {
        var albert: [String: Any] = ["model_type": "albert", "vocab_size": 16, "hidden_size": 8, "num_attention_heads": 2,
                                     "intermediate_size": 12, "num_hidden_layers": 1024, "num_hidden_groups": 1024, "inner_group_num": 64]
        XCTAssertThrowsError(try ModelFamilies.load(ConfigReader(albert))) { error in
            XCTAssertEqual("\(error)", "invalid config.json: num_hidden_groups × inner_group_num must be at most 1024 (layers with their own weights), got 1024 × 64")
        }
        albert["inner_group_num"] = 1
        XCTAssertNoThrow(try ModelFamilies.load(ConfigReader(albert)))

        let folder = try tinyCheckpointFolder()
        let configURL = folder.appendingPathComponent("config.json")
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        config["num_hidden_layers"] = 1024
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) },
                    contains: "model.safetensors lacks tensors the config needs: config.json describes 16389 (besides the head) but the file holds 41")
    }

    func testHeadSizeMismatchWithRequestedLabelsIsAnError() throws {
        let folder = try tinyCheckpointFolder()
        expectError({ _ = try ModelHandle(directory: folder, labels: ["x", "y"]) }, contains: "3 classes")
    }

    func testMalformedFoldersGiveOneLineErrors() throws {
        let folder = try tinyCheckpointFolder()
        let configURL = folder.appendingPathComponent("config.json")
        let goodConfig = try Data(contentsOf: configURL)
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        let goodWeights = try Data(contentsOf: weightsURL)

        expectError({ _ = try ModelHandle(directory: self.scratch.appendingPathComponent("absent")) }, contains: "is not a folder")

        try Data("{not json".utf8).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "not valid JSON")

        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: goodConfig) as? [String: Any])
        config["hidden_size"] = 48
        config["num_attention_heads"] = 4
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "expected [classes, 48]")

        config["hidden_size"] = 32
        config["intermediate_size"] = 48
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "but config.json implies [48, 32]")
        config["intermediate_size"] = 64

        config["hidden_size"] = 30
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "not a multiple")

        config["hidden_size"] = 32
        config["num_hidden_layers"] = 3
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "lacks")

        config["num_hidden_layers"] = 2
        config["hidden_act"] = "swish"
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "hidden_act")

        try goodConfig.write(to: configURL)
        try goodWeights.prefix(goodWeights.count / 2).write(to: weightsURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "model.safetensors")

        // A weight stored as I64 instead of floats.
        let file = try SafeTensorsFile(data: goodWeights)
        let tensors = try file.names.map { name -> SafeTensorsWriter.Tensor in
            let info = try file.requireInfo(name)
            if name == "bert.pooler.dense.bias" {
                let bytes = [UInt8](repeating: 0, count: info.elementCount * 8)
                return SafeTensorsWriter.Tensor(name: name, shape: info.shape, dtype: .i64) { body in try bytes.withUnsafeBytes(body) }
            }
            return SafeTensorsWriter.Tensor(name: name, shape: info.shape, values: try file.floats(name))
        }
        try SafeTensorsWriter.write(tensors, to: weightsURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "dtype")

        try FileManager.default.removeItem(at: weightsURL)
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "model.safetensors not found")
        try Data().write(to: folder.appendingPathComponent("pytorch_model.bin"))
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "never unpickles")

        try goodWeights.write(to: weightsURL)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("vocab.txt"))
        expectError({ _ = try ModelHandle(directory: folder) }, contains: "vocab")
    }
}
