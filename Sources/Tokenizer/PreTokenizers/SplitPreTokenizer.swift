// SplitPreTokenizer: HF `Split` — split on a string or regex pattern with a delimiter behavior, optionally inverted.

struct SplitPreTokenizer: PreTokenizer {
    let pattern: TextPattern
    let behavior: SplitBehavior
    let invert: Bool

    init(pattern: TextPattern, behavior: SplitBehavior, invert: Bool = false) {
        self.pattern = pattern
        self.behavior = behavior
        self.invert = invert
    }

    init(_ node: JSONNode) throws {
        pattern = try PatternReader.read(node["pattern"])
        behavior = try PreTokenizers.behavior(node["behavior"], default: .removed)
        invert = try node["invert"].optional(false) { try $0.bool() }
    }

    func preTokenize(_ pieces: inout [TextPiece]) {
        pieces.split { $0.split(pattern, behavior: behavior, invert: invert) }
    }
}
