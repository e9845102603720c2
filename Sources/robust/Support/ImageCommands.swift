// ImageCommands: what `robust eval`, `attack`, `train` and `retrain` do when --model is an image model (ViT):
// check the options that apply to images, call the image workflow, print its results. The commands branch here
// so that each stays one parse → one workflow → print.
import ArgumentParser
import Basics
import Datasets
import Foundation
import Training
import Transformer
import Vision
import Workflows

enum ImageCommands {
    static func isImageModel(_ model: String?) -> Bool {
        guard let model else { return false }
        return ImageModelHandle.isImageModel(URL(fileURLWithPath: model))
    }

    /// `eval` (clean + pixel attack suite + corruptions) or `attack --data` on an image model.
    static func attack(model: String, data: String, selection: ExampleSelection, recipes: [String]?, corruptions: Bool,
                       kind: RunKindChoice, seed: UInt64, database: String, resume: String?, json: Bool) throws {
        var resumeID: Int64?
        if let resume {
            guard let id = Int64(resume) else { throw ValidationError("--resume takes a run id for image models") }
            resumeID = id
        }
        var workflow = ImageAttackWorkflow(model: model, dataset: try ImageData.load(data), selection: selection, recipes: recipes,
                                           database: database)
        workflow.corruptions = corruptions
        workflow.seed = seed
        workflow.kind = kind == .eval ? .eval : .attack
        workflow.resume = resumeID
        let outcome = try workflow.run(reporter: TerminalReporter(quiet: json))
        if json {
            try JSONOutput.print([
                "run": outcome.runID, "clean_accuracy": outcome.cleanAccuracy,
                "attacks": outcome.summaries.map { ["recipe": $0.recipe, "accuracy_under_attack": $0.accuracyUnderAttack,
                                                    "attack_success_rate": $0.attackSuccessRate as Any, "queries": $0.queries as Any] },
                "sweeps": outcome.sweeps.mapValues { $0.map { ["epsilon": Double($0.0), "accuracy": $0.1] } },
                "corruptions": Dictionary(uniqueKeysWithValues: outcome.corruptionAccuracy.map { ($0.0, $0.1) }),
            ])
            return
        }
        if !outcome.summaries.isEmpty { print("\n" + AttackSummary.table(outcome.summaries)) }
        for (recipe, points) in outcome.sweeps.sorted(by: { $0.key < $1.key }) {
            print("\n\(recipe): accuracy under attack by L∞ ε")
            print(points.map { String(format: "  ε %.3f  %.4f", $0.0, $0.1) }.joined(separator: "\n"))
        }
        if !outcome.corruptionAccuracy.isEmpty {
            print("\ncommon corruptions: accuracy at severity 1 … 5 (clean \(String(format: "%.4f", outcome.cleanAccuracy)))")
            for (name, values) in outcome.corruptionAccuracy {
                print("  " + name.padding(toLength: 16, withPad: " ", startingAt: 0) + values.map { String(format: "%.4f", $0) }.joined(separator: "  "))
            }
            let all = outcome.corruptionAccuracy.flatMap(\.1)
            print(String(format: "  mean %.4f", all.reduce(0, +) / Double(max(all.count, 1))))
        }
        print("\nrun \(outcome.runID) recorded in \(database)")
    }

    enum RunKindChoice { case eval, attack }

    /// `train` or `retrain --method pgd|trades` on an image model.
    static func train(model: String, data: String, settings: TrainerSettings, out: String, database: String, overwrite: Bool,
                      resume: Bool, keepLast: Bool, interruptAtStep: Int?, retrainOf parent: Int64? = nil) throws {
        var workflow = ImageTrainingWorkflow(model: model, dataset: try ImageData.load(data), settings: settings,
                                             out: URL(fileURLWithPath: out), database: database)
        (workflow.overwrite, workflow.resume, workflow.keepLast, workflow.interruptAtStep) = (overwrite, resume, keepLast, interruptAtStep)
        if settings.pixelAdversarial != nil {
            workflow.kind = .retrain
            workflow.parentRunID = parent
        }
        let outcome = try workflow.run(reporter: TerminalReporter())
        if !outcome.epochSeconds.isEmpty {
            print(String(format: "seconds per epoch (training steps only): %@",
                         outcome.epochSeconds.map { String(format: "%.1f", $0) }.joined(separator: ", ")))
        }
        print("run \(outcome.runID) recorded in \(database)")
    }
}
