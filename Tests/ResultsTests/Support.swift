// Support: temporary databases, synthetic examples, and running the built `robust` binary as a child process.
import Foundation
import XCTest
@testable import Results

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("robust-results-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

func sampleRun(kind: RunKind = .attack, model: String = "abc123", label: String? = nil, parent: Int64? = nil) -> RunRecord {
    RunRecord(kind: kind, modelHash: model, dataHash: "d1", recipeHash: "r1", seed: 42, gitCommit: "0123456789abcdef0123456789abcdef01234567",
              robustVersion: "test", commandLine: "robust test", configJSON: "{\"k\":1}", parentRunID: parent, label: label)
}

/// A deterministic example: clean-wrong every 7th, a successful attack every 3rd of the rest.
func sampleExample(_ index: Int, run: Int64, recipe: String = "wordswap", text: String? = nil) -> ExampleRecord {
    let gold = index % 2 == 0 ? "pos" : "neg"
    let flipped = gold == "pos" ? "neg" : "pos"
    let cleanWrong = index % 7 == 0
    let success = !cleanWrong && index % 3 == 0
    let text = text ?? "example \(index) is a fine film"
    return ExampleRecord(runID: run, recipe: recipe, exampleIndex: index, text: text, gold: gold,
                         cleanPrediction: cleanWrong ? flipped : gold,
                         adversarialText: success ? text.replacingOccurrences(of: "fine", with: "good") : nil,
                         adversarialPrediction: success ? flipped : nil,
                         status: cleanWrong ? .cleanWrong : (success ? .success : .failed),
                         queries: 5 + index % 4, wordsChanged: success ? 1 : 0, wordsTotal: 6,
                         similarity: success ? 0.8 : nil, milliseconds: 1.5, detailJSON: index == 1 ? "{\"note\":\"x\"}" : nil)
}

/// The example's content, without the row id.
func content(_ example: ExampleRecord) -> ExampleRecord {
    var copy = example
    copy.id = nil
    copy.runID = 0
    return copy
}

/// The built `robust` executable, beside this test bundle (both are products of the same build), or
/// `$ROBUST_BINARY`.
func robustBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["ROBUST_BINARY"] { return URL(fileURLWithPath: path) }
    var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    if !FileManager.default.fileExists(atPath: "/proc/self/exe") {
        folder = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).deletingLastPathComponent()
    }
    for _ in 0..<5 {
        let candidate = folder.appendingPathComponent("robust")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return candidate
        }
        folder.deleteLastPathComponent()
    }
    throw TestSetupError("the robust executable is not beside the test bundle; build it (swift build --build-tests) or set ROBUST_BINARY")
}

/// An error that fails (not skips) the test.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct ProcessResult {
    var status: Int32
    var reason: Process.TerminationReason
    var stdout: String
    var stderr: String
}

/// A running child process whose stdout and stderr are collected in the background.
final class Child: @unchecked Sendable {
    let process = Process()
    private let outPipe = Pipe(), errPipe = Pipe()
    private var outData = Data(), errData = Data()
    private let group = DispatchGroup()

    init(_ arguments: [String], folder: URL, environment: [String: String] = [:]) throws {
        process.executableURL = try robustBinary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "ROBUST_DB")
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

    var pid: Int32 { process.processIdentifier }

    func wait(timeout: TimeInterval = 120) -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        group.wait()
        return ProcessResult(status: process.terminationStatus, reason: process.terminationReason,
                             stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Runs `robust ARGUMENTS` to completion.
func runRobust(_ arguments: [String], folder: URL, environment: [String: String] = [:]) throws -> ProcessResult {
    try Child(arguments, folder: folder, environment: environment).wait()
}

/// Indices from the "committed N" lines a writer printed.
func committedIndices(_ stdout: String) -> Set<Int> {
    Set(stdout.split(separator: "\n").compactMap { line in
        line.hasPrefix("committed ") ? Int(line.dropFirst("committed ".count)) : nil
    })
}

/// The run id from a writer's "run N" line.
func runID(_ stdout: String) -> Int64? {
    stdout.split(separator: "\n").first { $0.hasPrefix("run ") }.flatMap { Int64($0.dropFirst(4)) }
}
