// GateCommand: `robust gate --baseline baselines/NAME.json [RUN]` checks a run against a baseline and prints a
// Markdown table for a CI job summary. Exit codes: 0 pass, 1 regression, 2 error. The rule is in
// Sources/Results/Gate.swift.
import Workflows
import Analysis
import Basics
import ArgumentParser
import Foundation
import Results

struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Check a run against a baseline; exit 0 within tolerance, 1 on a regression, 2 on error.",
        discussion: """
            A metric regresses when it is worse than the baseline by more than its tolerance. For \
            clean_accuracy and accuracy_under_attack, when the baseline file has per-example outcomes \
            that share examples (same index and text) with the run, the drop must also be significant: \
            exact McNemar p < --alpha. Every other metric (valid_attack_success_rate, \
            accuracy_under_valid_attack, accuracy_at_N_queries, accuracy_vs_queries_auc and their valid \
            forms among them) is judged on its tolerance alone. A metric missing from the run is an error (exit 2). Without RUN, \
            the gate checks the latest finished run of the baseline's kind that has all its recipes.
            """)

    @OptionGroup var database: DatabaseOption

    @Option(help: ArgumentHelp("The baseline file (written by `robust baseline save`).", valueName: "PATH"))
    var baseline: String

    @Option(help: "Significance level of the McNemar test.")
    var alpha: Double = Gate.defaultAlpha

    @Argument(help: ArgumentHelp("The run to check (default: the latest finished run matching the baseline).", valueName: "RUN"))
    var runID: Int64?

    func run() throws {
        do {
            guard alpha > 0 && alpha < 1 else { throw UserError("--alpha must be between 0 and 1") }
            let expected = try Baseline.load(path: baseline)
            let report = try RunQueries(database: database.path).gate(expected, baselinePath: baseline, run: runID, alpha: alpha)
            print(report.markdown(), terminator: "")
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("Error: \(UserError.oneLine(String(describing: error)))\n".utf8))
            throw ExitCode(2)
        }
    }
}
