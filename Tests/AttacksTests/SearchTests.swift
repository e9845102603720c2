// Search methods, the goal, the query budget and the cache, on a scripted victim whose prediction is a
// weighted sum of known words, so every step has one right answer.
@testable import Attacks
import XCTest

final class SearchTests: XCTestCase {
    // "a good movie": logit 3 (pos). Only "good" matters; its swap "bad" flips the prediction.
    let weights: [String: Float] = ["good": 3, "fine": 0.5, "bad": -4, "poor": -2, "flop": -5]
    let swaps = DictionarySwap(table: ["good": ["fine", "bad", "poor"], "movie": ["film"], "a": ["one"]])

    func attack(_ search: any SearchMethod, constraints: [any Constraint] = [], goal: GoalFunction = GoalFunction(),
                transformation: (any Transformation)? = nil) -> ComposedAttack {
        ComposedAttack(goal: goal, transformation: transformation ?? swaps, constraints: constraints, search: search)
    }

    func testGreedyWIRFindsTheOneWordThatMatters() throws {
        let victim = WeightedWordVictim(weights: weights)
        let result = try attackOne("a good movie", procedure: attack(GreedyWordImportance(ranking: .unk)), victim: victim)
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.adversarialText, "a bad movie")
        XCTAssertEqual(result.adversarialPrediction, "neg")
        XCTAssertEqual(result.wordsChanged, 1)
        XCTAssertEqual(result.wordsTotal, 3)
        // 1 clean + 3 [UNK] probes (one batch) + 3 candidates for "good" (one batch).
        XCTAssertEqual(result.queries, 7)
        XCTAssertEqual(victim.batches, [1, 3, 3])
        XCTAssertEqual(result.cacheHits, 0)
    }

    func testConstraintsBlockCandidatesAndPositions() throws {
        // The similarity constraint rejects "bad" (its vector points away), so "poor" is the best allowed.
        let encoder = WordVectorEncoder(vectors: ["bad": [0, 0, 10]])
        let similarity = SentenceSimilarity(threshold: 0.8, window: nil, reference: .original, metric: .cosine)
        let victim = WeightedWordVictim(weights: weights)
        let result = try attackOne("a good movie", procedure: attack(GreedyWordImportance(ranking: .unk), constraints: [similarity]),
                               victim: victim, encoder: encoder)
        XCTAssertEqual(result.adversarialText, "a poor movie")
        XCTAssertEqual(result.status, .success)
        // One embedding pass for the visited position's candidates (3) and the original; the final
        // similarity finds both texts cached.
        XCTAssertEqual(encoder.batches, [4])
        XCTAssertEqual(try XCTUnwrap(result.similarity), 1, accuracy: 1e-6)

        // A stopword list that protects "good": the attack must change "movie" instead ("flop").
        let flop = DictionarySwap(table: ["good": ["bad"], "movie": ["flop"]])
        let protected = try attackOne("a good movie", procedure: attack(GreedyWordImportance(ranking: .unk),
                                                                    constraints: [StopwordModification(stopwords: ["good", "a"])],
                                                                    transformation: flop),
                                  victim: WeightedWordVictim(weights: weights))
        XCTAssertEqual(protected.adversarialText, "a good flop")
        XCTAssertEqual(protected.status, .success)

        // Every position blocked: skipped, not failed.
        let blocked = try attackOne("a good movie", procedure: attack(GreedyWordImportance(ranking: .unk),
                                                                  constraints: [MinimumWordLength(minimum: 6)]),
                                victim: WeightedWordVictim(weights: weights))
        XCTAssertEqual(blocked.status, .skipped)
        XCTAssertEqual(blocked.reason, "no attackable words")
        XCTAssertEqual(blocked.queries, 1)

        // A swap that needs two words is refused by max-words-perturbed with max_count 1.
        let twoWords = WeightedWordVictim(weights: ["good": 3, "nice": 3, "ok": -0.5])
        let swapBoth = DictionarySwap(table: ["good": ["ok"], "nice": ["ok"]])
        let limited = try attackOne("good nice", procedure: attack(BeamSearch(width: 1),
                                                               constraints: [MaxWordsPerturbed(maxFraction: nil, maxCount: 1)],
                                                               transformation: swapBoth), victim: twoWords)
        XCTAssertEqual(limited.status, .failed)
        XCTAssertEqual(limited.adversarialText, "ok nice")
        XCTAssertEqual(limited.wordsChanged, 1)
        let unlimited = try attackOne("good nice", procedure: attack(BeamSearch(width: 1), transformation: swapBoth), victim: twoWords)
        XCTAssertEqual(unlimited.status, .success)
        XCTAssertEqual(unlimited.adversarialText, "ok ok")
    }

    func testQueryBudgetStopsTheSearch() throws {
        let victim = WeightedWordVictim(weights: weights)
        let budget = attack(GreedyWordImportance(ranking: .unk), goal: GoalFunction(queryBudget: 3))
        let result = try attackOne("a good movie", procedure: budget, victim: victim)
        XCTAssertEqual(result.status, .failed)
        XCTAssertEqual(result.reason, "query budget spent")
        XCTAssertEqual(result.queries, 3)
        XCTAssertEqual(victim.batches, [1, 2])   // the ranking batch was cut to the two queries left
        // With a budget of 6 the ranking fits, and the last step gets 2 of its 3 candidates: "fine", "bad".
        let enough = try attackOne("a good movie", procedure: attack(GreedyWordImportance(ranking: .unk), goal: GoalFunction(queryBudget: 6)),
                               victim: WeightedWordVictim(weights: weights))
        XCTAssertEqual(enough.status, .success)
        XCTAssertEqual(enough.adversarialText, "a bad movie")
        XCTAssertEqual(enough.queries, 6)
    }

    func testCacheCountsEveryRepeatOnce() throws {
        let victim = WeightedWordVictim(weights: weights)
        let oracle = QueryOracle(victim: victim)
        let first = try oracle.probabilities(["a good movie", "A  good movie!", "a bad movie"])
        XCTAssertEqual(first.count, 3)
        XCTAssertEqual(first[0], first[1])           // same token ids: one query
        XCTAssertEqual(oracle.queries, 2)
        XCTAssertEqual(oracle.cacheHits, 1)
        XCTAssertEqual(victim.batches, [2])
        _ = try oracle.probabilities(["a bad movie"])
        XCTAssertEqual(oracle.queries, 2)
        XCTAssertEqual(oracle.cacheHits, 2)
        XCTAssertEqual(victim.batches, [2])          // answered without the model

        // PWWS evaluates every candidate while ranking; the greedy step at the first position then reuses them.
        let pwws = try attackOne("a good movie", procedure: attack(GreedyWordImportance(ranking: .pwws)),
                             victim: WeightedWordVictim(weights: weights))
        XCTAssertEqual(pwws.adversarialText, "a bad movie")
        XCTAssertEqual(pwws.queries, 1 + 3 + 5)      // clean, 3 [UNK] probes, 5 candidates (3 + 1 + 1)
        XCTAssertEqual(pwws.cacheHits, 3)            // the 3 candidates for "good", asked again
    }

    func testPWWSOrderingOnAToyCase() throws {
        // "x y z": x carries logit 2, y carries 1. [UNK] saliency ranks x first; but y's swap flips the
        // prediction (y → y1: −3) while x's barely moves it (x → x1: 1.5), so PWWS ranks y first.
        //   saliency  x: 1 − σ(1) = 0.2689   y: 1 − σ(2) = 0.1192   → softmax 0.5374, 0.4626
        //   best swap x: 1 − σ(2.5) = 0.0759   y: 1 − σ(−1) = 0.7311
        //   PWWS      x: 0.0408              y: 0.3382
        let victim = WeightedWordVictim(weights: ["x": 2, "y": 1, "x1": 1.5, "y1": -3])
        let swaps = DictionarySwap(table: ["x": ["x1"], "y": ["y1"]])
        func order(_ ranking: GreedyWordImportance.Ranking) throws -> [Int] {
            let context = try makeContext("x y z", victim: victim)
            let session = SearchSession(context: context, goal: GoalFunction(), target: nil, transformation: swaps, constraints: [])
            let groups = try session.candidateGroups(of: session.original, indices: [0, 1])
            return try XCTUnwrap(GreedyWordImportance(ranking: ranking).rank([0, 1], session: session,
                                                                             firstCandidates: [0: groups[0], 1: groups[1]]))
        }
        XCTAssertEqual(try order(.unk), [0, 1])
        XCTAssertEqual(try order(.pwws), [1, 0])
        XCTAssertEqual(try order(.delete), [0, 1])
        let result = try attackOne("x y z", procedure: attack(GreedyWordImportance(ranking: .pwws), transformation: swaps),
                               victim: WeightedWordVictim(weights: ["x": 2, "y": 1, "x1": 1.5, "y1": -3]))
        XCTAssertEqual(result.adversarialText, "x y1 z")
        XCTAssertEqual(result.status, .success)
    }

    func testGreedyKeepsOnlyImprovementsAndWalksOn() throws {
        // "good" can only go to "fine" (still pos); the walk must keep "fine" and go on to "movie" → "flop".
        let victim = WeightedWordVictim(weights: ["good": 3, "fine": 2, "flop": -3])
        let swaps = DictionarySwap(table: ["good": ["fine"], "movie": ["flop"]])
        let result = try attackOne("a good movie", procedure: attack(GreedyWordImportance(ranking: .unk), transformation: swaps),
                               victim: victim)
        XCTAssertEqual(result.adversarialText, "a fine flop")
        XCTAssertEqual(result.wordsChanged, 2)
        XCTAssertEqual(result.status, .success)
    }

    /// Found by fuzz-attack-recipe: greedy-wir walks the original's positions, so once it kept a word-delete
    /// candidate a later position could lie past the end of the shorter text, and the transformation indexed
    /// out of range (a trap). Such a position now has no candidates.
    func testGreedyWalksOnPastADeletedWord() throws {
        // "a b c": deleting "a" (the most important word) keeps the prediction; the walk then reaches
        // position 2, which "b c" no longer has, and goes on to position 1 ("c"), whose deletion flips it.
        let victim = WeightedWordVictim(weights: ["a": 2, "b": -0.5, "c": 1.5], bias: -0.9)
        let result = try attackOne("a b c", procedure: attack(GreedyWordImportance(ranking: .delete), transformation: WordEdit(.delete)),
                               victim: victim)
        XCTAssertEqual(result.status, .success, result.reason ?? "")
        XCTAssertEqual(result.adversarialText, "b")
    }

    func testBeamAndGreedySearch() throws {
        // Two words must change; the beam explores both orders and stops at the first success.
        let victim = WeightedWordVictim(weights: ["good": 2, "great": 2, "ok": 0.5, "meh": -0.5])
        let swaps = DictionarySwap(table: ["good": ["ok", "meh"], "great": ["ok", "meh"]])
        let greedy = try attackOne("good great", procedure: attack(BeamSearch(width: 1), constraints: [RepeatModification()],
                                                               transformation: swaps), victim: victim)
        XCTAssertEqual(greedy.adversarialText, "meh meh")
        XCTAssertEqual(greedy.status, .success)
        // step 1: 4 candidates; step 2: 2 candidates of "meh great".
        XCTAssertEqual(greedy.queries, 1 + 4 + 2)
        let beam = try attackOne("good great", procedure: attack(BeamSearch(width: 2), constraints: [RepeatModification()],
                                                             transformation: swaps), victim: WeightedWordVictim(weights: victim.weights))
        XCTAssertEqual(beam.adversarialText, "meh meh")
        // step 2 expands "meh great" and "good meh": 4 texts, of which "meh meh" twice → 3 queries.
        XCTAssertEqual(beam.queries, 1 + 4 + 3)
    }

    func testTargetedGoal() throws {
        let victim = WeightedWordVictim(weights: weights)
        let targeted = attack(GreedyWordImportance(ranking: .unk), goal: GoalFunction(kind: .targeted("neg")))
        XCTAssertEqual(try attackOne("a good movie", procedure: targeted, victim: victim).adversarialText, "a bad movie")
        let already = try attackOne("a bad movie", gold: "neg", procedure: targeted, victim: WeightedWordVictim(weights: weights))
        XCTAssertEqual(already.status, .skipped)
        XCTAssertEqual(already.reason, "the gold label is already the target label 'neg'")
        let unknown = attack(GreedyWordImportance(ranking: .unk), goal: GoalFunction(kind: .targeted("neutral")))
        let result = try attackOne("a good movie", procedure: unknown, victim: WeightedWordVictim(weights: weights))
        XCTAssertEqual(result.status, .skipped)
        XCTAssertEqual(result.reason, "attack error: the goal's target label 'neutral' is not one of the model's labels (neg, pos)")
    }

    func testRandomSearchIsSeededPerExample() throws {
        let victim = WeightedWordVictim(weights: ["good": 1], bias: -0.5)
        let noise = attack(RandomSearch(trials: 6, edits: 1, editFraction: 0.1), transformation: WordEdit(.delete))
        let a = try attackOne("a good movie with a plot", procedure: noise, victim: victim, seed: 3, index: 5)
        let b = try attackOne("a good movie with a plot", procedure: noise, victim: WeightedWordVictim(weights: ["good": 1], bias: -0.5),
                          seed: 3, index: 5)
        XCTAssertEqual(a.adversarialText, b.adversarialText)
        XCTAssertEqual(a.queries, b.queries)
        XCTAssertEqual(a.status, .success)
        XCTAssertEqual(a.adversarialText, "a movie with a plot")
        XCTAssertLessThanOrEqual(a.queries, 1 + 6)
        XCTAssertEqual(victim.batches.count, 2)       // the clean query, then all trials in one batch
    }
}
