// ResultStoreTests: schema and migrations, round trips, resume, queries, run status, and every failure
// mode of the store (foreign, corrupt, newer, locked, full, read-only, missing run), on real temp files.
import Basics
import Foundation
import GRDB
import TestSupport
import XCTest
@testable import Analysis
@testable import Results

final class ResultStoreTests: XCTestCase {
    func dbPath() throws -> String { try temporaryFolder(self).appendingPathComponent("robust.db").path }

    // MARK: Location

    func testLocationRule() {
        XCTAssertEqual(ResultStoreLocation.resolve(option: "x.db", environment: ["ROBUST_DB": "env.db"]), "x.db")
        XCTAssertEqual(ResultStoreLocation.resolve(option: nil, environment: ["ROBUST_DB": "env.db"]), "env.db")
        XCTAssertEqual(ResultStoreLocation.resolve(option: "", environment: ["ROBUST_DB": "env.db"]), "env.db")
        XCTAssertEqual(ResultStoreLocation.resolve(option: nil, environment: ["ROBUST_DB": ""]), "robust.db")
        XCTAssertEqual(ResultStoreLocation.resolve(option: nil, environment: [:]), "robust.db")
    }

    // MARK: Schema

    func testMigratesFromEmptyFileAndReopens() throws {
        let path = try dbPath()
        let store = try ResultStore(path: path)
        XCTAssertEqual(try store.appliedMigrations(), ResultSchema.migrationIdentifiers)
        XCTAssertEqual(ResultSchema.migrationIdentifiers, ["v1-runs-examples-metrics-curves", "v2-audits-human-labels", "v3-merged-shards"])
        try store.writer.read { db in
            XCTAssertEqual(try Int32.fetchOne(db, sql: "PRAGMA application_id"), ResultSchema.applicationID)
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA user_version"), 3)
            XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "wal")
            for table in ["runs", "examples", "metrics", "curves", "audits", "audit_checks", "human_labels"] { XCTAssertTrue(try db.tableExists(table), table) }
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
            XCTAssertTrue(Set(indexes).isSuperset(of: ["runs_by_started", "runs_by_model", "examples_by_outcome", "metrics_by_recipe"]))
        }
        let run = try store.beginRun(sampleRun())
        let again = try ResultStore(path: path)
        XCTAssertEqual(try again.run(run.runID).modelHash, "abc123")
        XCTAssertEqual(try again.appliedMigrations(), ResultSchema.migrationIdentifiers)

