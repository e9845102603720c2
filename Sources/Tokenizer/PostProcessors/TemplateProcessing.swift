// TemplateProcessing: HF `TemplateProcessing` — single and pair templates of sequences ($A, $B) and special
// tokens, each with its type id.

struct TemplateProcessing: PostProcessor {
    enum Piece: Sendable {
        case sequence(second: Bool, typeID: Int32)
        case special(String, typeID: Int32)
    }

    let single: [Piece]
    let pair: [Piece]
    /// Special token name → its ids and tokens.
    let specials: [String: (ids: [Int32], tokens: [String])]
    /// The special tokens' encodings at each position of `single` and `pair` (nil for sequences), built once.
    private let singleSpecials: [Encoding?]
    private let pairSpecials: [Encoding?]

    init(single: [Piece], pair: [Piece], specials: [String: (ids: [Int32], tokens: [String])]) {
        self.single = single
        self.pair = pair
        self.specials = specials
        func encodings(_ template: [Piece]) -> [Encoding?] {
            template.map { piece in
                guard case .special(let name, let typeID) = piece, let special = specials[name] else { return nil }
                return .specials(ids: special.ids, tokens: special.tokens, typeID: typeID)
            }
        }
        singleSpecials = encodings(single)
        pairSpecials = encodings(pair)
    }

    init(_ node: JSONNode) throws {
        var specials: [String: (ids: [Int32], tokens: [String])] = [:]
        let table = node["special_tokens"]
        for (name, entry) in try table.members() {
            let ids = try entry["ids"].array().map { Int32(try $0.int()) }
            let tokens = try entry["tokens"].array().map { try $0.string() }
            guard ids.count == tokens.count else { throw entry.error("'ids' and 'tokens' differ in length") }
            specials[name] = (ids, tokens)
        }
        func template(_ node: JSONNode) throws -> [Piece] {
            try node.array().map { piece in
                try piece.object()
                if piece.has("Sequence") {
                    let id = try piece["Sequence"]["id"].string()
                    guard id == "A" || id == "B" else { throw piece["Sequence"]["id"].error("expected 'A' or 'B', found '\(id)'") }
                    return .sequence(second: id == "B", typeID: Int32(try piece["Sequence"]["type_id"].int()))
                }
                if piece.has("SpecialToken") {
                    let id = try piece["SpecialToken"]["id"].string()
                    guard specials[id] != nil else { throw piece["SpecialToken"]["id"].error("special token '\(id)' is not in special_tokens") }
                    return .special(id, typeID: Int32(try piece["SpecialToken"]["type_id"].int()))
                }
                throw piece.error("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}")
            }
        }
        let single = try template(node["single"])
        self.init(single: single, pair: try node["pair"].isNull ? single : template(node["pair"]), specials: specials)
    }

    func addedTokens(pair isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { total, piece in
            if case .special(let name, _) = piece { return total + (specials[name]?.ids.count ?? 0) }
            return total
        }
    }

    /// One encoding per template piece, as HF `apply_template` gives them (a following processor sees each).
    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        let isPair = encodings.count == 2
        let built = isPair ? pairSpecials : singleSpecials
        var result: [Encoding] = []
        result.reserveCapacity(built.count)
        for (position, piece) in (isPair ? pair : single).enumerated() {
            switch piece {
            case .sequence(let second, let typeID):
                let index = second ? 1 : 0
                guard encodings.indices.contains(index) else { continue }
                var encoding = encodings[index]
                encoding.typeIDs = Array(repeating: typeID, count: encoding.count)
                encoding.sequenceIDs = Array(repeating: index, count: encoding.count)
                result.append(encoding)
            case .special:
                guard addSpecialTokens, let special = built[position] else { continue }
                result.append(special)
            }
        }
        return result
    }
}
