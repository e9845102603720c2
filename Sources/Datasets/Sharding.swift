// Sharding: which examples of a selection one shard of a run takes (`--shard K/N`, or a Slurm array task's
// or a Kubernetes Indexed Job pod's index), so that N machines can split a run and `robust merge` can join
// their databases into the result one process would have stored.
//
// An example's stable id is its index in the selected slice (the `example_index` every stored row carries,
// which resume and pairing across runs go by); shard K of N takes the examples whose id hashes to K. The
// hash is pinned (SplitMix64's finaliser of the id): the same selection gives the same shards on every
// machine and every robust version, whatever order or speed the shards run at.
import Basics
import Foundation

public struct ShardSpec: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// 1-based: shards are 1…count.
    public let index: Int
    public let count: Int

    /// A run is split into at most this many shards (more would leave most shards of a test set empty).
    public static let maximumCount = 100_000

    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= Self.maximumCount else {
            throw DatasetError(.invalidArgument, "the number of shards must be 1 to \(Self.maximumCount), not \(count)")
        }
        guard index >= 1, index <= count else {
            throw DatasetError(.invalidArgument, "shard \(index)/\(count) does not exist: shards are numbered 1 to \(count)"
                               + (index == 0 ? " (--shard counts from 1; a 0-based index such as JOB_COMPLETION_INDEX is read with --shards N)" : ""))
        }
        self.index = index
        self.count = count
    }

    /// "3/4".
    public var description: String { "\(index)/\(count)" }

    /// `--shard K/N`.
    public static func parse(_ text: String) throws -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let count = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw DatasetError(.invalidArgument, "--shard must be K/N, shard K of N counted from 1 (e.g. 2/4), not '\(text)'")
        }
        return try ShardSpec(index: index, count: count)
    }

    /// Where a shard came from, said beside it ("--shard", "SLURM_ARRAY_TASK_ID=5 of 8", …).
    public struct Resolved: Sendable, Equatable {
        public var shard: ShardSpec
        public var source: String
    }

    /// The shard of this process: `--shard K/N` when given; else a Slurm array task's — with `shards` (N), the
    /// array index is the 0-based shard index (so a list of indices, or one task submitted again, works); without
    /// it, the task's position in a range (`SLURM_ARRAY_TASK_ID` with `_COUNT`, `_MIN`, `_MAX`, `_STEP`:
    /// `--array=0-3`, `1-4` and `0-6:2` all make shards 1…4 of 4); else a Kubernetes Indexed Job pod's
    /// (`JOB_COMPLETION_INDEX`, 0-based, with `shards` = the Job's completions). Nil: the run is not sharded.
    public static func resolve(option: String?, shards: Int?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Resolved? {
        if let option {
            let shard = try parse(option)
            if let shards, shards != shard.count {
                throw DatasetError(.invalidArgument, "--shard \(option) and --shards \(shards) disagree on the number of shards")
            }
            return Resolved(shard: shard, source: "--shard")
        }
        func integer(_ name: String) throws -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw DatasetError(.invalidArgument, "\(name) is '\(text)', not a whole number")
            }
            return value
        }
        if let task = try integer("SLURM_ARRAY_TASK_ID") {
            if let shards {
                // With --shards N the array index is the 0-based shard index, whatever the array: a list, or one
                // task submitted again (`--array=2` is shard 3 of N).
                guard task >= 0, task < shards else {
                    throw DatasetError(.invalidArgument, "SLURM_ARRAY_TASK_ID \(task) is not a shard of --shards \(shards) (array indices 0…\(shards - 1))")
                }
                return Resolved(shard: try ShardSpec(index: task + 1, count: shards), source: "SLURM_ARRAY_TASK_ID=\(task) with --shards \(shards)")
            }
            guard let count = try integer("SLURM_ARRAY_TASK_COUNT") else {
                throw DatasetError(.invalidArgument, "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --shard K/N or --shards N")
            }
            let minimum = try integer("SLURM_ARRAY_TASK_MIN") ?? 0
            let step = max(1, try integer("SLURM_ARRAY_TASK_STEP") ?? 1)
            let maximum = try integer("SLURM_ARRAY_TASK_MAX") ?? minimum + (count - 1) * step
            // Only a range (0-7, 1-8, 0-14:2) numbers its tasks 1…COUNT by position; a list (0,5,9) does not.
            guard task >= minimum, (task - minimum) % step == 0, (maximum - minimum) / step + 1 == count else {
                throw DatasetError(.invalidArgument, "the Slurm array (\(count) tasks, ids \(minimum)…\(maximum) step \(step)) is not a range; give --shards N (each array index is then shard index + 1 … of N)")
            }
            return Resolved(shard: try ShardSpec(index: (task - minimum) / step + 1, count: count),
                            source: "SLURM_ARRAY_TASK_ID=\(task) of \(count)")
        }
        if let completion = try integer("JOB_COMPLETION_INDEX") {
            guard let shards else {
                throw DatasetError(.invalidArgument, "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): give --shards N, the Job's completions")
            }
            guard completion >= 0, completion < shards else {
                throw DatasetError(.invalidArgument, "JOB_COMPLETION_INDEX \(completion) is outside 0…\(shards - 1) (--shards \(shards))")
            }
            return Resolved(shard: try ShardSpec(index: completion + 1, count: shards), source: "JOB_COMPLETION_INDEX=\(completion)")
        }
        if let shards {
            throw DatasetError(.invalidArgument, "--shards \(shards) needs a shard index: --shard K/\(shards), a Slurm array task or JOB_COMPLETION_INDEX")
        }
        return nil
    }

    /// The shard (1…count) the example with this stable id belongs to.
    public static func shard(ofExample id: Int, count: Int) -> Int {
        var z = UInt64(bitPattern: Int64(id)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(count)) + 1
    }

    public func contains(example id: Int) -> Bool { Self.shard(ofExample: id, count: count) == index }

    /// The ids among 0..<total this shard takes, in increasing order.
    public func members(of total: Int) -> [Int] { (0..<max(total, 0)).filter(contains(example:)) }
}
