// WordPieceModel: HF `WordPiece` — greedy longest-match-first pieces with a continuing-subword prefix; a word
// longer than max_input_chars_per_word, or with no match, is one unknown token.

struct WordPieceModel: TokenModel {
    let vocabulary: Vocabulary
    let unknown: String
    let unknownID: Int32
    let continuingSubwordPrefix: String
    let maxInputCharsPerWord: Int
    let trie: WordPieceTrie

    init(vocabulary: Vocabulary, unknown: String, continuingSubwordPrefix: String = "##",
         maxInputCharsPerWord: Int = 100) throws {
        guard let unknownID = vocabulary.id(of: unknown) else {
            throw TokenizerError.missingSpecialToken(role: "unknown", token: unknown)
        }
        self.vocabulary = vocabulary
        self.unknown = unknown
        self.unknownID = unknownID
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        trie = WordPieceTrie(entries: vocabulary.ids.map { ($0.key.text, $0.value) }, continuingPrefix: continuingSubwordPrefix)
    }

    init(_ node: JSONNode) throws {
        let vocabulary = try Vocabulary(node["vocab"])
        let unknown = try node["unk_token"].optional("[UNK]") { try $0.string() }
        guard vocabulary.id(of: unknown) != nil else { throw node["unk_token"].error("unknown token '\(unknown)' is not in model.vocab") }
        try self.init(vocabulary: vocabulary, unknown: unknown,
                      continuingSubwordPrefix: try node["continuing_subword_prefix"].optional("##") { try $0.string() },
                      maxInputCharsPerWord: try node["max_input_chars_per_word"].optional(100) { try $0.int(in: 0...Int(Int32.max)) })
    }

    var vocabularySize: Int { vocabulary.ids.count }
    var idLimit: Int { vocabulary.tokens.count }
    var unknownToken: String? { unknown }
    func id(of token: String) -> Int32? { vocabulary.id(of: token) }
    func token(of id: Int32) -> String? { vocabulary.token(of: id) }

    func tokenize(_ scalars: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        let whole = ModelToken(id: unknownID, range: 0..<scalars.count)
        if scalars.count > maxInputCharsPerWord { tokens.append(whole); return }
        let first = tokens.count
        var position = 0
        let continuation = continuingSubwordPrefix.isEmpty ? WordPieceTrie.wordRoot : WordPieceTrie.continuationRoot
        while position < scalars.count {
            let root = position == 0 ? WordPieceTrie.wordRoot : continuation
            let match = trie.longestMatch(scalars, from: position, to: scalars.count, root: root)
            if match.length == 0 {
                tokens.removeSubrange(first...)
                tokens.append(whole)
                return
            }
            tokens.append(ModelToken(id: match.id, range: position..<(position + match.length)))
            position += match.length
        }
    }
}
