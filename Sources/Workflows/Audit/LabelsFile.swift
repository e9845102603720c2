// LabelsFile: reading a filled labelling sheet (labels.csv, or the CSV labels.html downloads) into rows of
// answers, checking its form only: UTF-8, CSV syntax (Datasets' `DelimitedParser`), the header's
// columns, ids that are numbers, answers that are yes or no. Whether the rows match the results store is
// `HumanLabelImport`'s job. The format is Reports' `LabellingSheet` (columns, guard, fingerprint).
//
// Every problem is one line `FILE:ROW: reason`, ROW counting records as a spreadsheet shows them: the
// header is row 1, the first pair row 2 (a text with line breaks inside its quotes is still one row).
import Basics
import Datasets
import Foundation
import Reports

/// One row of a filled sheet, its fields read and unguarded.
public struct FilledLabelRow: Sendable, Equatable {
    /// The row's number as a spreadsheet shows it (the header is row 1).
    public var row: Int
    public var run: Int64
    public var recipe: String
    public var exampleIndex: Int
    public var fingerprint: String
    public var original: String
    public var adversarial: String
    /// nil: not answered.
    public var sameLabel: Bool?
    public var natural: Bool?
    /// nil when blank.
    public var note: String?
    /// The annotator column's value; nil when the sheet has no such column or the cell is blank.
    public var annotator: String?
}

public enum LabelsFile {
    /// Filled sheets are read whole; this is far above any sheet a person fills in.
    public static let limit = FileLimits.Kind("labelling sheet", maxBytes: 256 << 20)

    /// Reads and checks the sheet at `path` (named `path` in messages).
    public static func read(path: String) throws -> [FilledLabelRow] {
        let data: Data
        do { data = try FileLimits.read(URL(fileURLWithPath: path), as: limit) } catch {
            throw UserError(UserError.oneLine(String(describing: error)))
        }
        return try parse([UInt8](data), file: path)
    }

    /// Parses a sheet's bytes; `file` names it in messages.
    public static func parse(_ raw: [UInt8], file: String) throws -> [FilledLabelRow] {
        let bytes = UTF8Check.strippingBOM(raw)
        func fail(_ row: Int, _ reason: String) -> UserError { UserError("\(file):\(row): \(reason)") }
        guard bytes.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            throw fail(1, "the file is empty; a labelling sheet starts with the header \(LabellingSheet.columns.joined(separator: ","))")
        }
        do { try UTF8Check.validate(bytes, file: file) } catch let error as DatasetError {
            throw fail(row(ofLine: error.line ?? 1, in: bytes, file: file), error.message)
        }
        var records: [DelimitedRecord] = []
        var parser = DelimitedParser(bytes: bytes, delimiter: UInt8(ascii: ","), file: file)
        while true {
            do {
                guard let record = try parser.next() else { break }
                records.append(record)
            } catch let error as DatasetError {
                throw fail(records.count + 1, error.message)
            }
        }
        // Blank lines before the header are not the header (they still count as rows).
        var skipped = 0
        while let first = records.first, first.isBlank {
            records.removeFirst()
            skipped += 1
        }
        guard let header = records.first else { throw fail(1, "the file is empty") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var columns: [String: Int] = [:]
        for (index, name) in names.enumerated() where !name.isEmpty {
            guard columns[name] == nil else { throw fail(skipped + 1, "the header names column '\(name)' twice") }
            columns[name] = index
        }
        let missing = LabellingSheet.requiredColumns.filter { columns[$0] == nil }
        guard missing.isEmpty else {
            throw fail(skipped + 1, "the header lacks the column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) (a labelling sheet has \(LabellingSheet.columns.joined(separator: ",")))")
        }
        var rows: [FilledLabelRow] = []
        for (offset, record) in records.enumerated().dropFirst() where !record.isBlank {
            let number = skipped + offset + 1
            guard record.fields.count == names.count else {
                throw fail(number, "\(record.fields.count) field\(record.fields.count == 1 ? "" : "s"), but the header has \(names.count)")
            }
            func cell(_ name: String) -> String? {
                guard let index = columns[name] else { return nil }
                let value = record.fields[index]
                return LabellingSheet.guardedColumns.contains(name) ? LabellingSheet.unguardCell(value) : value
            }
            // Required columns are present (checked above), so these cells exist.
            let runText = (cell("run") ?? "").trimmingCharacters(in: .whitespaces)
            guard let run = Int64(runText), run > 0 else { throw fail(number, "run '\(runText)' is not a run id") }
            let indexText = (cell("example_index") ?? "").trimmingCharacters(in: .whitespaces)
            guard let index = Int(indexText), index >= 0 else {
                throw fail(number, "example_index '\(indexText)' is not an example index (a whole number, 0 or more)")
            }
            let sameLabel = try answer(cell("same_label") ?? "", column: "same_label", row: number, file: file)
            let natural = try answer(cell("natural") ?? "", column: "natural", row: number, file: file)
            let note = cell("note").flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
            let annotator = cell("annotator").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            rows.append(FilledLabelRow(row: number, run: run, recipe: cell("recipe") ?? "", exampleIndex: index,
                                       fingerprint: (cell("fingerprint") ?? "").trimmingCharacters(in: .whitespaces),
                                       original: cell("original") ?? "", adversarial: cell("adversarial") ?? "",
                                       sameLabel: sameLabel, natural: natural, note: note, annotator: annotator))
        }
        guard !rows.isEmpty else { throw fail(skipped + records.count + 1, "the sheet has a header but no rows") }
        return rows
    }

    /// yes/no/y/n/true/false/1/0 in any case (surrounding spaces ignored), or blank for not answered.
    public static func answer(_ text: String) -> Bool?? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "": return .some(nil)
        case "yes", "y", "true", "1": return true
        case "no", "n", "false", "0": return false
        default: return nil
        }
    }

    static func answer(_ text: String, column: String, row: Int, file: String) throws -> Bool? {
        guard let value = answer(text) else {
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            throw UserError("\(file):\(row): \(column) '\(UserError.oneLine(shown))' is not an answer (use yes, no, y, n, true, false, 1 or 0, or leave it blank)")
        }
        return value
    }

    /// The spreadsheet row holding physical line `line`: the records are parsed with malformed UTF-8
    /// replaced, and the row is the last one starting at or before the line (the line itself when even
    /// that parse fails).
    static func row(ofLine line: Int, in bytes: [UInt8], file: String) -> Int {
        let repaired = Array(String(decoding: bytes, as: UTF8.self).utf8)
        var parser = DelimitedParser(bytes: repaired, delimiter: UInt8(ascii: ","), file: file)
        var row = 0
        while let record = try? parser.next() {
            guard record.line <= line else { break }
            row += 1
        }
        return max(row, 1)
    }
}
