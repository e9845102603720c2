// UserFileReader: the user's own labelled data as CSV, TSV or JSONL.
import Foundation

public enum UserFileFormat: String, Sendable, CaseIterable {
    case csv, tsv, jsonl

    /// The format implied by a file name: .csv; .tsv/.tab; .jsonl/.ndjson. Nil for anything else.
    public static func guess(from url: URL) -> UserFileFormat? {
        switch url.pathExtension.lowercased() {
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        case "jsonl", "ndjson": return .jsonl
        default: return nil
        }
    }
}

/// How to read a user file: the format (nil: from the extension) and the columns (nil: auto-detect).
public struct UserFileOptions: Sendable, Equatable {
    public var format: UserFileFormat?
    public var textColumn: String?
    public var labelColumn: String?
    /// Unlabelled text: a label column is optional and its values are never read (every row's label is ""); the
    /// label column's name is "" when there is none.
    public var labelsOptional = false
    public init(format: UserFileFormat? = nil, textColumn: String? = nil, labelColumn: String? = nil, labelsOptional: Bool = false) {
        self.format = format
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.labelsOptional = labelsOptional
    }
}

/// What a user file held: the usable examples in file order, and the rows that were skipped.
public struct UserFileContents: Sendable {
    public var examples: [Example]
    public var format: UserFileFormat
    public var textColumn: String
    public var labelColumn: String
    /// Data rows seen (blank lines excluded), usable or not.
    public var rowsRead: Int
    /// 1-based line numbers of rows skipped for an empty (or whitespace-only) text.
    public var emptyTextLines: [Int]
    /// 1-based line numbers of rows skipped for a missing or empty label (text present).
    public var missingLabelLines: [Int]

    /// One line for the user, e.g. "read 120 rows: skipped 2 with empty text (lines 5, 9), 1 with no label (line 12)".
    public var skipReport: String {
        func lines(_ numbers: [Int]) -> String {
            let shown = numbers.prefix(5).map(String.init).joined(separator: ", ")
            let more = numbers.count > 5 ? ", …" : ""
            return numbers.count == 1 ? "line \(shown)" : "lines \(shown)\(more)"
        }
        var parts: [String] = []
        if !emptyTextLines.isEmpty { parts.append("\(emptyTextLines.count) with empty text (\(lines(emptyTextLines)))") }
        if !missingLabelLines.isEmpty { parts.append("\(missingLabelLines.count) with no label (\(lines(missingLabelLines)))") }
        let skipped = parts.isEmpty ? "none skipped" : "skipped " + parts.joined(separator: ", ")
        return "read \(rowsRead) rows: \(skipped)"
    }
}

public enum UserFileReader {
    /// Column names tried, in order, when no text column is given (compared case-insensitively).
    public static let textColumnCandidates = [
        "text", "sentence", "review", "content", "body", "message", "sms", "document", "question",
        "utterance", "comment", "tweet", "sentence1", "texts",
    ]
    /// Column names tried, in order, when no label column is given (compared case-insensitively).
    public static let labelColumnCandidates = [
        "label", "labels", "sentiment", "category", "class", "target", "polarity", "intent", "y",
        "label_text", "gold_label", "coarse_label",
    ]

    /// Reads a user file. Rows with an empty text or a missing label are skipped and counted;
    /// anything structurally wrong throws a `DatasetError` naming the file and line.
    public static func read(_ url: URL, options: UserFileOptions = .init()) throws -> UserFileContents {
        let name = url.path
        guard let format = options.format ?? UserFileFormat.guess(from: url) else {
            throw DatasetError(.unknownFormat, file: name,
                               "cannot tell the format from the extension \".\(url.pathExtension)\"; pass --format csv, tsv or jsonl")
        }
        return try parse(readBytes(url), format: format, file: name, options: options)
    }

