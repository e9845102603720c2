// Transformations (character, word and WordNet edits) and constraints, called directly.
import Basics
@testable import Attacks
import WordNet
import XCTest

final class TransformationTests: XCTestCase {
    func testCharacterEditsEnumerateEveryEdit() {
        var random = SeededRandom(seed: 1)
        let word = Array("film")
        XCTAssertEqual(CharacterEdit(.swap, randomOne: false).editedWords(word, random: &random), ["iflm", "flim", "fiml"])
        XCTAssertEqual(CharacterEdit(.delete, randomOne: false).editedWords(word, random: &random), ["ilm", "flm", "fim", "fil"])
        XCTAssertEqual(CharacterEdit(.delete, randomOne: false, skipFirst: true, skipLast: true).editedWords(word, random: &random),
                       ["flm", "fim"])
        XCTAssertEqual(CharacterEdit(.swap, randomOne: false, skipFirst: true).editedWords(word, random: &random), ["flim", "fiml"])
        XCTAssertEqual(CharacterEdit(.delete).editedWords(Array("a"), random: &random), [])
        XCTAssertEqual(CharacterEdit(.keyboard, randomOne: false).editedWords(Array("Go"), random: &random),
                       ["Fo", "Ho", "To", "Yo", "Vo", "Bo", "Gi", "Gp", "Gk", "Gl"])
        XCTAssertEqual(CharacterEdit(.homoglyph, randomOne: false).editedWords(Array("ox"), random: &random),
                       ["\u{043E}x", "o\u{0445}"])
        // Substitutions never keep the letter, and keep its case.
        for _ in 0..<50 {
            let edited = CharacterEdit(.substitute, randomOne: false).editedWords(Array("Ab"), random: &random)
            XCTAssertEqual(edited.count, 2)
            XCTAssertTrue(edited[0].first!.isUppercase && edited[0].first! != "A" && edited[0].last == "b")
            XCTAssertTrue(edited[1].first == "A" && edited[1].last! != "b")
        }
        let inserted = CharacterEdit(.insert, randomOne: false).editedWords(word, random: &random)
        XCTAssertEqual(inserted.count, 4)
        XCTAssertTrue(inserted.allSatisfy { $0.count == 5 })
    }

    func testRandomOneDrawsFromTheExampleGenerator() throws {
        let context = try makeContext("a good movie", seed: 5)
        let edit = CompositeTransformation([CharacterEdit(.swap), CharacterEdit(.substitute), CharacterEdit(.delete),
                                            CharacterEdit(.insert)])
        let first = edit.candidates(of: context.original, at: 1, context: context).map(\.text)
        let again = try makeContext("a good movie", seed: 5)
        XCTAssertEqual(edit.candidates(of: again.original, at: 1, context: again).map(\.text), first)
        XCTAssertLessThanOrEqual(first.count, 4)
        XCTAssertTrue(first.allSatisfy { $0.hasPrefix("a ") && $0.hasSuffix(" movie") && $0 != "a good movie" })
    }

    func testWordNetSynonymsAreInflectedAndCased() throws {
        let context = try makeContext("Movies bored me", wordnet: try wordNet())
        let swap = WordNetSynonymSwap()
        let movies = swap.candidates(of: context.original, at: 0, context: context).map { $0.words[0] }
        XCTAssertEqual(Array(movies.prefix(4)), ["Films", "Pictures", "Pics", "Flicks"])
        // "bored": the verb "bore" (senses {bore, tire} and {bore, drill}) with its synonyms put in the past
        // tense, then the adjective "bored" ({blase, bored}) whose synonym stays as it is.
        let bored = swap.candidates(of: context.original, at: 1, context: context).map { $0.words[1] }
        XCTAssertEqual(bored, ["tired", "drilled", "blase"])
        XCTAssertEqual(WordNetSynonymSwap(maxCandidates: 2).candidates(of: context.original, at: 0, context: context).count, 2)
        // No synonyms for a word with digits or for a word WordNet does not know.
        let other = try makeContext("r2d2 zzyzx", wordnet: try wordNet())
        XCTAssertEqual(swap.candidates(of: other.original, at: 0, context: other).count, 0)
        XCTAssertEqual(swap.candidates(of: other.original, at: 1, context: other).count, 0)
    }

    func testWordEdits() throws {
        let context = try makeContext("a good movie", wordnet: try wordNet(), seed: 9)
        XCTAssertEqual(WordEdit(.delete).candidates(of: context.original, at: 1, context: context).map(\.text), ["a movie"])
        XCTAssertEqual(WordEdit(.swap, randomOne: false).candidates(of: context.original, at: 1, context: context).map(\.text),
                       ["good a movie", "a movie good"])
        let inserted = WordEdit(.insert).candidates(of: context.original, at: 2, context: context)
        XCTAssertEqual(inserted.count, 1)
        XCTAssertEqual(inserted[0].count, 4)
        XCTAssertTrue(["film", "picture", "pic", "flick"].contains(inserted[0].words[inserted[0].lastChanged[0]]))
        XCTAssertEqual(WordEdit(.delete).candidates(of: AttackedText("alone"), at: 0, context: context).count, 0)
    }
}

final class ConstraintTests: XCTestCase {
    func testLevenshtein() throws {
        XCTAssertEqual(LevenshteinDistance.distance(Array("kitten"), Array("sitting")), 3)
        XCTAssertEqual(LevenshteinDistance.distance(Array(""), Array("abc")), 3)
        XCTAssertEqual(LevenshteinDistance.distance(Array("flaw"), Array("lawn")), 2)
        XCTAssertEqual(LevenshteinDistance.distance(Array("abcdef"), Array("ghijkl"), limit: 2), 3)
        let context = try makeContext("a good movie")
        let candidates = ["a goood movie", "a gd movie", "a bad film"].map { AttackedText($0) }
        XCTAssertEqual(try LevenshteinDistance(maxDistance: 2).filter(candidates, source: context.original, context: context).map(\.text),
                       ["a goood movie", "a gd movie"])
    }

