// RetrainCommandTests: `robust augment`, `robust train --a2t` and `robust retrain` run as a user runs
// them — an augmented dataset appears with its originals, labels and dev/test intact, the same seed
// gives the same bytes; retrain links before, training and after runs, stores the paired comparison,
// and `robust report` draws it; bad input ends in a one-line error.
import Foundation
import TestSupport
import XCTest

final class AugmentCommandTests: XCTestCase {
    var folder: URL!
    let root = TestPaths.repoRoot.path
    var environment: [String: String] {
        ["ROBUST_ATTACKS_DIR": "\(root)/attacks", "ROBUST_AUGMENTATIONS_DIR": "\(root)/augmentations",
         "ROBUST_BASE_MODEL": "\(root)/models/all-MiniLM-L6-v2"]
    }

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        let positive = ["a wonderful and moving film", "the acting is superb and the story is gripping",
                        "an excellent movie with a clever plot", "funny, warm and beautifully made",
                        "a delightful picture that I would happily watch again", "the best comedy of the year"]
        let negative = ["a dull and tedious film", "the acting is wooden and the story is boring",
                        "a terrible movie with a silly plot", "clumsy, cold and badly made",
                        "an awful picture that I would never watch again", "the worst comedy of the year"]
        var lines = ["text,label"]
        for round in 0..<4 {
            for (p, n) in zip(positive, negative) {
                lines.append("\"\(p) \(round == 0 ? "" : "really \(round)")\",pos")
                lines.append("\"\(n) \(round == 0 ? "" : "really \(round)")\",neg")
            }
        }
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("reviews.csv"), atomically: true, encoding: .utf8)
    }

    func augment(_ out: String, _ extra: [String] = []) throws -> ProcessResult {
        try runRobust(["augment", "--recipe", "eda", "--data", "reviews.csv", "--out", out, "--per-example", "3",
                       "--db", "augment.db"] + extra, folder: folder, environment: environment)
    }

    func lines(_ path: String) throws -> [[String: String]] {
        try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
    }

    func testEDAAugmentationKeepsOriginalsLabelsAndHeldOutSplitsAndIsDeterministic() throws {
        let first = try augment("a")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("per label (original + added): neg"), first.stdout)
        let original = try runRobust(["augment", "--recipe", "eda", "--data", "reviews.csv", "--out", "copy", "--per-example", "1",
                                      "--train-subset", "4", "--db", "augment.db"], folder: folder, environment: environment)
        XCTAssertEqual(original.status, 0, original.stderr)

        let train = try lines("a/train.jsonl")
        // The stratified 80/10/10 split of 24 texts per label: 20 train, 2 dev, 2 test each.
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("a/dataset.json"))) as? [String: Any])
        let counts = try XCTUnwrap(manifest["counts"] as? [String: [String: Int]])
        XCTAssertEqual(counts["train"]?.values.reduce(0, +), train.count)
        XCTAssertEqual(counts["dev"]?.values.reduce(0, +), 4)
        XCTAssertEqual(counts["test"]?.values.reduce(0, +), 4)
        // Each augmented text follows its original and carries its label; originals appear in order.
        let sourceTexts = Set(try String(contentsOf: folder.appendingPathComponent("reviews.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { line -> String in
                let text = line.split(separator: ",").dropLast().joined(separator: ",")
                return String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
            })
        var currentLabel: String?
        var originalsSeen = 0, added = 0
        for record in train {
            let text = try XCTUnwrap(record["text"])
            if sourceTexts.contains(text) {
                currentLabel = record["label"]
                originalsSeen += 1
            } else {
                XCTAssertEqual(record["label"], currentLabel, "augmented '\(text)' must carry its original's label")
                added += 1
            }
        }
        XCTAssertEqual(originalsSeen, 40)
        XCTAssertGreaterThan(added, 40 * 2, "EDA with 3 per example should add most of 120 texts")
        XCTAssertLessThanOrEqual(added, 40 * 3)
        XCTAssertEqual(Set(train.compactMap { $0["text"] }).count, train.count, "no duplicate texts")
        let heldOut = Set(try (lines("a/dev.jsonl") + lines("a/test.jsonl")).compactMap { $0["text"] })
        XCTAssertTrue(heldOut.isDisjoint(with: train.compactMap { $0["text"] }))

        // Same seed → same bytes; another seed → other texts.
        XCTAssertEqual(try augment("b").status, 0)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("a/train.jsonl")),
                       try Data(contentsOf: folder.appendingPathComponent("b/train.jsonl")))
        // …whatever the number of threads.
        XCTAssertEqual(try augment("one-thread", ["--workers", "1"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("a/train.jsonl")),
                       try Data(contentsOf: folder.appendingPathComponent("one-thread/train.jsonl")))
        XCTAssertEqual(try augment("c", ["--seed", "7"]).status, 0)
        XCTAssertNotEqual(try Data(contentsOf: folder.appendingPathComponent("a/train.jsonl")),
                          try Data(contentsOf: folder.appendingPathComponent("c/train.jsonl")))
        // The train subset keeps 4 originals (2 per label) and leaves dev and test alone.
        let subset = try lines("copy/train.jsonl").filter { sourceTexts.contains($0["text"] ?? "") }
        XCTAssertEqual(subset.count, 4)
        XCTAssertEqual(subset.filter { $0["label"] == "pos" }.count, 2)
        XCTAssertEqual(try lines("copy/test.jsonl"), try lines("a/test.jsonl"))

        // The run is recorded with its counts.
        let runs = try runRobust(["runs", "--db", "augment.db"], folder: folder, environment: environment)
        XCTAssertTrue(runs.stdout.contains("augment"), runs.stdout)
    }

    func testBadInputGivesOneLineErrors() throws {
        func expectFailure(_ arguments: [String], _ fragment: String, line: UInt = #line) throws {
            let result = try runRobust(arguments, folder: folder, environment: environment)
            XCTAssertNotEqual(result.status, 0, "expected failure: \(arguments)", line: line)
            XCTAssertTrue(result.stderr.contains(fragment), "stderr: \(result.stderr)", line: line)
            XCTAssertEqual(result.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1,
                           "one line: \(result.stderr)", line: line)
            XCTAssertFalse(result.stderr.contains("Fatal error"), line: line)
        }
        try expectFailure(["augment", "--recipe", "edaa", "--data", "reviews.csv", "--out", "x"], "unknown recipe 'edaa'")
        try expectFailure(["augment", "--recipe", "pwws", "--data", "reviews.csv", "--out", "x"], "need --model")
        // A bad option value is ArgumentParser's validation error: its first line, then the usage.
        let badCount = try runRobust(["augment", "--recipe", "eda", "--data", "reviews.csv", "--out", "x", "--per-example", "0"],
                                     folder: folder, environment: environment)
        XCTAssertNotEqual(badCount.status, 0)
        XCTAssertTrue(badCount.stderr.hasPrefix("Error: --per-example must be in 1...100"), badCount.stderr)
        try expectFailure(["augment", "--recipe", "eda", "--data", "missing.csv", "--out", "x"], "missing.csv")
        let broken = folder.appendingPathComponent("broken.yaml")
        try "operations:\n  synonym_replacement: 2\n".write(to: broken, atomically: true, encoding: .utf8)
        try expectFailure(["augment", "--recipe", broken.path, "--data", "reviews.csv", "--out", "x"], "needs a rate in (0, 1]")
        XCTAssertEqual(try augment("taken").status, 0)
        try expectFailure(["augment", "--recipe", "eda", "--data", "reviews.csv", "--out", "taken"], "--overwrite")
    }
}

