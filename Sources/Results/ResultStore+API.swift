// ResultStore+API: runs, examples, metrics and curves — recording and querying.
import Basics
import Foundation
import GRDB

/// Which runs `ResultStore.runs(matching:)` returns. Every set field must match.
public struct RunFilter: Sendable, Equatable {
    public var kind: RunKind?
    /// The model hash starts with this (hex, any length).
    public var modelHashPrefix: String?
    /// The run has examples or metrics for this recipe.
    public var recipe: String?
    /// The run started at or after this moment.
    public var since: Date?
    public var status: RunStatus?
    public var label: String?

    public init(kind: RunKind? = nil, modelHashPrefix: String? = nil, recipe: String? = nil, since: Date? = nil,
                status: RunStatus? = nil, label: String? = nil) {
        self.kind = kind
        self.modelHashPrefix = modelHashPrefix
        self.recipe = recipe
        self.since = since
        self.status = status
        self.label = label
    }
}

extension ResultStore {
    // MARK: - Runs

    /// Records the start of a run: inserts `run` with status `running`, `startedAt` now and no
    /// `finishedAt`, and returns it with its id.
    @discardableResult
    public func beginRun(_ run: RunRecord) throws -> RunRecord {
        var run = run
        run.id = nil
        run.status = .running
        run.startedAt = Date()
        run.finishedAt = nil
        run.failure = nil
        let parent = run.parentRunID
        return try write(run: parent) { db in
            try run.insert(db)
            return run
        }
    }

    /// Marks an interrupted, failed or killed run as running again, for `--resume`. A finished run
    /// cannot be resumed.
    @discardableResult
    public func resumeRun(_ id: Int64) throws -> RunRecord {
        try write(run: id) { db in
            guard var run = try RunRecord.fetchOne(db, key: id) else { throw ResultStoreError.noSuchRun(id: id, path: path) }
            if run.status == .finished {
                throw ResultStoreError.invalidRequest(path: path, detail: "run \(id) already finished; start a new run instead of resuming it")
            }
            run.status = .running
            run.finishedAt = nil
            run.failure = nil
            try run.update(db)
            return run
        }
    }

    /// Ends a run: `finished`, `failed` or `interrupted`, with the moment and (for the last two) why.
    public func markRun(_ id: Int64, status: RunStatus, failure: String? = nil) throws {
        try write(run: id) { db in
            guard var run = try RunRecord.fetchOne(db, key: id) else { throw ResultStoreError.noSuchRun(id: id, path: path) }
            run.status = status
            run.finishedAt = status == .running ? nil : Date()
            run.failure = failure.map { UserError.oneLine($0) }
            try run.update(db)
        }
    }

    /// Sets or clears a run's label.
    public func setLabel(_ label: String?, run id: Int64) throws {
        try write(run: id) { db in
            guard var run = try RunRecord.fetchOne(db, key: id) else { throw ResultStoreError.noSuchRun(id: id, path: path) }
            run.label = label
            try run.update(db)
        }
    }

    /// The run with this id; throws `noSuchRun` when there is none.
    public func run(_ id: Int64) throws -> RunRecord {
        try read(run: id) { db in
            guard let run = try RunRecord.fetchOne(db, key: id) else { throw ResultStoreError.noSuchRun(id: id, path: path) }
            return run
        }
    }

