// Embedding-space attacks on a tiny random BERT: FGSM ascends the loss, PGD's curve, verdict and queries
// equal a naive reference PGD's (projected onto each ε-ball) and it breaks what FGSM breaks, the span's
// directions and projections are exact, HotFlip's text is the original with whole words swapped and the
// model agrees with the probabilities it reports, the shipped recipes parse, and bad sweeps are refused.
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

    /// PGD written out independently of `PGDProcedure`: for each ε from δ = 0, `steps` steps of ε·ratio
    /// along g/‖g‖ (L2 over the tokens between [CLS] and [SEP]), each followed by rescaling δ onto the
    /// ε-sphere when it leaves the ball; broken at the first pass that misclassifies (then at every larger
    /// ε too: that point lies inside the larger ball). Returns each ε's verdict, the forward passes, and the
    /// largest ‖δ‖/ε any pass used.
    func referencePGD(_ ids: [Int32], gold: Int, epsilons: [Double], steps: Int, ratio: Float,
                      victim: ModelVictim) throws -> (broken: [Bool], queries: Int, largestRadius: Double) {
        let h = victim.model.inputEmbeddingWidth
        let inner = h..<((ids.count - 1) * h)
        var verdicts: [Bool] = [], queries = 0, largest = 0.0
        func wrong(_ p: [Float]) -> Bool { (p.indices.max { p[$0] < p[$1] } ?? gold) != gold }
        for radius in epsilons {
            if verdicts.last == true { verdicts.append(true); continue }
            let epsilon = Float(radius)
            var delta = [Float](repeating: 0, count: ids.count * h)
            var broken = false
            for _ in 0..<steps {
                let (_, p, g) = try victim.inputGradient(ids, label: gold, wordEmbeddingDelta: delta)
                queries += 1
                if wrong(p) { broken = true; break }
                let gradientNorm = inner.reduce(0.0) { $0 + Double(g[$1]) * Double(g[$1]) }.squareRoot()
                for i in inner { delta[i] += epsilon * ratio * Float(Double(g[i]) / gradientNorm) }
                let length = inner.reduce(0.0) { $0 + Double(delta[$1]) * Double(delta[$1]) }.squareRoot()
                if length > Double(epsilon) { for i in inner { delta[i] = Float(Double(delta[i]) * Double(epsilon) / length) } }
                largest = max(largest, inner.reduce(0.0) { $0 + Double(delta[$1]) * Double(delta[$1]) }.squareRoot() / radius)
            }
            if !broken {
                broken = wrong(try victim.probabilities(ids, wordEmbeddingDelta: delta))
                queries += 1
            }
            verdicts.append(broken)
        }
        return (verdicts, queries, largest)
    }

    func testPGDMatchesANaiveReferenceAndBreaksWhatFGSMBreaks() throws {
        let victim = try victim()
        let epsilons = [0.05, 0.1, 0.2, 0.4, 0.8]
        var pgdBroken = 0, fgsmBroken = 0, brokenOnlyAtLargerRadii = 0, unbroken = 0, projected = 0
        for text in texts {
            let (label, gold) = try predictedLabel(text, victim)
            let pgd = try attackOne(text, gold: label, procedure: PGDProcedure(epsilons: epsilons, norm: .l2, steps: 5, stepRatio: 0.4),
                                victim: victim)
            let reference = try referencePGD(victim.tokenIDs(text), gold: gold, epsilons: epsilons, steps: 5, ratio: 0.4,
                                             victim: victim)
            // Five steps of 0.4·ε would reach 2ε unprojected: where the ascent runs long enough, the ball binds.
            XCTAssertLessThanOrEqual(reference.largestRadius, 1 + 1e-5, text)
            if reference.largestRadius > 1 - 1e-5 { projected += 1 }
            let curve = pgd.curves.filter { $0.curve == "accuracy_vs_epsilon" }
            XCTAssertEqual(curve.map(\.x), epsilons, text)
            XCTAssertEqual(curve.map(\.y), reference.broken.map { $0 ? 0 : 1 }, text)
            XCTAssertEqual(pgd.status, reference.broken.last == true ? .success : .failed, text)
            XCTAssertEqual(pgd.details["smallest_breaking_epsilon"], zip(epsilons, reference.broken).first { $0.1 }?.0, text)
            XCTAssertEqual(pgd.queries, 1 + reference.queries, "\(text): the clean prediction plus every forward pass")
            if reference.broken.first == false && reference.broken.last == true { brokenOnlyAtLargerRadii += 1 }
            if reference.broken.last == false { unbroken += 1 }

            let fgsm = try attackOne(text, gold: label, procedure: FGSMProcedure(epsilons: [0.8], norm: .l2), victim: victim)
            if pgd.status == .success { pgdBroken += 1 }
            if fgsm.status == .success { fgsmBroken += 1 }
        }
        // The sweep discriminates (some example survives the small radii and falls to a larger one), and the
        // projection mattered for some.
        XCTAssertGreaterThan(brokenOnlyAtLargerRadii, 0)
        XCTAssertGreaterThan(projected, 0)
        XCTAssertGreaterThanOrEqual(pgdBroken, fgsmBroken)
        XCTAssertGreaterThan(pgdBroken, 0)
        print("PGD: \(pgdBroken) of \(texts.count) broken (\(brokenOnlyAtLargerRadii) only beyond the smallest ε, \(unbroken) unbroken, "
              + "\(projected) projected); FGSM \(fgsmBroken)")
    }

    func testPerturbationSpanDirectionAndProjection() {
        let h = 3
        let span = PerturbationSpan(ids: [101, 7, 8, 102], hidden: h)   // [CLS] a b [SEP]
        let gradient: [Float] = [9, 9, 9, 3, 0, -4, 0, 0, 0, 9, 9, 9]
        let l2 = span.direction(gradient, norm: .l2)
        XCTAssertEqual(l2, [0, 0, 0, 0.6, 0, -0.8, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(span.direction(gradient, norm: .linf), [0, 0, 0, 1, 0, -1, 0, 0, 0, 0, 0, 0])
        var outside: [Float] = [5, 5, 5, 3, 0, -4, 0, 0, 0, 5, 5, 5]
        span.project(&outside, epsilon: 2, norm: .l2)   // ‖(3, 0, −4)‖ = 5 → radius 2; [CLS] and [SEP] untouched
        XCTAssertEqual(outside, [5, 5, 5, 1.2, 0, -1.6, 0, 0, 0, 5, 5, 5])
        var inside: [Float] = [0, 0, 0, 0.3, 0, -0.4, 0, 0, 0, 0, 0, 0]
        span.project(&inside, epsilon: 2, norm: .l2)
        XCTAssertEqual(inside, [0, 0, 0, 0.3, 0, -0.4, 0, 0, 0, 0, 0, 0])
        var box: [Float] = [0, 0, 0, 3, 0.5, -4, 0, 0, 0, 0, 0, 0]
        span.project(&box, epsilon: 1, norm: .linf)
        XCTAssertEqual(box, [0, 0, 0, 1, 0.5, -1, 0, 0, 0, 0, 0, 0])
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