final class RetrainCommandTests: XCTestCase {
    func testRetrainLinksBeforeTrainingAndAfterAndStoresThePairedComparison() throws {
        let folder = try temporaryFolder(self)
        let root = TestPaths.repoRoot.path
        let environment = ["ROBUST_ATTACKS_DIR": "\(root)/attacks", "ROBUST_BASE_MODEL": "\(root)/models/all-MiniLM-L6-v2"]
        let data = "\(root)/Tests/Fixtures/gate/data.csv"
        let trained = try runRobust(["train", "--model", "\(root)/Tests/Fixtures/gate/model", "--data", data, "--out", "model",
                                     "--epochs", "3", "--lr", "5e-3", "--batch-size", "16", "--max-length", "24", "--db", "r.db"],
                                    folder: folder, environment: environment)
        XCTAssertEqual(trained.status, 0, trained.stderr)

        let common = ["--data", data, "--recipes", "deepwordbug,fgsm-sweep", "--max-length", "24", "--limit", "16",
                      "--workers", "1", "--epochs", "1", "--lr", "5e-3", "--batch-size", "16", "--db", "r.db"]
        let a2t = try runRobust(["retrain", "--model", "model", "--method", "a2t", "--a2t", "deepwordbug", "--a2t-fraction", "0.25",
                                 "--out", "model-a2t"] + common, folder: folder, environment: environment)
        XCTAssertEqual(a2t.status, 0, a2t.stderr + a2t.stdout)
        XCTAssertTrue(a2t.stdout.contains("A2T epoch 1: attacked 80 training examples"), a2t.stdout)
        XCTAssertTrue(a2t.stdout.contains("used in training"), a2t.stdout)
        XCTAssertTrue(a2t.stdout.contains("not used in training"), a2t.stdout)   // fgsm-sweep

        // Runs: 1 train, 2 before eval, 3 retrain (parent 2), 4 after eval (parent 2).
        let listed = try runRobust(["runs", "--db", "r.db", "--json"], folder: folder, environment: environment)
        let runs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let byID = Dictionary(uniqueKeysWithValues: runs.compactMap { run in (run["id"] as? Int).map { ($0, run) } })
        XCTAssertEqual(byID[2]?["kind"] as? String, "eval")
        XCTAssertEqual(byID[3]?["kind"] as? String, "retrain")
        XCTAssertEqual(byID[3]?["parent_run_id"] as? Int, 2)
        XCTAssertEqual(byID[4]?["kind"] as? String, "eval")
        XCTAssertEqual(byID[4]?["parent_run_id"] as? Int, 2)

        let shown = try runRobust(["show", "4", "--db", "r.db", "--json"], folder: folder, environment: environment)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let metrics = (object["metrics"] as? [[String: Any]]) ?? []
        func metric(_ recipe: String, _ name: String) -> [String: Any]? {
            metrics.first { $0["recipe"] as? String == recipe && $0["name"] as? String == name }
        }
        XCTAssertEqual((metric("deepwordbug", "trained_against")?["value"] as? NSNumber)?.doubleValue, 2)
        XCTAssertEqual((metric("fgsm-sweep", "trained_against")?["value"] as? NSNumber)?.doubleValue, 0)
        let delta = try XCTUnwrap(metric("deepwordbug", "delta_accuracy_under_attack"))
        XCTAssertNotNil(delta["low"] as? NSNumber)
        XCTAssertNotNil(metric("clean", "delta_clean_accuracy"))
        // The A2T attacks on training examples are stored with the training run.
        let trainingRun = try runRobust(["show", "3", "--db", "r.db", "--json"], folder: folder, environment: environment)
        XCTAssertTrue(trainingRun.stdout.contains("a2t-epoch1:deepwordbug"), trainingRun.stdout)

        // --before reuses the eval run; fgm retraining adds only a training and an after run.
        let fgm = try runRobust(["retrain", "--model", "model", "--method", "fgm", "--before", "2", "--out", "model-fgm"] + common,
                                folder: folder, environment: environment)
        XCTAssertEqual(fgm.status, 0, fgm.stderr + fgm.stdout)
        XCTAssertTrue(fgm.stdout.contains("before: reusing eval run 2"), fgm.stdout)
        XCTAssertTrue(fgm.stdout.contains("shares transformations with training"), fgm.stdout)   // fgsm-sweep vs fgm
        // A --before run of another model is refused.
        let wrong = try runRobust(["retrain", "--model", "model-fgm", "--method", "fgm", "--before", "2", "--out", "model-x"] + common,
                                  folder: folder, environment: environment)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("evaluated another model"), wrong.stderr)

        let report = try runRobust(["report", "2", "4", "--out", "report", "--no-figures", "--db", "r.db"], folder: folder, environment: environment)
        XCTAssertEqual(report.status, 0, report.stderr)
        let markdown = try String(contentsOf: folder.appendingPathComponent("report/report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("## Before and after retraining"), markdown)
        XCTAssertTrue(markdown.contains("used in training"), markdown)
    }
}
