// EmbedCommand: `robust embed` prints mean-pooled, L2-normalised sentence embeddings (sentence-transformers style).
import ArgumentParser
import Foundation
import Workflows

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print mean-pooled, L2-normalised sentence embeddings, one JSON array per text.")

    @OptionGroup var base: BaseModelOption
    var model: String { base.model }

    @OptionGroup var input: TextBatchOptions

    func run() throws {
        try input.inference(try loadModel(model)).embed(try TextInput.read(input.texts)) { results in
            for (text, embedding) in results {
                let values = embedding.map { Double($0) }
                if input.json { try JSONOutput.print(["text": text, "embedding": values]) } else { try JSONOutput.print(values) }
            }
        }
    }
}
