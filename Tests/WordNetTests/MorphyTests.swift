// morphy(7): exception lists first, then the detachment rules, keeping index lemmas only.
import XCTest
@testable import WordNet

final class MorphyTests: XCTestCase {
    func testExceptionLists() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.baseForms(of: "children", pos: .noun), ["child"])
        XCTAssertEqual(wordnet.baseForms(of: "geese", pos: .noun), ["goose"])
        XCTAssertEqual(wordnet.baseForms(of: "went", pos: .verb), ["go"])
        XCTAssertEqual(wordnet.baseForms(of: "ran", pos: .verb), ["run"])
        XCTAssertEqual(wordnet.baseForms(of: "running", pos: .verb), ["run"])   // verb.exc: running run
        // "better" is an adjective lemma itself and, by adj.exc, a form of good and well.
        XCTAssertEqual(wordnet.baseForms(of: "better", pos: .adjective), ["better", "good", "well"])
        XCTAssertEqual(wordnet.baseForms(of: "better", pos: .adverb), ["better", "well"])
        XCTAssertEqual(wordnet.baseForms(of: "happier", pos: .adjective), ["happy"])
        XCTAssertEqual(wordnet.baseForms(of: "saw", pos: .verb), ["saw", "see"])
        XCTAssertEqual(wordnet.baseForms(of: "axes", pos: .noun), ["ax", "axis"])
    }

    func testDetachmentRules() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.baseForms(of: "dogs", pos: .noun), ["dog"])              // s →
        XCTAssertEqual(wordnet.baseForms(of: "churches", pos: .noun), ["church"])       // ches → ch
        XCTAssertEqual(wordnet.baseForms(of: "boxes", pos: .noun), ["box"])             // xes → x
        XCTAssertEqual(wordnet.baseForms(of: "ladies", pos: .noun), ["lady"])           // ies → y
        XCTAssertEqual(wordnet.baseForms(of: "women", pos: .noun), ["woman"])           // men → man
        XCTAssertEqual(wordnet.baseForms(of: "leaves", pos: .noun), ["leaf", "leave"])  // noun.exc
        XCTAssertEqual(wordnet.baseForms(of: "walked", pos: .verb), ["walk"])           // ed →
        // ed → e and ed → both give verbs: morphy over-generates, like WordNet's and NLTK's.
        XCTAssertEqual(wordnet.baseForms(of: "hoped", pos: .verb), ["hope", "hop"])
        XCTAssertEqual(wordnet.baseForms(of: "making", pos: .verb), ["make"])           // ing → e
        XCTAssertEqual(wordnet.baseForms(of: "flies", pos: .verb), ["fly"])             // ies → y
        XCTAssertEqual(wordnet.baseForms(of: "watches", pos: .verb), ["watch"])         // es →
        XCTAssertEqual(wordnet.baseForms(of: "biggest", pos: .adjective), ["big"])      // adj.exc
        XCTAssertEqual(wordnet.baseForms(of: "greater", pos: .adjective), ["greater", "great"]) // er →
        XCTAssertEqual(wordnet.baseForms(of: "nicest", pos: .adjective), ["nice"])      // est → e
        XCTAssertEqual(wordnet.baseForms(of: "quickly", pos: .adverb), ["quickly"])
    }

    func testNounSpecialCases() throws {
        let wordnet = try realWordNet()
        // Words ending in "ss" get no rules (else "boss" → "bos", a genus).
        XCTAssertEqual(wordnet.baseForms(of: "boss", pos: .noun), ["boss"])
        // -ful: the rules apply before it.
        XCTAssertEqual(wordnet.baseForms(of: "spoonsful", pos: .noun), ["spoonful"])
        XCTAssertEqual(wordnet.baseForms(of: "glasses", pos: .noun), ["glasses", "glass"])
    }

    func testCollocations() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.baseForms(of: "attorneys general", pos: .noun), ["attorney general"])
        XCTAssertEqual(wordnet.baseForms(of: "looking_for", pos: .verb), ["look for"])
        XCTAssertEqual(wordnet.baseForms(of: "domestic dogs", pos: .noun), ["domestic dog"])
    }

    func testCaseAndUnknownWords() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.baseForms(of: "Dogs", pos: .noun), ["dog"])
        XCTAssertEqual(wordnet.baseForms(of: "dog", pos: .noun), ["dog"])
        XCTAssertEqual(wordnet.baseForms(of: "xyzzyplugh", pos: .noun), [])
        XCTAssertEqual(wordnet.baseForms(of: "", pos: .noun), [])
        XCTAssertEqual(wordnet.baseForms(of: "the", pos: .noun), [])
        XCTAssertEqual(wordnet.partsOfSpeech(of: "the"), [])
    }

    func testLemmasAndPartsOfSpeech() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.lemmas(of: "running"), ["running", "run"])
        XCTAssertEqual(wordnet.lemmas(of: "running", pos: .verb), ["run"])
        XCTAssertEqual(wordnet.lemmas(of: "better"), ["better", "good", "well"])
        XCTAssertEqual(wordnet.partsOfSpeech(of: "running"), [.noun, .verb, .adjective])
        XCTAssertEqual(wordnet.partsOfSpeech(of: "dog"), [.noun, .verb])
        XCTAssertEqual(wordnet.partsOfSpeech(of: "movies"), [.noun])
        XCTAssertEqual(wordnet.partsOfSpeech(of: "quickly"), [.adverb])
        XCTAssertEqual(wordnet.partsOfSpeech(of: "happier"), [.adjective])
        // Morphy-based synsets: every sense of every base form, POS by POS.
        XCTAssertEqual(wordnet.synsets(of: "dogs").count, 7 + 1)
        XCTAssertEqual(wordnet.synsets(of: "ran", pos: .verb).count, 41)
    }
}
