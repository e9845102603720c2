// BertPreTokenizer: HF `BertPreTokenizer` — split on whitespace (removed), then isolate every punctuation scalar.

struct BertPreTokenizer: PreTokenizer {
    func preTokenize(_ pieces: inout [TextPiece]) {
        pieces.split { $0.split(.predicate(UnicodeClasses.isWhitespace), behavior: .removed) }
        pieces.split { $0.split(.predicate(UnicodeClasses.isPunctuation), behavior: .isolated) }
    }
}
