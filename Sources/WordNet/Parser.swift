// WordNet: byte-level parsers for the database files of one POS, as wndb(5) describes them:
//   data.POS   synset_offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt [ptr...]
//              [frames...] | gloss
//   index.POS  lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
//   POS.exc    inflected_form base_form [base_form...]
// The license header (lines starting with two spaces) is skipped. Every check that fails throws
// WordNetError.malformedLine with the file and the 1-based line number; nothing traps on bad input.
import Foundation

/// The compact in-memory form of one POS: synsets sorted by offset, a flat index, and the
/// exception list in both directions.
struct POSTable: Sendable {
    struct IndexSlot: Sendable {
        var start: Int32
        var count: Int32
        var tagSenseCount: Int32
    }

    let pos: PartOfSpeech
    /// Synsets in file order, which is ascending offset order.
    let synsets: [Synset]
    let offsets: [Int]
    /// Index keys are the index file's lemmas: lowercase, words joined by `_`.
    let index: [String: IndexSlot]
    let indexOffsets: [Int]
    /// Exception list: inflected form → base forms (keys and values in index spelling).
    let exceptions: [String: [String]]
    /// The reverse: base form → inflected forms, in file order.
    let inflections: [String: [String]]

    func synsetPosition(offset: Int) -> Int? { POSTable.position(of: offset, in: offsets) }

    /// Binary search in ascending offsets.
    static func position(of offset: Int, in offsets: [Int]) -> Int? {
        var low = 0, high = offsets.count
        while low < high {
            let mid = (low + high) / 2
            if offsets[mid] < offset { low = mid + 1 } else { high = mid }
        }
        return low < offsets.count && offsets[low] == offset ? low : nil
    }

    func synset(offset: Int) -> Synset? { synsetPosition(offset: offset).map { synsets[$0] } }

    func offsets(forKey key: String) -> ArraySlice<Int>? {
        guard let slot = index[key] else { return nil }
        let start = Int(slot.start)
        return indexOffsets[start..<(start + Int(slot.count))]
    }
}

// MARK: - Loading

/// The three files of one POS, parsed independently (so that they can run in parallel) and
/// cross-checked by `LoadedFiles.validate` afterwards.
enum ParsedFile: Sendable {
    case data(synsets: [Synset], offsets: [Int])
    case index(index: [String: POSTable.IndexSlot], offsets: [Int], lines: [IndexLine])
    case exceptions(forward: [String: [String]], reverse: [String: [String]])
}

/// Where an index entry's offsets start in the flat array, and its line (for error messages).
struct IndexLine: Sendable {
    var start: Int32
    var count: Int32
    var line: Int32
}

enum DatabaseFile: Sendable {
    case data, index, exceptions

    func name(_ pos: PartOfSpeech) -> String {
        switch self {
        case .data: return "data.\(pos.fileSuffix)"
        case .index: return "index.\(pos.fileSuffix)"
        case .exceptions: return "\(pos.fileSuffix).exc"
        }
    }

    func parse(_ pos: PartOfSpeech, in directory: URL) throws -> ParsedFile {
        let url = directory.appendingPathComponent(name(pos))
        return try withFileBytes(url) { bytes in
            switch self {
            case .data:
                let (synsets, offsets) = try parseData(bytes, pos: pos, path: url.path)
                return .data(synsets: synsets, offsets: offsets)
            case .index:
                let (index, offsets, lines) = try parseIndex(bytes, pos: pos, path: url.path)
                return .index(index: index, offsets: offsets, lines: lines)
            case .exceptions:
                let (forward, reverse) = try parseExceptions(bytes, path: url.path)
                return .exceptions(forward: forward, reverse: reverse)
            }
        }
    }
}

/// A set bit for every synset offset of one POS: O(1) existence checks during validation.
struct OffsetBitmap {
    private(set) var bits: [UInt64]

    init(_ offsets: [Int]) {
        bits = Array(repeating: 0, count: ((offsets.last ?? 0) >> 6) + 1)
        for offset in offsets { bits[offset >> 6] |= 1 << UInt64(offset & 63) }
    }

    func contains(_ offset: Int) -> Bool {
        let word = offset >> 6
        return word < bits.count && bits[word] & (1 << UInt64(offset & 63)) != 0
    }
}