    /// A user's file, whole: only a regular file (a FIFO would block and a device such as /dev/zero never end).
    public static func readBytes(_ url: URL) throws -> [UInt8] {
        let name = url.path
        var status = stat()
        guard stat(name, &status) == 0 else {
            throw DatasetError(.io, file: name, "cannot read: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            let kind = (status.st_mode & S_IFMT) == S_IFDIR ? "a folder" : (status.st_mode & S_IFMT) == S_IFIFO ? "a FIFO (named pipe)" : "a device or socket"
            throw DatasetError(.io, file: name, "is \(kind), not a regular file; save the data to a file first")
        }
        do { return [UInt8](try Data(contentsOf: url)) } catch {
            throw DatasetError(.io, file: name, "cannot read: \(error.localizedDescription)")
        }
    }

    /// Parses bytes already in memory; `file` is only used in messages.
    public static func parse(_ raw: [UInt8], format: UserFileFormat, file: String,
                             options: UserFileOptions = .init()) throws -> UserFileContents {
        let bytes = UTF8Check.strippingBOM(raw)
        guard bytes.contains(where: { !isASCIIWhitespace($0) }) else {
            throw DatasetError(.emptyFile, file: file, line: 1, "the file is empty")
        }
        try UTF8Check.validate(bytes, file: file)
        var contents: UserFileContents
        switch format {
        case .csv: contents = try parseDelimited(bytes, delimiter: UInt8(ascii: ","), format: format, file: file, options: options)
        case .tsv: contents = try parseDelimited(bytes, delimiter: UInt8(ascii: "\t"), format: format, file: file, options: options)
        case .jsonl: contents = try parseJSONLines(bytes, file: file, options: options)
        }
        try checkUsable(contents, file: file, labelsOptional: options.labelsOptional)
        return contents
    }

    // MARK: - CSV / TSV

    private static func parseDelimited(_ bytes: [UInt8], delimiter: UInt8, format: UserFileFormat, file: String,
                                       options: UserFileOptions) throws -> UserFileContents {
        var parser = DelimitedParser(bytes: bytes, delimiter: delimiter, file: file)
        var header: DelimitedRecord?
        while let record = try parser.next() {
            if !record.isBlank { header = record; break }
        }
        guard let header else { throw DatasetError(.emptyFile, file: file, line: 1, "the file is empty") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let textIndex = try column(options.textColumn, candidates: textColumnCandidates, role: "text",
                                   option: "--text-column", in: names, file: file, line: header.line)
        let labelIndex: Int?
        do {
            labelIndex = try column(options.labelColumn, candidates: labelColumnCandidates, role: "label",
                                    option: "--label-column", in: names, file: file, line: header.line)
        } catch let error as DatasetError where options.labelsOptional && options.labelColumn == nil && error.kind == .missingColumn {
            labelIndex = nil
        }
        guard textIndex != labelIndex else {
            throw DatasetError(.missingColumn, file: file, line: header.line,
                               "the text and label columns are both \"\(names[textIndex])\"")
        }
        var contents = UserFileContents(examples: [], format: format, textColumn: names[textIndex],
                                        labelColumn: labelIndex.map { names[$0] } ?? "", rowsRead: 0, emptyTextLines: [],
                                        missingLabelLines: [])
        while let record = try parser.next() {
            if record.isBlank { continue }
            guard record.fields.count == names.count else {
                throw DatasetError(.raggedRow, file: file, line: record.line,
                                   "\(record.fields.count) field\(record.fields.count == 1 ? "" : "s"), but the header (line \(header.line)) has \(names.count) columns")
            }
            let label = options.labelsOptional ? nil : labelIndex.map { record.fields[$0] }
            try add(text: record.fields[textIndex], label: label ?? "", line: record.line, file: file,
                    labelsOptional: options.labelsOptional, to: &contents)
        }
        return contents
    }

    private static func column(_ requested: String?, candidates: [String], role: String, option: String,
                               in names: [String], file: String, line: Int) throws -> Int {
        // At most 10 names of at most 40 characters: a file whose line ends were not recognised has one
        // giant header, and the message must stay a line.
        let shownNames = names.prefix(10).map { name -> String in
            "\"\(name.count > 40 ? String(name.prefix(40)) + "…" : name)\""
        }.joined(separator: ", ") + (names.count > 10 ? ", … (\(names.count) columns)" : "")
        if let requested {
            if let exact = names.firstIndex(of: requested) { return exact }
            if let loose = names.firstIndex(where: { $0.lowercased() == requested.lowercased() }) { return loose }
            throw DatasetError(.missingColumn, file: file, line: line,
                               "no column \"\(requested)\" (\(option)); the header has \(shownNames)")
        }
        for candidate in candidates {
            if let index = names.firstIndex(where: { $0.lowercased() == candidate }) { return index }
        }
        throw DatasetError(.missingColumn, file: file, line: line,
                           "no \(role) column: the header has \(shownNames), none of \(candidates.joined(separator: ", ")); pass \(option)")
    }

    // MARK: - JSONL

    private static func parseJSONLines(_ bytes: [UInt8], file: String, options: UserFileOptions) throws -> UserFileContents {
        var contents = UserFileContents(examples: [], format: .jsonl, textColumn: "", labelColumn: "", rowsRead: 0,
                                        emptyTextLines: [], missingLabelLines: [])
        var columns: (text: String, label: String)?
        let decoder = JSONDecoder()
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let next = end + 1
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let slice = bytes[start..<end]
            start = next
            if slice.allSatisfy(isASCIIWhitespace) { continue }
            let object: [String: JSONScalar]
            do {
                object = try decoder.decode([String: JSONScalar].self, from: Data(slice))
            } catch {
                let trimmed = slice.first(where: { !isASCIIWhitespace($0) })
                let problem = trimmed == UInt8(ascii: "{") ? "invalid JSON" : "not a JSON object (each line must be {\"text\": …, \"label\": …})"
                throw DatasetError(.invalidJSON, file: file, line: lineNumber, problem)
            }
            if columns == nil {
                let keys = object.keys.sorted()
                let text = try column(options.textColumn, candidates: textColumnCandidates, role: "text",
                                      option: "--text-column", in: keys, file: file, line: lineNumber)
                var label: Int?
                do {
                    label = try column(options.labelColumn, candidates: labelColumnCandidates, role: "label",
                                       option: "--label-column", in: keys, file: file, line: lineNumber)
                } catch let error as DatasetError where options.labelsOptional && options.labelColumn == nil && error.kind == .missingColumn {
                    label = nil
                }
                guard text != label else {
                    throw DatasetError(.missingColumn, file: file, line: lineNumber,
                                       "the text and label keys are both \"\(keys[text])\"")
                }
                columns = (keys[text], label.map { keys[$0] } ?? "")
                contents.textColumn = keys[text]
                contents.labelColumn = label.map { keys[$0] } ?? ""
            }
            guard let columns else { continue }
            let text = object[columns.text]
            // Unlabelled text ignores its labels, whatever they hold.
            let label = columns.label.isEmpty || options.labelsOptional ? nil : object[columns.label]
            if let problem = text?.problem {
                throw DatasetError(.invalidRecord, file: file, line: lineNumber, "\"\(columns.text)\" must be a string, not \(problem)")
            }
            if let problem = label?.problem {
                throw DatasetError(.invalidRecord, file: file, line: lineNumber, "\"\(columns.label)\" must be a string or number, not \(problem)")
            }
            try add(text: text?.stringValue ?? "", label: label?.stringValue ?? "", line: lineNumber, file: file,
                    labelsOptional: options.labelsOptional, to: &contents)
        }
        if columns == nil { throw DatasetError(.emptyFile, file: file, line: 1, "the file is empty") }
        return contents
    }

    // MARK: - Shared

    private static func add(text rawText: String, label rawLabel: String, line: Int, file: String,
                            labelsOptional: Bool = false, to contents: inout UserFileContents) throws {
        contents.rowsRead += 1
        let text = TextNormalizer.normalize(rawText)
        let label = rawLabel.trimmingCharacters(in: .whitespacesAndNewlines)
        // A NUL or other control character makes a class that prints like another one.
        if let control = label.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw DatasetError(.invalidRecord, file: file, line: line,
                               String(format: "the label holds a control character (U+%04X); labels must be printable", control.value))
        }
        if text.isEmpty {
            contents.emptyTextLines.append(line)
        } else if label.isEmpty && !labelsOptional {
            contents.missingLabelLines.append(line)
        } else {
            contents.examples.append(Example(text: text, label: label))
        }
    }

