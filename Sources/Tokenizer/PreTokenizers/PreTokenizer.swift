// PreTokenizer: the protocol of tokenizer.json's `pre_tokenizer` components, the pieces they work on, and the one
// place that builds them by type.

/// One piece of a pre-tokenized input: its normalised text and, for an added token, its token already.
struct TextPiece: Sendable {
    var text: NormalizedText
    /// Set for added tokens (matched before normalisation); pre-tokenizers and the model leave such pieces alone.
    var addedToken: AddedToken?
}

/// Cuts pieces of text into smaller ones (HF `PreTokenizer`); the pieces become the words of ``Encoding/wordIDs``.
protocol PreTokenizer: Sendable {
    func preTokenize(_ pieces: inout [TextPiece])
}

extension Array where Element == TextPiece {
    /// Replaces each piece that has no token by the pieces `body` cuts it into, dropping empty ones
    /// (HF `PreTokenizedString::split`).
    mutating func split(_ body: (NormalizedText) -> [NormalizedText]) {
        var result: [TextPiece] = []
        result.reserveCapacity(count * 2)
        for piece in self {
            if piece.addedToken != nil { result.append(piece); continue }
            for text in body(piece.text) where !text.isEmpty { result.append(TextPiece(text: text, addedToken: nil)) }
        }
        self = result
    }
}

enum PreTokenizers {
    /// Builds the pre-tokenizer described at `node` (its `type` picks the kind).
    static func make(_ node: JSONNode) throws -> any PreTokenizer {
        let type = try node.typeName("pre_tokenizer")
        switch type {
        case "BertPreTokenizer": return BertPreTokenizer()
        case "Whitespace": return WhitespacePreTokenizer()
        case "WhitespaceSplit": return WhitespaceSplitPreTokenizer()
        case "ByteLevel": return try ByteLevelPreTokenizer(node)
        case "Metaspace": return try MetaspacePreTokenizer(node)
        case "Split": return try SplitPreTokenizer(node)
        case "Punctuation": return try PunctuationPreTokenizer(node)
        case "Digits": return try DigitsPreTokenizer(node)
        case "Sequence": return try PreTokenizerSequence(node)
        default: throw node.unsupported("pre_tokenizer", type)
        }
    }

    /// Reads a split `behavior` field.
    static func behavior(_ node: JSONNode, default fallback: SplitBehavior) throws -> SplitBehavior {
        guard !node.isNull else { return fallback }
        let name = try node.string()
        guard let behavior = SplitBehavior(rawValue: name) else {
            throw node.error("unknown split behavior '\(name)' (valid: \(SplitBehavior.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return behavior
    }
}
