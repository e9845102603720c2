// PredictCommand: `robust predict` prints the predicted label and class probabilities of a classifier checkpoint.
import Basics
import ArgumentParser
import Foundation
import Transformer

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify texts with a checkpoint and print each label with the class probabilities.")

    @Option(help: "ModelHandle folder (a BertForSequenceClassification in Hugging Face format).")
    var model: String

    @OptionGroup var input: TextBatchOptions

    func run() throws {
        let checkpoint = try UserError.wrapping { try ModelHandle(directory: URL(fileURLWithPath: model)) }
        if !checkpoint.hasTrainedHead {
            FileHandle.standardError.write(Data("warning: \(model) has no classification head; predictions come from a new, untrained head\n".utf8))
        }
        let labels = checkpoint.labels
        let workspace = checkpoint.model.makeWorkspace(training: false)
        try input.forEachBatch(checkpoint) { chunk, batch in
            let probabilities = try UserError.wrapping { try checkpoint.model.probabilities(batch, workspace: workspace) }
            for (text, row) in zip(chunk, probabilities) {
                let best = row.indices.max { row[$0] < row[$1] } ?? 0
                if input.json {
                    var byLabel: [String: Double] = [:]
                    for (index, p) in row.enumerated() { byLabel[labels[index]] = Double(p) }
                    try JSONOutput.print(["text": text, "label": labels[best], "probabilities": byLabel])
                } else {
                    let shown = row.enumerated().map { "\(labels[$0.offset])=\(String(format: "%.4f", $0.element))" }
                    print("\(labels[best])\t\(shown.joined(separator: " "))\t\(text)")
                }
            }
        }
    }
}
