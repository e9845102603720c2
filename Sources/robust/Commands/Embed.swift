// Embed: `robust embed` prints mean-pooled, L2-normalised sentence embeddings (sentence-transformers style).
import ArgumentParser
import Foundation
import Transformer

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print mean-pooled, L2-normalised sentence embeddings, one JSON array per text.")

    @Option(help: "Model folder (config.json, model.safetensors, vocab.txt).")
    var model: String = Defaults.baseModel

    @Option(help: "Truncate texts to this many tokens.")
    var maxLength: Int = 256

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Flag(help: "Print one JSON object per text with its text and embedding.")
    var json = false

    @Argument(help: "Texts to embed, or - to read one text per line from stdin.")
    var texts: [String] = []

    func validate() throws {
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        let checkpoint = try userFacing { try Checkpoint(directory: URL(fileURLWithPath: model)) }
        let inputs = try TextInput.read(texts)
        let workspace = checkpoint.model.makeWorkspace(training: false)
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let chunk = Array(inputs[start..<min(start + batchSize, inputs.count)])
            let batch = checkpoint.batch(chunk, maxLength: maxLength)
            let hidden = try userFacing { try checkpoint.model.encode(batch, workspace: workspace) }
            let embeddings = Pooling.mean(hidden: hidden, batch: batch, width: checkpoint.config.hiddenSize, normalise: true)
            for (text, embedding) in zip(chunk, embeddings) {
                let values = embedding.map { Double($0) }
                if json { try JSONOutput.print(["text": text, "embedding": values]) } else { try JSONOutput.print(values) }
            }
        }
    }
}
