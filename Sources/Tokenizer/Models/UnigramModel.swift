// UnigramModel: HF `Unigram` — the Viterbi segmentation that maximises the sum of the vocabulary's scores;
// scalars no piece covers become the unknown token (consecutive ones fused), or `<0xXX>` bytes with byte_fallback.

struct UnigramModel: TokenModel {
    let pieces: [(token: String, score: Double)]
    let ids: [TokenKey: Int32]
    let unknownID: Int32?
    let byteFallback: Bool
    private let unknownScore: Double
    private let trie: WordPieceTrie

    init(pieces: [(String, Double)], unknownID: Int?, byteFallback: Bool = false, node: JSONNode? = nil) throws {
        if let unknownID {
            guard !pieces.isEmpty else {
                throw node?["vocab"].error("the vocabulary is empty but unk_id is set") ?? TokenizerError.emptyVocabulary
            }
            guard unknownID < pieces.count else {
                let reason = "unk_id \(unknownID) is not below the vocabulary size \(pieces.count)"
                throw node?["unk_id"].error(reason) ?? TokenizerError.invalidOption(reason)
            }
        }
        var ids: [TokenKey: Int32] = [:]
        ids.reserveCapacity(pieces.count)
        var minimum = Double.infinity
        for (index, piece) in pieces.enumerated() {
            ids[TokenKey(piece.0)] = Int32(index)
            minimum = min(minimum, piece.1)
        }
        let trie = WordPieceTrie(entries: ids.map { ($0.key.text, $0.value) }, continuingPrefix: "")
        self.pieces = pieces.map { (token: $0.0, score: $0.1) }
        self.ids = ids
        self.unknownID = unknownID.map { Int32($0) }
        self.byteFallback = byteFallback
        unknownScore = minimum - 10
        self.trie = trie
    }

    init(_ node: JSONNode) throws {
        var pieces: [(String, Double)] = []
        for entry in try node["vocab"].array() {
            let pair = try entry.array()
            guard pair.count == 2 else { throw entry.error("expected [token, score]") }
            pieces.append((try pair[0].string(), try pair[1].double()))
        }
        guard pieces.count < Int(Int32.max) else { throw node["vocab"].error("too many entries") }
        try self.init(pieces: pieces, unknownID: try node["unk_id"].optional(nil) { try $0.int() },
                      byteFallback: try node["byte_fallback"].optional(false) { try $0.bool() }, node: node)
    }

    var vocabularySize: Int { pieces.count }
    var idLimit: Int { pieces.count }
    var unknownToken: String? { unknownID.map { pieces[Int($0)].token } }
    func id(of token: String) -> Int32? { ids[TokenKey(token)] }
    func token(of id: Int32) -> String? { pieces.indices.contains(Int(id)) ? pieces[Int(id)].token : nil }

    func tokenize(_ scalars: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        let n = scalars.count
        guard n > 0 else { return }
        // best[i]: the best path ending at scalar i (HF `encode_optimized`).
        var bestScore = [Double](repeating: 0, count: n + 1)
        var bestStart = [Int](repeating: -1, count: n + 1)
        var bestID = [Int32](repeating: -1, count: n + 1)
        var matches: [(length: Int, id: Int32)] = []
        for start in 0..<n {
            if start > 0 && bestStart[start] < 0 { continue }   // unreachable (no unknown token)
            let base = bestScore[start]
            var hasSingle = false
            trie.prefixes(of: scalars, from: start, into: &matches)
            for match in matches {
                let end = start + match.length
                let candidate = pieces[Int(match.id)].score + base
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    bestStart[end] = start
                    bestID[end] = match.id
                }
                if match.length == 1 { hasSingle = true }
            }
            if !hasSingle, let unknownID {
                let end = start + 1
                let candidate = unknownScore + base
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    bestStart[end] = start
                    bestID[end] = unknownID
                }
            }
        }
        // Back-track, fusing consecutive unknown pieces.
        var path: [(range: Range<Int>, id: Int32)] = []
        var end = n
        while end > 0 {
            let start = bestStart[end]
            guard start >= 0 else { end -= 1; continue }
            let id = bestID[end]
            if id == unknownID, let last = path.last, last.id == unknownID, last.range.lowerBound == end {
                path[path.count - 1].range = start..<last.range.upperBound
            } else {
                path.append((start..<end, id))
            }
            end = start
        }
        for piece in path.reversed() {
            // HF looks every piece up by its text: a fused unknown piece may still be in the vocabulary.
            if piece.id != unknownID {
                tokens.append(ModelToken(id: ids[TokenKey(pieces[Int(piece.id)].token)] ?? piece.id, range: piece.range))
                continue
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[piece.range])
            let text = String(view)
            if let id = ids[TokenKey(text)] {
                tokens.append(ModelToken(id: id, range: piece.range))
                continue
            }
            if byteFallback {
                let byteIDs = text.utf8.compactMap { ids[TokenKey(BPEModel.byteToken($0))] }
                if byteIDs.count == text.utf8.count {
                    for id in byteIDs { tokens.append(ModelToken(id: id, range: piece.range)) }
                    continue
                }
            }
            tokens.append(ModelToken(id: piece.id, range: piece.range))
        }
    }
}
