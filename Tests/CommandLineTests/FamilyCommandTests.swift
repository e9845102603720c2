// FamilyCommandTests: every model family as a user runs it — `robust eval` with the whole default attack
// suite and `robust retrain --method fgm` on the family's tiny classifier (Tests/Fixtures/families), and
// `robust train` from its bare encoder, whose checkpoint must hold exactly the keys, shapes and config
// transformers wrote for that family. Bad configs end in one-line errors.
import Foundation
import SafeTensors
import TestSupport
import XCTest

final class FamilyCommandTests: XCTestCase {
    let root = TestPaths.repoRoot.path
    var environment: [String: String] {
        ["ROBUST_ATTACKS_DIR": "\(root)/attacks", "ROBUST_BASE_MODEL": "\(root)/models/all-MiniLM-L6-v2"]
    }

    /// A small three-class dataset over the fixtures' vocabulary (English words, letters and ## letters).
    func writeData(to folder: URL) throws {
        let words = ["the movie", "a film", "the plot", "the acting", "this story", "the music", "the ending"]
        let classes = [("a", ["good", "great", "excellent", "wonderful", "superb"]),
                       ("b", ["bad", "awful", "terrible", "dull", "boring"]),
                       ("c", ["fine", "just", "quite", "so", "really"])]
        var lines = ["text,label"]
        for round in 0..<10 {
            for (label, adjectives) in classes {
                let subject = words[(round * 3 + label.count) % words.count]
                lines.append("\"\(subject) was \(adjectives[round % 5]) and \(adjectives[(round + 2) % 5])\",\(label)")
            }
        }
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
    }

    func copyModel(_ fixture: FamilyFixture, to folder: URL) throws -> URL {
        let model = folder.appendingPathComponent("model")
        try FileManager.default.copyItem(at: fixture.model, to: model)
        return model
    }

    func run(_ arguments: [String], in folder: URL, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        let result = try runRobust(arguments, folder: folder, environment: environment)
        XCTAssertEqual(result.status, 0, "\(arguments.prefix(3)): \(result.stderr)", file: file, line: line)
        return result
    }

