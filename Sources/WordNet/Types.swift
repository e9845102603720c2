// WordNet: the value types of the database (parts of speech, synsets, pointers, index entries)
// and the one error type.
import Foundation

/// A WordNet syntactic category. Adjective satellites (`s` in the data files) are adjectives here;
/// `Synset.isSatellite` keeps the distinction.
public enum PartOfSpeech: String, CaseIterable, Sendable, Hashable, Comparable, CustomStringConvertible {
    case noun = "n"
    case verb = "v"
    case adjective = "a"
    case adverb = "r"

    /// The suffix of this POS's database files: `data.noun`, `index.adj`, `verb.exc`, ...
    public var fileSuffix: String {
        switch self {
        case .noun: return "noun"
        case .verb: return "verb"
        case .adjective: return "adj"
        case .adverb: return "adv"
        }
    }

    public var description: String { fileSuffix }

    /// The POS for a one-letter WordNet symbol (`n`, `v`, `a`, `s`, `r`).
    public init?(symbol: String) {
        switch symbol {
        case "n": self = .noun
        case "v": self = .verb
        case "a", "s": self = .adjective
        case "r": self = .adverb
        default: return nil
        }
    }

    init?(symbolByte: UInt8) {
        switch symbolByte {
        case 0x6E: self = .noun          // n
        case 0x76: self = .verb          // v
        case 0x61, 0x73: self = .adjective  // a, s
        case 0x72: self = .adverb        // r
        default: return nil
        }
    }

    var order: Int {
        switch self {
        case .noun: return 0
        case .verb: return 1
        case .adjective: return 2
        case .adverb: return 3
        }
    }

    public static func < (lhs: PartOfSpeech, rhs: PartOfSpeech) -> Bool { lhs.order < rhs.order }
}

/// Identifies a synset: its POS and its byte offset in that POS's data file.
public struct SynsetID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let pos: PartOfSpeech
    public let offset: Int

    public init(pos: PartOfSpeech, offset: Int) {
        self.pos = pos
        self.offset = offset
    }

    /// `02084071-n`, the usual way to write a WordNet synset id.
    public var description: String {
        let digits = String(offset)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + "-" + pos.rawValue
    }

    public static func < (lhs: SynsetID, rhs: SynsetID) -> Bool {
        lhs.pos != rhs.pos ? lhs.pos < rhs.pos : lhs.offset < rhs.offset
    }
}

/// The syntactic marker some adjectives carry in data.adj: `(p)`, `(a)` or `(ip)`.
public enum AdjectiveMarker: String, Sendable, Hashable {
    case predicate = "p"      // predicate position only
    case prenominal = "a"     // attributive (before the noun) only
    case postnominal = "ip"   // immediately after the noun only
}

/// One word of a synset.
public struct SynsetWord: Hashable, Sendable {
    /// The word as the data file spells it, with `_` turned into spaces; case is kept
    /// (`Canis familiaris`), and an adjective marker is removed into `marker`.
    public let lemma: String
    let lexIDByte: UInt8
    public let marker: AdjectiveMarker?

    /// The lex id (0...15) that, with the lemma and the lexicographer file, identifies the sense.
    public var lexID: Int { Int(lexIDByte) }
}

/// A pointer (relation) from a synset or one of its words to another synset or word.
/// Stored in 8 bytes (WordNet 3.0 has about 380,000 pointers).
public struct Pointer: Hashable, Sendable {
    /// Every pointer symbol of wndb(5).
    static let symbols: [String] = [
        "!", "@", "@i", "~", "~i", "#m", "#s", "#p", "%m", "%s", "%p", "=", "+", ";c", "-c", ";r", "-r",
        ";u", "-u", "*", ">", "^", "$", "&", "<", "\\",
    ]
    private static let codes: [UInt16: UInt8] = {
        var codes: [UInt16: UInt8] = [:]
        for (i, symbol) in symbols.enumerated() {
            let b = Array(symbol.utf8)
            codes[UInt16(b[0]) << 8 | UInt16(b.count > 1 ? b[1] : 0)] = UInt8(i)
        }
        return codes
    }()

