// Re-inflection: a replacement lemma in the form of the word it replaces.
import XCTest
@testable import WordNet

final class InflectionTests: XCTestCase {
    func testCasesFromTheBrief() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.inflect("film", like: "movies", base: "movie", pos: .noun), "films")
        XCTAssertEqual(wordnet.inflect("stroll", like: "walked", base: "walk", pos: .verb), "strolled")
        XCTAssertEqual(wordnet.inflect("stop", like: "running", base: "run", pos: .verb), "stopping")
        XCTAssertEqual(wordnet.inflect("big", like: "larger", base: "large", pos: .adjective), "bigger")
        XCTAssertEqual(wordnet.inflect("large", like: "bigger", base: "big", pos: .adjective), "larger")
        XCTAssertEqual(wordnet.inflect("large", like: "biggest", base: "big", pos: .adjective), "largest")
        XCTAssertEqual(wordnet.inflect("glad", like: "happier", base: "happy", pos: .adjective), "gladder")
        XCTAssertEqual(wordnet.inflect("operate", like: "running", base: "run", pos: .verb), "operating")
    }

    func testWhichInflectionTheOriginalIs() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.inflection(of: "dog", base: "dog", pos: .noun), .base)
        XCTAssertEqual(wordnet.inflection(of: "dogs", base: "dog", pos: .noun), .plural)
        XCTAssertEqual(wordnet.inflection(of: "walks", base: "walk", pos: .verb), .thirdPersonSingular)
        XCTAssertEqual(wordnet.inflection(of: "walked", base: "walk", pos: .verb), .pastOrPastParticiple)
        XCTAssertEqual(wordnet.inflection(of: "walking", base: "walk", pos: .verb), .presentParticiple)
        XCTAssertEqual(wordnet.inflection(of: "went", base: "go", pos: .verb), .past)
        XCTAssertEqual(wordnet.inflection(of: "gone", base: "go", pos: .verb), .pastParticiple)
        XCTAssertEqual(wordnet.inflection(of: "began", base: "begin", pos: .verb), .past)
        XCTAssertEqual(wordnet.inflection(of: "begun", base: "begin", pos: .verb), .pastParticiple)
        XCTAssertEqual(wordnet.inflection(of: "bought", base: "buy", pos: .verb), .pastOrPastParticiple)
        XCTAssertEqual(wordnet.inflection(of: "has", base: "have", pos: .verb), .thirdPersonSingular)
        XCTAssertEqual(wordnet.inflection(of: "was", base: "be", pos: .verb), .past)
        XCTAssertEqual(wordnet.inflection(of: "is", base: "be", pos: .verb), .thirdPersonSingular)
        XCTAssertEqual(wordnet.inflection(of: "been", base: "be", pos: .verb), .pastParticiple)
        XCTAssertEqual(wordnet.inflection(of: "are", base: "be", pos: .verb), .base)
        XCTAssertEqual(wordnet.inflection(of: "better", base: "good", pos: .adjective), .comparative)
        XCTAssertEqual(wordnet.inflection(of: "worst", base: "bad", pos: .adjective), .superlative)
        XCTAssertEqual(wordnet.inflection(of: "biggest", base: "big", pos: .adjective), .superlative)
    }

    func testIrregularVerbs() throws {
        let wordnet = try realWordNet()
        // go → went/gone is ambiguous: the class of the original picks the form.
        XCTAssertEqual(wordnet.inflect("go", like: "took", base: "take", pos: .verb), "went")
        XCTAssertEqual(wordnet.inflect("go", like: "taken", base: "take", pos: .verb), "gone")
        XCTAssertEqual(wordnet.inflect("take", like: "went", base: "go", pos: .verb), "took")
        XCTAssertEqual(wordnet.inflect("take", like: "gone", base: "go", pos: .verb), "taken")
        XCTAssertEqual(wordnet.inflect("sing", like: "went", base: "go", pos: .verb), "sang")
        XCTAssertEqual(wordnet.inflect("sing", like: "gone", base: "go", pos: .verb), "sung")
        // A regular -ed original: past or participle is unknowable; the past is chosen.
        XCTAssertEqual(wordnet.inflect("go", like: "walked", base: "walk", pos: .verb), "went")
        XCTAssertEqual(wordnet.inflect("buy", like: "taken", base: "take", pos: .verb), "bought")
        XCTAssertEqual(wordnet.inflect("run", like: "taken", base: "take", pos: .verb), "run")
        XCTAssertEqual(wordnet.inflect("run", like: "took", base: "take", pos: .verb), "ran")
        XCTAssertEqual(wordnet.inflect("become", like: "gone", base: "go", pos: .verb), "become")
        // proven (verb.exc) is only a participle; the past is regular.
        XCTAssertEqual(wordnet.inflect("prove", like: "went", base: "go", pos: .verb), "proved")
        XCTAssertEqual(wordnet.inflect("prove", like: "gone", base: "go", pos: .verb), "proven")
        // Verbs whose past is the base; verbs whose verb.exc past is a British/archaic variant.
        XCTAssertEqual(wordnet.inflect("put", like: "walked", base: "walk", pos: .verb), "put")
        XCTAssertEqual(wordnet.inflect("beat", like: "gone", base: "go", pos: .verb), "beaten")
        XCTAssertEqual(wordnet.inflect("dream", like: "walked", base: "walk", pos: .verb), "dreamed")
        XCTAssertEqual(wordnet.inflect("work", like: "walked", base: "walk", pos: .verb), "worked")
        // be and have.
        XCTAssertEqual(wordnet.inflect("exist", like: "is", base: "be", pos: .verb), "exists")
        XCTAssertEqual(wordnet.inflect("be", like: "exists", base: "exist", pos: .verb), "is")
        XCTAssertEqual(wordnet.inflect("be", like: "existed", base: "exist", pos: .verb), "was")
        XCTAssertEqual(wordnet.inflect("have", like: "owns", base: "own", pos: .verb), "has")
        XCTAssertEqual(wordnet.inflect("have", like: "owned", base: "own", pos: .verb), "had")
        // Irregular -ing and doubled forms from verb.exc.
        XCTAssertEqual(wordnet.inflect("lie", like: "walking", base: "walk", pos: .verb), "lying")
        XCTAssertEqual(wordnet.inflect("prefer", like: "walked", base: "walk", pos: .verb), "preferred")
        XCTAssertEqual(wordnet.inflect("admit", like: "walking", base: "walk", pos: .verb), "admitting")
    }

    func testNouns() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.inflect("child", like: "dogs", base: "dog", pos: .noun), "children")
        XCTAssertEqual(wordnet.inflect("kid", like: "children", base: "child", pos: .noun), "kids")
        XCTAssertEqual(wordnet.inflect("mouse", like: "dogs", base: "dog", pos: .noun), "mice")
        XCTAssertEqual(wordnet.inflect("potato", like: "dogs", base: "dog", pos: .noun), "potatoes")
        XCTAssertEqual(wordnet.inflect("church", like: "dogs", base: "dog", pos: .noun), "churches")
        XCTAssertEqual(wordnet.inflect("lady", like: "dogs", base: "dog", pos: .noun), "ladies")
        XCTAssertEqual(wordnet.inflect("brother", like: "dogs", base: "dog", pos: .noun), "brothers") // not brethren
        // Collocations: the last word, unless noun.exc lists the whole (it lists men-of-war).
        XCTAssertEqual(wordnet.inflect("motion picture", like: "dogs", base: "dog", pos: .noun), "motion pictures")
        XCTAssertEqual(wordnet.inflect("man-of-war", like: "dogs", base: "dog", pos: .noun), "men-of-war")
        XCTAssertEqual(wordnet.inflect("film", like: "movie", base: "movie", pos: .noun), "film")
        XCTAssertNil(wordnet.inflect("film", as: .past, pos: .noun))
    }

    func testAdjectivesAndAdverbs() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.inflect("good", like: "worse", base: "bad", pos: .adjective), "better")
        XCTAssertEqual(wordnet.inflect("good", like: "worst", base: "bad", pos: .adjective), "best")
        XCTAssertEqual(wordnet.inflect("nice", like: "bigger", base: "big", pos: .adjective), "nicer")
        XCTAssertEqual(wordnet.inflect("simple", like: "bigger", base: "big", pos: .adjective), "simpler")
        XCTAssertEqual(wordnet.inflect("sad", like: "biggest", base: "big", pos: .adjective), "saddest")
        XCTAssertEqual(wordnet.inflect("early", like: "bigger", base: "big", pos: .adjective), "earlier")
        XCTAssertEqual(wordnet.inflect("thin", like: "bigger", base: "big", pos: .adjective), "thinner")
        // No one-word form: nil, and the candidate is dropped by synonymsInflected.
        XCTAssertNil(wordnet.inflect("beautiful", like: "happier", base: "happy", pos: .adjective))
        XCTAssertNil(wordnet.inflect("tired", like: "happier", base: "happy", pos: .adjective))
        XCTAssertNil(wordnet.inflect("grown", like: "bigger", base: "big", pos: .adjective))
        XCTAssertNil(wordnet.inflect("quickly", as: .comparative, pos: .adverb))
        XCTAssertEqual(wordnet.inflect("fast", as: .comparative, pos: .adverb), "faster")
        XCTAssertEqual(wordnet.inflect("well", as: .superlative, pos: .adverb), "best")
    }

    func testRegularSpellingRules() {
        XCTAssertEqual(["box", "church", "dish", "day", "lady", "cat", "bus"].map(WordNetDatabase.regularPlural),
                       ["boxes", "churches", "dishes", "days", "ladies", "cats", "buses"])
        XCTAssertEqual(["go", "try", "watch", "play", "walk", "fix"].map(WordNetDatabase.regularThirdPerson),
                       ["goes", "tries", "watches", "plays", "walks", "fixes"])
        XCTAssertEqual(["hope", "try", "play", "stop", "visit", "plan", "fix", "show"].map(WordNetDatabase.regularPast),
                       ["hoped", "tried", "played", "stopped", "visited", "planned", "fixed", "showed"])
        XCTAssertEqual(["make", "die", "see", "run", "visit", "quit", "hoe", "dye", "look"]
                        .map(WordNetDatabase.regularPresentParticiple),
                       ["making", "dying", "seeing", "running", "visiting", "quitting", "hoeing", "dyeing", "looking"])
        XCTAssertEqual(["stop", "happy", "simple", "make", "agree", "beautiful", "a"].map(WordNetDatabase.syllableCount),
                       [1, 2, 2, 1, 2, 3, 1])
    }

    func testCaseAndCollocations() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.inflect("film", like: "Movies", base: "movie", pos: .noun), "Films")
        XCTAssertEqual(wordnet.inflect("film", like: "MOVIES", base: "movie", pos: .noun), "FILMS")
        XCTAssertEqual(wordnet.inflect("look for", like: "walked", base: "walk", pos: .verb), "looked for")
        XCTAssertEqual(wordnet.inflect("give up", like: "took", base: "take", pos: .verb), "gave up")
        XCTAssertNil(wordnet.inflect("well known", as: .comparative, pos: .adjective))
    }

    func testSynonymsInflected() throws {
        let wordnet = try realWordNet()
        XCTAssertEqual(wordnet.synonymsInflected(for: "movies", pos: .noun), ["films", "pictures", "pics", "flicks"])
        XCTAssertEqual(wordnet.synonymsInflected(for: "movies"), ["films", "pictures", "pics", "flicks"])
        XCTAssertEqual(wordnet.synonymsInflected(for: "Movies"), ["Films", "Pictures", "Pics", "Flicks"])
        XCTAssertEqual(wordnet.synonymsInflected(for: "movie"), ["film", "picture", "pic", "flick"])
        let running = wordnet.synonymsInflected(for: "running", pos: .verb)
        XCTAssertEqual(Array(running.prefix(6)), ["scatting", "scarpering", "lamming", "bunking", "escaping", "going"])
        XCTAssertTrue(running.contains("operating"))
        XCTAssertFalse(running.contains("running"))
        XCTAssertEqual(wordnet.synonymsInflected(for: "happier", pos: .adjective), ["gladder"])
        XCTAssertEqual(Array(wordnet.synonymsInflected(for: "went", pos: .verb).prefix(8)),
                       ["travelled", "moved", "locomoted", "proceeded", "departed", "became", "got", "ran"])
        XCTAssertEqual(Array(wordnet.synonymsInflected(for: "gone", pos: .verb).prefix(8)),
                       ["travelled", "moved", "locomoted", "proceeded", "departed", "become", "gotten", "run"])
        XCTAssertEqual(Array(wordnet.synonymsInflected(for: "is", pos: .verb).prefix(4)),
                       ["exists", "equals", "constitutes", "represents"])
        XCTAssertEqual(Array(wordnet.synonymsInflected(for: "children").prefix(4)),
                       ["kids", "youngsters", "minors", "shavers"])
        XCTAssertEqual(Array(wordnet.synonymsInflected(for: "bigger", pos: .adjective).prefix(4)),
                       ["larger", "worse", "heavier", "braggier"])
    }

    func testSynonymsInflectedIsDeterministicAndClean() throws {
        let wordnet = try realWordNet()
        let words = ["movies", "running", "went", "happier", "children", "better", "dogs", "stopped", "is", "faster"]
        let first = words.map { wordnet.synonymsInflected(for: $0) }
        XCTAssertEqual(first, words.map { wordnet.synonymsInflected(for: $0) })
        for (word, candidates) in zip(words, first) {
            XCTAssertEqual(Set(candidates).count, candidates.count, "duplicates for \(word)")
            XCTAssertFalse(candidates.contains(word), word)
            for candidate in candidates {
                XCTAssertFalse(candidate.contains(" ") || candidate.contains("-"), "\(word): \(candidate)")
            }
        }
    }
}
