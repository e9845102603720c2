// ImageCommandTests: the image path as a user runs it, on a small synthetic task (8×8 grey images: the bright
// half is the top or the bottom, with noise) — `data import` of a folder of PNGs, `model init --family vit`,
// `train` with an augmentation recipe (test accuracy must be high: the task is easy), `predict` on PNG files
// (labels and probabilities, JSON), `eval` (clean, FGSM sweep, corruptions recorded as one run), `attack` with a
// pixel recipe, `retrain --method pgd` (before, training, after linked, paired comparison), and the bad inputs:
// a corrupt PNG, a text recipe on an image model, a pixel recipe on a text path, a wrong image shape.
import Datasets
import Foundation
import TestSupport
import XCTest

final class ImageCommandTests: XCTestCase {
    var folder: URL!
    var environment: [String: String] { ["ROBUST_DATA_DIR": folder.appendingPathComponent("data").path] }

    /// `count` images per class; class "top" has its top half bright, "bottom" its bottom half.
    func writeImages(_ root: URL, count: Int, seed: UInt64) throws {
        var state = seed
        func noise() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 59)   // 0…31
        }
        for label in ["bottom", "top"] {
            let classFolder = root.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
            for index in 0..<count {
                var pixels = [UInt8](repeating: 0, count: 64)
                for row in 0..<8 {
                    for column in 0..<8 {
                        let bright = (row < 4) == (label == "top")
                        pixels[row * 8 + column] = UInt8(bright ? 200 + noise() : 20 + noise())
                    }
                }
                let image = try PixelImage(shape: .init(channels: 1, height: 8, width: 8), pixels: pixels)
                try ImageCodec.writePNG(image, to: classFolder.appendingPathComponent("\(index).png"))
            }
        }
    }

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        try writeImages(folder.appendingPathComponent("images"), count: 60, seed: 7)
    }

    func robust(_ arguments: [String]) throws -> ProcessResult {
        try runRobust(arguments, folder: folder, environment: environment)
    }

    func trainedModel() throws {
        let imported = try robust(["data", "import", "images", "--name", "halves"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let initialised = try robust(["model", "init", "--family", "vit", "--size", "tiny", "--data", "halves", "--patch-size", "4",
                                      "--out", "vit-init"])
        XCTAssertEqual(initialised.status, 0, initialised.stderr)
        XCTAssertTrue(initialised.stdout.contains("4 patches of 4×4, 2 labels"), initialised.stdout)
        let trained = try robust(["train", "--model", "vit-init", "--data", "halves", "--out", "vit", "--epochs", "12", "--batch-size", "8",
                                  "--lr", "3e-3", "--augment", "image-basic", "--db", "runs.db"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("augmented with image-basic"), trained.stdout)
        let accuracy = trained.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("accuracy") }
        let value = accuracy.flatMap { $0.split(separator: " ").compactMap { Double($0) }.first } ?? 0
        XCTAssertGreaterThanOrEqual(value, 0.9, trained.stdout)
        for file in ["config.json", "model.safetensors", "preprocessor_config.json", "training.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("vit/\(file)").path), file)
        }
    }

    func testTrainPredictEvalAttackAndRetrain() throws {
        try trainedModel()
        // predict: two of the PNGs, plain and JSON.
        let top = "images/top/0.png", bottom = "images/bottom/1.png"
        let predicted = try robust(["predict", "--model", "vit", top, bottom])
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        let lines = predicted.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, predicted.stdout)
        XCTAssertTrue(lines[0].hasPrefix("top\t"), predicted.stdout)
        XCTAssertTrue(lines[1].hasPrefix("bottom\t"), predicted.stdout)
        let json = try robust(["predict", "--model", "vit", "--json", top])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let probabilities = try XCTUnwrap(object["probabilities"] as? [String: Double])
        XCTAssertEqual(probabilities.values.reduce(0, +), 1, accuracy: 1e-5)

        // eval: clean, an FGSM sweep and the corruption suite, one run.
        let evaluated = try robust(["eval", "--model", "vit", "--data", "halves", "--recipes", "pixel-fgsm-sweep", "--db", "runs.db"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertTrue(evaluated.stdout.contains("pixel-fgsm-sweep: accuracy under attack by L∞ ε"), evaluated.stdout)
        XCTAssertTrue(evaluated.stdout.contains("gaussian_noise"), evaluated.stdout)
        let shown = try robust(["runs", "--db", "runs.db"])
        XCTAssertTrue(shown.stdout.contains("eval"), shown.stdout)

        // attack with PGD: accuracy under attack at ε 0.1 cannot exceed clean accuracy.
        let attacked = try robust(["attack", "--model", "vit", "--data", "halves", "--recipe", "pixel-pgd", "--db", "runs.db"])
        XCTAssertEqual(attacked.status, 0, attacked.stderr)
        XCTAssertTrue(attacked.stdout.contains("Accuracy under attack"), attacked.stdout)

        // The report shows attacked images: original, adversarial and magnified perturbation, and the ε curve.
        let reported = try robust(["report", "2", "--db", "runs.db", "--out", "report"])
        XCTAssertEqual(reported.status, 0, reported.stderr)
        let html = try String(contentsOf: folder.appendingPathComponent("report/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("class=\"images\""), "no image samples in the report")
        XCTAssertTrue(html.contains("perturbation ×"), "no magnified perturbation in the report")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report/accuracy_vs_epsilon.gp").path))

        // retrain with PGD: before, training and after runs and the paired table.
        let retrained = try robust(["retrain", "--model", "vit", "--data", "halves", "--method", "pgd", "--epochs", "1",
                                    "--batch-size", "16", "--lr", "5e-4", "--adv-steps", "3", "--recipes", "pixel-pgd",
                                    "--out", "vit-pgd", "--db", "runs.db"])
        XCTAssertEqual(retrained.status, 0, retrained.stderr)
        XCTAssertTrue(retrained.stdout.contains("used in training"), retrained.stdout)
        XCTAssertTrue(retrained.stdout.contains("PGD adversarial training"), retrained.stdout)
    }

    /// `model init` takes the preset's dimensions unless told otherwise; overrides land in config.json, and
    /// impossible ones are one line with nothing written.
    func testModelInitDimensionOverrides() throws {
        XCTAssertEqual(try robust(["data", "import", "images", "--name", "halves"]).status, 0)
        let made = try robust(["model", "init", "--family", "vit", "--size", "tiny", "--data", "halves", "--hidden-size", "96",
                               "--heads", "3", "--layers", "2", "--intermediate-size", "384", "--out", "wide"])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(made.stdout.contains("with overrides (hidden 96, 2 layers, 3 heads, MLP 384)"), made.stdout)
        let data = try Data(contentsOf: folder.appendingPathComponent("wide/config.json"))
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(config["hidden_size"] as? Int, 96)
        XCTAssertEqual(config["num_hidden_layers"] as? Int, 2)
        XCTAssertEqual(config["num_attention_heads"] as? Int, 3)
        XCTAssertEqual(config["intermediate_size"] as? Int, 384)
        let preset = try robust(["model", "init", "--family", "vit", "--size", "small", "--data", "halves", "--out", "small"])
        XCTAssertTrue(preset.stdout.contains("ViT small (hidden 192, 6 layers, 3 heads, MLP 384)"), preset.stdout)
        for (name, flags) in [("odd", ["--hidden-size", "64", "--heads", "3"]), ("zero", ["--layers", "0"]),
                              ("huge", ["--hidden-size", "8192", "--heads", "8"])] {
            let result = try robust(["model", "init", "--family", "vit", "--data", "halves", "--out", name] + flags)
            XCTAssertNotEqual(result.status, 0, name)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
        }
    }

    /// Ctrl-C at a step, then --resume, gives the same checkpoint bytes as one uninterrupted run (augmentation and
    /// batches are functions of the seed, the epoch and the image).
    func testInterruptedImageTrainingResumesExactly() throws {
        XCTAssertEqual(try robust(["data", "import", "images", "--name", "halves"]).status, 0)
        XCTAssertEqual(try robust(["model", "init", "--family", "vit", "--size", "tiny", "--data", "halves", "--out", "init"]).status, 0)
        let common = ["--model", "init", "--data", "halves", "--epochs", "2", "--batch-size", "16", "--lr", "1e-3",
                      "--augment", "image-standard", "--patience", "0", "--db", "runs.db"]
        let whole = try robust(["train", "--out", "whole"] + common)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let stopped = try robust(["train", "--out", "parts", "--interrupt-at-step", "7"] + common)
        XCTAssertNotEqual(stopped.status, 0)
        XCTAssertTrue(stopped.stderr.contains("--resume"), stopped.stderr)
        let resumed = try robust(["train", "--out", "parts", "--resume"] + common)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming at step 7"), resumed.stdout)
        let a = try Data(contentsOf: folder.appendingPathComponent("whole/model.safetensors"))
        let b = try Data(contentsOf: folder.appendingPathComponent("parts/model.safetensors"))
        XCTAssertEqual(a, b, "the resumed run's weights differ from the uninterrupted run's")
    }

    func testBadImageInputsAreOneLine() throws {
        try trainedModel()
        // A corrupt PNG, and a file that is no image at all.
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).write(to: folder.appendingPathComponent("broken.png"))
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("text.png"))
        for file in ["broken.png", "text.png", "missing.png"] {
            let result = try robust(["predict", "--model", "vit", file])
            XCTAssertNotEqual(result.status, 0, file)
            XCTAssertTrue(result.stdout.isEmpty, "\(file): \(result.stdout)")
            XCTAssertEqual(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, "\(file): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(file), result.stderr)
        }
        // A bigger image is resized to the model's 8×8; an RGB one converted to grey.
        let big = try PixelImage(shape: .init(channels: 3, height: 16, width: 16), pixels: [UInt8](repeating: 90, count: 768))
        try ImageCodec.writePNG(big, to: folder.appendingPathComponent("big.png"))
        XCTAssertEqual(try robust(["predict", "--model", "vit", "big.png"]).status, 0)
        // A text recipe on an image model, and an unknown pixel recipe.
        let text = try robust(["attack", "--model", "vit", "--data", "halves", "--recipe", "pwws", "--db", "runs.db"])
        XCTAssertNotEqual(text.status, 0)
        XCTAssertTrue(text.stderr.contains("no pixel attack recipe 'pwws'"), text.stderr)
        // A pixel recipe through the text path is refused by the text loader.
        let pixelOnText = try runRobust(["attack", "--model", TestPaths.miniLM.path, "--text", "a fine film", "--recipe", "pixel-pgd"],
                                        folder: folder, environment: environment)
        XCTAssertNotEqual(pixelOnText.status, 0)
        XCTAssertTrue(pixelOnText.stderr.contains("kind: image") || pixelOnText.stderr.contains("pixel"), pixelOnText.stderr)
        // Images of another shape than the model's.
        try writeImages(folder.appendingPathComponent("other"), count: 4, seed: 3)
        let wide = try PixelImage(shape: .init(channels: 1, height: 8, width: 12), pixels: [UInt8](repeating: 1, count: 96))
        try ImageCodec.writePNG(wide, to: folder.appendingPathComponent("wide.png"))
        let resized = try robust(["data", "import", "other", "--name", "other", "--size", "12x12"])
        XCTAssertEqual(resized.status, 0, resized.stderr)
        let mismatch = try robust(["eval", "--model", "vit", "--data", "other", "--no-attacks", "--db", "runs.db"])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("takes 1×8×8 images"), mismatch.stderr)
        // Imported at the model's own shape (from its preprocessor), the same folder evaluates.
        let fitted = try robust(["data", "import", "other", "--name", "fitted", "--model", "vit"])
        XCTAssertEqual(fitted.status, 0, fitted.stderr)
        let evaluated = try robust(["eval", "--model", "vit", "--data", "fitted", "--no-attacks", "--split", "train", "--db", "runs.db"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
    }
}
