// CommandSupport: what every command shares — one-line errors, text input from arguments or stdin,
// JSON output, and the default model location (found by Basics.ResourceLocations).
import ArgumentParser
import Basics
import Foundation

/// An error shown to the user as one line (ArgumentParser prints "Error: <description>" and exits 1).
struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Defaults {
    /// The base model's folder as `Basics.ResourceLocations` finds it: $ROBUST_BASE_MODEL, else the
    /// per-user cache (scripts/install.sh), else models/all-MiniLM-L6-v2 in the working directory
    /// (scripts/setup.sh). When none holds it, the first place looked at, so loading it fails and
    /// `explained` turns that error into the list of places.
    static var baseModel: String { ResourceLocations.baseModel().path }

    /// `message`, or "base model not found; looked in: …" when it is about the default base model that
    /// no place holds.
    static func explained(_ message: String) -> String {
        let lookup = ResourceLocations.baseModel()
        guard lookup.found == nil else { return message }
        // The path itself, or a file in it: not a longer name that starts the same (…-L6-v2-tuned).
        var rest = message[...]
        while let range = rest.range(of: lookup.path) {
            let next = rest[range.upperBound...].first
            if next.map({ !($0.isLetter || $0.isNumber || "_-.".contains($0)) }) ?? true { return lookup.notFoundMessage }
            rest = rest[range.upperBound...]
        }
        return message
    }
}

/// Runs `body`, turning any thrown error into a one-line `UserError`.
func userFacing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as UserError { throw error } catch let error as ValidationError {
        throw error
    } catch {
        throw UserError(Defaults.explained(String(describing: error)))
    }
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
