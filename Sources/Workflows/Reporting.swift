// Reporting: where a workflow's output goes. Lines are results a user reads (stdout on a terminal),
// warnings are notes beside them (stderr), progress is a transient status line (stderr). The command
// line passes a `TerminalReporter`; tests pass a `CollectingReporter`.
import Foundation

public protocol Reporter: AnyObject {
    /// A line of the workflow's output.
    func say(_ line: String)
    /// A warning or note, kept apart from the output (so JSON on stdout stays parseable).
    func warn(_ line: String)
    /// Replaces the progress line.
    func progress(_ text: String)
    /// Ends the progress line before other output.
    func endProgress()
}

/// stdout for lines, stderr for warnings and progress: rewritten in place on a terminal, printed every
/// `interval` seconds otherwise. With `quiet`, lines and warnings are dropped (for `--json`).
public final class TerminalReporter: Reporter {
    private let isTerminal = isatty(2) != 0
    private var lastPrinted = Date.distantPast
    private let interval: TimeInterval
    private let quiet: Bool
    private var inPlace = false

    public init(quiet: Bool = false, interval: TimeInterval = 10) {
        self.quiet = quiet
        self.interval = interval
    }

    public func say(_ line: String) {
        guard !quiet else { return }
        print(line)
    }

    public func warn(_ line: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    public func progress(_ text: String) {
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
            inPlace = true
        } else if Date().timeIntervalSince(lastPrinted) >= interval {
            FileHandle.standardError.write(Data("\(text)\n".utf8))
            lastPrinted = Date()
        }
    }

    public func endProgress() {
        if isTerminal && inPlace { FileHandle.standardError.write(Data("\n".utf8)) }
        inPlace = false
        lastPrinted = .distantPast
    }
}

/// Drops everything (warnings a workflow does not want shown, such as a missing encoder for A2T).
public final class SilentReporter: Reporter {
    public init() {}
    public func say(_ line: String) {}
    public func warn(_ line: String) {}
    public func progress(_ text: String) {}
    public func endProgress() {}
}

/// Keeps everything, for tests.
public final class CollectingReporter: Reporter, @unchecked Sendable {
    private let lock = NSLock()
    private var _lines: [String] = [], _warnings: [String] = [], _progress: [String] = []
    public init() {}
    public var lines: [String] { lock.lock(); defer { lock.unlock() }; return _lines }
    public var warnings: [String] { lock.lock(); defer { lock.unlock() }; return _warnings }
    public var progressUpdates: [String] { lock.lock(); defer { lock.unlock() }; return _progress }
    public var output: String { lines.joined(separator: "\n") }
    public func say(_ line: String) { lock.lock(); _lines.append(line); lock.unlock() }
    public func warn(_ line: String) { lock.lock(); _warnings.append(line); lock.unlock() }
    public func progress(_ text: String) { lock.lock(); _progress.append(text); lock.unlock() }
    public func endProgress() {}
}

/// "1:05" or "1:02:03".
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let total = Int(seconds.rounded())
    return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
                         : String(format: "%d:%02d", total / 60, total % 60)
}