    private static func checkUsable(_ contents: UserFileContents, file: String, labelsOptional: Bool) throws {
        guard contents.rowsRead > 0 else {
            throw DatasetError(.noUsableRows, file: file, "no data rows, only a header")
        }
        guard !contents.examples.isEmpty else {
            throw DatasetError(.noUsableRows, file: file, "no usable rows: \(contents.skipReport)")
        }
        let labels = Set(contents.examples.map(\.label))
        if !labelsOptional, labels.count < 2, let only = labels.first {
            throw DatasetError(.singleClass, file: file,
                               "every usable row has the label \"\(only)\" (\(contents.examples.count) rows, column \"\(contents.labelColumn)\"); a classifier needs at least two classes")
        }
    }

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }
}

/// A JSON value as a JSONL cell: strings, numbers and booleans become label/text strings.
enum JSONScalar: Decodable {
    case string(String), int(Int), double(Double), bool(Bool), null
    /// An array or object, or a value Foundation cannot represent: a number out of range (`1e999`) or
    /// a string with a lone surrogate escape (`"\ud800"`).
    case array, object, unreadable

    private struct Skip: Decodable { init(from decoder: Decoder) throws {} }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let value = try? container.decode(String.self) { self = .string(value); return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Int.self) { self = .int(value); return }
        if let value = try? container.decode(Double.self) { self = .double(value); return }
        if (try? container.decode([Skip].self)) != nil { self = .array; return }
        if (try? container.decode([String: Skip].self)) != nil { self = .object; return }
        self = .unreadable
    }

    /// Why the value cannot be a cell, or nil when it can.
    var problem: String? {
        switch self {
        case .array: return "an array"
        case .object: return "an object"
        case .unreadable: return "a value that cannot be read (a number out of range such as 1e999, or a string with a lone surrogate escape such as \\ud800)"
        default: return nil
        }
    }

    var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .int(let value): return String(value)
        case .double(let value): return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null, .array, .object, .unreadable: return nil
        }
    }
}
