// MarkdownReport: report.md — the tables, the figures (linked images beside it) and the sample
// adversarial examples, in GitHub-flavoured Markdown. Every stored string is escaped, so text from
// the database can neither break a table nor inject HTML.
import Analysis
import Foundation
import Results

/// A figure as the reports show it: what it is, and which of its images exist.
public struct RenderedFigure: Sendable {
    public var figure: Figure
    public var scriptName: String
    public var dataName: String
    /// The image files written for it (empty when gnuplot did not run or failed on it).
    public var images: [FigureFormat: Data]
    /// Why it has no images (nil when it has them).
    public var missingReason: String?
}

/// Facts about the report as a whole, shown in its header and "Reproduce" section.
public struct ReportContext: Sendable {
    public var generator: String
    public var generatedAt: Date
    public var databasePath: String
    public var commandLine: String?
    /// The formats asked for, in order (report.md links to the first one rendered).
    public var formats: [FigureFormat]
    /// A one-line warning about figures (gnuplot missing or failing), shown at the top.
    public var figureWarning: String?
}

public enum MarkdownReport {
    public static func render(_ content: ReportContent, figures: [RenderedFigure], context: ReportContext) -> String {
        var out: [String] = []
        out.append("# " + escape(content.title))
        out.append("")
        out.append("Generated \(ReportContent.utcMinute(context.generatedAt)) UTC by \(escape(context.generator)) from the results database \(escape(context.databasePath)).")
        var warnings = content.notes
        if let warning = context.figureWarning { warnings.insert(warning, at: 0) }
        for warning in warnings {
            out.append("")
            out.append("> **Warning:** " + escape(warning))
        }

        out.append("")
        out.append("## Runs")
        out.append("")
        out.append(table(content.runs))
        out.append("")
        for line in content.provenance { out.append("- " + escape(line)) }

        if let attacks = content.attacks {
            out.append("")
            out.append("## Attack results")
            out.append("")
            out.append("Accuracies are over all examples (those the model already got wrong count as wrong), with 95% bootstrap intervals in parentheses. The success rate is over the attacked examples; *words changed* is the mean share of words that successful attacks changed, *queries* the mean model queries per attacked example, *similarity* the mean sentence similarity of successful adversarial texts.")
            out.append("")
            out.append(table(attacks))
        }
        if let validity = content.validity {
            out.append("")
            out.append("## Validity of the successful attacks")
            out.append("")
            out.append(escape(ReportContent.validityExplanation))
            out.append("")
            out.append(table(validity))
        }
        if let pairs = content.beforeAfter {
            out.append("")
            out.append("## Before and after retraining")
            out.append("")
            out.append("Each retrained (after) run against its parent (before) run, on the same examples with the same recipes and seed. *Training* says whether the retraining used that attack, used an attack sharing its transformations, or never saw it; only the last is an honest measure of robustness gained in general. The interval is a paired bootstrap of the per-example change; McNemar's exact test is on the same pairs.")
            out.append("")
            out.append(table(pairs))
        }
        if let training = content.training {
            out.append("")
            out.append("## Training")
            out.append("")
            out.append(table(training))
        }
        if let other = content.otherMetrics {
            out.append("")
            out.append("## Other metrics")
            out.append("")
            out.append(table(other))
        }

        if !figures.isEmpty {
            out.append("")
            out.append("## Figures")
            for rendered in figures {
                out.append("")
                out.append("### " + escape(rendered.figure.title))
                out.append("")
                let linked = context.formats.first { rendered.images[$0] != nil }
                if let format = linked {
                    out.append("![\(escape(rendered.figure.title))](\(rendered.figure.name).\(format.rawValue))")
                    out.append("")
                } else if let reason = rendered.missingReason {
                    out.append("*Not rendered: \(escape(reason)).*")
                    out.append("")
                }
                out.append(escape(rendered.figure.caption) + " Script: [\(rendered.scriptName)](\(rendered.scriptName)), data: [\(rendered.dataName)](\(rendered.dataName)).")
            }
        }

        if !content.samples.isEmpty {
            out.append("")
            out.append("## Sample adversarial examples")
            out.append("")
            out.append("Per run and recipe, the successful attacks that changed the fewest words (then used the fewest queries). ~~Struck~~ words of the original were replaced by the **bold** ones.")
            for group in content.samples {
                out.append("")
                out.append("### " + escape(group.heading) + " (\(group.successes) successful attack\(group.successes == 1 ? "" : "s"), \(group.examples.count) shown)")
                out.append("")
                for example in group.examples {
                    out.append("- **#\(example.exampleIndex)** gold \(escape(example.gold)): \(escape(example.cleanPrediction)) → **\(escape(example.adversarialPrediction))** · \(escape(example.facts))  ")
                    out.append("  " + lineStart(diff(example.diff)))
                }
            }
        }

        out.append("")
        out.append("## Reproduce")
        out.append("")
        if let command = context.commandLine {
            out.append("This report: " + escape(command))
            out.append("")
        }
        out.append("Each figure is drawn by the gnuplot script beside it (edit and rerun it from this folder, e.g. gnuplot accuracy\\_under\\_attack.gp); its data is in the .dat file of the same name.")
        return out.joined(separator: "\n") + "\n"
    }

    /// A GitHub-flavoured Markdown table.
    static func table(_ table: ReportTable) -> String {
        var lines: [String] = []
        lines.append("| " + table.header.map(escape).joined(separator: " | ") + " |")
        lines.append("|" + table.header.indices.map { table.numeric.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|")
        for row in table.rows { lines.append("| " + row.map(escape).joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }

    /// The adversarial text with ~~old~~ **new** around each change.
    static func diff(_ segments: [WordDiff.Segment]) -> String {
        DiffMarkup.render(segments, escape: escape, deleted: { "~~\($0)~~" }, inserted: { "**\($0)**" })
    }

    /// Text that is safe at the start of a line: a leading "-", "+", "=" or "12." would start a list
    /// (or underline a heading).
    static func lineStart(_ text: String) -> String {
        if text.hasPrefix("-") || text.hasPrefix("+") || text.hasPrefix("=") { return "\\" + text }
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, let next = text.dropFirst(digits.count).first, next == "." || next == ")" {
            return digits + "\\" + text.dropFirst(digits.count)
        }
        return text
    }

    /// Plain text as inline Markdown: one line, every character Markdown (or inline HTML) could read as
    /// syntax backslash-escaped. CommonMark allows a backslash before any ASCII punctuation.
    public static func escape(_ text: String) -> String {
        // "(" ")" "!" need no escape: with "[" "]" escaped they can start no link or image.
        let special: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "#", "|", "~", "&", "$"]
        var out = ""
        for character in text {
            if character.isNewline || character == "\t" {
                out.append(" ")
            } else if special.contains(character) {
                out.append("\\")
                out.append(character)
            } else if character.unicodeScalars.allSatisfy({ CharacterSet.controlCharacters.contains($0) }) {
                continue
            } else {
                out.append(character)
            }
        }
        return out
    }
}
