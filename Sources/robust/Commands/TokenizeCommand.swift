// TokenizeCommand: `robust tokenize` prints the ids and tokens of a model folder's tokenizer, as Hugging Face gives them.
import Basics
import ArgumentParser
import Foundation
import Tokenizer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids and tokens of each text, special tokens included (e.g. [CLS] … [SEP]).")

    @OptionGroup var base: BaseModelOption
    var model: String { base.model }

    @Option(help: "Truncate to this many tokens, keeping the special tokens.")
    var maxLength: Int = 512

    @Flag(help: "Print one JSON object per text.")
    var json = false

    @Argument(help: "Texts to tokenize, or - to read one text per line from stdin.")
    var texts: [String] = []

    func validate() throws {
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2 (for [CLS] and [SEP])") }
    }

    func run() throws {
        if let missing = ResourceLocations.baseModelMissing(at: model) { throw UserError(missing) }
        let tokenizer = try UserError.wrapping { try TextTokenizer.load(directory: URL(fileURLWithPath: model)) }
        for text in try TextInput.read(texts) {
            let encoding = tokenizer.encode(text, maxLength: maxLength)
            if json {
                try JSONOutput.print(["text": text, "ids": encoding.ids.map(Int.init), "tokens": encoding.tokens])
            } else {
                print(encoding.ids.map(String.init).joined(separator: " "))
                print(encoding.tokens.joined(separator: " "))
            }
        }
    }
}
