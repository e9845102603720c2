// TrainCommandTests: `robust train` and `robust eval` run as a user runs them, on a tiny checkpoint and a
// small CSV: a checkpoint appears, the same seed gives identical bytes, an interrupted run resumes to
// the same bytes, and bad input ends in a one-line error with a non-zero exit.
import Foundation
import SafeTensors
import TestSupport
import XCTest

final class TrainCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        try Self.makeTinyModelAndData(in: folder)
    }

    /// `tiny/` (tiny_bert_cls without its 3-class head: a bare encoder that gets a new head for the data's labels)
    /// and `data.csv` (240 rows; class "yes" iff the text contains w7) in `folder`.
    static func makeTinyModelAndData(in folder: URL) throws {
        let model = folder.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.fixture("tiny_bert_cls/config.json"), to: model.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(contentsOf: TestPaths.fixture("tiny_bert_cls/model.safetensors"))
        try SafeTensorsWriter.write(try file.names.filter { !$0.hasPrefix("classifier.") }.map { name in
            SafeTensorsWriter.Tensor(name: name, shape: try file.requireInfo(name).shape, values: try file.floats(name))
        }, to: model.appendingPathComponent("model.safetensors"))
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: model.appendingPathComponent("config.json"))) as? [String: Any])
        config.removeValue(forKey: "id2label")
        config.removeValue(forKey: "label2id")
        try JSONSerialization.data(withJSONObject: config).write(to: model.appendingPathComponent("config.json"))
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + (0..<123).map { "w\($0)" }
        try vocabulary.joined(separator: "\n").write(to: model.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        var lines = ["text,label"]
        for i in 0..<240 {
            var words = (0..<(4 + i % 6)).map { "w\(10 + (i * 7 + $0 * 13) % 90)" } + ["w\(10 + i % 97)", "w\(10 + i / 97)"]
            if i % 2 == 0 { words[i % words.count] = "w7" }
            lines.append("\"\(words.joined(separator: " "))\",\(i % 2 == 0 ? "yes" : "no")")
        }
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
    }

    func train(_ out: String, extra: [String] = [], db: String = "results.db") throws -> ProcessResult {
        try runRobust(["train", "--model", "tiny", "--data", "data.csv", "--out", out, "--epochs", "3", "--batch-size", "16",
                       "--lr", "2e-3", "--max-length", "24", "--seed", "5", "--db", db] + extra, folder: folder)
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(path)) }

    func testTrainWritesACheckpointEvalReadsItAndSeedsAreDeterministic() throws {
        let first = try train("a")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("precision"), first.stdout)
        for name in ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "training.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("a/\(name)").path), name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("a/.resume").path))
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes("a/training.json")) as? [String: Any])
        XCTAssertNotNil(record["test"])
        XCTAssertEqual((record["history"] as? [Any])?.count, 3)

        let second = try train("b")
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try bytes("a/model.safetensors"), try bytes("b/model.safetensors"))
        XCTAssertEqual(try bytes("a/training.json"), try bytes("b/training.json"))
        XCTAssertEqual(try bytes("a/config.json"), try bytes("b/config.json"))

        let evaluation = try runRobust(["eval", "--model", "a", "--data", "data.csv", "--no-attacks", "--json", "--db", "results.db"],
                                       folder: folder)
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluation.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["split"] as? String, "test")
        XCTAssertNotNil((report["report"] as? [String: Any])?["accuracy"])

        let runs = try runRobust(["runs", "--db", "results.db", "--json"], folder: folder)
        XCTAssertEqual(runs.status, 0, runs.stderr)
        XCTAssertTrue(runs.stdout.contains("\"train\""), runs.stdout)
        XCTAssertTrue(runs.stdout.contains("\"eval\""), runs.stdout)
    }

    func testKeepLastKeepsTheLastEvaluatedModel() throws {
        let result = try train("last", extra: ["--keep-last"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("last model, step"), result.stdout)
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes("last/training.json")) as? [String: Any])
        let history = try XCTUnwrap(record["history"] as? [[String: Any]])
        let kept = try XCTUnwrap(record["kept"] as? [String: Any])
        XCTAssertEqual(kept["rule"] as? String, "last")
        XCTAssertEqual(kept["step"] as? Int, history.last?["step"] as? Int)
        // Without the flag, training.json has no "kept" entry (and stays byte-identical to before).
        XCTAssertEqual(try train("best").status, 0)
        let plain = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes("best/training.json")) as? [String: Any])
        XCTAssertNil(plain["kept"])
    }

    func testTrainingStoppedMidEpochResumesToTheSameCheckpoint() throws {
        XCTAssertEqual(try train("straight", db: "straight.db").status, 0)
        // Step 20 is inside the second epoch (12 steps per epoch).
        let stopped = try train("resumed", extra: ["--interrupt-at-step", "20"], db: "resumed.db")
        XCTAssertNotEqual(stopped.status, 0)
        XCTAssertTrue(stopped.stderr.contains("interrupted at step 20"), stopped.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("resumed/.resume/state.json").path))
        let resumed = try train("resumed", extra: ["--resume"], db: "resumed.db")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming at step 20"), resumed.stdout)
        XCTAssertEqual(try bytes("resumed/model.safetensors"), try bytes("straight/model.safetensors"))
        XCTAssertEqual(try bytes("resumed/training.json"), try bytes("straight/training.json"))
        let runs = try runRobust(["runs", "--db", "resumed.db", "--json"], folder: folder)
        XCTAssertEqual(runs.stdout.components(separatedBy: "\"finished\"").count - 1, 1, runs.stdout)
    }

    func testCtrlCDuringTrainingSavesAResumableState() throws {
        let straight = try train("straight", db: "straight.db")
        XCTAssertEqual(straight.status, 0, straight.stderr)

        // The child holds before step 14 (inside epoch 2; 12 steps per epoch) until a signal arrives, with
        // the file .waiting-for-signal in its output folder, so the SIGINT always lands mid-training, two
        // steps after the last saved evaluation. Without a signal it carries on after 10 minutes, and this
        // test fails on the exit status.
        let child = try Child(["train", "--model", "tiny", "--data", "data.csv", "--out", "resumed", "--epochs", "3",
                               "--batch-size", "16", "--lr", "2e-3", "--max-length", "24", "--seed", "5", "--db", "resumed.db",
                               "--wait-for-signal-at-step", "14"],
                              folder: folder)
        let waiting = folder.appendingPathComponent("resumed/.waiting-for-signal").path
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: waiting) && child.process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: waiting), "the run never reached step 14")
        XCTAssertTrue(child.process.isRunning, "the run ended before the signal")
        kill(child.pid, SIGINT)
        let interrupted = child.wait()
        XCTAssertEqual(interrupted.status, 1, "an interrupted run exits with status 1: \(interrupted.stderr)")
        XCTAssertTrue(interrupted.stderr.contains("interrupt received"), interrupted.stderr)
        XCTAssertTrue(interrupted.stderr.contains("interrupted at step 14"), interrupted.stderr)
        XCTAssertTrue(interrupted.stderr.contains("--resume"), interrupted.stderr)
        let saved = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes("resumed/.resume/state.json")) as? [String: Any])
        let state = try XCTUnwrap(saved["state"] as? [String: Any])
        XCTAssertEqual(state["step"] as? Int, 14, "the state saved on the signal, not the last evaluation's (step 12)")
        XCTAssertEqual(state["finished"] as? Bool, false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: waiting))

        let resumed = try train("resumed", extra: ["--resume"], db: "resumed.db")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming at step 14"), resumed.stdout)
        XCTAssertEqual(try bytes("resumed/model.safetensors"), try bytes("straight/model.safetensors"))
        let runs = try runRobust(["runs", "--db", "resumed.db", "--json"], folder: folder)
        XCTAssertTrue(runs.stdout.contains("\"finished\""), runs.stdout)
    }

    func testBadInputGivesOneLineErrors() throws {
        func expectFailure(_ arguments: [String], _ fragment: String, line: UInt = #line) throws {
            let result = try runRobust(arguments, folder: folder)
            XCTAssertNotEqual(result.status, 0, "expected failure for \(arguments)", line: line)
            XCTAssertTrue(result.stderr.contains(fragment), "stderr lacks '\(fragment)': \(result.stderr)", line: line)
            XCTAssertEqual(result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count, 1,
                           "not one error line: \(result.stderr)", line: line)
            XCTAssertTrue(result.stderr.split(separator: "\n").last?.hasPrefix("Error:") ?? false, result.stderr, line: line)
            XCTAssertFalse(result.stderr.contains("Fatal error"), line: line)
        }
        let base = ["--model", "tiny", "--out", "x", "--db", "bad.db"]
        try expectFailure(["train", "--data", "missing.csv"] + base, "missing.csv")
        try "text,label\n".write(to: folder.appendingPathComponent("empty.csv"), atomically: true, encoding: .utf8)
        try expectFailure(["train", "--data", "empty.csv"] + base, "empty.csv")
        try "sentence,label\nhello,a\n".write(to: folder.appendingPathComponent("nocol.csv"), atomically: true, encoding: .utf8)
        try expectFailure(["train", "--data", "nocol.csv", "--text-column", "body"] + base, "body")
        let single = (0..<30).map { "\"w\($0 + 10) w9\",same" }.joined(separator: "\n")
        try ("text,label\n" + single).write(to: folder.appendingPathComponent("single.csv"), atomically: true, encoding: .utf8)
        try expectFailure(["train", "--data", "single.csv"] + base, "at least two classes")
        var invalid = Data("text,label\n\"w1 w2\",a\n".utf8)
        invalid.append(contentsOf: [0xFF, 0xFE, 0x2C, 0x62, 0x0A])
        try invalid.write(to: folder.appendingPathComponent("invalid.csv"))
        try expectFailure(["train", "--data", "invalid.csv"] + base, "UTF-8")
        try expectFailure(["train", "--data", "data.csv", "--model", "nowhere", "--out", "x", "--db", "bad.db"], "nowhere")
        // An existing checkpoint is not replaced without --overwrite.
        XCTAssertEqual(try train("kept", extra: ["--epochs", "1"]).status, 0)
        let before = try bytes("kept/model.safetensors")
        try expectFailure(["train", "--data", "data.csv", "--model", "tiny", "--out", "kept", "--db", "bad.db"], "--overwrite")
        XCTAssertEqual(try bytes("kept/model.safetensors"), before)
        try expectFailure(["train", "--data", "data.csv", "--model", "tiny", "--out", "kept", "--resume", "--db", "bad.db"], "no interrupted run")
        try expectFailure(["eval", "--model", "tiny", "--data", "data.csv", "--no-attacks", "--db", "bad.db"], "no trained classification head")
    }

    func testEmptyTextsAreSkippedAndCounted() throws {
        var lines = try String(contentsOf: folder.appendingPathComponent("data.csv"), encoding: .utf8)
        lines += "\n\"   \",yes\n\"\",no\n"
        try lines.write(to: folder.appendingPathComponent("blanks.csv"), atomically: true, encoding: .utf8)
        let result = try runRobust(["train", "--model", "tiny", "--data", "blanks.csv", "--out", "blank", "--epochs", "1",
                                    "--db", "blank.db"], folder: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue((result.stdout + result.stderr).contains("skipped"), result.stdout + result.stderr)
    }
}

