// Seeded stratified splits, normalisation, SHA-256, the content hash, and the dataset folder:
// round trip, tamper detection, atomic writes.
import Basics
import Foundation
import XCTest
@testable import Datasets

final class SplitAndStoreTests: XCTestCase {
    func examples(_ counts: [String: Int]) -> [Example] {
        var result: [Example] = []
        for (label, count) in counts.sorted(by: { $0.key < $1.key }) {
            for i in 0..<count { result.append(Example(text: "\(label) example \(i)", label: label)) }
        }
        // Interleave deterministically so order is not grouped by label.
        return result.enumerated().sorted { ($0.offset * 7919) % 1009 < ($1.offset * 7919) % 1009 }.map(\.element)
    }

    // MARK: - Split

    func testSplitIsDeterministicAndSeedSensitive() throws {
        let data = examples(["pos": 500, "neg": 480, "neutral": 20])
        let a = try stratifiedSplit(data, seed: 42)
        let b = try stratifiedSplit(data, seed: 42)
        XCTAssertEqual(a.train, b.train)
        XCTAssertEqual(a.dev, b.dev)
        XCTAssertEqual(a.test, b.test)
        let c = try stratifiedSplit(data, seed: 43)
        XCTAssertNotEqual(a.test, c.test, "a different seed gives a different split")
        XCTAssertEqual(a.test.count, c.test.count, "but the same sizes")
    }

    func testSplitPinnedForSeed() throws {
        // Pins SplitMix64 and the shuffle so a platform or refactor change cannot silently move examples.
        var generator = SeededRandom(seed: 1234567)
        XCTAssertEqual(generator.next(), 6457827717110365317)
        XCTAssertEqual(generator.next(), 3203168211198807973)
        let data = (0..<10).map { Example(text: "t\($0)", label: $0 < 5 ? "a" : "b") }
        // Expected values from an independent Python implementation of the same algorithm.
        let split = try stratifiedSplit(data, seed: 7)
        XCTAssertEqual(split.train.map(\.text), ["t0", "t2", "t3", "t6", "t8", "t9"])
        XCTAssertEqual(split.dev.map(\.text), ["t4", "t7"])
        XCTAssertEqual(split.test.map(\.text), ["t1", "t5"])
        let other = try stratifiedSplit(data, seed: 8)
        XCTAssertEqual(other.test.map(\.text), ["t0", "t8"])
    }

    func testSplitIsStratifiedAndComplete() throws {
        let counts = ["pos": 500, "neg": 480, "neutral": 20, "rare": 3, "tiny": 2, "one": 1]
        let data = examples(counts)
        let split = try stratifiedSplit(data, seed: 9)
        XCTAssertEqual(Set(split.train + split.dev + split.test), Set(data), "a partition")
        XCTAssertEqual(split.train.count + split.dev.count + split.test.count, data.count)
        func count(_ split: [Example], _ label: String) -> Int { split.filter { $0.label == label }.count }
        for (label, n) in counts {
            if n >= 3 {
                XCTAssertGreaterThanOrEqual(count(split.dev, label), 1, label)
                XCTAssertGreaterThanOrEqual(count(split.test, label), 1, label)
                XCTAssertGreaterThanOrEqual(count(split.train, label), 1, label)
            } else {
                XCTAssertEqual(count(split.train, label), n, "a class under 3 examples stays in train")
            }
        }
        XCTAssertEqual(count(split.dev, "pos"), 50)
        XCTAssertEqual(count(split.test, "neg"), 48)
        XCTAssertEqual(count(split.dev, "neutral"), 2)
        // Each split keeps input order.
        let order = Dictionary(uniqueKeysWithValues: data.enumerated().map { ($0.element, $0.offset) })
        for part in [split.train, split.dev, split.test] {
            let positions = part.compactMap { order[$0] }
            XCTAssertEqual(positions, positions.sorted())
        }
        // A zero ratio gives an empty split (TREC's dev-only carve).
        let carve = try stratifiedSplit(data, ratios: SplitRatios(train: 0.9, dev: 0.1, test: 0), seed: 9)
        XCTAssertTrue(carve.test.isEmpty)
        XCTAssertThrowsError(try stratifiedSplit(data, ratios: SplitRatios(train: 0.5, dev: 0.1, test: 0.1), seed: 1))
    }

    // MARK: - Normalisation and hashing

