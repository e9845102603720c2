// StoreGuardTests: a store is refused, never written, when a newer robust wrote it or a page is corrupt;
// a run whose final mark cannot be written (full disk) is shown abandoned, not running forever; a WAL
// store whose -shm file cannot be created (read-only folder) can still be read; a damaged date or a NULL
// where the schema forbids one is an error, not a trap.
import Basics
import Foundation
import GRDB
import TestSupport
import XCTest
@testable import Results

final class StoreGuardTests: XCTestCase {
    func dbPath() throws -> String { try temporaryFolder(self).appendingPathComponent("g.db").path }

    func testANewerUserVersionIsRefusedAndNotWritten() throws {
        let path = try dbPath()
        _ = try ResultStore(path: path).beginRun(sampleRun())
        try DatabaseQueue(path: path).write { try $0.execute(sql: "PRAGMA user_version = 7") }
        for access in [ResultStore.Access.create, .readOnly] {
            XCTAssertThrowsError(try ResultStore(path: path, access: access)) {
                XCTAssertEqual("\($0)", "results database \(path) was written by a newer robust (unknown schema migration "
                               + "'user_version 7 (this robust knows 3)'); upgrade robust to use it")
            }
        }
        XCTAssertEqual(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM runs") }, 1)
    }

    /// Found by fuzz-results-db: a run whose started_at text is not UTF-8 (a damaged file) trapped in GRDB's
    /// date parser (an Int8 overflow on a byte ≥ 0x80) when runs were listed; it is now a one-line error.
    func testADateThatIsNotUTF8IsAnErrorNotATrap() throws {
        let path = try dbPath()
        do {
            let store = try ResultStore(path: path)
            _ = try store.beginRun(sampleRun())
        }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "UPDATE runs SET started_at = CAST(X'80AF8081' || '-01-01 00:00:00.000' AS TEXT)")
        }
        try queue.close()
        let store = try ResultStore(path: path, access: .readOnly)
        XCTAssertThrowsError(try store.runs()) { error in
            XCTAssertTrue(error is ResultStoreError, "\(error)")
            XCTAssertTrue("\(error)".contains("a stored value cannot be read: could not decode Date"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"), "\(error)")
        }
        // Dates as robust writes them (text, to the millisecond) still read back.
        let fresh = try ResultStore(path: try temporaryFolder(self).appendingPathComponent("h.db").path)
        let run = try fresh.beginRun(sampleRun())
        XCTAssertEqual(try fresh.run(run.runID).startedAt.timeIntervalSince1970, run.startedAt.timeIntervalSince1970, accuracy: 0.001)
    }

    /// Found by fuzz-results-db: a NULL where the schema forbids one (a damaged file) trapped in GRDB's row
    /// subscript when `robust show` counted a run's examples; it is now a one-line error.
    func testANullWhereTheSchemaForbidsOneIsAnErrorNotATrap() throws {
        let path = try dbPath()
        do {
            let store = try ResultStore(path: path)
            let run = try store.beginRun(sampleRun())
            for i in 0..<3 { try store.recordExample(sampleExample(i, run: run.runID)) }
            try store.recordMetric(run: run.runID, recipe: "wordswap", name: "accuracy", value: 0.5)
        }
        // Copies of the tables without their NOT NULL constraints, then NULLs in them.
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: """
                PRAGMA foreign_keys = OFF;
                ALTER TABLE examples RENAME TO damaged_examples; CREATE TABLE examples AS SELECT * FROM damaged_examples;
                ALTER TABLE metrics RENAME TO damaged_metrics; CREATE TABLE metrics AS SELECT * FROM damaged_metrics;
                UPDATE examples SET status = NULL WHERE example_index = 1; UPDATE metrics SET recipe = NULL;
                """)
        }
        try queue.close()
        let store = try ResultStore(path: path, access: .readOnly)
        for read in [{ _ = try store.exampleCounts(run: 1) }, { _ = try store.recipes(ofRuns: [1]) }] {
            XCTAssertThrowsError(try read()) { error in
                XCTAssertTrue(error is ResultStoreError, "\(error)")
                XCTAssertTrue("\(error)".contains("a stored value cannot be read: could not decode"), "\(error)")
            }
        }
    }

    func testACorruptIndexPageIsFoundBeforeANewRunIsWritten() throws {
        let path = try dbPath()
        do {
            let store = try ResultStore(path: path)
            let run = try store.beginRun(sampleRun())
            for i in 0..<300 { try store.recordExample(sampleExample(i, run: run.runID)) }
        }
        let (root, pageSize) = try DatabaseQueue(path: path).read { db in
            (try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'examples_by_recipe'") ?? 0,
             try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
        }
        XCTAssertGreaterThan(root, 1)
        // Scribble over the cells at the end of the index's root page, leaving its header intact: the
        // file opens, and only a check (or a later write through that index) finds the damage.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(root * pageSize - 1_024))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 1_024))
        try handle.close()
        XCTAssertThrowsError(try ResultStore(path: path).beginRun(sampleRun())) {
            guard case .corrupt(let where_, _)? = $0 as? ResultStoreError else { return XCTFail("\($0)") }
            XCTAssertEqual(where_, path)
        }
        XCTAssertEqual(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM runs") }, 1,
                       "no run was added to the damaged file")
    }

    struct LongFailure: Error, CustomStringConvertible { var description = String(repeating: "the disk is full ", count: 20_000) }

    func testARunWhoseMarkCannotBeWrittenIsAbandonedNotRunningForever() throws {
        let path = try dbPath()
        do { _ = try ResultStore(path: path) }
        let pages = try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 }
        let store = try ResultStore(path: path, options: .init(maxPageCount: pages + 2))
        var id: Int64 = 0
        XCTAssertThrowsError(try store.withRun(sampleRun()) { run in
            id = run.runID
            throw LongFailure()   // marking the run failed needs pages the cap does not allow
        })
        let run = try store.run(id)
        XCTAssertEqual(run.status, .running)
        XCTAssertTrue(store.isAbandoned(run), "the lock file is left behind, unheld")
        XCTAssertEqual(store.displayStatus(run), "abandoned")
    }

    /// A store on a read-only file system (here a read-only bind mount, which this test makes as root)
    /// can be listed: SQLite cannot create its -shm file there, so it is opened immutable.
    func testAStoreOnAReadOnlyMountIsStillReadable() throws {
        let source = try temporaryFolder(self), mount = try temporaryFolder(self)
        let id: Int64
        do {
            let store = try ResultStore(path: source.appendingPathComponent("g.db").path)
            id = try store.beginRun(sampleRun()).runID
            try store.recordExample(sampleExample(1, run: id))
        }
        func run(_ arguments: [String], _ tool: String = "/bin/mount") -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            do { try process.run() } catch { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard run(["--bind", source.path, mount.path]) == 0 else { return XCTFail("this test needs root to make a read-only bind mount") }
        addTeardownBlock { _ = run(["-l", mount.path], "/bin/umount") }
        XCTAssertEqual(run(["-o", "remount,bind,ro", mount.path]), 0)
        XCTAssertFalse(FileManager.default.createFile(atPath: mount.appendingPathComponent("probe").path, contents: Data()),
                       "the mount is read-only")
        let reader = try ResultStore(path: mount.appendingPathComponent("g.db").path, access: .readOnly)
        XCTAssertEqual(try reader.run(id).runID, id)
        XCTAssertEqual(try reader.examples(run: id).count, 1)
    }
}
