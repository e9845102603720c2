// AugmentedDatasetTests: merging augmented texts into a training split (placement, labels,
// deduplication, leak removal, counts), the augmented dataset's manifest, and stratified subsets.
import Basics
import Datasets
import Foundation
import XCTest
@testable import Augmentation

func makeDataset(train: [Example], dev: [Example] = [], test: [Example] = [],
                 notes: [String] = ["built for a test"]) -> DatasetSplits {
    DatasetSplits(name: "tiny", description: "a tiny dataset", labels: ["neg", "pos"], train: train, dev: dev, test: test,
                  sources: [.init(file: "tiny.csv", sha256: String(repeating: "ab", count: 32))],
                  split: .init(method: "stratified", seed: 42, ratios: [0.8, 0.1, 0.1]),
                  preparation: .init(recordsRead: train.count + dev.count + test.count, duplicatesRemoved: 2, notes: notes),
                  robustVersion: "0.0-test")
}

final class AugmentedDatasetTests: XCTestCase {
    let a = Example(text: "a fine film", label: "pos")
    let b = Example(text: "a dull film", label: "neg")
    let c = Example(text: "a great cast", label: "pos")

    func testAugmentedTextsFollowTheirSourceWithItsLabel() throws {
        let dataset = makeDataset(train: [a, b, c])
        let (train, counts) = try AugmentedDataset.merge(dataset, augmented: [["a fine movie", "fine film"], [], ["a great crew"]])
        XCTAssertEqual(train, [
            a, Example(text: "a fine movie", label: "pos"), Example(text: "fine film", label: "pos"),
            b,
            c, Example(text: "a great crew", label: "pos"),
        ])
        XCTAssertEqual(counts.proposed, 3)
        XCTAssertEqual(counts.added, 3)
        XCTAssertEqual(counts.duplicates, 0)
        XCTAssertEqual(counts.leaks, 0)
        XCTAssertEqual(counts.examplesWithout, 1)
        XCTAssertEqual(counts.originalPerLabel, ["pos": 2, "neg": 1])
        XCTAssertEqual(counts.addedPerLabel, ["pos": 3])
        XCTAssertEqual(counts.perLabelLine(labels: ["neg", "pos"]), "neg 1 + 0 · pos 2 + 3")
    }

    func testDuplicatesOfTrainTextsAndRepeatedProposalsAreDropped() throws {
        let dataset = makeDataset(train: [a, b, c])
        let (train, counts) = try AugmentedDataset.merge(dataset, augmented: [
            ["a dull film", "  a   great\tcast ", "a fine movie"],  // two train texts (one with odd whitespace) + a new one
            ["a fine movie", "a dull  movie", "a dull movie "],    // repeats a proposal of example 0; then a new one twice
            ["   ", ""],                                           // nothing usable
        ])
        XCTAssertEqual(train, [
            a, Example(text: "a fine movie", label: "pos"),
            b, Example(text: "a dull movie", label: "neg"),
            c,
        ])
        XCTAssertEqual(counts.proposed, 8)
        XCTAssertEqual(counts.added, 2)
        XCTAssertEqual(counts.duplicates, 6)
        XCTAssertEqual(counts.leaks, 0)
        XCTAssertEqual(counts.examplesWithout, 1)
        XCTAssertEqual(counts.originalPerLabel, ["pos": 2, "neg": 1])
        XCTAssertEqual(counts.addedPerLabel, ["pos": 1, "neg": 1])
        XCTAssertEqual(counts.proposed, counts.added + counts.duplicates + counts.leaks)
    }

    func testDevAndTestTextsAreDroppedAsLeaks() throws {
        let dev = [Example(text: "a fine movie", label: "pos")]
        let test = [Example(text: "a dull movie", label: "neg")]
        let dataset = makeDataset(train: [a, b], dev: dev, test: test)
        let (train, counts) = try AugmentedDataset.merge(dataset, augmented: [
            ["a fine movie", "a fine  picture"],
            [" a dull\nmovie", "a dull  movie"],
        ])
        XCTAssertEqual(train, [a, Example(text: "a fine picture", label: "pos"), b])
        XCTAssertEqual(counts.proposed, 4)
        XCTAssertEqual(counts.added, 1)
        XCTAssertEqual(counts.leaks, 3)
        XCTAssertEqual(counts.duplicates, 0)
        XCTAssertEqual(counts.examplesWithout, 1)
        XCTAssertEqual(counts.addedPerLabel, ["pos": 1])
    }