    static func code(forSymbol bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt8? {
        guard range.count == 1 || range.count == 2 else { return nil }
        let key = UInt16(bytes[range.lowerBound]) << 8 | UInt16(range.count == 2 ? bytes[range.lowerBound + 1] : 0)
        return codes[key]
    }

    let symbolCode: UInt8
    let targetPOS: PartOfSpeech
    let targetOffset: UInt32
    let source: UInt8
    let targetWordNumber: UInt8

    /// The pointer symbol as in wndb(5): `@` hypernym, `~` hyponym, `!` antonym, `&` similar to,
    /// `#m` member holonym, `+` derivationally related form, `;c` domain, ...
    public var symbol: String { Pointer.symbols[Int(symbolCode)] }
    public var target: SynsetID { SynsetID(pos: targetPOS, offset: Int(targetOffset)) }
    /// Word number (1-based) in the source synset; 0 when the pointer is semantic (whole synset).
    public var sourceWord: Int { Int(source) }
    /// Word number (1-based) in the target synset; 0 when the pointer is semantic.
    public var targetWord: Int { Int(targetWordNumber) }
    /// A lexical pointer relates two words; a semantic one relates two synsets.
    public var isLexical: Bool { source != 0 || targetWordNumber != 0 }
}

/// A generic verb frame (sentence pattern) of a verb synset.
public struct VerbFrame: Hashable, Sendable {
    /// The frame number (1...35) in WordNet's list of generic frames.
    public let frame: Int
    /// The word (1-based) the frame applies to, or 0 for all words of the synset.
    public let word: Int
}

/// A set of synonyms: one sense shared by its words.
public struct Synset: Hashable, Sendable {
    public let id: SynsetID
    /// The lexicographer file number (see WordNet's lexnames(5)), e.g. 5 = noun.animal.
    public let lexFileNumber: Int
    /// True for an adjective satellite (`s`), false for a head adjective and every other POS.
    public let isSatellite: Bool
    /// The words, in the order of the data file.
    public let words: [SynsetWord]
    public let pointers: [Pointer]
    /// Verb frames (verbs only; empty otherwise).
    public let frames: [VerbFrame]
    /// The gloss: a definition, often followed by `; "example sentences"`.
    public let gloss: String

    public var pos: PartOfSpeech { id.pos }
    public var offset: Int { id.offset }
    /// The lemmas of the words, in order (`dog`, `domestic dog`, `Canis familiaris`).
    public var lemmas: [String] { words.map(\.lemma) }
    /// The pointers with a given symbol, e.g. `pointers(withSymbol: "@")` for hypernyms.
    public func pointers(withSymbol symbol: String) -> [Pointer] { pointers.filter { $0.symbol == symbol } }
}

/// One line of an index file: a lemma of one POS and its synsets in sense order.
public struct IndexEntry: Hashable, Sendable {
    /// The lemma, lowercased as in the index, with `_` turned into spaces.
    public let lemma: String
    public let pos: PartOfSpeech
    /// Synset offsets in sense order (the most frequent sense, by the SemCor counts, first).
    public let synsetOffsets: [Int]
    /// How many of the senses are tagged in the semantic concordances.
    public let tagSenseCount: Int

    public var synsetIDs: [SynsetID] { synsetOffsets.map { SynsetID(pos: pos, offset: $0) } }
}

/// What can go wrong while loading a WordNet database. Every case prints as one line.
public enum WordNetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The database folder does not exist.
    case databaseNotFound(directory: String)
    /// The folder exists but a required file is not in it.
    case missingFile(path: String)
    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// A line that does not follow wndb(5). `line` is 1-based and counts the license header.
    case malformedLine(file: String, line: Int, reason: String)

    static let installHint = "install it with `apt-get install wordnet-base`, or set ROBUST_WORDNET_DIR to a WordNet 3.0 dict folder"

    public var description: String {
        switch self {
        case .databaseNotFound(let directory):
            return "WordNet database not found at \(directory); \(WordNetError.installHint)"
        case .missingFile(let path):
            return "WordNet file missing: \(path); \(WordNetError.installHint)"
        case .unreadableFile(let path, let reason):
            return "WordNet file unreadable: \(path): \(reason)"
        case .malformedLine(let file, let line, let reason):
            return "\(file):\(line): \(reason)"
        }
    }
}
