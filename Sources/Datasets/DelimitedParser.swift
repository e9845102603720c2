// DelimitedParser: a strict, linear-time CSV/TSV record reader over bytes that knows line numbers.
//
// Rules (RFC 4180 plus what Python's csv and pandas write):
//   - records end with LF, CRLF or a lone CR (old Mac files; Python's csv reads them the same); the
//     last one may lack a line end;
//   - a field that starts with `"` is quoted: it runs to the next lone `"`, may hold delimiters,
//     newlines and doubled quotes (`""` → `"`), and must be followed by a delimiter, a line end or
//     the end of the file (anything else is an error: it is how broken files show themselves);
//   - a `"` inside an unquoted field is an ordinary character;
//   - the same rules hold for TSV (tab delimiter), as Python's csv writes it.
// The input must already be valid UTF-8 (`UTF8Check`), so fields decode without loss.
// Public for the other readers of CSV files robust wrote (Workflows' labelling-sheet import).
import Foundation

public struct DelimitedRecord: Sendable {
    /// Physical line (1-based) where the record starts.
    public let line: Int
    public let fields: [String]
    /// An empty or whitespace-only line (one unquoted field).
    public let isBlank: Bool
}

public struct DelimitedParser {
    private let bytes: [UInt8]
    private let delimiter: UInt8
    private let file: String
    private var position: Int
    private var line = 1
    private var scratch: [UInt8] = []

    private static let quote = UInt8(ascii: "\"")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// `bytes` with any UTF-8 byte order mark already removed (see `UTF8Check.strippingBOM`).
    public init(bytes: [UInt8], delimiter: UInt8, file: String) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.file = file
        self.position = 0
    }

    /// The next record, or nil at the end of the input.
    public mutating func next() throws -> DelimitedRecord? {
        guard position < bytes.count else { return nil }
        let recordLine = line
        var fields: [String] = []
        var sawQuoted = false
        while true {
            let (field, quoted) = try readField()
            sawQuoted = sawQuoted || quoted
            fields.append(field)
            if position >= bytes.count { break }
            let byte = bytes[position]
            if byte == delimiter {
                position += 1
                if position >= bytes.count { fields.append(""); break }   // trailing delimiter at EOF
                continue
            }
            if byte == DelimitedParser.newline {
                position += 1
                line += 1
                break
            }
            if byte == DelimitedParser.carriageReturn {
                let crlf = position + 1 < bytes.count && bytes[position + 1] == DelimitedParser.newline
                position += crlf ? 2 : 1
                line += 1
                break
            }
            // Only reachable after a quoted field: text between the closing quote and the delimiter.
            throw DatasetError(.textAfterQuote, file: file, line: line,
                               "field \(fields.count) has text after its closing quote (a stray \" inside a quoted field must be doubled as \"\")")
        }
        let blank = !sawQuoted && fields.count == 1 && fields[0].allSatisfy(\.isWhitespace)
        return DelimitedRecord(line: recordLine, fields: fields, isBlank: blank)
    }

    /// Reads one field starting at `position`, leaving `position` on the delimiter, line end or EOF.
    private mutating func readField() throws -> (String, Bool) {
        if position < bytes.count, bytes[position] == DelimitedParser.quote {
            let openingLine = line
            position += 1
            scratch.removeAll(keepingCapacity: true)
            while true {
                let runStart = position
                while position < bytes.count, bytes[position] != DelimitedParser.quote {
                    if bytes[position] == DelimitedParser.newline { line += 1 }
                    position += 1
                }
                scratch.append(contentsOf: bytes[runStart..<position])
                guard position < bytes.count else {
                    throw DatasetError(.unterminatedQuote, file: file, line: openingLine,
                                       "a quoted field starts here but its closing quote never comes (end of file reached)")
                }
                // On a quote: doubled means a literal quote, else the field ends.
                if position + 1 < bytes.count, bytes[position + 1] == DelimitedParser.quote {
                    scratch.append(DelimitedParser.quote)
                    position += 2
                    continue
                }
                position += 1
                return (String(decoding: scratch, as: UTF8.self), true)
            }
        }
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == delimiter || byte == DelimitedParser.newline || byte == DelimitedParser.carriageReturn { break }
            position += 1
        }
        return (String(decoding: bytes[start..<position], as: UTF8.self), false)
    }
}

public enum UTF8Check {
    /// The bytes without a leading UTF-8 byte order mark.
    public static func strippingBOM(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return Array(bytes[3...]) }
        return bytes
    }

    /// Throws `.invalidUTF8` naming the line of the first malformed sequence.
    public static func validate(_ bytes: [UInt8], file: String) throws {
        var index = 0
        var line = 1
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead == 0x0A { line += 1 }
                index += 1
                continue
            }
            var need = 0
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: need = -1
            }
            var valid = need > 0 && index + need < count
            if valid {
                for offset in 1...need {
                    let byte = bytes[index + offset]
                    let (lo, hi): (UInt8, UInt8) = offset == 1 ? (lower, upper) : (0x80, 0xBF)
                    if byte < lo || byte > hi { valid = false; break }
                }
            }
            guard valid else {
                throw DatasetError(.invalidUTF8, file: file, line: line,
                                   String(format: "invalid UTF-8 (a malformed sequence starting with byte 0x%02X at byte offset %d); save the file as UTF-8", lead, index))
            }
            index += need + 1
        }
    }
}
