// ResultsWriter: a test executable (not part of the product) that records a synthetic attack run through
// the real ResultStore, one committed example at a time. ResultsTests spawn it as a separate process to
// test two processes writing one database, and a writer killed with SIGKILL mid-transaction then
// resumed. It needs no model. After each commit it writes "committed INDEX" to stdout unbuffered,
// so a test that kills it knows which examples must have survived.
import Basics
import ArgumentParser
import Foundation
import Analysis
import Results

@main
struct ResultsWriter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ResultsWriter",
        abstract: "Record a synthetic attack run (for the results store's multi-process tests).")

    @Option(help: "Results database.")
    var db: String

    @Option(help: "Examples in the run.")
    var examples: Int = 20

    @Option(help: "Recipe name.")
    var recipe: String = "synthetic"

    @Option(help: "Resume this run instead of starting one.")
    var resume: Int64?

    @Option(help: "Label of a new run.")
    var label: String?

    @Option(help: "Pause between examples, in milliseconds.")
    var delayMs: Int = 0

    @Option(help: "Pause inside each example's transaction before it commits, in milliseconds.")
    var transactionDelayMs: Int = 0

    @Option(help: "Throw an error instead of recording this example index (the run is then marked failed).")
    var failAt: Int?

    @Option(help: "Busy timeout in seconds.")
    var busyTimeout: Double = 10

    func run() throws {
        let options = ResultStore.Options(busyTimeout: busyTimeout,
                                          transactionDelayForTesting: Double(transactionDelayMs) / 1000)
        let store = try UserError.wrapping { try ResultStore(path: db, options: options) }
        let template = RunRecord(kind: .attack, modelHash: "5e1f7e57000000000000000000000000", dataHash: "da7a",
                                 recipeHash: "rec1pe", seed: 7, gitCommit: Provenance.gitCommit(),
                                 robustVersion: RobustVersion.current, commandLine: Provenance.commandLine(),
                                 configJSON: "{\"examples\":\(examples),\"recipe\":\"\(recipe)\"}", label: label)
        Interruption.install()
        try UserError.wrapping {
            try store.withRun(template, resuming: resume) { run in
                say("run \(run.runID)")
                let done = try store.completedExampleIndices(run: run.runID, recipe: recipe)
                for index in 0..<examples where !done.contains(index) {
                    try Interruption.check()
                    if index == failAt { throw UserError("synthetic failure at example \(index)") }
                    try store.recordExample(Self.example(index, run: run.runID, recipe: recipe))
                    say("committed \(index)")
                    if delayMs > 0 { Thread.sleep(forTimeInterval: Double(delayMs) / 1000) }
                }
                try store.recordSummaryMetrics(run: run.runID, recipe: recipe)
                say("finished \(run.runID)")
            }
        }
    }

    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A deterministic example: the same index always gives the same row.
    static func example(_ index: Int, run: Int64, recipe: String) -> ExampleRecord {
        let adjectives = ["gripping", "dull", "moving", "clumsy", "brilliant"]
        let replacements = ["riveting", "tedious", "touching", "awkward", "dazzling"]
        let word = adjectives[index % adjectives.count]
        let text = "example \(index): the film was \(word)"
        let gold = index % 2 == 0 ? "pos" : "neg"
        let flipped = gold == "pos" ? "neg" : "pos"
        let cleanWrong = index % 7 == 0
        let success = !cleanWrong && index % 3 == 0
        return ExampleRecord(
            runID: run, recipe: recipe, exampleIndex: index, text: text, gold: gold,
            cleanPrediction: cleanWrong ? flipped : gold,
            adversarialText: success ? text.replacingOccurrences(of: word, with: replacements[index % replacements.count]) : nil,
            adversarialPrediction: success ? flipped : nil,
            status: cleanWrong ? .cleanWrong : (success ? .success : .failed),
            queries: cleanWrong ? 0 : 10 + index % 13, wordsChanged: success ? 1 : 0, wordsTotal: 6,
            similarity: success ? 0.9 : nil, milliseconds: Double(index % 5), detailJSON: nil)
    }
}