        // A zero-byte file is an empty database: it becomes a store.
        let empty = try dbPath()
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        XCTAssertNoThrow(try ResultStore(path: empty).beginRun(sampleRun()))
    }

    func testSchemaRejectsBadRows() throws {
        let store = try ResultStore(path: try dbPath())
        XCTAssertThrowsError(try store.writer.write { db in
            try db.execute(sql: "INSERT INTO runs (kind, status, robust_version, started_at) VALUES ('nonsense', 'running', 'x', '2020-01-01')")
        })
    }

    // MARK: Round trips

    func testRecordAndReloadEverything() throws {
        let store = try ResultStore(path: try dbPath())
        let parent = try store.beginRun(sampleRun(kind: .train))
        var template = sampleRun(label: "nightly", parent: parent.runID)
        template.status = .failed   // beginRun forces running
        let run = try store.beginRun(template)
        XCTAssertNotNil(run.id)
        XCTAssertEqual(run.status, .running)
        XCTAssertNil(run.finishedAt)

        let examples = (0..<12).map { sampleExample($0, run: run.runID) }
        for example in examples { try store.recordExample(example) }
        try store.recordExample(sampleExample(3, run: run.runID, recipe: "charswap"))
        try store.recordMetrics([MetricRecord(runID: run.runID, recipe: "wordswap", name: "clean_accuracy", value: 0.75, low: 0.5, high: 0.9),
                                 MetricRecord(runID: run.runID, recipe: "wordswap", name: "custom", value: 3)])
        try store.recordCurvePoints([CurvePointRecord(runID: run.runID, recipe: "pgd", curve: "epsilon", xName: "epsilon", x: 0.1, yName: "accuracy", y: 0.8),
                                     CurvePointRecord(runID: run.runID, recipe: "pgd", curve: "epsilon", xName: "epsilon", x: 0.0, yName: "accuracy", y: 0.9)])
        try store.markRun(run.runID, status: .finished)

        let reopened = try ResultStore(path: store.path, access: .readOnly)
        let loaded = try reopened.run(run.runID)
        XCTAssertEqual(loaded.status, .finished)
        XCTAssertNotNil(loaded.finishedAt)
        XCTAssertEqual(loaded.label, "nightly")
        XCTAssertEqual(loaded.parentRunID, parent.runID)
        XCTAssertEqual(loaded.gitCommit, "0123456789abcdef0123456789abcdef01234567")
        XCTAssertEqual(loaded.configJSON, "{\"k\":1}")
        XCTAssertEqual(loaded.seed, 42)
        XCTAssertEqual(abs(loaded.startedAt.timeIntervalSince(run.startedAt)), 0, accuracy: 0.002)

        let reloaded = try reopened.examples(run: run.runID, recipe: "wordswap")
        XCTAssertEqual(reloaded.map(content), examples.map(content))
        XCTAssertEqual(try reopened.examples(run: run.runID).count, 13)
        XCTAssertEqual(try reopened.recipes(ofRun: run.runID), ["charswap", "pgd", "wordswap"])
        let metrics = try reopened.metrics(run: run.runID)
        XCTAssertEqual(metrics.map(\.name), ["clean_accuracy", "custom"])
        XCTAssertEqual(metrics[0].low, 0.5)
        XCTAssertNil(metrics[1].low)
        XCTAssertEqual(try reopened.curves(run: run.runID, curve: "epsilon").map(\.x), [0.0, 0.1])
        let counts = try reopened.exampleCounts(run: run.runID)
        XCTAssertEqual(counts["wordswap"]?[.cleanWrong], 2)   // 0, 7
        XCTAssertEqual(counts["wordswap"]?[.success], 3)      // 3, 6, 9
        XCTAssertEqual(counts["charswap"]?[.success], 1)
        let telling = try reopened.tellingExamples(run: run.runID, recipe: "wordswap", limit: 2)
        XCTAssertEqual(telling.map(\.exampleIndex), [9, 6], "fewest words changed, then fewest queries")

        // Re-recording replaces: one row per (run, recipe, index), metric, and curve x.
        var changed = sampleExample(5, run: run.runID)
        changed.queries = 99
        try store.recordExample(changed)
        try store.recordMetric(run: run.runID, recipe: "wordswap", name: "custom", value: 4)
        try store.recordCurvePoints([CurvePointRecord(runID: run.runID, recipe: "pgd", curve: "epsilon", xName: "epsilon", x: 0.1, yName: "accuracy", y: 0.7)])
        XCTAssertEqual(try store.examples(run: run.runID, recipe: "wordswap").count, 12)
        XCTAssertEqual(try store.examples(run: run.runID, recipe: "wordswap").first { $0.exampleIndex == 5 }?.queries, 99)
        XCTAssertEqual(try store.metrics(run: run.runID, recipe: "wordswap").first { $0.name == "custom" }?.value, 4)
        XCTAssertEqual(try store.curves(run: run.runID).map(\.y), [0.9, 0.7])
        XCTAssertThrowsError(try store.recordMetric(run: run.runID, recipe: "x", name: "nan", value: .nan))
    }

    func testSummaryMetricsFromExamples() throws {
        let store = try ResultStore(path: try dbPath())
        let run = try store.beginRun(sampleRun())
        for i in 0..<21 { try store.recordExample(sampleExample(i, run: run.runID)) }
        let metrics = try store.recordSummaryMetrics(run: run.runID, recipe: "wordswap")
        let byName = Dictionary(uniqueKeysWithValues: metrics.map { ($0.name, $0) })
        // 21 examples: clean-wrong 0, 7, 14; successes at 3, 6, 9, 12, 15, 18; 12 failed.
        XCTAssertEqual(byName["examples"]?.value, 21)
        XCTAssertEqual(byName["clean_accuracy"]!.value, 18.0 / 21, accuracy: 1e-12)
        XCTAssertEqual(byName["accuracy_under_attack"]!.value, 12.0 / 21, accuracy: 1e-12)
        XCTAssertEqual(byName["attack_success_rate"]!.value, 6.0 / 18, accuracy: 1e-12)
        XCTAssertEqual(byName["mean_words_changed_fraction"]!.value, 1.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(byName["mean_similarity"]!.value, 0.8, accuracy: 1e-12)
        for metric in metrics where metric.name != "examples" {
            XCTAssertLessThanOrEqual(metric.low!, metric.value + 1e-12, metric.name)
            XCTAssertGreaterThanOrEqual(metric.high!, metric.value - 1e-12, metric.name)
        }
        XCTAssertEqual(try store.metrics(run: run.runID).count, metrics.count)
        // Deterministic: recomputing gives the same intervals.
        XCTAssertEqual(RecipeSummary.metrics(of: try store.examples(run: run.runID), run: run.runID, recipe: "wordswap"), metrics)
    }

    // MARK: Resume

    func testCompletedIndicesForResume() throws {
        let store = try ResultStore(path: try dbPath())
        let run = try store.beginRun(sampleRun())
        for i in [0, 1, 2, 3, 4, 7] { try store.recordExample(sampleExample(i, run: run.runID)) }
        try store.recordExample(sampleExample(9, run: run.runID, recipe: "other"))
        XCTAssertEqual(try store.completedExampleIndices(run: run.runID, recipe: "wordswap"), [0, 1, 2, 3, 4, 7])
        XCTAssertEqual(try store.completedExampleIndices(run: run.runID, recipe: "other"), [9])
        XCTAssertEqual(try store.completedExampleIndices(run: run.runID, recipe: "none"), [])

        try store.markRun(run.runID, status: .interrupted, failure: "interrupted by SIGINT")
        let resumed = try store.resumeRun(run.runID)
        XCTAssertEqual(resumed.status, .running)
        XCTAssertNil(resumed.failure)
        try store.markRun(run.runID, status: .finished)
        XCTAssertThrowsError(try store.resumeRun(run.runID)) { error in
            guard case ResultStoreError.invalidRequest = error else { return XCTFail("\(error)") }
        }
    }

    // MARK: Queries

    func testRunFilters() throws {
        let store = try ResultStore(path: try dbPath())
        let a = try store.beginRun(sampleRun(kind: .eval, model: "aaaa1111"))
        let b = try store.beginRun(sampleRun(kind: .attack, model: "aaaa2222"))
        let c = try store.beginRun(sampleRun(kind: .attack, model: "bbbb3333", label: "x"))
        try store.recordExample(sampleExample(0, run: b.runID, recipe: "textfooler"))
        try store.recordMetric(run: c.runID, recipe: "pwws", name: "clean_accuracy", value: 0.5)
        try store.markRun(a.runID, status: .finished)
        try store.markRun(c.runID, status: .failed, failure: "boom\nsecond line")
        try store.writer.write { db in   // make a an old run
            try db.execute(sql: "UPDATE runs SET started_at = '2001-02-03 04:05:06.000' WHERE id = ?", arguments: [a.runID])
        }
        func ids(_ filter: RunFilter) throws -> [Int64] { try store.runs(matching: filter).map(\.runID) }
        XCTAssertEqual(try ids(RunFilter()), [c.runID, b.runID, a.runID])
        XCTAssertEqual(try ids(RunFilter(kind: .attack)), [c.runID, b.runID])
        XCTAssertEqual(try ids(RunFilter(modelHashPrefix: "aaaa")), [b.runID, a.runID])
        XCTAssertEqual(try ids(RunFilter(modelHashPrefix: "aaaa2")), [b.runID])
        XCTAssertEqual(try ids(RunFilter(recipe: "textfooler")), [b.runID])
        XCTAssertEqual(try ids(RunFilter(recipe: "pwws")), [c.runID])
        XCTAssertEqual(try ids(RunFilter(since: Date(timeIntervalSince1970: 1_000_000_000))), [c.runID, b.runID])
        XCTAssertEqual(try ids(RunFilter(status: .failed)), [c.runID])
        XCTAssertEqual(try ids(RunFilter(label: "x")), [c.runID])
        XCTAssertEqual(try ids(RunFilter(kind: .attack, modelHashPrefix: "b", status: .running)), [])
        XCTAssertEqual(try store.run(c.runID).failure, "boom")   // one line
        XCTAssertEqual(try store.runs(limit: 1).count, 1)
        XCTAssertEqual(try store.recipes(ofRuns: [a.runID, b.runID, c.runID]), [b.runID: ["textfooler"], c.runID: ["pwws"]])
    }

    // MARK: Run status

    func testWithRunMarksFinishedFailedAndInterrupted() throws {
        let store = try ResultStore(path: try dbPath())
        struct Boom: Error, CustomStringConvertible { var description: String { "model exploded" } }

        let value = try store.withRun(sampleRun()) { run -> Int in
            try store.recordExample(sampleExample(1, run: run.runID))
            return 7
        }
        XCTAssertEqual(value, 7)
        var runs = try store.runs()
        XCTAssertEqual(runs[0].status, .finished)

        XCTAssertThrowsError(try store.withRun(sampleRun()) { run in
            try store.recordExample(sampleExample(1, run: run.runID))
            throw Boom()
        })
        runs = try store.runs()
        XCTAssertEqual(runs[0].status, .failed)
        XCTAssertEqual(runs[0].failure, "model exploded")
        XCTAssertNotNil(runs[0].finishedAt)
        XCTAssertEqual(try store.examples(run: runs[0].runID).count, 1, "a failed run keeps its committed examples")

        XCTAssertThrowsError(try store.withRun(sampleRun()) { _ in throw RunInterrupted(signal: SIGINT) })
        XCTAssertEqual(try store.runs()[0].status, .interrupted)
        XCTAssertEqual(try store.runs()[0].failure, "interrupted by SIGINT")

        // An error thrown after a signal arrived counts as an interruption.
        Interruption.simulate(SIGTERM)
        defer { Interruption.simulate(nil) }
        XCTAssertThrowsError(try Interruption.check())
        XCTAssertThrowsError(try store.withRun(sampleRun()) { _ in throw Boom() })
        XCTAssertEqual(try store.runs()[0].status, .interrupted)
        // A caller with its own signal flag passes it in.
        Interruption.simulate(nil)
        XCTAssertThrowsError(try store.withRun(sampleRun(), interrupted: { true }) { _ in throw Boom() })
        XCTAssertEqual(try store.runs()[0].status, .interrupted)

        // Resuming reopens the same run.
        let interrupted = try store.runs()[0]
        try store.withRun(sampleRun(), resuming: interrupted.runID) { run in XCTAssertEqual(run.runID, interrupted.runID) }
        XCTAssertEqual(try store.run(interrupted.runID).status, .finished)
    }

    // MARK: Concurrency (threads; processes are in ProcessTests)

    func testTwoThreadsWritingLoseNothing() throws {
        let path = try dbPath()
        let stores = [try ResultStore(path: path), try ResultStore(path: path)]
        let runs = try stores.map { try $0.beginRun(sampleRun()) }
        let perThread = 300
        let failures = LockedList()
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            do {
                for i in 0..<perThread {
                    try stores[t].recordExample(sampleExample(i, run: runs[t].runID))
                    if i % 50 == 0 { try stores[t].recordMetric(run: runs[t].runID, recipe: "wordswap", name: "progress", value: Double(i)) }
                }
                try stores[t].markRun(runs[t].runID, status: .finished)
            } catch {
                failures.append("\(error)")
            }
        }
        XCTAssertEqual(failures.items, [])
        let check = try ResultStore(path: path, access: .readOnly)
        for run in runs {
            XCTAssertEqual(try check.completedExampleIndices(run: run.runID, recipe: "wordswap"), Set(0..<perThread))
            XCTAssertEqual(try check.run(run.runID).status, .finished)
            XCTAssertEqual(try check.metrics(run: run.runID).first?.value, 250)
        }
        XCTAssertEqual(try check.integrityCheck(), "ok")
    }

    // MARK: Failure modes

    func testMissingRunIsATypedError() throws {
        let store = try ResultStore(path: try dbPath())
        let expected = ResultStoreError.noSuchRun(id: 999, path: store.path)
        func check(_ body: @autoclosure () throws -> Any, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? ResultStoreError, expected, line: line) }
        }
        check(try store.run(999))
        check(try store.examples(run: 999))
        check(try store.metrics(run: 999))
        check(try store.curves(run: 999))
        check(try store.completedExampleIndices(run: 999, recipe: "x"))
        check(try store.markRun(999, status: .finished))
        check(try store.resumeRun(999))
        check(try store.recordExample(sampleExample(0, run: 999)))
        check(try store.recordMetric(run: 999, recipe: "x", name: "y", value: 1))
        check(try store.beginRun(sampleRun(parent: 999)))
        XCTAssertEqual(expected.description, "run 999 does not exist in \(store.path) (see `robust runs`)")
        XCTAssertEqual(try store.runs().count, 0)
    }

    func testForeignFilesAreRefusedUntouched() throws {
        let folder = try temporaryFolder(self)
        // Not SQLite at all.
        let text = folder.appendingPathComponent("notes.db").path
        try Data("hello, these are my notes\n".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try ResultStore(path: text)) { XCTAssertEqual($0 as? ResultStoreError, .notADatabase(path: text)) }
        XCTAssertEqual(try String(contentsOfFile: text, encoding: .utf8), "hello, these are my notes\n")

        // SQLite, but someone else's (rollback journal; must stay so).
        let other = folder.appendingPathComponent("other.sqlite").path
        let queue = try DatabaseQueue(path: other)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
            try db.execute(sql: "INSERT INTO customers (name) VALUES ('Ada')")
        }
        try queue.close()
        XCTAssertThrowsError(try ResultStore(path: other)) { error in
            guard case ResultStoreError.foreignDatabase(let path, let detail)? = error as? ResultStoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, other)
            XCTAssertTrue(detail.contains("customers"), detail)
            XCTAssertFalse("\(error)".contains("\n"))
        }
        let check = try DatabaseQueue(path: other)
        try check.read { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "delete")
            XCTAssertEqual(try String.fetchAll(db, sql: "SELECT name FROM customers"), ["Ada"])
        }

        // Another application's id.
        let tagged = folder.appendingPathComponent("tagged.db").path
        let taggedQueue = try DatabaseQueue(path: tagged)
        try taggedQueue.write { db in try db.execute(sql: "PRAGMA application_id = 42; CREATE TABLE t (x)") }
        try taggedQueue.close()
        XCTAssertThrowsError(try ResultStore(path: tagged)) { error in
            guard case ResultStoreError.foreignDatabase? = error as? ResultStoreError else { return XCTFail("\(error)") }
        }

        // A folder.
        XCTAssertThrowsError(try ResultStore(path: folder.path)) { error in
            guard case ResultStoreError.cannotOpen? = error as? ResultStoreError else { return XCTFail("\(error)") }
        }
    }

    func testNewerSchemaIsRefused() throws {
        let path = try dbPath()
        do {
            let store = try ResultStore(path: path)
            try store.beginRun(sampleRun())
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v2-from-the-future')")
            }
        }
        for access in [ResultStore.Access.create, .existing, .readOnly] {
            XCTAssertThrowsError(try ResultStore(path: path, access: access)) { error in
                XCTAssertEqual(error as? ResultStoreError, .newerSchema(path: path, unknownMigrations: ["v2-from-the-future"]))
                XCTAssertTrue("\(error)".contains("newer robust"), "\(error)")
            }
        }
        // Nothing was lost or changed.
        let queue = try DatabaseQueue(path: path)
        XCTAssertEqual(try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM runs") }, 1)
    }

    func testCorruptFileGivesATypedError() throws {
        let path = try dbPath()
        do {
            let store = try ResultStore(path: path)
            let run = try store.beginRun(sampleRun())
            for i in 0..<50 { try store.recordExample(sampleExample(i, run: run.runID)) }
        }
        // Fold the WAL into the file, then damage the schema page (keeping the 100-byte header).
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE") }
        try queue.close()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 100)
        handle.write(Data(repeating: 0xA5, count: 3000))
        try handle.close()
        XCTAssertThrowsError(try ResultStore(path: path, access: .readOnly).examples(run: 1)) { error in
            XCTAssertTrue(error is ResultStoreError, "\(error)")
            XCTAssertTrue("\(error)".contains(path), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }

    func testLockedDatabaseErrorsAfterTheTimeout() throws {
        let path = try dbPath()
        let holder = try ResultStore(path: path)
        let run = try holder.beginRun(sampleRun())
        try holder.recordExample(sampleExample(0, run: run.runID))

        let waiter = try ResultStore(path: path, options: .init(busyTimeout: 0.2, busyRetries: 2))
        let locked = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            // Holds the write lock (BEGIN IMMEDIATE) in another connection until released.
            try? holder.write { db in
                try db.execute(sql: "INSERT INTO metrics (run_id, recipe, name, value) VALUES (?, 'r', 'held', 1)", arguments: [run.runID])
                locked.signal()
                release.wait()
            }
            done.signal()
        }
        locked.wait()
        let started = Date()
        XCTAssertThrowsError(try waiter.recordExample(sampleExample(1, run: run.runID))) { error in
            guard case ResultStoreError.locked(let lockedPath, _)? = error as? ResultStoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(lockedPath, path)
            XCTAssertTrue("\(error)".hasPrefix("results database \(path) is locked by another process"), "\(error)")
        }
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(waited, 0.2 * 3 - 0.05, "busy timeout on each of 3 attempts")
        XCTAssertLessThan(waited, 5)
        // Readers are not blocked by a writer (WAL).
        XCTAssertEqual(try waiter.examples(run: run.runID).count, 1)
        release.signal()
        done.wait()
        try waiter.recordExample(sampleExample(1, run: run.runID))
        XCTAssertEqual(try waiter.completedExampleIndices(run: run.runID, recipe: "wordswap"), [0, 1])
        XCTAssertEqual(try waiter.metrics(run: run.runID).map(\.name), ["held"])
    }

    func testFullDiskRollsBackTheWriteAndKeepsEarlierRows() throws {
        let path = try dbPath()
        let run: RunRecord
        do {
            let store = try ResultStore(path: path)
            run = try store.beginRun(sampleRun())
        }
        let pages = try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA page_count")! }
        let store = try ResultStore(path: path, options: .init(maxPageCount: pages + 8))
        let big = String(repeating: "long words ", count: 300)   // ~3 KB per example
        var recorded = 0
        var failure: Error?
        for i in 0..<200 {
            do {
                try store.recordExample(sampleExample(i, run: run.runID, text: big + "\(i)"))
                recorded += 1
            } catch {
                failure = error
                break
            }
        }
        XCTAssertEqual(failure as? ResultStoreError, .diskFull(path: path))
        XCTAssertGreaterThan(recorded, 0)
        XCTAssertEqual(try store.completedExampleIndices(run: run.runID, recipe: "wordswap"), Set(0..<recorded))
        XCTAssertEqual(try ResultStore(path: path).integrityCheck(), "ok")
        XCTAssertTrue("\(failure!)".contains("earlier results are kept"))
    }

    func testReadOnlyAccessAndMissingFiles() throws {
        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("r.db").path
        for access in [ResultStore.Access.existing, .readOnly] {
            XCTAssertThrowsError(try ResultStore(path: path, access: access)) { XCTAssertEqual($0 as? ResultStoreError, .missing(path: path)) }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "reading never creates the file")
        let run = try ResultStore(path: path).beginRun(sampleRun())
        let reader = try ResultStore(path: path, access: .readOnly)
        XCTAssertEqual(try reader.run(run.runID).runID, run.runID)
        XCTAssertThrowsError(try reader.recordExample(sampleExample(0, run: run.runID))) {
            XCTAssertEqual($0 as? ResultStoreError, .readOnly(path: path))
        }
        // A folder that refuses new files, even to root (sysfs): a read-only location.
        if !FileManager.default.fileExists(atPath: "/sys/robust-results-test.db") && FileManager.default.fileExists(atPath: "/sys/kernel") {
            XCTAssertThrowsError(try ResultStore(path: "/sys/robust-results-test.db")) {
                XCTAssertEqual($0 as? ResultStoreError, .readOnly(path: "/sys/robust-results-test.db"))
            }
        }
        let nowhere = folder.appendingPathComponent("no/such/folder/r.db").path
        XCTAssertThrowsError(try ResultStore(path: nowhere)) { error in
            guard case ResultStoreError.cannotOpen(_, let reason)? = error as? ResultStoreError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("does not exist"), reason)
        }
    }
}

final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ item: String) { lock.lock(); list.append(item); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
