// ResultStore+Shards: the merged run of a sharded evaluation — one shard's rows copied into it in one
// transaction (its child run, examples, audit checks and people's labels, and the `shards` row that makes a
// second merge of it a no-op), its derived numbers (metrics and curves) replaced in one transaction, and the
// shards merged so far. What is merged and how the numbers are derived is the Workflows' business; this file
// only keeps the writes atomic.
import Foundation
import GRDB

/// One row of `shards`: a shard merged into a run.
public struct MergedShardRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "shards"

    public var id: Int64?
    /// The merged run.
    public var runID: Int64
    /// 1-based.
    public var shardIndex: Int
    public var shardCount: Int
    /// The run that keeps the shard's own record (a child of the merged run).
    public var childRunID: Int64?
    /// The shard database as it was named to `robust merge`, and the run in it.
    public var sourcePath: String
    public var sourceRunID: Int64
    /// SHA-256 over the shard's rows (examples, audit checks): the same shard merged again has the same one.
    public var digest: String
    public var examples: Int
    public var mergedAt: Date

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, runID = "run_id", shardIndex = "shard_index", shardCount = "shard_count", childRunID = "child_run_id"
        case sourcePath = "source_path", sourceRunID = "source_run_id", digest, examples, mergedAt = "merged_at"
    }
    public typealias Columns = CodingKeys

    public init(runID: Int64, shardIndex: Int, shardCount: Int, childRunID: Int64? = nil, sourcePath: String,
                sourceRunID: Int64, digest: String, examples: Int, mergedAt: Date = Date()) {
        self.runID = runID
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.childRunID = childRunID
        self.sourcePath = sourcePath
        self.sourceRunID = sourceRunID
        self.digest = digest
        self.examples = examples
        self.mergedAt = mergedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { Date.fromDatabaseValue($0) }
    }
}

/// Everything one shard contributes to a merged run.
public struct ShardContribution: Sendable {
    /// The shard's own run row: stored as a child of the merged run (its id and parent are replaced).
    public var run: RunRecord
    /// Its metrics, kept on the child run (timings and service figures the merged run cannot recompute).
    public var metrics: [MetricRecord]
    public var examples: [ExampleRecord]
    public var audits: [AuditRecord]
    public var checks: [AuditCheckRecord]
    public var humanLabels: [HumanLabelRecord]
    /// The `shards` row (its run and child ids are filled in).
    public var shard: MergedShardRecord

    public init(run: RunRecord, metrics: [MetricRecord], examples: [ExampleRecord], audits: [AuditRecord],
                checks: [AuditCheckRecord], humanLabels: [HumanLabelRecord], shard: MergedShardRecord) {
        self.run = run
        self.metrics = metrics
        self.examples = examples
        self.audits = audits
        self.checks = checks
        self.humanLabels = humanLabels
        self.shard = shard
    }
}

extension ResultStore {
    /// Copies one shard into a merged run, all or nothing: its child run, examples, audit rows and checks, people's
    /// labels and its `shards` row. `into` names the merged run, or with nil the merged run of `template`'s run is
    /// found (the same kind, hashes, seed, robust version and configuration, with shards merged) or, when there is
    /// none, `template` is inserted as it — in the same transaction, so two merges at once find one run and a
    /// merge killed part-way leaves no empty one. A row that another shard already holds (the same recipe and
    /// example index) is refused, and so is a shard index already merged: nothing is then written. Returns the
    /// merged run's id.
    @discardableResult
    public func mergeShard(_ shard: ShardContribution, into runID: Int64?, template: RunRecord) throws -> Int64 {
        try write(run: runID) { db in
            let target: Int64
            if let runID {
                guard try RunRecord.exists(db, key: runID) else { throw ResultStoreError.noSuchRun(id: runID, path: path) }
                target = runID
            } else if let found = try Self.mergedRun(like: template, db) {
                target = found
            } else {
                var run = template
                run.id = nil
                try run.insert(db)
                target = run.runID
            }
            try Self.copy(shard, into: target, db, path: path)
            return target
        }
    }

    /// The merged run whose identity is `template`'s, if any (the oldest).
    public func mergedRun(like template: RunRecord) throws -> Int64? {
        try read { db in try Self.mergedRun(like: template, db) }
    }