    /// Runs matching `filter`, newest first (by start time, then id).
    public func runs(matching filter: RunFilter = RunFilter(), limit: Int? = nil) throws -> [RunRecord] {
        try read { db in
            var request = RunRecord.all()
            if let kind = filter.kind { request = request.filter(RunRecord.Columns.kind == kind) }
            if let status = filter.status { request = request.filter(RunRecord.Columns.status == status) }
            if let label = filter.label { request = request.filter(RunRecord.Columns.label == label) }
            if let since = filter.since { request = request.filter(RunRecord.Columns.startedAt >= since) }
            if let prefix = filter.modelHashPrefix, !prefix.isEmpty {
                // A range, so that the model_hash index serves it: prefix ≤ hash < prefix + U+10FFFF.
                request = request.filter(RunRecord.Columns.modelHash >= prefix
                                         && RunRecord.Columns.modelHash < prefix + "\u{10FFFF}")
            }
            if let recipe = filter.recipe {
                request = request.filter(sql: """
                    id IN (SELECT run_id FROM metrics WHERE recipe = ? UNION SELECT run_id FROM examples WHERE recipe = ?)
                    """, arguments: [recipe, recipe])
            }
            request = request.order(RunRecord.Columns.startedAt.desc, RunRecord.Columns.id.desc)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// The recipes a run has examples, metrics or curves for, sorted.
    public func recipes(ofRun id: Int64) throws -> [String] {
        try read(run: id) { db in
            try String.fetchAll(db, sql: """
                SELECT recipe FROM metrics WHERE run_id = ? UNION SELECT recipe FROM examples WHERE run_id = ?
                UNION SELECT recipe FROM curves WHERE run_id = ?
                ORDER BY recipe
                """, arguments: [id, id, id])
        }
    }

    // MARK: - Examples

    /// Records one finished example in its own transaction, committed before this returns, so a
    /// killed run keeps it. Recording the same (run, recipe, example index) again replaces the row.
    public func recordExample(_ example: ExampleRecord) throws {
        let delay = options.transactionDelayForTesting
        try write(run: example.runID) { db in
            var example = example
            example.id = nil
            try example.insert(db, onConflict: .replace)
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        }
    }

    /// Records examples in one transaction (each replacing a row of the same run, recipe and example index).
    public func recordExamples(_ examples: [ExampleRecord]) throws {
        guard let first = examples.first else { return }
        try write(run: first.runID) { db in
            for example in examples {
                var example = example
                example.id = nil
                try example.insert(db, onConflict: .replace)
            }
        }
    }

    /// The example indices of `recipe` that `run` has already recorded: a resumed run skips them.
    public func completedExampleIndices(run id: Int64, recipe: String) throws -> Set<Int> {
        try read(run: id) { db in
            try requireRun(id, db)
            return Set(try Int.fetchAll(db, sql: "SELECT example_index FROM examples WHERE run_id = ? AND recipe = ?",
                                        arguments: [id, recipe]))
        }
    }

    /// A run's examples (of one recipe, or all), by recipe then example index.
    public func examples(run id: Int64, recipe: String? = nil) throws -> [ExampleRecord] {
        try read(run: id) { db in
            try requireRun(id, db)
            var request = ExampleRecord.filter(ExampleRecord.Columns.runID == id)
            if let recipe { request = request.filter(ExampleRecord.Columns.recipe == recipe) }
            return try request.order(ExampleRecord.Columns.recipe, ExampleRecord.Columns.exampleIndex).fetchAll(db)
        }
    }

    /// The most telling examples of a run's recipe: successful attacks with the fewest words changed
    /// (then the fewest queries, then the lowest index).
    public func tellingExamples(run id: Int64, recipe: String, limit: Int) throws -> [ExampleRecord] {
        try read(run: id) { db in
            try requireRun(id, db)
            return try ExampleRecord
                .filter(ExampleRecord.Columns.runID == id && ExampleRecord.Columns.recipe == recipe
                        && ExampleRecord.Columns.status == ExampleStatus.success)
                .order(ExampleRecord.Columns.wordsChanged, ExampleRecord.Columns.queries, ExampleRecord.Columns.exampleIndex)
                .limit(limit)
                .fetchAll(db)
        }
    }

    /// How many examples of each status a run has, per recipe.
    public func exampleCounts(run id: Int64) throws -> [String: [ExampleStatus: Int]] {
        try read(run: id) { db in
            try requireRun(id, db)
            let rows = try Row.fetchAll(db, sql: """
                SELECT recipe, status, COUNT(*) AS n FROM examples WHERE run_id = ? GROUP BY recipe, status
                """, arguments: [id])
            var counts: [String: [ExampleStatus: Int]] = [:]
            // `try row.decode`, not `row["…"]`: GRDB's subscript traps on a value it cannot decode (a NULL
            // in a damaged file), the throwing form makes it a ResultStoreError.
            for row in rows {
                guard let status = ExampleStatus(rawValue: try row.decode(String.self, forColumn: "status")) else { continue }
                // `+=`: recipe names SQLite keeps apart may be one Swift string (composed and decomposed accents).
                counts[try row.decode(String.self, forColumn: "recipe"), default: [:]][status, default: 0] += try row.decode(Int.self, forColumn: "n")
            }
            return counts
        }
    }

    // MARK: - Metrics

    /// Records metrics in one transaction; a metric already stored under the same (run, recipe, name)
    /// is replaced. Non-finite values are refused.
    public func recordMetrics(_ metrics: [MetricRecord]) throws {
        guard !metrics.isEmpty else { return }
        for metric in metrics where !metric.value.isFinite {
            throw ResultStoreError.invalidRequest(path: path, detail: "metric \(metric.recipe)/\(metric.name) is \(metric.value), not a finite number")
        }
        try write(run: metrics[0].runID) { db in
            for metric in metrics {
                var metric = metric
                metric.id = nil
                try metric.insert(db, onConflict: .replace)
            }
        }
    }

    public func recordMetric(run: Int64, recipe: String, name: String, value: Double, low: Double? = nil,
                             high: Double? = nil) throws {
        try recordMetrics([MetricRecord(runID: run, recipe: recipe, name: name, value: value, low: low, high: high)])
    }

    /// A run's metrics (of one recipe, or all), by recipe then name.
    public func metrics(run id: Int64, recipe: String? = nil) throws -> [MetricRecord] {
        try read(run: id) { db in
            try requireRun(id, db)
            var request = MetricRecord.filter(MetricRecord.Columns.runID == id)
            if let recipe { request = request.filter(MetricRecord.Columns.recipe == recipe) }
            return try request.order(MetricRecord.Columns.recipe, MetricRecord.Columns.name).fetchAll(db)
        }
    }

    /// Metrics of many runs at once, grouped by run id.
    public func metrics(runs ids: [Int64]) throws -> [Int64: [MetricRecord]] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            let rows = try MetricRecord.filter(ids.contains(MetricRecord.Columns.runID))
                .order(MetricRecord.Columns.runID, MetricRecord.Columns.recipe, MetricRecord.Columns.name)
                .fetchAll(db)
            return Dictionary(grouping: rows, by: \.runID)
        }
    }

