// WordNetTests support: the real database (required, never skipped) and tiny hand-made databases
// written to a temporary folder for the malformed-file tests.
import XCTest
import Foundation
@testable import WordNet

/// The process-wide WordNet 3.0 database. Fails the calling test with an install hint when the
/// database is missing (scripts/setup.sh installs Debian's wordnet-base).
func realWordNet(file: StaticString = #filePath, line: UInt = #line) throws -> WordNetDatabase {
    do {
        return try WordNetDatabase.shared()
    } catch {
        XCTFail("WordNet 3.0 is required at \(WordNetDatabase.defaultDirectory.path); run scripts/setup.sh "
                + "(it installs wordnet-base): \(error)", file: file, line: line)
        throw error
    }
}

/// A tiny database in a fresh temporary folder. Data lines are templates: `{0}`, `{1}`, ... stand
/// for the byte offsets of data lines 0, 1, ... of the same file (always 8 digits), so the offsets
/// stay right whatever the lines say. Every file starts with a two-line license header.
struct MiniWordNet {
    static let header = "  1 This is a test header, in the style of the Princeton license.  \n"
        + "  2   \n"
    static let headerLineCount = 2

    var dataNoun: [String] = [
        "{0} 05 n 02 cat 0 true_cat 0 002 @ {1} n 0000 + {1} n 0101 | feline mammal; \"the cat sat\"  ",
        "{1} 05 n 01 feline 0 001 ~ {0} n 0000 | any of several lithe-bodied cats  ",
    ]
    var indexNoun: [String] = [
        "cat n 1 2 @ + 1 1 {0}  ",
        "feline n 1 2 ~ + 1 0 {1}  ",
        "true_cat n 1 1 @ 1 0 {0}  ",
    ]
    var nounExc: [String] = ["cats cat", "kine cat"]

    /// Offsets of the data lines after the header.
    func offsets() -> [Int] {
        var offset = MiniWordNet.header.utf8.count
        var result: [Int] = []
        for line in dataNoun {
            result.append(offset)
            offset += MiniWordNet.fill(line, []).utf8.count + 1
        }
        return result
    }

    static func fill(_ template: String, _ offsets: [Int]) -> String {
        var line = template
        for i in 0..<10 {
            let value = i < offsets.count ? String(format: "%08d", offsets[i]) : "00000000"
            line = line.replacingOccurrences(of: "{\(i)}", with: value)
        }
        return line
    }

    /// Writes data.noun, index.noun and noun.exc into a new temporary folder and returns it.
    func write() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("wordnet-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let offsets = offsets()
        func save(_ name: String, _ lines: [String], header: Bool = true) throws {
            let body = lines.map { MiniWordNet.fill($0, offsets) + "\n" }.joined()
            try ((header ? MiniWordNet.header : "") + body)
                .write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try save("data.noun", dataNoun)
        try save("index.noun", indexNoun)
        try save("noun.exc", nounExc, header: false)
        return directory
    }

    /// Writes the database and loads its nouns.
    func load() throws -> WordNetDatabase {
        let directory = try write()
        defer { try? FileManager.default.removeItem(at: directory) }
        return try WordNetDatabase(directory: directory, partsOfSpeech: [.noun])
    }
}

/// Asserts that loading throws `.malformedLine` in `file` at `line`, with `reason` in the message.
func assertMalformed(_ mini: MiniWordNet, file expectedFile: String, line expectedLine: Int, reason: String,
                     sourceFile: StaticString = #filePath, sourceLine: UInt = #line) {
    do {
        _ = try mini.load()
        XCTFail("loading succeeded; expected an error in \(expectedFile)", file: sourceFile, line: sourceLine)
    } catch let error as WordNetError {
        guard case .malformedLine(let file, let line, let message) = error else {
            XCTFail("expected malformedLine, got \(error)", file: sourceFile, line: sourceLine)
            return
        }
        XCTAssertTrue(file.hasSuffix("/" + expectedFile), "file \(file)", file: sourceFile, line: sourceLine)
        XCTAssertEqual(line, expectedLine, "\(error)", file: sourceFile, line: sourceLine)
        XCTAssertTrue(message.contains(reason), "message '\(message)' lacks '\(reason)'",
                      file: sourceFile, line: sourceLine)
        XCTAssertFalse(error.description.contains("\n"), "not one line: \(error)", file: sourceFile, line: sourceLine)
        XCTAssertTrue(error.description.hasPrefix(file + ":\(line): "), error.description,
                      file: sourceFile, line: sourceLine)
    } catch {
        XCTFail("expected WordNetError, got \(error)", file: sourceFile, line: sourceLine)
    }
}
