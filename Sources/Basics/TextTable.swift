// TextTable: a plain-text table for terminals — columns padded to their widest cell (ANSI colour codes
// not counted), two spaces apart.
import Foundation

public enum TextTable {
    public static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = [], indent: String = "") -> String {
        var widths = header.map(visibleWidth)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], visibleWidth(cell)) } }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, cell -> String in
                let pad = String(repeating: " ", count: max(0, (i < widths.count ? widths[i] : 0) - visibleWidth(cell)))
                if rightAligned.contains(i) { return pad + cell }
                return i == cells.count - 1 ? cell : cell + pad
            }
            return indent + padded.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// Characters on screen, not counting ANSI escape sequences.
    public static func visibleWidth(_ text: String) -> Int {
        var count = 0, inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape { if scalar == "m" { inEscape = false }; continue }
            if scalar == "\u{1B}" { inEscape = true; continue }
            count += 1
        }
        return count
    }
}