    func checkFamily(_ name: String) throws {
        let fixture = try FamilyFixture(name)
        let folder = try temporaryFolder(self)
        try writeData(to: folder)
        _ = try copyModel(fixture, to: folder)
        let started = Date()

        // The whole default suite on three examples.
        let evaluation = try run(["eval", "--model", "model", "--data", "data.csv", "--split", "all", "--limit", "3",
                                  "--max-length", "24", "--workers", "1", "--db", "e.db"], in: folder)
        for recipe in ["pwws", "textfooler-wordnet", "deepwordbug", "eda-noise", "hotflip", "fgsm-sweep", "pgd"] {
            XCTAssertTrue(evaluation.stdout.contains(recipe), "\(name): \(recipe) missing from\n\(evaluation.stdout)")
        }

        // One epoch of FGM retraining, evaluated before and after on the test split.
        let retrain = try run(["retrain", "--model", "model", "--data", "data.csv", "--method", "fgm", "--epochs", "1",
                               "--out", "model-fgm", "--recipes", "deepwordbug,fgsm-sweep", "--limit", "3", "--max-length", "24",
                               "--workers", "1", "--lr", "5e-3", "--batch-size", "8", "--db", "e.db"], in: folder)
        XCTAssertTrue(retrain.stdout.contains("deepwordbug"), retrain.stdout)
        let saved = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model-fgm/model.safetensors"))
        let original = try SafeTensorsFile(contentsOf: fixture.model.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(Set(saved.names), Set(original.names), name)
        XCTAssertEqual(saved.metadata["format"], "pt")
        let predicted = try run(["predict", "--model", "model-fgm", "--json", "the plot was dull"], in: folder)
        XCTAssertTrue(predicted.stdout.contains("\"probabilities\""), predicted.stdout)
        print("\(name): eval (7 recipes) and retrain --method fgm in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// Training from the bare encoder (the fixture's encoder keys without their prefix, no head) gives a
    /// checkpoint with exactly the tensors transformers writes for the family's classifier, and its config.
    func checkTrainingFromBareEncoder(_ name: String, prefix: String) throws {
        let fixture = try FamilyFixture(name)
        let folder = try temporaryFolder(self)
        try writeData(to: folder)
        let bare = folder.appendingPathComponent("bare")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        let file = try SafeTensorsFile(contentsOf: fixture.model.appendingPathComponent("model.safetensors"))
        try SafeTensorsWriter.write(try file.names.filter { $0.hasPrefix(prefix) }.map { key in
            SafeTensorsWriter.Tensor(name: String(key.dropFirst(prefix.count)), shape: try file.requireInfo(key).shape,
                                     values: try file.floats(key))
        }, metadata: ["format": "pt"], to: bare.appendingPathComponent("model.safetensors"))
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fixture.model.appendingPathComponent("config.json"))) as? [String: Any])
        for key in ["id2label", "label2id", "problem_type"] { config.removeValue(forKey: key) }
        config["architectures"] = [String((config["architectures"] as? [String])?.first?.split(separator: "F").first ?? "") + "Model"]
        try JSONSerialization.data(withJSONObject: config).write(to: bare.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: fixture.model.appendingPathComponent("vocab.txt"), to: bare.appendingPathComponent("vocab.txt"))

        _ = try run(["train", "--model", "bare", "--data", "data.csv", "--out", "trained", "--epochs", "1", "--batch-size", "8",
                     "--max-length", "24", "--db", "t.db"], in: folder)
        let saved = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("trained/model.safetensors"))
        XCTAssertEqual(Set(saved.names), Set(file.names), name)
        for key in file.names { XCTAssertEqual(saved.info(key)?.shape, file.info(key)?.shape, "\(name) \(key)") }
        let written = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("trained/config.json"))) as? [String: Any])
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fixture.model.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual(written["architectures"] as? [String], expected["architectures"] as? [String], name)
        XCTAssertEqual(written["model_type"] as? String, expected["model_type"] as? String, name)
        XCTAssertEqual(Set((written["id2label"] as? [String: String] ?? [:]).values), ["a", "b", "c"], name)
    }

    func testDistilBert() throws {
        try checkFamily("distilbert")
        try checkTrainingFromBareEncoder("distilbert", prefix: "distilbert.")
    }

    func testRoberta() throws {
        try checkFamily("roberta")
        try checkTrainingFromBareEncoder("roberta", prefix: "roberta.")
    }

    func testXLMRoberta() throws { try checkFamily("xlm-roberta") }

    func testElectra() throws {
        try checkFamily("electra")
        try checkTrainingFromBareEncoder("electra", prefix: "electra.")
    }

    func testAlbert() throws {
        try checkFamily("albert")
        try checkTrainingFromBareEncoder("albert-groups", prefix: "albert.")
    }

    func testDebertaV2() throws {
        try checkFamily("deberta-v2")
        try checkTrainingFromBareEncoder("deberta-v2-variant", prefix: "deberta.")
    }

    func testModernBert() throws {
        try checkFamily("modernbert")
        try checkTrainingFromBareEncoder("modernbert-mean", prefix: "model.")
    }

    func testBadConfigsGiveOneLineErrors() throws {
        let folder = try temporaryFolder(self)
        try writeData(to: folder)
        let fixture = try FamilyFixture("roberta")
        let model = try copyModel(fixture, to: folder)
        let configURL = model.appendingPathComponent("config.json")
        let good = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        func expectFailure(_ change: (inout [String: Any]) -> Void, _ fragment: String, line: UInt = #line) throws {
            var config = good
            change(&config)
            try JSONSerialization.data(withJSONObject: config).write(to: configURL)
            let result = try runRobust(["eval", "--model", "model", "--data", "data.csv", "--no-attacks", "--db", "bad.db"],
                                       folder: folder, environment: environment)
            XCTAssertNotEqual(result.status, 0, line: line)
            XCTAssertTrue(result.stderr.contains(fragment), "stderr lacks '\(fragment)': \(result.stderr)", line: line)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "not one line: \(result.stderr)", line: line)
            XCTAssertFalse(result.stderr.contains("Fatal error"), line: line)
        }
        try expectFailure({ $0["model_type"] = "xlnet" },
                          "model_type 'xlnet' is not supported (supported: bert, distilbert, roberta, xlm-roberta, electra, albert, deberta-v2, modernbert, vit)")
        try expectFailure({ $0["position_embedding_type"] = "relative_key" }, "position_embedding_type 'relative_key' is not supported")
        try expectFailure({ $0["problem_type"] = "regression" }, "problem_type 'regression' is not supported")
        try expectFailure({ $0["problem_type"] = "multi_label_classification" }, "problem_type 'multi_label_classification' is not supported")
        try expectFailure({ $0["hidden_act"] = "quick_gelu" }, "hidden_act 'quick_gelu' is not supported")
        try expectFailure({ $0["architectures"] = ["RobertaForTokenClassification"] }, "architectures 'RobertaForTokenClassification' is not supported")
        // Weights that do not match the config: the tensor, its shape and the expected one.
        try expectFailure({ $0["intermediate_size"] = 40 },
                          "tensor 'roberta.encoder.layer.0.intermediate.dense.weight' has shape [48, 32] but config.json implies [40, 32]")
        try expectFailure({ $0["num_hidden_layers"] = 3 }, "lacks")
        try expectFailure({ $0["max_position_embeddings"] = 1 }, "max_position_embeddings 1 leaves no room")
    }
}
