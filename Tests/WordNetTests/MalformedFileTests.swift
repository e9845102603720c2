// Tiny hand-made databases: a valid one loads; every kind of damage is a one-line WordNetError
// naming the file and the line, never a crash.
import XCTest
import Foundation
@testable import WordNet

final class MalformedFileTests: XCTestCase {
    let firstLine = MiniWordNet.headerLineCount + 1   // the first line after the license header

    func testValidMiniDatabaseLoads() throws {
        let wordnet = try MiniWordNet().load()
        XCTAssertEqual(wordnet.partsOfSpeech, [.noun])
        XCTAssertEqual(wordnet.synsetCount(.noun), 2)
        XCTAssertEqual(wordnet.lemmaCount(.noun), 3)
        XCTAssertEqual(wordnet.synsetCount(.verb), 0)
        let cat = try XCTUnwrap(wordnet.synsets(lemma: "cat", pos: .noun).first)
        XCTAssertEqual(cat.offset, MiniWordNet().offsets()[0])
        XCTAssertEqual(cat.lemmas, ["cat", "true cat"])
        XCTAssertEqual(cat.gloss, "feline mammal; \"the cat sat\"")
        XCTAssertEqual(cat.pointers.map(\.symbol), ["@", "+"])
        XCTAssertFalse(cat.pointers[0].isLexical)
        XCTAssertEqual(cat.pointers[1].sourceWord, 1)
        XCTAssertEqual(cat.pointers[1].targetWord, 1)
        XCTAssertEqual(wordnet.synset(cat.pointers[0].target)?.lemmas, ["feline"])
        XCTAssertEqual(wordnet.indexEntry(lemma: "cat", pos: .noun)?.tagSenseCount, 1)
        XCTAssertEqual(wordnet.baseForms(of: "cats", pos: .noun), ["cat"])
        XCTAssertEqual(wordnet.baseForms(of: "kine", pos: .noun), ["cat"])
        XCTAssertEqual(wordnet.synonyms(of: "cats"), [])          // "true cat" is two words
        XCTAssertEqual(wordnet.synonyms(of: "cats", options: SynonymOptions(singleTokenOnly: false)), ["true cat"])
        // Queries about a POS that was not loaded find nothing.
        XCTAssertEqual(wordnet.baseForms(of: "cats", pos: .verb), [])
    }

    func testMissingDirectoryTellsHowToInstall() {
        let missing = URL(fileURLWithPath: "/nonexistent/wordnet-\(UUID().uuidString)")
        XCTAssertThrowsError(try WordNetDatabase(directory: missing)) { error in
            XCTAssertEqual(error as? WordNetError, .databaseNotFound(directory: missing.path))
            let text = "\(error)"
            XCTAssertTrue(text.contains("apt-get install wordnet-base"), text)
            XCTAssertTrue(text.contains("ROBUST_WORDNET_DIR"), text)
            XCTAssertFalse(text.contains("\n"))
        }
    }

    func testMissingFileIsNamed() throws {
        let directory = try MiniWordNet().write()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Only noun files exist; loading every POS reports the first missing file, data.verb.
        XCTAssertThrowsError(try WordNetDatabase(directory: directory)) { error in
            XCTAssertEqual(error as? WordNetError,
                           .missingFile(path: directory.appendingPathComponent("data.verb").path))
            XCTAssertTrue("\(error)".contains("apt-get install wordnet-base"))
        }
    }

