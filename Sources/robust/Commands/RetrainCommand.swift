// RetrainCommand: `robust retrain` closes the loop — evaluate a checkpoint with the attack suite (before),
// continue training it with an adversarial method, evaluate the new checkpoint on the same examples
// with the same suite and seed (after), and store the paired comparison. Robustness is reported
// separately for attacks the training used, attacks that share their transformations, and attacks it
// never saw; every number is on held-out examples (the test split unless --split says otherwise).
import ArgumentParser
import Attacks
import Basics
import Datasets
import Foundation
import Training
import Workflows

extension RetrainMethod: ExpressibleByArgument {}

struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Adversarially retrain a checkpoint, and measure it before and after on the same examples.",
        discussion: """
            Methods: fgm, pgd, freelb (perturbations of the word embeddings, --adv-*); a2t (each epoch, attack \
            a sample of the training set with --a2t recipes on the current weights and train on the successes); \
            augment (once, before training: add --augment recipes' output — EDA, character noise, or attack \
            recipes run against --model on --attack-sample training examples). Training starts from --model's \
            weights and head. The before run (or --before RUN, an earlier eval of --model with the same \
            examples and recipes), the training run and the after run are linked in the results store (parent \
            run = before); `robust report BEFORE AFTER` draws them side by side.
            """)

    @Option(help: "The fine-tuned checkpoint to retrain.")
    var model: String

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var database: DatabaseOption

    @Option(help: "Retraining method: \(RetrainMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: RetrainMethod

    @Option(help: "Output checkpoint folder.")
    var out: String

    @OptionGroup var selection: SplitSelection

    @Option(help: "Evaluation recipes (default: attacks/default.yaml), comma-separated.")
    var recipes: String?

    @OptionGroup var attackOptions: AttackOptions

    @OptionGroup var auditOptions: AuditOptions

    @Option(help: "Reuse this finished eval run of --model (same examples, recipes and seed) as the before run.")
    var before: Int64?

    @OptionGroup var trainer: TrainerOptions<RetrainDefaults>
    @OptionGroup var a2tOptions: A2TOptions<RetrainDefaults>
    @Option(help: "Augmentation recipes for --method augment (augmentations/ or attacks/).") var augment = "a2t,a2t-char"
    @Option(help: "Image models: augmentation recipes applied on the fly while retraining (augmentations/image-*.yaml).") var imageAugment: String?
    @Option(help: "Augmented texts per training example (text recipes).") var perExample: Int?
    @Option(help: "Attack recipes of --method augment attack a seeded sample of N training examples (default: all).") var attackSample: Int?
    @Flag(help: "Continue an interrupted retraining from the state saved in --out (give its before run with --before).") var resume = false

    func validate() throws {
        if let attackSample, attackSample < 1 { throw ValidationError("--attack-sample must be positive") }
        if selection.split == "train" || selection.split == ExampleSelection.all {
            throw ValidationError("retrain evaluates on held-out examples; --split must be dev or test")
        }
        if resume && before == nil { throw ValidationError("--resume needs --before RUN, the before run the interrupted retrain printed") }
        if method == .a2t && a2tOptions.plan == nil { throw ValidationError("--method a2t needs --a2t RECIPES") }
        if resume && trainer.overwrite { throw ValidationError("--resume and --overwrite contradict each other") }
    }

    @Option(help: "Image models, --method trades: weight β of the KL term.") var tradesBeta: Float = 6
    @Option(help: ArgumentHelp("Image models: retrain on a seeded, stratified sample of N training images.", valueName: "N"))
    var trainSubset: Int?

    func run() throws {
        if ImageCommands.isImageModel(model) {
            guard method == .pgd || method == .trades else {
                throw ValidationError("an image model is retrained with --method pgd (Madry) or trades")
            }
            var settings = try trainer.settings(seed: attackOptions.seed, maxLength: selection.maxLength, adversarial: nil)
            settings.pixelAdversarial = PixelAdversarialTraining(
                method: method == .trades ? .trades : .pgd, epsilon: trainer.advEpsilon ?? 0.1, steps: trainer.advSteps ?? 7,
                stepSize: trainer.advStepSize, beta: tradesBeta)
            settings.imageAugmentation = RecipeLoading.split(imageAugment)
            settings.trainSubset = trainSubset
            try UserError.wrapping { try settings.validate() }
            var workflow = ImageRetrainWorkflow(model: model, dataset: try ImageData.load(dataOptions.data), selection: selection.selection,
                                                recipes: RecipeLoading.split(recipes), settings: settings, out: URL(fileURLWithPath: out),
                                                database: database.path)
            (workflow.seed, workflow.overwrite, workflow.keepLast) = (attackOptions.seed, trainer.overwrite, trainer.keepLast)
            let outcome = try workflow.run(reporter: TerminalReporter())
            print("\nbefore run \(outcome.beforeRun) → after run \(outcome.afterRun) (training run \(outcome.trainingRun)), \(selection.split) images:")
            print(outcome.table)
            print("draw it: robust report \(outcome.beforeRun) \(outcome.afterRun) --out reports/retrain-\(method.rawValue)")
            return
        }
        if method == .trades { throw ValidationError("--method trades is for image models; text models take fgm, pgd, freelb, a2t or augment") }
        if trainSubset != nil || imageAugment != nil { throw ValidationError("--train-subset and --image-augment apply to image models") }
        var settings = try trainer.settings(seed: attackOptions.seed, maxLength: selection.maxLength,
                                        adversarial: AdversarialTraining.Method(rawValue: method.rawValue))
        if method == .a2t { settings.discreteAdversarial = a2tOptions.plan }
        let handle = try loadModel(model)
        try handle.requireTrainedHead()
        let suite = try RecipeLoading.load(RecipeLoading.split(recipes))
        let audit = try auditOptions.recipe()
        let augmentation = method == .augment ? try AugmentationRecipes.load(RecipeLoading.split(augment) ?? []) : nil
        let dataset = try dataOptions.load()
        let examples = try selection.examples(of: dataset, seed: attackOptions.seed)
        var plan = EvaluationPlan(dataset: dataset, examples: examples, selection: selection.selection,
                                  maxLength: selection.maxLength, suite: suite, attack: attackOptions.settings)
        plan.database = database.path
        plan.audit = audit
        plan.auditRequested = auditOptions.requested
        var workflow = RetrainWorkflow(model: handle, plan: plan, method: method, settings: settings, out: URL(fileURLWithPath: out))
        (workflow.augmentation, workflow.perExample, workflow.attackSample) = (augmentation, perExample, attackSample)
        (workflow.before, workflow.overwrite, workflow.resume, workflow.keepLast) = (before, trainer.overwrite, resume, trainer.keepLast)
        let outcome = try workflow.run(reporter: TerminalReporter())
        print("\nbefore run \(outcome.beforeRun) → after run \(outcome.afterRun) (training run \(outcome.trainingRun)), \(examples.count) \(selection.split) examples:")
        print(outcome.table)
        print("draw it: robust report \(outcome.beforeRun) \(outcome.afterRun) --out reports/retrain-\(method.rawValue)")
    }
}