    func testPreTransformationConstraints() throws {
        let context = try makeContext("The movie is not good at all")
        let text = context.original
        let stop = StopwordModification(stopwords: Stopwords.textFooler)
        XCTAssertEqual(text.words.indices.filter { stop.allowsChange(text, at: $0, context: context) }, [1, 4])
        XCTAssertEqual(Stopwords.textFooler.count, 266)
        XCTAssertEqual(Stopwords.nltk.count, 179)
        // TextAttack's StopwordModification() is NLTK's list; TextFooler's has words like "never" too.
        for word in ["never", "nothing", "everything", "otherwise"] {
            XCTAssertFalse(Stopwords.nltk.contains(word), word)
            XCTAssertTrue(Stopwords.textFooler.contains(word), word)
        }
        XCTAssertEqual(Stopwords.lists["textattack"], Stopwords.textFooler, "the old name stays accepted")
        let changed = text.replacingWord(at: 1, with: "film")
        XCTAssertFalse(RepeatModification().allowsChange(changed, at: 1, context: context))
        XCTAssertTrue(RepeatModification().allowsChange(changed, at: 4, context: context))
        XCTAssertFalse(MinimumWordLength(minimum: 3).allowsChange(text, at: 2, context: context))
        // 7 words × 0.2 = 1.4 → 2 words may change.
        let budget = MaxWordsPerturbed(maxFraction: 0.2, maxCount: nil)
        XCTAssertEqual(budget.limit(originalWords: 7), 2)
        XCTAssertEqual(MaxWordsPerturbed(maxFraction: 0.2, maxCount: 1).limit(originalWords: 7), 1)
        XCTAssertEqual(MaxWordsPerturbed(maxFraction: 0.01, maxCount: nil).limit(originalWords: 7), 1)
        let two = changed.replacingWord(at: 4, with: "fine")
        XCTAssertFalse(budget.allowsChange(two, at: 6, context: context))
        XCTAssertTrue(budget.allowsChange(two, at: 4, context: context))
    }

    func testPartOfSpeechThroughWordNet() throws {
        let context = try makeContext("a good movie", wordnet: try wordNet())
        let pos = PartOfSpeechConsistency()
        let source = context.original
        let candidates = [source.replacingWord(at: 1, with: "goodness"), source.replacingWord(at: 1, with: "respectable"),
                          source.replacingWord(at: 2, with: "film"), source.replacingWord(at: 2, with: "shoot"),
                          source.replacingWord(at: 2, with: "qwxz")]
        let kept = try pos.filter(candidates, source: source, context: context).map(\.text)
        // "goodness" is only a noun (good is mostly an adjective); "shoot" is a verb and a noun (allowed:
        // verb/noun swap); a word WordNet does not know gives no evidence.
        XCTAssertEqual(kept, ["a respectable movie", "a good film", "a good shoot", "a good qwxz"])
        let strict = PartOfSpeechConsistency(mode: .dominant, allowVerbNounSwap: false)
        XCTAssertTrue(strict.consistent("movie", "shoot", lexicon: context.lexicon))   // shoot can be a noun
        XCTAssertFalse(strict.consistent("good", "goodness", lexicon: context.lexicon))
        XCTAssertEqual(context.lexicon.dominantPartOfSpeech(of: "movies"), .noun)
        XCTAssertEqual(context.lexicon.dominantPartOfSpeech(of: "the"), nil)
    }

    func testSentenceSimilarityWindowsAndBatches() throws {
        let encoder = WordVectorEncoder(vectors: ["bad": [0, 1, 0]])
        let context = try makeContext("one two three four five six seven eight nine", encoder: encoder)
        let source = context.original
        let near = source.replacingWord(at: 0, with: "bad")      // window of 3: "bad two three" vs "one two three"
        let far = source.replacingWord(at: 8, with: "ok")
        let windowed = SentenceSimilarity(threshold: 0.9, window: 3, reference: .current, metric: .cosine)
        XCTAssertEqual(try windowed.filter([near, far], source: source, context: context).map(\.text), [far.text])
        XCTAssertEqual(encoder.batches, [4])    // "one two three", "bad two three", "seven eight nine", "seven eight ok"
        // Whole text: one "bad" among nine words is similar enough: cos = 8/√65 = 0.9923.
        let whole = SentenceSimilarity(threshold: 0.99, window: nil, reference: .original, metric: .cosine)
        XCTAssertEqual(try whole.filter([near], source: source, context: context).count, 1)
        XCTAssertEqual(try XCTUnwrap(context.candidateSimilarity[near.text]), 8 / 65.0.squareRoot(), accuracy: 1e-6)
        // Angular: 1 − acos(0.9923)/π = 0.9605.
        let angular = SentenceSimilarity(threshold: 0.96, window: nil, reference: .original, metric: .angular)
        XCTAssertEqual(try angular.filter([near], source: source, context: context).count, 1)
        XCTAssertEqual(try XCTUnwrap(context.candidateSimilarity[near.text]), 1 - acos(8 / 65.0.squareRoot()) / .pi, accuracy: 1e-6)
        // Without an encoder the constraint refuses to run.
        let bare = try makeContext("a b")
        XCTAssertThrowsError(try whole.filter([bare.original.replacingWord(at: 0, with: "c")], source: bare.original, context: bare))
    }
}