    /// The module reads the folder it is given and decides nothing else: ROBUST_WORDNET_DIR and the
    /// per-user cache are robust's search order (Basics.ResourceLocations, tested in DatasetsTests).
    func testReadsTheFolderItIsGiven() throws {
        let directory = try MiniWordNet().write()
        defer { try? FileManager.default.removeItem(at: directory) }
        let previous = ProcessInfo.processInfo.environment["ROBUST_WORDNET_DIR"]
        setenv("ROBUST_WORDNET_DIR", "/nonexistent/wordnet", 1)
        defer {
            if let previous { setenv("ROBUST_WORDNET_DIR", previous, 1) } else { unsetenv("ROBUST_WORDNET_DIR") }
        }
        XCTAssertEqual(WordNetDatabase.defaultDirectory.path, "/usr/share/wordnet")
        let wordnet = try WordNetDatabase(directory: directory, partsOfSpeech: [.noun])
        XCTAssertEqual(wordnet.directory.path, directory.path)
        XCTAssertEqual(wordnet.lemmaCount(.noun), 3)
        // The shared database of a folder is loaded from that folder (all four POS: the mini one has nouns only).
        XCTAssertThrowsError(try WordNetDatabase.shared(directory: directory)) { error in
            XCTAssertEqual(error as? WordNetError, .missingFile(path: directory.appendingPathComponent("data.verb").path))
        }
        let missing = URL(fileURLWithPath: "/nonexistent/wordnet-\(UUID().uuidString)")
        XCTAssertThrowsError(try WordNetDatabase.shared(directory: missing)) { error in
            XCTAssertEqual(error as? WordNetError, .databaseNotFound(directory: missing.path))
        }
    }

    func testOffsetThatIsNotTheBytePosition() {
        var mini = MiniWordNet()
        mini.dataNoun[1] = mini.dataNoun[1].replacingOccurrences(of: "{1} 05", with: "00000007 05")
        assertMalformed(mini, file: "data.noun", line: firstLine + 1, reason: "does not match the line's byte position")
    }

    func testIndexOffsetThatIsNoSynset() {
        var mini = MiniWordNet()
        mini.indexNoun[1] = "feline n 1 2 ~ + 1 0 00000042  "
        assertMalformed(mini, file: "index.noun", line: firstLine + 1, reason: "synset offset 42 of 'feline' is not a synset in data.noun")
    }

    func testPointerToNoSynset() {
        var mini = MiniWordNet()
        mini.dataNoun[1] = "{1} 05 n 01 feline 0 001 ~ 00000099 n 0000 | any of several lithe-bodied cats  "
        assertMalformed(mini, file: "data.noun", line: firstLine + 1, reason: "targets 00000099-n, which is not a synset")
    }

    func testPointerToMissingWord() {
        var mini = MiniWordNet()
        mini.dataNoun[0] = mini.dataNoun[0].replacingOccurrences(of: "n 0101", with: "n 0103")
        assertMalformed(mini, file: "data.noun", line: firstLine, reason: "names word 3, but that synset has 1 words")
    }

    func testTruncatedDataLine() {
        var mini = MiniWordNet()
        mini.dataNoun[1] = "{1} 05 n 01 feline 0 001 ~ {0}"
        assertMalformed(mini, file: "data.noun", line: firstLine + 1, reason: "truncated line: missing pointer 1 of 1: pos")
    }

    func testTruncatedBeforeGloss() {
        var mini = MiniWordNet()
        mini.dataNoun[1] = "{1} 05 n 01 feline 0 001 ~ {0} n 0000"
        assertMalformed(mini, file: "data.noun", line: firstLine + 1, reason: "truncated line: missing '|' before the gloss")
    }

    func testNonNumericPointerCount() {
        var mini = MiniWordNet()
        mini.dataNoun[1] = mini.dataNoun[1].replacingOccurrences(of: " 001 ", with: " 0x1 ")
        assertMalformed(mini, file: "data.noun", line: firstLine + 1, reason: "p_cnt '0x1' is not a decimal number")
    }

    func testNonHexWordCount() {
        var mini = MiniWordNet()
        mini.dataNoun[0] = mini.dataNoun[0].replacingOccurrences(of: " n 02 ", with: " n zz ")
        assertMalformed(mini, file: "data.noun", line: firstLine, reason: "w_cnt 'zz' is not a hexadecimal number")
    }

