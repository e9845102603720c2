// ProcessTests: real processes. The test program `ResultsWriter` (Tests/ResultsWriter) records a
// synthetic attack run through ResultStore, printing "committed N" after each commit. Two of them write
// one database at once; one is killed with SIGKILL inside a transaction and then resumed; one gets
// SIGINT. The results commands (runs, show, compare, baseline save, gate) run as a user would run them.
import Basics
import Foundation
import TestSupport
import XCTest
@testable import Analysis
@testable import Results

final class ProcessTests: XCTestCase {
    func testTwoProcessesWritingLoseNothing() throws {
        let folder = try temporaryFolder(self)
        let db = folder.appendingPathComponent("shared.db").path
        // Both start on an empty file (both may try to create and migrate it), with 1 ms inside each
        // transaction so that their writes contend.
        let children = try (0..<2).map { k in
            try Child(["--db", db, "--examples", "150", "--transaction-delay-ms", "1",
                       "--label", "writer\(k)"], folder: folder, executable: try builtExecutable("ResultsWriter"))
        }
        let results = children.map { $0.wait() }
        for result in results { XCTAssertEqual(result.status, 0, result.stderr) }
        let store = try ResultStore(path: db, access: .readOnly)
        let runs = try store.runs()
        XCTAssertEqual(Set(runs.compactMap(\.label)), ["writer0", "writer1"])
        for run in runs {
            XCTAssertEqual(run.status, .finished)
            XCTAssertEqual(try store.completedExampleIndices(run: run.runID, recipe: "synthetic"), Set(0..<150))
            XCTAssertEqual(try store.metrics(run: run.runID).first { $0.name == "examples" }?.value, 150)
        }
        XCTAssertEqual(try store.integrityCheck(), "ok")
    }

    func testProcessesRacingToCreateOneDatabase() throws {
        // Creating and migrating a new file is the most delicate moment: 4 processes at once, 6 times.
        let folder = try temporaryFolder(self)
        for round in 0..<6 {
            let db = folder.appendingPathComponent("race\(round).db").path
            let children = try (0..<4).map { _ in
                try Child(["--db", db, "--examples", "5"], folder: folder, executable: try builtExecutable("ResultsWriter"))
            }
            for result in children.map({ $0.wait() }) { XCTAssertEqual(result.status, 0, result.stderr) }
            let store = try ResultStore(path: db, access: .readOnly)
            XCTAssertEqual(try store.runs(matching: RunFilter(status: .finished)).count, 4)
            XCTAssertEqual(try store.appliedMigrations(), ResultSchema.migrationIdentifiers)
        }
    }

    func testKilledWriterKeepsCommittedExamplesAndResumesToTheSameResults() throws {
        let folder = try temporaryFolder(self)
        let db = folder.appendingPathComponent("killed.db").path
        let examples = 100
        // 20 ms inside each transaction: the kill almost surely lands mid-transaction.
        let child = try Child(["--db", db, "--examples", "\(examples)", "--transaction-delay-ms", "20"],
                              folder: folder, environment: ["ROBUST_DB": "/nonexistent/ignored.db"], executable: try builtExecutable("ResultsWriter"))
        let deadline = Date().addingTimeInterval(60)
        var seen = 0
        while seen < 15 && Date() < deadline && child.process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
            guard FileManager.default.fileExists(atPath: db),
                  let store = try? ResultStore(path: db, access: .readOnly),
                  let run = try? store.runs().first else { continue }
            seen = (try? store.completedExampleIndices(run: run.runID, recipe: "synthetic").count) ?? 0
        }
        XCTAssertTrue(child.process.isRunning, "the writer finished before it could be killed")
        XCTAssertEqual(kill(child.pid, SIGKILL), 0)
        let killed = child.wait()
        XCTAssertEqual(killed.reason, .uncaughtSignal)
        XCTAssertEqual(killed.status, SIGKILL)
        let id = try XCTUnwrap(runID(killed.stdout))
        let printed = committedIndices(killed.stdout)
        XCTAssertGreaterThanOrEqual(printed.count, 14)
        XCTAssertLessThan(printed.count, examples)

        // The database opens fine, passes the integrity check, and holds every example that was
        // reported committed (plus at most the one committed just before the kill, not yet reported).
        let store = try ResultStore(path: db)
        XCTAssertEqual(try store.integrityCheck(), "ok")
        XCTAssertEqual(try store.run(id).status, .running)
        let stored = try store.completedExampleIndices(run: id, recipe: "synthetic")
        XCTAssertTrue(printed.isSubset(of: stored), "lost: \(printed.subtracting(stored).sorted())")
        XCTAssertLessThanOrEqual(stored.count, printed.count + 1)
        XCTAssertEqual(stored, Set(0..<stored.count), "examples commit in order")

