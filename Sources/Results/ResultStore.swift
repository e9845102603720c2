// ResultStore: the SQLite results database (GRDB DatabasePool in WAL mode) — where it lives, how it is
// opened and checked, and how every write is committed (immediate transactions, busy timeout, retries).
import Basics
import Foundation
import GRDB

/// Where the results database lives.
public enum ResultStoreLocation {
    /// The environment variable that names the database when `--db` is not given.
    public static let environmentVariable = "ROBUST_DB"
    /// The default file, relative to the working directory (git ignores `/robust.db*`).
    public static let defaultPath = "robust.db"

    /// The database path, by this rule (first match wins):
    /// 1. `--db PATH` (`option`), when given and not empty;
    /// 2. `$ROBUST_DB`, when set and not empty;
    /// 3. `robust.db` in the working directory.
    /// A relative path is relative to the working directory. The path is returned as given, so that
    /// messages show it as the user wrote it.
    public static func resolve(option: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultPath
    }
}

/// The results store. Safe to share between threads; several processes may use the same file at once.
///
/// Durability: every `record…` call is its own immediate transaction, committed before it returns, so
/// a process killed at any moment loses only the example it was writing. SQLite runs in WAL mode with
/// `synchronous = NORMAL` (a commit survives a process crash; an OS crash or power cut may lose the
/// last commits but never corrupts the file).
public final class ResultStore: Sendable {
    public enum Access: Sendable {
        /// Read and write; create the file (and migrate it) when it does not exist.
        case create
        /// Read and write an existing store (migrating it when this binary knows newer migrations).
        case existing
        /// Only read an existing store; nothing is ever written (no migration either).
        case readOnly
    }

    public struct Options: Sendable {
        /// How long a connection waits for another connection's lock before SQLite gives up.
        public var busyTimeout: TimeInterval = 10
        /// How many times a write (or read) that still met SQLITE_BUSY is retried, with a short pause.
        public var busyRetries: Int = 3
        /// Caps the file at this many pages (SQLite's `max_page_count`): writes beyond it fail as a
        /// full disk would. For quotas and for tests of the full-disk path.
        public var maxPageCount: Int? = nil
        /// Fault injection for tests: sleep this long inside each example's transaction, before it commits.
        public var transactionDelayForTesting: TimeInterval = 0
        public init(busyTimeout: TimeInterval = 10, busyRetries: Int = 3, maxPageCount: Int? = nil,
                    transactionDelayForTesting: TimeInterval = 0) {
            self.busyTimeout = busyTimeout
            self.busyRetries = busyRetries
            self.maxPageCount = maxPageCount
            self.transactionDelayForTesting = transactionDelayForTesting
        }
    }

    /// The database path as given.
    public let path: String
    public let access: Access
    public let options: Options
    let writer: any DatabaseWriter

    /// Opens (and, unless read-only, creates and migrates) the store at `path`.
    /// Throws a `ResultStoreError` for a missing, locked, foreign, corrupt, newer or unwritable file.
    public init(path: String, access: Access = .create, options: Options = Options()) throws {
        self.path = path
        self.access = access
        self.options = options
        // Another process may be creating or migrating the same file right now: opening (which
        // switches a new file to WAL) and migrating are retried while they meet its locks, until
        // the busy timeout has passed.
        let started = Date()
        func mayRetry(_ error: Error) -> Bool {
            guard let error = error as? DatabaseError, error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED else {
                return false
            }
            Thread.sleep(forTimeInterval: 0.02 + Double.random(in: 0..<0.05))
            return Date().timeIntervalSince(started) < options.busyTimeout
        }
        var opened: (any DatabaseWriter)?
        while opened == nil {
            do {
                try Self.checkFile(path: path, access: access, options: options)
                opened = try Self.openWriter(path: path, access: access, options: options)
            } catch where mayRetry(error) {
                continue
            } catch {
                throw ResultStoreError.from(error, path: path, waited: Date().timeIntervalSince(started))
            }
        }
        writer = opened!
        while true {
            do {
                try Self.prepareSchema(writer: writer, path: path, access: access)
                break
            } catch where mayRetry(error) {
                continue
            } catch {
                // The migrator reads which migrations are applied before its own transaction begins,
                // so a process that lost the race to migrate fails ("table already exists") after the
                // winner committed. The schema is then complete, which is all that was wanted.
                if error is DatabaseError, (try? writer.read({ try ResultSchema.migrator.hasCompletedMigrations($0) })) == true {
                    break
                }
                // Lost the race part-way: the winner had committed some migrations but not yet all (each is its own
                // transaction), so this one's list was stale. Read it again until the winner is done.
                if let database = error as? DatabaseError, database.message?.contains("already exists") == true,
                   Date().timeIntervalSince(started) < options.busyTimeout {
                    Thread.sleep(forTimeInterval: 0.02 + Double.random(in: 0..<0.05))
                    continue
                }
                throw ResultStoreError.from(error, path: path, waited: Date().timeIntervalSince(started))
            }
        }
    }

