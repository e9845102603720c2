// PixelAttackSquareTests: the L∞ Square Attack reads only logits (a classifier that refuses gradients
// works), never spends more than its query budget (counted by the classifier), stops an image at success,
// stays in the ε-ball ∩ [0, 1], fools an easy linear model, and follows the p schedule.
import Basics
import Foundation
@testable import Vision
import XCTest

final class PixelAttackSquareTests: XCTestCase {
    let shape = ImageShape(channels: 3, height: 10, width: 10)

    func testScheduleAndSide() {
        XCTAssertEqual(SquareRun.share(iteration: 0, budget: 10000, pInit: 0.8), 0.8)
        XCTAssertEqual(SquareRun.share(iteration: 10, budget: 10000, pInit: 0.8), 0.8)
        XCTAssertEqual(SquareRun.share(iteration: 11, budget: 10000, pInit: 0.8), 0.4)
        XCTAssertEqual(SquareRun.share(iteration: 201, budget: 10000, pInit: 0.8), 0.1)
        XCTAssertEqual(SquareRun.share(iteration: 9000, budget: 10000, pInit: 0.8), 0.8 / 512)
        // Rescaled to the budget: iteration 20 of 1,000 is iteration 200 of 10,000.
        XCTAssertEqual(SquareRun.share(iteration: 20, budget: 1000, pInit: 0.8), 0.2)
        XCTAssertEqual(SquareRun.share(iteration: 21, budget: 1000, pInit: 0.8), 0.1)
        XCTAssertEqual(SquareRun.side(share: 0.8, height: 28, width: 28), 25)
        XCTAssertEqual(SquareRun.side(share: 0.8 / 512, height: 28, width: 28), 1)
        XCTAssertEqual(SquareRun.side(share: 1, height: 4, width: 9), 4)
    }

    func testSquareFoolsEasyLinearModelWithinBudgetAndBall() throws {
        let model = LinearSoftmaxFake(shape: shape, classes: 4, scale: 4, seed: 3)
        let (images, labels) = try fakeData(model, count: 30, wrongEvery: 10)
        let counting = CountingClassifier(GradientFreeClassifier(inner: model))
        var settings = PixelAttackSettings(kind: .square, epsilon: 0.15, seed: 2)
        settings.queryBudget = 300
        let results = try PixelAttacks.run(settings, classifier: counting, images: images, labels: labels, batchSize: 8)
        let d = shape.count
        var successes = 0
        for (n, result) in results.enumerated() {
            XCTAssertEqual(result.gradientEvaluations, 0)
            XCTAssertLessThanOrEqual(result.queries, 300)
            if n % 10 == 0 {
                XCTAssertEqual(result.status, .skipped)
                XCTAssertEqual(result.queries, 0)
                continue
            }
            XCTAssertGreaterThanOrEqual(result.queries, 1)
            for i in 0..<d {
                let pixel = result.adversarialImage[i]
                XCTAssertTrue(pixel >= 0 && pixel <= 1)
                XCTAssertLessThanOrEqual(abs(pixel - images[n * d + i]), 0.15 + 1e-6)
            }
            let z = try fakeLogits(model, result.adversarialImage)
            let prediction = z.indices.max { z[$0] < z[$1] }!
            XCTAssertEqual(result.adversarialPrediction, prediction)
            XCTAssertEqual(result.success, prediction != labels[n])
            let others = z.enumerated().filter { $0.offset != labels[n] }.map(\.element).max()!
            XCTAssertEqual(result.margin, z[labels[n]] - others, accuracy: 1e-5)
            XCTAssertEqual(result.loss, -result.margin)
            if result.success {
                successes += 1
                XCTAssertLessThanOrEqual(result.margin, 0)
            } else {
                XCTAssertEqual(result.queries, 300, "a surviving image spends the whole budget")
            }
        }
        XCTAssertGreaterThanOrEqual(successes, 24, "Square should fool nearly all of the 27 attacked images")
        // Stops at success: the successes spent far less than the budget on average.
        let spent = results.filter(\.success).reduce(0) { $0 + $1.queries }
        XCTAssertLessThan(Double(spent) / Double(max(successes, 1)), 150)
        let counts = counting.counts
        XCTAssertEqual(counts.gradients, 0)
        XCTAssertEqual(counts.logits, 30 + results.reduce(0) { $0 + $1.queries })
    }

    func testSquareNeverExceedsTinyBudgetsAndIsDeterministic() throws {
        let model = TanhMLPFake(shape: shape, classes: 5)
        let (images, labels) = try fakeData(model, count: 12)
        for budget in [1, 2, 7] {
            var settings = PixelAttackSettings(kind: .square, epsilon: 0.02, seed: 4)
            settings.queryBudget = budget
            let results = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 5)
            for result in results {
                XCTAssertLessThanOrEqual(result.queries, budget)
                if !result.success { XCTAssertEqual(result.queries, budget) }
            }
            XCTAssertEqual(try PixelAttacks.run(settings, classifier: model, images: images, labels: labels, batchSize: 12), results)
        }
    }

    /// Random search lowers the margin: on images it cannot fool, the margin left is below the clean one.
    func testSquareLowersTheMarginOfSurvivors() throws {
        let model = TanhMLPFake(shape: shape, classes: 5)
        let (images, labels) = try fakeData(model, count: 16)
        var settings = PixelAttackSettings(kind: .square, epsilon: 0.01, seed: 6)
        settings.queryBudget = 200
        let results = try PixelAttacks.run(settings, classifier: model, images: images, labels: labels)
        let d = shape.count
        var survivors = 0, lowered = 0
        for (n, result) in results.enumerated() where !result.success {
            survivors += 1
            let z = try fakeLogits(model, Array(images[(n * d)..<((n + 1) * d)]))
            let others = z.enumerated().filter { $0.offset != labels[n] }.map(\.element).max()!
            if result.margin < z[labels[n]] - others - 1e-4 { lowered += 1 }
        }
        XCTAssertGreaterThan(survivors, 5, "ε should leave survivors")
        XCTAssertGreaterThanOrEqual(Double(lowered), 0.8 * Double(survivors))
    }
}
