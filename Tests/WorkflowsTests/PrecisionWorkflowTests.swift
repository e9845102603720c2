// Reduced-precision workflows: bf16 and int8 clean predictions agree with fp32's on MR-style sentences with
// MiniLM's weights; `eval --precision` says and stores the agreement; an attack searched in bf16 stores only
// successes of the fp32 model, with its fp32 re-checks counted; a recipe's own precision yields to a forced
// one, and the run records that.
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

    /// Movie-review-style sentences whose polarity is their adjectives' (seeded).
    func reviews(count: Int) throws -> DatasetSplits {
        let good = ["moving", "witty", "gorgeous", "heartfelt", "brilliant", "charming", "funny", "tender", "smart",
                    "thrilling", "beautiful", "wise"]
        let bad = ["dull", "tedious", "lifeless", "clumsy", "boring", "shallow", "predictable", "bland", "messy",
                   "awkward", "tiresome", "flat"]
        let nouns = ["film", "movie", "drama", "comedy", "story", "picture", "thriller", "documentary"]
        let frames = ["a {a} {n} .", "this {n} is {a} and {b} .", "{a} , {b} and in the end a {n} you will remember .",
                      "the director's {a} {n} feels {b} from start to finish .", "an often {a} , always {b} {n} ."]
        var random = SeededRandom(seed: 11)
        var lines = ["text,label"]
        for i in 0..<count {
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

    /// MiniLM's real weights with a head fitted here (nearest class centroid of the [CLS] states, through an
    /// identity pooler): clean predictions in bf16 and int8 against fp32's on MR-style sentences.
    func testMiniLMAgreesWithFp32OnMRStyleSentences() throws {
        let handle = try ModelHandle(directory: try requireMiniLM())
        let model = handle.model
        let data = try reviews(count: 96)
        let examples = try XCTUnwrap(data.examples("train")) + XCTUnwrap(data.examples("test"))
        let labelled = try LabelledData.tokenize(examples, split: "train", labels: ["neg", "pos"], tokenizer: handle.tokenizer,
                                                 maxLength: 20)
        let h = model.config.hiddenSize
        let store = model.parameters
        let pooler = try XCTUnwrap(store.entry("pooler.dense.weight")), poolerBias = try XCTUnwrap(store.entry("pooler.dense.bias"))
        let weight = try XCTUnwrap(store.entry("classifier.weight")), bias = try XCTUnwrap(store.entry("classifier.bias"))
        store.value(at: pooler.offset).update(repeating: 0, count: h * h)
        for i in 0..<h { store.value(at: pooler.offset)[i * h + i] = 1 }
        store.value(at: poolerBias.offset).update(repeating: 0, count: h)
        // Class centroids of tanh([CLS]) in fp32.
        var batch = TokenBatch()
        for example in labelled.examples { batch.append(example.ids) }
        let workspace = model.makeWorkspace(training: false)
        let hidden = try model.encode(batch, workspace: workspace)
        var centroids = [[Double]](repeating: [Double](repeating: 0, count: h), count: 2)
        var counts = [0, 0]
        for (row, example) in labelled.examples.enumerated() {
            counts[example.label] += 1
            for i in 0..<h { centroids[example.label][i] += Double(Foundation.tanh(hidden[batch.starts[row] * h + i])) }
        }
        let means = centroids.enumerated().map { label, sum in sum.map { $0 / Double(max(counts[label], 1)) } }
        var direction = zip(means[1], means[0]).map { $0 - $1 }
        let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        direction = direction.map { $0 / norm * 40 }
        let middle = zip(means[1], means[0]).map { ($0 + $1) / 2 }
        let offset = zip(direction, middle).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<h {
            store.value(at: weight.offset)[h + i] = Float(direction[i] / 2)
            store.value(at: weight.offset)[i] = Float(-direction[i] / 2)
        }
        store.value(at: bias.offset)[1] = Float(-offset / 2)
        store.value(at: bias.offset)[0] = Float(offset / 2)

        let reference = try Evaluation.evaluate(model, examples: labelled.examples, labels: ["neg", "pos"])
        XCTAssertGreaterThan(reference.report.accuracy, 0.75, "the fitted head separates the classes")
        for precision in [Precision.bf16, .int8] {
            let agreement = try PrecisionAgreement.measure(model, precision: precision, data: labelled, reference: reference,
                                                           referenceSeconds: 1, labels: ["neg", "pos"])
            XCTAssertEqual(agreement.examples, labelled.examples.count)
            XCTAssertGreaterThanOrEqual(agreement.agreement, precision == .bf16 ? 0.99 : 0.97, agreement.line)
            XCTAssertGreaterThan(agreement.maxProbabilityDifference, 0, "\(precision) really ran")
            XCTAssertLessThan(agreement.maxProbabilityDifference, precision == .bf16 ? 0.05 : 0.2, agreement.line)
        }
    }

    /// Fine-tunes the tiny fixture model as scripts/ci-gate.sh does into `out` (16 epochs: it then tells the classes apart).
    func trainTiny(_ out: URL, database: String, precision: Precision? = nil) throws -> ModelHandle {
        var settings = TrainerSettings()
        settings.precision = precision
        settings.epochs = 16
        settings.batchSize = 16
        settings.learningRate = 5e-3
        settings.maxLength = 24
        settings.seed = 5
        settings.patience = nil
        var workflow = TrainingWorkflow(model: TestPaths.fixture("gate/model").path, dataset: try gateData(), settings: settings,
                                        out: out, database: database)
        workflow.encoderPath = TestPaths.miniLM.path
        _ = try workflow.run(reporter: SilentReporter())
        return try ModelHandle(directory: out)
    }

    func testBF16MixedPrecisionTrainingLearnsAndIsRecorded() throws {
        let db = folder.appendingPathComponent("t.db").path
        let out = folder.appendingPathComponent("tiny-bf16")
        let model = try trainTiny(out, database: db, precision: .bf16)
        let test = try XCTUnwrap(gateData().examples("test"))
        let labelled = try LabelledData.tokenize(test, split: "test", labels: model.labels, tokenizer: model.tokenizer, maxLength: 24)
        let result = try Evaluation.evaluate(model.model, examples: labelled.examples, labels: model.labels)
        XCTAssertGreaterThan(result.report.accuracy, 0.8, "bf16 training learnt the task")
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("training.json")))
                                   as? [String: Any])
        XCTAssertEqual((record["settings"] as? [String: Any])?["precision"] as? String, "bf16")
    }

    func gateData() throws -> DatasetSplits {
        try DataSource(data: TestPaths.fixture("gate/data.csv").path).load(reporter: SilentReporter())
    }

    func testEvalRecordsAgreementAndAttacksStoreOnlyFp32Successes() throws {
        let db = folder.appendingPathComponent("p.db").path
        let model = try trainTiny(folder.appendingPathComponent("tiny"), database: db)
        let data = try gateData()
        let test = try XCTUnwrap(data.examples("test"))
        func settings(_ precision: Precision?, workers: Int = 2) -> AttackSettings {
            AttackSettings(workers: workers, seed: 1, encoderPath: TestPaths.miniLM.path, precision: precision)
        }

        // --no-attacks --precision bf16: the agreement is said, stored, and the run's configuration has the precision.
        var clean = EvaluationPlan(dataset: data, examples: test, selection: ExampleSelection(split: "test"), maxLength: 24,
                                   suite: [], attack: settings(.bf16))
        clean.database = db
        let reporter = CollectingReporter()
        let evaluated = try EvalWorkflow(model: model, plan: clean).run(reporter: reporter)
        let agreement = try XCTUnwrap(evaluated.agreements.first)
        XCTAssertEqual(agreement.examples, test.count)
        XCTAssertTrue(reporter.output.contains("bf16 agrees with fp32 on"), reporter.output)
        let store = try ResultStore(path: db, access: .readOnly)
        let cleanMetrics = try store.metrics(run: evaluated.runID)
        XCTAssertEqual(cleanMetrics.first { $0.name == "bf16_agreement" }?.value ?? -1, agreement.agreement, accuracy: 1e-12)
        XCTAssertNotNil(cleanMetrics.first { $0.name == "bf16_max_probability_difference" })
        let cleanConfig = try JSONDecoder().decode(AttackRunConfig.self, from: Data(try store.run(evaluated.runID).configJSON.utf8))
        XCTAssertEqual(cleanConfig.precision, "bf16")

        // Word deletion searched in bf16: every stored success is a success of the fp32 model.
        guard case .recipe(let deletion) = try RecipeParser.parse(
            yaml: "name: delete\ntransformation: word-delete\nsearch: {name: greedy-wir, ranking: unk}\n",
            file: "delete.yaml", defaultName: "delete") else { return XCTFail("not a recipe") }
        let suite = [deletion]
        var attacked = EvaluationPlan(dataset: data, examples: test, selection: ExampleSelection(split: "test"), maxLength: 24,
                                      suite: suite, attack: settings(.bf16))
        attacked.database = db
        let outcome = try EvalWorkflow(model: model, plan: attacked).run(reporter: SilentReporter())
        let summary = try XCTUnwrap(outcome.attacks?.summaries.first)
        XCTAssertGreaterThan(summary.originalAccuracy, 0.8)
        let reasons = try store.examples(run: outcome.runID, recipe: "delete").map { "\($0.status) \($0.detailJSON ?? "")" }
        XCTAssertGreaterThan(summary.successful, 0, "\(summary) \(reasons.prefix(5))")
        XCTAssertGreaterThanOrEqual(summary.exactChecks ?? 0, summary.successful + test.count, "clean texts and successes re-checked")
        let fp32 = ModelVictim(checkpoint: model, maxLength: 24)
        for example in try store.examples(run: outcome.runID, recipe: "delete") where example.status == .success {
            let text = try XCTUnwrap(example.adversarialText)
            let probabilities = try XCTUnwrap(fp32.probabilities([fp32.tokenIDs(text)]).first)
            let predicted = model.labels[try XCTUnwrap(GoalFunction.argmax(probabilities))]
            XCTAssertNotEqual(predicted, example.gold, text)
            XCTAssertEqual(predicted, example.adversarialPrediction, text)
        }
        let metrics = try store.metrics(run: outcome.runID)
        XCTAssertNotNil(metrics.first { $0.recipe == "delete" && $0.name == "fp32_rejections" })
        XCTAssertEqual(metrics.first { $0.recipe == "delete" && $0.name == "fp32_checks" }?.value, Double(summary.exactChecks ?? -1))

        // A recipe asking for bf16 in a run that forces fp32: fp32 wins, and the run says so.
        let asking = try RecipeParser.parse(yaml: "name: dwb-bf16\ntransformation: char-swap\nsearch: greedy\nprecision: bf16\n",
                                            file: "dwb-bf16.yaml", defaultName: "dwb-bf16")
        guard case .recipe(let recipe) = asking else { return XCTFail("not a recipe") }
        var forced = EvaluationPlan(dataset: data, examples: Array(test.prefix(6)), selection: ExampleSelection(split: "test", limit: 6),
                                    maxLength: 24, suite: [recipe], attack: settings(.fp32, workers: 1))
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
