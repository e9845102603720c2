// UnicodeNormalizer: HF `NFC`, `NFD`, `NFKC` and `NFKD` (Unicode 9.0 tables, the crate's alignments).

struct UnicodeNormalizer: Normalizer {
    let form: UnicodeNormalization.Form

    func normalize(_ text: inout NormalizedText) {
        // ASCII is invariant under every form.
        guard text.scalars.contains(where: { $0.value >= 0x80 }) else { return }
        text.transform(UnicodeNormalization.changes(text.scalars, form: form))
    }
}
