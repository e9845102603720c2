// AuditWorkflowTests: the validity audit inside an eval (each recipe's successful attacks judged and recorded,
// valid metrics beside the raw ones) and `robust audit RUN`'s re-audit with another audit recipe, on the tiny
// fixture model; and the re-audit's refusals.
import Analysis
import Audit
import Basics
import Foundation
import Results
import TestSupport
import Transformer
import Workflows
import XCTest

extension WorkflowTests {
    func testEvalAuditsEachRecipeAndARunCanBeReAudited() throws {
        let helper = self
        let folder: URL = self.folder
        let db = folder.appendingPathComponent("a.db").path
        let out = folder.appendingPathComponent("tiny")
        let trained = try helper.trainTiny(out, database: db, epochs: 16)   // as scripts/ci-gate.sh: attacks succeed on it
        let model = try ModelHandle(directory: out)
        let data = try helper.dataset()
        var plan = try helper.plan(data, suite: try RecipeLoading.load(["deepwordbug", "fgsm-sweep"]), database: db)
        plan.audit = try RunAudit.load("default")
        let outcome = try EvalWorkflow(model: model, plan: plan).run(reporter: SilentReporter())
        let summaries = try XCTUnwrap(outcome.attacks?.summaries)
        let deepwordbug = try XCTUnwrap(summaries.first { $0.recipe == "deepwordbug" })
        XCTAssertGreaterThan(deepwordbug.successful, 0, "the fixture must give successes to audit")
        let validity = try XCTUnwrap(deepwordbug.validity)
        XCTAssertEqual(validity.audit, "default")
        XCTAssertEqual(validity.audited, deepwordbug.successful)
        XCTAssertNil(summaries.first { $0.recipe == "fgsm-sweep" }?.validity, "embedding-space attacks have no text to audit")

        let store = try ResultStore(path: db, access: .readOnly)
        let run = outcome.runID
        XCTAssertEqual(try store.audits(run: run).map(\.audit), ["default"])
        let checks = try store.auditChecks(run: run, audit: "default", recipe: "deepwordbug")
        let recipe = try RunAudit.load("default")
        XCTAssertEqual(checks.count, deepwordbug.successful * recipe.checks.count, "every check of every success, with its value")
        let examples = try store.examples(run: run, recipe: "deepwordbug")
        let verdicts = AuditVerdicts(audit: "default", checks: checks)
        XCTAssertEqual(verdicts.failedChecks.count, validity.invalid)
        let metrics = Dictionary(try store.metrics(run: run, recipe: "deepwordbug").map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let attacked = examples.filter(\.wasAttacked)
        let validSuccesses = attacked.filter { $0.status == .success && !verdicts.isInvalid($0.exampleIndex) }.count
        XCTAssertEqual(try XCTUnwrap(metrics[MetricName.validAttackSuccessRate]), Double(validSuccesses) / Double(attacked.count), accuracy: 1e-12)
        XCTAssertEqual(metrics[MetricName.invalidSuccesses], Double(validity.invalid))
        XCTAssertLessThanOrEqual(try XCTUnwrap(metrics[MetricName.validAttackSuccessRate]), try XCTUnwrap(metrics[MetricName.attackSuccessRate]))
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(metrics[MetricName.accuracyUnderValidAttack]), try XCTUnwrap(metrics[MetricName.accuracyUnderAttack]))

        // One text: the same audit, without the checks that need training data, nothing recorded.
        let success = try XCTUnwrap(examples.first { $0.status == .success })
        var one = AttackWorkflow.OneText(model: model, recipes: try RecipeLoading.load(["deepwordbug"]), text: success.text,
                                         maxLength: 24, attack: helper.attackSettings())
        one.gold = success.gold
        one.audit = recipe
        let single = try one.run(reporter: SilentReporter())
        XCTAssertEqual(single.audit?.name, "default")
        XCTAssertEqual(single.audit?.skipped, ["label-words (no training data)"])
        let judged = try XCTUnwrap(single.validity["deepwordbug"], "the attack succeeds again with the same seed")
        XCTAssertEqual(judged.map(\.check), recipe.checks.map(\.name).filter { $0 != "label-words" })

        // Re-audit with the strict audit: its own metrics and rows, the default audit's left as they were.
        let reAudit = ReAudit(database: db, runID: run, audit: try RunAudit.load("morris2020"), encoderPath: TestPaths.miniLM.path)
        let again = try reAudit.run(reporter: SilentReporter())
        XCTAssertEqual(again.summaries.map(\.recipe), ["deepwordbug"])
        XCTAssertEqual(again.notAuditable, ["fgsm-sweep"])
        XCTAssertEqual(try store.audits(run: run).map(\.audit), ["default", "morris2020"])
        XCTAssertEqual(try store.auditChecks(run: run, audit: "default", recipe: "deepwordbug"), checks)
        let strict = Dictionary(try store.metrics(run: run, recipe: "deepwordbug").map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        XCTAssertNotNil(strict["valid_attack_success_rate@morris2020"])
        let flagged = again.byReason.reduce(into: Set<Int>()) { set, reason in reason.examples.forEach { set.insert($0.example.exampleIndex) } }
        XCTAssertEqual(flagged.count, Int(try XCTUnwrap(strict["invalid_successes@morris2020"])))

        // Refusals, one line each, nothing recorded.
        var unknown = reAudit
        unknown.recipes = ["deepwordbg"]
        XCTAssertThrowsError(try unknown.run(reporter: SilentReporter())) {
            XCTAssertEqual("\($0)", "run \(run) has no recipe 'deepwordbg' (did you mean 'deepwordbug'?); its recipes: deepwordbug, fgsm-sweep")
        }
        let training = ReAudit(database: db, runID: trained.runID, audit: try RunAudit.load("default"), encoderPath: TestPaths.miniLM.path)
        XCTAssertThrowsError(try training.run(reporter: SilentReporter())) {
            XCTAssertEqual("\($0)", "run \(trained.runID) is a train run; only eval, attack and retrain runs have adversarial examples to audit")
        }
        var otherData = ReAudit(database: db, runID: run, audit: try RunAudit.load("default"), encoderPath: TestPaths.miniLM.path)
        otherData.data = "no-such-dataset"
        XCTAssertThrowsError(try otherData.run(reporter: SilentReporter())) {
            XCTAssertTrue("\($0)".hasPrefix("the label words come from the run's training data, but dataset 'no-such-dataset' cannot be loaded"), "\($0)")
        }
        let missing = ReAudit(database: folder.appendingPathComponent("none.db").path, runID: 1, audit: try RunAudit.load("default"),
                              encoderPath: TestPaths.miniLM.path)
        XCTAssertThrowsError(try missing.run(reporter: SilentReporter()))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("none.db").path), "no store is created")
    }

    /// A store from before the audit (schema v1) is upgraded in place by the read-only commands when writable;
    /// a damaged one says it is damaged rather than asking for an upgrade.
    func testReadersUpgradeAVersion1StoreAndNameADamagedOne() throws {
        let path = folder.appendingPathComponent("v1.db").path
        do {   // closed (its WAL checkpointed) before the file is edited below
            let store = try ResultStore(path: path)
            let run = try store.beginRun(RunRecord(kind: .eval, robustVersion: "test"))
            for i in 0..<300 {
                try store.recordExample(ExampleRecord(runID: run.runID, recipe: "r", exampleIndex: i, text: "text \(i)", gold: "a",
                                                      cleanPrediction: "a", status: .failed))
            }
        }
        // Back to version 1: drop what v2 added, as a store written by an older robust.
        let sqlite = "/usr/bin/sqlite3"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: sqlite), "needs the sqlite3 command")
        let downgrade = Process()
        downgrade.executableURL = URL(fileURLWithPath: sqlite)
        downgrade.arguments = [path, "DROP TABLE audits; DROP TABLE audit_checks; DROP TABLE human_labels; "
                               + "DELETE FROM grdb_migrations WHERE identifier = 'v2-audits-human-labels'; PRAGMA user_version = 1;"]
        try downgrade.run()
        downgrade.waitUntilExit()
        XCTAssertEqual(downgrade.terminationStatus, 0)
        XCTAssertThrowsError(try ResultStore(path: path, access: .readOnly)) {
            XCTAssertTrue("\($0)".contains("older schema"), "\($0)")
        }
        // A damaged copy: cells at the end of an index's root page overwritten (the file still opens).
        let damaged = folder.appendingPathComponent("v1-damaged.db").path
        try FileManager.default.copyItem(atPath: path, toPath: damaged)
        let query = Process()
        let pipe = Pipe()
        query.executableURL = URL(fileURLWithPath: sqlite)
        query.arguments = [damaged, "SELECT rootpage * 4096 FROM sqlite_master WHERE name = 'examples_by_recipe'"]
        query.standardOutput = pipe
        try query.run()
        query.waitUntilExit()
        let end = try XCTUnwrap(UInt64(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: damaged))
        try handle.seek(toOffset: end - 1_024)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 1_024))
        try handle.close()
        XCTAssertThrowsError(try RunQueries(database: damaged)) {
            XCTAssertTrue("\($0)".contains("is corrupt"), "a damaged file is not an upgrade to do: \($0)")
        }
        let queries = try RunQueries(database: path)
        XCTAssertEqual(try queries.list(RunFilter(), limit: nil).runs.count, 1)
        XCTAssertEqual(try ResultStore(path: path, access: .readOnly).appliedMigrations(), ResultSchema.migrationIdentifiers)
    }
}
