// TextBatches: the options and loop that embed and predict share — texts from arguments or stdin,
// tokenised and run through a checkpoint in batches of --batch-size.
import ArgumentParser
import Foundation
import Transformer

struct TextBatchOptions: ParsableArguments {
    @Option(help: "Truncate texts to this many tokens.")
    var maxLength: Int = 256

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Flag(help: "Print one JSON object per text.")
    var json = false

    @Argument(help: "Texts, or - to read one text per line from stdin.")
    var texts: [String] = []

    func validate() throws {
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be positive") }
    }

    /// Calls `body` with each chunk of texts and its packed batch.
    func forEachBatch(_ checkpoint: ModelHandle, _ body: ([String], TokenBatch) throws -> Void) throws {
        let inputs = try TextInput.read(texts)
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let chunk = Array(inputs[start..<min(start + batchSize, inputs.count)])
            try body(chunk, checkpoint.batch(chunk, maxLength: maxLength))
        }
    }
}
