// PunctuationPreTokenizer: HF `Punctuation` — split on punctuation scalars with a delimiter behavior.

struct PunctuationPreTokenizer: PreTokenizer {
    var behavior: SplitBehavior = .isolated

    init(behavior: SplitBehavior = .isolated) { self.behavior = behavior }

    init(_ node: JSONNode) throws { behavior = try PreTokenizers.behavior(node["behavior"], default: .isolated) }

    func preTokenize(_ pieces: inout [TextPiece]) {
        pieces.split { $0.split(.predicate(UnicodeClasses.isPunctuation), behavior: behavior) }
    }
}
