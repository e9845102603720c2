// StripNormalizer: HF `Strip` — removes leading and/or trailing whitespace.

struct StripNormalizer: Normalizer {
    var left: Bool
    var right: Bool

    init(left: Bool, right: Bool) {
        self.left = left
        self.right = right
    }

    init(_ node: JSONNode) throws {
        left = try node["strip_left"].optional(true) { try $0.bool() }
        right = try node["strip_right"].optional(true) { try $0.bool() }
    }

    func normalize(_ text: inout NormalizedText) { text.strip(left: left, right: right) }
}
