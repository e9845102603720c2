// RunSession: wraps a run's body so that its status always ends right — finished, failed (with why)
// or interrupted (SIGINT/SIGTERM) — and never stays half-written.
import Dispatch
import Foundation

/// Thrown by `RunInterruption.check()` once SIGINT or SIGTERM has arrived.
public struct RunInterrupted: Error, CustomStringConvertible, Sendable {
    public let signal: Int32
    public init(signal: Int32) { self.signal = signal }
    public var description: String { "interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT")" }
}

/// Turns SIGINT and SIGTERM into a flag that a run's body polls with `check()` between examples.
/// The first signal asks the run to stop after the example in flight (it is then marked
/// `interrupted`); a second one exits at once with status 130, leaving the run `running`
/// (resumable, like a SIGKILL).
public enum RunInterruption {
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var signal: Int32?
        var sources: [DispatchSourceSignal] = []
    }
    private static let state = State()

    /// Installs the handlers (idempotent). They replace any other SIGINT/SIGTERM handler of the process.
    public static func install() {
        state.lock.lock()
        defer { state.lock.unlock() }
        guard state.sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { received(number) }
            source.resume()
            state.sources.append(source)
        }
    }

    private static func received(_ number: Int32) {
        state.lock.lock()
        let already = state.signal != nil
        if !already { state.signal = number }
        state.lock.unlock()
        if already {
            FileHandle.standardError.write(Data("\nstopped at once; the run stays 'running' and can be resumed\n".utf8))
            _exit(130)
        }
        FileHandle.standardError.write(Data("\nstopping after the current example (press Ctrl-C again to stop at once)\n".utf8))
    }

    /// The signal received, if any.
    public static var requested: Int32? {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.signal
    }

    /// Throws `RunInterrupted` once a signal has arrived.
    public static func check() throws {
        if let signal = requested { throw RunInterrupted(signal: signal) }
    }

    /// Simulates a signal (for tests), or clears it (`nil`).
    public static func simulate(_ signal: Int32?) {
        state.lock.lock()
        state.signal = signal
        state.lock.unlock()
    }
}

extension ResultStore {
    /// Runs `body` as a recorded run. Begins `run` (or, with `resuming`, reopens that run), then:
    /// - `body` returns → the run is marked `finished`;
    /// - `body` throws `RunInterrupted`, or throws while `interrupted()` is true → `interrupted`;
    /// - `body` throws anything else → `failed`, with the error's one-line description.
    /// The error is rethrown. Examples recorded by `body` stay committed whatever happens.
    ///
    /// `interrupted` tells whether SIGINT/SIGTERM arrived. The default reads `RunInterruption`, whose
    /// handlers the caller installs with `RunInterruption.install()`; a program with its own signal
    /// handling passes its own flag instead (this function never installs handlers itself).
    public func withRun<T>(_ run: RunRecord, resuming: Int64? = nil,
                           interrupted: () -> Bool = { RunInterruption.requested != nil },
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
            // Best effort: if even this write fails (disk full, locked), the original error matters more.
            try? markRun(id, status: wasInterrupted ? .interrupted : .failed, failure: String(describing: error))
            throw error
        }
        try markRun(id, status: .finished)
        return result
    }
}
