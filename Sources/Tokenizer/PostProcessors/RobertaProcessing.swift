// RobertaProcessing: HF `RobertaProcessing` — `<s> A </s>` and `<s> A </s> </s> B </s>`, every type id 0, with
// byte-level offset trimming (`trim_offsets`, `add_prefix_space`).

struct RobertaProcessing: PostProcessor {
    let cls: (token: String, id: Int32)
    let sep: (token: String, id: Int32)
    var trimOffsets = true
    var addPrefixSpace = true

    init(cls: (String, Int32), sep: (String, Int32), trimOffsets: Bool = true, addPrefixSpace: Bool = true) {
        self.cls = cls
        self.sep = sep
        self.trimOffsets = trimOffsets
        self.addPrefixSpace = addPrefixSpace
    }

    init(_ node: JSONNode, idOf: (String) -> Int32?) throws {
        cls = try PostProcessors.special(node["cls"])
        sep = try PostProcessors.special(node["sep"])
        trimOffsets = try node["trim_offsets"].optional(true) { try $0.bool() }
        addPrefixSpace = try node["add_prefix_space"].optional(true) { try $0.bool() }
    }

    func addedTokens(pair: Bool) -> Int { pair ? 4 : 2 }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        var encodings = encodings
        for index in encodings.indices {
            if trimOffsets { ByteLevelProcessing.trimOffsets(&encodings[index], addPrefixSpace: addPrefixSpace) }
            encodings[index].typeIDs = Array(repeating: 0, count: encodings[index].count)
        }
        guard addSpecialTokens else { return encodings }
        return encodings.enumerated().map { index, encoding in
            var out = Encoding.specials(ids: [index == 0 ? cls.id : sep.id], tokens: [index == 0 ? cls.token : sep.token], typeID: 0)
            out.append(encoding)
            out.append(.specials(ids: [sep.id], tokens: [sep.token], typeID: 0))
            return out
        }
    }
}
