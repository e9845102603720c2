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

    init(single: [Piece], pair: [Piece], specials: [String: (ids: [Int32], tokens: [String])]) {
        self.single = single
        self.pair = pair
        self.specials = specials
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
        self.specials = specials
        single = try template(node["single"])
        pair = try node["pair"].isNull ? single : template(node["pair"])
    }

    func addedTokens(pair isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { total, piece in
            if case .special(let name, _) = piece { return total + (specials[name]?.ids.count ?? 0) }
            return total
        }
    }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        let template = encodings.count == 2 ? pair : single
        var result: [Encoding] = []
        for piece in template {
            switch piece {
            case .sequence(let second, let typeID):
                let index = second ? 1 : 0
                guard encodings.indices.contains(index) else { continue }
                var encoding = encodings[index]
                encoding.typeIDs = Array(repeating: typeID, count: encoding.count)
                encoding.sequenceIDs = encoding.wordIDs.map { _ in index }
                result.append(encoding)
            case .special(let name, let typeID):
                guard addSpecialTokens, let special = specials[name] else { continue }
                result.append(.specials(ids: special.ids, tokens: special.tokens, typeID: typeID))
            }
        }
        return result
    }
}
