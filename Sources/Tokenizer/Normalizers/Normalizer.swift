// Normalizer: the protocol of tokenizer.json's `normalizer` components and the one place that builds them by type.

/// Changes a piece of text before pre-tokenization, keeping each scalar's alignment to the original.
protocol Normalizer: Sendable {
    func normalize(_ text: inout NormalizedText)
}

enum Normalizers {
    /// Builds the normalizer described at `node` (its `type` picks the kind).
    static func make(_ node: JSONNode) throws -> any Normalizer {
        let type = try node.typeName("normalizer")
        switch type {
        case "BertNormalizer": return try BertNormalizer(node)
        case "NFC": return UnicodeNormalizer(form: .nfc)
        case "NFD": return UnicodeNormalizer(form: .nfd)
        case "NFKC": return UnicodeNormalizer(form: .nfkc)
        case "NFKD": return UnicodeNormalizer(form: .nfkd)
        case "Lowercase": return LowercaseNormalizer()
        case "StripAccents": return StripAccentsNormalizer()
        case "Strip": return try StripNormalizer(node)
        case "Replace": return try ReplaceNormalizer(node)
        case "Prepend": return try PrependNormalizer(node)
        case "Precompiled": return try PrecompiledNormalizer(node)
        case "Sequence": return try NormalizerSequence(node)
        default: throw node.unsupported("normalizer", type)
        }
    }
}