/// `robust eval` killed with SIGKILL mid-attack keeps every committed example, and `--resume RUN`
/// finishes with exactly the results of an uninterrupted run.
final class EvalResumeTests: XCTestCase {
    func testKilledAttackRunResumesToIdenticalResults() throws {
        let folder = try temporaryFolder(self)
        let root = TestPaths.repoRoot.path
        // Recipes and the sentence encoder are found from the repository, whatever the working folder.
        let environment = ["ROBUST_ATTACKS_DIR": "\(root)/attacks", "ROBUST_BASE_MODEL": "\(root)/models/all-MiniLM-L6-v2"]
        let arguments = ["eval", "--model", "\(root)/Tests/Fixtures/gate/model", "--data", "\(root)/Tests/Fixtures/gate/data.csv",
                         "--recipes", "deepwordbug", "--max-length", "24", "--workers", "1", "--limit", "16"]
        // The fixture model is bare (new seeded head), which eval refuses; train it quickly first.
        let trained = try runRobust(["train", "--model", "\(root)/Tests/Fixtures/gate/model", "--data", "\(root)/Tests/Fixtures/gate/data.csv",
                                     "--out", "model", "--epochs", "2", "--lr", "5e-3", "--batch-size", "16", "--max-length", "24",
                                     "--db", "train.db"], folder: folder, environment: environment)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        var withModel = arguments
        withModel[2] = folder.appendingPathComponent("model").path

        let straight = try runRobust(withModel + ["--db", "straight.db", "--json"], folder: folder, environment: environment)
        XCTAssertEqual(straight.status, 0, straight.stderr)

        let child = try Child(withModel + ["--db", "killed.db"], folder: folder, environment: environment)
        let database = folder.appendingPathComponent("killed.db").path
        let deadline = Date().addingTimeInterval(120)
        // Kill once some (but not all 16) attacked examples are committed.
        var committed = 0
        while committed < 5 && Date() < deadline && child.process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            guard FileManager.default.fileExists(atPath: database),
                  let shown = try? runRobust(["show", "1", "--db", database, "--json"], folder: folder, environment: environment), shown.status == 0,
                  let object = try? JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any],
                  let details = object["recipe_details"] as? [[String: Any]] else { continue }
            committed = details.filter { ($0["recipe"] as? String) == "deepwordbug" }
                .compactMap { $0["counts"] as? [String: Int] }.flatMap(\.values).reduce(0, +)
        }
        XCTAssertTrue(child.process.isRunning, "the attack finished before it could be killed")
        kill(child.pid, SIGKILL)
        XCTAssertEqual(child.wait().reason, .uncaughtSignal)
        let resumed = try runRobust(withModel + ["--db", "killed.db", "--resume", "1", "--json"], folder: folder, environment: environment)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try runRobust(["show", "1", "--db", "straight.db", "--json"], folder: folder, environment: environment)
        let b = try runRobust(["show", "1", "--db", "killed.db", "--json"], folder: folder, environment: environment)
        func metrics(_ text: String) throws -> [String: Double] {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            var values: [String: Double] = [:]
            for metric in (object["metrics"] as? [[String: Any]]) ?? [] {
                guard let name = metric["name"] as? String, let recipe = metric["recipe"] as? String,
                      let value = (metric["value"] as? NSNumber)?.doubleValue,
                      !name.contains("seconds"), !name.contains("cache") else { continue }
                values["\(recipe)/\(name)"] = value
            }
            return values
        }
        let expected = try metrics(a.stdout), actual = try metrics(b.stdout)
        XCTAssertFalse(expected.isEmpty, a.stdout)
        XCTAssertEqual(expected, actual)
    }
}
