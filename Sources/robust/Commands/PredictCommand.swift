// PredictCommand: `robust predict` prints the predicted label and class probabilities of a classifier checkpoint.
import ArgumentParser
import Foundation
import Basics
import Remote
import Transformer
import Workflows

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify texts (or, with an image model, PNG/JPEG files) with a checkpoint and print each label with the class probabilities.")

    @Option(help: "Checkpoint folder (a sequence classifier in Hugging Face format), or --endpoint.")
    var model: String?

    @OptionGroup var endpoint: EndpointOptions

    @OptionGroup var input: TextBatchOptions

    func run() throws {
        let texts = try TextInput.read(input.texts)
        let each: ([Inference.Prediction]) throws -> Void = { try show($0) }
        if endpoint.isSet {
            if model != nil { throw ValidationError("--model and --endpoint name two victims; give one") }
            _ = try input.precisionOption.value(servedModel: true)
            guard case .service(let service) = try endpoint.classifier(model: nil, expected: nil, probe: texts.first) else { return }
            defer { service.shutdown() }
            try Inference.predict(service, texts: texts, each: each)
            return
        }
        guard let model else { throw ValidationError("give --model CHECKPOINT or --endpoint URL") }
        if ImageCommands.isImageModel(model) {
            // An image model: the arguments are PNG or JPEG files.
            let handle = try UserError.wrapping { try ImageModelHandle(directory: URL(fileURLWithPath: model)) }
            if !handle.hasTrainedHead {
                FileHandle.standardError.write(Data("warning: \(model) has no classification head; predictions come from a new, untrained head\n".utf8))
            }
            guard !input.texts.isEmpty, input.texts != ["-"] else { throw ValidationError("give the image files to classify") }
            var inference = ImageInference(model: handle)
            inference.batchSize = input.batchSize
            try inference.predict(input.texts, each: each)
            return
        }
        let handle = try loadModel(model)
        if !handle.hasTrainedHead {
            FileHandle.standardError.write(Data("warning: \(model) has no classification head; predictions come from a new, untrained head\n".utf8))
        }
        try input.inference(handle).predict(texts, each: each)
    }

    private func show(_ predictions: [Inference.Prediction]) throws {
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
