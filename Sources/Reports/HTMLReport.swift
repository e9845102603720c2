// HTMLReport: report.html — one self-contained page (inline CSS, figures as data: URIs, no scripts, no
// external resources) with the tables, figures and sample adversarial examples, changes as <del>/<ins>.
// Every stored string is HTML-escaped, and a Content-Security-Policy forbids scripts besides.
import Analysis
import Foundation
import Results

public enum HTMLReport {
    public static func render(_ content: ReportContent, figures: [RenderedFigure], context: ReportContext) -> String {
        var out: [String] = []
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"en\">")
        out.append("<head>")
        out.append("<meta charset=\"utf-8\">")
        out.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        out.append("<meta name=\"generator\" content=\"\(escape(context.generator)) report\">")
        out.append("<title>\(escape(content.title))</title>")
        out.append("<style>\n\(style)\n</style>")
        out.append("</head>")
        out.append("<body>")
        out.append("<main>")
        out.append("<h1>\(escape(content.title))</h1>")
        out.append("<p class=\"meta\">Generated \(escape(ReportContent.utcMinute(context.generatedAt))) UTC by \(escape(context.generator)) from the results database <code>\(escape(context.databasePath))</code>.</p>")
        var warnings = content.notes
        if let warning = context.figureWarning { warnings.insert(warning, at: 0) }
        for warning in warnings { out.append("<p class=\"warning\"><strong>Warning:</strong> \(escape(warning))</p>") }

        var contents: [(String, String)] = [("runs", "Runs")]
        if content.attacks != nil { contents.append(("attacks", "Attack results")) }
        if content.validity != nil { contents.append(("validity", "Validity")) }
        if content.beforeAfter != nil { contents.append(("before-after", "Before and after retraining")) }
        if content.training != nil { contents.append(("training", "Training")) }
        if content.otherMetrics != nil { contents.append(("metrics", "Other metrics")) }
        if !figures.isEmpty { contents.append(("figures", "Figures")) }
        if !content.samples.isEmpty { contents.append(("examples", "Sample adversarial examples")) }
        contents.append(("reproduce", "Reproduce"))
        out.append("<nav>" + contents.map { "<a href=\"#\($0.0)\">\(escape($0.1))</a>" }.joined(separator: " · ") + "</nav>")

        out.append("<h2 id=\"runs\">Runs</h2>")
        out.append(table(content.runs))
        out.append("<ul class=\"provenance\">")
        for line in content.provenance { out.append("<li>\(escape(line))</li>") }
        out.append("</ul>")

        if let attacks = content.attacks {
            out.append("<h2 id=\"attacks\">Attack results</h2>")
            out.append("<p>Accuracies are over all examples (those the model already got wrong count as wrong), with 95% bootstrap intervals in parentheses. The success rate is over the attacked examples; <em>words changed</em> is the mean share of words that successful attacks changed, <em>queries</em> the mean model queries per attacked example, <em>similarity</em> the mean sentence similarity of successful adversarial texts.</p>")
            out.append(table(attacks))
        }
        if let validity = content.validity {
            out.append("<h2 id=\"validity\">Validity of the successful attacks</h2>")
            out.append("<p>\(escape(ReportContent.validityExplanation))</p>")
            out.append(table(validity))
        }
        if let pairs = content.beforeAfter {
            out.append("<h2 id=\"before-after\">Before and after retraining</h2>")
            out.append("<p>Each retrained (after) run against its parent (before) run, on the same examples with the same recipes and seed. <em>Training</em> says whether the retraining used that attack, used an attack sharing its transformations, or never saw it; only the last is an honest measure of robustness gained in general. The interval is a paired bootstrap of the per-example change; McNemar's exact test is on the same pairs.</p>")
            out.append(table(pairs))
        }
        if let training = content.training {
            out.append("<h2 id=\"training\">Training</h2>")
            out.append(table(training))
        }
        if let other = content.otherMetrics {
            out.append("<h2 id=\"metrics\">Other metrics</h2>")
            out.append(table(other))
        }

        if !figures.isEmpty {
            out.append("<h2 id=\"figures\">Figures</h2>")
            for rendered in figures {
                out.append("<figure id=\"figure-\(escape(rendered.figure.name))\">")
                if let svg = rendered.images[.svg] {
                    out.append("<img alt=\"\(escape(rendered.figure.title))\" src=\"data:image/svg+xml;base64,\(svg.base64EncodedString())\">")
                } else if let png = rendered.images[.png] {
                    out.append("<img alt=\"\(escape(rendered.figure.title))\" src=\"data:image/png;base64,\(png.base64EncodedString())\">")
                } else {
                    out.append("<div class=\"missing\">\(escape(rendered.figure.title)): not rendered (\(escape(rendered.missingReason ?? "no image format was asked for"))).</div>")
                }
                out.append("<figcaption><strong>\(escape(rendered.figure.title)).</strong> \(escape(rendered.figure.caption)) Script <code>\(escape(rendered.scriptName))</code>, data <code>\(escape(rendered.dataName))</code>.</figcaption>")
                out.append("</figure>")
            }
        }

