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
        var texts: [String] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var bytes = line
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            guard let text = String(bytes: bytes, encoding: .utf8) else {
                throw UserError("stdin line \(lineNumber) is not valid UTF-8")
            }
            texts.append(text)
        }
        if texts.last == "" { texts.removeLast() }   // the newline that ends the last line
        return texts
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
