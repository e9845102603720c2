// ImageRetrainWorkflow: `robust retrain --method pgd|trades` on an image model — evaluate it (clean, the pixel
// attack suite, common corruptions) on held-out images (before), continue training it with Madry's PGD or TRADES
// adversarial training, evaluate the new checkpoint on the same images with the same recipes and seed (after),
// and store the paired comparison (accuracy deltas with paired bootstrap intervals, McNemar) with the after run.
// Recipes are grouped by exposure: PGD was used in training, the other gradient attacks (FGSM, APGD) share its
// kind of perturbation, the black-box Square attack did not.
import Analysis
import Attacks
import Basics
import Datasets
import Foundation
import Results
import Training
import Vision

public struct ImageRetrainWorkflow {
    public var model: String
    public var dataset: ImageDataset
    public var selection: ExampleSelection
    public var recipes: [String]?
    public var settings: TrainerSettings
    public var out: URL
    public var database: String
    public var seed: UInt64 = 42
    public var overwrite = false
    public var keepLast = false

    public init(model: String, dataset: ImageDataset, selection: ExampleSelection, recipes: [String]?, settings: TrainerSettings,
                out: URL, database: String) {
        self.model = model
        self.dataset = dataset
        self.selection = selection
        self.recipes = recipes
        self.settings = settings
        self.out = out
        self.database = database
    }

    public struct Outcome {
        public var beforeRun: Int64, trainingRun: Int64, afterRun: Int64
        public var rows: [ComparisonRow]
        public var table: String
    }

    func evaluation(_ model: String, label: String) -> ImageAttackWorkflow {
        var workflow = ImageAttackWorkflow(model: model, dataset: dataset, selection: selection, recipes: recipes, database: database)
        (workflow.corruptions, workflow.seed, workflow.kind, workflow.label) = (true, seed, .eval, label)
        return workflow
    }

    public func run(reporter: Reporter) throws -> Outcome {
        guard let adversarial = settings.pixelAdversarial else { throw UserError("retrain on an image model needs --method pgd or trades") }
        guard selection.split != "train", selection.split != ExampleSelection.all else {
            throw UserError("retrain evaluates on held-out images; --split must be dev or test")
        }
        try OutputFolder.checkWritable(out, what: "--out")
        if !overwrite, FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors").path) {
            throw UserError("\(out.path) already holds a checkpoint; pass --overwrite to replace it")
        }
        reporter.say("== before: \(model)")
        let before = try evaluation(model, label: "before retrain \(adversarial.method.rawValue)").run(reporter: reporter)
        reporter.say("\n== retraining \(model) with \(adversarial.method.rawValue) → \(out.relativePath)")
        var training = ImageTrainingWorkflow(model: model, dataset: dataset, settings: settings, out: out, database: database)
        (training.overwrite, training.keepLast) = (true, keepLast)
        (training.kind, training.parentRunID, training.label) = (.retrain, before.runID, "retrain \(adversarial.method.rawValue)")
        let trained = try training.run(reporter: reporter)
        reporter.say("\n== after: \(out.relativePath)")
        var after = evaluation(out.path, label: "after retrain \(adversarial.method.rawValue)")
        after.parentRunID = before.runID
        let afterOutcome = try after.run(reporter: reporter)
        let store = try RunRecording.openForWriting(database)
        let rows = try UserError.wrapping {
            Comparison.compare(aMetrics: try store.metrics(run: before.runID), aExamples: try store.examples(run: before.runID),
                               bMetrics: try store.metrics(run: afterOutcome.runID), bExamples: try store.examples(run: afterOutcome.runID))
        }
        let loaded = try UserError.wrapping {
            try PixelAttackRecipe.load(recipes ?? [ImageAttackWorkflow.defaultSuite], builtIn: RecipeLibrary.builtInImage,
                                       folder: after.recipeFolder)
        }
        let exposure = loaded.map { recipe -> (String, TrainingExposure.Level) in
            switch recipe.settings.kind {
            case .pgd: return (recipe.name, .used)
            case .fgsm, .apgdCE, .apgdDLR: return (recipe.name, .related)
            case .square: return (recipe.name, .unused)
            }
        }
        try RetrainComparison.record(rows, exposure: exposure, store: store, afterRun: afterOutcome.runID)
        return Outcome(beforeRun: before.runID, trainingRun: trained.runID, afterRun: afterOutcome.runID, rows: rows,
                       table: RetrainComparison.table(rows, exposure: exposure))
    }
}