extension POSTable {
    /// Checks that every index offset names a synset of the data file, and builds the table.
    static func assemble(_ pos: PartOfSpeech, data: ParsedFile, index: ParsedFile, exceptions: ParsedFile,
                         bitmap: OffsetBitmap, directory: URL) throws -> POSTable {
        guard case .data(let synsets, let offsets) = data,
              case .index(let entries, let flat, let lines) = index,
              case .exceptions(let forward, let reverse) = exceptions else {
            preconditionFailure("POSTable.assemble: parsed files in the wrong order")
        }
        for entry in lines {
            for i in Int(entry.start)..<Int(entry.start + entry.count) where !bitmap.contains(flat[i]) {
                let lemma = entries.first { $0.value.start == entry.start }?.key ?? "?"
                throw WordNetError.malformedLine(
                    file: directory.appendingPathComponent(DatabaseFile.index.name(pos)).path,
                    line: Int(entry.line),
                    reason: "synset offset \(flat[i]) of '\(lemma)' is not a synset in \(DatabaseFile.data.name(pos))")
            }
        }
        return POSTable(pos: pos, synsets: synsets, offsets: offsets, index: entries, indexOffsets: flat,
                        exceptions: forward, inflections: reverse)
    }
}

/// Maps a file and hands its bytes to `body`; a missing or unreadable file is a WordNetError.
func withFileBytes<T>(_ url: URL, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw WordNetError.missingFile(path: url.path)
    }
    let data: Data
    do {
        data = try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
        throw WordNetError.unreadableFile(path: url.path, reason: error.localizedDescription)
    }
    return try data.withUnsafeBytes { raw in try body(raw.bindMemory(to: UInt8.self)) }
}

/// The 1-based line number of the line that contains byte `offset` (for error messages only).
func lineNumber(ofByte offset: Int, in url: URL) -> Int {
    (try? withFileBytes(url) { bytes -> Int in
        var line = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A { line += 1 }
        return line
    }) ?? 0
}

private let space: UInt8 = 0x20
private let newline: UInt8 = 0x0A
private let underscore: UInt8 = 0x5F

/// Calls `body(start, end, lineNumber)` for every non-blank line after the license header.
/// `end` excludes the newline (and a carriage return before it).
private func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>,
                         _ body: (Int, Int, Int) throws -> Void) rethrows {
    let count = bytes.count
    guard count > 0, let base = bytes.baseAddress else { return }
    var start = 0
    var line = 0
    var inHeader = true
    while start < count {
        let end: Int
        if let hit = memchr(base + start, Int32(newline), count - start) {
            end = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        } else {
            end = count
        }
        line += 1
        var contentEnd = end
        if contentEnd > start && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
        let isHeader = contentEnd - start >= 2 && bytes[start] == space && bytes[start + 1] == space
        var blank = true
        var i = start
        while i < contentEnd { if bytes[i] != space { blank = false; break }; i += 1 }
        if inHeader && isHeader {
            // license header line
        } else if !blank {
            inHeader = false
            try body(start, contentEnd, line)
        }
        start = end + 1
    }
}

/// Splits one line into space-separated fields and decodes numbers, naming what it expected
/// when a field is missing or wrong.
private struct FieldReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int
    let path: String
    let line: Int

    func fail(_ reason: String) -> WordNetError {
        .malformedLine(file: path, line: line, reason: reason)
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The next field, or an error saying the line ended before `what`.
    mutating func field(_ what: @autoclosure () -> String) throws -> Range<Int> {
        while position < end && bytes[position] == space { position += 1 }
        guard position < end else { throw fail("truncated line: missing \(what())") }
        let start = position
        while position < end && bytes[position] != space { position += 1 }
        return start..<position
    }

    var atEnd: Bool {
        var p = position
        while p < end && bytes[p] == space { p += 1 }
        return p >= end
    }

    mutating func decimal(_ what: @autoclosure () -> String, max: Int = 99_999_999) throws -> Int {
        let range = try field(what())
        guard range.count <= 10 else { throw fail("\(what()) '\(text(range))' is not a number in range") }
        var value = 0
        for i in range {
            let b = bytes[i]
            guard b >= 0x30 && b <= 0x39 else { throw fail("\(what()) '\(text(range))' is not a decimal number") }
            value = value * 10 + Int(b - 0x30)
        }
        guard value <= max else { throw fail("\(what()) \(value) is out of range (at most \(max))") }
        return value
    }

    mutating func hexadecimal(_ what: @autoclosure () -> String, digits: ClosedRange<Int>) throws -> Int {
        let range = try field(what())
        guard digits.contains(range.count) else {
            let count = digits.lowerBound == digits.upperBound ? "\(digits.lowerBound)"
                : "\(digits.lowerBound)-\(digits.upperBound)"
            throw fail("\(what()) '\(text(range))' should have \(count) hexadecimal digits")
        }
        var value = 0
        for i in range {
            let b = bytes[i]
            let digit: Int
            switch b {
            case 0x30...0x39: digit = Int(b - 0x30)
            case 0x61...0x66: digit = Int(b - 0x61 + 10)
            case 0x41...0x46: digit = Int(b - 0x41 + 10)
            default: throw fail("\(what()) '\(text(range))' is not a hexadecimal number")
            }
            value = value * 16 + digit
        }
        return value
    }

    /// The field as text with `_` turned into spaces (WordNet's spelling of collocations).
    func spacedText(_ range: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: range.count) { buffer in
            var j = 0
            for i in range {
                let b = bytes[i]
                buffer[j] = b == underscore ? space : b
                j += 1
            }
            return j
        }
    }
}

