// Schema: the versioned migrations of the results store.
//
// Rules for changing the schema:
// - never edit a registered migration; append a new one (a store keeps the list it was built with);
// - each migration ends by setting `PRAGMA user_version` to its position (1, 2, …), so that
//   `sqlite3 robust.db 'PRAGMA user_version'` tells the schema version without robust;
// - a store carrying a migration this binary does not know is refused (`newerSchema`), never touched.
import Foundation
import GRDB

public enum ResultSchema {
    /// `PRAGMA application_id` of every results store: "RBST". A file with another non-zero id,
    /// or with tables but no id, is a foreign database and is refused.
    public static let applicationID: Int32 = 0x5242_5354

    /// The migrations this binary knows, in order.
    public static var migrationIdentifiers: [String] { migrator.migrations }

    /// `PRAGMA user_version` after the last migration this binary knows: a store with a larger one was
    /// written by a newer robust, and is refused even when its migration table looks familiar.
    public static var userVersion: Int { migrator.migrations.count }

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs-examples-metrics-curves") { db in
            try createVersion1(db)
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        migrator.registerMigration("v2-audits-human-labels") { db in
            try createVersion2(db)
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        migrator.registerMigration("v3-merged-shards") { db in
            try createVersion3(db)
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        return migrator
    }()

    static func createVersion1(_ db: Database) throws {
        let kinds = RunKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let statuses = RunStatus.allCases.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let exampleStatuses = ExampleStatus.allCases.map { "'\($0.rawValue)'" }.joined(separator: ",")

        try db.create(table: "runs") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("kind", .text).notNull().check(sql: "kind IN (\(kinds))")
            t.column("status", .text).notNull().check(sql: "status IN (\(statuses))")
            t.column("model_hash", .text).notNull().defaults(to: "")
            t.column("data_hash", .text).notNull().defaults(to: "")
            t.column("recipe_hash", .text).notNull().defaults(to: "")
            t.column("seed", .integer).notNull().defaults(to: 0)
            t.column("git_commit", .text)
            t.column("robust_version", .text).notNull()
            t.column("command_line", .text).notNull().defaults(to: "")
            t.column("config_json", .text).notNull().defaults(to: "{}")
            t.column("started_at", .datetime).notNull()
            t.column("finished_at", .datetime)
            t.column("parent_run_id", .integer).references("runs", onDelete: .setNull)
            t.column("label", .text)
            t.column("failure", .text)
        }
        // `robust runs` filters: by date (newest first), kind + date, model hash prefix, status, parent.
        try db.create(index: "runs_by_started", on: "runs", columns: ["started_at"])
        try db.create(index: "runs_by_kind_started", on: "runs", columns: ["kind", "started_at"])
        try db.create(index: "runs_by_model", on: "runs", columns: ["model_hash"])
        try db.create(index: "runs_by_status", on: "runs", columns: ["status", "started_at"])
        try db.create(index: "runs_by_parent", on: "runs", columns: ["parent_run_id"])

        try db.create(table: "examples") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("recipe", .text).notNull()
            t.column("example_index", .integer).notNull().check(sql: "example_index >= 0")
            t.column("text", .text).notNull()
            t.column("gold", .text).notNull()
            t.column("clean_prediction", .text).notNull()
            t.column("adversarial_text", .text)
            t.column("adversarial_prediction", .text)
            t.column("status", .text).notNull().check(sql: "status IN (\(exampleStatuses))")
            t.column("queries", .integer).notNull().defaults(to: 0)
            t.column("words_changed", .integer).notNull().defaults(to: 0)
            t.column("words_total", .integer).notNull().defaults(to: 0)
            t.column("similarity", .double)
            t.column("milliseconds", .double).notNull().defaults(to: 0)
            t.column("detail_json", .text)
            // Also the index for resume (completed indices of a run and recipe) and per-run fetches.
            t.uniqueKey(["run_id", "recipe", "example_index"])
        }
        // `robust show`: successful attacks of a run with the fewest words changed.
        try db.create(index: "examples_by_outcome", on: "examples",
                      columns: ["run_id", "recipe", "status", "words_changed"])
        // `robust runs --recipe R`.
        try db.create(index: "examples_by_recipe", on: "examples", columns: ["recipe", "run_id"])

