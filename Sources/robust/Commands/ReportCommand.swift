// ReportCommand: `robust report RUN [RUN...] --out reports/NAME` renders stored runs as gnuplot figures (PNG and
// SVG), report.md and a self-contained report.html (the Reports module does the work).
import Basics
import ArgumentParser
import Foundation
import Reports
import Results

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render runs as gnuplot figures, a Markdown report and one self-contained HTML page.",
        discussion: """
        Writes the folder given by --out with report.md, report.html (tables, figures and sample adversarial \
        examples in one file), and for each figure a gnuplot script (NAME.gp), its data (NAME.dat) and its \
        images (NAME.png, NAME.svg). Rerun or edit a figure with `gnuplot NAME.gp` in that folder. A previous \
        report in the folder is replaced; a folder holding anything else is refused.

        Figures: accuracy under each attack with 95% intervals; accuracy against ε for embedding attacks; \
        accuracy against the share of words changed and against the number of queries (budget curves); \
        training loss, dev accuracy and learning rate against the step.

        gnuplot (Debian package gnuplot-nox) draws the figures. Without it the report is still written, \
        tables and scripts included but no images, and robust exits 1 with a one-line error; --no-figures \
        skips gnuplot on purpose and exits 0.
        """)

    @OptionGroup var database: DatabaseOption

    @Argument(help: ArgumentHelp("The runs to report on (see `robust runs`).", valueName: "RUN"))
    var runIDs: [Int64] = []

    @Option(help: ArgumentHelp("The report folder, e.g. reports/mr-baseline.", valueName: "FOLDER"))
    var out: String

    @Option(help: ArgumentHelp("Image formats to render: png, svg or png,svg.", valueName: "LIST"))
    var format: String = "png,svg"

    @Option(help: ArgumentHelp("Sample adversarial examples per run and recipe (0 for none).", valueName: "N"))
    var examples: Int = 5

    @Option(help: "The report's heading (default: \"Robustness report: runs …\").")
    var title: String?

    @Option(help: ArgumentHelp("The gnuplot executable (default: gnuplot on PATH).", valueName: "PATH"))
    var gnuplot: String?

    @Flag(help: "Write the scripts, data and reports but do not run gnuplot (no images).")
    var noFigures = false

    func validate() throws {
        guard !runIDs.isEmpty else { throw ValidationError("give at least one RUN id (see `robust runs`)") }
        guard examples >= 0 else { throw ValidationError("--examples must be 0 or more") }
        guard !out.isEmpty else { throw ValidationError("--out must name a folder") }
        do { _ = try FigureFormat.parseList(format) } catch { throw ValidationError("--format: \(error)") }
        if noFigures && gnuplot != nil { throw ValidationError("--no-figures and --gnuplot contradict each other") }
    }

    func run() throws {
        let store = try database.queries().store
        let formats = try UserError.wrapping { try FigureFormat.parseList(format) }
        let options = ReportOptions(
            title: title, formats: formats, examplesPerRecipe: examples,
            rendering: noFigures ? .scriptsOnly : .gnuplot(path: gnuplot),
            generator: "robust \(Robust.version)", commandLine: Provenance.commandLine())
        let folder = URL(fileURLWithPath: out)
        let outcome = try UserError.wrapping {
            try ReportGenerator.generate(store: store, runs: runIDs, to: folder, options: options)
        }
        for note in outcome.notes {
            FileHandle.standardError.write(Data("note: \(note)\n".utf8))
        }
        let figureCount = outcome.figures.count
        var summary = "wrote \(out): report.md, report.html"
        if figureCount == 0 {
            summary += " (these runs have no data to plot)"
        } else if outcome.renderedFigures.count == figureCount {
            summary += ", \(figureCount) figure\(figureCount == 1 ? "" : "s") (\(formats.map(\.rawValue).joined(separator: ", ")))"
        } else {
            summary += ", \(figureCount) gnuplot script\(figureCount == 1 ? "" : "s") with their data"
            summary += outcome.renderedFigures.isEmpty ? " (no images)" : " (\(outcome.renderedFigures.count) rendered)"
        }
        print(summary)
        if let error = outcome.figureError {
            throw UserError("\(error) (report.md and report.html were written without \(outcome.renderedFigures.isEmpty ? "figures" : "the missing figures"))")
        }
    }
}
