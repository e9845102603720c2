// ImageTestSupport: helpers shared by the image tests — temporary folders, gzip via the system `gzip`, the
// pixel formula of Tests/Fixtures/images/make_fixtures.py, CRC-32 for hand-made PNG chunks, and expected.json.
import Basics
import Foundation
import TestSupport
import XCTest
@testable import Datasets

extension XCTestCase {
    /// A fresh temporary folder, removed when the test ends.
    func imageTemporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("robust-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Asserts that `body` throws a `DatasetError` of `kind` whose one-line description contains every fragment.
    func assertDatasetError(_ kind: DatasetError.Kind, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                            _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected a \(kind) error", file: file, line: line)
        } catch let error as DatasetError {
            XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "not one line: \(text)", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(text.contains(fragment), "'\(fragment)' not in: \(text)", file: file, line: line)
            }
        } catch {
            XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
        }
    }
}

enum ImageFixtures {
    /// value(x, y, c) of make_fixtures.py.
    static func value(_ x: Int, _ y: Int, _ c: Int) -> UInt8 { UInt8((x * 37 + y * 91 + c * 53 + x * y * 7) % 256) }

    /// The formula image, channel-major.
    static func formula(channels: Int, height: Int, width: Int) -> PixelImage {
        var pixels: [UInt8] = []
        for c in 0..<channels { for y in 0..<height { for x in 0..<width { pixels.append(value(x, y, c)) } } }
        return PixelImage(unchecked: ImageShape(channels: channels, height: height, width: width), pixels: pixels)
    }

    static var folder: URL { TestPaths.fixture("images") }

    /// Tests/Fixtures/images/expected.json.
    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// `data` compressed by the system gzip (`-n`: no name or time stamp).
    static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("robust-gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("data")
        try Data(data).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", "-9", input.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestSetupError("gzip failed") }
        return [UInt8](try Data(contentsOf: folder.appendingPathComponent("data.gz")))
    }

    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    /// A PNG chunk: length, type, data, CRC.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
