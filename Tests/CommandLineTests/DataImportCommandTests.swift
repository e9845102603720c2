// DataImportCommandTests: data as users have it, run as a user runs it — `robust data import --train
// --test` keeps the test file whole, carves dev from train and says what it dropped; bad input is one
// error line; `robust eval --split all` evaluates every row of a file (or every split of a dataset)
// without splitting it, with TextAttack's --num-examples and --num-examples-offset.
import Foundation
import TestSupport
import XCTest

final class DataImportCommandTests: XCTestCase {
    var folder: URL!
    let root = TestPaths.repoRoot.path
    var environment: [String: String] {
        ["ROBUST_ATTACKS_DIR": "\(root)/attacks", "ROBUST_BASE_MODEL": "\(root)/models/all-MiniLM-L6-v2"]
    }

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        // The gate fixture's 400 rows: the first 300 (plus two test rows) as train.csv, the rest as test.csv.
        let lines = try String(contentsOfFile: "\(root)/Tests/Fixtures/gate/data.csv", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let header = lines[0], rows = Array(lines.dropFirst())
        XCTAssertEqual(rows.count, 400)
        try write("train.csv", [header] + rows[0..<300] + [rows[350], rows[390]])
        try write("test.csv", [header] + rows[300...])
        try write("other.csv", [header, "\"w1 w2\",yes", "\"w3 w4\",maybe"])
        try write("blank.csv", [header, "\"   \",yes"])
    }

