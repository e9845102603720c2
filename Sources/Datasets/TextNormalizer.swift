// TextNormalizer: the one text normalisation every dataset gets, and exact-duplicate removal.
import Foundation

public enum TextNormalizer {
    /// Collapses each run of Unicode whitespace to a single space and trims both ends.
    /// Everything else (case, punctuation, accents, Unicode form) is kept as it is.
    public static func normalize(_ text: String) -> String {
        var needsWork = false
        var previousWasSpace = true   // so a leading space counts as needing work
        for scalar in text.unicodeScalars {
            if isWhitespace(scalar) {
                if scalar != " " || previousWasSpace { needsWork = true; break }
                previousWasSpace = true
            } else {
                previousWasSpace = false
            }
        }
        // A trailing space also needs work; the empty string does not.
        if !needsWork && (text.isEmpty || !previousWasSpace) { return text }

        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isWhitespace(scalar) {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Unicode White_Space, with the common ASCII cases decided without a property lookup.
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return scalar.properties.isWhitespace
    }

    /// `text` with every occurrence of `target` replaced by `replacement` (byte-wise on UTF-8; both
    /// must be non-empty). Avoids Foundation's NSString round trip, which is slow on Linux.
    public static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        let needle = Array(target.utf8)
        guard let first = needle.first else { return text }
        let haystack = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        var copiedUpTo = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) {
                if out.isEmpty { out.reserveCapacity(haystack.count) }
                out.append(contentsOf: haystack[copiedUpTo..<index])
                out.append(contentsOf: replacement.utf8)
                index += needle.count
                copiedUpTo = index
            } else {
                index += 1
            }
        }
        if copiedUpTo == 0 { return text }
        out.append(contentsOf: haystack[copiedUpTo...])
        return String(decoding: out, as: UTF8.self)
    }

    /// Removes examples whose text is byte-for-byte equal to an earlier one, keeping the first.
    /// Returns the kept examples and how many removed duplicates carried a different label than
    /// the kept one (a sign of noisy source labels, reported in the manifest notes).
    public static func deduplicate(_ examples: [Example]) -> (kept: [Example], removed: Int, conflicting: Int) {
        var seen: [ByteKey: String] = [:]
        seen.reserveCapacity(examples.count)
        var kept: [Example] = []
        kept.reserveCapacity(examples.count)
        var conflicting = 0
        for example in examples {
            let key = ByteKey(example.text)
            if let label = seen[key] {
                if label != example.label { conflicting += 1 }
                continue
            }
            seen[key] = example.label
            kept.append(example)
        }
        return (kept, examples.count - kept.count, conflicting)
    }
}

/// A String compared by its UTF-8 bytes (Swift's String equality is canonical equivalence, which
/// would merge differently-encoded but equivalent texts; "exact duplicate" here means same bytes).
struct ByteKey: Hashable {
    let bytes: [UInt8]
    init(_ string: String) { bytes = Array(string.utf8) }
}
