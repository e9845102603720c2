// PostProcessor: the protocol of tokenizer.json's `post_processor` components (special tokens around the
// encoded texts, offset trimming), and the one place that builds them by type.

/// Adds special tokens and adjusts the encodings of one text or a pair (HF `PostProcessor`).
protocol PostProcessor: Sendable {
    /// How many special tokens it adds (truncation keeps room for them).
    func addedTokens(pair: Bool) -> Int
    /// The encodings (one per input, sequence and type ids already set to 0 and 1) after processing.
    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding]
}

enum PostProcessors {
    /// Builds the post-processor described at `node`; `idOf` resolves special tokens to check them.
    static func make(_ node: JSONNode, idOf: (String) -> Int32?) throws -> any PostProcessor {
        let type = try node.typeName("post_processor")
        switch type {
        case "BertProcessing": return try BertProcessing(node, idOf: idOf)
        case "RobertaProcessing": return try RobertaProcessing(node, idOf: idOf)
        case "TemplateProcessing": return try TemplateProcessing(node)
        case "ByteLevel": return try ByteLevelProcessing(node)
        case "Sequence":
            return ProcessorSequence(try node["processors"].array().map { try make($0, idOf: idOf) })
        default: throw node.unsupported("post_processor", type)
        }
    }

    /// Reads a `["token", id]` pair.
    static func special(_ node: JSONNode) throws -> (token: String, id: Int32) {
        let pair = try node.array()
        guard pair.count == 2 else { throw node.error("expected [token, id]") }
        return (try pair[0].string(), Int32(try pair[1].int()))
    }
}
