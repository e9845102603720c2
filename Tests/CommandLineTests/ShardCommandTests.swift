// Sharding as a user meets it on the command line: a shard that does not exist, a Slurm array task or Indexed Job
// pod without what robust needs, merge without shards or with a file that is not a shard database, and the
// progress view of shards that have not started — each one line, never a crash.
import Foundation
import TestSupport
import XCTest

final class ShardCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
    }

    func expectOneLineFailure(_ arguments: [String], environment: [String: String] = [:], _ fragments: [String],
                              line: UInt = #line) throws {
        try expectOneLineRobustFailure(arguments, folder: folder, environment: environment, fragments, line: line)
    }

    func testBadShardsAreOneLineErrors() throws {
        let model = TestPaths.fixture("gate/model").path
        let data = TestPaths.fixture("gate/data.csv").path
        try expectOneLineFailure(["eval", "--model", model, "--data", data, "--shard", "5/4"], ["shard 5/4 does not exist"])
        try expectOneLineFailure(["attack", "--model", model, "--data", data, "--recipe", "deepwordbug", "--shard", "two"],
                                 ["--shard must be K/N"])
        try expectOneLineFailure(["eval", "--model", model, "--data", data], environment: ["JOB_COMPLETION_INDEX": "2"],
                                 ["JOB_COMPLETION_INDEX is set", "give --shards N"])
        try expectOneLineFailure(["eval", "--model", model, "--data", data, "--shards", "3"],
                                 environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"],
                                 ["SLURM_ARRAY_TASK_ID 3 is not a shard of --shards 3"])
        try expectOneLineFailure(["attack", "--model", model, "--recipe", "deepwordbug", "--text", "a film", "--shard", "1/2"],
                                 ["--shard and --shards go with --data"])
        try expectOneLineFailure(["train", "--data", data, "--out", folder.appendingPathComponent("m").path, "--a2t-harvest"],
                                 ["--a2t-pause and --a2t-harvest go with --a2t RECIPES"])
    }

    func testMergeRefusesWhatIsNoShard() throws {
        try expectOneLineFailure(["merge", "--into", "run.db"], ["give the shard databases to merge"])
        try expectOneLineFailure(["merge", "missing.db", "--into", "run.db"], ["missing.db: no such shard database"])
        try Data("SQLite format 3\0 but not really a database, only its first bytes".utf8)
            .write(to: folder.appendingPathComponent("broken.db"))
        try expectOneLineFailure(["merge", "broken.db", "--into", "run.db"], ["broken.db"])
        // A results store with no sharded run in it.
        let store = folder.appendingPathComponent("plain.db").path
        XCTAssertEqual(try runResultsWriter(["--db", store, "--examples", "2"], folder: folder).status, 0)
        try expectOneLineFailure(["merge", store, "--into", "run.db"], ["holds no sharded run"])
    }

    func testShardProgressOfShardsNotStarted() throws {
        let result = try runRobust(["runs", "--shards", "shard-1.db", "shard-2.db"], folder: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("not started"), result.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("shard-1.db").path),
                       "reading progress creates nothing")
    }
}
