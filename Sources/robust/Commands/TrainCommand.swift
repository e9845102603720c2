// TrainCommand: `robust train` fine-tunes a base model on a labelled dataset and writes a Hugging Face
// checkpoint (best dev model) with training.json; Ctrl-C saves a resumable state (`--resume`).
import ArgumentParser
import Basics
import Foundation
import Training
import Workflows

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune a model on a dataset; keep the best dev checkpoint and print a test report.")

    @OptionGroup var base: BaseModelOption
    var model: String { base.model }

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var database: DatabaseOption

    @Option(help: "Output checkpoint folder.")
    var out: String

    @OptionGroup var trainer: TrainerOptions<TrainDefaults>
    @Option(help: "Truncate texts to this many tokens.") var maxLength = 128
    @Option(help: "Seed for the head, batches and dropout.") var seed: UInt64 = 42
    @Option(help: "Adversarial training on the input embeddings: fgm, pgd or freelb.") var adversarial: String?
    @OptionGroup var a2tOptions: A2TOptions<TrainDefaults>
    @Option(help: "Examples attacked at once during A2T (default: all cores).") var a2tWorkers: Int?
    @Flag(help: "Continue an interrupted run from the state saved in --out.") var resume = false
    @Flag(help: "With --a2t: stop before each A2T harvest not yet recorded (state saved, exit 0), so its shards can run on other machines (--a2t-harvest), be merged into --db with robust merge, and training --resume.")
    var a2tPause = false
    @Flag(help: "Attack one shard (--shard K/N, or the Slurm array task's) of the A2T harvest the training paused in --out waits for, into --db; nothing else.")
    var a2tHarvest = false
    @OptionGroup var shardOptions: ShardOptions
    @OptionGroup(title: "Semi-supervised consistency training") var consistencyOptions: ConsistencyOptions
    @Option(help: ArgumentHelp("Train on a seeded, stratified sample of N training examples (the seed is --seed).", valueName: "N"))
    var trainSubset: Int?
    @Option(help: ArgumentHelp("Image models: augmentation recipes applied on the fly each epoch, comma-separated (augmentations/image-*.yaml or files), seeded by --seed.", valueName: "RECIPES"))
    var augment: String?
    /// Behaves as if Ctrl-C came just before this step (for tests of interruption and resume).
    @Option(help: .hidden) var interruptAtStep: Int?
    /// Waits before this step until SIGINT or SIGTERM arrives (for tests of a real Ctrl-C).
    @Option(help: .hidden) var waitForSignalAtStep: Int?

    func validate() throws {
        if let adversarial, AdversarialTraining.Method(rawValue: adversarial) == nil {
            throw ValidationError("--adversarial must be one of \(AdversarialTraining.Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let a2tWorkers, a2tWorkers < 1 { throw ValidationError("--a2t-workers must be at least 1") }
        if (a2tPause || a2tHarvest) && a2tOptions.plan == nil { throw ValidationError("--a2t-pause and --a2t-harvest go with --a2t RECIPES") }
        if a2tHarvest && a2tPause { throw ValidationError("--a2t-harvest attacks a shard of a paused training's harvest; --a2t-pause belongs to the training") }
        if let trainSubset, trainSubset < 2 { throw ValidationError("--train-subset must be at least 2") }
        if a2tHarvest && trainSubset != nil { throw ValidationError("--train-subset does not go with --a2t-harvest") }
        if !a2tHarvest && (shardOptions.shard != nil || shardOptions.shards != nil) {
            throw ValidationError("--shard and --shards split an A2T harvest: give them with --a2t-harvest")
        }
    }

    func run() throws {
        if ImageCommands.isImageModel(model) {
            guard adversarial == nil, a2tOptions.plan == nil, !a2tHarvest, consistencyOptions.unlabeled == nil else {
                throw ValidationError("--adversarial, --a2t and --unlabeled are for text models; harden an image model with robust retrain --method pgd|trades")
            }
            var settings = try trainer.settings(seed: seed, maxLength: maxLength, adversarial: nil)
            settings.trainSubset = trainSubset
            settings.imageAugmentation = RecipeLoading.split(augment)
            try UserError.wrapping { try settings.validate() }
            try ImageCommands.train(model: model, data: dataOptions.data, settings: settings, out: out, database: database.path,
                                    overwrite: trainer.overwrite, resume: resume, keepLast: trainer.keepLast,
                                    interruptAtStep: interruptAtStep)
            return
        }
        if augment != nil { throw ValidationError("--augment applies image recipes to image models; augment text with robust augment") }
        var settings = try trainer.settings(seed: seed, maxLength: maxLength,
                                        adversarial: adversarial.flatMap(AdversarialTraining.Method.init(rawValue:)))
        settings.discreteAdversarial = a2tOptions.plan
        settings.consistency = try consistencyOptions.settings()
        settings.trainSubset = trainSubset
        try UserError.wrapping { try settings.validate() }
        var workflow = TrainingWorkflow(model: model, dataset: try dataOptions.load(), settings: settings,
                                        out: URL(fileURLWithPath: out), database: database.path)
        (workflow.overwrite, workflow.resume, workflow.keepLast) = (trainer.overwrite, resume, trainer.keepLast)
        (workflow.interruptAtStep, workflow.a2tWorkers) = (interruptAtStep, a2tWorkers)
        workflow.waitForSignalAtStep = waitForSignalAtStep
        workflow.a2tPause = a2tPause
        (workflow.unlabeled, workflow.unlabeledTextColumn) = (consistencyOptions.unlabeled, consistencyOptions.unlabeledTextColumn)
        if a2tHarvest {
            guard let shard = try shardOptions.resolve() else {
                throw ValidationError("--a2t-harvest needs its shard: --shard K/N, a Slurm array task, or JOB_COMPLETION_INDEX with --shards N")
            }
            let databasePath = ShardOptions.database(database, shard: shard)
            workflow.database = databasePath
            let outcome = try workflow.harvestShard(shard, reporter: TerminalReporter())
            print("A2T epoch \(outcome.epoch) harvest, shard \(shard): \(outcome.succeeded) adversarial examples from \(outcome.attacked) attacked; run \(outcome.runID) recorded in \(databasePath)")
            return
        }
        let outcome = try workflow.run(reporter: TerminalReporter())
        if let paused = outcome.paused {
            print("""
                paused: \(paused.reason); state saved in \(out).
                Run its shards (same options, plus --resume --a2t-harvest --shard K/N --db H-K.db), then
                  robust merge H-*.db --into \(database.path)
                  robust train … --resume --a2t-pause   (or without --a2t-pause to let later harvests run here)
                """)
        }
    }
}

/// `train --unlabeled … --consistency …`: semi-supervised consistency training (UDA, VAT) on unlabelled text.
struct ConsistencyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Unlabelled text for consistency training: a file of text lines, a CSV/TSV/JSONL file (its text column; labels ignored), or a dataset (its training split, labels ignored). Texts in dev, test or the labelled training data are left out.", valueName: "FILE|DATASET"))
    var unlabeled: String?
    @Option(help: "Text column of a CSV/TSV/JSONL --unlabeled file (default: auto-detect).") var unlabeledTextColumn: String?
    @Option(help: "Consistency loss on the unlabelled text: uda (augmented copies), vat (adversarial embedding perturbations) or uda+vat (default with --unlabeled: uda).")
    var consistency: String?
    @Option(help: "UDA: recipes making the unlabelled copies, comma-separated, one drawn per copy: augmentation recipes (augmentations/), or attack recipes for adversarial consistency (the copy is an adversarial text against the current weights and the model's own prediction).")
    var udaAugment = "tfidf-replace"
    @Option(help: "UDA: weight λ of the consistency loss.") var consistencyWeight: Float = 1
    @Option(help: "UDA: sharpening temperature τ of the target (1: none).") var udaTemperature: Float = 0.4
    @Option(help: "UDA: confidence threshold β; unlabelled examples whose top probability is lower do not count (0: all count).")
    var udaThreshold: Float = 0.8
    @Option(help: "Training-signal annealing of the labelled loss: none, linear, log or exp.") var tsa = "none"
    @Option(help: "Unlabelled examples per labelled one in each step.") var unlabeledRatio = 3
    @Option(help: "VAT: L2 radius ε of the adversarial perturbation per example (word embeddings).") var vatEpsilon: Float = 1
    @Option(help: "VAT: length ξ of the power iteration's probe.") var vatXi: Float = 0.01
    @Option(help: "VAT: weight of the VAT loss.") var vatWeight: Float = 1

    func validate() throws {
        if let consistency, ConsistencyTraining.Method(rawValue: consistency) == nil {
            throw ValidationError("--consistency must be one of \(ConsistencyTraining.Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if ConsistencyTraining.Annealing(rawValue: tsa) == nil {
            throw ValidationError("--tsa must be one of \(ConsistencyTraining.Annealing.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if consistency != nil && unlabeled == nil { throw ValidationError("--consistency needs --unlabeled FILE|DATASET") }
        if unlabeledTextColumn != nil && unlabeled == nil { throw ValidationError("--unlabeled-text-column goes with --unlabeled") }
    }

    /// The consistency settings (nil without --unlabeled).
    func settings() throws -> ConsistencyTraining? {
        guard unlabeled != nil else { return nil }
        var settings = ConsistencyTraining(method: consistency.flatMap(ConsistencyTraining.Method.init(rawValue:)) ?? .uda)
        settings.weight = consistencyWeight
        settings.temperature = udaTemperature
        settings.threshold = udaThreshold
        settings.annealing = ConsistencyTraining.Annealing(rawValue: tsa) ?? .none
        settings.unlabeledRatio = unlabeledRatio
        (settings.vatEpsilon, settings.vatXi, settings.vatWeight) = (vatEpsilon, vatXi, vatWeight)
        if settings.method.usesAugmentation {
            settings.augmentation = udaAugment.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        try UserError.wrapping { try settings.validate() }
        return settings
    }
}
