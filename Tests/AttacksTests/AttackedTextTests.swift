// AttackedText: word splitting, and edits that keep the rest of the text exactly and track changes.
@testable import Attacks
import XCTest

final class AttackedTextTests: XCTestCase {
    func testSplitsWordsAndKeepsSeparators() {
        let text = AttackedText("Behind the snow, a parka-wrapped dose of heart (don't ask)...")
        XCTAssertEqual(text.words, ["Behind", "the", "snow", "a", "parka-wrapped", "dose", "of", "heart", "don't", "ask"])
        XCTAssertEqual(text.gaps.first, "")
        XCTAssertEqual(text.gaps.last, ")...")
        XCTAssertEqual(text.replacingWord(at: 2, with: "ice").text, "Behind the ice, a parka-wrapped dose of heart (don't ask)...")
        XCTAssertEqual(AttackedText("films' end -- 2002").words, ["films", "end", "2002"])
        XCTAssertEqual(AttackedText("  ").words, [])
        XCTAssertEqual(AttackedText("").gaps, [""])
        // A homoglyph stays inside its word.
        XCTAssertEqual(AttackedText("a fіlm here").words, ["a", "fіlm", "here"])
    }

    func testEditsTrackChangesAndDeletions() {
        let text = AttackedText("A good, dull movie.")
        let replaced = text.replacingWord(at: 1, with: "fine")
        XCTAssertEqual(replaced.changed, [false, true, false, false])
        XCTAssertEqual(replaced.lastChanged, [1])
        XCTAssertEqual(replaced.wordsChanged, 1)
        XCTAssertEqual(text.probing(at: 1, with: "[UNK]").text, "A [UNK], dull movie.")
        XCTAssertEqual(text.probing(at: 1, with: "[UNK]").wordsChanged, 0)

        let deleted = text.deletingWord(at: 2)
        XCTAssertEqual(deleted.text, "A good, movie.")
        XCTAssertEqual(deleted.origins, [0, 1, 3])
        XCTAssertEqual(deleted.wordsChanged, 1)
        XCTAssertEqual(text.deletingWord(at: 0).text, "good, dull movie.")
        XCTAssertEqual(text.deletingWord(at: 3).text, "A good, dull.")

        let inserted = text.insertingWord("very", at: 2)
        XCTAssertEqual(inserted.text, "A good, very dull movie.")
        XCTAssertEqual(inserted.origins, [0, 1, -1, 2, 3])
        XCTAssertEqual(inserted.changed, [false, false, true, false, false])
        XCTAssertEqual(text.insertingWord("indeed", at: 4).text, "A good, dull movie indeed.")
        XCTAssertEqual(text.insertingWord("So", at: 0).text, "So A good, dull movie.")

        let swapped = text.swappingWords(1, 3)
        XCTAssertEqual(swapped.text, "A movie, dull good.")
        XCTAssertEqual(swapped.wordsChanged, 2)
        XCTAssertEqual(swapped.lastChanged, [1, 3])
        // Equality is by text.
        XCTAssertEqual(text.replacingWord(at: 1, with: "good"), text)
    }

    func testWindowAndScalarRanges() {
        let text = AttackedText("one two three four five six seven")
        XCTAssertEqual(text.window(around: 0, size: 3), "one two three")
        XCTAssertEqual(text.window(around: 3, size: 3), "three four five")
        XCTAssertEqual(text.window(around: 6, size: 3), "five six seven")
        XCTAssertEqual(text.window(around: 3, size: 15), text.text)
        XCTAssertEqual(AttackedText("é b, ccc").scalarRanges(), [0..<1, 2..<3, 5..<8])
    }
}
