// UnlabeledTextsTests: reading unlabelled text (text lines, CSV/TSV/JSONL with or without a label column, a
// dataset's training split) and the leakage guard (labelled training and dev/test texts dropped and counted; data
// that is empty, equals the training data or is mostly dev/test text refused).
import Datasets
import Foundation
import XCTest

final class UnlabeledTextsTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("unlabeled-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func testTextLinesAreNormalisedDeduplicatedAndBlankLinesSkipped() throws {
        let path = try write("u.txt", "\u{FEFF}a  good film\n\nbad  plot\na good film\n   \nfine\n")
        let read = try UnlabeledTexts.load(path)
        XCTAssertEqual(read.texts, ["a good film", "bad plot", "fine"])
        XCTAssertEqual(read.duplicatesSkipped, 1)
        XCTAssertNil(read.ignoredLabels)
        XCTAssertEqual(read.contentSHA256, try UnlabeledTexts.load(path).contentSHA256)
    }

    func testDelimitedFilesUseTheirTextColumnAndIgnoreLabels() throws {
        let labelled = try UnlabeledTexts.load(try write("u.csv", "text,label\nnice one,pos\n\"awful, really\",\nok,neg\n"))
        XCTAssertEqual(labelled.texts, ["nice one", "awful, really", "ok"], "a missing label is no reason to skip")
        XCTAssertEqual(labelled.ignoredLabels, "the column \"label\"")
        // Labels are never read: a control character in one (an error in labelled data) does not matter.
        let odd = try UnlabeledTexts.load(try write("odd.csv", "text,label\nfine,\u{1}\n"))
        XCTAssertEqual(odd.texts, ["fine"])
        let unlabelled = try UnlabeledTexts.load(try write("u.tsv", "id\tsentence\n1\tone\n2\ttwo\n"))
        XCTAssertEqual(unlabelled.texts, ["one", "two"])
        XCTAssertNil(unlabelled.ignoredLabels)
        let json = try UnlabeledTexts.load(try write("u.jsonl", "{\"review\": \"x y\", \"label\": [1]}\n{\"review\": \"z\"}\n"))
        XCTAssertEqual(json.texts, ["x y", "z"])
        let column = try UnlabeledTexts.load(try write("v.csv", "a,b\n1,first\n2,second\n"), textColumn: "b")
        XCTAssertEqual(column.texts, ["first", "second"])
        XCTAssertThrowsError(try UnlabeledTexts.load(try write("w.csv", "a,b\n1,2\n")))   // no text column
    }

    func testBadFilesAreOneLineErrors() throws {
        for (name, bytes) in [("e.txt", Data()), ("w.txt", Data("  \n\n".utf8)), ("b.txt", Data([0x61, 0xFF, 0x0A])),
                              ("e.csv", Data("text,label\n".utf8))] {
            let path = folder.appendingPathComponent(name).path
            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try UnlabeledTexts.load(path), name) { error in
                XCTAssertFalse("\(error)".contains("\n"), "\(name): \(error)")
            }
        }
        XCTAssertThrowsError(try UnlabeledTexts.load(folder.appendingPathComponent("missing.txt").path)) {
            XCTAssertTrue("\($0)".contains("no unlabelled data"), "\($0)")
        }
        XCTAssertThrowsError(try UnlabeledTexts.load(try write("x.txt", "a\n"), textColumn: "text"))
        XCTAssertThrowsError(try UnlabeledTexts.load("/dev/zero")) {
            XCTAssertTrue("\($0)".contains("not a regular file"), "\($0)")
        }
    }

    func testTheGuardDropsTrainingAndHeldOutTextsAndRefusesBadData() throws {
        let texts = UnlabeledTexts(texts: ["one", "two", "three", "four", "five"], source: "u.txt")
        let guarded = try texts.guarded(train: ["one", "two "], heldOut: ["five", "six"])
        XCTAssertEqual(guarded.kept, ["three", "four"])
        XCTAssertEqual(guarded.inTrain, 2)
        XCTAssertEqual(guarded.inHeldOut, 1)
        XCTAssertThrowsError(try texts.guarded(train: ["one", "two", "three", "four", "five"], heldOut: [])) {
            XCTAssertTrue("\($0)".contains("equals the training data"), "\($0)")
        }
        XCTAssertThrowsError(try texts.guarded(train: [], heldOut: ["one", "two", "three"])) {
            XCTAssertTrue("\($0)".contains("3 of its 5 texts are dev or test texts"), "\($0)")
        }
        XCTAssertThrowsError(try UnlabeledTexts(texts: ["", "  "], source: "u.txt").guarded(train: [], heldOut: []))
    }

    func testADatasetGivesItsTrainingSplitWithLabelsIgnored() throws {
        let dataset = DatasetSplits(name: "toy", description: "", labels: ["a", "b"],
                                    train: [Example(text: "t1", label: "a"), Example(text: "t2", label: "b")],
                                    dev: [Example(text: "d1", label: "a")], test: [Example(text: "s1", label: "b")],
                                    sources: [], split: .init(method: "given", seed: 0, ratios: []),
                                    preparation: .init(recordsRead: 4), robustVersion: "test")
        let written = try dataset.write(to: folder.appendingPathComponent("toy"), replace: false)
        let read = try UnlabeledTexts.load(try XCTUnwrap(written.directory).path)
        XCTAssertEqual(read.texts, ["t1", "t2"])
        XCTAssertEqual(read.ignoredLabels, "its labels")
    }
}
