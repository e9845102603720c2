import Audit
import XCTest

final class WordAlignmentTests: XCTestCase {
    func testSubstitutionsInsertionsAndDeletions() {
        let swap = WordAlignment(original: "a truly great film, really", adversarial: "a truly bang-up film, really")
        XCTAssertEqual(swap.substitutions.map(\.original), [2])
        XCTAssertEqual(swap.substitutions.map(\.adversarial), [2])
        XCTAssertEqual(swap.adversarialWords[2], "bang-up")
        XCTAssertEqual(swap.wordsChanged, 1)

        let deletion = WordAlignment(original: "not a good film", adversarial: "a good film")
        XCTAssertTrue(deletion.substitutions.isEmpty)
        XCTAssertEqual(deletion.changedOriginal, [0])
        XCTAssertEqual(deletion.changedAdversarial, [])

        let insertion = WordAlignment(original: "a good film", adversarial: "a good good film")
        XCTAssertEqual(insertion.changedAdversarial.count, 1)
        XCTAssertEqual(insertion.wordsChanged, 1)

        let same = WordAlignment(original: "Same text.", adversarial: "Same  text!")
        XCTAssertTrue(same.changes.isEmpty, "punctuation and spacing are not words")
    }
}
