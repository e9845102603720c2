// Which examples a selection yields: a split or all of them, --limit/--num-examples, --sample and
// --num-examples-offset, their errors, the pinned seeded sample, and a user file taken whole for
// --split all.
import Foundation
import XCTest
@testable import Datasets

final class ExampleSelectionTests: XCTestCase {
    func examples(_ prefix: String, _ count: Int) -> [Example] {
        (0..<count).map { Example(text: "\(prefix) \($0)", label: $0 % 2 == 0 ? "a" : "b") }
    }

    func dataset(train: Int = 6, dev: Int = 3, test: Int = 20) -> DatasetSplits {
        DatasetSplits(name: "toy", description: "", labels: ["a", "b"], train: examples("train", train), dev: examples("dev", dev),
                      test: examples("test", test), sources: [], split: .init(method: "stratified", seed: 1, ratios: [0.8, 0.1, 0.1]),
                      preparation: .init(recordsRead: train + dev + test), robustVersion: "test")
    }

    func texts(_ selection: ExampleSelection, _ data: DatasetSplits? = nil, seed: UInt64 = 42) throws -> [String] {
        try selection.examples(of: data ?? dataset(), seed: seed).map(\.text)
    }

    /// Expects a one-line DatasetError whose message contains `fragment`.
    func expectError(_ fragment: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertTrue(error is DatasetError, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), file: file, line: line)
        }
    }

    func testSamplingIsPinned() {
        // Values of the algorithm as it was in Sources/robust (Attack.swift) before it moved here: the same
        // seed must keep giving the same sample, or earlier runs could not be resumed or compared.
        XCTAssertEqual(Sampling.sample(Array(0..<20), count: 5, seed: 42), [3, 12, 13, 16, 18])
        XCTAssertEqual(Sampling.sample(Array(0..<100), count: 7, seed: 7), [4, 7, 13, 64, 69, 88, 95])
        XCTAssertEqual(Sampling.sample(Array(0..<5), count: 5, seed: 42), [0, 1, 2, 3, 4])
        XCTAssertEqual(Sampling.sample(Array(0..<5), count: 9, seed: 42), [0, 1, 2, 3, 4])
    }

    func testSplitLimitAndSample() throws {
        XCTAssertEqual(try texts(ExampleSelection()), (0..<20).map { "test \($0)" })
        XCTAssertEqual(try texts(ExampleSelection(split: "dev")), ["dev 0", "dev 1", "dev 2"])
        XCTAssertEqual(try texts(ExampleSelection(split: "train", limit: 2)), ["train 0", "train 1"])
        XCTAssertEqual(try texts(ExampleSelection(limit: 50)).count, 20, "a limit past the end takes the whole split")
        // --sample is the pinned draw over the split, in split order.
        XCTAssertEqual(try texts(ExampleSelection(sample: 5)), [3, 12, 13, 16, 18].map { "test \($0)" })
        XCTAssertNotEqual(try texts(ExampleSelection(sample: 5), seed: 43), try texts(ExampleSelection(sample: 5)))
    }

    func testOffsetSkipsBeforeLimitAndSample() throws {
        XCTAssertEqual(try texts(ExampleSelection(offset: 17)), ["test 17", "test 18", "test 19"])
        XCTAssertEqual(try texts(ExampleSelection(limit: 3, offset: 5)), ["test 5", "test 6", "test 7"])
        XCTAssertEqual(try texts(ExampleSelection(limit: 10, offset: 15)), (15..<20).map { "test \($0)" })
        // The sample is drawn from the 17 examples after the offset: indices [3, 8, 10, 13] of those.
        XCTAssertEqual(try texts(ExampleSelection(sample: 4, offset: 3)), ["test 6", "test 11", "test 13", "test 16"])
        XCTAssertEqual(try texts(ExampleSelection(split: "all", limit: 2, offset: 19)), ["test 10", "test 11"])
    }

    func testAllConcatenatesTrainDevTest() throws {
        let all = (0..<6).map { "train \($0)" } + (0..<3).map { "dev \($0)" } + (0..<20).map { "test \($0)" }
        XCTAssertEqual(try texts(ExampleSelection(split: "all")), all)
        XCTAssertEqual(try texts(ExampleSelection(split: "all", limit: 8)), Array(all.prefix(8)))
        XCTAssertEqual(try texts(ExampleSelection(split: "all", sample: 5)), Sampling.sample(all, count: 5, seed: 42))
        XCTAssertEqual(try texts(ExampleSelection(split: "all", sample: 5, offset: 6)),
                       Sampling.sample(Array(all.dropFirst(6)), count: 5, seed: 42))
        XCTAssertTrue(ExampleSelection(split: "all").readsFilesWhole)
        XCTAssertFalse(ExampleSelection(split: "test").readsFilesWhole)
        // A test-only dataset: --split all is just its test split.
        XCTAssertEqual(try texts(ExampleSelection(split: "all"), dataset(train: 0, dev: 0, test: 4)), (0..<4).map { "test \($0)" })
    }

    func testBadSelectionsAreOneLineErrors() {
        expectError("past the end of the test split of toy, which has 20 examples") { _ = try texts(ExampleSelection(offset: 20)) }
        expectError("past the end of toy (all splits), which has 29 examples") { _ = try texts(ExampleSelection(split: "all", offset: 40)) }
        expectError("--limit (--num-examples) must be positive") { _ = try texts(ExampleSelection(limit: 0)) }
        expectError("TextAttack's -1") { _ = try texts(ExampleSelection(limit: -1)) }
        expectError("--sample must be positive") { _ = try texts(ExampleSelection(sample: -2)) }
        expectError("--num-examples-offset must be 0 or more, not -1") { _ = try texts(ExampleSelection(offset: -1)) }
        expectError("not both") { _ = try texts(ExampleSelection(limit: 2, sample: 2)) }
        expectError("train, dev, test or all") { _ = try texts(ExampleSelection(split: "validation")) }
        expectError("the dev split of toy is empty") { _ = try texts(ExampleSelection(split: "dev"), dataset(dev: 0)) }
        expectError("toy (all splits) is empty") { _ = try texts(ExampleSelection(split: "all"), dataset(train: 0, dev: 0, test: 0)) }
    }

    func testUserFileTakenWholeForSplitAll() throws {
        var lines = ["text,label"]
        for i in 0..<30 { lines.append("row \(i),\(["x", "y", "z"][i % 3])") }
        lines.append("row 4,x")      // an exact duplicate (dropped, counted)
        lines.append("\"  \",y")     // an empty text (skipped, counted)
        lines.append("row 30,y")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("robust-whole-\(UUID().uuidString).csv")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }

        let whole = try DatasetSplits.resolve(url.path, dataDirectory: URL(fileURLWithPath: "/nonexistent"), seed: 5, splitFile: false)
        let expected = (0...30).map { "row \($0)" }
        XCTAssertEqual(try ExampleSelection(split: "all").examples(of: whole, seed: 1).map(\.text), expected, "every row, in file order")
        XCTAssertTrue(whole.train.isEmpty)
        XCTAssertTrue(whole.dev.isEmpty)
        XCTAssertEqual(whole.manifest.split.method, "unsplit")
        XCTAssertEqual(whole.manifest.preparation.duplicatesRemoved, 1)
        XCTAssertEqual(whole.manifest.preparation.skippedEmptyText, 1)
        XCTAssertEqual(whole.manifest.preparation.recordsRead, 33)
        XCTAssertEqual(try ExampleSelection(split: "all", limit: 3, offset: 28).examples(of: whole, seed: 1).map(\.text),
                       ["row 28", "row 29", "row 30"])
        XCTAssertEqual(try ExampleSelection(split: "all", sample: 4).examples(of: whole, seed: 9).map(\.text),
                       Sampling.sample(expected, count: 4, seed: 9))
        // Split on the fly otherwise: the 80/10/10 test split is a tenth of it.
        let split = try DatasetSplits.resolve(url.path, dataDirectory: URL(fileURLWithPath: "/nonexistent"), seed: 5)
        XCTAssertEqual(split.train.count + split.dev.count + split.test.count, 31)
        XCTAssertLessThan(split.test.count, 10)
    }
}