        if !content.samples.isEmpty {
            out.append("<h2 id=\"examples\">Sample adversarial examples</h2>")
            out.append("<p>Per run and recipe, the successful attacks that changed the fewest words (then used the fewest queries). <del>Struck</del> words of the original were replaced by the <ins>highlighted</ins> ones.</p>")
            if content.samples.contains(where: { $0.examples.contains { $0.images != nil } }) {
                out.append("<p>Image attacks: the original, the adversarial image, and the perturbation (adversarial − original) magnified so that its largest change spans the grey range (mid-grey is no change), enlarged 4× without smoothing.</p>")
            }
            for group in content.samples {
                out.append("<h3>\(escape(group.heading)) <span class=\"count\">(\(group.successes) successful attack\(group.successes == 1 ? "" : "s"), \(group.examples.count) shown)</span></h3>")
                for example in group.examples {
                    out.append("<div class=\"example\">")
                    out.append("<div class=\"facts\"><strong>#\(example.exampleIndex)</strong> gold <b>\(escape(example.gold))</b>: \(escape(example.cleanPrediction)) → <b class=\"flipped\">\(escape(example.adversarialPrediction))</b> · \(escape(example.facts))</div>")
                    if let images = example.images {
                        // Base64 of bytes checked to be PNG: no markup can come from the store here.
                        out.append("<div class=\"images\">")
                        for (caption, png) in [("original", images.original), ("adversarial", images.adversarial),
                                               (String(format: "perturbation ×%.1f", images.magnification), images.perturbation)] {
                            out.append("<figure><img alt=\"\(escape(caption))\" src=\"data:image/png;base64,\(png)\"><figcaption>\(escape(caption))</figcaption></figure>")
                        }
                        out.append("</div>")
                    } else {
                        out.append("<p class=\"diff\">\(diff(example.diff))</p>")
                    }
                    out.append("</div>")
                }
            }
        }

        out.append("<h2 id=\"reproduce\">Reproduce</h2>")
        if let command = context.commandLine { out.append("<p>This report: <code>\(escape(command))</code></p>") }
        out.append("<p>Each figure is drawn by the gnuplot script beside this page (edit and rerun it from the report folder, e.g. <code>gnuplot accuracy_under_attack.gp</code>); its data is in the <code>.dat</code> file of the same name.</p>")
        out.append("</main>")
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }

    static func table(_ table: ReportTable) -> String {
        var lines: [String] = ["<table>", "<thead><tr>"
            + table.header.enumerated().map { "<th\(table.numeric.contains($0.offset) ? " class=\"num\"" : "")>\(escape($0.element))</th>" }.joined()
            + "</tr></thead>", "<tbody>"]
        for row in table.rows {
            lines.append("<tr>" + row.enumerated().map {
                "<td\(table.numeric.contains($0.offset) ? " class=\"num\"" : "")>\(escape($0.element))</td>"
            }.joined() + "</tr>")
        }
        lines += ["</tbody>", "</table>"]
        return lines.joined(separator: "\n")
    }

    /// The adversarial text with <del>old</del> <ins>new</ins> around each change.
    static func diff(_ segments: [WordDiff.Segment]) -> String {
        DiffMarkup.render(segments, escape: escape, deleted: { "<del>\($0)</del>" }, inserted: { "<ins>\($0)</ins>" })
    }

    /// Text for HTML content or a quoted attribute: & < > " ' escaped; control characters dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t", "\r": out += " "
            default:
                if CharacterSet.controlCharacters.contains(scalar) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static let style = """
    :root { color-scheme: light; }
    body { margin: 0; background: #f6f7f9; color: #1d2330; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: #ffffff; }
    .images { display: flex; gap: 14px; }
    .images figure { margin: 0.3em 0; text-align: center; }
    .images img { width: 112px; height: auto; image-rendering: pixelated; border: 1px solid #e1e4ea; }
    .images figcaption { font-size: 0.8em; color: #5a6272; }
    h1 { font-size: 1.8em; margin: 0.2em 0 0.3em; }
    h2 { font-size: 1.35em; margin-top: 2em; border-bottom: 1px solid #e1e4ea; padding-bottom: 0.2em; }
    h3 { font-size: 1.1em; margin-top: 1.5em; }
    .meta, .count { color: #5b6475; }
    nav { margin: 0.8em 0 1.2em; font-size: 0.95em; }
    nav a { color: #0b5cad; text-decoration: none; }
    code { font: 0.9em/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #f0f2f5; padding: 0.05em 0.3em; border-radius: 3px; overflow-wrap: anywhere; }
    .warning { background: #fff4e0; border-left: 4px solid #e69f00; padding: 0.5em 0.8em; }
    table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; display: block; overflow-x: auto; }
    th, td { border: 1px solid #dde1e8; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
    th { background: #f0f2f5; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    tbody tr:nth-child(even) { background: #fafbfc; }
    ul.provenance { font-size: 0.88em; color: #3c4454; overflow-wrap: anywhere; }
    figure { margin: 1.5em 0; }
    figure img { width: 100%; max-width: 960px; height: auto; border: 1px solid #e1e4ea; }
    figcaption { font-size: 0.92em; color: #3c4454; max-width: 960px; }
    .missing { padding: 2em; border: 1px dashed #c0c6d0; color: #5b6475; max-width: 960px; }
    .example { border: 1px solid #e1e4ea; border-radius: 4px; padding: 0.5em 0.8em; margin: 0.6em 0; }
    .facts { font-size: 0.88em; color: #5b6475; }
    .flipped { color: #b3261e; }
    .diff { margin: 0.3em 0 0; overflow-wrap: anywhere; }
    del { background: #fde2e1; color: #8e1c16; text-decoration: line-through; }
    ins { background: #dcf5e3; color: #145c2c; text-decoration: none; font-weight: 600; }
    """
}
