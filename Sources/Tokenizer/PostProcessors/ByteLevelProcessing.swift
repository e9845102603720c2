// ByteLevelProcessing: HF `ByteLevel` as a post-processor — trims the spaces (Ġ) at the edges of each token's
// offsets (`trim_offsets`); adds no tokens.

struct ByteLevelProcessing: PostProcessor {
    var trimOffsets = true
    var addPrefixSpace = true

    init(_ node: JSONNode) throws {
        trimOffsets = try node["trim_offsets"].optional(true) { try $0.bool() }
        addPrefixSpace = try node["add_prefix_space"].optional(true) { try $0.bool() }
    }

    func addedTokens(pair: Bool) -> Int { 0 }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        guard trimOffsets else { return encodings }
        var encodings = encodings
        for index in encodings.indices { Self.trimOffsets(&encodings[index], addPrefixSpace: addPrefixSpace) }
        return encodings
    }

    /// HF `process_offsets`: leading and trailing Ġ or whitespace of a token's text leave its offsets, except
    /// the one prefix space of a first token when `addPrefixSpace`.
    static func trimOffsets(_ encoding: inout Encoding, addPrefixSpace: Bool) {
        let space: Unicode.Scalar = "\u{120}"
        for index in encoding.tokens.indices {
            let scalars = encoding.tokens[index].unicodeScalars
            func isSpace(_ s: Unicode.Scalar) -> Bool { s == space || UnicodeClasses.isWhitespace(s) }
            var leading = 0
            for scalar in scalars { if isSpace(scalar) { leading += 1 } else { break } }
            var trailing = 0
            for scalar in scalars.reversed() { if isSpace(scalar) { trailing += 1 } else { break } }
            guard leading > 0 || trailing > 0 else { continue }
            var (start, end) = (encoding.offsets[index].lowerBound, encoding.offsets[index].upperBound)
            if leading > 0 {
                let isFirst = index == 0 || start == 0
                if isFirst && addPrefixSpace && leading == 1 { leading = 0 }
                start = min(start + leading, end)
            }
            if trailing > 0 && end >= trailing { end = max(end - trailing, start) }
            encoding.offsets[index] = start..<end
        }
    }
}