        // Resume, then compare with a run that was never interrupted.
        let resumed = try runResultsWriter(["--db", db, "--examples", "\(examples)", "--resume", "\(id)"], folder: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(committedIndices(resumed.stdout), Set(stored.count..<examples), "resume records only what is missing")
        let whole = try runResultsWriter(["--db", db, "--examples", "\(examples)"], folder: folder)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let wholeID = try XCTUnwrap(runID(whole.stdout))

        XCTAssertEqual(try store.run(id).status, .finished)
        XCTAssertEqual(try store.examples(run: id).map(content), try store.examples(run: wholeID).map(content))
        func values(_ run: Int64) throws -> [[Double?]] {
            try store.metrics(run: run).map { [$0.value, $0.low, $0.high] }
        }
        XCTAssertEqual(try values(id), try values(wholeID))
        XCTAssertEqual(try store.metrics(run: id).map(\.name), try store.metrics(run: wholeID).map(\.name))
    }

    func testSigintMarksTheRunInterruptedAndFailureMarksItFailed() throws {
        let folder = try temporaryFolder(self)
        let db = folder.appendingPathComponent("signals.db").path
        let child = try Child(["--db", db, "--examples", "500", "--delay-ms", "10"], folder: folder, executable: try builtExecutable("ResultsWriter"))
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            if let store = try? ResultStore(path: db, access: .readOnly), let run = try? store.runs().first,
               ((try? store.completedExampleIndices(run: run.runID, recipe: "synthetic").count) ?? 0) >= 5 { break }
        }
        XCTAssertEqual(kill(child.pid, SIGINT), 0)
        let result = child.wait()
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.reason, .exit)
        XCTAssertTrue(result.stderr.contains("interrupted by SIGINT"), result.stderr)
        let store = try ResultStore(path: db, access: .readOnly)
        let run = try XCTUnwrap(try store.runs().first)
        XCTAssertEqual(run.status, .interrupted)
        XCTAssertEqual(run.failure, "interrupted by SIGINT")
        XCTAssertEqual(try store.completedExampleIndices(run: run.runID, recipe: "synthetic"), committedIndices(result.stdout))

        let failing = try runResultsWriter(["--db", db, "--examples", "10", "--fail-at", "4"], folder: folder)
        XCTAssertEqual(failing.status, 1)
        XCTAssertEqual(failing.stderr, "Error: synthetic failure at example 4\n")
        let failed = try XCTUnwrap(try store.runs().first)
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(failed.failure, "synthetic failure at example 4")
        XCTAssertEqual(try store.completedExampleIndices(run: failed.runID, recipe: "synthetic"), [0, 1, 2, 3])
    }

    /// A run whose process died is shown as abandoned (its lock file is left, unheld); one still
    /// running is not; a second process cannot resume a run that another one is recording.
    func testAbandonedRunIsToldApartFromARunningOne() throws {
        let folder = try temporaryFolder(self)
        let db = folder.appendingPathComponent("abandoned.db").path
        let child = try Child(["--db", db, "--examples", "2000", "--delay-ms", "5"], folder: folder, executable: try builtExecutable("ResultsWriter"))
        let deadline = Date().addingTimeInterval(60)
        var running: RunRecord?
        while Date() < deadline && child.process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            if let store = try? ResultStore(path: db, access: .readOnly), let run = try? store.runs().first,
               ((try? store.completedExampleIndices(run: run.runID, recipe: "synthetic").count) ?? 0) >= 5 {
                running = run
                break
            }
        }
        let run = try XCTUnwrap(running, "the writer never committed 5 examples")
        let id = run.runID
        let lockFile = "\(db).run-\(id).lock"
        let store = try ResultStore(path: db, access: .readOnly)
        XCTAssertTrue(FileManager.default.fileExists(atPath: lockFile))
        XCTAssertFalse(store.isAbandoned(try store.run(id)), "its process is alive")
        let listed = try runRobust(["runs", "--db", db], folder: folder)
        XCTAssertTrue(listed.stdout.contains(" running "), listed.stdout)

        let second = try runResultsWriter(["--db", db, "--examples", "2000", "--resume", "\(id)"], folder: folder)
        XCTAssertNotEqual(second.status, 0)
        XCTAssertEqual(second.stderr, "Error: \(db): run \(id) is being recorded by another process\n")

        XCTAssertEqual(kill(child.pid, SIGKILL), 0)
        XCTAssertEqual(child.wait().reason, .uncaughtSignal)
        XCTAssertEqual(try store.run(id).status, .running, "nothing could mark it")
        XCTAssertTrue(store.isAbandoned(try store.run(id)))
        let after = try runRobust(["runs", "--db", db], folder: folder)
        XCTAssertTrue(after.stdout.contains(" abandoned "), after.stdout)
        let json = try runRobust(["runs", "--db", db, "--json"], folder: folder)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.first?["abandoned"] as? Bool, true)
        XCTAssertEqual(rows.first?["status"] as? String, "running")
        let show = try runRobust(["show", "\(id)", "--db", db], folder: folder)
        XCTAssertTrue(show.stdout.hasPrefix("run \(id) · attack · abandoned · "), show.stdout)

        let resumed = try runResultsWriter(["--db", db, "--examples", "2000", "--resume", "\(id)"], folder: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try store.run(id).status, .finished)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lockFile), "a finished run leaves no lock file")
        XCTAssertFalse(store.isAbandoned(try store.run(id)))
    }

    // MARK: Commands

    /// A database with a baseline run (80% correct under attack of 200), a slightly worse run (77%),
    /// a much worse one (60%), and a better one (90%), all finished, on the same texts.
    func makeDatabase(_ folder: URL) throws -> (path: String, runs: [Int64]) {
        let path = folder.appendingPathComponent("robust.db").path
        let store = try ResultStore(path: path)
        var ids: [Int64] = []
        for correct in [160, 154, 120, 180] {
            let run = try store.beginRun(sampleRun(kind: .eval, model: "feedbeef\(correct)"))
            for i in 0..<200 {
                let success = i >= correct
                try store.recordExample(ExampleRecord(runID: run.runID, recipe: "wordswap", exampleIndex: i, text: "the film number \(i) was fine",
                                                      gold: "pos", cleanPrediction: "pos",
                                                      adversarialText: success ? "the film number \(i) was okay" : nil,
                                                      adversarialPrediction: success ? "neg" : nil, status: success ? .success : .failed,
                                                      queries: 12, wordsChanged: success ? 1 : 0, wordsTotal: 6))
            }
            try store.recordSummaryMetrics(run: run.runID, recipe: "wordswap")
            try store.markRun(run.runID, status: .finished)
            ids.append(run.runID)
        }
        return (path, ids)
    }

    func testGateExitCodesAndMessages() throws {
        let folder = try temporaryFolder(self)
        let (db, runs) = try makeDatabase(folder)
        let environment = ["ROBUST_DB": db]
        let save = try runRobust(["baseline", "save", "\(runs[0])", "--out", "baselines/mr.json"], folder: folder, environment: environment)
        XCTAssertEqual(save.status, 0, save.stderr)
        XCTAssertTrue(save.stdout.hasPrefix("wrote baselines/mr.json: 5 metrics of run \(runs[0])"), save.stdout)
        let again = try runRobust(["baseline", "save", "\(runs[0])", "--out", "baselines/mr.json"], folder: folder, environment: environment)
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "Error: baseline baselines/mr.json: already exists; pass --force to replace it\n")

        func gate(_ extra: [String], baseline: String = "baselines/mr.json") throws -> ProcessResult {
            try runRobust(["gate", "--baseline", baseline] + extra, folder: folder, environment: environment)
        }
        let same = try gate(["\(runs[0])"])
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        XCTAssertTrue(same.stdout.contains("| wordswap | accuracy_under_attack ↑ | 0.8000 | 0.8000 | 0.0000 | ±0.0200 | ✅ ok |"), same.stdout)
        XCTAssertTrue(same.stdout.contains("**Result: PASS**"))

        let significantDrop = try gate(["\(runs[1])"])   // −0.03, McNemar p = 0.031
        XCTAssertEqual(significantDrop.status, 1, significantDrop.stdout + significantDrop.stderr)
        XCTAssertTrue(significantDrop.stdout.contains("❌ regression (McNemar p=0.0313, n=200)"), significantDrop.stdout)

        let bigDrop = try gate(["\(runs[2])"])
        XCTAssertEqual(bigDrop.status, 1)
        XCTAssertTrue(bigDrop.stdout.contains("**Result: FAIL**"))

        // Without RUN: the latest finished eval run with the baseline's recipes (the 90% one).
        let latest = try gate([])
        XCTAssertEqual(latest.status, 0, latest.stdout + latest.stderr)
        XCTAssertTrue(latest.stdout.contains("run \(runs[3]) against"), latest.stdout)
        XCTAssertTrue(latest.stdout.contains("✅ improved"))

        // Errors exit 2 with one line on stderr.
        let text = try String(contentsOf: folder.appendingPathComponent("baselines/mr.json"), encoding: .utf8)
        try text.replacingOccurrences(of: "\"tolerance\"", with: "\"tolerence\"")
            .write(to: folder.appendingPathComponent("baselines/typo.json"), atomically: true, encoding: .utf8)
        let typo = try gate(["\(runs[0])"], baseline: "baselines/typo.json")
        XCTAssertEqual(typo.status, 2)
        XCTAssertEqual(typo.stdout, "")
        XCTAssertEqual(typo.stderr, "Error: baseline baselines/typo.json: metrics[0]: unknown key \"tolerence\" (did you mean \"tolerance\"?)\n")

        let missingFile = try gate([], baseline: "baselines/none.json")
        XCTAssertEqual(missingFile.status, 2)
        XCTAssertEqual(missingFile.stderr, "Error: baseline baselines/none.json: does not exist\n")

        let missingRun = try gate(["999"])
        XCTAssertEqual(missingRun.status, 2)
        XCTAssertEqual(missingRun.stderr, "Error: run 999 does not exist in \(db) (see `robust runs`)\n")

        let noDatabase = try runRobust(["gate", "--baseline", "baselines/mr.json", "--db", "elsewhere.db"], folder: folder)
        XCTAssertEqual(noDatabase.status, 2)
        XCTAssertTrue(noDatabase.stderr.hasPrefix("Error: no results database at elsewhere.db"), noDatabase.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("elsewhere.db").path))

        try Data("not json".utf8).write(to: folder.appendingPathComponent("baselines/bad.json"))
        XCTAssertEqual(try gate([], baseline: "baselines/bad.json").status, 2)
    }

    func testBrowsingCommands() throws {
        let folder = try temporaryFolder(self)
        let (db, runs) = try makeDatabase(folder)
        let environment = ["ROBUST_DB": db]

        let list = try runRobust(["runs"], folder: folder, environment: environment)
        XCTAssertEqual(list.status, 0, list.stderr)
        let lines = list.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        XCTAssertTrue(lines[0].hasPrefix("ID  KIND  STATUS    STARTED"), String(lines[0]))
        XCTAssertTrue(lines[1].contains("wordswap") && lines[1].contains("clean acc 1.0000 · wordswap acc 0.9000"), String(lines[1]))
        let filtered = try runRobust(["runs", "--model", "feedbeef12", "--json"], folder: folder, environment: environment)
        XCTAssertEqual(filtered.status, 0, filtered.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(json.map { $0["id"] as? Int }, [Int(runs[2])])
        XCTAssertEqual(try runRobust(["runs", "--since", "2020-13-01"], folder: folder, environment: environment).status, 64)
        XCTAssertEqual(try runRobust(["runs", "--kind", "train"], folder: folder, environment: environment).stdout,
                       "no runs in \(db) match these filters\n")

        let show = try runRobust(["show", "\(runs[1])", "--examples", "2"], folder: folder, environment: environment)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("recipe wordswap: 200 examples (46 success, 154 failed)"), show.stdout)
        XCTAssertTrue(show.stdout.contains("accuracy_under_attack ↑"), show.stdout)
        XCTAssertTrue(show.stdout.contains("#154  pos: pos → neg  1/6 words · 12 queries"), show.stdout)
        XCTAssertTrue(show.stdout.contains("the film number 154 was [[fine→okay]]"), show.stdout)
        XCTAssertFalse(show.stdout.contains("\u{1B}["), "no colour when not a terminal")
        let showJSON = try runRobust(["show", "\(runs[1])", "--json"], folder: folder, environment: environment)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(showJSON.stdout.utf8)))

        let missing = try runRobust(["show", "999"], folder: folder, environment: environment)
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "Error: run 999 does not exist in \(db) (see `robust runs`)\n")

        let compare = try runRobust(["compare", "\(runs[0])", "\(runs[2])"], folder: folder, environment: environment)
        XCTAssertEqual(compare.status, 0, compare.stderr)
        XCTAssertTrue(compare.stdout.contains("accuracy_under_attack ↑"), compare.stdout)
        XCTAssertTrue(compare.stdout.contains("−0.2000  p=<0.0001 (n=200, A only 40, B only 0)"), compare.stdout)

        let foreign = folder.appendingPathComponent("notes.txt").path
        try Data("just text".utf8).write(to: URL(fileURLWithPath: foreign))
        let refused = try runRobust(["runs", "--db", foreign], folder: folder)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "Error: \(foreign) is not an SQLite database (not a robust results store); choose another file with --db or ROBUST_DB\n")
    }
}