// MARK: data.POS

func parseData(_ bytes: UnsafeBufferPointer<UInt8>, pos: PartOfSpeech,
                       path: String) throws -> ([Synset], [Int]) {
    var synsets: [Synset] = []
    var offsets: [Int] = []
    synsets.reserveCapacity(pos == .noun ? 82_200 : 20_000)
    offsets.reserveCapacity(synsets.capacity)
    try forEachLine(bytes) { start, end, line in
        var r = FieldReader(bytes: bytes, position: start, end: end, path: path, line: line)
        let offset = try r.decimal("synset offset")
        guard offset == start else {
            throw r.fail("synset offset \(offset) does not match the line's byte position \(start)")
        }
        let lexFile = try r.decimal("lex_filenum", max: 99)
        let typeRange = try r.field("ss_type")
        let type: UInt8 = typeRange.count == 1 ? bytes[typeRange.lowerBound] : 0
        let isSatellite: Bool
        switch (pos, type) {
        case (.noun, 0x6E), (.verb, 0x76), (.adverb, 0x72), (.adjective, 0x61): isSatellite = false
        case (.adjective, 0x73): isSatellite = true
        default: throw r.fail("ss_type '\(r.text(typeRange))' does not belong in data.\(pos.fileSuffix)")
        }
        let wordCount = try r.hexadecimal("w_cnt", digits: 1...2)
        guard wordCount > 0 else { throw r.fail("w_cnt is 0; a synset needs at least one word") }
        var words: [SynsetWord] = []
        words.reserveCapacity(wordCount)
        for n in 1...wordCount {
            var wordRange = try r.field("word \(n) of \(wordCount)")
            var marker: AdjectiveMarker? = nil
            if pos == .adjective, bytes[wordRange.upperBound - 1] == 0x29 /* ) */ {
                for candidate in [AdjectiveMarker.predicate, .prenominal, .postnominal] {
                    let suffix = Array("(\(candidate.rawValue))".utf8)
                    if wordRange.count > suffix.count,
                       Array(bytes[(wordRange.upperBound - suffix.count)..<wordRange.upperBound]) == suffix {
                        marker = candidate
                        wordRange = wordRange.lowerBound..<(wordRange.upperBound - suffix.count)
                        break
                    }
                }
            }
            let lexID = try r.hexadecimal("lex_id of word \(n)", digits: 1...1)
            words.append(SynsetWord(lemma: r.spacedText(wordRange), lexIDByte: UInt8(lexID), marker: marker))
        }
        let pointerCount = try r.decimal("p_cnt", max: 999)
        var pointers: [Pointer] = []
        pointers.reserveCapacity(pointerCount)
        for n in stride(from: 1, through: pointerCount, by: 1) {
            let symbolRange = try r.field("pointer \(n) of \(pointerCount): symbol")
            guard let symbol = Pointer.code(forSymbol: bytes, symbolRange) else {
                throw r.fail("pointer \(n) of \(pointerCount): unknown pointer symbol '\(r.text(symbolRange))'")
            }
            let target = try r.decimal("pointer \(n) of \(pointerCount): synset offset")
            let posRange = try r.field("pointer \(n) of \(pointerCount): pos")
            guard posRange.count == 1, let targetPOS = PartOfSpeech(symbolByte: bytes[posRange.lowerBound]) else {
                throw r.fail("pointer \(n) of \(pointerCount): unknown pos '\(r.text(posRange))'")
            }
            let sourceTarget = try r.hexadecimal("pointer \(n) of \(pointerCount): source/target", digits: 4...4)
            let source = sourceTarget >> 8
            guard source <= wordCount else {
                throw r.fail("pointer \(n) of \(pointerCount): source word \(source), but the synset has \(wordCount) words")
            }
            pointers.append(Pointer(symbolCode: symbol, targetPOS: targetPOS, targetOffset: UInt32(target),
                                    source: UInt8(source), targetWordNumber: UInt8(sourceTarget & 0xFF)))
        }
        var frames: [VerbFrame] = []
        if pos == .verb {
            let frameCount = try r.decimal("f_cnt", max: 99)
            frames.reserveCapacity(frameCount)
            for n in stride(from: 1, through: frameCount, by: 1) {
                let plus = try r.field("verb frame \(n) of \(frameCount): '+'")
                guard plus.count == 1 && bytes[plus.lowerBound] == 0x2B else {
                    throw r.fail("verb frame \(n) of \(frameCount) should start with '+', found '\(r.text(plus))'")
                }
                let frame = try r.decimal("verb frame \(n) of \(frameCount): f_num", max: 99)
                let word = try r.hexadecimal("verb frame \(n) of \(frameCount): w_num", digits: 1...2)
                guard word <= wordCount else {
                    throw r.fail("verb frame \(n) of \(frameCount) refers to word \(word), but the synset has \(wordCount) words")
                }
                frames.append(VerbFrame(frame: frame, word: word))
            }
        }
        let bar = try r.field("'|' before the gloss")
        guard bar.count == 1 && bytes[bar.lowerBound] == 0x7C else {
            throw r.fail("expected '|' before the gloss, found '\(r.text(bar))' (wrong w_cnt or p_cnt?)")
        }
        var glossStart = bar.upperBound
        while glossStart < end && bytes[glossStart] == space { glossStart += 1 }
        var glossEnd = end
        while glossEnd > glossStart && bytes[glossEnd - 1] == space { glossEnd -= 1 }
        if let last = offsets.last, offset <= last {
            throw r.fail("synset offset \(offset) is not after the previous one (\(last))")
        }
        offsets.append(offset)
        synsets.append(Synset(id: SynsetID(pos: pos, offset: offset), lexFileNumber: lexFile,
                              isSatellite: isSatellite, words: words, pointers: pointers, frames: frames,
                              gloss: r.text(glossStart..<glossEnd)))
    }
    return (synsets, offsets)
}

