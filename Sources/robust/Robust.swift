// robust: the command-line entry point. Each subcommand is a type in Commands/ named NameCommand; it
// parses its options (option groups in Support/), calls one workflow (the Workflows module) and prints.
import Analysis
import ArgumentParser
import Basics
import Foundation

@main
struct Robust: ParsableCommand {
    static let version = RobustVersion.current
    static let configuration = CommandConfiguration(
        commandName: "robust",
        abstract: "Measure and improve the robustness of transformer encoder text classifiers.",
        version: version,
        subcommands: [TrainCommand.self, EvalCommand.self, AttackCommand.self, AugmentCommand.self, RetrainCommand.self,
                      TokenizeCommand.self, EmbedCommand.self, PredictCommand.self, BenchCommand.self, DataCommand.self,
                      RunsCommand.self, ShowCommand.self, CompareCommand.self, ReportCommand.self, BaselineCommand.self,
                      GateCommand.self, AuditCommand.self, MergeCommand.self, ModelCommand.self])

    /// Line-buffered stdout, so progress and results interleave correctly when piped to a file.
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        main(nil)
    }
}
