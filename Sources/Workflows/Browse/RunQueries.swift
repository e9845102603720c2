// RunQueries: what `robust runs`, `show`, `compare`, `baseline save` and `gate` read from a results
// store (opened read-only: nothing is created or written; an older schema is migrated first), gathered in one place so the
// commands only print: `show` also gets each audit's verdicts (the reasons for invalidity) and the budget numbers
// per recipe. Also the gate's choice of run and baseline writing.
import Analysis
import Basics
import Foundation
import Results

public struct RunQueries {
    public let store: ResultStore

    /// Opens the store at `path` for reading only. A store from an older robust (a schema migration
    /// pending) is first upgraded in place, as any recording command would (migrations only add tables);
    /// when the file cannot be written, the one-line "older schema" error stands.
    public init(database path: String) throws {
        store = try UserError.wrapping {
            do {
                return try ResultStore(path: path, access: .readOnly)
            } catch ResultStoreError.needsUpgrade(let path, let pending) {
                do {
                    _ = try ResultStore(path: path, access: .existing)
                } catch let error as ResultStoreError {
                    // A file robust may not write keeps the "older schema" message; a damaged one says so.
                    switch error {
                    case .readOnly, .cannotOpen, .locked:
                        throw ResultStoreError.needsUpgrade(path: path, pendingMigrations: pending)
                    default:
                        throw error
                    }
                }
                return try ResultStore(path: path, access: .readOnly)
            }
        }
    }

    /// `running`, `abandoned` (its process is gone) or the stored status.
    public func displayStatus(_ run: RunRecord) -> String { store.displayStatus(run) }
    public func isAbandoned(_ run: RunRecord) -> Bool { store.isAbandoned(run) }

    public struct Listing {
        public var runs: [RunRecord]
        public var recipes: [Int64: [String]]
        public var metrics: [Int64: [MetricRecord]]
        /// The shards merged into each merged run listed, and for each shard's child run its `shards` row.
        public var shards: [Int64: [MergedShardRecord]] = [:]
        public var shardOfChild: [Int64: MergedShardRecord] = [:]
    }

    /// Runs matching `filter`, newest first, with their recipes and metrics.
    public func list(_ filter: RunFilter, limit: Int?) throws -> Listing {
        try UserError.wrapping {
            let runs = try store.runs(matching: filter, limit: limit)
            let ids = runs.map(\.runID)
            var listing = Listing(runs: runs, recipes: try store.recipes(ofRuns: ids), metrics: try store.metrics(runs: ids))
            listing.shards = try store.mergedShards(runs: ids)
            let parents = Set(runs.compactMap(\.parentRunID))
            for rows in try store.mergedShards(runs: Array(parents)).values {
                for row in rows { if let child = row.childRunID { listing.shardOfChild[child] = row } }
            }
            return listing
        }
    }

    /// A run's status as listings show it: a merged run's shards ("merged 4/4 shards", or partial with the
    /// missing ones named), a shard's child run ("shard 2/4 of run 7"), else `displayStatus`.
    public func displayStatus(_ run: RunRecord, in listing: Listing) -> String {
        if let row = listing.shardOfChild[run.runID] { return "shard \(row.shardIndex)/\(row.shardCount) of run \(row.runID)" }
        if let rows = listing.shards[run.runID], let count = rows.first?.shardCount {
            let merged = Set(rows.map(\.shardIndex))
            let missing = (1...count).filter { !merged.contains($0) }
            return missing.isEmpty ? "\(displayStatus(run)) (\(count) shards)"
                : "partial: \(merged.count)/\(count) shards, missing \(ShardList.text(missing))"
        }
        return displayStatus(run)
    }

    public struct Details {
        public var run: RunRecord
        /// Every recipe of the run, and the ones shown (all, or the one asked for).
        public var allRecipes: [String]
        public var recipes: [String]
        public var counts: [String: [ExampleStatus: Int]]
        public var metrics: [MetricRecord]
        public var curves: [CurvePointRecord]
        /// Per recipe: successful attacks with the fewest words changed.
        public var telling: [String: [ExampleRecord]]
        /// Per recipe shown: each audit's verdicts on its successful attacks, from the stored check values
        /// (default audit first, then by name; no entry for a recipe that was not audited).
        public var verdicts: [String: [AuditVerdicts]] = [:]
        /// Per recipe shown: the stored budget numbers (raw, then each audit's valid ones).
        public var budget: [String: [BudgetMetrics.Row]] = [:]
        /// The shards merged into the run (empty unless it is a merge).
        public var shards: [MergedShardRecord] = []

        /// "3 of 4 merged (missing 2): 1 from a.db run 1 (run 5), …", or nil for a run that is not a merge.
        public var shardLine: String? {
            guard let count = shards.first?.shardCount else { return nil }
            let merged = Set(shards.map(\.shardIndex))
            let missing = (1...count).filter { !merged.contains($0) }
            return "\(merged.count) of \(count) merged" + (missing.isEmpty ? "" : " (missing \(ShardList.text(missing)))") + ": "
                + shards.map { "\($0.shardIndex) from \($0.sourcePath) run \($0.sourceRunID)" + ($0.childRunID.map { " (run \($0))" } ?? "") }
                    .joined(separator: ", ")
        }
    }

