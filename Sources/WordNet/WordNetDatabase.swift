// WordNet: a reader for the Princeton WordNet 3.0 database files (Debian's `wordnet-base`,
// /usr/share/wordnet), written for synonym-substitution attacks (PWWS, TextFooler-style). The caller
// says which folder to read (robust finds it with Basics.ResourceLocations); this module depends on
// Foundation alone.
//
// Loading parses every requested POS eagerly (in parallel, one task per file, data.noun and
// index.noun first) and validates it: each data line's offset must equal its byte position, every
// count must match its fields, every index offset and every pointer must name an existing synset.
// After loading, the database is immutable and Sendable, and no query throws. All four POS take
// about 0.1-0.25 s in a release build on 2 cores and about 70 MB of memory.
//
// Morphology (Morphy.swift), the synonym API (Synonyms.swift) and re-inflection
// (Inflection.swift) are extensions of WordNetDatabase.
import Foundation

public final class WordNetDatabase: Sendable {
    /// Debian's location, /usr/share/wordnet: the folder when the caller names none. The module decides
    /// nothing else about where WordNet lives: robust passes the folder that `Basics.ResourceLocations`
    /// finds (ROBUST_WORDNET_DIR, the per-user cache, then this one).
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/wordnet", isDirectory: true)

    public let directory: URL
    /// The parts of speech that were loaded, in WordNet order (noun, verb, adjective, adverb).
    /// Queries about any other POS find nothing.
    public let partsOfSpeech: [PartOfSpeech]
    let tables: [PartOfSpeech: POSTable]

