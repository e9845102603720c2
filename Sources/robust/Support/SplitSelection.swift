// SplitSelection: which examples of a dataset eval and attack work on — the split, the first N or a
// seeded sample of N — and the token limit; one set of options and checks for both commands.
import ArgumentParser
import Datasets

struct SplitSelection: ParsableArguments {
    @Option(help: "Split of the dataset: train, dev or test.")
    var split = "test"

    @Option(help: "Use only the first N examples of the split.")
    var limit: Int?

    @Option(help: "Use a random sample of N examples of the split (seeded by --seed; kept in split order).")
    var sample: Int?

    @Option(help: "Truncate texts to this many tokens.")
    var maxLength = 128

    func validate() throws {
        guard ["train", "dev", "test"].contains(split) else { throw ValidationError("--split must be train, dev or test") }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        if let sample, sample < 1 { throw ValidationError("--sample must be positive") }
        if limit != nil && sample != nil { throw ValidationError("give --limit or --sample, not both") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    /// The selected examples, in split order; an empty selection is an error.
    func examples(of dataset: DatasetSplits, seed: UInt64) throws -> [Example] {
        guard var examples = dataset.examples(split) else { throw UserError("dataset \(dataset.name) has no \(split) split") }
        if let limit { examples = Array(examples.prefix(limit)) }
        if let sample { examples = Sampling.sample(examples, count: sample, seed: seed) }
        guard !examples.isEmpty else { throw UserError("the \(split) split of \(dataset.name) is empty") }
        return examples
    }
}
