// Embedding-space attacks on a tiny random BERT: FGSM ascends the loss, PGD's accuracy curve never
// rises with ε, HotFlip's text is the original with whole words swapped and the model agrees with the
// probabilities it reports, the shipped recipes parse, and bad sweeps are refused.
import Basics
import Foundation
import Tensors
import Transformer
import XCTest
@testable import Attacks

final class EmbeddingAttackTests: XCTestCase {
    let texts = ["the movie was good", "a dull plot", "the acting is not very good", "great fun and a good story",
                 "a boring story and a bad film", "the plot was fun and the acting was great"]

    func victim() throws -> ModelVictim {
        let (model, tokenizer) = try TinyBert.make()
        return ModelVictim(model: model, tokenizer: tokenizer, maxLength: 48)
    }

    /// The label the model predicts for `text` (so every example starts correct).
    func predictedLabel(_ text: String, _ victim: ModelVictim) throws -> (String, Int) {
        let p = try victim.probabilities([victim.tokenIDs(text)])[0]
        let index = p[0] > p[1] ? 0 : 1
        return (victim.labels[index], index)
    }

    func testFGSMStepRaisesTheLossAndRecordsTheSweep() throws {
        let victim = try victim()
        for text in texts {
            let (label, gold) = try predictedLabel(text, victim)
            let ids = victim.tokenIDs(text)
            let clean = try victim.inputGradient(ids, label: gold)
            let span = PerturbationSpan(ids: ids, hidden: victim.model.config.hiddenSize)
            var delta = span.direction(clean.gradient, norm: .linf).map { $0 * 1e-3 }
            let stepped = try delta.withUnsafeMutableBufferPointer { try victim.inputGradient(ids, label: gold, wordEmbeddingDelta: $0.baseAddress) }
            XCTAssertGreaterThan(stepped.loss, clean.loss, text)
            XCTAssertEqual(delta[0], 0)   // [CLS] is never perturbed

            let result = try attackOne(text, gold: label, procedure: FGSMProcedure(epsilons: [0.01, 0.1, 1], norm: .linf), victim: victim)
            let curve = result.curves.filter { $0.curve == "accuracy_vs_epsilon" }
            XCTAssertEqual(curve.map(\.x), [0.01, 0.1, 1])
            XCTAssertTrue(curve.allSatisfy { $0.y == 0 || $0.y == 1 })
            XCTAssertEqual(result.status, curve.last?.y == 0 ? .success : .failed, text)
        }
    }

    func testPGDAccuracyNeverRisesWithEpsilonAndBreaksWhatFGSMBreaks() throws {
        let victim = try victim()
        var pgdBroken = 0, fgsmBroken = 0
        for text in texts {
            let (label, _) = try predictedLabel(text, victim)
            let pgd = try attackOne(text, gold: label, procedure: PGDProcedure(epsilons: [0.05, 0.2, 0.8], norm: .l2, steps: 5, stepRatio: 0.4),
                                victim: victim)
            let ys = pgd.curves.map(\.y)
            XCTAssertEqual(ys.count, 3)
            XCTAssertEqual(ys, ys.sorted(by: >), "accuracy rose with ε: \(ys)")
            let fgsm = try attackOne(text, gold: label, procedure: FGSMProcedure(epsilons: [0.8], norm: .l2), victim: victim)
            if pgd.status == .success { pgdBroken += 1 }
            if fgsm.status == .success { fgsmBroken += 1 }
        }
        XCTAssertGreaterThanOrEqual(pgdBroken, fgsmBroken)
        XCTAssertGreaterThan(pgdBroken, 0)
    }

    func testHotFlipSwapsWholeWordsAndReportsTheModelsAnswer() throws {
        let victim = try victim()
        var successes = 0
        for text in texts {
            let (label, gold) = try predictedLabel(text, victim)
            let result = try attackOne(text, gold: label, procedure: HotFlipProcedure(maxFlips: 3, maxWordFraction: 0.5, candidates: 5),
                                   victim: victim)
            let again = try attackOne(text, gold: label, procedure: HotFlipProcedure(maxFlips: 3, maxWordFraction: 0.5, candidates: 5),
                                  victim: victim)
            XCTAssertEqual(result.adversarialText, again.adversarialText, "not deterministic")
            guard let adversarial = result.adversarialText else { continue }
            let before = text.split(separator: " "), after = adversarial.split(separator: " ")
            XCTAssertEqual(before.count, after.count)
            let changed = zip(before, after).filter { $0 != $1 }
            XCTAssertEqual(changed.count, result.wordsChanged)
            XCTAssertLessThanOrEqual(changed.count, min(3, before.count / 2))
            for (_, new) in changed { XCTAssertTrue(TinyBert.wholeWords.contains(String(new)), "\(new) is not a whole word") }
            let p = try victim.probabilities([victim.tokenIDs(adversarial)])[0]
            let predicted = p[0] > p[1] ? 0 : 1
            XCTAssertEqual(result.status == .success, predicted != gold, adversarial)
            if result.status == .success { successes += 1 }
        }
        XCTAssertGreaterThan(successes, 0)
    }

    func testShippedEmbeddingRecipesParseAndBadSweepsAreRefused() throws {
        for name in ["fgsm-sweep", "pgd", "hotflip"] { XCTAssertEqual(try shipped(name).name, name) }
        XCTAssertThrowsError(try recipe("name: x\nprocedure: {name: fgsm, epsilons: []}")) { error in
            XCTAssertTrue(String(describing: error).contains("epsilons"), "\(error)")
        }
        XCTAssertThrowsError(try recipe("name: x\nprocedure: {name: pgd, norm: l3}")) { error in
            XCTAssertTrue(String(describing: error).contains("linf"), "\(error)")
        }
    }
}
