// Processes: temporary folders and running the built `robust` binary as a child process, for tests
// that exercise the command line as a user would.
import Foundation
import XCTest

/// A fresh temporary folder, removed when the test ends.
public func temporaryFolder(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("robust-results-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The built `robust` executable, beside this test bundle (both are products of the same build), or
/// `$ROBUST_BINARY`.
public func robustBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["ROBUST_BINARY"] { return URL(fileURLWithPath: path) }
    return try builtExecutable("robust")
}

/// An executable of this package's build (`robust`, or the test program `ResultsWriter`), beside this
/// test bundle.
public func builtExecutable(_ name: String) throws -> URL {
    var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    if !FileManager.default.fileExists(atPath: "/proc/self/exe") {
        folder = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).deletingLastPathComponent()
    }
    for _ in 0..<5 {
        let candidate = folder.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return candidate
        }
        folder.deleteLastPathComponent()
    }
    throw TestSetupError("the \(name) executable is not beside the test bundle; build it (swift build --build-tests)")
}

/// An error that fails (not skips) the test.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct ProcessResult {
    public var status: Int32
    public var reason: Process.TerminationReason
    public var stdout: String
    public var stderr: String
}

/// A running child process whose stdout and stderr are collected in the background.
public final class Child: @unchecked Sendable {
    public let process = Process()
    private let outPipe = Pipe(), errPipe = Pipe()
    private var outData = Data(), errData = Data()
    private let group = DispatchGroup()

    /// Runs `executable` (default: the built `robust`) in `folder`, with this process's environment
    /// without ROBUST_DB and the variables in `unsetting`, plus `environment`.
    public init(_ arguments: [String], folder: URL, environment: [String: String] = [:], unsetting: [String] = [],
                executable: URL? = nil) throws {
        process.executableURL = try executable ?? robustBinary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "ROBUST_DB")
        for key in unsetting { env.removeValue(forKey: key) }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, keyPath) in [(outPipe, \Child.outData), (errPipe, \Child.errData)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                self[keyPath: keyPath] = data
                self.group.leave()
            }
        }
    }

    public var pid: Int32 { process.processIdentifier }

    public func wait(timeout: TimeInterval = 120) -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        group.wait()
        return ProcessResult(status: process.terminationStatus, reason: process.terminationReason,
                             stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Runs `robust ARGUMENTS` (or `executable`) to completion.
public func runRobust(_ arguments: [String], folder: URL, environment: [String: String] = [:], unsetting: [String] = [],
                      executable: URL? = nil, timeout: TimeInterval = 120) throws -> ProcessResult {
    try Child(arguments, folder: folder, environment: environment, unsetting: unsetting, executable: executable).wait(timeout: timeout)
}

/// Runs the test program `ResultsWriter ARGUMENTS` to completion.
public func runResultsWriter(_ arguments: [String], folder: URL) throws -> ProcessResult {
    try runRobust(arguments, folder: folder, executable: builtExecutable("ResultsWriter"))
}


/// Runs robust with `arguments` in `folder` and checks that it fails with exactly one `Error:` line holding every
/// fragment, and no crash.
public func expectOneLineRobustFailure(_ arguments: [String], folder: URL, environment: [String: String] = [:],
                                       _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
    let result = try runRobust(arguments, folder: folder, environment: environment)
    XCTAssertNotEqual(result.status, 0, "expected failure for \(arguments)", file: file, line: line)
    let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
    XCTAssertEqual(errors.count, 1, result.stderr, file: file, line: line)
    for fragment in fragments {
        XCTAssertTrue(result.stderr.contains(fragment), "stderr lacks '\(fragment)': \(result.stderr)", file: file, line: line)
    }
    XCTAssertFalse(result.stderr.contains("Fatal error"), file: file, line: line)
}
