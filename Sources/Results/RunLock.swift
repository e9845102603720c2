// RunLock: a lock file beside the store (`STORE.run-ID.lock`) that the process recording a run holds
// with flock(2) while it runs. The kernel drops the lock when the process dies, and the file stays, so
// a reader can tell a run still in progress from one whose process ended without marking it — killed,
// stopped by a second Ctrl-C, crashed. The same lock stops two processes resuming one run at once.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class RunLock {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    static func path(store: String, run: Int64) -> String { "\(store).run-\(run).lock" }

    /// Takes the lock of run `run`. Nil when the file cannot be made (a read-only folder): the run is
    /// then recorded without one, and readers cannot tell whether it still runs. Throws when another
    /// live process holds it.
    static func acquire(store: String, run: Int64) throws -> RunLock? {
        let path = path(store: store, run: run)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(descriptor)
            if busy { throw ResultStoreError.invalidRequest(path: store, detail: "run \(run) is being recorded by another process") }
            return nil
        }
        return RunLock(path: path, descriptor: descriptor)
    }

    /// Removes the file, then lets go of the lock (in that order, so no other process can take a lock
    /// on a file about to be removed).
    func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    /// Lets go of the lock but leaves the file: the run could not be marked (a full disk), and readers
    /// must see it as abandoned, as after a crash.
    func abandon() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    /// Whether the lock file of `run` exists and nobody holds it: the process that recorded the run
    /// ended without releasing it. False when there is no file (a finished run, a store in a read-only
    /// folder, or a run recorded before lock files existed).
    static func isReleasedByDeadProcess(store: String, run: Int64) -> Bool {
        let descriptor = open(path(store: store, run: run), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else { return false }
        flock(descriptor, LOCK_UN)
        return true
    }
}

extension ResultStore {
    /// Whether `run` is marked running but its process is gone (see `RunLock`). Its examples so far are
    /// stored; `--resume` continues it.
    public func isAbandoned(_ run: RunRecord) -> Bool {
        guard run.status == .running, let id = run.id,
              RunLock.isReleasedByDeadProcess(store: path, run: id) else { return false }
        // The owner may have finished between the caller's read and the lock check: read again.
        return (try? self.run(id).status) == .running
    }

    /// The status to show: the stored one, or "abandoned" for a running run whose process is gone.
    public func displayStatus(_ run: RunRecord) -> String {
        isAbandoned(run) ? "abandoned" : run.status.rawValue
    }
}
