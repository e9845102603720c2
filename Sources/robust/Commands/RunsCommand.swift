// RunsCommand: `robust runs` lists the runs in the results database, filtered by kind, model, recipe, date and
// status. Also the pieces the results commands share (the --db option, tables, dates, JSON of a run).
import Analysis
import Basics
import ArgumentParser
import Foundation
import Results
import Workflows

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the recorded runs, newest first, with their headline metrics.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "Only runs of this kind: \(RunKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?

    @Option(help: ArgumentHelp("Only runs whose model hash starts with this.", valueName: "PREFIX"))
    var model: String?

    @Option(help: "Only runs with examples or metrics for this recipe.")
    var recipe: String?

    @Option(help: ArgumentHelp("Only runs started on or after this day (local time).", valueName: "YYYY-MM-DD"))
    var since: String?

    @Option(help: "Only runs with this status: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
    var status: String?

    @Option(help: "Show at most this many runs.")
    var limit: Int?

    @Flag(help: "Print a JSON array of runs, with their recipes and metrics.")
    var json = false

    @Option(name: .customLong("shards"), parsing: .upToNextOption,
            help: ArgumentHelp("Instead: the progress and ETA of each shard of a sharded run, from its database.", valueName: "SHARD.db"))
    var shardDatabases: [String] = []

    func validate() throws {
        if let kind, RunKind(rawValue: kind) == nil {
            throw ValidationError("--kind must be one of \(RunKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let status, RunStatus(rawValue: status) == nil {
            throw ValidationError("--status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let since, ResultsCLI.parseDay(since) == nil { throw ValidationError("--since must be a date as YYYY-MM-DD, not '\(since)'") }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        if !shardDatabases.isEmpty { return try showShards() }
        let store = try database.queries()
        let filter = RunFilter(kind: kind.flatMap(RunKind.init(rawValue:)), modelHashPrefix: model, recipe: recipe,
                               since: since.flatMap(ResultsCLI.parseDay), status: status.flatMap(RunStatus.init(rawValue:)))
        let listing = try store.list(filter, limit: limit)
        let (runs, recipes, metrics) = (listing.runs, listing.recipes, listing.metrics)
        if json {
            try JSONOutput.print(runs.map { run -> [String: Any] in
                var object = ResultsCLI.json(run, recipes: recipes[run.runID] ?? [], metrics: metrics[run.runID] ?? [],
                                             abandoned: store.isAbandoned(run))
                if let rows = listing.shards[run.runID], let count = rows.first?.shardCount {
                    let merged = rows.map(\.shardIndex)
                    object["shards"] = ["count": count, "merged": merged, "missing": (1...count).filter { !merged.contains($0) },
                                        "children": rows.compactMap(\.childRunID)]
                }
                if let row = listing.shardOfChild[run.runID] {
                    object["shard"] = ["index": row.shardIndex, "count": row.shardCount, "merged_into": row.runID,
                                       "source": row.sourcePath, "source_run": row.sourceRunID]
                }
                return object
            })
            return
        }
        if runs.isEmpty {
            print("no runs in \(store.store.path)\(filter == RunFilter() ? "" : " match these filters")")
            return
        }
        let rows = runs.map { run -> [String] in
            [String(run.runID), run.kind.rawValue, store.displayStatus(run, in: listing), ResultsCLI.minute(run.startedAt),
             ResultsCLI.shortHash(run.modelHash), (recipes[run.runID] ?? []).joined(separator: ","),
             ResultsCLI.headline(metrics[run.runID] ?? [])]
        }
        print(TextTable.render(header: ["ID", "KIND", "STATUS", "STARTED", "MODEL", "RECIPES", "HEADLINE"], rows: rows,
                               rightAligned: [0]), terminator: "")
    }
}

extension RunsCommand {
    /// `--shards`: one row per shard database, then the whole run's.
    func showShards() throws {
        let progress = ShardProgress.read(shardDatabases)
        func eta(_ seconds: Double?) -> String { seconds.map { $0 == 0 ? "—" : ResultsCLI.duration($0) } ?? "?" }
        func percent(_ done: Int, _ total: Int) -> String { total > 0 ? String(format: "%.0f%%", 100 * Double(done) / Double(total)) : "—" }
        if json {
            var shards: [[String: Any]] = []
            for shard in progress.shards {
                var object: [String: Any] = ["path": shard.path, "status": shard.status, "done": shard.done, "total": shard.total,
                                             "seconds": shard.seconds]
                object["run"] = shard.runID.map { $0 as Any } ?? NSNull()
                object["shard"] = shard.index.map { $0 as Any } ?? NSNull()
                object["count"] = shard.count.map { $0 as Any } ?? NSNull()
                object["eta_seconds"] = shard.eta.map { $0 as Any } ?? NSNull()
                shards.append(object)
            }
            var whole: [String: Any] = ["shards": shards, "done": progress.done, "total": progress.total,
                                        "missing_shards": progress.missingShards]
            whole["eta_seconds"] = progress.eta.map { $0 as Any } ?? NSNull()
            try JSONOutput.print(whole)
            return
        }
        var rows: [[String]] = []
        for shard in progress.shards {
            let name: String = shard.index.map { "\($0)/\(shard.count ?? 0)" } ?? "?"
            let run: String = shard.runID.map { String($0) } ?? "—"
            let attacked: String = shard.total > 0 ? "\(shard.done)/\(shard.total)" : "—"
            let rate: String = shard.rate.map { String(format: "%.2f/s", $0) } ?? "—"
            rows.append([name, shard.path, run, shard.status, attacked, percent(shard.done, shard.total), rate, eta(shard.eta)])
        }
        rows.append(["all", "", "", progress.missingShards.isEmpty ? "" : "shards \(ShardList.text(progress.missingShards)) not listed",
                     "\(progress.done)/\(progress.total)", percent(progress.done, progress.total), "", eta(progress.eta)])
        print(TextTable.render(header: ["SHARD", "DATABASE", "RUN", "STATUS", "ATTACKED", "DONE", "RATE", "ETA"], rows: rows,
                               rightAligned: [2, 4, 5, 6]), terminator: "")
    }
}

/// Formatting shared by the results commands.
enum ResultsCLI {
    /// Whether stdout is a terminal that takes colour (and NO_COLOR is not set).
    static var colourOnStdout: Bool {
        let environment = ProcessInfo.processInfo.environment
        return isatty(STDOUT_FILENO) != 0 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }

    static func shortHash(_ hash: String) -> String { hash.isEmpty ? "—" : String(hash.prefix(12)) }

    private static func formatter(_ format: String, utc: Bool = false) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = utc ? TimeZone(identifier: "UTC") : TimeZone.current
        formatter.dateFormat = format
        return formatter
    }

    static func minute(_ date: Date) -> String { formatter("yyyy-MM-dd HH:mm").string(from: date) }
    static func second(_ date: Date) -> String { formatter("yyyy-MM-dd HH:mm:ss").string(from: date) }
    static func iso(_ date: Date) -> String { formatter("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", utc: true).string(from: date) }

    /// Midnight (local time) at the start of a YYYY-MM-DD day.
    static func parseDay(_ text: String) -> Date? {
        let formatter = formatter("yyyy-MM-dd")
        formatter.isLenient = false
        guard text.count == 10, let date = formatter.date(from: text) else { return nil }
        return date
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", (total % 3600) / 60))m"
    }

    /// The few metrics that say most about a run: clean accuracy, then accuracy under each attack (with the
    /// accuracy under valid attack of the default audit beside it, where stored).
    static func headline(_ metrics: [MetricRecord]) -> String {
        var parts: [String] = []
        let clean = metrics.first { $0.name == MetricName.cleanAccuracy && $0.recipe == "clean" }
            ?? metrics.first { $0.name == MetricName.cleanAccuracy }
        if let clean { parts.append("clean acc \(ResultFormat.value(clean.value))") }
        for metric in metrics where metric.name == MetricName.accuracyUnderAttack {
            let valid = metrics.first { $0.recipe == metric.recipe && $0.name == MetricName.accuracyUnderValidAttack }
            parts.append("\(metric.recipe) acc \(ResultFormat.value(metric.value))"
                         + (valid.map { " (valid \(ResultFormat.value($0.value)))" } ?? ""))
        }
        if parts.isEmpty {
            parts = metrics.filter { $0.name != MetricName.examples }.prefix(2)
                .map { "\($0.recipe == "clean" || $0.recipe.isEmpty ? "" : $0.recipe + " ")\($0.name) \(ResultFormat.value($0.value))" }
        }
        if parts.count > 4 { parts = Array(parts.prefix(4)) + ["…"] }
        return parts.joined(separator: " · ")
    }

    static func json(_ metric: MetricRecord) -> [String: Any] {
        ["recipe": metric.recipe, "name": metric.name, "value": metric.value,
         "low": metric.low ?? NSNull(), "high": metric.high ?? NSNull()]
    }

    /// `abandoned`: marked running, but the process recording it is gone (`ResultStore.isAbandoned`).
    static func json(_ run: RunRecord, recipes: [String], metrics: [MetricRecord], abandoned: Bool = false) -> [String: Any] {
        ["id": run.runID, "kind": run.kind.rawValue, "status": run.status.rawValue, "abandoned": abandoned,
         "model_hash": run.modelHash, "data_hash": run.dataHash, "recipe_hash": run.recipeHash, "seed": run.seed,
         "git_commit": run.gitCommit ?? NSNull(), "robust_version": run.robustVersion, "command_line": run.commandLine,
         "config": (try? JSONSerialization.jsonObject(with: Data(run.configJSON.utf8), options: [.fragmentsAllowed])) ?? run.configJSON,
         "started_at": iso(run.startedAt), "finished_at": run.finishedAt.map(iso) ?? NSNull(),
         "parent_run_id": run.parentRunID ?? NSNull(), "label": run.label ?? NSNull(), "failure": run.failure ?? NSNull(),
         "recipes": recipes, "metrics": metrics.map(json)]
    }

    static func json(_ test: McNemarResult?) -> Any {
        guard let test else { return NSNull() }
        return ["pairs": test.pairs, "a_only_correct": test.onlyA, "b_only_correct": test.onlyB, "p_value": test.pValue]
    }
}
