// RunSession: wraps a run's body so that its status always ends right — finished, failed (with why)
// or interrupted (SIGINT/SIGTERM) — and never stays half-written.
import Basics
import Foundation

extension ResultStore {
    /// Runs `body` as a recorded run. Begins `run` (or, with `resuming`, reopens that run), then:
    /// - `body` returns → the run is marked `finished`;
    /// - `body` throws `RunInterrupted`, or throws while `interrupted()` is true → `interrupted`;
    /// - `body` throws anything else → `failed`, with the error's one-line description.
    /// The error is rethrown. Examples recorded by `body` stay committed whatever happens.
    ///
    /// `interrupted` tells whether SIGINT/SIGTERM arrived. The default reads `Interruption` (Basics), whose
    /// handlers the caller installs with `Interruption.install()`; a program with its own signal
    /// handling passes its own flag instead (this function never installs handlers itself).
    public func withRun<T>(_ run: RunRecord, resuming: Int64? = nil,
                           interrupted: () -> Bool = { Interruption.wasRequested },
                           _ body: (RunRecord) throws -> T) throws -> T {
        // The lock is taken before a resumed run is reopened, so a second process resuming it is refused
        // before anything changes; a new run's id exists only once it is inserted.
        var lock = try resuming.flatMap { try RunLock.acquire(store: path, run: $0) }
        let started = try resuming.map { try resumeRun($0) } ?? beginRun(run)
        let id = started.runID
        if resuming == nil { lock = try RunLock.acquire(store: path, run: id) }
        defer { lock?.release() }
        let result: T
        do {
            result = try body(started)
        } catch {
            let wasInterrupted = error is RunInterrupted || interrupted()
            // If even this write fails (disk full, locked), the original error matters more; the run
            // then stays `running` and its lock file is left behind, so readers call it abandoned
            // (resumable) rather than running forever.
            do { try markRun(id, status: wasInterrupted ? .interrupted : .failed, failure: String(describing: error)) } catch {
                lock?.abandon()
            }
            throw error
        }
        do { try markRun(id, status: .finished) } catch {
            lock?.abandon()
            throw error
        }
        return result
    }
}