    static func mergedRun(like template: RunRecord, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: """
            SELECT id FROM runs WHERE kind = ? AND parent_run_id IS NULL AND model_hash = ? AND data_hash = ? AND recipe_hash = ?
              AND seed = ? AND robust_version = ? AND config_json = ? AND id IN (SELECT run_id FROM shards)
            ORDER BY id LIMIT 1
            """, arguments: [template.kind, template.modelHash, template.dataHash, template.recipeHash, template.seed,
                             template.robustVersion, template.configJSON])
    }

    private static func copy(_ shard: ShardContribution, into runID: Int64, _ db: Database, path: String) throws {
            if try MergedShardRecord.filter(MergedShardRecord.Columns.runID == runID
                                            && MergedShardRecord.Columns.shardIndex == shard.shard.shardIndex).fetchCount(db) > 0 {
                throw ResultStoreError.invalidRequest(path: path, detail: "shard \(shard.shard.shardIndex)/\(shard.shard.shardCount) is already merged into run \(runID)")
            }
            var child = shard.run
            child.id = nil
            child.parentRunID = runID
            try child.insert(db)
            let childID = child.runID
            for metric in shard.metrics {
                var metric = metric
                (metric.id, metric.runID) = (nil, childID)
                try metric.insert(db)
            }
            for example in shard.examples {
                var example = example
                (example.id, example.runID) = (nil, runID)
                do {
                    try example.insert(db)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw ResultStoreError.invalidRequest(path: path, detail: "run \(runID) already holds example \(example.exampleIndex) of recipe '\(example.recipe)' (from another shard)")
                }
            }
            for audit in shard.audits {
                var audit = audit
                (audit.id, audit.runID) = (nil, runID)
                try audit.insert(db, onConflict: .ignore)
            }
            for check in shard.checks {
                var check = check
                (check.id, check.runID) = (nil, runID)
                try check.insert(db, onConflict: .replace)
            }
            for label in shard.humanLabels {
                var label = label
                (label.id, label.runID) = (nil, runID)
                try label.insert(db, onConflict: .replace)
            }
            var row = shard.shard
            (row.id, row.runID, row.childRunID) = (nil, runID, childID)
            try row.insert(db)
    }

    /// Replaces every metric and curve point of `run` with these, in one transaction (a merged run's numbers,
    /// recomputed from its rows), and sets its status, times and failure line.
    public func replaceDerived(run id: Int64, metrics: [MetricRecord], curves: [CurvePointRecord], status: RunStatus,
                               startedAt: Date, finishedAt: Date?, failure: String?) throws {
        for metric in metrics where !metric.value.isFinite {
            throw ResultStoreError.invalidRequest(path: path, detail: "metric \(metric.recipe)/\(metric.name) is \(metric.value), not a finite number")
        }
        try write(run: id) { db in
            guard var run = try RunRecord.fetchOne(db, key: id) else { throw ResultStoreError.noSuchRun(id: id, path: path) }
            try MetricRecord.filter(MetricRecord.Columns.runID == id).deleteAll(db)
            try CurvePointRecord.filter(CurvePointRecord.Columns.runID == id).deleteAll(db)
            for metric in metrics {
                var metric = metric
                (metric.id, metric.runID) = (nil, id)
                try metric.insert(db, onConflict: .replace)
            }
            for point in curves where point.x.isFinite && point.y.isFinite {
                var point = point
                (point.id, point.runID) = (nil, id)
                try point.insert(db, onConflict: .replace)
            }
            (run.status, run.startedAt, run.finishedAt, run.failure) = (status, startedAt, finishedAt, failure)
            try run.update(db)
        }
    }

    /// The shards merged into `run`, by shard index (empty for a run that is not a merge).
    public func mergedShards(run id: Int64) throws -> [MergedShardRecord] {
        try read(run: id) { db in
            try MergedShardRecord.filter(MergedShardRecord.Columns.runID == id)
                .order(MergedShardRecord.Columns.shardIndex).fetchAll(db)
        }
    }

    /// The shards merged into each of `ids` (only the runs that are merges appear).
    public func mergedShards(runs ids: [Int64]) throws -> [Int64: [MergedShardRecord]] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            Dictionary(grouping: try MergedShardRecord.filter(ids.contains(MergedShardRecord.Columns.runID))
                .order(MergedShardRecord.Columns.runID, MergedShardRecord.Columns.shardIndex).fetchAll(db), by: \.runID)
        }
    }
}