        try db.create(table: "metrics") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("recipe", .text).notNull()
            t.column("name", .text).notNull()
            t.column("value", .double).notNull()
            t.column("low", .double)
            t.column("high", .double)
            t.uniqueKey(["run_id", "recipe", "name"])
        }
        // `robust runs --recipe R` and cross-run queries of one metric.
        try db.create(index: "metrics_by_recipe", on: "metrics", columns: ["recipe", "name", "run_id"])

        try db.create(table: "curves") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("recipe", .text).notNull()
            t.column("curve", .text).notNull()
            t.column("x_name", .text).notNull()
            t.column("x", .double).notNull()
            t.column("y_name", .text).notNull()
            t.column("y", .double).notNull()
            // One y per x: re-recording a point (e.g. after a resume) replaces it.
            t.uniqueKey(["run_id", "recipe", "curve", "x"])
        }
    }

    /// Version 2: the validity audit of successful adversarial examples (one row per example, audit recipe
    /// and check, with the check's value) and people's labels of sampled pairs.
    static func createVersion2(_ db: Database) throws {
        // Which audit recipes a run was audited with: the recipe's text hash and what it was computed from
        // (label words, encoder), so a re-audit with a changed recipe is visible.
        try db.create(table: "audits") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("audit", .text).notNull()
            t.column("recipe_hash", .text).notNull()
            t.column("config_json", .text).notNull().defaults(to: "{}")
            t.column("audited_at", .datetime).notNull()
            t.uniqueKey(["run_id", "audit"])
        }
        try db.create(table: "audit_checks") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("recipe", .text).notNull()
            t.column("example_index", .integer).notNull().check(sql: "example_index >= 0")
            t.column("audit", .text).notNull()
            t.column("check_name", .text).notNull()
            t.column("value", .double).notNull()
            t.column("passed", .boolean).notNull()
            t.column("detail", .text)
            t.uniqueKey(["run_id", "recipe", "audit", "example_index", "check_name"])
        }
        try db.create(table: "human_labels") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("recipe", .text).notNull()
            t.column("example_index", .integer).notNull().check(sql: "example_index >= 0")
            t.column("annotator", .text).notNull().defaults(to: "")
            // 1: the adversarial text keeps the original's label; 0: it does not; NULL: not answered.
            t.column("same_label", .boolean)
            // 1: the adversarial text reads as natural text; 0: it does not; NULL: not answered.
            t.column("natural", .boolean)
            t.column("note", .text)
            t.column("source", .text).notNull().defaults(to: "")
            t.column("imported_at", .datetime).notNull()
            t.uniqueKey(["run_id", "recipe", "example_index", "annotator"])
        }
    }

    /// Version 3: the shards merged into a run (`robust merge`): one row per shard, naming the child run that
    /// keeps the shard's own record (its configuration, times, command line and own metrics), where it came from,
    /// and a digest of its rows, so merging it again changes nothing and a different copy of it is refused.
    static func createVersion3(_ db: Database) throws {
        try db.create(table: "shards") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("shard_index", .integer).notNull().check(sql: "shard_index >= 1")
            t.column("shard_count", .integer).notNull().check(sql: "shard_count >= shard_index")
            t.column("child_run_id", .integer).references("runs", onDelete: .setNull)
            t.column("source_path", .text).notNull()
            t.column("source_run_id", .integer).notNull()
            t.column("digest", .text).notNull()
            t.column("examples", .integer).notNull().defaults(to: 0)
            t.column("merged_at", .datetime).notNull()
            t.uniqueKey(["run_id", "shard_index"])
        }
    }
}
