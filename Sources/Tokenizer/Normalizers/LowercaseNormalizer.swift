// LowercaseNormalizer: HF `Lowercase` (full per-scalar lowercase mapping).

struct LowercaseNormalizer: Normalizer {
    func normalize(_ text: inout NormalizedText) { text.lowercase() }
}
