// BPEModel: HF `BPE` — each scalar (with continuing prefix / end-of-word suffix) becomes a symbol, unknown ones
// fall back to `<0xXX>` byte tokens or the (fused) unknown token, then merges apply lowest rank first.
// Byte-level BPE is this model behind the ByteLevel pre-tokenizer, whose scalars are the bytes.

struct BPEModel: TokenModel {
    let vocabulary: Vocabulary
    /// (left id, right id) → (rank, merged id), packed by ``packMerge``.
    let merges: IntegerTable
    let unknown: String?
    private let unknownID: Int32?
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    /// Ids of single scalars (no prefix or suffix involved), to skip building strings on the common path.
    private let scalarIDs: IntegerTable
    private let byteIDs: [Int32?]

    init(vocabulary: Vocabulary, merges: [(String, String)], unknown: String? = nil, continuingSubwordPrefix: String? = nil,
         endOfWordSuffix: String? = nil, fuseUnknown: Bool = false, byteFallback: Bool = false, ignoreMerges: Bool = false,
         node: JSONNode? = nil) throws {
        var table = IntegerTable(minimumCapacity: merges.count)
        let prefixLength = continuingSubwordPrefix?.unicodeScalars.count ?? 0
        for (rank, (a, b)) in merges.enumerated() {
            func fail(_ token: String) -> TokenizerError {
                let reason = "merge \(rank) ('\(a) \(b)') needs '\(token)', which is not in the vocabulary"
                return node?["merges"].error(reason) ?? TokenizerError.invalidOption(reason)
            }
            guard let left = vocabulary.id(of: a) else { throw fail(a) }
            guard let right = vocabulary.id(of: b) else { throw fail(b) }
            var merged = String.UnicodeScalarView(a.unicodeScalars)
            merged.append(contentsOf: b.unicodeScalars.dropFirst(prefixLength))
            let mergedToken = String(merged)
            guard let id = vocabulary.id(of: mergedToken) else { throw fail(mergedToken) }
            table.set(Self.key(left, right), Self.packMerge(rank: Int32(truncatingIfNeeded: rank), id: id))
        }
        if let unknown, vocabulary.id(of: unknown) == nil {
            let reason = "unknown token '\(unknown)' is not in model.vocab"
            throw node?["unk_token"].error(reason) ?? TokenizerError.invalidOption(reason)
        }
        self.vocabulary = vocabulary
        self.merges = table
        self.unknown = unknown
        unknownID = unknown.flatMap { vocabulary.id(of: $0) }
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.endOfWordSuffix = endOfWordSuffix
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        var scalarIDs = IntegerTable()
        for (key, id) in vocabulary.ids {
            let scalars = key.text.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first { scalarIDs.set(UInt64(scalar.value), Int64(id)) }
        }
        self.scalarIDs = scalarIDs
        byteIDs = (0..<256).map { vocabulary.id(of: Self.byteToken(UInt8($0))) }
    }

