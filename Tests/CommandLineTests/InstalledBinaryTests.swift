// InstalledBinaryTests: robust installed as scripts/install.sh installs it works from any folder. The
// built binary is copied into a temporary bin/ and run from an empty temporary folder, with HOME at a
// temporary home whose per-user cache (~/.cache/robust/models/) holds the base model, and no
// ROBUST_ATTACKS_DIR, ROBUST_BASE_MODEL or other ROBUST_* folder variable: the recipes must come from
// the binary and the model from the cache. It trains the tiny gate fixture as scripts/ci-gate.sh does,
// evaluates it under attack (deepwordbug and fgsm-sweep, then the whole default suite on 3 examples),
// and checks that the runs were recorded, that the built-in recipes hash as attacks/ does (the committed
// CI baseline's recipe hash) and that the gate passes that baseline.
import Foundation
import TestSupport
import XCTest

final class InstalledBinaryTests: XCTestCase {
    /// Variables that would let the binary find the repository's folders; the test runs without them.
    static let unset = ["ROBUST_ATTACKS_DIR", "ROBUST_AUGMENTATIONS_DIR", "ROBUST_BASE_MODEL", "ROBUST_DATA_DIR",
                        "XDG_CACHE_HOME", "ROBUST_DB"]

    func testInstalledBinaryRunsEvalWithAttacksFromAnEmptyFolder() throws {
        let root = try temporaryFolder(self)
        let fileManager = FileManager.default
        // PREFIX/bin/robust, a copy of the built binary.
        let bin = root.appendingPathComponent("bin")
        try fileManager.createDirectory(at: bin, withIntermediateDirectories: true)
        let robust = bin.appendingPathComponent("robust")
        try fileManager.copyItem(at: try robustBinary(), to: robust)
        // A home whose per-user cache holds the base model (a link to the one scripts/setup.sh installed).
        let home = root.appendingPathComponent("home")
        let models = home.appendingPathComponent(".cache/robust/models")
        try fileManager.createDirectory(at: models, withIntermediateDirectories: true)
        try fileManager.createSymbolicLink(at: models.appendingPathComponent("all-MiniLM-L6-v2"), withDestinationURL: try requireMiniLM())
        // An empty working folder.
        let work = root.appendingPathComponent("work")
        try fileManager.createDirectory(at: work, withIntermediateDirectories: true)

        let repo = TestPaths.repoRoot.path
        let data = "\(repo)/Tests/Fixtures/gate/data.csv"
        func run(_ arguments: [String], timeout: TimeInterval = 300) throws -> ProcessResult {
            try runRobust(arguments, folder: work, environment: ["HOME": home.path], unsetting: Self.unset,
                          executable: robust, timeout: timeout)
        }

        let list = try run(["attack", "--list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.hasPrefix("recipes (built in; a folder attacks/ here"), list.stdout)
        for name in ["pwws", "deepwordbug", "fgsm-sweep", "default (suite)"] {
            XCTAssertTrue(list.stdout.split(separator: "\n").contains { $0.hasPrefix("  \(name) ") && $0.hasSuffix(" built in") },
                          "\(name) is not listed as built in:\n\(list.stdout)")
        }

        // scripts/ci-gate.sh's training and evaluation.
        let trained = try run(["train", "--model", "\(repo)/Tests/Fixtures/gate/model", "--data", data, "--out", "model",
                               "--epochs", "16", "--batch-size", "16", "--lr", "5e-3", "--max-length", "24", "--seed", "5",
                               "--patience", "0"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let evaluated = try run(["eval", "--model", "model", "--data", data, "--recipes", "deepwordbug,fgsm-sweep",
                                 "--max-length", "24"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertFalse(evaluated.stderr.contains("no sentence encoder"), "the base model was not found in the cache: \(evaluated.stderr)")
        let gate = try run(["gate", "--baseline", "\(repo)/baselines/ci-tiny.json"])
        XCTAssertEqual(gate.status, 0, gate.stdout + gate.stderr)

        // The whole default suite (text attacks with WordNet and the sentence encoder, embedding attacks).
        let suite = try run(["eval", "--model", "model", "--data", data, "--limit", "3", "--max-length", "24", "--workers", "2"],
                            timeout: 900)
        XCTAssertEqual(suite.status, 0, suite.stderr)

        let runs = try run(["runs", "--json"])
        XCTAssertEqual(runs.status, 0, runs.stderr)
        let records = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]], runs.stdout)
            .sorted { (($0["id"] as? Int) ?? 0) < (($1["id"] as? Int) ?? 0) }
        XCTAssertEqual(records.map { $0["kind"] as? String }, ["train", "eval", "eval"], runs.stdout)
        XCTAssertEqual(records.map { $0["status"] as? String }, ["finished", "finished", "finished"], runs.stdout)
        let suiteNames = ["pwws", "textfooler-wordnet", "deepwordbug", "eda-noise", "hotflip", "fgsm-sweep", "pgd"]
        // Every recipe's examples were recorded: all 40 test examples, then 3. (On this fixture's made-up
        // words, pwws, textfooler-wordnet and hotflip find nothing to swap and skip; their setup, WordNet
        // and the sentence encoder from the cache, must still load, or eval fails.)
        for (record, expected) in zip(records.dropFirst(), [(["deepwordbug", "fgsm-sweep"], 40.0), (suiteNames, 3.0)]) {
            let recipes = Set((record["recipes"] as? [String]) ?? [])
            XCTAssertEqual(recipes, Set(expected.0 + ["clean"]))
            let metrics = (record["metrics"] as? [[String: Any]]) ?? []
            for name in expected.0 {
                let examples = metrics.first { $0["recipe"] as? String == name && $0["name"] as? String == "examples" }
                XCTAssertEqual((examples?["value"] as? NSNumber)?.doubleValue, expected.1, "examples recorded for \(name)")
            }
        }
        let deepwordbug = (records[1]["metrics"] as? [[String: Any]])?.first {
            $0["recipe"] as? String == "deepwordbug" && $0["name"] as? String == "accuracy_under_attack"
        }
        XCTAssertNotNil(deepwordbug?["value"] as? NSNumber, "no accuracy under attack recorded for deepwordbug")
        // The built-in recipes hash as the files of attacks/ did when the CI baseline was made.
        let baseline = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(repo)/baselines/ci-tiny.json")))
            as? [String: Any])
        let baselineHash = try XCTUnwrap((baseline["source_run"] as? [String: Any])?["recipe_hash"] as? String)
        XCTAssertEqual(records[1]["recipe_hash"] as? String, baselineHash)

        // The folder stayed empty but for what the commands write.
        XCTAssertEqual(try fileManager.contentsOfDirectory(atPath: work.path).filter { !$0.hasPrefix("robust.db") }.sorted(), ["model"])

        // Without the model in the cache, the error lists every place looked at.
        let emptyHome = root.appendingPathComponent("empty-home")
        try fileManager.createDirectory(at: emptyHome, withIntermediateDirectories: true)
        let missing = try runRobust(["embed", "hello"], folder: work, environment: ["HOME": emptyHome.path], unsetting: Self.unset,
                                    executable: robust)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertEqual(missing.stderr.trimmingCharacters(in: .whitespacesAndNewlines),
                       "Error: base model not found; looked in: \(emptyHome.path)/.cache/robust/models/all-MiniLM-L6-v2 (per-user cache), "
                       + "models/all-MiniLM-L6-v2 (working directory); install it with scripts/install.sh (or scripts/setup.sh in a "
                       + "checkout), or set ROBUST_BASE_MODEL to its folder")
    }
}
