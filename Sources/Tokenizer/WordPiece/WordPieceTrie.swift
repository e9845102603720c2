// WordPieceTrie: a vocabulary as a scalar trie: greedy longest-match lookups (WordPiece) and all prefixes (Unigram).

/// A trie over Unicode scalars with two roots: node 0 holds every vocabulary entry (used for the
/// first piece of a word), node 1 holds the entries that start with the continuation prefix (`##`),
/// stored without it. Edges live in one hash table keyed by `(node << 21) | scalar`.
struct WordPieceTrie: Sendable {
    private var edges = IntegerTable()
    /// The vocabulary id ending at each node, or -1.
    private var tokenAtNode: [Int32] = [-1, -1]

    static let wordRoot: Int32 = 0
    static let continuationRoot: Int32 = 1

    /// Builds the trie. When a token occurs twice, the later line wins (as in Hugging Face).
    init(vocabulary: [String], continuingPrefix: String) {
        self.init(entries: vocabulary.enumerated().map { ($1, Int32(truncatingIfNeeded: $0)) }, continuingPrefix: continuingPrefix)
    }

    /// Builds the trie from (token, id) pairs; a later pair for the same token wins.
    init(entries: [(String, Int32)], continuingPrefix: String) {
        let prefix = Array(continuingPrefix.unicodeScalars)
        edges = IntegerTable(minimumCapacity: entries.count * 4)
        for (token, id) in entries {
            let scalars = Array(token.unicodeScalars)
            guard !scalars.isEmpty else { continue }
            insert(scalars[...], root: Self.wordRoot, id: id)
            if !prefix.isEmpty, scalars.count > prefix.count, scalars.starts(with: prefix) {
                insert(scalars[prefix.count...], root: Self.continuationRoot, id: id)
            }
        }
    }

    private mutating func insert(_ scalars: ArraySlice<Unicode.Scalar>, root: Int32, id: Int32) {
        var node = root
        for scalar in scalars {
            let key = (UInt64(UInt32(bitPattern: node)) << 21) | UInt64(scalar.value)
            if let next = edges.value(key) {
                node = Int32(truncatingIfNeeded: next)
            } else {
                let next = Int32(truncatingIfNeeded: tokenAtNode.count)
                tokenAtNode.append(-1)
                edges.set(key, Int64(next))
                node = next
            }
        }
        tokenAtNode[Int(node)] = id
    }

    /// Calls `body(length, id)` for every vocabulary entry that is a prefix of `scalars[start...]` (from the word
    /// root), shortest first.
    @inline(__always)
    func forEachPrefix(of scalars: [Unicode.Scalar], from start: Int, _ body: (Int, Int32) -> Void) {
        var node = Self.wordRoot
        var position = start
        while position < scalars.count {
            let key = (UInt64(UInt32(bitPattern: node)) << 21) | UInt64(scalars[position].value)
            guard let next = edges.value(key) else { break }
            node = Int32(truncatingIfNeeded: next)
            position += 1
            let id = tokenAtNode[Int(node)]
            if id >= 0 { body(position - start, id) }
        }
    }

    /// The longest vocabulary entry that is a prefix of `scalars[start..<end]`, searched from `root`.
    /// Returns its length in scalars (0 if none) and its id.
    @inline(__always)
    func longestMatch(_ scalars: [Unicode.Scalar], from start: Int, to end: Int, root: Int32) -> (length: Int, id: Int32) {
        var node = root
        var bestLength = 0
        var bestID: Int32 = -1
        var position = start
        while position < end {
            let key = (UInt64(UInt32(bitPattern: node)) << 21) | UInt64(scalars[position].value)
            guard let next = edges.value(key) else { break }
            node = Int32(truncatingIfNeeded: next)
            position += 1
            let id = tokenAtNode[Int(node)]
            if id >= 0 {
                bestLength = position - start
                bestID = id
            }
        }
        return (bestLength, bestID)
    }
}
