// The user-file reader on fixture files: CSV (BOM, CRLF, quoted newlines, doubled quotes, no final
// newline, empty lines), TSV, JSONL, and every malformed case with its exact line number.
import Foundation
import TestSupport
import XCTest
@testable import Datasets

final class UserFileReaderTests: XCTestCase {
    func fixture(_ name: String) -> URL { TestPaths.fixture("datasets/\(name)") }

    /// Runs `body`, expecting a DatasetError of `kind` at `line`; returns it for further checks.
    @discardableResult
    func expectError(_ kind: DatasetError.Kind, line: Int?, file: StaticString = #filePath, sourceLine: UInt = #line,
                     _ body: () throws -> Void) -> DatasetError? {
        do {
            try body()
            XCTFail("expected \(kind) error, got success", file: file, line: sourceLine)
        } catch let error as DatasetError {
            XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: sourceLine)
            XCTAssertEqual(error.line, line, "\(error)", file: file, line: sourceLine)
            XCTAssertFalse(error.description.contains("\n"), "one-line message", file: file, line: sourceLine)
            return error
        } catch {
            XCTFail("expected DatasetError, got \(error)", file: file, line: sourceLine)
        }
        return nil
    }

    func testCSVWithBOMCRLFQuotedNewlinesAndSkips() throws {
        let contents = try UserFileReader.read(fixture("reviews.csv"))
        XCTAssertEqual(contents.format, .csv)
        XCTAssertEqual(contents.textColumn, "Review")
        XCTAssertEqual(contents.labelColumn, "Sentiment")
        XCTAssertEqual(contents.examples, [
            Example(text: "Great film, loved it", label: "pos"),
            Example(text: "A \"quoted\" word", label: "pos"),
            Example(text: "Line one line two", label: "neg"),
            Example(text: "Café scenes: 5\" screen", label: "neg"),
        ])
        XCTAssertEqual(contents.rowsRead, 6)
        XCTAssertEqual(contents.emptyTextLines, [7])
        XCTAssertEqual(contents.missingLabelLines, [8])
        XCTAssertEqual(contents.skipReport, "read 6 rows: skipped 1 with empty text (line 7), 1 with no label (line 8)")
    }

    func testTSVWithQuotedTab() throws {
        let contents = try UserFileReader.read(fixture("reviews.tsv"))
        XCTAssertEqual(contents.format, .tsv)
        XCTAssertEqual(contents.examples.map(\.text), ["A fine movie", "Dull and slow", "Sharp writing", "Weak ending"])
        XCTAssertEqual(contents.examples.map(\.label), ["pos", "neg", "pos", "neg"])
        XCTAssertEqual(contents.emptyTextLines + contents.missingLabelLines, [])
    }

    func testJSONL() throws {
        let contents = try UserFileReader.read(fixture("reviews.jsonl"))
        XCTAssertEqual(contents.format, .jsonl)
        XCTAssertEqual(contents.examples, [
            Example(text: "Loved every minute", label: "1"),
            Example(text: "Hated it", label: "0"),
            Example(text: "Café \"quote\" next line", label: "0"),
            Example(text: "Rating as float", label: "1"),
        ])
        XCTAssertEqual(contents.emptyTextLines, [4])
        XCTAssertEqual(contents.missingLabelLines, [5, 7])
        XCTAssertEqual(contents.rowsRead, 7)
    }

    func testExplicitColumnsAndFormatOverride() throws {
        let csv = Array("body,stars,score\nnice one,5,x\nawful,1,y\n".utf8)
        let contents = try UserFileReader.parse(csv, format: .csv, file: "m.csv",
                                                options: .init(textColumn: "body", labelColumn: "stars"))
        XCTAssertEqual(contents.examples, [Example(text: "nice one", label: "5"), Example(text: "awful", label: "1")])
        // The same file forced to TSV has one column, so the named columns are missing.
        let error = expectError(.missingColumn, line: 1) {
            _ = try UserFileReader.parse(csv, format: .tsv, file: "m.csv", options: .init(textColumn: "body", labelColumn: "stars"))
        }
        XCTAssertTrue(error?.description.contains("--text-column") ?? false)
        // The extension decides unless overridden.
        expectError(.unknownFormat, line: nil) {
            _ = try UserFileReader.read(URL(fileURLWithPath: "/nonexistent/data.txt"))
        }
    }

    func testMalformedFilesNameFileAndLine() throws {
        var error = expectError(.invalidUTF8, line: 4) { _ = try UserFileReader.read(fixture("invalid_utf8.csv")) }
        XCTAssertTrue(error?.description.hasPrefix(fixture("invalid_utf8.csv").path + ":4: ") ?? false, "\(String(describing: error))")

        error = expectError(.raggedRow, line: 5) { _ = try UserFileReader.read(fixture("ragged.csv")) }
        XCTAssertTrue(error?.message.contains("3 fields") ?? false)

        expectError(.unterminatedQuote, line: 4) { _ = try UserFileReader.read(fixture("unterminated.csv")) }
        expectError(.textAfterQuote, line: 3) { _ = try UserFileReader.read(fixture("text_after_quote.csv")) }

        error = expectError(.missingColumn, line: 1) { _ = try UserFileReader.read(fixture("missing_column.csv")) }
        for candidate in ["text", "sentence", "review"] {
            XCTAssertTrue(error?.message.contains(candidate) ?? false, "candidates listed: \(String(describing: error))")
        }
        XCTAssertTrue(error?.message.contains("\"body_text\"") ?? false, "header listed")

        expectError(.emptyFile, line: 1) { _ = try UserFileReader.read(fixture("empty.csv")) }
        expectError(.emptyFile, line: 1) { _ = try UserFileReader.read(fixture("bom_only.csv")) }
        expectError(.noUsableRows, line: nil) { _ = try UserFileReader.read(fixture("header_only.csv")) }
        expectError(.noUsableRows, line: nil) { _ = try UserFileReader.read(fixture("all_skipped.csv")) }
        error = expectError(.singleClass, line: nil) { _ = try UserFileReader.read(fixture("single_class.csv")) }
        XCTAssertTrue(error?.message.contains("\"pos\"") ?? false)

        expectError(.invalidJSON, line: 3) { _ = try UserFileReader.read(fixture("bad_json.jsonl")) }
        expectError(.invalidJSON, line: 2) { _ = try UserFileReader.read(fixture("not_object.jsonl")) }
        expectError(.io, line: nil) { _ = try UserFileReader.read(fixture("does_not_exist.csv")) }
    }

    func testLineNumbersCountQuotedNewlinesAndCRLF() throws {
        let csv = Array("text,label\r\n\"a\r\nb\r\nc\",x\r\n\r\nok,y\r\n\"open\r\n".utf8)
        expectError(.unterminatedQuote, line: 7) { _ = try UserFileReader.parse(csv, format: .csv, file: "f.csv") }
        let invalid: [UInt8] = Array("text,label\n\"multi\nline\",x\nbad".utf8) + [0xC3, 0x28] + Array(",y\n".utf8)
        expectError(.invalidUTF8, line: 4) { _ = try UserFileReader.parse(invalid, format: .csv, file: "f.csv") }
        // Overlong encodings and surrogates are invalid UTF-8 too.
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            expectError(.invalidUTF8, line: 2) {
                _ = try UserFileReader.parse(Array("text,label\n".utf8) + bad + Array(",x\nz,y\n".utf8), format: .csv, file: "f.csv")
            }
        }
    }

    func testOneMegabyteLineIsAcceptedInLinearTime() throws {
        let long = String(repeating: "word ", count: 200_000)   // 1,000,000 bytes
        var csv = "text,label\n\"\(long)\",pos\nshort,neg\n"
        let start = Date()
        var contents = try UserFileReader.parse(Array(csv.utf8), format: .csv, file: "big.csv")
        XCTAssertEqual(contents.examples.count, 2)
        XCTAssertEqual(contents.examples[0].text.utf8.count, 999_999)   // trailing space trimmed
        csv = "{\"text\": \"\(long)\", \"label\": \"pos\"}\n{\"text\": \"x\", \"label\": \"neg\"}\n"
        contents = try UserFileReader.parse(Array(csv.utf8), format: .jsonl, file: "big.jsonl")
        XCTAssertEqual(contents.examples.count, 2)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "no quadratic behaviour")
    }

    func testFromUserFileSplitsAndReports() throws {
        // 30 rows of 3 labels, plus two exact duplicates.
        var lines = ["text,label"]
        for i in 0..<30 { lines.append("text number \(i),\(["a", "b", "c"][i % 3])") }
        lines.append("text number 0,a")
        lines.append("\"text  number 1\",b")   // a duplicate after whitespace normalisation
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("robust-import-\(UUID().uuidString).csv")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let (splits, contents) = try DatasetSplits.fromUserFile(url, name: "mine", seed: 5, robustVersion: "test")
        XCTAssertEqual(contents.rowsRead, 32)
        XCTAssertEqual(splits.manifest.preparation.duplicatesRemoved, 2)
        XCTAssertEqual(splits.labels, ["a", "b", "c"])
        XCTAssertEqual(splits.train.count + splits.dev.count + splits.test.count, 30)
        for split in [splits.train, splits.dev, splits.test] {
            XCTAssertEqual(Set(split.map(\.label)), ["a", "b", "c"])
        }
        XCTAssertEqual(splits.manifest.split.seed, 5)
        XCTAssertEqual(splits.manifest.sources.first?.sha256.count, 64)

        // resolve() picks the file and splits it the same way.
        let resolved = try DatasetSplits.resolve(url.path, dataDirectory: URL(fileURLWithPath: "/nonexistent"), seed: 5)
        XCTAssertEqual(resolved.test, splits.test)
        XCTAssertNil(resolved.directory)
    }

    func testLabelOrder() {
        XCTAssertEqual(DatasetStore.orderedLabels(["10", "2", "1"]), ["1", "2", "10"])
        XCTAssertEqual(DatasetStore.orderedLabels(["pos", "neg", "Neutral"]), ["Neutral", "neg", "pos"])
    }
}
