// ResultStoreError: every way the results store can fail, each as one line that names the database.
import Basics
import Foundation
import GRDB

/// A failure of the results store, shown to the user as one line that names the database file.
///
/// The store never crashes on these and never deletes or rewrites committed rows because of them:
/// a failed write leaves the database as it was before that write's transaction began.
public enum ResultStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another connection held the write lock longer than the busy timeout (plus retries).
    case locked(path: String, waitedSeconds: Double)
    /// The file exists but is not an SQLite database (wrong header, or SQLite says SQLITE_NOTADB).
    case notADatabase(path: String)
    /// SQLite reports damage inside the file (SQLITE_CORRUPT).
    case corrupt(path: String, detail: String)
    /// The file is an SQLite database, but not a robust results store.
    case foreignDatabase(path: String, detail: String)
    /// The store was migrated by a newer robust: its schema has migrations this binary does not know.
    case newerSchema(path: String, unknownMigrations: [String])
    /// The store's schema is older than this binary's and it was opened read-only, so it cannot be upgraded.
    case needsUpgrade(path: String, pendingMigrations: [String])
    /// A run id that is not in the store.
    case noSuchRun(id: Int64, path: String)
    /// The database file does not exist (for commands that only read).
    case missing(path: String)
    /// The file or its folder cannot be written (SQLITE_READONLY, or a folder that refuses new files).
    case readOnly(path: String)
    /// SQLite could not open the file (SQLITE_CANTOPEN), for the reason given.
    case cannotOpen(path: String, reason: String)
    /// The disk (or the page limit) is full (SQLITE_FULL). The transaction was rolled back.
    case diskFull(path: String)
    /// An I/O error from the operating system (SQLITE_IOERR).
    case ioError(path: String, detail: String)
    /// A request the store refuses, e.g. resuming a run that already finished.
    case invalidRequest(path: String, detail: String)
    /// Any other SQLite error.
    case database(path: String, detail: String)

    public var description: String {
        switch self {
        case let .locked(path, waited):
            return "results database \(path) is locked by another process (waited \(formatSeconds(waited))); try again when it is done"
        case let .notADatabase(path):
            return "\(path) is not an SQLite database (not a robust results store); choose another file with --db or ROBUST_DB"
        case let .corrupt(path, detail):
            return "results database \(path) is corrupt (\(detail)); committed rows may be recoverable with `sqlite3 \(path) .recover`"
        case let .foreignDatabase(path, detail):
            return "\(path) is an SQLite database but not a robust results store (\(detail)); choose another file with --db or ROBUST_DB"
        case let .newerSchema(path, unknown):
            return "results database \(path) was written by a newer robust (unknown schema migration\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", "))); upgrade robust to use it"
        case let .needsUpgrade(path, pending):
            return "results database \(path) has an older schema (pending: \(pending.joined(separator: ", "))) and was opened read-only; run any command that records results to upgrade it"
        case let .noSuchRun(id, path):
            return "run \(id) does not exist in \(path) (see `robust runs`)"
        case let .missing(path):
            return "no results database at \(path); set --db PATH or ROBUST_DB, or record a run first"
        case let .readOnly(path):
            return "results database \(path) is in a read-only location (cannot write the file or its -wal/-shm files beside it)"
        case let .cannotOpen(path, reason):
            return "cannot open results database \(path): \(reason)"
        case let .diskFull(path):
            return "disk full while writing results database \(path); the last write was rolled back and earlier results are kept"
        case let .ioError(path, detail):
            return "I/O error on results database \(path): \(detail)"
        case let .invalidRequest(path, detail):
            return "\(path): \(detail)"
        case let .database(path, detail):
            return "results database \(path): \(detail)"
        }
    }
}

private func formatSeconds(_ seconds: Double) -> String {
    seconds < 10 ? String(format: "%.1f s", seconds) : String(format: "%.0f s", seconds)
}

extension ResultStoreError {
    /// Translates an error thrown by GRDB/SQLite for the database at `path` into a `ResultStoreError`.
    /// `run` is the run id the operation referred to (a foreign-key failure then means "no such run").
    static func from(_ error: Error, path: String, run: Int64? = nil, waited: Double = 0) -> Error {
        if error is ResultStoreError { return error }
        // A stored value of the wrong type or format (a damaged file, or one edited by hand): GRDB's message
        // names the column but also prints the whole row and statement, so only its start is kept.
        if error is RowDecodingError || error is DecodingError {
            let text = UserError.oneLine("\(error)")
            let detail = text.range(of: " - column:").map { String(text[..<$0.lowerBound]) } ?? text
            return ResultStoreError.corrupt(path: path, detail: "a stored value cannot be read: \(detail.prefix(200))")
        }
        guard let dbError = error as? DatabaseError else { return error }
        let detail = UserError.oneLine(dbError.message ?? "\(dbError.resultCode)")
        switch dbError.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return ResultStoreError.locked(path: path, waitedSeconds: waited)
        case .SQLITE_FULL:
            return ResultStoreError.diskFull(path: path)
        case .SQLITE_READONLY:
            return ResultStoreError.readOnly(path: path)
        case .SQLITE_NOTADB:
            return ResultStoreError.notADatabase(path: path)
        case .SQLITE_CORRUPT:
            return ResultStoreError.corrupt(path: path, detail: detail)
        case .SQLITE_CANTOPEN:
            return classifyCannotOpen(path: path)
        case .SQLITE_IOERR:
            return ResultStoreError.ioError(path: path, detail: detail)
        case .SQLITE_CONSTRAINT where dbError.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY:
            if let run { return ResultStoreError.noSuchRun(id: run, path: path) }
            return ResultStoreError.database(path: path, detail: detail)
        default:
            return ResultStoreError.database(path: path, detail: detail)
        }
    }

    /// Why SQLite could not open `path`: a missing folder, a read-only folder, or something else.
    static func classifyCannotOpen(path: String) -> ResultStoreError {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            return .cannotOpen(path: path, reason: "folder \(folder) does not exist")
        }
        if !isDirectory.boolValue {
            return .cannotOpen(path: path, reason: "\(folder) is not a folder")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return .cannotOpen(path: path, reason: "it is a folder")
        }
        // Try what SQLite needs: to write the file, or to create files in its folder. (`access` is not
        // enough: it says yes to root on folders that still refuse new files.)
        let exists = FileManager.default.fileExists(atPath: path)
        let probe = exists ? path : folder + "/.robust-write-probe-\(getpid())"
        let descriptor = exists ? open(probe, O_WRONLY) : open(probe, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        let code = errno
        if descriptor >= 0 {
            close(descriptor)
            if !exists { unlink(probe) }
            return .cannotOpen(path: path, reason: "SQLite cannot open the file")
        }
        if code == EROFS || code == EACCES || code == EPERM { return .readOnly(path: path) }
        return .cannotOpen(path: path, reason: String(cString: strerror(code)))
    }
}
