// ConsistencyCommandTests: `robust train --unlabeled … --consistency …` as a user runs it, on the tiny checkpoint
// and CSV of TrainCommandTests plus unlabelled text of the same task: UDA with tfidf-replace and VAT train and
// record their unlabelled data and curves, the same seed gives the same bytes, an interrupted run resumes to them,
// `augment --recipe tfidf-replace` works alone, and bad unlabelled data ends in one line before training starts.
import Foundation
import TestSupport
import XCTest

final class ConsistencyCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        try TrainCommandTests.makeTinyModelAndData(in: folder)
        // Unlabelled text of the same task, none of it in data.csv.
        let lines = (0..<120).map { i -> String in
            var words = (0..<(5 + i % 4)).map { "w\(11 + (i * 5 + $0 * 17) % 89)" } + ["w\(100 + i % 23)"]
            if i % 3 == 0 { words[i % words.count] = "w7" }
            return words.joined(separator: " ")
        }
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("unlabelled.txt"), atomically: true, encoding: .utf8)
    }

    func train(_ out: String, _ extra: [String], db: String = "results.db") throws -> ProcessResult {
        try runRobust(["train", "--model", "tiny", "--data", "data.csv", "--out", out, "--epochs", "2", "--batch-size", "16",
                       "--lr", "2e-3", "--max-length", "24", "--seed", "5", "--db", db, "--unlabeled-ratio", "2"] + extra,
                      folder: folder)
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(path)) }

    func testUDATrainsRecordsItsUnlabelledDataAndCurvesAndIsDeterministic() throws {
        let uda = ["--unlabeled", "unlabelled.txt", "--consistency", "uda", "--uda-threshold", "0", "--tsa", "linear"]
        let first = try train("a", uda)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("consistency training (uda) on 120 unlabelled texts"), first.stdout)
        XCTAssertTrue(first.stdout.contains("augmented with tfidf-replace"), first.stdout)
        XCTAssertTrue(first.stdout.contains("consistency 0."), first.stdout)
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes("a/training.json")) as? [String: Any])
        let unlabeled = try XCTUnwrap(record["unlabeled"] as? [String: Any])
        XCTAssertEqual(unlabeled["used"] as? Int, 120)
        XCTAssertEqual(unlabeled["augmentation"] as? [String], ["tfidf-replace"])
        XCTAssertEqual((unlabeled["content_sha256"] as? String)?.count, 64)
        let settings = try XCTUnwrap((record["settings"] as? [String: Any])?["consistency"] as? [String: Any])
        XCTAssertEqual(settings["method"] as? String, "uda")
        XCTAssertEqual(settings["annealing"] as? String, "linear")
        let history = try XCTUnwrap(record["history"] as? [[String: Any]])
        XCTAssertNotNil(history.first?["consistency_loss"])
        let curves = try runRobust(["show", "1", "--db", "results.db", "--json"], folder: folder)
        XCTAssertTrue(curves.stdout.contains("consistency_loss"), curves.stdout.prefix(2000).description)

        let second = try train("b", uda)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try bytes("a/model.safetensors"), try bytes("b/model.safetensors"))
        // The unlabelled part changes the weights.
        XCTAssertEqual(try train("plain", []).status, 0)
        XCTAssertNotEqual(try bytes("a/model.safetensors"), try bytes("plain/model.safetensors"))
    }

    func testInterruptedVATResumesToTheSameCheckpointAndLabelsAreIgnored() throws {
        // A CSV with a label column: its labels are ignored, and the message says so.
        var csv = ["sentence,label"]
        for line in try String(contentsOf: folder.appendingPathComponent("unlabelled.txt"), encoding: .utf8).split(separator: "\n") {
            csv.append("\(line),yes")
        }
        try csv.joined(separator: "\n").write(to: folder.appendingPathComponent("unlabelled.csv"), atomically: true, encoding: .utf8)
        let vat = ["--unlabeled", "unlabelled.csv", "--consistency", "uda+vat", "--uda-augment", "eda,tfidf-replace"]
        let straight = try train("straight", vat, db: "straight.db")
        XCTAssertEqual(straight.status, 0, straight.stderr)
        XCTAssertTrue(straight.stdout.contains("the column \"label\" ignored"), straight.stdout)
        let stopped = try train("resumed", vat + ["--interrupt-at-step", "14"], db: "resumed.db")
        XCTAssertNotEqual(stopped.status, 0)
        XCTAssertTrue(stopped.stderr.contains("interrupted at step 14"), stopped.stderr)
        let resumed = try train("resumed", vat + ["--resume"], db: "resumed.db")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try bytes("resumed/model.safetensors"), try bytes("straight/model.safetensors"))
        XCTAssertEqual(try bytes("resumed/training.json"), try bytes("straight/training.json"))
        // Other unlabelled texts make another run: --resume refuses them (the same texts as text lines would do).
        let changed = try train("resumed2", vat + ["--interrupt-at-step", "3"], db: "resumed2.db")
        XCTAssertNotEqual(changed.status, 0)
        try csv.dropLast(5).joined(separator: "\n").write(to: folder.appendingPathComponent("fewer.csv"), atomically: true, encoding: .utf8)
        let other = try train("resumed2", ["--unlabeled", "fewer.csv", "--consistency", "uda+vat", "--uda-augment", "eda,tfidf-replace", "--resume"],
                              db: "resumed2.db")
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("--resume needs the same"), other.stderr)
    }

    func testBadUnlabelledDataIsOneLineAndNothingTrains() throws {
        try Data().write(to: folder.appendingPathComponent("empty.txt"))
        try Data([0x77, 0x31, 0xC3, 0x28, 0x0A]).write(to: folder.appendingPathComponent("bad.txt"))
        let cases: [([String], String)] = [
            (["--unlabeled", "empty.txt"], "empty"),
            (["--unlabeled", "bad.txt"], "UTF-8"),
            (["--unlabeled", "data.csv"], "equals the training data"),
            (["--unlabeled", "missing.txt"], "no unlabelled data"),
            (["--unlabeled", "unlabelled.txt", "--uda-augment", "nope"], "unknown recipe 'nope'"),
            (["--consistency", "vat"], "--consistency needs --unlabeled"),
            (["--unlabeled", "unlabelled.txt", "--consistency", "mixup"], "--consistency must be one of"),
            (["--unlabeled", "unlabelled.txt", "--adversarial", "fgm"], "does not combine"),
        ]
        for (index, (extra, expected)) in cases.enumerated() {
            try expectOneLineRobustFailure(["train", "--model", "tiny", "--data", "data.csv", "--out", "out\(index)", "--db", "bad.db"] + extra,
                                           folder: folder, [expected])
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out\(index)/model.safetensors").path))
        }
    }

    func testAnAttackRecipeAsAugmentationGivesAdversarialConsistencyReproducibly() throws {
        let adversarial = ["--unlabeled", "unlabelled.txt", "--consistency", "uda", "--uda-augment", "eda-noise,tfidf-replace",
                           "--epochs", "3"]
        let first = try train("a", adversarial)
        XCTAssertEqual(first.status, 0, first.stderr)
        let line = try XCTUnwrap(first.stdout.split(separator: "\n").first { $0.hasPrefix("adversarial consistency:") }, first.stdout)
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        XCTAssertEqual(numbers.count, 2, String(line))
        // The tiny model stays near chance here, so its attacks do not succeed; on mr they do (README: 1,678 of 1,800).
        XCTAssertGreaterThan(numbers[1], 200, "about half the 36 × 32 copies are attacked: \(line)")
        let second = try train("b", adversarial)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try bytes("a/model.safetensors"), try bytes("b/model.safetensors"))
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes("a/training.json")) as? [String: Any])
        XCTAssertEqual((record["unlabeled"] as? [String: Any])?["augmentation"] as? [String], ["eda-noise", "tfidf-replace"])
    }

    func testAugmentUsesTfIdfReplaceAlone() throws {
        let result = try runRobust(["augment", "--data", "data.csv", "--recipe", "tfidf-replace", "--per-example", "2",
                                    "--out", "augmented", "--db", "augment.db", "--seed", "3"], folder: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("tfidf-replace:"), result.stdout)
        let train = try String(contentsOf: folder.appendingPathComponent("augmented/train.jsonl"), encoding: .utf8)
        XCTAssertGreaterThan(train.split(separator: "\n").count, 192 + 100)
    }
}