    func testNormalizeAndDeduplicate() {
        XCTAssertEqual(TextNormalizer.normalize("  a\t\tb \r\n c\u{00A0}d  "), "a b c d")
        XCTAssertEqual(TextNormalizer.normalize("already clean"), "already clean")
        XCTAssertEqual(TextNormalizer.normalize(" "), "")
        XCTAssertEqual(TextNormalizer.normalize(""), "")
        XCTAssertEqual(TextNormalizer.normalize("Café, \"quoted\""), "Café, \"quoted\"")
        let input = [Example(text: "x", label: "a"), Example(text: "y", label: "a"), Example(text: "x", label: "b"),
                     // NFC and NFD é: equal as Swift Strings, but not byte-equal, so both kept.
                     Example(text: "caf\u{E9}", label: "a"), Example(text: "cafe\u{301}", label: "a")]
        let result = TextNormalizer.deduplicate(input)
        XCTAssertEqual(result.kept.map(\.text), ["x", "y", "caf\u{E9}", "cafe\u{301}"])
        XCTAssertEqual(result.removed, 1)
        XCTAssertEqual(result.conflicting, 1)
    }

    func testSHA256() {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Streaming in uneven pieces gives the same digest.
        let bytes = [UInt8]((0..<300).flatMap { _ in 0...255 })
        var hasher = SHA256()
        var index = 0
        for piece in [1, 63, 64, 65, 127, 1000, 5] + Array(repeating: 7000, count: 20) where index < bytes.count {
            let end = min(bytes.count, index + piece)
            hasher.update(Array(bytes[index..<end]))
            index = end
        }
        hasher.update(Array(bytes[index...]))
        XCTAssertEqual(hasher.finalizeHex(), "f8b0585eb91f58c007a5634362c9f90d8543822c113f702523bc7b73408a9392")
    }

    func testContentHashIsPinnedAndSensitive() {
        let train = [Example(text: "good film", label: "pos"), Example(text: "café au lait", label: "neg")]
        let dev = [Example(text: "ok \"fine\"", label: "pos")]
        // Computed independently with Python's hashlib from the definition in Manifest.swift.
        let pinned = "e874db9b17e1cd9599052fd04f943bc29e17cff980b6a2de004a29ea6b94d9f8"
        XCTAssertEqual(ContentHash.compute(train: train, dev: dev, test: []), pinned)
        XCTAssertNotEqual(ContentHash.compute(train: train.reversed(), dev: dev, test: []), pinned, "order matters")
        XCTAssertNotEqual(ContentHash.compute(train: train, dev: [], test: dev), pinned, "split membership matters")
        XCTAssertNotEqual(ContentHash.compute(train: train + dev, dev: [], test: []), pinned, "split boundaries matter")
        var relabelled = train
        relabelled[0].label = "neg"
        XCTAssertNotEqual(ContentHash.compute(train: relabelled, dev: dev, test: []), pinned, "labels matter")
    }

    // MARK: - Dataset folder

    func temporaryDataDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("robust-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func sample(seed: UInt64 = 42, name: String = "sample") throws -> DatasetSplits {
        let data = examples(["pos": 40, "neg": 30]) + [Example(text: "tricky \"quotes\" \\ and\ttab\u{1}", label: "pos")]
        let parts = try stratifiedSplit(data, seed: seed)
        return DatasetSplits(name: name, description: "test data", labels: ["neg", "pos"], train: parts.train, dev: parts.dev,
                             test: parts.test, sources: [.init(file: "made-up.csv", sha256: String(repeating: "0", count: 64))],
                             split: .init(method: "stratified", seed: seed, ratios: SplitRatios.standard.array),
                             preparation: .init(recordsRead: data.count), robustVersion: "0.0.test")
    }

