// AuditCommand: `robust audit` — the validity audit of adversarial examples. `audit RUN` (the default
// subcommand, AuditRunCommand.swift) re-audits a stored run with an audit recipe; `audit export RUN --sample N
// --out DIR` writes a blind labelling sheet (labels.html, labels.csv) of a seeded sample of a run's
// successful attacks; `audit import FILE` stores a filled sheet's answers and prints the human-validated
// success rate and the audit's agreement with the people. The work is Workflows' `LabellingSheetExport`
// and `HumanLabelImport`.
import ArgumentParser
import Basics
import Foundation
import Workflows

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit adversarial examples: re-audit a run, export a labelling sheet, import people's answers.",
        subcommands: [AuditRunCommand.self, AuditExportCommand.self, AuditImportCommand.self],
        defaultSubcommand: AuditRunCommand.self)
}

struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a labelling sheet (labels.html, labels.csv) for a random sample of a run's successful attacks.",
        discussion: """
            Samples N successful attacks (with their adversarial texts) of the run, of --recipe or of every \
            recipe, seeded by --seed, and writes DIR/labels.html (open it in a browser: answer, then download \
            the answers) and DIR/labels.csv (the same sheet for a spreadsheet). Each pair shows the original \
            and the changed text with the changes marked and the gold label, and asks whether the changed text \
            keeps the label and reads naturally. The sheet is blind: no predictions, no audit verdicts. \
            Read the answers back with `robust audit import`.
            """)

    @OptionGroup var database: DatabaseOption

    @Argument(help: ArgumentHelp("The run id (see `robust runs`).", valueName: "RUN"))
    var runID: Int64

    @Option(help: ArgumentHelp("Pairs to sample, in all (every one when the run has fewer).", valueName: "N"))
    var sample: Int

    @Option(help: ArgumentHelp("The folder to write labels.html and labels.csv into.", valueName: "DIR"))
    var out: String

    @Option(help: "Only this recipe's successful attacks.")
    var recipe: String?

    @Option(help: "Seed of the sample.")
    var seed: UInt64 = 42

    @Flag(help: "Replace labels.html and labels.csv when they exist.")
    var force = false

    func run() throws {
        let result = try LabellingSheetExport(database: database.path, runID: runID, sample: sample, recipe: recipe, seed: seed,
                                              folder: out, force: force, generator: "robust \(RobustVersion.current)").run()
        if result.available < sample {
            FileHandle.standardError.write(Data("only \(result.available) successful attack\(result.available == 1 ? "" : "s") with an adversarial text to sample (asked for \(sample)): the sheet has all of them\n".utf8))
        }
        let recipes = result.perRecipe.map { "\($0.recipe) \($0.pairs)" }.joined(separator: ", ")
        print("wrote \(result.html.path) and \(result.csv.path): \(result.pairs.count) pair\(result.pairs.count == 1 ? "" : "s") of run \(runID) (\(recipes)), seed \(seed)")
        print("import the answers with: robust audit import FILE" + (database.db.map { " --db \($0)" } ?? ""))
    }
}

struct AuditImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store a filled labelling sheet's answers and print the human-validated success rate.",
        discussion: """
            Reads labels.csv (or the CSV labels.html downloads) with same_label and natural answered yes or no \
            (y/n, true/false, 1/0; blank: not answered). Every row is checked against the results database \
            first (run, recipe and example exist and are successful attacks, texts and fingerprint unchanged, \
            no duplicates, answers well-formed); one bad row stores nothing. Importing a sheet again replaces \
            that annotator's earlier answers. Then records, per recipe, human_labelled, human_valid_share and \
            human_valid_attack_success_rate (95% Wilson intervals) and the audit's precision, recall and kappa \
            on "invalid", and prints them with the pairs where audit and people disagree.
            """)

    @OptionGroup var database: DatabaseOption

    @Argument(help: ArgumentHelp("The filled sheet (CSV).", valueName: "FILE"))
    var file: String

    @Option(help: "Who labelled (default: the sheet's annotator column, else none).")
    var annotator: String?

    @Option(help: ArgumentHelp("The stored audit to compare the answers with (default: default).", valueName: "NAME"))
    var audit: String?

    func run() throws {
        let result = try HumanLabelImport(database: database.path, file: file, annotator: annotator, audit: audit).run()
        let who = result.annotators.map { $0.isEmpty ? "(no name)" : $0 }.joined(separator: ", ")
        print("stored \(result.stored) label\(result.stored == 1 ? "" : "s") from \(file) (annotator\(result.annotators.count == 1 ? "" : "s") \(who))")
        for outcome in result.recipes {
            print("")
            for line in outcome.lines() { print(line) }
        }
    }
}
