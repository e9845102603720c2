// Predict: `robust predict` prints the predicted label and class probabilities of a classifier checkpoint.
import ArgumentParser
import Foundation
import Transformer

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify texts with a checkpoint and print each label with the class probabilities.")

    @Option(help: "Checkpoint folder (a BertForSequenceClassification in Hugging Face format).")
    var model: String

    @Option(help: "Truncate texts to this many tokens.")
    var maxLength: Int = 256

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Flag(help: "Print one JSON object per text.")
    var json = false

    @Argument(help: "Texts to classify, or - to read one text per line from stdin.")
    var texts: [String] = []

    func validate() throws {
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        let checkpoint = try userFacing { try Checkpoint(directory: URL(fileURLWithPath: model)) }
        if !checkpoint.hasTrainedHead {
            FileHandle.standardError.write(Data("warning: \(model) has no classification head; predictions come from a new, untrained head\n".utf8))
        }
        let inputs = try TextInput.read(texts)
        let labels = checkpoint.labels
        let workspace = checkpoint.model.makeWorkspace(training: false)
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let chunk = Array(inputs[start..<min(start + batchSize, inputs.count)])
            let batch = checkpoint.batch(chunk, maxLength: maxLength)
            let probabilities = try userFacing { try checkpoint.model.probabilities(batch, workspace: workspace) }
            for (text, row) in zip(chunk, probabilities) {
                let best = row.indices.max { row[$0] < row[$1] } ?? 0
                if json {
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
