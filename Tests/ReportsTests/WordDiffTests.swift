// WordDiffTests: the word-level diff behind `robust attack`'s and the reports' changed-word markup.
import Reports
import XCTest

final class WordDiffTests: XCTestCase {
    func testWordDiff() {
        let segments = WordDiff.diff("a gripping and beautifully shot film", "a riveting and beautifully shot movie indeed")
        XCTAssertEqual(segments, [.same(["a"]), .changed(old: ["gripping"], new: ["riveting"]), .same(["and", "beautifully", "shot"]),
                                  .changed(old: ["film"], new: ["movie", "indeed"])])
        XCTAssertEqual(WordDiff.render(segments, style: .markers),
                       "a [[gripping→riveting]] and beautifully shot [[film→movie indeed]]")
        XCTAssertEqual(WordDiff.render(WordDiff.diff("keep this word", "keep word"), style: .markers), "keep [[this→]] word")
        XCTAssertEqual(WordDiff.render(WordDiff.diff("keep word", "keep new word"), style: .markers), "keep [[→new]] word")
        XCTAssertEqual(WordDiff.render(WordDiff.diff("same  text", "same text"), style: .markers), "same text")
        XCTAssertEqual(WordDiff.wordsChanged(segments), 3)
        let ansi = WordDiff.render(WordDiff.diff("good film", "bad film"), style: .ansi)
        XCTAssertEqual(ansi, "\u{1B}[9;31mgood\u{1B}[0m \u{1B}[1;32mbad\u{1B}[0m film")
        XCTAssertEqual(WordDiff.diff("", ""), [])
    }
}
