// BertProcessing: HF `BertProcessing` — `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]` with type ids 0 then 1.

struct BertProcessing: PostProcessor {
    let cls: (token: String, id: Int32)
    let sep: (token: String, id: Int32)

    init(cls: (String, Int32), sep: (String, Int32)) {
        self.cls = cls
        self.sep = sep
    }

    init(_ node: JSONNode, idOf: (String) -> Int32?) throws {
        cls = try PostProcessors.special(node["cls"])
        sep = try PostProcessors.special(node["sep"])
    }

    func addedTokens(pair: Bool) -> Int { pair ? 3 : 2 }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        guard addSpecialTokens else { return encodings }
        var result: [Encoding] = []
        for (index, encoding) in encodings.enumerated() {
            var out = index == 0 ? Encoding.specials(ids: [cls.id], tokens: [cls.token], typeID: 0) : Encoding()
            out.append(encoding)
            out.append(.specials(ids: [sep.id], tokens: [sep.token], typeID: index == 0 ? 0 : 1))
            result.append(out)
        }
        return result
    }
}
