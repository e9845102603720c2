// BertNormalizer: HF `BertNormalizer` — clean text, isolate CJK ideographs, strip accents, lowercase.

struct BertNormalizer: Normalizer {
    var cleanText = true
    var handleChineseChars = true
    /// `nil`: the same as `lowercase`.
    var stripAccents: Bool?
    var lowercase = true

    init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    init(_ node: JSONNode) throws {
        cleanText = try node["clean_text"].optional(true) { try $0.bool() }
        handleChineseChars = try node["handle_chinese_chars"].optional(true) { try $0.bool() }
        stripAccents = try node["strip_accents"].optional(nil) { try $0.bool() }
        lowercase = try node["lowercase"].optional(true) { try $0.bool() }
    }

    func normalize(_ text: inout NormalizedText) {
        if cleanText {
            // NUL, U+FFFD and control characters go; whitespace becomes a space.
            text.map { scalar, out in
                let v = scalar.value
                if v == 0 || v == 0xFFFD || UnicodeClasses.isControl(scalar) { return }
                out.append(UnicodeClasses.isWhitespace(scalar) ? " " : scalar)
            }
        }
        if handleChineseChars, text.scalars.contains(where: { UnicodeClasses.isChinese($0.value) }) {
            text.map { scalar, out in
                if UnicodeClasses.isChinese(scalar.value) {
                    out.append(" ")
                    out.append(scalar)
                    out.append(" ")
                } else {
                    out.append(scalar)
                }
            }
        }
        if stripAccents ?? lowercase {
            text.transform(UnicodeNormalization.changes(text.scalars, form: .nfd))
            text.filter { !UnicodeClasses.isNonspacingMark($0) }
        }
        if lowercase { text.lowercase() }
    }
}
