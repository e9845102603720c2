// WorkflowTests: the workflows called directly, as the command line calls them — train a tiny model,
// evaluate and attack it, resume rules, augmentation written as a dataset, bad input refused with
// one-line errors before anything is recorded, and stored runs shown (RunQueries).
import Analysis
import Attacks
import Augmentation
import Basics
import Datasets
import Foundation
import Results
import TestSupport
import Training
import Transformer
import Workflows
import XCTest

final class WorkflowTests: XCTestCase {
    static let dataPath = TestPaths.fixture("gate/data.csv").path
    static let baseModel = TestPaths.fixture("gate/model").path

    var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
    }

    func dataset() throws -> DatasetSplits {
        try DataSource(data: Self.dataPath).load(reporter: SilentReporter())
    }

    /// The test split (or `examples`) of the fixture data with `suite`, recorded in `database`.
    func plan(_ data: DatasetSplits, examples: [Example]? = nil, suite: [Recipe] = [], database: String) throws -> EvaluationPlan {
        var plan = EvaluationPlan(dataset: data, examples: try examples ?? XCTUnwrap(data.examples("test")),
                                  selection: ExampleSelection(split: "test"), maxLength: 24, suite: suite, attack: attackSettings())
        plan.database = database
        return plan
    }

    func attackSettings(seed: UInt64 = 3) -> AttackSettings {
        AttackSettings(workers: 2, seed: seed, encoderPath: TestPaths.miniLM.path)
    }

    /// Fine-tunes the tiny fixture model (as scripts/ci-gate.sh does, fewer epochs) into `out`.
    func trainTiny(_ out: URL, database: String, reporter: Reporter = SilentReporter(),
                   data: DatasetSplits? = nil, epochs: Int = 6) throws -> TrainingWorkflow.Outcome {
        var settings = TrainerSettings()
        settings.epochs = epochs
        settings.batchSize = 16
        settings.learningRate = 5e-3
        settings.maxLength = 24
        settings.seed = 5
        settings.patience = nil
        var workflow = TrainingWorkflow(model: Self.baseModel, dataset: try data ?? dataset(), settings: settings, out: out,
                                        database: database)
        workflow.encoderPath = TestPaths.miniLM.path
        return try workflow.run(reporter: reporter)
    }

    func testTrainThenEvalRecordsEveryExampleUnderEachRecipe() throws {
        let db = folder.appendingPathComponent("w.db").path
        let out = folder.appendingPathComponent("tiny")
        let trainReporter = CollectingReporter()
        let trained = try trainTiny(out, database: db, reporter: trainReporter)
        XCTAssertTrue(trainReporter.output.contains("training on"), trainReporter.output)
        XCTAssertNotNil(trained.record.test, "the test report of the best checkpoint")

        let model = try ModelHandle(directory: out)
        XCTAssertEqual(model.weightsSHA256, try SHA256.hex(fileAt: out.appendingPathComponent("model.safetensors")))
        let data = try dataset()
        let examples = try XCTUnwrap(data.examples("test"))
        let suite = try RecipeLoading.load(["deepwordbug", "fgsm-sweep"])
        let reporter = CollectingReporter()
        let outcome = try EvalWorkflow(model: model, plan: plan(data, suite: suite, database: db)).run(reporter: reporter)
        XCTAssertTrue(reporter.output.contains("data test: \(examples.count) examples"), reporter.output)
        XCTAssertEqual(outcome.attacks?.summaries.map(\.recipe), ["deepwordbug", "fgsm-sweep"])

        let store = try ResultStore(path: db, access: .readOnly)
        let run = try store.run(outcome.runID)
        XCTAssertEqual(run.kind, .eval)
        XCTAssertEqual(run.status, .finished)
        XCTAssertEqual(run.modelHash, model.weightsSHA256)
        XCTAssertEqual(run.recipeHash, Recipe.hash(suite))
        for recipe in ["clean", "deepwordbug", "fgsm-sweep"] {
            XCTAssertEqual(try store.examples(run: outcome.runID, recipe: recipe).count, examples.count, recipe)
        }
        let metrics = try store.metrics(run: outcome.runID)
        for recipe in ["deepwordbug", "fgsm-sweep"] {
            let summary = try XCTUnwrap(outcome.attacks?.summaries.first { $0.recipe == recipe })
            let stored = try XCTUnwrap(metrics.first { $0.recipe == recipe && $0.name == MetricName.accuracyUnderAttack })
            XCTAssertEqual(stored.value, summary.accuracyUnderAttack, accuracy: 1e-12, recipe)
        }
        XCTAssertFalse(try store.curves(run: outcome.runID, recipe: "fgsm-sweep").isEmpty, "the ε sweep's curve")
        // The stored config is the one type eval and attack share.
        let config = try JSONDecoder().decode(AttackRunConfig.self, from: Data(run.configJSON.utf8))
        XCTAssertEqual(config.recipes, ["deepwordbug", "fgsm-sweep"])
        XCTAssertEqual(config.seed, 3)

        // Resume: a finished run cannot be resumed; a run with other options is refused before anything changes.
        var again = EvalWorkflow(model: model, plan: try plan(data, suite: suite, database: db))
        again.resume = outcome.runID
        XCTAssertThrowsError(try again.run(reporter: SilentReporter())) {
            XCTAssertEqual(($0 as? UserError)?.description, "run \(outcome.runID) already finished; start a new run instead")
        }
        let writable = try ResultStore(path: db)
        try writable.markRun(outcome.runID, status: .interrupted)
        again.plan.attack = attackSettings(seed: 4)
        XCTAssertThrowsError(try again.run(reporter: SilentReporter())) {
            XCTAssertTrue(String(describing: $0).contains("was started with other options"), String(describing: $0))
        }
        XCTAssertEqual(try writable.run(outcome.runID).status, .interrupted)
    }

    /// Found by fuzz-results-db: two recipe names SQLite keeps apart but Swift's String equality merges ("café"
    /// composed and decomposed; a damaged file gave two names equal up to a NUL) made `robust show` trap on a
    /// duplicate dictionary key. Each name is now shown once, with the counts of both.
    func testShowingRecipeNamesThatAreOneSwiftStringDoesNotTrap() throws {
        let db = try temporaryFolder(self).appendingPathComponent("names.db").path
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        do {
            let store = try ResultStore(path: db)
            let run = try store.beginRun(RunRecord(kind: .attack, robustVersion: "test"))
            for (index, recipe) in [composed, decomposed].enumerated() {
                try store.recordExample(ExampleRecord(runID: run.runID, recipe: recipe, exampleIndex: index, text: "a film",
                                                      gold: "pos", cleanPrediction: "pos", status: .failed))
            }
            try store.markRun(run.runID, status: .finished)
        }
        let details = try RunQueries(database: db).details(run: 1, recipe: nil, examples: 3)
        XCTAssertEqual(details.recipes.count, 1)
        XCTAssertEqual(details.counts[composed]?[.failed], 2)
        XCTAssertEqual(details.telling.count, 1)
    }

    func testUntrainedHeadAndUnknownLabelsAreRefused() throws {
        let db = folder.appendingPathComponent("w.db").path
        let untrained = try ModelHandle(directory: URL(fileURLWithPath: Self.baseModel))
        let data = try dataset()
        let examples = try XCTUnwrap(data.examples("test"))
        let eval = EvalWorkflow(model: untrained, plan: try plan(data, database: db))
        XCTAssertThrowsError(try eval.run(reporter: SilentReporter())) {
            XCTAssertEqual(($0 as? UserError)?.description,
                           "\(Self.baseModel) has no trained classification head; fine-tune it first with robust train")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: db), "nothing is recorded for a refused run")

        let out = folder.appendingPathComponent("tiny")
        _ = try trainTiny(out, database: db)
        let model = try ModelHandle(directory: out)
        let foreign = examples.map { Example(text: $0.text, label: "maybe") }
        let refused = EvalWorkflow(model: model, plan: try plan(data, examples: foreign, database: db))
        XCTAssertThrowsError(try refused.run(reporter: SilentReporter())) {
            XCTAssertTrue(String(describing: $0).hasPrefix("no example of the test split has a label the model knows"),
                          String(describing: $0))
        }
    }

    func testAugmentWritesADatasetAndRecordsItsRun() throws {
        let db = folder.appendingPathComponent("w.db").path
        let out = folder.appendingPathComponent("augmented")
        let recipes = try AugmentationRecipes.load(["eda"])
        let data = try dataset()
        var workflow = AugmentWorkflow(dataset: data, recipes: recipes, seed: 9, name: "augmented", description: "test")
        (workflow.perExample, workflow.workers, workflow.database, workflow.out) = (2, 2, db, out)
        let outcome = try workflow.run(reporter: SilentReporter())
        XCTAssertEqual(outcome.originalTrain, data.train.count)
        XCTAssertGreaterThan(outcome.counts.added, data.train.count / 2, "up to two texts per example")
        XCTAssertLessThanOrEqual(outcome.counts.added, 2 * data.train.count)
        XCTAssertEqual(outcome.dataset.train.count, data.train.count + outcome.counts.added)
        XCTAssertEqual(outcome.dataset.dev, data.dev)
        XCTAssertEqual(outcome.dataset.test, data.test)
        let written = try DatasetSplits.resolve(out.path, seed: 1, robustVersion: RobustVersion.current)
        XCTAssertEqual(written.train.count, outcome.dataset.train.count)
        let store = try ResultStore(path: db, access: .readOnly)
        let run = try store.run(outcome.runID)
        XCTAssertEqual(run.kind, .augment)
        XCTAssertEqual(run.status, .finished)
        XCTAssertEqual(run.recipeHash, recipes.hash)

        // The same seed gives the same dataset; an existing folder is not replaced unasked.
        XCTAssertThrowsError(try workflow.run(reporter: SilentReporter())) {
            XCTAssertTrue(String(describing: $0).contains("already exists; pass --overwrite"), String(describing: $0))
        }
        var again = workflow
        again.out = folder.appendingPathComponent("again")
        XCTAssertEqual(try again.run(reporter: SilentReporter()).dataset.train, outcome.dataset.train)
    }

    func testRetrainLinksBeforeTrainingAndAfterRunsAndRefusesAMismatchedBefore() throws {
        let db = folder.appendingPathComponent("w.db").path
        let tiny = folder.appendingPathComponent("tiny")
        _ = try trainTiny(tiny, database: db)
        let model = try ModelHandle(directory: tiny)
        let data = try dataset()
        let suite = try RecipeLoading.load(["deepwordbug"])
        let some = Array(try XCTUnwrap(data.examples("test")).prefix(12))
        let before = try EvalWorkflow(model: model, plan: plan(data, examples: some, suite: suite, database: db))
            .run(reporter: SilentReporter())

        var settings = TrainerSettings()
        (settings.epochs, settings.batchSize, settings.learningRate, settings.maxLength, settings.seed) = (1, 16, 1e-3, 24, 3)
        settings.adversarial = AdversarialTraining(method: .fgm)
        var retrain = RetrainWorkflow(model: model, plan: try plan(data, examples: some, suite: suite, database: db), method: .fgm,
                                      settings: settings, out: folder.appendingPathComponent("retrained"))
        retrain.before = before.runID
        let reporter = CollectingReporter()
        let outcome = try retrain.run(reporter: reporter)
        XCTAssertEqual(outcome.beforeRun, before.runID)
        XCTAssertTrue(reporter.output.contains("before: reusing eval run \(before.runID)"), reporter.output)
        XCTAssertEqual(outcome.exposure.map(\.recipe), ["deepwordbug"])
        XCTAssertEqual(outcome.exposure.first?.level, .unused, "FGM perturbs embeddings; DeepWordBug edits characters")
        XCTAssertTrue(outcome.rows.contains { $0.recipe == "deepwordbug" && $0.metric == MetricName.accuracyUnderAttack })
        XCTAssertTrue(outcome.table.contains("not used in training"), outcome.table)

        let store = try ResultStore(path: db, access: .readOnly)
        XCTAssertEqual(try store.run(outcome.trainingRun).kind, .retrain)
        XCTAssertEqual(try store.run(outcome.trainingRun).parentRunID, before.runID)
        XCTAssertEqual(try store.run(outcome.afterRun).parentRunID, before.runID)
        XCTAssertNotNil(try store.metrics(run: outcome.afterRun).first { $0.name == "delta_accuracy_under_attack" })

        // A before run with another seed selected other attacks: refused before any training.
        var mismatched = retrain
        mismatched.plan.attack = attackSettings(seed: 99)
        mismatched.out = folder.appendingPathComponent("never")
        XCTAssertThrowsError(try mismatched.run(reporter: SilentReporter())) {
            XCTAssertTrue(String(describing: $0).contains("used another split, sample, offset, --max-length or --seed"),
                          String(describing: $0))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("never").path))
    }

    /// An --out that cannot be written is refused before the model is even loaded, not when the first
    /// checkpoint is saved after an epoch of training.
    func testAnUnwritableOutIsRefusedBeforeTraining() throws {
        let db = folder.appendingPathComponent("w.db").path
        let file = folder.appendingPathComponent("a-file")
        try "not a folder".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try trainTiny(file, database: db)) {
            XCTAssertEqual(($0 as? UserError)?.description, "--out \(file.path) exists and is not a folder")
        }
        let underFile = file.appendingPathComponent("ckpt")
        XCTAssertThrowsError(try trainTiny(underFile, database: db)) {
            XCTAssertTrue(String(describing: $0).hasPrefix("--out \(underFile.path): cannot create \(file.path)"), String(describing: $0))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: db), "no run was started")
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "not a folder")
    }

    /// Many labels with one example each can leave dev empty: training says so and keeps the last model
    /// instead of calling whatever came out of an empty comparison "best".
    func testAnEmptyDevSplitIsSaidAndTheLastModelIsKept() throws {
        var data = try dataset()
        data.dev = []
        let reporter = CollectingReporter()
        let outcome = try trainTiny(folder.appendingPathComponent("tiny"), database: folder.appendingPathComponent("w.db").path,
                                    reporter: reporter, data: data)
        XCTAssertTrue(reporter.warnings.contains { $0.hasPrefix("warning: the dev split has no usable examples") }, "\(reporter.warnings)")
        XCTAssertNil(outcome.record.best)
        XCTAssertEqual(outcome.record.kept?.rule, "last")
        XCTAssertEqual(outcome.record.kept?.step, outcome.record.history.last?.step)
        XCTAssertFalse(reporter.output.contains("best so far"), reporter.output)
    }
}