    func write(_ name: String, _ lines: [String]) throws {
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func robust(_ arguments: [String]) throws -> ProcessResult {
        try runRobust(arguments, folder: folder, environment: environment)
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func expectFailure(_ arguments: [String], _ fragment: String, line: UInt = #line) throws {
        let result = try robust(arguments)
        XCTAssertNotEqual(result.status, 0, "expected failure for \(arguments)", line: line)
        XCTAssertTrue(result.stderr.contains(fragment), "stderr lacks '\(fragment)': \(result.stderr)", line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "not one line: \(result.stderr)", line: line)
        XCTAssertTrue(lines.first?.hasPrefix("Error: ") ?? false, result.stderr, line: line)
    }

    func testImportTrainAndTestFiles() throws {
        let imported = try robust(["data", "import", "--train", "train.csv", "--test", "test.csv", "--name", "mine", "--data-dir", "data"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("splits: train the rest of train.csv; dev a seeded stratified 10% of train.csv (seed 42); test from test.csv"),
                      imported.stdout)
        XCTAssertTrue(imported.stdout.contains("302 usable rows, dropped 2 whose text is also in test (test.csv), 300 left"), imported.stdout)
        XCTAssertTrue(imported.stdout.contains("train.csv (--train): read 302 rows"), imported.stdout)
        let manifest = try json(String(contentsOf: folder.appendingPathComponent("data/mine/dataset.json"), encoding: .utf8))
        let split = try XCTUnwrap(manifest["split"] as? [String: Any])
        XCTAssertEqual(split["method"] as? String, "files")
        let origins = try XCTUnwrap(split["origins"] as? [String: [String: Any]])
        XCTAssertEqual(origins["dev"]?["how"] as? String, "carved")
        XCTAssertEqual(origins["dev"]?["carved_from"] as? String, "train")
        XCTAssertEqual(origins["dev"]?["seed"] as? Int, 42)
        XCTAssertEqual(origins["test"]?["how"] as? String, "file")
        let counts = try XCTUnwrap(manifest["counts"] as? [String: [String: Int]])
        XCTAssertEqual(counts["test"]?.values.reduce(0, +), 100)
        XCTAssertEqual(counts["dev"]?.values.reduce(0, +), 30)
        XCTAssertEqual(counts["train"]?.values.reduce(0, +), 270)
        // The same command gives the same dataset.
        let again = try robust(["data", "import", "--train", "train.csv", "--test", "test.csv", "--name", "again", "--data-dir", "data"])
        XCTAssertEqual(again.status, 0, again.stderr)
        for file in ["train.jsonl", "dev.jsonl", "test.jsonl"] {
            XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("data/mine/\(file)")),
                           try Data(contentsOf: folder.appendingPathComponent("data/again/\(file)")), file)
        }
        // A test-only dataset.
        let testOnly = try robust(["data", "import", "--test", "test.csv", "--name", "heldout", "--data-dir", "data"])
        XCTAssertEqual(testOnly.status, 0, testOnly.stderr)
        XCTAssertTrue(testOnly.stdout.contains("train      0"), testOnly.stdout)

        let base = ["data", "import", "--name", "bad", "--data-dir", "data"]
        try expectFailure(base + ["--train", "train.csv", "--test", "other.csv"],
                          "labels differ between --train and --test: only in train: no; only in test: maybe")
        try expectFailure(base + ["--train", "missing.csv", "--test", "test.csv"], "missing.csv: no such file (--train)")
        try expectFailure(base + ["--train", "train.csv", "--test", "blank.csv"], "blank.csv: no usable rows")
        try expectFailure(base + ["train.csv", "--test", "test.csv"], "give either FILE or --train/--dev/--test, not both")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/bad").path))
    }

    func testEvalAndAttackSplitAll() throws {
        let gate = "\(root)/Tests/Fixtures/gate"
        // The fixture model is bare (new seeded head), which eval refuses; train it quickly first.
        let trained = try robust(["train", "--model", "\(gate)/model", "--data", "\(gate)/data.csv", "--out", "model", "--epochs", "1",
                                  "--lr", "5e-3", "--batch-size", "16", "--max-length", "24", "--db", "train.db"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        func evaluate(_ extra: [String], data: String = "\(gate)/data.csv") throws -> [String: Any] {
            let result = try robust(["eval", "--model", "model", "--data", data, "--no-attacks", "--json", "--max-length", "24",
                                     "--db", "eval.db"] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try json(result.stdout)
        }
        // A file: every row, unsplit (the default takes its on-the-fly test split).
        let all = try evaluate(["--split", "all"])
        XCTAssertEqual(all["split"] as? String, "all")
        XCTAssertEqual(all["examples"] as? Int, 400)
        XCTAssertEqual(try evaluate([])["examples"] as? Int, 40)
        XCTAssertEqual(try evaluate(["--split", "all", "--num-examples", "7", "--num-examples-offset", "3"])["examples"] as? Int, 7)
        XCTAssertEqual(try evaluate(["--split", "all", "--sample", "9", "--num-examples-offset", "100"])["examples"] as? Int, 9)
        XCTAssertEqual(try evaluate(["--split", "all", "--limit", "50", "--num-examples-offset", "390"])["examples"] as? Int, 10)
        let shown = try robust(["show", "3", "--db", "eval.db", "--json"])
        let config = try XCTUnwrap(try json(shown.stdout)["config"] as? [String: Any])
        XCTAssertEqual(config["offset"] as? Int, 3, "the offset is part of the run's configuration")
        // A dataset folder: train + dev + test.
        let imported = try robust(["data", "import", "--train", "train.csv", "--test", "test.csv", "--name", "mine", "--data-dir", "data"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(try evaluate(["--split", "all"], data: "data/mine")["examples"] as? Int, 400)

        let base = ["eval", "--model", "model", "--data", "\(gate)/data.csv", "--no-attacks", "--db", "bad.db"]
        try expectFailure(base + ["--split", "all", "--num-examples-offset", "400"],
                          "--num-examples-offset 400 is past the end of data (all splits), which has 400 examples")
        try expectFailure(base + ["--num-examples-offset", "45"], "past the end of the test split of data, which has 40 examples")
        let negative = try robust(base + ["--num-examples", "-1"])
        XCTAssertNotEqual(negative.status, 0)
        XCTAssertTrue(negative.stderr.hasPrefix("Error: --limit (--num-examples) must be positive, not -1"), negative.stderr)

        // attack takes the same selection.
        let attacked = try robust(["attack", "--model", "model", "--recipe", "deepwordbug", "--data", "\(gate)/data.csv", "--split", "all",
                                   "--num-examples", "2", "--num-examples-offset", "398", "--max-length", "24", "--workers", "1",
                                   "--db", "attack.db", "--json"])
        XCTAssertEqual(attacked.status, 0, attacked.stderr)
        let summary = try XCTUnwrap((try json(attacked.stdout)["attacks"] as? [[String: Any]])?.first)
        XCTAssertEqual(summary["examples"] as? Int, 2)
    }
}
