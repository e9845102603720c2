// StripAccentsNormalizer: HF `StripAccents` — removes combining marks (category M); meant to follow NFD/NFKD.

struct StripAccentsNormalizer: Normalizer {
    func normalize(_ text: inout NormalizedText) { text.filter { !UnicodeClasses.isCombiningMark($0) } }
}