    func testWordCountThatDisagreesWithTheWords() {
        var mini = MiniWordNet()
        mini.dataNoun[0] = mini.dataNoun[0].replacingOccurrences(of: " n 02 ", with: " n 01 ")
        // With one word announced, "true_cat" is read as p_cnt.
        assertMalformed(mini, file: "data.noun", line: firstLine, reason: "p_cnt 'true_cat' is not a decimal number")
    }

    func testPointerCountThatDisagreesWithThePointers() {
        var mini = MiniWordNet()
        mini.dataNoun[0] = mini.dataNoun[0].replacingOccurrences(of: " 002 @", with: " 001 @")
        assertMalformed(mini, file: "data.noun", line: firstLine, reason: "expected '|' before the gloss, found '+'")
    }

    func testWrongSynsetType() {
        var mini = MiniWordNet()
        mini.dataNoun[0] = mini.dataNoun[0].replacingOccurrences(of: " 05 n ", with: " 05 v ")
        assertMalformed(mini, file: "data.noun", line: firstLine, reason: "ss_type 'v' does not belong in data.noun")
    }

    func testUnknownPointerSymbol() {
        var mini = MiniWordNet()
        mini.dataNoun[1] = mini.dataNoun[1].replacingOccurrences(of: " ~ ", with: " ?? ")
        assertMalformed(mini, file: "data.noun", line: firstLine + 1, reason: "unknown pointer symbol '??'")
    }

    func testIndexWithNonNumericSynsetCount() {
        var mini = MiniWordNet()
        mini.indexNoun[0] = "cat n one 2 @ + 1 1 {0}  "
        assertMalformed(mini, file: "index.noun", line: firstLine, reason: "synset_cnt 'one' is not a decimal number")
    }

    func testIndexWithFewerOffsetsThanAnnounced() {
        var mini = MiniWordNet()
        mini.indexNoun[0] = "cat n 2 2 @ + 2 1 {0}  "
        assertMalformed(mini, file: "index.noun", line: firstLine, reason: "truncated line: missing synset offset 2 of 2")
    }

    func testIndexWithMoreOffsetsThanAnnounced() {
        var mini = MiniWordNet()
        mini.indexNoun[0] = "cat n 1 2 @ + 1 1 {0} {1}  "
        assertMalformed(mini, file: "index.noun", line: firstLine, reason: "more fields than synset_cnt 1")
    }

    func testIndexWithWrongPOS() {
        var mini = MiniWordNet()
        mini.indexNoun[2] = "true_cat v 1 1 @ 1 0 {0}  "
        assertMalformed(mini, file: "index.noun", line: firstLine + 2, reason: "pos 'v' does not belong in index.noun")
    }

    func testDuplicateIndexLemma() {
        var mini = MiniWordNet()
        mini.indexNoun.append("cat n 1 1 @ 1 0 {1}  ")
        assertMalformed(mini, file: "index.noun", line: firstLine + 3, reason: "duplicate lemma 'cat'")
    }

    func testExceptionWithoutBaseForm() {
        var mini = MiniWordNet()
        mini.nounExc = ["cats cat", "kine"]
        assertMalformed(mini, file: "noun.exc", line: 2, reason: "exception entry 'kine' has no base form")
    }

    func testEmptyAndGarbageFilesDoNotCrash() throws {
        for garbage in ["", "\n\n", "   \n", "\u{0}\u{1}\u{2}", "99999999999999999999 05 n", "|||| ~ ~ ~", "00000000"] {
            var mini = MiniWordNet()
            mini.dataNoun = [garbage]
            mini.indexNoun = []
            do {
                let wordnet = try mini.load()
                XCTAssertEqual(wordnet.synsetCount(.noun), 0, "garbage \(garbage.debugDescription) loaded synsets")
            } catch let error as WordNetError {
                XCTAssertFalse(error.description.contains("\n"))
            }
        }
    }
}