    func testWriteLoadRoundTripAndStableBytes() throws {
        let dir = try temporaryDataDir()
        let splits = try sample()
        let written = try splits.write(to: dir.appendingPathComponent("sample"), replace: false)
        XCTAssertEqual(written.directory?.lastPathComponent, "sample")
        let loaded = try DatasetSplits.load(directory: dir.appendingPathComponent("sample"))
        XCTAssertEqual(loaded.train, splits.train)
        XCTAssertEqual(loaded.dev, splits.dev)
        XCTAssertEqual(loaded.test, splits.test)
        XCTAssertEqual(loaded.manifest, splits.manifest)
        XCTAssertEqual(loaded.manifest.counts["train"]?.values.reduce(0, +), splits.train.count)
        // Name resolution.
        XCTAssertEqual(try DatasetSplits.resolve("sample", dataDirectory: dir).test, splits.test)
        XCTAssertEqual(try DatasetSplits.resolve(dir.appendingPathComponent("sample").path, dataDirectory: dir).dev, splits.dev)
        XCTAssertThrowsError(try DatasetSplits.resolve("mr", dataDirectory: dir)) { error in
            XCTAssertTrue("\(error)".contains("robust data fetch mr"), "\(error)")
        }
        // Same input, same bytes (no timestamps).
        try splits.write(to: dir.appendingPathComponent("again"), replace: false)
        for file in ["train.jsonl", "dev.jsonl", "test.jsonl"] {
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("sample/\(file)")),
                           try Data(contentsOf: dir.appendingPathComponent("again/\(file)")))
        }
        let manifestText = try String(contentsOf: dir.appendingPathComponent("sample/dataset.json"), encoding: .utf8)
        XCTAssertTrue(manifestText.contains("\"content_sha256\" : \"\(splits.manifest.contentSHA256)\""))
        // JSONL lines are {"text", "label"} objects.
        let firstLine = try String(contentsOf: dir.appendingPathComponent("sample/train.jsonl"), encoding: .utf8)
            .split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(firstLine.hasPrefix("{\"text\":"), firstLine)
        // Existing folder without replace is refused.
        XCTAssertThrowsError(try splits.write(to: dir.appendingPathComponent("sample"), replace: false)) { error in
            XCTAssertEqual((error as? DatasetError)?.kind, .alreadyExists)
        }
        // Listing sees both, skipping hidden folders.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".hidden"), withIntermediateDirectories: true)
        XCTAssertEqual(DatasetStore.entries(in: dir).map(\.name), ["again", "sample"])
    }

    func testTamperedSplitIsDetected() throws {
        let dir = try temporaryDataDir()
        let folder = dir.appendingPathComponent("sample")
        try sample().write(to: folder, replace: false)
        let test = folder.appendingPathComponent("test.jsonl")
        var text = try String(contentsOf: test, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"label\":\"pos\"", with: "\"label\":\"neg\"")
        try text.write(to: test, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetSplits.load(directory: folder)) { error in
            XCTAssertEqual((error as? DatasetError)?.kind, .contentHashMismatch, "\(error)")
        }
        try "{\"text\":\"x\",\"label\":\"other\"}\n".write(to: test, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetSplits.load(directory: folder)) { error in
            XCTAssertEqual((error as? DatasetError)?.kind, .invalidRecord)
            XCTAssertEqual((error as? DatasetError)?.line, 1)
        }
    }

    struct InjectedFailure: Error {}

    func testInterruptedWriteLeavesNoFolder() throws {
        let dir = try temporaryDataDir()
        let folder = dir.appendingPathComponent("sample")
        for failingFile in ["train.jsonl", "dev.jsonl", "test.jsonl", "dataset.json"] {
            XCTAssertThrowsError(try sample().write(to: folder, replace: false) { file in
                if file == failingFile { throw InjectedFailure() }
            })
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path), "no half dataset after failing at \(failingFile)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "no staging folder left")
        }
    }

    func testFailedReplaceKeepsTheOldDataset() throws {
        let dir = try temporaryDataDir()
        let folder = dir.appendingPathComponent("sample")
        let old = try sample(seed: 1)
        try old.write(to: folder, replace: false)
        XCTAssertThrowsError(try sample(seed: 2).write(to: folder, replace: true) { file in
            if file == "dataset.json" { throw InjectedFailure() }
        })
        XCTAssertEqual(try DatasetSplits.load(directory: folder).manifest.split.seed, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["sample"])
        // A successful replace swaps it and cleans up.
        try sample(seed: 2).write(to: folder, replace: true)
        XCTAssertEqual(try DatasetSplits.load(directory: folder).manifest.split.seed, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["sample"])
    }

    func testDefaultDirectoryAndNames() {
        XCTAssertEqual(DatasetStore.defaultDirectory(environment: [:]).lastPathComponent, "data")
        XCTAssertEqual(DatasetStore.defaultDirectory(environment: ["ROBUST_DATA_DIR": "/tmp/x"]).path, "/tmp/x")
        XCTAssertTrue(DatasetStore.isValidName("my_data-1.v2"))
        for bad in ["", ".hidden", "a/b", "../up", "naïve", String(repeating: "a", count: 65)] {
            XCTAssertFalse(DatasetStore.isValidName(bad), bad)
        }
    }
}
