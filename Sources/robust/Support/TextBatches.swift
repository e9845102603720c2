// TextBatches: the options embed and predict share — texts from arguments or stdin, the token limit and
// the batch size — and the `Inference` workflow they make.
import ArgumentParser
import Foundation
import Transformer
import Workflows

struct TextBatchOptions: ParsableArguments {
    @Option(help: "Truncate texts to this many tokens.")
    var maxLength: Int = 256

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Flag(help: "Print one JSON object per text.")
    var json = false

    @Argument(help: "Texts, or - to read one text per line from stdin.")
    var texts: [String] = []

    @OptionGroup var precisionOption: PrecisionOption

    func validate() throws {
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be positive") }
    }

    /// The workflow, in `--precision` (the model's weights packed for it first).
    func inference(_ model: ModelHandle) throws -> Inference {
        try Inference(model: model, maxLength: maxLength, batchSize: batchSize, precision: precisionOption.value() ?? .fp32)
    }
}
