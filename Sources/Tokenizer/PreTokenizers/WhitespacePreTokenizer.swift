// WhitespacePreTokenizer: HF `Whitespace` — the pieces are the matches of `\w+|[^\w\s]+`; whitespace is dropped.

struct WhitespacePreTokenizer: PreTokenizer {
    func preTokenize(_ pieces: inout [TextPiece]) {
        pieces.split { text in
            var ranges: [Range<Int>] = []
            let scalars = text.scalars
            var i = 0
            while i < scalars.count {
                if UnicodeClasses.isWordCharacter(scalars[i]) {
                    let start = i
                    while i < scalars.count, UnicodeClasses.isWordCharacter(scalars[i]) { i += 1 }
                    ranges.append(start..<i)
                } else if !UnicodeClasses.isWhitespace(scalars[i]) {
                    let start = i
                    while i < scalars.count, !UnicodeClasses.isWordCharacter(scalars[i]), !UnicodeClasses.isWhitespace(scalars[i]) { i += 1 }
                    ranges.append(start..<i)
                } else {
                    i += 1
                }
            }
            return ranges.map { text.slice($0) }
        }
    }
}
