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
    /// Behaves as if Ctrl-C came just before this step (for tests of interruption and resume).
    @Option(help: .hidden) var interruptAtStep: Int?
    /// Waits before this step until SIGINT or SIGTERM arrives (for tests of a real Ctrl-C).
    @Option(help: .hidden) var waitForSignalAtStep: Int?

    func validate() throws {
        if let adversarial, AdversarialTraining.Method(rawValue: adversarial) == nil {
            throw ValidationError("--adversarial must be one of \(AdversarialTraining.Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let a2tWorkers, a2tWorkers < 1 { throw ValidationError("--a2t-workers must be at least 1") }
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
        _ = try workflow.run(reporter: TerminalReporter())
    }
}
