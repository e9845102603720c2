// MetaspacePreTokenizer: HF `Metaspace` — spaces become the replacement (▁), which is prepended per
// `prepend_scheme` (always, first, never), and the text is split before each replacement when `split`.

struct MetaspacePreTokenizer: PreTokenizer {
    enum PrependScheme: String, Sendable { case always, first, never }

    var replacement: Unicode.Scalar = "\u{2581}"
    var prependScheme: PrependScheme = .always
    var split = true

    init(replacement: Unicode.Scalar = "\u{2581}", prependScheme: PrependScheme = .always, split: Bool = true) {
        self.replacement = replacement
        self.prependScheme = prependScheme
        self.split = split
    }

    init(_ node: JSONNode) throws {
        let text = try node["replacement"].string()
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw node["replacement"].error("expected a single character, found '\(text)'")
        }
        replacement = scalar
        let schemeNode = node["prepend_scheme"]
        let scheme = try schemeNode.optional("always") { try $0.string() }
        guard let parsed = PrependScheme(rawValue: scheme) else {
            throw schemeNode.error("unknown prepend_scheme '\(scheme)' (valid: always, first, never)")
        }
        prependScheme = parsed
        // Older files: add_prefix_space false means never.
        if try node["add_prefix_space"].optional(true, { try $0.bool() }) == false {
            guard prependScheme == .never || node["prepend_scheme"].isNull else {
                throw node.error("add_prefix_space does not match declared prepend_scheme")
            }
            prependScheme = .never
        }
        split = try node["split"].optional(true) { try $0.bool() }
    }

    func preTokenize(_ pieces: inout [TextPiece]) {
        let replacement = self.replacement
        pieces.split { text in
            var text = text
            if text.scalars.contains(" ") { text.replace(.scalar(" "), with: [replacement]) }
            switch prependScheme {
            case .always:
                if text.scalars.first != replacement { text.prepend([replacement]) }
            case .first:
                if text.scalars.first != replacement && text.original.lowerBound == 0 { text.prepend([replacement]) }
            case .never:
                break
            }
            return split ? text.split(.scalar(replacement), behavior: .mergedWithNext) : [text]
        }
    }
}
