// UnicodeClasses: the character classes and canonical decomposition used by the BERT normaliser (HF-compatible).
import Foundation

/// Character classification exactly as Hugging Face `tokenizers` (Rust, used by `BertTokenizerFast`) does it.
///
/// `tokenizers` takes "control", "non-spacing mark" and "punctuation" from the `unicode_categories`
/// crate, whose tables are Unicode 8.0: a character assigned later (e.g. U+0890, a Cf from Unicode 14)
/// is *not* removed/stripped/split by HF. We reproduce that with the scalar's `age`.
/// Whitespace and lowercasing come from Rust's standard library (current Unicode), as do ours.
/// The few characters whose category changed after Unicode 8.0 are listed explicitly. With Swift 6.3
/// these rules were checked against `tokenizers` 0.23.3 on every code point (control, whitespace,
/// punctuation, non-spacing mark, NFD and lowercase mapping): no differences.
enum UnicodeClasses {
    /// True when the scalar existed in Unicode 8.0 (the version of HF's category tables).
    @inline(__always)
    static func inUnicode8(_ properties: Unicode.Scalar.Properties) -> Bool {
        guard let age = properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// HF `is_control`: general category Cc, Cf, Co (Cs cannot occur), but not tab, LF, CR.
    /// Unassigned code points (Cn) are kept, as HF keeps them.
    @inline(__always)
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F }
        let p = scalar.properties
        switch p.generalCategory {
        case .control, .format, .privateUse, .surrogate: return inUnicode8(p)
        default: return false
        }
    }

    /// HF `is_whitespace`: tab, LF, CR, or the Unicode `White_Space` property (Rust `char::is_whitespace`).
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        return scalar.properties.isWhitespace
    }

    /// HF `is_punctuation`: ASCII 33–47, 58–64, 91–96, 123–126, or a Unicode 8.0 `P*` character.
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return isASCIIPunctuation(v) }
        if v == 0x166D || v == 0x111C9 { return true }   // Po in Unicode 8.0, recategorised later
        let p = scalar.properties
        switch p.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return inUnicode8(p)
        default:
            return false
        }
    }

    @inline(__always)
    static func isASCIIPunctuation(_ v: UInt32) -> Bool {
        (v >= 33 && v <= 47) || (v >= 58 && v <= 64) || (v >= 91 && v <= 96) || (v >= 123 && v <= 126)
    }

    /// HF (Rust) `is_chinese_char`. Note the Rust ranges start the Extension E/F block at U+2B920,
    /// where the Python tokenizer uses U+2B820; we follow the Rust (fast) tokenizer.
    @inline(__always)
    static func isChinese(_ v: UInt32) -> Bool {
        switch v {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// A non-spacing mark (category Mn) in Unicode 8.0: what HF's `strip_accents` removes after NFD.
    @inline(__always)
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x300 { return false }
        switch v {
        case 0x1734, 0x1171E: return true                     // Mn in Unicode 8.0, Mc today
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false     // not Mn in Unicode 8.0, Mn today
        default: break
        }
        let p = scalar.properties
        return p.generalCategory == .nonspacingMark && inUnicode8(p)
    }

    /// Appends the full lowercase mapping of `scalar` (Rust `char::to_lowercase`: no context, so Σ → σ always).
    @inline(__always)
    static func appendLowercase(_ scalar: Unicode.Scalar, to out: inout [Unicode.Scalar]) {
        let v = scalar.value
        if v < 0x80 {
            if v >= 0x41, v <= 0x5A, let lower = Unicode.Scalar(v + 32) { out.append(lower) } else { out.append(scalar) }
            return
        }
        let properties = scalar.properties
        if properties.changesWhenLowercased {
            out.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
        } else {
            out.append(scalar)
        }
    }

    /// Rust `char::is_numeric`: general category Nd, Nl or No.
    @inline(__always)
    static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return v >= 0x30 && v <= 0x39 }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Rust `char::is_alphabetic` (the Alphabetic property).
    @inline(__always)
    static func isAlphabetic(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) }
        return scalar.properties.isAlphabetic
    }

    /// Rust regex `\w`: Alphabetic, marks, decimal digits, connector punctuation and Join_Control.
    @inline(__always)
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F }
        if v == 0x200C || v == 0x200D { return true }
        let p = scalar.properties
        if p.isAlphabetic { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// `\p{L}`: a letter.
    @inline(__always)
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: a number (Nd, Nl, No).
    @inline(__always)
    static func isNumber(_ scalar: Unicode.Scalar) -> Bool { isNumeric(scalar) }

    /// The unicode-normalization crate's `is_combining_mark` (general category M, Unicode 9.0 tables).
    @inline(__always)
    static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x300 { return false }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return UnicodeNormalization.inUnicode9(scalar)
        default: return false
        }
    }

    /// Appends the full canonical decomposition (NFD, without canonical reordering) of `scalar`.
    /// Hangul syllables are decomposed algorithmically; other scalars use a table built once from
    /// Foundation's NFD over every block that has canonical decompositions.
    @inline(__always)
    static func decompose(_ scalar: Unicode.Scalar, into out: inout [Unicode.Scalar]) {
        let v = scalar.value
        if v < 0xC0 { out.append(scalar); return }
        if v >= hangulBase && v < hangulBase + hangulCount {
            let index = v - hangulBase
            let l = 0x1100 + index / (21 * 28)
            let vowel = 0x1161 + (index % (21 * 28)) / 28
            let t = index % 28
            appendScalar(l, to: &out)
            appendScalar(vowel, to: &out)
            if t != 0 { appendScalar(0x11A7 + t, to: &out) }
            return
        }
        if let mapped = decompositions[v] {
            out.append(contentsOf: mapped)
        } else {
            out.append(scalar)
        }
    }

    private static let hangulBase: UInt32 = 0xAC00
    private static let hangulCount: UInt32 = 11172

    @inline(__always)
    private static func appendScalar(_ v: UInt32, to out: inout [Unicode.Scalar]) {
        if let s = Unicode.Scalar(v) { out.append(s) }
    }

    /// Canonical decompositions of every scalar outside Hangul that has one (about 2,000 entries).
    /// Built lazily on first use (≈15 ms) from Foundation's NFD.
    static let decompositions: [UInt32: [Unicode.Scalar]] = {
        var table: [UInt32: [Unicode.Scalar]] = [:]
        let blocks: [Range<UInt32>] = [0xC0..<0x3100, 0xF900..<0xFB50, 0x11000..<0x12000,
                                       0x1D100..<0x1D200, 0x2F800..<0x2FA20]
        for block in blocks {
            for v in block {
                // HF's NFD tables predate e.g. U+11938's decomposition (Unicode 13): keep Unicode 8.0 ones.
                guard let scalar = Unicode.Scalar(v), inUnicode8(scalar.properties) else { continue }
                let decomposed = String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars
                if decomposed.count != 1 || decomposed.first != scalar {
                    table[v] = Array(decomposed)
                }
            }
        }
        return table
    }()
}
