// CommandSupport: what every command shares — text input from arguments or stdin, JSON output, and the
// default model location (found by Basics.ResourceLocations). Errors are Basics' one-line `UserError`.
import ArgumentParser
import Basics
import Foundation
import Transformer

enum Defaults {
    /// The base model's folder as `Basics.ResourceLocations` finds it: $ROBUST_BASE_MODEL, else the
    /// per-user cache (scripts/install.sh), else models/all-MiniLM-L6-v2 in the working directory
    /// (scripts/setup.sh). When none holds it, the first place looked at, so loading it fails with the
    /// list of places (`ResourceLocations.baseModelMissing`).
    static var baseModel: String { ResourceLocations.baseModel().path }
}

enum TextInput {
    /// The texts given as arguments, or one per line from stdin when the only argument is "-".
    static func read(_ arguments: [String]) throws -> [String] {
        guard arguments == ["-"] else {
            guard !arguments.isEmpty else { throw ValidationError("give at least one TEXT, or - to read lines from stdin") }
            return arguments
        }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [String] in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let base = bytes.baseAddress else { return [] }
            var texts: [String] = []
            var lineNumber = 0
            var start = 0
            while start < bytes.count {
                lineNumber += 1
                // memchr: a byte-by-byte split of a 50 MB line costs most of a second.
                let rest = UnsafeRawPointer(base + start)
                let found = memchr(rest, Int32(UInt8(ascii: "\n")), bytes.count - start)
                let end = found.map { start + (UnsafeRawPointer($0) - rest) } ?? bytes.count
                var line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if line.last == UInt8(ascii: "\r") { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
                guard let text = String(validating: line, as: UTF8.self) else {
                    throw UserError("stdin line \(lineNumber) is not valid UTF-8")
                }
                texts.append(text)
                start = end + 1
            }
            return texts
        }
    }
}

enum JSONOutput {
    static func print(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}

/// Loads a checkpoint folder given on the command line (or the default base model, saying where it was
/// looked for when it is nowhere).
func loadModel(_ path: String, labels: [String]? = nil, seed: UInt64 = 0) throws -> ModelHandle {
    if let missing = ResourceLocations.baseModelMissing(at: path) { throw UserError(missing) }
    return try UserError.wrapping { try ModelHandle(directory: URL(fileURLWithPath: path), labels: labels, seed: seed) }
}