    /// Recipes of many runs at once (from examples, metrics and curves), grouped by run id.
    public func recipes(ofRuns ids: [Int64]) throws -> [Int64: [String]] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            let list = ids.map(String.init).joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT run_id, recipe FROM metrics WHERE run_id IN (\(list))
                UNION SELECT run_id, recipe FROM examples WHERE run_id IN (\(list))
                UNION SELECT run_id, recipe FROM curves WHERE run_id IN (\(list))
                ORDER BY run_id, recipe
                """)
            var result: [Int64: [String]] = [:]
            for row in rows {
                result[try row.decode(Int64.self, forColumn: "run_id"), default: []].append(try row.decode(String.self, forColumn: "recipe"))
            }
            return result
        }
    }

    // MARK: - Curves

    /// Records curve points in one transaction; a point at an x already stored for the same (run,
    /// recipe, curve) is replaced.
    public func recordCurvePoints(_ points: [CurvePointRecord]) throws {
        guard !points.isEmpty else { return }
        for point in points where !(point.x.isFinite && point.y.isFinite) {
            throw ResultStoreError.invalidRequest(path: path, detail: "curve \(point.recipe)/\(point.curve) has a non-finite point (\(point.x), \(point.y))")
        }
        try write(run: points[0].runID) { db in
            for point in points {
                var point = point
                point.id = nil
                try point.insert(db, onConflict: .replace)
            }
        }
    }

    /// A run's curve points (optionally of one recipe and/or curve), by recipe, curve, then x.
    public func curves(run id: Int64, recipe: String? = nil, curve: String? = nil) throws -> [CurvePointRecord] {
        try read(run: id) { db in
            try requireRun(id, db)
            var request = CurvePointRecord.filter(CurvePointRecord.Columns.runID == id)
            if let recipe { request = request.filter(CurvePointRecord.Columns.recipe == recipe) }
            if let curve { request = request.filter(CurvePointRecord.Columns.curve == curve) }
            return try request.order(CurvePointRecord.Columns.recipe, CurvePointRecord.Columns.curve,
                                     CurvePointRecord.Columns.x).fetchAll(db)
        }
    }

    private func requireRun(_ id: Int64, _ db: Database) throws {
        guard try RunRecord.exists(db, key: id) else { throw ResultStoreError.noSuchRun(id: id, path: path) }
    }
}
