// Interruption: the one place SIGINT and SIGTERM become a flag that long loops poll (training steps,
// attacked examples, committed records), so a run can save its state and be marked `interrupted`.
// The first signal asks the work to stop after the step in flight; a second one exits at once with
// status 130 (a run in a results store then stays `running` and can be resumed, as after SIGKILL).
import Dispatch
import Foundation

/// Thrown by `Interruption.check()` once SIGINT or SIGTERM has arrived.
public struct RunInterrupted: Error, CustomStringConvertible, Sendable {
    public let signal: Int32
    public init(signal: Int32) { self.signal = signal }
    public var description: String { "interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT")" }
}

public enum Interruption {
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
            FileHandle.standardError.write(Data("\nrobust: stopped at once; a run in progress stays 'running' and can be resumed\n".utf8))
            _exit(130)
        }
        FileHandle.standardError.write(Data("\nrobust: interrupt received; finishing the current step and saving state (press Ctrl-C again to stop at once)\n".utf8))
    }

    /// The signal received, if any.
    public static var requested: Int32? {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.signal
    }

    public static var wasRequested: Bool { requested != nil }

    /// Throws `RunInterrupted` once a signal has arrived.
    public static func check() throws {
        if let signal = requested { throw RunInterrupted(signal: signal) }
    }

    /// Blocks until a signal has arrived or `seconds` have passed; returns whether one arrived. (Tests use
    /// it to hold a run at a known point until their signal lands.)
    @discardableResult
    public static func wait(upTo seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !wasRequested && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        return wasRequested
    }

    /// Simulates a signal (for tests), or clears it (`nil`).
    public static func simulate(_ signal: Int32?) {
        state.lock.lock()
        state.signal = signal
        state.lock.unlock()
    }
}
