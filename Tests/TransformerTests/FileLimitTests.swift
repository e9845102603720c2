// FileLimitTests: the small files a checkpoint folder holds (config.json, tokenizer files) are refused with one
// line, before they are read, when they are over their documented limit or not regular files (a FIFO would block
// the load forever, /dev/zero would fill memory).
import Basics
import Foundation
import TestSupport
import Tokenizer
import Transformer
import XCTest

final class FileLimitTests: XCTestCase {
    /// A copy of the electra family fixture (config.json, model.safetensors, tokenizer files).
    private func checkpoint() throws -> URL {
        let folder = try temporaryFolder(self).appendingPathComponent("model")
        try FileManager.default.copyItem(at: TestPaths.fixture("families/electra/model"), to: folder)
        return folder
    }

    /// Replaces `name` in `folder` with a sparse file of `size` bytes (no disk used).
    private func replaceWithSparseFile(_ folder: URL, _ name: String, size: Int) throws {
        let url = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data("{".utf8)))
        XCTAssertEqual(truncate(url.path, off_t(size)), 0)
    }

    private func loadError(_ folder: URL) -> String? {
        do { _ = try ModelHandle(directory: folder); return nil } catch { return String(describing: error) }
    }

    func testAnOversizedConfigIsRefusedBeforeItIsRead() throws {
        let folder = try checkpoint()
        XCTAssertNil(loadError(folder), "the fixture loads")
        try replaceWithSparseFile(folder, "config.json", size: 3 << 30)
        let message = try XCTUnwrap(loadError(folder))
        XCTAssertTrue(message.hasSuffix("config.json: 3,221,225,472 bytes; a model configuration may be at most 16 MB"), message)
        XCTAssertFalse(message.contains("\n"))
    }

    func testAnOversizedTokenizerFileIsRefusedBeforeItIsRead() throws {
        let folder = try checkpoint()
        let name = FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path) ? "tokenizer.json" : "vocab.txt"
        try replaceWithSparseFile(folder, name, size: (256 << 20) + 1)
        let message = try XCTUnwrap(loadError(folder))
        XCTAssertTrue(message.contains("268,435,457 bytes; a tokenizer file may be at most 256 MB"), message)
    }

    func testAFIFOOrDeviceInPlaceOfAFileIsRefusedWithoutBlocking() throws {
        for name in ["config.json", "tokenizer_config.json"] {
            let folder = try checkpoint()
            let url = folder.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: url)
            XCTAssertEqual(mkfifo(url.path, 0o600), 0)
            let message = try XCTUnwrap(loadError(folder), name)
            XCTAssertTrue(message.contains("is a FIFO (named pipe), not a regular file"), message)
        }
        let folder = try checkpoint()
        let config = folder.appendingPathComponent("config.json")
        try FileManager.default.removeItem(at: config)
        try FileManager.default.createSymbolicLink(atPath: config.path, withDestinationPath: "/dev/zero")
        let message = try XCTUnwrap(loadError(folder))
        XCTAssertTrue(message.contains("is a device or socket, not a regular file"), message)
    }

    func testTheReaderReturnsTheWholeFileAndSaysWhatItRefuses() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("small.json")
        let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: url)
        XCTAssertEqual(try FileLimits.read(url, as: .metadata), bytes)
        XCTAssertThrowsError(try FileLimits.read(url, as: FileLimits.Kind("test file", maxBytes: 65_536))) {
            XCTAssertEqual(String(describing: $0), "\(url.path): 100,000 bytes; a test file may be at most 64 KB")
        }
        XCTAssertThrowsError(try FileLimits.read(folder, as: .metadata)) {
            XCTAssertEqual(String(describing: $0), "\(folder.path): is a folder, not a file")
        }
        XCTAssertThrowsError(try FileLimits.read(folder.appendingPathComponent("missing"), as: .metadata)) {
            XCTAssertTrue(String(describing: $0).hasSuffix("missing: cannot open: No such file or directory"), String(describing: $0))
        }
        XCTAssertEqual(FileLimits.grouped(0), "0")
        XCTAssertEqual(FileLimits.grouped(999), "999")
        XCTAssertEqual(FileLimits.grouped(1_000), "1,000")
        XCTAssertEqual(FileLimits.grouped(-1_234_567), "-1,234,567")
    }
}
