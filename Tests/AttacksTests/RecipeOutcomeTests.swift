// The shipped recipes (attacks/*.yaml) on a scripted victim, with real WordNet and fixed seeds: each has
// one expected outcome, which changes if its search, transformation or a constraint breaks.
@testable import Attacks
import XCTest

final class RecipeOutcomeTests: XCTestCase {
    // "a good movie" is positive only through "good" (logit 2). Among good's 33 WordNet synonyms,
    // "respectable" is the most negative, then "just"; "estimable" stays positive.
    let weights: [String: Float] = ["good": 2, "respectable": -1, "just": -0.5, "estimable": 1.5, "film": 0.3]

    func testPWWS() throws {
        let victim = WeightedWordVictim(weights: weights)
        let result = try attackOne("a good movie", procedure: try shipped("pwws").procedure, victim: victim, wordnet: try wordNet())
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.adversarialText, "a respectable movie")
        XCTAssertEqual(result.adversarialPrediction, "neg")
        // 1 clean + 2 [UNK] probes ("a" is a stopword) + every candidate: 33 for good, 4 for movie;
        // the greedy step at "good" then finds its 33 candidates in the cache.
        XCTAssertEqual(result.queries, 1 + 2 + 33 + 4)
        XCTAssertEqual(result.cacheHits, 33)
        XCTAssertEqual(victim.batches, [1, 2 + 33 + 4])   // the clean text; then probes and candidates together
    }

    func testTextFoolerWordNet() throws {
        // The similarity constraint (window 15, against the current text, angular 0.84) rejects "respectable",
        // whose vector points away; part of speech rejects good's noun synonyms (good is mostly an
        // adjective). The best remaining swap is "just".
        let encoder = WordVectorEncoder(vectors: ["respectable": [0, 0, 5]])
        let result = try attackOne("a good movie", procedure: try shipped("textfooler-wordnet").procedure,
                               victim: WeightedWordVictim(weights: weights), encoder: encoder, wordnet: try wordNet())
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.adversarialText, "a just movie")
        XCTAssertEqual(try XCTUnwrap(result.similarity), 1, accuracy: 1e-6)
        // 1 clean + 2 deletion probes + good's candidates that pass part of speech (those that can be
        // adjectives: 29) and similarity (all but "respectable").
        let lexicon = Lexicon(wordnet: try wordNet())
        let adjectives = lexicon.synonyms(of: "good", inflect: true, maxSenses: nil)
            .filter { lexicon.partsOfSpeech(of: $0).contains(.adjective) }
        XCTAssertEqual(adjectives.count, 29)
        XCTAssertEqual(result.queries, 1 + 2 + 28)
        // Without the encoder the recipe cannot run.
        XCTAssertThrowsError(try AttackRunner.check(try shipped("textfooler-wordnet"),
                                                    kit: AttackWorker(victim: WeightedWordVictim(weights: [:]), encoder: nil)))
    }

    func testDeepWordBug() throws {
        // Any character edit of "good" hides the keyword; [UNK] ranking finds it first.
        let victim = WeightedWordVictim(weights: ["good": 2], bias: -0.1)
        let result = try attackOne("a good movie", procedure: try shipped("deepwordbug").procedure, victim: victim,
                               wordnet: try wordNet(), seed: 7)
        XCTAssertEqual(result.status, .success)
        // The four random edits were a swap of the two o's (no change, dropped), g→v, a deletion and an
        // insertion; all hide the keyword equally, so the first, "vood", wins.
        XCTAssertEqual(result.adversarialText, "a vood movie")
        XCTAssertEqual(result.wordsChanged, 1)
        // 1 clean + 2 [UNK] probes + the 3 distinct one-edit variants of "good" (one batch).
        XCTAssertEqual(result.queries, 1 + 2 + 3)
        XCTAssertEqual(victim.batches, [1, 2, 3])
        // Another seed, another edit; the same seed, the same edit.
        let again = try attackOne("a good movie", procedure: try shipped("deepwordbug").procedure,
                              victim: WeightedWordVictim(weights: ["good": 2], bias: -0.1), wordnet: try wordNet(), seed: 7)
        XCTAssertEqual(again.adversarialText, result.adversarialText)
    }

    func testEDANoise() throws {
        let victim = WeightedWordVictim(weights: ["good": 1.5], bias: -0.5)
        let result = try attackOne("a good movie with a dull plot", procedure: try shipped("eda-noise").procedure, victim: victim,
                               wordnet: try wordNet(), seed: 7)
        XCTAssertEqual(result.status, .success)
        // Trial 0 (synonym replacement) drew "good" → "dependable": the first success in trial order.
        XCTAssertEqual(result.adversarialText, "a dependable movie with a dull plot")
        XCTAssertEqual(result.queries, 1 + 16)      // 20 trials, 16 distinct texts, one batch
        XCTAssertEqual(victim.batches, [1, 16])
        // Without "good" nothing can flip it: failed, the best-scoring trial kept.
        let robust = try attackOne("a fine movie with a dull plot", procedure: try shipped("eda-noise").procedure,
                               victim: WeightedWordVictim(weights: ["fine": 5], bias: 0.5), wordnet: try wordNet(), seed: 7)
        XCTAssertEqual(robust.status, .failed)
    }
}
