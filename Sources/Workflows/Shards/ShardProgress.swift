// ShardProgress: `robust runs --shards SHARD.db…` — how far each shard of a sharded run has got, read from the
// shard databases alone (opened read-only, so it is safe beside running shards): its status, the examples
// recorded of those it takes, its rate and its ETA, and the whole run's.
import Augmentation
import Basics
import Foundation
import Results

public struct ShardProgress: Sendable {
    public struct Shard: Sendable {
        public var path: String
        /// Nil when the database does not exist yet (the shard has not started) or holds no sharded run.
        public var runID: Int64?
        public var index: Int?
        public var count: Int?
        /// running, abandoned (its process is gone), interrupted, failed, finished, "not started" or why it
        /// could not be read.
        public var status: String
        /// Attack rows recorded and expected (examples × recipes); a clean-only run counts its clean rows.
        public var done: Int = 0
        public var total: Int = 0
        public var seconds: Double = 0
        public var finished: Bool = false

        /// Rows per second so far.
        public var rate: Double? { seconds > 0 && done > 0 ? Double(done) / seconds : nil }
        /// Seconds left at the rate so far (0 when finished; nil when unknown).
        public var eta: Double? {
            if finished { return 0 }
            guard let rate, status == "running" else { return nil }
            return Double(total - done) / rate
        }
    }

    public var shards: [Shard]

    /// Every shard's rows together.
    public var done: Int { shards.map(\.done).reduce(0, +) }
    public var total: Int {
        let known = shards.filter { $0.total > 0 }
        // Shards not started yet count as the average of the others.
        guard !known.isEmpty else { return 0 }
        let mean = Double(known.map(\.total).reduce(0, +)) / Double(known.count)
        let count = max(shards.compactMap(\.count).max() ?? shards.count, shards.count)
        return known.map(\.total).reduce(0, +) + Int((mean * Double(count - known.count)).rounded())
    }
    /// The shards run side by side: the run ends with its slowest running shard (nil when any is stalled).
    public var eta: Double? {
        let open = shards.filter { !$0.finished }
        guard !open.isEmpty else { return 0 }
        let etas = open.map(\.eta)
        return etas.contains { $0 == nil } ? nil : etas.compactMap { $0 }.max()
    }
    public var missingShards: [Int] {
        guard let count = shards.compactMap(\.count).max() else { return [] }
        let present = Set(shards.compactMap(\.index))
        return (1...count).filter { !present.contains($0) }
    }

    public static func read(_ paths: [String], now: Date = Date()) -> ShardProgress {
        ShardProgress(shards: paths.map { read($0, now: now) })
    }

    static func read(_ argument: String, now: Date) -> Shard {
        var shard = Shard(path: argument, status: "not started")
        guard FileManager.default.fileExists(atPath: MergeWorkflow.location(argument).path) else { return shard }
        do {
            let source = try MergeWorkflow.source(argument)
            let store = source.store
            let run = source.run
            (shard.runID, shard.index, shard.count) = (run.runID, source.shard.index, source.shard.count)
            shard.status = store.displayStatus(run)
            shard.finished = run.status == .finished
            let counts = try store.exampleCounts(run: run.runID)
            // An augment run's text recipes record no rows: only its attack recipes count.
            let recipes = run.kind == .augment ? source.recipes.filter { !AugmentationLibrary().contains($0) } : source.recipes
            let counted = recipes.isEmpty ? [RunRecording.cleanRecipe] : recipes
            // An A2T harvest deals its examples to the recipes in turn: each is attacked once.
            shard.total = source.shard.examples * (run.kind == .train ? 1 : counted.count)
            shard.done = counted.map { (counts[$0] ?? [:]).values.reduce(0, +) }.reduce(0, +)
            shard.seconds = max(0, (run.finishedAt ?? now).timeIntervalSince(run.startedAt))
        } catch {
            shard.status = UserError.oneLine(String(describing: error))
        }
        return shard
    }
}
