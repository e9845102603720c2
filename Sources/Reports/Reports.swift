// Reports: renders stored runs as gnuplot figures, a Markdown report and one self-contained HTML page.
// Depends on Results and Foundation only; gnuplot runs as a child process on scripts the report writes.
//
// A report folder (`ReportGenerator.generate`) holds:
//   report.md            tables (runs, attack results with the valid numbers beside the raw ones, validity
//                        of the successful attacks with the top reasons, other metrics), figures, samples
//   report.html          the same as one self-contained page: CSS inline, figures as data: URIs (SVG when
//                        rendered, else PNG), changed words as <del>/<ins>; every stored string HTML-escaped
//   FIGURE.gp            one gnuplot script per figure; `gnuplot FIGURE.gp` in the folder redraws it
//   FIGURE.dat           its data, one block per series (`index N` in the script selects block N)
//   FIGURE.png/.svg      the rendered figure, in the formats asked for (pngcairo and svg terminals)
//
// Figures (`FigurePlanner`), each only when the runs have the data for it:
//   accuracy_under_attack      clean accuracy and accuracy under each attack, per run, 95% intervals
//   attack_success_raw_vs_valid   raw and valid attack success rate per recipe, per audit (audited runs)
//   accuracy_vs_epsilon        stored ε-sweep curves of embedding attacks (any other stored attack curve
//                              gets a figure of its own, named after the curve)
//   accuracy_vs_words_changed  budget curve: stored, else derived from per-example words changed
//   accuracy_vs_queries        budget curve: stored, else derived from per-example queries (with the
//                              valid curve, dashed, beside the raw one for audited recipes)
//   training_loss, training_accuracy, training_learning_rate   training curves against the step
//
// Also the labelling sheet of `robust audit export` (LabellingSheet.swift): labels.csv and a self-contained
// labels.html in which people judge sampled adversarial pairs.
//
// gnuplot: `--gnuplot PATH`, else the first `gnuplot` on $PATH (`/usr/bin/gnuplot` when PATH is unset).
// When it is missing or fails, the report is still written in full (scripts, data, tables), without
// the images, and `ReportOutcome.figureError` says why; `robust report` then exits non-zero.
// `FigureRendering.scriptsOnly` (`--no-figures`) skips gnuplot on purpose and is not an error.
//
// The folder is assembled in a hidden staging folder beside it and renamed into place, so an
// interrupted report never leaves a half-written folder, and regenerating replaces the previous report
// whole. A folder that exists but is not a robust report is never touched.
import Basics
import Foundation
import Results

/// An image format gnuplot renders each figure to.
public enum FigureFormat: String, Sendable, CaseIterable, Codable {
    /// PNG through the `pngcairo` terminal.
    case png
    /// SVG through the `svg` terminal.
    case svg

    /// Parses "png,svg" (any order, spaces allowed, duplicates dropped). Throws for anything else.
    public static func parseList(_ text: String) throws -> [FigureFormat] {
        var formats: [FigureFormat] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            guard let format = FigureFormat(rawValue: part) else {
                throw ReportError.invalidRequest("unknown figure format '\(part)'; use png, svg or png,svg")
            }
            if !formats.contains(format) { formats.append(format) }
        }
        if formats.isEmpty { throw ReportError.invalidRequest("give at least one figure format: png, svg or png,svg") }
        return formats
    }
}

/// Whether and how figures are rendered.
public enum FigureRendering: Sendable, Equatable {
    /// Run gnuplot: at this path when given, else found on $PATH (see `Gnuplot.locate`).
    case gnuplot(path: String?)
    /// Write the scripts and their data but do not run gnuplot (no images; not an error).
    case scriptsOnly
}

public struct ReportOptions: Sendable {
    /// The report's heading; nil gives "Robustness report: run 3, 4".
    public var title: String?
    /// Image formats, in order; the first one is what report.md links to, except that the HTML page
    /// embeds SVG whenever it was rendered.
    public var formats: [FigureFormat]
    /// Sample adversarial examples per (run, recipe), in the order `ResultStore.tellingExamples` uses.
    public var examplesPerRecipe: Int
    public var rendering: FigureRendering
    /// Environment used to find gnuplot (its PATH).
    public var environment: [String: String]
    /// What wrote the report, e.g. "robust 0.1.0" (in both reports and the HTML generator tag).
    public var generator: String
    /// The command line that made the report, shown under "Reproduce" (nil: not shown).
    public var commandLine: String?
    /// How long one gnuplot script may run before it is stopped.
    public var gnuplotTimeout: TimeInterval
    /// The moment shown as "generated"; nil means now.
    public var generatedAt: Date?

    public init(title: String? = nil, formats: [FigureFormat] = [.png, .svg], examplesPerRecipe: Int = 5,
                rendering: FigureRendering = .gnuplot(path: nil),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                generator: String = "robust", commandLine: String? = nil, gnuplotTimeout: TimeInterval = 120,
                generatedAt: Date? = nil) {
        self.title = title
        self.formats = formats
        self.examplesPerRecipe = examplesPerRecipe
        self.rendering = rendering
        self.environment = environment
        self.generator = generator
        self.commandLine = commandLine
        self.gnuplotTimeout = gnuplotTimeout
        self.generatedAt = generatedAt
    }
}

/// What a generated report contains.
public struct ReportOutcome: Sendable {
    /// The report folder.
    public var folder: URL
    /// Every file in it, by name, sorted.
    public var files: [String]
    /// The figures planned (each has a script and data, whether or not it was rendered).
    public var figures: [Figure]
    /// Names of the figures whose images were rendered.
    public var renderedFigures: [String]
    /// Why figures were not rendered (gnuplot missing or failing); nil when all were, or when none
    /// were asked for. The tables were written either way.
    public var figureError: ReportError?
    /// Things the report warns about (partial runs, metrics computed from examples, …).
    public var notes: [String]
}

/// A report failure, shown to the user as one line.
public enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// gnuplot was not found. `searched` says where it was looked for.
    case gnuplotMissing(searched: String)
    /// A gnuplot script exited non-zero, timed out, or wrote no image.
    case gnuplotFailed(script: String, detail: String)
    /// A run with nothing to report.
    case emptyRun(id: Int64, status: RunStatus, failure: String?)
    /// The output folder exists and is not a robust report, or cannot be written.
    case output(path: String, detail: String)
    case invalidRequest(String)

    public var description: String {
        switch self {
        case let .gnuplotMissing(searched):
            return "gnuplot not found (\(searched)); install the Debian package gnuplot-nox (apt-get install gnuplot-nox) or pass --gnuplot PATH"
        case let .gnuplotFailed(script, detail):
            return "gnuplot failed on \(script): \(detail)"
        case let .emptyRun(id, status, failure):
            let why = failure.map { ": \(UserError.oneLine($0))" } ?? ""
            return "run \(id) has nothing to report: no examples, metrics or curves (status \(status.rawValue)\(why))"
        case let .output(path, detail):
            return "cannot write the report to \(path): \(detail)"
        case let .invalidRequest(detail):
            return detail
        }
    }
}
