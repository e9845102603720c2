// EmbedCommand: `robust embed` prints mean-pooled, L2-normalised sentence embeddings (sentence-transformers style).
import Basics
import ArgumentParser
import Foundation
import Transformer

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print mean-pooled, L2-normalised sentence embeddings, one JSON array per text.")

    @Option(help: "Model folder (config.json, model.safetensors, vocab.txt).")
    var model: String = Defaults.baseModel

    @OptionGroup var input: TextBatchOptions

    func run() throws {
        let checkpoint = try UserError.wrapping { try ModelHandle(directory: URL(fileURLWithPath: model)) }
        let workspace = checkpoint.model.makeWorkspace(training: false)
        try input.forEachBatch(checkpoint) { chunk, batch in
            let hidden = try UserError.wrapping { try checkpoint.model.encode(batch, workspace: workspace) }
            let embeddings = Pooling.mean(hidden: hidden, batch: batch, width: checkpoint.config.hiddenSize, normalise: true)
            for (text, embedding) in zip(chunk, embeddings) {
                let values = embedding.map { Double($0) }
                if input.json { try JSONOutput.print(["text": text, "embedding": values]) } else { try JSONOutput.print(values) }
            }
        }
    }
}
