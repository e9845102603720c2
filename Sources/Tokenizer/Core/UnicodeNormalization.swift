// UnicodeNormalization: NFD, NFKD, NFC and NFKC with the per-scalar change codes of the
// `unicode-normalization-alignments` crate that `tokenizers` uses (Unicode 9.0 tables), so offsets match.
import Foundation

enum UnicodeNormalization {
    enum Form: Sendable { case nfd, nfkd, nfc, nfkc }

    /// The normalised scalars of `input` with HF's change codes (0: replaces one input scalar, 1: inserted,
    /// −n: replaces one and absorbs n more), ready for ``NormalizedText/transform(_:initialRemoved:)``.
    static func changes(_ input: [Unicode.Scalar], form: Form) -> [(Unicode.Scalar, Int)] {
        let compatible = form == .nfkd || form == .nfkc
        let decomposed = decompose(input, compatible: compatible)
        return form == .nfc || form == .nfkc ? recompose(decomposed) : decomposed
    }

    /// True when the scalar existed in Unicode 9.0, the version of the crate's tables.
    @inline(__always)
    static func inUnicode9(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 9 || (age.major == 9 && age.minor == 0)
    }

    @inline(__always)
    static func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
        if scalar.value < 0x300 { return 0 }
        guard inUnicode9(scalar) else { return 0 }
        return scalar.properties.canonicalCombiningClass.rawValue
    }

    /// Decomposes each scalar (first part 0, the others 1) and sorts each run of non-starters by combining
    /// class, stably, carrying the change codes along (the crate's `Decompositions`).
    static func decompose(_ input: [Unicode.Scalar], compatible: Bool) -> [(Unicode.Scalar, Int)] {
        var out: [(Unicode.Scalar, Int)] = []
        out.reserveCapacity(input.count)
        var parts: [Unicode.Scalar] = []
        var runStart = 0
        func sortRun() {
            if out.count - runStart > 1 {
                let run = out[runStart...].enumerated().sorted {
                    let a = combiningClass($0.element.0), b = combiningClass($1.element.0)
                    return a != b ? a < b : $0.offset < $1.offset
                }.map(\.element)
                out.replaceSubrange(runStart..., with: run)
            }
        }
        for scalar in input {
            parts.removeAll(keepingCapacity: true)
            if compatible { compatibilityDecompose(scalar, into: &parts) } else { UnicodeClasses.decompose(scalar, into: &parts) }
            for (index, part) in parts.enumerated() {
                if combiningClass(part) == 0 {
                    sortRun()
                    out.append((part, index == 0 ? 0 : 1))
                    runStart = out.count
                } else {
                    out.append((part, index == 0 ? 0 : 1))
                }
            }
        }
        sortRun()
        return out
    }

    /// Canonical composition of decomposed scalars, with the crate's change arithmetic (`Recompositions`).
    static func recompose(_ input: [(Unicode.Scalar, Int)]) -> [(Unicode.Scalar, Int)] {
        var out: [(Unicode.Scalar, Int)] = []
        out.reserveCapacity(input.count)
        var buffer: [(Unicode.Scalar, Int)] = []
        var composee: (Unicode.Scalar, Int)?
        var lastClass: UInt8?
        for (scalar, change) in input {
            let ccc = combiningClass(scalar)
            guard let k = composee else {
                if ccc != 0 { out.append((scalar, change)); continue }
                composee = (scalar, change)
                continue
            }
            if let l = lastClass {
                if l >= ccc {
                    if ccc == 0 {
                        out.append(k)
                        out.append(contentsOf: buffer)
                        buffer.removeAll(keepingCapacity: true)
                        composee = (scalar, change)
                        lastClass = nil
                        continue
                    }
                    buffer.append((scalar, change))
                    lastClass = ccc
                    continue
                }
                if let composed = compose(k.0, scalar) {
                    composee = (composed, k.1 + change - 1)
                    continue
                }
                buffer.append((scalar, change))
                lastClass = ccc
            } else {
                if let composed = compose(k.0, scalar) {
                    composee = (composed, k.1 + change - 1)
                    continue
                }
                if ccc == 0 {
                    out.append(k)
                    composee = (scalar, change)
                    continue
                }
                buffer.append((scalar, change))
                lastClass = ccc
            }
        }
        // Finished: the composee first, then the blocked marks (the crate's order at the end of input).
        if let k = composee { out.append(k) }
        out.append(contentsOf: buffer)
        return out
    }

    // MARK: - Tables

    private static let hangulBase: UInt32 = 0xAC00
    private static let hangulCount: UInt32 = 11172

    /// The primary composite of `a` followed by `b`, if any (Hangul algorithmically, others by table).
    static func compose(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Unicode.Scalar? {
        let x = a.value, y = b.value
        if x >= 0x1100 && x < 0x1113 && y >= 0x1161 && y < 0x1176 {
            return Unicode.Scalar(hangulBase + ((x - 0x1100) * 21 + (y - 0x1161)) * 28)
        }
        if x >= hangulBase && x < hangulBase + hangulCount && (x - hangulBase) % 28 == 0 && y > 0x11A7 && y < 0x11C3 {
            return Unicode.Scalar(x + (y - 0x11A7))
        }
        return compositions[(UInt64(x) << 21) | UInt64(y)]
    }

    /// Compatibility decomposition (full) of one scalar.
    static func compatibilityDecompose(_ scalar: Unicode.Scalar, into out: inout [Unicode.Scalar]) {
        let v = scalar.value
        if v < 0xA0 { out.append(scalar); return }
        if v >= hangulBase && v < hangulBase + hangulCount { UnicodeClasses.decompose(scalar, into: &out); return }
        if let mapped = compatibilityDecompositions[v] { out.append(contentsOf: mapped) } else { out.append(scalar) }
    }

    private static let tableBlocks: [Range<UInt32>] = [0xA0..<0x3400, 0xA000..<0xAC00, 0xF900..<0x10000,
                                                       0x10000..<0x12000, 0x1D000..<0x1F300, 0x2F800..<0x2FA20]

    /// Every Unicode 9.0 scalar whose NFKD differs from itself, built once from Foundation.
    static let compatibilityDecompositions: [UInt32: [Unicode.Scalar]] = {
        var table: [UInt32: [Unicode.Scalar]] = [:]
        for block in tableBlocks {
            for v in block {
                guard let scalar = Unicode.Scalar(v), inUnicode9(scalar) else { continue }
                let decomposed = String(Character(scalar)).decomposedStringWithCompatibilityMapping.unicodeScalars
                if decomposed.count != 1 || decomposed.first != scalar { table[v] = Array(decomposed) }
            }
        }
        return table
    }()

    /// Primary composites: (first, second) → composite, for every Unicode 9.0 scalar whose canonical
    /// decomposition recomposes to it (so composition exclusions and singletons are left out).
    static let compositions: [UInt64: Unicode.Scalar] = {
        var table: [UInt64: Unicode.Scalar] = [:]
        var parts: [Unicode.Scalar] = []
        for block in tableBlocks {
            for v in block {
                guard let scalar = Unicode.Scalar(v), inUnicode9(scalar), UnicodeClasses.decompositions[v] != nil else { continue }
                parts.removeAll(keepingCapacity: true)
                UnicodeClasses.decompose(scalar, into: &parts)
                guard parts.count >= 2, let last = parts.last else { continue }
                // The first part of the one-step mapping is the recomposition of all but the last scalar.
                var head = String.UnicodeScalarView()
                head.append(contentsOf: parts.dropLast())
                let composedHead = String(head).precomposedStringWithCanonicalMapping.unicodeScalars
                guard composedHead.count == 1, let first = composedHead.first else { continue }
                let pair = String(Character(first)) + String(Character(last))
                let recomposed = pair.precomposedStringWithCanonicalMapping.unicodeScalars
                guard recomposed.count == 1, recomposed.first == scalar else { continue }
                table[(UInt64(first.value) << 21) | UInt64(last.value)] = scalar
            }
        }
        return table
    }()
}