    func testAddedTextsAreStoredNormalised() throws {
        let dataset = makeDataset(train: [a])
        let (train, _) = try AugmentedDataset.merge(dataset, augmented: [["  so   fine\t film  "]])
        XCTAssertEqual(train.map(\.text), ["a fine film", "so fine film"])
        XCTAssertEqual(train[1].text, TextNormalizer.normalize("  so   fine\t film  "))
    }

    func testWrongNumberOfListsThrows() {
        let dataset = makeDataset(train: [a, b, c])
        for lists in [[["x"]], [[], []], [[], [], [], []]] as [[[String]]] {
            XCTAssertThrowsError(try AugmentedDataset.merge(dataset, augmented: lists)) { error in
                XCTAssertEqual(error as? AugmentationError,
                               .data("\(lists.count) augmentation lists for 3 training examples"))
            }
        }
        XCTAssertNoThrow(try AugmentedDataset.merge(makeDataset(train: []), augmented: []))
    }

    func testCountsEncodeWithSnakeCaseKeys() throws {
        var counts = AugmentationCounts()
        counts.proposed = 5
        counts.added = 3
        counts.duplicates = 1
        counts.leaks = 1
        counts.examplesWithout = 2
        counts.originalPerLabel = ["pos": 4]
        counts.addedPerLabel = ["pos": 3]
        let data = try JSONEncoder().encode(counts)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["proposed", "added", "duplicates", "leaks", "examples_without",
                                          "original_per_label", "added_per_label"])
        XCTAssertEqual(object["examples_without"] as? Int, 2)
        XCTAssertEqual(try JSONDecoder().decode(AugmentationCounts.self, from: data), counts)
    }

    func testDatasetKeepsDevAndTestAndAddsANote() throws {
        let dev = [Example(text: "held out one", label: "pos")]
        let test = [Example(text: "held out two", label: "neg"), Example(text: "held out three", label: "pos")]
        let original = makeDataset(train: [a, b, c], dev: dev, test: test, notes: ["first note"])
        let (train, counts) = try AugmentedDataset.merge(original, augmented: [["a fine movie", "held out one"], ["a dull film"], []])
        let augmented = AugmentedDataset.dataset(from: original, train: train, name: "tiny-eda", description: "tiny with EDA",
                                                 counts: counts, robustVersion: "9.9")
        XCTAssertEqual(augmented.name, "tiny-eda")
        XCTAssertEqual(augmented.manifest.name, "tiny-eda")
        XCTAssertEqual(augmented.manifest.description, "tiny with EDA")
        XCTAssertEqual(augmented.manifest.robustVersion, "9.9")
        XCTAssertEqual(augmented.labels, ["neg", "pos"])
        XCTAssertEqual(augmented.train, [a, Example(text: "a fine movie", label: "pos"), b, c])
        XCTAssertEqual(augmented.dev, original.dev)
        XCTAssertEqual(augmented.test, original.test)
        XCTAssertEqual(augmented.manifest.sources, original.manifest.sources)
        XCTAssertEqual(augmented.manifest.split, original.manifest.split)
        XCTAssertEqual(augmented.manifest.preparation.recordsRead, original.manifest.preparation.recordsRead)
        XCTAssertEqual(augmented.manifest.preparation.duplicatesRemoved, 2)
        XCTAssertEqual(augmented.manifest.preparation.notes, [
            "first note",
            "tiny with EDA: 1 texts added to train (1 duplicates and 1 dev/test texts dropped)",
        ])
        XCTAssertEqual(augmented.manifest.counts["train"], ["pos": 3, "neg": 1])
        XCTAssertEqual(augmented.manifest.counts["dev"], original.manifest.counts["dev"])
        XCTAssertEqual(augmented.manifest.counts["test"], original.manifest.counts["test"])
        XCTAssertNotEqual(augmented.manifest.contentSHA256, original.manifest.contentSHA256)
        // The original is untouched.
        XCTAssertEqual(original.manifest.preparation.notes, ["first note"])
        XCTAssertEqual(original.train, [a, b, c])
    }
}

