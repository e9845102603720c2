// Synonym candidates: content, filtering and a deterministic order.
import XCTest
@testable import WordNet

final class SynonymTests: XCTestCase {
    func testFilmAndMovieAreSynonyms() throws {
        let wordnet = try realWordNet()
        XCTAssertTrue(wordnet.synonyms(of: "film").contains("movie"))
        XCTAssertTrue(wordnet.synonyms(of: "movie").contains("film"))
        // movie has one synset: movie film picture moving_picture moving-picture_show motion_picture
        // motion-picture_show picture_show pic flick. One-word lemmas, in synset order:
        XCTAssertEqual(wordnet.synonyms(of: "movie", pos: .noun), ["film", "picture", "pic", "flick"])
        // Through morphy, and without the word itself.
        XCTAssertEqual(wordnet.synonyms(of: "movies"), ["film", "picture", "pic", "flick"])
        XCTAssertEqual(wordnet.synonyms(of: "Movie"), ["film", "picture", "pic", "flick"])
    }

    func testOrderIsSenseOrderThenWordOrder() throws {
        let wordnet = try realWordNet()
        // dog, noun senses 1-7 then the verb sense (chase, chase_after, trail, tail, tag, give_chase,
        // dog, go_after, track).
        let nouns = ["frump", "cad", "bounder", "blackguard", "hound", "heel", "frank", "frankfurter", "hotdog",
                     "wiener", "wienerwurst", "weenie", "pawl", "detent", "click", "andiron", "firedog"]
        let verbs = ["chase", "trail", "tail", "tag", "track"]
        XCTAssertEqual(wordnet.synonyms(of: "dog", pos: .noun), nouns)
        XCTAssertEqual(wordnet.synonyms(of: "dog", pos: .verb), verbs)
        XCTAssertEqual(wordnet.synonyms(of: "dog"), nouns + verbs)
        // The same from a second call, and from the morphy-based synsets by hand.
        XCTAssertEqual(wordnet.synonyms(of: "dog"), wordnet.synonyms(of: "dog"))
        var byHand: [String] = []
        for synset in wordnet.synsets(of: "dog") {
            for lemma in synset.lemmas.map({ $0.lowercased() })
            where lemma != "dog" && !lemma.contains(" ") && !lemma.contains("-") && !byHand.contains(lemma) {
                byHand.append(lemma)
            }
        }
        XCTAssertEqual(wordnet.synonyms(of: "dog"), byHand)
    }

    func testExcludesTheWordAndItsBaseForms() throws {
        let wordnet = try realWordNet()
        let running = wordnet.synonyms(of: "running")
        XCTAssertFalse(running.contains("running"))
        XCTAssertFalse(running.contains("run"))
        XCTAssertTrue(running.contains("operate"))
        let better = wordnet.synonyms(of: "better", pos: .adjective)
        XCTAssertFalse(better.contains("good"))
        XCTAssertFalse(better.contains("well"))
    }

    func testFilteringOptions() throws {
        let wordnet = try realWordNet()
        let all = wordnet.synonyms(of: "movie", options: SynonymOptions(singleTokenOnly: false, allowHyphens: true))
        XCTAssertEqual(all, ["film", "picture", "moving picture", "moving-picture show", "motion picture",
                             "motion-picture show", "picture show", "pic", "flick"])
        let noHyphens = wordnet.synonyms(of: "movie", options: SynonymOptions(singleTokenOnly: false))
        XCTAssertEqual(noHyphens, ["film", "picture", "moving picture", "motion picture", "picture show", "pic", "flick"])
        for synonym in wordnet.synonyms(of: "good") {
            XCTAssertFalse(synonym.contains(" ") || synonym.contains("_") || synonym.contains("-"), synonym)
        }
        // Lowercased: the USA synsets hold "US", "U.S.", "America", ...
        let usa = wordnet.synonyms(of: "usa", pos: .noun)
        XCTAssertTrue(usa.contains("america"), "\(usa)")
        XCTAssertTrue(usa.contains("u.s."), "\(usa)")
        XCTAssertEqual(usa, usa.map { $0.lowercased() })
        let lettersOnly = wordnet.synonyms(of: "usa", pos: .noun, options: SynonymOptions(lettersOnly: true))
        XCTAssertTrue(lettersOnly.contains("america"))
        XCTAssertFalse(lettersOnly.contains("u.s."))
        // maxSenses: only the most frequent sense(s).
        let firstSense = wordnet.synonyms(of: "dog", pos: .noun, options: SynonymOptions(maxSenses: 2))
        XCTAssertEqual(firstSense, ["frump"])
        XCTAssertEqual(Set(wordnet.synonyms(of: "good")).count, wordnet.synonyms(of: "good").count)
    }

    func testUnknownWordHasNoSynonyms() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.synonyms(of: "xyzzyplugh"), [])
        XCTAssertEqual(wordnet.synonyms(of: "the"), [])
        XCTAssertEqual(wordnet.synonymsInflected(for: "the"), [])
    }
}
