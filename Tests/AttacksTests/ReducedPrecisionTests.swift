// Reduced-precision search: a victim whose search answers lie about some texts (as bf16 or int8 could near
// a decision boundary) and whose exact answers do not. Every stored success must be an exact success, the
// search must go on past a rejected one, the clean prediction and stored probabilities must be exact, and
// the re-checks and rejections must be counted.
import AttackFakes
import Attacks
import Foundation
import XCTest

/// `WeightedWordVictim`'s answers as exact ones; in the search precision, any text containing `decoy` looks
/// like a confident "neg", and every other answer is nudged by `drift` (so caches of the two must not mix).
final class TwoFacedVictim: Victim {
    let exact: WeightedWordVictim
    let decoy: String
    let drift: Float
    private(set) var exactBatches: [Int] = []

    init(exact: WeightedWordVictim, decoy: String, drift: Float = 0.001) {
        self.exact = exact
        self.decoy = decoy
        self.drift = drift
    }

    var labels: [String] { exact.labels }
    var unknownToken: String { exact.unknownToken }
    var reducedPrecision: String? { "bf16" }
    func tokenIDs(_ text: String) -> [Int32] { exact.tokenIDs(text) }
    func visibleScalarLimit(_ text: String) -> Int? { exact.visibleScalarLimit(text) }

    func probabilities(_ sequences: [[Int32]]) throws -> [[Float]] {
        let decoyID = exact.tokenIDs(decoy)[1]
        return try zip(sequences, exact.probabilities(sequences)).map { ids, answer in
            if ids.contains(decoyID) { return [0.99, 0.01] }
            return [answer[0] - drift, answer[1] + drift]
        }
    }

    func exactProbabilities(_ sequences: [[Int32]]) throws -> [[Float]] {
        exactBatches.append(sequences.count)
        return try exact.probabilities(sequences)
    }
}

final class ReducedPrecisionTests: XCTestCase {
    let weights: [String: Float] = ["good": 2, "bad": -3, "fine": 0.5, "movie": 0.1]

    func attack(_ table: [String: [String]]) -> ComposedAttack {
        ComposedAttack(goal: GoalFunction(), transformation: DictionarySwap(table: table), constraints: [],
                       search: GreedyWordImportance(ranking: .unk))
    }

    func testARejectedSuccessIsNoSuccessAndTheSearchGoesOn() throws {
        // "fine" looks like a success in the search precision only; "bad" is a real one.
        let victim = TwoFacedVictim(exact: WeightedWordVictim(weights: weights), decoy: "fine")
        let result = try attackOne("a good movie", procedure: attack(["good": ["fine", "bad"]]), victim: victim)
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.adversarialText, "a bad movie")
        XCTAssertEqual(result.adversarialPrediction, "neg")
        XCTAssertEqual(result.cleanPrediction, "pos")
        // The clean text, then both would-be successes of the step, re-checked in fp32; "fine" turned down.
        XCTAssertEqual(result.exactChecks, 3)
        XCTAssertEqual(result.exactRejections, 1)
        XCTAssertEqual(victim.exactBatches, [1, 2])
    }

    func testWhenFp32TurnsDownTheOnlySuccessTheAttackFailsWithExactProbabilities() throws {
        let victim = TwoFacedVictim(exact: WeightedWordVictim(weights: weights), decoy: "fine")
        let result = try attackOne("a good movie", procedure: attack(["good": ["fine"]]), victim: victim)
        XCTAssertEqual(result.status, .failed)
        XCTAssertEqual(result.exactRejections, 1)
        // The text it ended on is stored with its exact prediction ("fine movie" is still pos in fp32).
        XCTAssertEqual(result.adversarialText, "a fine movie")
        XCTAssertEqual(result.adversarialPrediction, "pos")
    }

    func testAnExactVictimIsNeverReChecked() throws {
        let victim = WeightedWordVictim(weights: weights)
        let result = try attackOne("a good movie", procedure: attack(["good": ["fine", "bad"]]), victim: victim)
        XCTAssertEqual(result.status, .success)
        XCTAssertNil(result.exactChecks)
        XCTAssertNil(result.exactRejections)
        // 1 clean + 1 probe (the one word with candidates) + 2 candidates: no query twice.
        XCTAssertEqual(victim.batches, [1, 1, 2])
    }

    func testTheCleanPredictionIsExact() throws {
        // In the search precision every text is drifted; the clean text sits on the boundary (logit 0).
        let victim = TwoFacedVictim(exact: WeightedWordVictim(weights: ["movie": 0]), decoy: "zzz", drift: 0.2)
        let result = try attackOne("movie", gold: "neg", procedure: attack([:]), victim: victim)
        // Exactly [0.5, 0.5]: argmax takes the first (neg), so the clean prediction is right; the drifted one says pos.
        XCTAssertEqual(result.cleanPrediction, "neg")
        XCTAssertNotEqual(result.status, .cleanWrong)
    }

    func testRecipesCarryAPrecision() throws {
        let yaml = "transformation: char-swap\nsearch: greedy\nprecision: bf16\n"
        XCTAssertEqual(try recipe(yaml).precision, .bf16)
        XCTAssertNil(try recipe("transformation: char-swap\nsearch: greedy\n").precision)
        XCTAssertThrowsError(try recipe("transformation: char-swap\nsearch: greedy\nprecision: fp16\n")) { error in
            XCTAssertEqual("\(error)", "test.yaml:3: 'precision' must be fp32, bf16 or int8")
        }
    }
}
