// ShardingTests: which examples a shard takes (pinned, a partition of the selection for any N), `--shard K/N`
// parsing, and the shard of a Slurm array task or a Kubernetes Indexed Job pod read from the environment.
import Datasets
import XCTest

final class ShardingTests: XCTestCase {
    func testShardsPartitionTheSelectionAndArePinned() throws {
        for count in [1, 2, 3, 7, 16] {
            let shards = try (1...count).map { try ShardSpec(index: $0, count: count).members(of: 1000) }
            XCTAssertEqual(shards.flatMap { $0 }.sorted(), Array(0..<1000), "every example in exactly one of \(count) shards")
            for members in shards where count <= 7 {
                // A hash, not a round robin: roughly even, never wildly off for 1,000 examples.
                XCTAssertEqual(Double(members.count), 1000 / Double(count), accuracy: 1000 / Double(count) * 0.25)
            }
        }
        // Pinned (SplitMix64's finaliser, checked against an independent implementation): the same ids go to the
        // same shards on every machine and every version.
        XCTAssertEqual((0..<12).map { ShardSpec.shard(ofExample: $0, count: 4) }, [4, 2, 3, 2, 3, 3, 1, 4, 3, 1, 3, 2])
        XCTAssertEqual((0..<8).map { ShardSpec.shard(ofExample: $0, count: 3) }, [2, 3, 2, 1, 2, 3, 3, 1])
        XCTAssertEqual(try ShardSpec(index: 1, count: 1).members(of: 5), [0, 1, 2, 3, 4])
    }

    func testShardOptionIsCheckedInOneLine() throws {
        XCTAssertEqual(try ShardSpec.parse("2/4"), try ShardSpec(index: 2, count: 4))
        XCTAssertEqual(try ShardSpec.parse(" 4 / 4 ").description, "4/4")
        for (text, expected) in [("5/4", "shard 5/4 does not exist: shards are numbered 1 to 4"),
                                 ("0/4", "--shard counts from 1"), ("-1/4", "shard -1/4 does not exist"),
                                 ("2/0", "the number of shards must be 1 to"), ("3", "--shard must be K/N"),
                                 ("a/b", "--shard must be K/N"), ("1/2/3", "--shard must be K/N"), ("", "--shard must be K/N")] {
            XCTAssertThrowsError(try ShardSpec.parse(text), text) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }

    func testShardFromTheEnvironment() throws {
        func resolve(_ option: String? = nil, shards: Int? = nil, env environment: [String: String] = [:]) throws -> ShardSpec.Resolved? {
            try ShardSpec.resolve(option: option, shards: shards, environment: environment)
        }
        XCTAssertNil(try resolve(), "not sharded")
        XCTAssertNil(try resolve(env: ["SLURM_JOB_ID": "12"]), "a plain Slurm job is not an array task")
        // --array=0-3: task 2 is shard 3/4; --array=1-4: task 1 is shard 1/4; --array=0-6:2: task 4 is shard 3/4.
        let slurm = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_STEP": "1"]
        XCTAssertEqual(try resolve(env: slurm)?.shard.description, "3/4")
        XCTAssertEqual(try resolve(env: slurm)?.source, "SLURM_ARRAY_TASK_ID=2 of 4")
        XCTAssertEqual(try resolve(env: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"])?.shard.description, "1/4")
        XCTAssertEqual(try resolve(env: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0",
                                    "SLURM_ARRAY_TASK_STEP": "2"])?.shard.description, "3/4")
        XCTAssertEqual(try resolve(shards: 4, env: slurm)?.shard.description, "3/4", "--shards: the array index is the shard index")
        // One task submitted again (`--array=2`: COUNT 1) and a list (`--array=0,5,9`) with --shards N.
        let again = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "2", "SLURM_ARRAY_TASK_MAX": "2"]
        XCTAssertEqual(try resolve(shards: 4, env: again)?.shard.description, "3/4")
        let list = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "9"]
        XCTAssertEqual(try resolve(shards: 10, env: list)?.shard.description, "6/10")
        XCTAssertEqual(try resolve("1/2", env: slurm)?.shard.description, "1/2", "--shard wins over the environment")
        XCTAssertEqual(try resolve(shards: 5, env: ["JOB_COMPLETION_INDEX": "0"])?.shard.description, "1/5")
        XCTAssertEqual(try resolve(shards: 5, env: ["JOB_COMPLETION_INDEX": "4"])?.shard.description, "5/5")
        for (option, shards, environment, expected) in [
            (nil, 2, slurm, "SLURM_ARRAY_TASK_ID 2 is not a shard of --shards 2"),
            (nil, nil, list, "is not a range; give --shards N"),
            (nil, nil, ["SLURM_ARRAY_TASK_ID": "2"], "SLURM_ARRAY_TASK_COUNT is not"),
            (nil, nil, ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID is 'x', not a whole number"),
            (nil, nil, ["JOB_COMPLETION_INDEX": "1"], "give --shards N"),
            (nil, 4, ["JOB_COMPLETION_INDEX": "4"], "JOB_COMPLETION_INDEX 4 is outside 0…3"),
            (nil, 4, [:], "--shards 4 needs a shard index"),
            ("1/3", 4, [:], "disagree on the number of shards"),
        ] as [(String?, Int?, [String: String], String)] {
            XCTAssertThrowsError(try resolve(option, shards: shards, env: environment), expected) { error in
                XCTAssertTrue(String(describing: error).contains(expected), "\(expected) ≠ \(error)")
            }
        }
    }
}
