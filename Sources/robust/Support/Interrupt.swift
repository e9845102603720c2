// Interrupt: turns the first Ctrl-C (SIGINT) or SIGTERM into a flag that long-running loops poll, so they
// can save their state and exit cleanly; a second Ctrl-C ends the process at once.
import Foundation

enum Interrupt {
    nonisolated(unsafe) private static var requested: sig_atomic_t = 0

    static var wasRequested: Bool { requested != 0 }

    static func install() {
        let handler: @convention(c) (Int32) -> Void = { signalNumber in
            Interrupt.requested = 1
            signal(signalNumber, SIG_DFL)   // a second signal terminates immediately
            let message = "\nrobust: interrupt received; finishing the current step and saving state (press Ctrl-C again to abort)\n"
            message.withCString { pointer in _ = write(2, pointer, strlen(pointer)) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}

/// A progress line on stderr: rewritten in place on a terminal, printed every `interval` seconds otherwise.
final class ProgressLine {
    private let isTerminal = isatty(2) != 0
    private var lastPrinted = Date.distantPast
    private let interval: TimeInterval

    init(interval: TimeInterval = 10) { self.interval = interval }

    func update(_ text: String) {
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        } else if Date().timeIntervalSince(lastPrinted) >= interval {
            FileHandle.standardError.write(Data("\(text)\n".utf8))
            lastPrinted = Date()
        }
    }

    /// Ends the in-place line before other output.
    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let total = Int(seconds.rounded())
    return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
                         : String(format: "%d:%02d", total / 60, total % 60)
}