// MARK: index.POS

func parseIndex(_ bytes: UnsafeBufferPointer<UInt8>, pos: PartOfSpeech,
                        path: String) throws -> ([String: POSTable.IndexSlot], [Int], [IndexLine]) {
    var index: [String: POSTable.IndexSlot] = [:]
    index.reserveCapacity(pos == .noun ? 118_000 : 22_000)
    var flat: [Int] = []
    flat.reserveCapacity(pos == .noun ? 147_000 : 30_000)
    var lines: [IndexLine] = []
    lines.reserveCapacity(index.capacity)
    let posByte = pos.rawValue.utf8.first!
    try forEachLine(bytes) { start, end, line in
        var r = FieldReader(bytes: bytes, position: start, end: end, path: path, line: line)
        let lemma = r.text(try r.field("lemma"))
        let posRange = try r.field("pos")
        guard posRange.count == 1 && bytes[posRange.lowerBound] == posByte else {
            throw r.fail("pos '\(r.text(posRange))' does not belong in index.\(pos.fileSuffix)")
        }
        let synsetCount = try r.decimal("synset_cnt", max: 9_999)
        guard synsetCount > 0 else { throw r.fail("synset_cnt is 0 for '\(lemma)'") }
        let pointerCount = try r.decimal("p_cnt", max: 99)
        for n in stride(from: 1, through: pointerCount, by: 1) {
            _ = try r.field("pointer symbol \(n) of \(pointerCount)")
        }
        let senseCount = try r.decimal("sense_cnt", max: 9_999)
        guard senseCount == synsetCount else {
            throw r.fail("sense_cnt \(senseCount) differs from synset_cnt \(synsetCount)")
        }
        let tagSenseCount = try r.decimal("tagsense_cnt", max: 9_999)
        let first = flat.count
        for n in stride(from: 1, through: synsetCount, by: 1) {
            flat.append(try r.decimal("synset offset \(n) of \(synsetCount)"))
        }
        guard r.atEnd else {
            throw r.fail("more fields than synset_cnt \(synsetCount) announces for '\(lemma)'")
        }
        let slot = POSTable.IndexSlot(start: Int32(first), count: Int32(synsetCount),
                                      tagSenseCount: Int32(tagSenseCount))
        if index.updateValue(slot, forKey: lemma) != nil { throw r.fail("duplicate lemma '\(lemma)'") }
        lines.append(IndexLine(start: Int32(first), count: Int32(synsetCount), line: Int32(line)))
    }
    return (index, flat, lines)
}

// MARK: POS.exc

func parseExceptions(_ bytes: UnsafeBufferPointer<UInt8>,
                             path: String) throws -> ([String: [String]], [String: [String]]) {
    var forward: [String: [String]] = [:]
    var reverse: [String: [String]] = [:]
    try forEachLine(bytes) { start, end, line in
        var r = FieldReader(bytes: bytes, position: start, end: end, path: path, line: line)
        let inflected = r.text(try r.field("inflected form"))
        var bases: [String] = []
        while !r.atEnd { bases.append(r.text(try r.field("base form"))) }
        guard !bases.isEmpty else {
            throw r.fail("exception entry '\(inflected)' has no base form")
        }
        forward[inflected, default: []].append(contentsOf: bases)
        for base in bases {   // identity entries (`gas gas`) stay: the plural equals the singular
            if !(reverse[base]?.contains(inflected) ?? false) { reverse[base, default: []].append(inflected) }
        }
    }
    return (forward, reverse)
}
