// Eval: `robust eval` scores a checkpoint on a dataset split — the classification report (per-class
// precision, recall, F1, support; accuracy; macro and weighted averages; confusion matrix).
import Basics
import ArgumentParser
import Datasets
import Foundation
import Results
import Training
import Transformer

struct EvalConfig: Codable {
    var model: String
    var data: String
    var split: String
    var limit: Int?
    var maxLength: Int
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint on a dataset split: classification report (the attack suite is tracked separately).")

    @Option(help: "Checkpoint folder.")
    var model: String

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var database: DatabaseOption

    @Option(help: "Split to evaluate: train, dev or test.")
    var split = "test"

    @Option(help: "Evaluate only the first N examples of the split.")
    var limit: Int?

    @Option(help: "Truncate texts to this many tokens.")
    var maxLength = 128

    @Flag(help: "Clean evaluation only (no attacks).")
    var noAttacks = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard ["train", "dev", "test"].contains(split) else { throw ValidationError("--split must be train, dev or test") }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    func run() throws {
        let checkpoint = try userFacing { try Checkpoint(directory: URL(fileURLWithPath: model)) }
        if !checkpoint.hasTrainedHead {
            throw UserError("\(model) has no trained classification head; fine-tune it first with robust train")
        }
        let dataset = try dataOptions.load()
        guard var examples = dataset.examples(split) else { throw UserError("dataset \(dataset.name) has no \(split) split") }
        if let limit { examples = Array(examples.prefix(limit)) }
        guard !examples.isEmpty else { throw UserError("the \(split) split of \(dataset.name) is empty") }
        let data = try LabelledData.tokenize(examples, split: split, labels: checkpoint.labels, tokenizer: checkpoint.tokenizer,
                                             maxLength: min(maxLength, checkpoint.config.maxPositions))
        guard !data.examples.isEmpty else { throw UserError("no usable examples in the \(split) split") }
        let store = try RunRecording.openForWriting(database)
        let modelHash = try userFacing { try SHA256.hex(fileAt: URL(fileURLWithPath: model).appendingPathComponent("model.safetensors")) }
        let config = EvalConfig(model: model, data: dataset.name, split: split, limit: limit, maxLength: maxLength)
        let runRecord = try RunRecording.run(kind: .eval, modelHash: modelHash, dataHash: dataset.manifest.contentSHA256,
                                             seed: 0, config: config)
        var result: Evaluation.Result?
        var seconds = 0.0
        let run = try userFacing {
            try store.withRun(runRecord, interrupted: { false }) { run in
                let started = Date()
                let evaluated = try Evaluation.evaluate(checkpoint.model, examples: data.examples, labels: checkpoint.labels)
                seconds = Date().timeIntervalSince(started)
                try RunRecording.recordClean(store, run: run.runID, examples: data.kept, result: evaluated,
                                             labels: checkpoint.labels, seconds: seconds)
                result = evaluated
                return run.runID
            }
        }
        guard let result else { throw UserError("evaluation produced no result") }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = try JSONSerialization.jsonObject(with: encoder.encode(result.report))
            try JSONOutput.print(["run": run, "model": model, "data": dataset.name, "split": split, "examples": data.examples.count,
                                  "skipped_empty": data.skippedEmpty, "loss": result.loss, "report": report])
        } else {
            print("\(dataset.name) \(split): \(data.examples.count) examples\(data.skippedEmpty > 0 ? " (\(data.skippedEmpty) empty skipped)" : ""), " +
                  String(format: "loss %.4f, %.1f examples/s", result.loss, Double(data.examples.count) / max(seconds, 1e-9)))
            print(result.report.rendered())
            print("\nrun \(run) recorded in \(database.path)")
            if !noAttacks { print("\n(attack suite: not implemented yet; this is the clean evaluation)") }
        }
    }
}
