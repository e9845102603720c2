// NormalizerSequence: HF normalizer `Sequence` — its normalizers in order.

struct NormalizerSequence: Normalizer {
    let normalizers: [any Normalizer]

    init(_ normalizers: [any Normalizer]) { self.normalizers = normalizers }

    init(_ node: JSONNode) throws { normalizers = try node["normalizers"].array().map(Normalizers.make) }

    func normalize(_ text: inout NormalizedText) {
        for normalizer in normalizers { normalizer.normalize(&text) }
    }
}
