// MergeCommand: `robust merge SHARD.db… --into RUN.db` joins the shard databases of a sharded eval or attack run
// (`--shard K/N`, Slurm array tasks, Indexed Job pods) into one run of RUN.db, with its metrics recomputed from
// the merged examples (MergeWorkflow).
import ArgumentParser
import Basics
import Foundation
import Workflows

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard databases of a sharded eval or attack run into one run.",
        discussion: """
            Every shard must come from the same run: the same model, data, recipes, seed, options and robust build,
            each shard once. The merged run's examples, metrics, intervals and curves are those one process would
            have recorded. Merging a shard again changes nothing, so a shard that died can be resumed
            (--resume RUN --db SHARD.db) and merged later; with --partial the shards there are merged now and the
            run shows as partial, naming the missing ones, until they are. A SHARD.db holding several sharded runs
            is named as SHARD.db:RUN.
            """)

    @Argument(help: ArgumentHelp("Shard databases (PATH or PATH:RUN).", valueName: "SHARD.db"))
    var shards: [String] = []

    @Option(help: ArgumentHelp("The results database the merged run is recorded in (created when missing).", valueName: "RUN.db"))
    var into: String

    @Flag(help: "Merge the shards given even when some are missing or unfinished; the run stays partial until they are merged.")
    var partial = false

    @Flag(help: "Print the outcome as JSON.")
    var json = false

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the shard databases to merge") }
    }

    func run() throws {
        var workflow = MergeWorkflow(shards: shards, into: into)
        workflow.partial = partial
        let outcome = try workflow.run(reporter: TerminalReporter(quiet: json))
        if json {
            try JSONOutput.print(["run": outcome.runID, "database": into, "shards": outcome.count, "merged": outcome.merged,
                                  "merged_earlier": outcome.alreadyMerged, "missing": outcome.missing,
                                  "complete": outcome.complete, "examples": outcome.examples, "seconds": outcome.seconds])
            return
        }
        print("\(outcome.complete ? "merged" : "partially merged") into \(into) \(outcome.line)")
    }
}
