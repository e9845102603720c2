// ReplaceNormalizer: HF `Replace` — every match of a string or regex pattern becomes `content`.

struct ReplaceNormalizer: Normalizer {
    let pattern: TextPattern
    let content: [Unicode.Scalar]

    init(pattern: TextPattern, content: String) {
        self.pattern = pattern
        self.content = Array(content.unicodeScalars)
    }

    init(_ node: JSONNode) throws {
        pattern = try PatternReader.read(node["pattern"])
        content = Array(try node["content"].string().unicodeScalars)
    }

    func normalize(_ text: inout NormalizedText) { text.replace(pattern, with: content) }
}

/// Reads a `{"String": "..."}` or `{"Regex": "..."}` pattern (Replace normalizer, Split pre-tokenizer).
enum PatternReader {
    static func read(_ node: JSONNode) throws -> TextPattern {
        try node.object()
        if node.has("String") {
            let literal = try node["String"].string()
            let scalars = Array(literal.unicodeScalars)
            return scalars.count == 1 ? .scalar(scalars[0]) : .literal(scalars)
        }
        if node.has("Regex") {
            let source = try node["Regex"].string()
            if let run = TextPattern.run(regex: source) { return run }
            do { return .regex(try CompiledRegex(source)) } catch {
                throw node["Regex"].error("invalid regular expression '\(source)'")
            }
        }
        throw node.error("expected {\"String\": ...} or {\"Regex\": ...}")
    }
}
