// BaselineCommand: `robust baseline save RUN --out baselines/NAME.json` writes a run's metrics as the expected
// values, with tolerances, for `robust gate`. The file format is documented in Sources/Results/Baseline.swift.
import Analysis
import Basics
import ArgumentParser
import Foundation
import Results

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Manage baselines: expected metrics with tolerances, checked by `robust gate`.",
        subcommands: [SaveBaseline.self])
}

struct SaveBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Write a finished run's metrics (and per-example outcomes) as a baseline file.",
        discussion: """
            Every metric of the run except the example count is written with its direction \
            (higher_is_better) and a tolerance: --tolerance itself for metrics on a 0–1 scale \
            (accuracies, rates, fractions, similarities), --tolerance × |value| for the others. \
            The per-example outcomes of clean_accuracy and accuracy_under_attack are written too, so \
            that the gate can test a drop for significance (McNemar) without the baseline's database.
            """)

    @OptionGroup var database: DatabaseOption

    @Argument(help: ArgumentHelp("The run id (see `robust runs`).", valueName: "RUN"))
    var runID: Int64

    @Option(help: ArgumentHelp("The baseline file to write, e.g. baselines/NAME.json.", valueName: "PATH"))
    var out: String

    @Option(help: "Allowed drop: absolute for 0–1 metrics, relative for the others.")
    var tolerance: Double = 0.02

    @Option(help: "A free-text description stored in the file.")
    var description: String?

    @Flag(help: "Replace the file if it exists.")
    var force = false

    func validate() throws {
        guard tolerance.isFinite, tolerance >= 0 else { throw ValidationError("--tolerance must be 0 or more") }
    }

    func run() throws {
        let id = self.runID
        let baseline = try database.queries().baseline(run: id, tolerance: tolerance, description: description)
        try UserError.wrapping { try baseline.write(to: out, overwrite: force) }
        print("wrote \(out): \(baseline.metrics.count) metric\(baseline.metrics.count == 1 ? "" : "s") of run \(id) "
              + "(recipes \(baseline.recipes.joined(separator: ", "))), per-example outcomes for \(baseline.perExample.count), "
              + "tolerance \(tolerance)")
    }
}
