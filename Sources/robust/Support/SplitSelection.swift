// SplitSelection: the options that choose which examples of a dataset eval, attack and retrain work
// on — the split (or all), the first N or a seeded sample of N, an offset — and the token limit. The
// selection itself is `Datasets.ExampleSelection`; this only parses and checks the options.
import ArgumentParser
import Datasets

struct SplitSelection: ParsableArguments {
    @Option(help: "Split of the dataset: train, dev, test, or all (train+dev+test of a dataset; every row of a CSV/TSV/JSONL file as it is, unsplit).")
    var split = "test"

    @Option(name: [.customLong("limit"), .customLong("num-examples")], parsing: .unconditional,
            help: ArgumentHelp("Use only the first N examples of the split (after --num-examples-offset).", valueName: "N"))
    var limit: Int?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Use a random sample of N examples of the split (seeded by --seed; kept in split order).", valueName: "N"))
    var sample: Int?

    @Option(name: .customLong("num-examples-offset"), parsing: .unconditional,
            help: ArgumentHelp("Skip the first K examples of the split before --limit/--num-examples or --sample.", valueName: "K"))
    var offset = 0

    @Option(help: "Truncate texts to this many tokens.")
    var maxLength = 128

    var selection: ExampleSelection { ExampleSelection(split: split, limit: limit, sample: sample, offset: offset) }

    /// The offset as run configurations record it: nil when 0, so configurations without one are unchanged.
    var recordedOffset: Int? { offset == 0 ? nil : offset }

    func validate() throws {
        do { try selection.validate() } catch { throw ValidationError(String(describing: error)) }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    /// The selected examples, in split order; an empty selection is an error.
    func examples(of dataset: DatasetSplits, seed: UInt64) throws -> [Example] {
        try userFacing { try selection.examples(of: dataset, seed: seed) }
    }
}
