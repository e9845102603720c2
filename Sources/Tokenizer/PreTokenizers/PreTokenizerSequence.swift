// PreTokenizerSequence: HF pre-tokenizer `Sequence` — its pre-tokenizers in order.

struct PreTokenizerSequence: PreTokenizer {
    let preTokenizers: [any PreTokenizer]

    init(_ preTokenizers: [any PreTokenizer]) { self.preTokenizers = preTokenizers }

    init(_ node: JSONNode) throws { preTokenizers = try node["pretokenizers"].array().map(PreTokenizers.make) }

    func preTokenize(_ pieces: inout [TextPiece]) {
        for preTokenizer in preTokenizers { preTokenizer.preTokenize(&pieces) }
    }
}
