// HostileUserFileTests: data files a hostile-input audit broke — old-Mac CR-only line ends, a NUL in a
// label, JSONL values Foundation cannot represent, FIFOs and devices — each read right or refused with
// one short line.
import Foundation
import TestSupport
import XCTest
@testable import Datasets

final class HostileUserFileTests: XCTestCase {
    func parse(_ text: String, _ format: UserFileFormat = .csv) throws -> UserFileContents {
        try UserFileReader.parse(Array(text.utf8), format: format, file: "f")
    }

    func message(_ text: String, _ format: UserFileFormat = .csv) -> String {
        do { _ = try parse(text, format); return "no error" } catch { return String(describing: error) }
    }

    func testCROnlyLineEndsAreLineEnds() throws {
        let contents = try parse("text,label\rgood film,pos\rbad film,neg\r\"two\rlines\",pos\r")
        XCTAssertEqual(contents.examples.map(\.label), ["pos", "neg", "pos"])
        XCTAssertEqual(contents.examples[2].text, "two\rlines".replacingOccurrences(of: "\r", with: " "))
        // Mixed with CRLF and LF, as files edited on several systems are.
        XCTAssertEqual(try parse("text,label\r\na,pos\rb,neg\nc,pos").examples.map(\.text), ["a", "b", "c"])
    }

    func testAHugeHeaderGivesAShortMessage() {
        let wide = "t" + (0..<50_000).map { ",column\($0)" }.joined() + "\n"
        let error = message(wide)
        XCTAssertLessThan(error.count, 1_000, error)
        XCTAssertTrue(error.contains("… (50001 columns)"), error)
        let oneLong = String(repeating: "x", count: 1_000_000) + "\n"
        XCTAssertLessThan(message(oneLong).count, 600)
    }

    func testControlCharactersInLabelsAreRefused() {
        XCTAssertEqual(message("text,label\ngood,pos\nbad,po\u{0}s\n"),
                       "f:3: the label holds a control character (U+0000); labels must be printable")
    }

    func testJSONLValuesFoundationCannotRepresentAreNamed() {
        let big = message("{\"text\": \"good\", \"label\": 1e999}\n", .jsonl)
        XCTAssertTrue(big.contains("a number out of range such as 1e999"), big)
        let surrogate = message("{\"text\": \"a \\ud800 b\", \"label\": \"pos\"}\n", .jsonl)
        XCTAssertTrue(surrogate.contains("lone surrogate"), surrogate)
        XCTAssertTrue(message("{\"text\": [1, 2], \"label\": \"pos\"}\n", .jsonl).hasSuffix("must be a string, not an array"))
        XCTAssertTrue(message("{\"text\": \"a\", \"label\": {\"x\": 1}}\n", .jsonl).hasSuffix("must be a string or number, not an object"))
    }

    func testFIFOsAndDevicesAreNotRead() throws {
        let folder = try temporaryFolder(self)
        let fifo = folder.appendingPathComponent("pipe.csv")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        XCTAssertThrowsError(try UserFileReader.read(fifo)) {
            XCTAssertEqual(String(describing: $0), "\(fifo.path): is a FIFO (named pipe), not a regular file; save the data to a file first")
        }
        XCTAssertThrowsError(try UserFileReader.read(URL(fileURLWithPath: "/dev/zero"), options: .init(format: .csv))) {
            XCTAssertEqual(String(describing: $0), "/dev/zero: is a device or socket, not a regular file; save the data to a file first")
        }
    }
}
