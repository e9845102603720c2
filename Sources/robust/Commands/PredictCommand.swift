// PredictCommand: `robust predict` prints the predicted label and class probabilities of a classifier checkpoint.
import ArgumentParser
import Foundation
import Workflows

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify texts with a checkpoint and print each label with the class probabilities.")

    @Option(help: "Checkpoint folder (a BertForSequenceClassification in Hugging Face format).")
    var model: String

    @OptionGroup var input: TextBatchOptions

    func run() throws {
        let handle = try loadModel(model)
        if !handle.hasTrainedHead {
            FileHandle.standardError.write(Data("warning: \(model) has no classification head; predictions come from a new, untrained head\n".utf8))
        }
        try input.inference(handle).predict(try TextInput.read(input.texts)) { predictions in
            for prediction in predictions {
                if input.json {
                    var byLabel: [String: Double] = [:]
                    for (label, p) in prediction.probabilities { byLabel[label] = Double(p) }
                    try JSONOutput.print(["text": prediction.text, "label": prediction.label, "probabilities": byLabel])
                } else {
                    let shown = prediction.probabilities.map { "\($0.label)=\(String(format: "%.4f", $0.probability))" }
                    print("\(prediction.label)\t\(shown.joined(separator: " "))\t\(prediction.text)")
                }
            }
        }
    }
}
