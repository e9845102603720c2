// Reduced-precision workflows: `eval --precision` reports and stores agreement with fp32 on a MiniLM
// fine-tuned on MR-style sentences; an attack searched in bf16 stores only successes of the fp32 model, with
// its fp32 re-checks counted; a recipe's own precision yields to a forced one, and the run records that.
import Attacks
import Basics
import Datasets
import Foundation
import Results
import Tensors
import TestSupport
import Training
import Transformer
import Workflows
import XCTest

final class PrecisionWorkflowTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        for precision in [Precision.bf16, .int8] {
            if let reason = OneDNN.unavailability(precision) { throw XCTSkip(reason) }
        }
    }

    /// Movie-review-style sentences whose polarity is their adjectives' (seeded, 480 of them).
    func reviews() throws -> DatasetSplits {
        let good = ["moving", "witty", "gorgeous", "heartfelt", "brilliant", "charming", "funny", "tender", "smart",
                    "thrilling", "beautiful", "wise"]
        let bad = ["dull", "tedious", "lifeless", "clumsy", "boring", "shallow", "predictable", "bland", "messy",
                   "awkward", "tiresome", "flat"]
        let nouns = ["film", "movie", "drama", "comedy", "story", "picture", "thriller", "documentary"]
        let frames = ["a {a} {n} .", "this {n} is {a} and {b} .", "{a} , {b} and in the end a {n} you will remember .",
                      "the director's {a} {n} feels {b} from start to finish .", "an often {a} , always {b} {n} ."]
        var random = SeededRandom(seed: 11)
        var lines = ["text,label"]
        for i in 0..<480 {
            let positive = i % 2 == 0
            let words = positive ? good : bad
            let frame = frames[random.below(frames.count)]
            let text = frame.replacingOccurrences(of: "{a}", with: words[random.below(words.count)])
                .replacingOccurrences(of: "{b}", with: words[random.below(words.count)])
                .replacingOccurrences(of: "{n}", with: nouns[random.below(nouns.count)])
            lines.append("\"\(text)\",\(positive ? "pos" : "neg")")
        }
        let path = folder.appendingPathComponent("reviews.csv")
        try lines.joined(separator: "\n").write(to: path, atomically: true, encoding: .utf8)
        return try DataSource(data: path.path).load(reporter: SilentReporter())
    }

    func testEvalReportsAgreementAndAttacksStoreOnlyFp32Successes() throws {
        let data = try reviews()
        let db = folder.appendingPathComponent("p.db").path
        var settings = TrainerSettings()
        settings.epochs = 1
        settings.batchSize = 16
        settings.learningRate = 1e-4
        settings.maxLength = 24
        settings.seed = 3
        settings.patience = nil
        let out = folder.appendingPathComponent("minilm-reviews")
        var training = TrainingWorkflow(model: try requireMiniLM().path, dataset: data, settings: settings, out: out, database: db)
        training.encoderPath = TestPaths.miniLM.path
        _ = try training.run(reporter: SilentReporter())
        let model = try ModelHandle(directory: out)

        // Agreement on every training sentence, in each reduced precision.
        let train = try XCTUnwrap(data.examples("train"))
        for precision in [Precision.bf16, .int8] {
            var plan = EvaluationPlan(dataset: data, examples: train, selection: ExampleSelection(split: "train"), maxLength: 24,
                                      suite: [], attack: AttackSettings(workers: 2, seed: 1, encoderPath: TestPaths.miniLM.path,
                                                                        precision: precision))
            plan.database = db
            let reporter = CollectingReporter()
            let outcome = try EvalWorkflow(model: model, plan: plan).run(reporter: reporter)
            XCTAssertGreaterThan(outcome.result.report.accuracy, 0.9, "the model learnt the task")
            let agreement = try XCTUnwrap(outcome.agreements.first)
            XCTAssertEqual(agreement.precision, precision)
            XCTAssertEqual(agreement.examples, train.count)
            XCTAssertGreaterThanOrEqual(agreement.agreement, precision == .bf16 ? 0.995 : 0.98, agreement.line)
            XCTAssertLessThan(agreement.maxProbabilityDifference, precision == .bf16 ? 0.05 : 0.15, agreement.line)
            XCTAssertTrue(reporter.output.contains("\(precision.rawValue) agrees with fp32 on"), reporter.output)
            let store = try ResultStore(path: db, access: .readOnly)
            let metrics = try store.metrics(run: outcome.runID)
            XCTAssertEqual(metrics.first { $0.name == "\(precision.rawValue)_agreement" }?.value ?? -1, agreement.agreement,
                           accuracy: 1e-12)
            let config = try JSONDecoder().decode(AttackRunConfig.self, from: Data(try store.run(outcome.runID).configJSON.utf8))
            XCTAssertEqual(config.precision, precision.rawValue)
        }

        // DeepWordBug searched in bf16: every stored success is a success of the fp32 model.
        let test = Array(train.prefix(40))
        let suite = try RecipeLoading.load(["deepwordbug"])
        var plan = EvaluationPlan(dataset: data, examples: test, selection: ExampleSelection(split: "train", limit: 40), maxLength: 24,
                                  suite: suite, attack: AttackSettings(workers: 2, seed: 1, encoderPath: TestPaths.miniLM.path,
                                                                       precision: .bf16))
        plan.database = db
        let outcome = try EvalWorkflow(model: model, plan: plan).run(reporter: SilentReporter())
        let summary = try XCTUnwrap(outcome.attacks?.summaries.first)
        XCTAssertGreaterThan(summary.successful, 0)
        XCTAssertGreaterThanOrEqual(summary.exactChecks ?? 0, summary.successful + test.count, "clean texts and successes re-checked")
        let store = try ResultStore(path: db, access: .readOnly)
        let fp32 = ModelVictim(checkpoint: model, maxLength: 24)
        for example in try store.examples(run: outcome.runID, recipe: "deepwordbug") where example.status == .success {
            let text = try XCTUnwrap(example.adversarialText)
            let probabilities = try XCTUnwrap(fp32.probabilities([fp32.tokenIDs(text)]).first)
            let predicted = model.labels[try XCTUnwrap(GoalFunction.argmax(probabilities))]
            XCTAssertNotEqual(predicted, example.gold, text)
            XCTAssertEqual(predicted, example.adversarialPrediction, text)
        }
        let metrics = try store.metrics(run: outcome.runID)
        XCTAssertNotNil(metrics.first { $0.recipe == "deepwordbug" && $0.name == "fp32_rejections" })
        XCTAssertEqual(metrics.first { $0.recipe == "deepwordbug" && $0.name == "fp32_checks" }?.value, Double(summary.exactChecks ?? -1))

        // A recipe asking for bf16 in a run that forces fp32: fp32 wins, and the run says so.
        let asking = try RecipeParser.parse(yaml: "name: dwb-bf16\ntransformation: char-swap\nsearch: greedy\nprecision: bf16\n",
                                            file: "dwb-bf16.yaml", defaultName: "dwb-bf16")
        guard case .recipe(let recipe) = asking else { return XCTFail("not a recipe") }
        var forced = EvaluationPlan(dataset: data, examples: Array(test.prefix(6)), selection: ExampleSelection(split: "train", limit: 6),
                                    maxLength: 24, suite: [recipe],
                                    attack: AttackSettings(workers: 1, seed: 1, encoderPath: TestPaths.miniLM.path, precision: .fp32))
        forced.database = db
        let forcedOutcome = try EvalWorkflow(model: model, plan: forced).run(reporter: SilentReporter())
        XCTAssertNil(forcedOutcome.attacks?.summaries.first?.exactChecks, "searched in fp32")
        let config = try JSONDecoder().decode(AttackRunConfig.self, from: Data(try store.run(forcedOutcome.runID).configJSON.utf8))
        XCTAssertEqual(config.precision, "fp32")
        XCTAssertNil(config.recipePrecisions)
        XCTAssertEqual(config.precisionNotes, ["recipe 'dwb-bf16' asks for bf16; --precision fp32 ran it in fp32"])
        // Without --precision, the recipe's own bf16 runs, and is recorded.
        forced.attack.precision = nil
        let own = try EvalWorkflow(model: model, plan: forced).run(reporter: SilentReporter())
        XCTAssertNotNil(own.attacks?.summaries.first?.exactChecks)
        let ownConfig = try JSONDecoder().decode(AttackRunConfig.self, from: Data(try store.run(own.runID).configJSON.utf8))
        XCTAssertEqual(ownConfig.recipePrecisions, ["dwb-bf16": "bf16"])
    }
}
