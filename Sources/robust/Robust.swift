// robust: the command-line entry point; each subcommand is a type in Commands/.
import ArgumentParser
import Foundation

@main
struct Robust: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "robust",
        abstract: "Measure and improve the robustness of BERT-family text classifiers.",
        version: version,
        subcommands: [Train.self, Eval.self, AttackCommand.self, AugmentCommand.self, RetrainCommand.self, Tokenize.self, Embed.self, Predict.self, Bench.self, DataCommand.self,
                      RunsCommand.self, ShowCommand.self, CompareCommand.self, ReportCommand.self, BaselineCommand.self, GateCommand.self,
                      ResultsWriterCommand.self])

    /// Line-buffered stdout, so progress and results interleave correctly when piped to a file.
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        main(nil)
    }
}
