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
        if !a2tHarvest && (shardOptions.shard != nil || shardOptions.shards != nil) {
            throw ValidationError("--shard and --shards split an A2T harvest: give them with --a2t-harvest")
        }
    }

    func run() throws {
        var settings = try trainer.settings(seed: seed, maxLength: maxLength,
                                        adversarial: adversarial.flatMap(AdversarialTraining.Method.init(rawValue:)))
        settings.discreteAdversarial = a2tOptions.plan
        try UserError.wrapping { try settings.validate() }
        var workflow = TrainingWorkflow(model: model, dataset: try dataOptions.load(), settings: settings,
                                        out: URL(fileURLWithPath: out), database: database.path)
        (workflow.overwrite, workflow.resume, workflow.keepLast) = (trainer.overwrite, resume, trainer.keepLast)
        (workflow.interruptAtStep, workflow.a2tWorkers) = (interruptAtStep, a2tWorkers)
        workflow.waitForSignalAtStep = waitForSignalAtStep
        workflow.a2tPause = a2tPause
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
