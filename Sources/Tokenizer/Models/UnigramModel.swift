// UnigramModel: HF `Unigram` — the Viterbi segmentation that maximises the sum of the vocabulary's scores;
// scalars no piece covers become the unknown token (consecutive ones fused), or `<0xXX>` bytes with byte_fallback.

struct UnigramModel: TokenModel {
    let pieces: [(token: String, score: Double)]
    let ids: [TokenKey: Int32]
    let unknownID: Int32?
    let byteFallback: Bool
    private let unknownScore: Double
    private let trie: WordPieceTrie
    /// For each piece, the id of its text (the last piece with that text, as HF's token → id map gives it).
    private let canonicalIDs: [Int32]

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
        canonicalIDs = pieces.map { ids[TokenKey($0.0)] ?? -1 }
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

    /// One position of the Viterbi lattice: the best path ending here, its score, start and last piece.
    private struct Node {
        var score: Double
        var start: Int
        var id: Int32
    }

    func tokenize(_ scalars: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        let n = scalars.count
        guard n > 0 else { return }
        // The lattice lives on the stack for ordinary words (no allocation, no generic metadata per call).
        withUnsafeTemporaryAllocation(of: Node.self, capacity: n + 1) { best in
            best.initialize(repeating: Node(score: 0, start: -1, id: -1))
            // best[i]: the best path ending at scalar i (HF `encode_optimized`).
            for start in 0..<n {
                if start > 0 && best[start].start < 0 { continue }   // unreachable (no unknown token)
                let base = best[start].score
                var hasSingle = false
                trie.forEachPrefix(of: scalars, from: start) { length, id in
                    let end = start + length
                    let candidate = pieces[Int(id)].score + base
                    if best[end].start < 0 || candidate > best[end].score { best[end] = Node(score: candidate, start: start, id: id) }
                    if length == 1 { hasSingle = true }
                }
                if !hasSingle, let unknownID {
                    let end = start + 1
                    let candidate = unknownScore + base
                    if best[end].start < 0 || candidate > best[end].score {
                        best[end] = Node(score: candidate, start: start, id: unknownID)
                    }
                }
            }
            // Back-track, fusing consecutive unknown pieces; the tokens come out last first and are reversed after.
            let first = tokens.count
            var end = n
            var pendingUnknown: Range<Int>?
            while end > 0 {
                let start = best[end].start
                guard start >= 0 else { end -= 1; continue }
                let id = best[end].id
                if id == unknownID {
                    pendingUnknown = start..<(pendingUnknown?.upperBound ?? end)
                } else {
                    if let range = pendingUnknown { appendUnknown(scalars, range, to: &tokens); pendingUnknown = nil }
                    // HF looks every piece up by its text: a repeated token takes that text's id.
                    tokens.append(ModelToken(id: canonicalIDs[Int(id)], range: start..<end))
                }
                end = start
            }
            if let range = pendingUnknown { appendUnknown(scalars, range, to: &tokens) }
            tokens[first...].reverse()
        }
    }

    /// A fused unknown piece: its text's id if the vocabulary has it, else its `<0xXX>` bytes with byte_fallback,
    /// else the unknown token. Byte tokens are appended last first, like the rest of the back-tracked path.
    private func appendUnknown(_ scalars: [Unicode.Scalar], _ range: Range<Int>, to tokens: inout [ModelToken]) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        let text = String(view)
        if let id = ids[TokenKey(text)] {
            tokens.append(ModelToken(id: id, range: range))
            return
        }
        if byteFallback {
            let byteIDs = text.utf8.compactMap { ids[TokenKey(BPEModel.byteToken($0))] }
            if byteIDs.count == text.utf8.count {
                for id in byteIDs.reversed() { tokens.append(ModelToken(id: id, range: range)) }
                return
            }
        }
        tokens.append(ModelToken(id: unknownID ?? -1, range: range))
    }
}
