// PrependNormalizer: HF `Prepend` — puts a string before any non-empty text.

struct PrependNormalizer: Normalizer {
    let prefix: [Unicode.Scalar]

    init(_ prefix: String) { self.prefix = Array(prefix.unicodeScalars) }

    init(_ node: JSONNode) throws { prefix = Array(try node["prepend"].string().unicodeScalars) }

    func normalize(_ text: inout NormalizedText) { text.prepend(prefix) }
}