    /// One run, or one recipe of it, with `examples` telling examples per recipe.
    public func details(run id: Int64, recipe: String?, examples: Int) throws -> Details {
        let (run, counts, stored, metrics, curves) = try UserError.wrapping {
            (try store.run(id), try store.exampleCounts(run: id), try store.recipes(ofRun: id),
             MetricName.sorted(try store.metrics(run: id, recipe: recipe)), try store.curves(run: id, recipe: recipe))
        }
        // SQLite keeps names apart by their bytes, Swift's String equality by canonical equivalence ("café"
        // composed and decomposed are one name here, two there): each name once.
        var seen = Set<String>()
        let allRecipes = stored.filter { seen.insert($0).inserted }
        var recipes = allRecipes
        if let recipe {
            guard allRecipes.contains(recipe) else {
                throw UserError("run \(id) has no recipe '\(recipe)'\(allRecipes.isEmpty ? "" : " (it has: \(allRecipes.joined(separator: ", ")))")")
            }
            recipes = [recipe]
        }
        let (telling, checks) = try UserError.wrapping {
            (try Dictionary(uniqueKeysWithValues: recipes.map { ($0, try store.tellingExamples(run: id, recipe: $0, limit: examples)) }),
             Dictionary(grouping: try store.auditChecks(run: id, recipe: recipe), by: \.recipe))
        }
        var details = Details(run: run, allRecipes: allRecipes, recipes: recipes, counts: counts, metrics: metrics, curves: curves,
                              telling: telling)
        details.shards = try UserError.wrapping { try store.mergedShards(run: id) }
        let metricsByRecipe = Dictionary(grouping: metrics, by: \.recipe)
        for name in recipes {
            if let recipeChecks = checks[name], !recipeChecks.isEmpty { details.verdicts[name] = AuditVerdicts.all(recipeChecks) }
            let rows = BudgetMetrics.rows(from: metricsByRecipe[name] ?? [])
            if !rows.isEmpty { details.budget[name] = rows }
        }
        return details
    }

    /// Two runs' metrics side by side per recipe, with McNemar's test on shared examples.
    public func compare(_ a: Int64, _ b: Int64) throws -> (a: RunRecord, b: RunRecord, rows: [ComparisonRow]) {
        try UserError.wrapping {
            let runA = try store.run(a), runB = try store.run(b)
            let rows = Comparison.compare(aMetrics: try store.metrics(run: a), aExamples: try store.examples(run: a),
                                          bMetrics: try store.metrics(run: b), bExamples: try store.examples(run: b))
            return (runA, runB, rows)
        }
    }

    /// A baseline of a finished run: every metric with its tolerance, and per-example outcomes.
    public func baseline(run id: Int64, tolerance: Double, description: String?) throws -> Baseline {
        try UserError.wrapping {
            let record = try store.run(id)
            guard record.status == .finished else {
                throw UserError("run \(id) is \(store.displayStatus(record)), not finished; save a baseline from a finished run")
            }
            let metrics = try store.metrics(run: id)
            guard metrics.contains(where: { $0.name != MetricName.examples }) else {
                throw UserError("run \(id) has no metrics to save")
            }
            return Baseline.make(run: record, metrics: metrics, examples: try store.examples(run: id),
                                 tolerance: tolerance, description: description)
        }
    }

    /// The gate's verdict on `run` (default: the latest finished run with metrics for every recipe of
    /// the baseline).
    public func gate(_ expected: Baseline, baselinePath: String, run: Int64?, alpha: Double) throws -> GateReport {
        let runID = try run ?? latestRun(matching: expected)
        let record = try store.run(runID)
        guard record.status == .finished else {
            throw UserError("run \(runID) is \(store.displayStatus(record)), not finished; the gate checks finished runs")
        }
        return Gate.evaluate(baseline: expected, baselinePath: baselinePath, runID: runID,
                             metrics: try store.metrics(run: runID), examples: try store.examples(run: runID), alpha: alpha)
    }

    private func latestRun(matching expected: Baseline) throws -> Int64 {
        let candidates = try store.runs(matching: RunFilter(kind: expected.sourceRun.kind, status: .finished))
        // A merged shard's own record is not a run to gate: its merged run is.
        let shardChildren = Set(try store.mergedShards(runs: Array(Set(candidates.compactMap(\.parentRunID)))).values
            .flatMap { $0.compactMap(\.childRunID) })
        let needed = Set(expected.recipes)
        for candidate in candidates where !shardChildren.contains(candidate.runID) {
            let metrics = try store.metrics(run: candidate.runID)
            if needed.isSubset(of: Set(metrics.map(\.recipe))) { return candidate.runID }
        }
        throw UserError("no finished \(expected.sourceRun.kind.rawValue) run in \(store.path) has metrics for "
                        + "\(expected.recipes.joined(separator: ", ")); give the RUN to check")
    }
}
