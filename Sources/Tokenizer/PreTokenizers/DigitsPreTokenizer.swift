// DigitsPreTokenizer: HF `Digits` — numbers apart from the rest, each digit alone with `individual_digits`.

struct DigitsPreTokenizer: PreTokenizer {
    var individualDigits = false

    init(individualDigits: Bool = false) { self.individualDigits = individualDigits }

    init(_ node: JSONNode) throws { individualDigits = try node["individual_digits"].optional(false) { try $0.bool() } }

    func preTokenize(_ pieces: inout [TextPiece]) {
        let behavior: SplitBehavior = individualDigits ? .isolated : .contiguous
        pieces.split { $0.split(.predicate(UnicodeClasses.isNumeric), behavior: behavior) }
    }
}
