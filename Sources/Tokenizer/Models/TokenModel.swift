// TokenModel: the protocol of tokenizer.json's `model` (WordPiece, BPE, Unigram), what it returns for one word,
// the vocabulary reading all models share, and the one place that builds a model by type.

/// A token the model made for one pre-tokenized piece: its id and the normalised scalars it covers.
struct ModelToken: Sendable, Equatable {
    var id: Int32
    var range: Range<Int>
}

/// Turns one pre-tokenized piece (normalised scalars) into tokens (HF `Model::tokenize`).
protocol TokenModel: Sendable {
    func tokenize(_ scalars: [Unicode.Scalar], into tokens: inout [ModelToken])
    func id(of token: String) -> Int32?
    func token(of id: Int32) -> String?
    /// Number of vocabulary entries (HF `get_vocab_size`).
    var vocabularySize: Int { get }
    /// The largest id plus one.
    var idLimit: Int { get }
    /// The unknown token, when the model has one.
    var unknownToken: String? { get }
}

enum TokenModels {
    /// Builds the model described at `node` (its `type` picks the kind; WordPiece, BPE and Unigram files written
    /// without a type are recognised by their fields, as `tokenizers` does).
    static func make(_ node: JSONNode) throws -> any TokenModel {
        try node.object()
        let type: String
        if node.has("type") {
            type = try node["type"].string()
        } else if node.has("merges") {
            type = "BPE"
        } else if node.has("continuing_subword_prefix") || node.has("max_input_chars_per_word") {
            type = "WordPiece"
        } else if node["vocab"].isArray {
            type = "Unigram"
        } else {
            throw node.error("model has no 'type'")
        }
        switch type {
        case "WordPiece": return try WordPieceModel(node)
        case "BPE": return try BPEModel(node)
        case "Unigram": return try UnigramModel(node)
        default: throw node.unsupported("model", type)
        }
    }
}

/// A token → id vocabulary with its reverse, as the JSON `vocab` object of WordPiece and BPE holds it.
struct Vocabulary: Sendable {
    let ids: [TokenKey: Int32]
    /// id → token (nil where no token has that id).
    let tokens: [String?]

    init(_ ids: [TokenKey: Int32]) {
        self.ids = ids
        var tokens = [String?](repeating: nil, count: (ids.values.max().map { Int($0) + 1 }) ?? 0)
        for (key, id) in ids { tokens[Int(id)] = key.text }
        self.tokens = tokens
    }

    /// Reads `{"token": id, ...}`; ids must be whole numbers in 0..<2³¹−1.
    init(_ node: JSONNode) throws {
        let members = try node.members()
        var ids: [TokenKey: Int32] = [:]
        ids.reserveCapacity(members.count)
        for (token, value) in members {
            ids[TokenKey(token)] = Int32(try value.int())
        }
        guard ids.values.max().map({ Int($0) }) ?? 0 < 50_000_000 else {
            throw node.error("ids up to \(ids.values.max() ?? 0) are far more than the \(ids.count) entries")
        }
        self.init(ids)
    }

    func token(of id: Int32) -> String? { tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil }

    func id(of token: String) -> Int32? { ids[TokenKey(token)] }
}
