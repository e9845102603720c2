// PrecompiledNormalizer: HF `Precompiled` — sentencepiece's compiled normalisation (nmt_nfkc and the like), applied
// grapheme by grapheme as `tokenizers` does, with its alignments.

/// Each grapheme of at most 5 UTF-8 bytes that a key of the charsmap prefixes becomes that key's replacement (the
/// rest of the grapheme goes with it); otherwise each scalar of the grapheme is looked up alone. The change codes are
/// `tokenizers`' (`normalizers/precompiled.rs`): a longer replacement marks its extra scalars as inserted, a shorter
/// one lets the last change so far absorb the difference, and nothing is transformed when nothing matched.
struct PrecompiledNormalizer: Normalizer {
    let charsMap: PrecompiledCharsMap

    init(_ charsMap: PrecompiledCharsMap) { self.charsMap = charsMap }

    init(_ node: JSONNode) throws {
        let field = node["precompiled_charsmap"]
        let bytes: [UInt8]
        switch StrictBase64.decode(try field.string()) {
        case .success(let decoded): bytes = decoded
        case .failure(let malformed): throw field.error(malformed.reason)
        }
        do { charsMap = try PrecompiledCharsMap(bytes) } catch let malformed as PrecompiledCharsMap.Malformed {
            throw field.error(malformed.reason)
        }
    }

    func normalize(_ text: inout NormalizedText) {
        guard !text.isEmpty, !charsMap.leavesASCIIUnchanged(text.scalars) else { return }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text.scalars)
        var changes: [(Unicode.Scalar, Int)] = []
        changes.reserveCapacity(text.count + 8)
        var modified = false
        var bytes: [UInt8] = []
        var start = 0
        for grapheme in String(view) {
            let scalars = text.scalars[start..<(start + grapheme.unicodeScalars.count)]
            start = scalars.endIndex
            bytes.removeAll(keepingCapacity: true)
            for scalar in scalars { UTF8.encode(scalar) { bytes.append($0) } }
            if bytes.count < 6, let replacement = charsMap.replacement(of: bytes) {
                modified = true
                Self.replace(&changes, oldCount: scalars.count, with: replacement)
                continue
            }
            for scalar in scalars {
                bytes.removeAll(keepingCapacity: true)
                UTF8.encode(scalar) { bytes.append($0) }
                if let replacement = charsMap.replacement(of: bytes) {
                    modified = true
                    Self.replace(&changes, oldCount: 1, with: replacement)
                } else {
                    changes.append((scalar, 0))
                }
            }
        }
        if modified { text.transform(changes) }
    }

    /// `tokenizers`' `replace`: the new scalars as replacements; if there are more than the old ones the last extra
    /// ones become insertions, if fewer the last change so far (possibly an earlier grapheme's) absorbs the removal.
    private static func replace(_ changes: inout [(Unicode.Scalar, Int)], oldCount: Int, with new: [Unicode.Scalar]) {
        for scalar in new { changes.append((scalar, 0)) }
        let difference = new.count - oldCount
        if difference > 0 {
            for index in (changes.count - difference)..<changes.count { changes[index].1 = 1 }
        } else if difference < 0, !changes.isEmpty {
            changes[changes.count - 1].1 += difference
        }
    }
}