final class TrainingSubsetTests: XCTestCase {
    /// 70 "pos" and 30 "neg", interleaved, each text unique and numbered by position.
    func seventyThirty() -> [Example] {
        (0..<100).map { Example(text: "text \($0)", label: $0 % 10 < 7 ? "pos" : "neg") }
    }

    func position(_ example: Example) -> Int { Int(example.text.dropFirst(5))! }

    func testExactCountAndProportions() {
        let examples = seventyThirty()
        for seed: UInt64 in [1, 2, 3] {
            let subset = TrainingSubset.stratified(examples, count: 10, seed: seed)
            XCTAssertEqual(subset.count, 10)
            XCTAssertEqual(subset.filter { $0.label == "pos" }.count, 7)
            XCTAssertEqual(subset.filter { $0.label == "neg" }.count, 3)
            XCTAssertEqual(Set(subset).count, 10, "no example twice")
            XCTAssertTrue(Set(subset).isSubset(of: Set(examples)))
        }
        let bigger = TrainingSubset.stratified(examples, count: 37, seed: 9)
        XCTAssertEqual(bigger.count, 37)
        // 25.9 pos and 11.1 neg: the larger remainder (pos, .9) gets the extra example.
        XCTAssertEqual(bigger.filter { $0.label == "pos" }.count, 26)
        XCTAssertEqual(bigger.filter { $0.label == "neg" }.count, 11)
    }

    func testLargestRemainderTiesGoToTheFirstLabel() {
        var examples: [Example] = []
        for (label, n) in [("a", 6), ("b", 3), ("c", 1)] {
            for i in 0..<n { examples.append(Example(text: "\(label)\(i)", label: label)) }
        }
        // Exact shares 3, 1.5, 0.5: the tie between b and c goes to b (first in label order).
        let subset = TrainingSubset.stratified(examples, count: 5, seed: 4)
        XCTAssertEqual(subset.filter { $0.label == "a" }.count, 3)
        XCTAssertEqual(subset.filter { $0.label == "b" }.count, 2)
        XCTAssertEqual(subset.filter { $0.label == "c" }.count, 0)
    }

    func testDeterministicBySeed() {
        let examples = seventyThirty()
        XCTAssertEqual(TrainingSubset.stratified(examples, count: 10, seed: 5),
                       TrainingSubset.stratified(examples, count: 10, seed: 5))
        let bySeed = (1...5).map { TrainingSubset.stratified(examples, count: 10, seed: UInt64($0)) }
        XCTAssertGreaterThan(Set(bySeed.map { $0.map(\.text) }).count, 1, "every seed gave the same subset")
        XCTAssertNotEqual(bySeed[0], bySeed[1])
    }

    func testInputOrderIsKept() {
        let examples = seventyThirty().reversed().map { $0 }
        let subset = TrainingSubset.stratified(examples, count: 20, seed: 8)
        let positions = subset.map(position)
        XCTAssertEqual(positions, positions.sorted(by: >), "subset is not in input order")
    }

    func testCountAtLeastTotalReturnsAll() {
        let examples = seventyThirty()
        XCTAssertEqual(TrainingSubset.stratified(examples, count: 100, seed: 1), examples)
        XCTAssertEqual(TrainingSubset.stratified(examples, count: 500, seed: 1), examples)
        XCTAssertEqual(TrainingSubset.stratified(examples, count: 0, seed: 1), [])
        XCTAssertEqual(TrainingSubset.stratified([], count: 3, seed: 1), [])
        XCTAssertEqual(TrainingSubset.stratified(examples, count: 99, seed: 1).count, 99)
    }
}
