// DiffMarkup: a word diff as marked-up text — one walk over the segments for both report formats,
// which differ only in how they escape text and mark deletions and insertions.
import Results

enum DiffMarkup {
    static func render(_ segments: [WordDiff.Segment], escape: (String) -> String,
                       deleted: (String) -> String, inserted: (String) -> String) -> String {
        segments.map { segment -> String in
            switch segment {
            case let .same(words):
                return escape(words.joined(separator: " "))
            case let .changed(old, new):
                var parts: [String] = []
                if !old.isEmpty { parts.append(deleted(escape(old.joined(separator: " ")))) }
                if !new.isEmpty { parts.append(inserted(escape(new.joined(separator: " ")))) }
                return parts.joined(separator: " ")
            }
        }.joined(separator: " ")
    }
}
