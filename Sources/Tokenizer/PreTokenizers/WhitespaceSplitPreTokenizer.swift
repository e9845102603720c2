// WhitespaceSplitPreTokenizer: HF `WhitespaceSplit` — split on whitespace, which is dropped.

struct WhitespaceSplitPreTokenizer: PreTokenizer {
    func preTokenize(_ pieces: inout [TextPiece]) {
        pieces.split { $0.split(.predicate(UnicodeClasses.isWhitespace), behavior: .removed) }
    }
}
