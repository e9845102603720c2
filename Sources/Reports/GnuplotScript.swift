// GnuplotScript: writes a figure as a gnuplot script plus its data file, both meant to be read and
// edited by people. Every string from the database goes into the script single-quoted (where gnuplot
// expands no backquotes or macros) with the terminal in `noenhanced` mode (no markup in labels).
import Basics
import Foundation

public enum GnuplotScript {
    /// The colour-blind-safe Okabe–Ito palette (without its yellow, which is unreadable on white).
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]

    /// PNG size in pixels and font size in points, and the SVG's (scalable) size and font: chosen so the
    /// text reads like body text when the image is shown about 900 pixels wide.
    public static let pngSize = (width: 1500, height: 950)
    public static let pngFont = (text: 20, title: 24, valueLabels: 17)
    public static let svgSize = (width: 960, height: 600)
    public static let svgFont = (text: 14, title: 17, valueLabels: 12)

    public struct Files: Sendable, Equatable {
        /// `NAME.gp`
        public var scriptName: String
        public var script: String
        /// `NAME.dat`
        public var dataName: String
        public var data: String
    }

    /// The script and data of `figure`, rendering to each of `formats` (as NAME.png / NAME.svg).
    public static func render(_ figure: Figure, formats: [FigureFormat], generator: String = "robust") -> Files {
        let dataName = figure.name + ".dat"
        let scriptName = figure.name + ".gp"
        var script: [String] = []
        script.append("# \(scriptName): \(UserError.oneLine(figure.title))")
        script.append("# Written by \(UserError.oneLine(generator)) (robust report). Redraw with `gnuplot \(scriptName)` in this folder;")
        script.append("# edit freely. Data: \(dataName), one block per series (`index N` selects block N).")
        script.append("reset")
        script.append("set encoding utf8")
        script.append("set title \(quote(figure.title))")
        script.append("set xlabel \(quote(figure.xLabel))")
        script.append("set ylabel \(quote(figure.yLabel))")
        script.append("set key below center horizontal maxrows 4 spacing 1.2 samplen 3 height 0.6")
        script.append("set grid back lc rgb '#dddddd' lw 1")
        script.append("set border 3 lw 1.2")
        script.append("set tics nomirror out")
        script.append("set offsets 0, 0, 0, 0")
        var plot: [String] = []
        switch figure.kind {
        case let .bars(groups):
            let count = max(figure.series.count, 1)
            let width = 0.8 / Double(count)
            let xtics = groups.enumerated().map { "\(quote($0.element)) \($0.offset)" }.joined(separator: ", ")
            script.append("set xtics (\(xtics))")
            if groups.count > 5 || groups.contains(where: { $0.count > 14 }) { script.append("set xtics rotate by 30 right") }
            script.append("set xrange [-0.6:\(format(Double(groups.count) - 0.4))]")
            script.append("set yrange [0:112]")
            script.append("set ytics 0, 10, 100")
            script.append("set grid noxtics ytics")
            script.append("set boxwidth \(format(width * 0.92)) absolute")
            script.append("set style fill solid 0.85 border lc rgb '#333333'")
            script.append("valuefont = ',12'   # the value labels' font (each terminal below sets its own)")
            // Value labels only while they fit above their bars.
            let labels = groups.count * count <= 24
            let digits = groups.count * count > 10 ? 0 : 1   // crowded bars get whole numbers
            for (s, series) in figure.series.enumerated() {
                let colour = colourOf(series)
                plot.append("\(quote(dataName)) index \(s) using 1:2 with boxes lc rgb '\(colour)' title \(quote(series.title))")
                // The error bar: a vector from low (column 3) to high (column 4) with flat heads.
                plot.append("\(quote(dataName)) index \(s) using 1:3:(0):($4 - $3) with vectors heads size screen 0.01,90 lc rgb '#333333' lw 1.5 notitle")
                if labels {
                    plot.append("\(quote(dataName)) index \(s) using 1:($4 + 1.5):(sprintf('%.\(digits)f', $2)) with labels center offset 0, 0.6 font valuefont notitle")
                }
            }
        case .lines, .steps:
            if figure.xFromZero { script.append("set xrange [0:*]") }
            let low = figure.yRange.low.map(format) ?? "*", high = figure.yRange.high.map(format) ?? "*"
            if figure.yRange.low != nil || figure.yRange.high != nil { script.append("set yrange [\(low):\(high)]") }
            for (s, series) in figure.series.enumerated() {
                let style = "lc rgb '\(colourOf(series))' dt \(max(1, series.dash)) lw 2.5"
                if figure.kind == .steps {
                    plot.append("\(quote(dataName)) index \(s) using 1:2 with steps \(style) title \(quote(series.title))")
                } else if series.markers {
                    plot.append("\(quote(dataName)) index \(s) using 1:2 with linespoints \(style) pt \(pointType(s)) ps 1.3 title \(quote(series.title))")
                } else {
                    plot.append("\(quote(dataName)) index \(s) using 1:2 with lines \(style) title \(quote(series.title))")
                }
            }
        }
        let plotCommand = "plot " + plot.joined(separator: ", \\\n     ")
        for (i, format) in formats.enumerated() {
            script.append("")
            switch format {
            case .png:
                script.append("set terminal pngcairo size \(pngSize.width),\(pngSize.height) font 'Sans,\(pngFont.text)' noenhanced linewidth 1.4 background '#ffffff'")
                script.append("set title font ',\(pngFont.title)'")
                if case .bars = figure.kind { script.append("valuefont = ',\(pngFont.valueLabels)'") }
            case .svg:
                script.append("set terminal svg size \(svgSize.width),\(svgSize.height) font 'Sans,\(svgFont.text)' noenhanced dynamic background '#ffffff'")
                script.append("set title font ',\(svgFont.title)'")
                if case .bars = figure.kind { script.append("valuefont = ',\(svgFont.valueLabels)'") }
            }
            script.append("set output \(quote(figure.name + "." + format.rawValue))")
            script.append(i == 0 ? plotCommand : "replot")
        }
        if formats.isEmpty {
            script.append("")
            script.append("# No image format was asked for; set a terminal and output here to draw:")
            script.append("# " + plotCommand.replacingOccurrences(of: "\n", with: "\n# "))
        } else {
            script.append("unset output")
        }
        return Files(scriptName: scriptName, script: script.joined(separator: "\n") + "\n", dataName: dataName,
                     data: dataFile(figure, scriptName: scriptName))
    }

    static func dataFile(_ figure: Figure, scriptName: String) -> String {
        var lines: [String] = []
        lines.append("# \(figure.name).dat: data of \(scriptName) (\(UserError.oneLine(figure.title)))")
        switch figure.kind {
        case let .bars(groups):
            let count = max(figure.series.count, 1)
            let width = 0.8 / Double(count)
            lines.append("# columns: x (bar position: group + offset), value, low, high (95% interval) — \(UserError.oneLine(figure.yLabel))")
            lines.append("# groups: " + groups.enumerated().map { "\($0.offset) = \(UserError.oneLine($0.element))" }.joined(separator: ", "))
            for (s, series) in figure.series.enumerated() {
                if s > 0 { lines += ["", ""] }
                lines.append("# index \(s): \(UserError.oneLine(series.title))")
                let offset = (Double(s) - Double(count - 1) / 2) * width
                for point in series.points {
                    let group = Int(point.x)
                    let name = group < groups.count ? UserError.oneLine(groups[group]) : "?"
                    lines.append("# \(name)")
                    lines.append([point.x + offset, point.y, point.low ?? point.y, point.high ?? point.y].map(format).joined(separator: " "))
                }
                if series.points.isEmpty { lines.append("# (no values)") }
            }
        case .lines, .steps:
            lines.append("# columns: x — \(UserError.oneLine(figure.xLabel)); y — \(UserError.oneLine(figure.yLabel))")
            for (s, series) in figure.series.enumerated() {
                if s > 0 { lines += ["", ""] }
                lines.append("# index \(s): \(UserError.oneLine(series.title))")
                for point in series.points { lines.append("\(format(point.x)) \(format(point.y))") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` as a gnuplot single-quoted string, on one line. Inside single quotes gnuplot performs no
    /// backquote (shell) substitution, no macro (@) expansion and no escape processing. An apostrophe
    /// becomes U+2019 (’): gnuplot 5.4's scanner misreads two doubled quotes in a row.
    public static func quote(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { scalar -> Character in
            if scalar == "'" { return "\u{2019}" }
            return CharacterSet.controlCharacters.contains(scalar) || CharacterSet.newlines.contains(scalar) ? " " : Character(scalar)
        })
        return "'" + cleaned + "'"
    }

    /// A number for a data file or script: 10 significant digits (enough for any plot, and free of
    /// binary noise such as 60.00000000000001), never NaN or infinite.
    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let text = String(format: "%.10g", x)
        return text == "-0" ? "0" : text
    }

    static func colourOf(_ series: Series) -> String { palette[((series.colour % palette.count) + palette.count) % palette.count] }

    /// Filled circle, square, triangle, diamond, inverted triangle, pentagon.
    static func pointType(_ index: Int) -> Int { [7, 5, 9, 13, 11, 15][index % 6] }
}