    /// Loads `data.*`, `index.*` and `*.exc` of the given parts of speech from `directory`
    /// (default: `defaultDirectory`). Throws a one-line `WordNetError` on a missing folder or file
    /// or on the first malformed line.
    public init(directory: URL? = nil, partsOfSpeech: Set<PartOfSpeech> = Set(PartOfSpeech.allCases)) throws {
        let directory = directory ?? WordNetDatabase.defaultDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw WordNetError.databaseNotFound(directory: directory.path)
        }
        let wanted = partsOfSpeech.sorted()
        // One task per file, biggest first; on 2 cores data.noun and index.noun run side by side.
        let files: [DatabaseFile] = [.data, .index, .exceptions]
        let tasks = wanted.flatMap { pos in files.map { (pos: pos, file: $0) } }
        let results = LoadResults(count: tasks.count)
        DispatchQueue.concurrentPerform(iterations: tasks.count) { i in
            results.set(i, Result { try tasks[i].file.parse(tasks[i].pos, in: directory) })
        }
        // The first failure in (POS, data/index/exc) order wins, so errors are deterministic.
        var parsed: [ParsedFile] = []
        for i in tasks.indices { parsed.append(try results.get(i)) }
        var tables: [PartOfSpeech: POSTable] = [:]
        var bitmaps: [OffsetBitmap?] = [nil, nil, nil, nil]
        for (k, pos) in wanted.enumerated() {
            guard case .data(_, let offsets) = parsed[3 * k] else { continue }
            bitmaps[pos.order] = OffsetBitmap(offsets)
        }
        for (k, pos) in wanted.enumerated() {
            tables[pos] = try POSTable.assemble(pos, data: parsed[3 * k], index: parsed[3 * k + 1],
                                                exceptions: parsed[3 * k + 2], bitmap: bitmaps[pos.order]!,
                                                directory: directory)
        }
        parsed.removeAll()
        try WordNetDatabase.validatePointers(tables, bitmaps: bitmaps, directory: directory)
        self.directory = directory
        self.partsOfSpeech = wanted
        self.tables = tables
    }

    private static let sharedLock = NSLock()
    nonisolated(unsafe) private static var sharedDatabases: [String: WordNetDatabase] = [:]

    /// One process-wide database per folder (default: `defaultDirectory`), loaded on first use (all four POS).
    public static func shared(directory: URL? = nil) throws -> WordNetDatabase {
        let directory = directory ?? WordNetDatabase.defaultDirectory
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let database = sharedDatabases[directory.standardizedFileURL.path] { return database }
        let database = try WordNetDatabase(directory: directory)
        sharedDatabases[directory.standardizedFileURL.path] = database
        return database
    }

    /// Every pointer must reach a synset of a loaded POS, and a lexical pointer's target word must
    /// exist. Pointers into a POS that was not loaded are not checked.
    private static func validatePointers(_ tables: [PartOfSpeech: POSTable], bitmaps: [OffsetBitmap?],
                                         directory: URL) throws {
        // All POS flattened into plain arrays, read through unsafe buffers: no reference counting
        // in the loop over ~380,000 pointers.
        var bits: [UInt64] = []
        var offsets: [Int] = []
        var wordCounts: [UInt8] = []
        var bitRange = Array(repeating: 0..<0, count: 4)
        var synsetRange = Array(repeating: 0..<0, count: 4)
        for pos in PartOfSpeech.allCases {
            guard let table = tables[pos], let bitmap = bitmaps[pos.order] else { continue }
            bitRange[pos.order] = bits.count..<(bits.count + bitmap.bits.count)
            bits.append(contentsOf: bitmap.bits)
            synsetRange[pos.order] = offsets.count..<(offsets.count + table.offsets.count)
            offsets.append(contentsOf: table.offsets)
            wordCounts.append(contentsOf: table.synsets.map { UInt8(truncatingIfNeeded: $0.words.count) })
        }
        for pos in tables.keys.sorted() {
            let synsets = tables[pos]!.synsets
            let bad: (synset: Int, pointer: Pointer, count: Int?)? = bits.withUnsafeBufferPointer { bits in
                offsets.withUnsafeBufferPointer { offsets in
                    wordCounts.withUnsafeBufferPointer { wordCounts in
                        for i in synsets.indices {
                            for pointer in synsets[i].pointers {
                                let t = pointer.targetPOS.order
                                let words = bitRange[t]
                                if words.isEmpty { continue }   // target POS not loaded
                                let offset = Int(pointer.targetOffset)
                                let word = words.lowerBound + offset >> 6
                                guard word < words.upperBound, bits[word] & (1 << UInt64(offset & 63)) != 0 else {
                                    return (i, pointer, nil)
                                }
                                guard pointer.targetWordNumber != 0 else { continue }
                                var low = synsetRange[t].lowerBound, high = synsetRange[t].upperBound
                                while low < high {
                                    let mid = (low + high) / 2
                                    if offsets[mid] < offset { low = mid + 1 } else { high = mid }
                                }
                                if Int(pointer.targetWordNumber) > Int(wordCounts[low]) {
                                    return (i, pointer, Int(wordCounts[low]))
                                }
                            }
                        }
                        return nil
                    }
                }
            }
            if let bad {
                let pointer = bad.pointer
                let problem = bad.count.map {
                    "pointer '\(pointer.symbol)' to \(pointer.target) names word \(pointer.targetWord), but that synset has \($0) words"
                } ?? "pointer '\(pointer.symbol)' targets \(pointer.target), which is not a synset in data.\(pointer.target.pos.fileSuffix)"
                let url = directory.appendingPathComponent("data.\(pos.fileSuffix)")
                throw WordNetError.malformedLine(file: url.path,
                                                 line: lineNumber(ofByte: synsets[bad.synset].offset, in: url),
                                                 reason: problem)
            }
        }
    }

    // MARK: - Lookups

    /// The number of synsets of a POS (0 when it was not loaded).
    public func synsetCount(_ pos: PartOfSpeech) -> Int { tables[pos]?.synsets.count ?? 0 }

    /// The number of index lemmas of a POS (0 when it was not loaded).
    public func lemmaCount(_ pos: PartOfSpeech) -> Int { tables[pos]?.index.count ?? 0 }

    /// The synset at a data-file offset.
    public func synset(offset: Int, pos: PartOfSpeech) -> Synset? { tables[pos]?.synset(offset: offset) }

    public func synset(_ id: SynsetID) -> Synset? { synset(offset: id.offset, pos: id.pos) }

    /// Every synset of a POS, in file order (ascending offset).
    public func allSynsets(_ pos: PartOfSpeech) -> [Synset] { tables[pos]?.synsets ?? [] }

    /// Whether `lemma` (any case; spaces or underscores) is in the index of `pos`. No morphology.
    public func contains(lemma: String, pos: PartOfSpeech) -> Bool {
        tables[pos]?.index[WordNetDatabase.key(lemma)] != nil
    }

    /// The index entry of an exact lemma (no morphology).
    public func indexEntry(lemma: String, pos: PartOfSpeech) -> IndexEntry? {
        let key = WordNetDatabase.key(lemma)
        guard let table = tables[pos], let slot = table.index[key], let offsets = table.offsets(forKey: key) else {
            return nil
        }
        return IndexEntry(lemma: WordNetDatabase.spaced(key), pos: pos, synsetOffsets: Array(offsets),
                          tagSenseCount: Int(slot.tagSenseCount))
    }

    /// The synsets of an exact lemma (no morphology), in sense order.
    public func synsets(lemma: String, pos: PartOfSpeech) -> [Synset] {
        synsets(key: WordNetDatabase.key(lemma), pos: pos)
    }

    func synsets(key: String, pos: PartOfSpeech) -> [Synset] {
        guard let table = tables[pos], let offsets = table.offsets(forKey: key) else { return [] }
        return offsets.compactMap { table.synset(offset: $0) }
    }

    /// The exception list of a POS: the base forms listed for an inflected form (`went` → `go`),
    /// whether or not they are in the index.
    public func exceptionBaseForms(of inflected: String, pos: PartOfSpeech) -> [String] {
        (tables[pos]?.exceptions[WordNetDatabase.key(inflected)] ?? []).map(WordNetDatabase.spaced)
    }

    /// The exception list read backwards: the irregular forms listed for a base form
    /// (`go` → `gone`, `went`), in file order.
    public func exceptionInflections(of base: String, pos: PartOfSpeech) -> [String] {
        (tables[pos]?.inflections[WordNetDatabase.key(base)] ?? []).map(WordNetDatabase.spaced)
    }

    // MARK: - Spelling

    /// The index spelling of a word: trimmed, lowercased, runs of spaces/underscores → one `_`.
    static func key(_ word: String) -> String {
        var out = ""
        out.reserveCapacity(word.utf8.count)
        var pendingSeparator = false
        for ch in word.lowercased() {
            if ch == " " || ch == "_" || ch == "\t" || ch == "\n" {
                pendingSeparator = !out.isEmpty
            } else {
                if pendingSeparator { out.append("_"); pendingSeparator = false }
                out.append(ch)
            }
        }
        return out
    }

    /// Index spelling → display spelling (`_` → space).
    static func spaced(_ key: String) -> String {
        key.contains("_") ? key.replacingOccurrences(of: "_", with: " ") : key
    }
}

/// Results of the parallel per-file parses.
private final class LoadResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<ParsedFile, Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ result: Result<ParsedFile, Error>) {
        lock.lock()
        results[i] = result
        lock.unlock()
    }

    func get(_ i: Int) throws -> ParsedFile {
        lock.lock()
        let result = results[i]
        lock.unlock()
        return try result!.get()
    }
}