    init(_ node: JSONNode) throws {
        let dropout = try node["dropout"].optional(0) { try $0.double() }
        guard dropout == 0 else {
            throw node["dropout"].error("BPE dropout \(dropout) is random at encoding time; robust needs a deterministic tokenizer (null or 0)")
        }
        let vocabulary = try Vocabulary(node["vocab"])
        var merges: [(String, String)] = []
        for entry in try node["merges"].array() {
            if entry.isArray {
                let pair = try entry.array()
                guard pair.count == 2 else { throw entry.error("expected a pair of strings") }
                merges.append((try pair[0].string(), try pair[1].string()))
            } else {
                let line = try entry.string()
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw entry.error("expected 'left right', found '\(line)'") }
                merges.append((String(parts[0]), String(parts[1])))
            }
        }
        try self.init(vocabulary: vocabulary, merges: merges,
                      unknown: try node["unk_token"].optional(nil) { try $0.string() },
                      continuingSubwordPrefix: try node["continuing_subword_prefix"].optional(nil) { try $0.string() },
                      endOfWordSuffix: try node["end_of_word_suffix"].optional(nil) { try $0.string() },
                      fuseUnknown: try node["fuse_unk"].optional(false) { try $0.bool() },
                      byteFallback: try node["byte_fallback"].optional(false) { try $0.bool() },
                      ignoreMerges: try node["ignore_merges"].optional(false) { try $0.bool() },
                      node: node)
    }

    @inline(__always)
    static func key(_ a: Int32, _ b: Int32) -> UInt64 { (UInt64(UInt32(bitPattern: a)) << 32) | UInt64(UInt32(bitPattern: b)) }

    @inline(__always)
    static func packMerge(rank: Int32, id: Int32) -> Int64 { (Int64(rank) << 32) | Int64(UInt32(bitPattern: id)) }

    /// The (rank, merged id) of merging `a` then `b`, if the merge exists.
    @inline(__always)
    private func merge(_ a: Int32, _ b: Int32) -> (rank: Int32, id: Int32)? {
        guard let packed = merges.value(Self.key(a, b)) else { return nil }
        return (Int32(truncatingIfNeeded: packed >> 32), Int32(truncatingIfNeeded: packed))
    }

    static func byteToken(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x\(hex.count == 1 ? "0" + hex : hex)>"
    }

    var vocabularySize: Int { vocabulary.ids.count }
    var idLimit: Int { vocabulary.tokens.count }
    var unknownToken: String? { unknown }
    func id(of token: String) -> Int32? { vocabulary.id(of: token) }
    func token(of id: Int32) -> String? { vocabulary.token(of: id) }

    private struct Symbol {
        var id: Int32
        var prev: Int
        var next: Int
        /// Length in UTF-8 bytes (0 once merged into its left neighbour), as HF counts.
        var length: Int
    }

    private struct Candidate: Comparable {
        var rank: Int32
        var position: Int
        var id: Int32
        static func < (a: Candidate, b: Candidate) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.position < b.position }
    }

    func tokenize(_ scalars: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        guard !scalars.isEmpty else { return }
        if ignoreMerges, let id = vocabulary.id(of: Self.string(scalars[...])) {
            tokens.append(ModelToken(id: id, range: 0..<scalars.count))
            return
        }
        var symbols: [Symbol] = []
        symbols.reserveCapacity(scalars.count)
        func add(_ id: Int32, _ length: Int) {
            let index = symbols.count
            if index > 0 { symbols[index - 1].next = index }
            symbols.append(Symbol(id: id, prev: index - 1, next: -1, length: length))
        }
        var pendingUnknown: (id: Int32, length: Int)?
        let plain = continuingSubwordPrefix == nil && endOfWordSuffix == nil
        for (index, scalar) in scalars.enumerated() {
            let byteLength = UTF8.width(scalar)
            var id: Int32?
            if plain {
                id = scalarIDs.value(UInt64(scalar.value)).map { Int32(truncatingIfNeeded: $0) }
            } else {
                var piece = ""
                if index > 0, let prefix = continuingSubwordPrefix { piece += prefix }
                piece.unicodeScalars.append(scalar)
                if index == scalars.count - 1, let suffix = endOfWordSuffix { piece += suffix }
                id = vocabulary.id(of: piece)
            }
            if let id {
                if let pending = pendingUnknown { add(pending.id, pending.length); pendingUnknown = nil }
                add(id, byteLength)
                continue
            }
            if byteFallback {
                var ids: [Int32] = []
                var complete = true
                let bytes = plain ? Array(String(scalar).utf8) : Array(pieceString(scalar, index, scalars.count).utf8)
                for byte in bytes {
                    guard let id = byteIDs[Int(byte)] else { complete = false; break }
                    ids.append(id)
                }
                if complete {
                    // HF adds the byte tokens without flushing a pending unknown token first.
                    for id in ids { add(id, 1) }
                    continue
                }
            }
            if let unknownID {
                if let pending = pendingUnknown {
                    if fuseUnknown {
                        pendingUnknown = (pending.id, pending.length + byteLength)
                    } else {
                        add(pending.id, pending.length)
                        pendingUnknown = (unknownID, byteLength)
                    }
                } else {
                    pendingUnknown = (unknownID, byteLength)
                }
            }
        }
        if let pending = pendingUnknown { add(pending.id, pending.length) }
        mergeAll(&symbols)
        // Byte offsets → scalar ranges: a token covers the scalars holding its first and last byte.
        var scalarOfByte: [Int] = []
        scalarOfByte.reserveCapacity(scalars.count * 2)
        for (index, scalar) in scalars.enumerated() {
            for _ in 0..<UTF8.width(scalar) { scalarOfByte.append(index) }
        }
        var position = 0
        for symbol in symbols where symbol.length > 0 {
            let start = position
            let end = position + symbol.length
            position = end
            guard start < scalarOfByte.count, end - 1 < scalarOfByte.count else { continue }
            tokens.append(ModelToken(id: symbol.id, range: scalarOfByte[start]..<(scalarOfByte[end - 1] + 1)))
        }
    }

    private func pieceString(_ scalar: Unicode.Scalar, _ index: Int, _ count: Int) -> String {
        var piece = ""
        if index > 0, let prefix = continuingSubwordPrefix { piece += prefix }
        piece.unicodeScalars.append(scalar)
        if index == count - 1, let suffix = endOfWordSuffix { piece += suffix }
        return piece
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// HF `Word::merge_all` without dropout: a priority queue of (rank, position).
    private func mergeAll(_ symbols: inout [Symbol]) {
        guard symbols.count > 1 else { return }
        var queue = MinHeap<Candidate>()
        for index in 0..<(symbols.count - 1) {
            if let found = merge(symbols[index].id, symbols[index + 1].id) {
                queue.push(Candidate(rank: found.rank, position: index, id: found.id))
            }
        }
        while let top = queue.pop() {
            let position = top.position
            guard symbols[position].length != 0, symbols[position].next != -1 else { continue }
            let nextPosition = symbols[position].next
            let right = symbols[nextPosition]
            guard let found = merge(symbols[position].id, right.id), found.id == top.id else { continue }
            symbols[position].id = top.id
            symbols[position].length += right.length
            symbols[position].next = right.next
            symbols[nextPosition].length = 0
            if right.next > -1 && right.next < symbols.count { symbols[right.next].prev = position }
            let current = symbols[position]
            if current.prev >= 0, let m = merge(symbols[current.prev].id, current.id) {
                queue.push(Candidate(rank: m.rank, position: current.prev, id: m.id))
            }
            if current.next >= 0 && current.next < symbols.count, let m = merge(current.id, symbols[current.next].id) {
                queue.push(Candidate(rank: m.rank, position: position, id: m.id))
            }
        }
    }
}

/// A binary min-heap.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = parent * 2 + 1, right = left + 1
                var smallest = parent
                if left < items.count && items[left] < items[smallest] { smallest = left }
                if right < items.count && items[right] < items[smallest] { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