    /// The schema migrations applied to this store, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try ResultSchema.migrator.appliedMigrations(db) }
    }

    /// `PRAGMA integrity_check` ("ok" when the file is sound).
    public func integrityCheck() throws -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    // MARK: - Opening

    private static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// Checks the file before any connection can change it: presence, SQLite header, our application
    /// id, and a schema this binary knows. A foreign file is refused here, untouched (opening it as a
    /// pool would switch it to WAL mode).
    private static func checkFile(path: String, access: Access, options: Options) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue { throw ResultStoreError.cannotOpen(path: path, reason: "it is a folder") }
        if !exists {
            if access != .create { throw ResultStoreError.missing(path: path) }
            return
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ResultStoreError.cannotOpen(path: path, reason: "the file cannot be read")
        }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        if head.isEmpty { return }   // an empty file is an empty database: it becomes a new store
        guard Array(head) == sqliteHeader else { throw ResultStoreError.notADatabase(path: path) }

        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(options.busyTimeout)
        let probe = try openReadOnly(path: path, configuration: configuration)
        defer { try? probe.close() }
        try probe.read { db in
            try checkSchema(db, path: path)
            if access != .readOnly { try checkIntegrity(db, path: path) }
        }
    }

    /// A read-only connection. A WAL store in a folder where SQLite cannot create its `-shm` file (a
    /// read-only folder or mount) is opened as immutable when there is no `-wal` file whose changes
    /// that would skip, so it can still be listed and reported on.
    static func openReadOnly(path: String, configuration: Configuration) throws -> DatabaseQueue {
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA schema_version") }
            return queue
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY {
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.intValue ?? 0
            guard wal == 0 else { throw error }
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let escaped = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#"))) ?? absolute
            return try DatabaseQueue(path: "file:\(escaped)?mode=ro&immutable=1", configuration: configuration)
        }
    }

    /// Refuses a database that is not ours or that a newer robust migrated.
    static func checkSchema(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        // A new database, or one that another process is creating right now: GRDB's migrator commits
        // its (empty) grdb_migrations table before the first migration's transaction.
        if applicationID == 0 && tables.allSatisfy({ $0 == "grdb_migrations" }) {
            let applied = tables.isEmpty ? 0 : try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") ?? 0
            if applied == 0 { return }
        }
        guard applicationID == ResultSchema.applicationID else {
            let detail = applicationID == 0
                ? "it has tables \(tables.prefix(5).joined(separator: ", "))\(tables.count > 5 ? ", …" : "") and no robust application id"
                : String(format: "its application id is 0x%08X", UInt32(bitPattern: applicationID))
            throw ResultStoreError.foreignDatabase(path: path, detail: detail)
        }
        guard try db.tableExists("grdb_migrations") else {
            throw ResultStoreError.foreignDatabase(path: path, detail: "it has robust's application id but no migration table")
        }
        let known = Set(ResultSchema.migrationIdentifiers)
        let unknown = try ResultSchema.migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty { throw ResultStoreError.newerSchema(path: path, unknownMigrations: unknown) }
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if version > ResultSchema.userVersion {
            throw ResultStoreError.newerSchema(path: path, unknownMigrations: ["user_version \(version) (this robust knows \(ResultSchema.userVersion))"])
        }
    }

    /// `PRAGMA quick_check` before anything is written: a store with a corrupt page is refused rather
    /// than given a new run on top of the damage.
    static func checkIntegrity(_ db: Database, path: String) throws {
        let problems = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        guard problems != ["ok"] else { return }
        throw ResultStoreError.corrupt(path: path, detail: UserError.oneLine(problems.joined(separator: "; ")))
    }

    private static func openWriter(path: String, access: Access, options: Options) throws -> any DatabaseWriter {
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "robust-results"
        let maxPageCount = options.maxPageCount
        if access == .readOnly {
            configuration.readonly = true
            return try openReadOnly(path: path, configuration: configuration)
        }
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                if let maxPageCount { _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(maxPageCount)") }
            }
        }
        return try DatabasePool(path: path, configuration: configuration)
    }

    private static func prepareSchema(writer: any DatabaseWriter, path: String, access: Access) throws {
        let (completed, pending): (Bool, [String]) = try writer.read { db in
            try checkSchema(db, path: path)
            let applied = try ResultSchema.migrator.appliedIdentifiers(db)
            let pending = ResultSchema.migrationIdentifiers.filter { !applied.contains($0) }
            return (pending.isEmpty, pending)
        }
        if completed { return }
        if access == .readOnly { throw ResultStoreError.needsUpgrade(path: path, pendingMigrations: pending) }
        try ResultSchema.migrator.migrate(writer)
    }

    // MARK: - Transactions

    /// Runs `body` in one immediate write transaction, committed before this returns. SQLITE_BUSY
    /// past the busy timeout is retried `busyRetries` times; after that it is `.locked`.
    func write<T>(run: Int64? = nil, _ body: (Database) throws -> T) throws -> T {
        try retrying(run: run) {
            try writer.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }

    /// Runs `body` on a consistent snapshot of the database.
    func read<T>(run: Int64? = nil, _ body: (Database) throws -> T) throws -> T {
        try retrying(run: run) { try writer.read(body) }
    }

    private func retrying<T>(run: Int64? = nil, _ body: () throws -> T) throws -> T {
        let started = Date()
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                // The busy handler already waited; SQLite skips it in some cases (e.g. to break a
                // deadlock), so a few spaced retries cover those.
                attempt += 1
                if attempt > options.busyRetries {
                    throw ResultStoreError.locked(path: path, waitedSeconds: Date().timeIntervalSince(started))
                }
                Thread.sleep(forTimeInterval: min(0.05 * Double(attempt) + Double.random(in: 0..<0.05), 0.5))
            } catch {
                throw ResultStoreError.from(error, path: path, run: run, waited: Date().timeIntervalSince(started))
            }
        }
    }
}
