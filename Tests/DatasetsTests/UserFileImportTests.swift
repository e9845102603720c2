// Datasets from the user's own split files (`robust data import --train --dev --test`): labels that
// differ, dev carved from train (seeded, stratified, deterministic), test-only datasets, texts in two
// files, the manifest's record of where each split came from, and reading older manifests.
import Foundation
import XCTest
@testable import Datasets

final class UserFileImportTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("robust-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
    }

    /// Writes a CSV of (text, label) rows and returns its URL.
    @discardableResult
    func csv(_ name: String, _ rows: [(String, String)]) throws -> URL {
        let url = folder.appendingPathComponent(name)
        let lines = ["text,label"] + rows.map { "\"\($0.0)\",\($0.1)" }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// `count` rows per label, texts "PREFIX LABEL i", interleaved by label.
    func rows(_ prefix: String, _ counts: [(String, Int)]) -> [(String, String)] {
        var result: [(String, String)] = []
        for i in 0..<(counts.map(\.1).max() ?? 0) {
            for (label, count) in counts where i < count { result.append(("\(prefix) \(label) \(i)", label)) }
        }
        return result
    }

    func load(_ files: SplitFiles, seed: UInt64 = 42) throws -> DatasetSplits {
        try DatasetSplits.fromUserFiles(files, name: "mine", seed: seed, robustVersion: "test").splits
    }

    func expectError(_ kind: DatasetError.Kind, _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? DatasetError)?.kind, kind, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), "one line", file: file, line: line)
        }
    }

    func testLabelsThatDifferAreOneErrorListingThem() throws {
        let train = try csv("train.csv", rows("tr", [("pos", 5), ("neg", 5), ("neutral", 5)]))
        let test = try csv("test.csv", rows("te", [("pos", 3), ("neg", 3), ("mixed", 2)]))
        expectError(.labelsDiffer, "labels differ") { _ = try load(SplitFiles(train: train, test: test)) }
        XCTAssertThrowsError(try load(SplitFiles(train: train, test: test))) { error in
            XCTAssertEqual("\(error)", "labels differ between --train and --test: only in train: neutral; only in test: mixed")
        }
        let dev = try csv("dev.csv", rows("de", [("pos", 3), ("neg", 3)]))
        XCTAssertThrowsError(try load(SplitFiles(train: train, dev: dev))) { error in
            XCTAssertEqual("\(error)", "labels differ between --train and --dev: only in train: neutral")
        }
    }

    func testDevIsCarvedFromTrainSeededAndStratified() throws {
        let trainRows = rows("tr", [("pos", 40), ("neg", 30), ("neutral", 2)])
        let train = try csv("train.csv", trainRows)
        let test = try csv("test.csv", rows("te", [("pos", 5), ("neg", 5), ("neutral", 5)]))
        let files = SplitFiles(train: train, test: test)
        let a = try load(files), b = try load(files), c = try load(files, seed: 7)
        XCTAssertEqual(a.train, b.train)
        XCTAssertEqual(a.dev, b.dev)
        XCTAssertNotEqual(a.dev, c.dev, "another seed carves another dev")
        // The test file is taken whole, in file order; train and dev partition the training file.
        XCTAssertEqual(a.test.map(\.text), rows("te", [("pos", 5), ("neg", 5), ("neutral", 5)]).map(\.0))
        XCTAssertEqual(Set(a.train + a.dev), Set(trainRows.map { Example(text: $0.0, label: $0.1) }))
        XCTAssertTrue(Set(a.train).isDisjoint(with: a.dev))
        // 10% of each label, at least one where the label has two or more.
        func count(_ examples: [Example], _ label: String) -> Int { examples.filter { $0.label == label }.count }
        XCTAssertEqual(count(a.dev, "pos"), 4)
        XCTAssertEqual(count(a.dev, "neg"), 3)
        XCTAssertEqual(count(a.dev, "neutral"), 1)
        XCTAssertEqual(count(a.train, "neutral"), 1)
        // Each split keeps file order.
        let order = Dictionary(uniqueKeysWithValues: trainRows.enumerated().map { ($0.element.0, $0.offset) })
        for part in [a.train, a.dev] {
            let positions = part.compactMap { order[$0.text] }
            XCTAssertEqual(positions, positions.sorted())
        }
        // The manifest says how each split was made.
        let split = a.manifest.split
        XCTAssertEqual(split.method, "files")
        XCTAssertEqual(split.seed, 42)
        XCTAssertEqual(split.ratios, [0.9, 0.1, 0])
        XCTAssertEqual(split.origins?["test"], .init(how: "file", file: test.path))
        XCTAssertEqual(split.origins?["dev"], .init(how: "carved", file: train.path, carvedFrom: "train", share: 0.1, seed: 42))
        XCTAssertEqual(split.origins?["train"], .init(how: "rest", file: train.path))
        XCTAssertEqual(a.manifest.sources.map(\.file), [train.path, test.path])
        XCTAssertTrue(split.note?.contains("dev a seeded stratified 10% of train.csv (seed 42)") ?? false, "\(split.note ?? "")")
        // It survives a write and a load.
        let written = try a.write(to: folder.appendingPathComponent("data/mine"), replace: false)
        let loaded = try DatasetSplits.load(directory: try XCTUnwrap(written.directory))
        XCTAssertEqual(loaded.manifest, a.manifest)
        XCTAssertEqual(loaded.dev, a.dev)
    }

    func testTextsInTwoFilesStayInTestAndAreCounted() throws {
        var trainRows = rows("tr", [("pos", 10), ("neg", 10)])
        trainRows += [("shared one", "pos"), ("shared two", "neg"), ("tr pos 0", "pos"), ("in dev too", "pos")]
        let testRows = rows("te", [("pos", 3), ("neg", 3)]) + [("shared one", "pos"), ("shared two", "pos")]
        let devRows = rows("de", [("pos", 2), ("neg", 2)]) + [("in dev too", "pos"), ("shared one", "pos")]
        let train = try csv("train.csv", trainRows), test = try csv("test.csv", testRows), dev = try csv("dev.csv", devRows)
        let splits = try load(SplitFiles(train: train, dev: dev, test: test))
        XCTAssertEqual(splits.test.map(\.text), testRows.map(\.0), "the test file stays whole")
        XCTAssertEqual(splits.dev.map(\.text), rows("de", [("pos", 2), ("neg", 2)]).map(\.0) + ["in dev too"])
        XCTAssertEqual(splits.train.map(\.text), rows("tr", [("pos", 10), ("neg", 10)]).map(\.0))
        let preparation = splits.manifest.preparation
        XCTAssertEqual(preparation.duplicatesRemoved, 5)
        XCTAssertEqual(preparation.recordsRead, trainRows.count + testRows.count + devRows.count)
        let notes = preparation.notes.joined(separator: "\n")
        XCTAssertTrue(notes.contains("train: train.csv, format csv, text column \"text\", label column \"label\": 24 usable rows, dropped 1 repeating an earlier row of the file, 2 whose text is also in test (test.csv), 1 whose text is also in dev (dev.csv), 20 left"), notes)
        XCTAssertTrue(notes.contains("dev: dev.csv, format csv, text column \"text\", label column \"label\": 6 usable rows, dropped 1 whose text is also in test (test.csv), 5 left"), notes)
        XCTAssertTrue(notes.contains("1 dropped duplicate texts had a different label"), notes)
        XCTAssertEqual(splits.manifest.split.ratios, [1, 0, 0], "nothing carved")
        XCTAssertEqual(splits.manifest.split.origins?["train"]?.how, "file")

        // A training file that only repeats test texts leaves nothing to train on.
        let copy = try csv("copy.csv", testRows)
        expectError(.noUsableRows, "nothing is left to train on") { _ = try load(SplitFiles(train: copy, test: test)) }
    }

    func testTestOnlyTrainOnlyAndTrainDev() throws {
        let test = try csv("test.csv", rows("te", [("pos", 4), ("neg", 3)]))
        let testOnly = try load(SplitFiles(test: test))
        XCTAssertTrue(testOnly.train.isEmpty)
        XCTAssertTrue(testOnly.dev.isEmpty)
        XCTAssertEqual(testOnly.test.count, 7)
        XCTAssertEqual(testOnly.labels, ["neg", "pos"])
        XCTAssertEqual(testOnly.manifest.split.origins?["train"]?.how, "empty")
        XCTAssertEqual(testOnly.manifest.split.origins?["dev"]?.how, "empty")
        XCTAssertEqual(testOnly.manifest.split.ratios, [])

        // --train alone: the same split as the single-file import, example for example.
        let trainRows = rows("tr", [("pos", 25), ("neg", 20), ("odd", 3)]) + [("tr pos 3", "pos")]
        let train = try csv("train.csv", trainRows)
        let alone = try load(SplitFiles(train: train), seed: 3)
        let single = try DatasetSplits.fromUserFile(train, name: "mine", seed: 3, robustVersion: "test").splits
        XCTAssertEqual(alone.train, single.train)
        XCTAssertEqual(alone.dev, single.dev)
        XCTAssertEqual(alone.test, single.test)
        XCTAssertEqual(alone.manifest.contentSHA256, single.manifest.contentSHA256)
        XCTAssertEqual(alone.manifest.split.origins?["test"]?.how, "carved")
        XCTAssertNil(single.manifest.split.origins, "the single-file manifest is as before")

        // --train and --dev: test is carved from train.
        let dev = try csv("dev.csv", rows("de", [("pos", 2), ("neg", 2), ("odd", 1)]))
        let trainDev = try load(SplitFiles(train: train, dev: dev))
        XCTAssertEqual(trainDev.dev.count, 5)
        XCTAssertEqual(trainDev.test.count, 3 + 2 + 1)
        XCTAssertEqual(trainDev.manifest.split.origins?["test"]?.carvedFrom, "train")
        XCTAssertNil(trainDev.manifest.split.origins?["dev"]?.carvedFrom)
    }

    func testMissingAndUnusableFiles() throws {
        let test = try csv("test.csv", rows("te", [("pos", 4), ("neg", 3)]))
        let missing = folder.appendingPathComponent("nothere.csv")
        expectError(.notFound, "nothere.csv: no such file (--train)") { _ = try load(SplitFiles(train: missing, test: test)) }
        expectError(.invalidArgument, "is a folder") { _ = try load(SplitFiles(train: folder, test: test)) }
        try "text,label\n\"  \",pos\n".write(to: folder.appendingPathComponent("blank.csv"), atomically: true, encoding: .utf8)
        expectError(.noUsableRows, "blank.csv: no usable rows") {
            _ = try load(SplitFiles(train: folder.appendingPathComponent("blank.csv"), test: test))
        }
        expectError(.invalidArgument, "give at least one of --train, --dev and --test") { _ = try load(SplitFiles()) }
    }

    func testManifestsWithoutOriginsStillLoad() throws {
        // A dataset.json as robust wrote it before `origins` existed.
        let old = """
            {"content_sha256":"x","counts":{"dev":{"a":0},"test":{"a":0},"train":{"a":0}},"description":"d",
             "format_version":1,"labels":["a"],"name":"old",
             "preparation":{"duplicates_removed":0,"notes":[],"records_read":0,"skipped_empty_text":0,"skipped_missing_label":0},
             "robust_version":"0.1.0","sources":[],"split":{"method":"stratified","ratios":[0.8,0.1,0.1],"seed":42}}
            """
        try old.write(to: folder.appendingPathComponent("dataset.json"), atomically: true, encoding: .utf8)
        let manifest = try DatasetSplits.loadManifest(directory: folder)
        XCTAssertNil(manifest.split.origins)
        XCTAssertEqual(manifest.split.method, "stratified")
        // And writing one without origins adds no key.
        XCTAssertFalse(String(decoding: try manifest.encoded(), as: UTF8.self).contains("origins"))
    }
}
