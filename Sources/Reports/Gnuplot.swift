// Gnuplot: finds the gnuplot executable and runs a script with it as a child process, in the folder the
// script is in, with a time limit; a failure becomes one line quoting gnuplot's own first error line.
import Basics
import Foundation

public struct Gnuplot: Sendable {
    /// The executable.
    public let executable: String

    public init(executable: String) {
        self.executable = executable
    }

    /// Where gnuplot is looked for when PATH is not set at all.
    public static let defaultLocation = "/usr/bin/gnuplot"

    /// `explicit` when given (it must be an executable file); else the first executable `gnuplot` in
    /// the folders of `environment["PATH"]`; else, only when PATH is unset, `/usr/bin/gnuplot`.
    /// Throws `ReportError.gnuplotMissing`, which names the Debian package.
    public static func locate(explicit: String? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Gnuplot {
        let fileManager = FileManager.default
        func isExecutableFile(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return fileManager.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && fileManager.isExecutableFile(atPath: path)
        }
        if let explicit, !explicit.isEmpty {
            guard isExecutableFile(explicit) else { throw ReportError.gnuplotMissing(searched: "no executable file at \(explicit)") }
            return Gnuplot(executable: explicit)
        }
        guard let path = environment["PATH"] else {
            guard isExecutableFile(defaultLocation) else {
                throw ReportError.gnuplotMissing(searched: "PATH is not set and \(defaultLocation) does not exist")
            }
            return Gnuplot(executable: defaultLocation)
        }
        for folder in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = String(folder) + "/gnuplot"
            if isExecutableFile(candidate) { return Gnuplot(executable: candidate) }
        }
        throw ReportError.gnuplotMissing(searched: path.isEmpty ? "PATH is empty" : "not on PATH")
    }

    /// Runs `gnuplot SCRIPT` with `folder` as its working directory. Returns gnuplot's warnings (its
    /// stderr when it succeeds). Throws `ReportError.gnuplotFailed` when it exits non-zero, is killed, or
    /// runs longer than `timeout` (it is then stopped).
    @discardableResult
    public func run(script: String, in folder: URL, timeout: TimeInterval = 120) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [script]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        // Never an interactive terminal (each script sets its own before drawing).
        environment["GNUTERM"] = "dumb"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let collected = Collected()
        let group = DispatchGroup()
        for (pipe, isError) in [(output, false), (errors, true)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(data, error: isError)
                group.leave()
            }
        }
        do {
            try process.run()
        } catch {
            throw ReportError.gnuplotFailed(script: script, detail: "cannot start \(executable): \(UserError.oneLine(error.localizedDescription))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                Thread.sleep(forTimeInterval: 0.5)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        process.waitUntilExit()
        group.wait()
        let stderr = String(decoding: collected.errorData, as: UTF8.self)
        if timedOut {
            throw ReportError.gnuplotFailed(script: script, detail: "still running after \(Int(timeout)) s; stopped")
        }
        if process.terminationReason == .uncaughtSignal {
            throw ReportError.gnuplotFailed(script: script, detail: "killed by signal \(process.terminationStatus)")
        }
        if process.terminationStatus != 0 {
            throw ReportError.gnuplotFailed(script: script, detail: Self.firstError(stderr) ?? "exit status \(process.terminationStatus)")
        }
        return stderr
    }

    /// The most telling line of gnuplot's stderr: the first one that mentions an error, else the last
    /// non-empty one (gnuplot prints the offending command, then a caret, then the message).
    static func firstError(_ stderr: String) -> String? {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.allSatisfy { $0 == "^" } }
        let line = lines.first { $0.lowercased().contains("error") } ?? lines.last
        return line.map { String($0.prefix(300)) }
    }
}

/// Output collected from a child's pipes by two background readers.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var output = Data(), errors = Data()
    func set(_ data: Data, error: Bool) {
        lock.lock()
        if error { errors = data } else { output = data }
        lock.unlock()
    }
    var errorData: Data {
        lock.lock()
        defer { lock.unlock() }
        return errors
    }
}
