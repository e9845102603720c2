// LabelledData: a dataset argument resolved, checked against a label set, and tokenised for a model —
// shared by train and eval so both apply the same rules to bad input.
import ArgumentParser
import Datasets
import Foundation
import Tokenizer
import Training

struct DataOptions: ParsableArguments {
    @Option(help: "Dataset: a name fetched with `robust data fetch`, a dataset folder, or a CSV/TSV/JSONL file (split 80/10/10 by --split-seed).")
    var data: String

    @Option(help: "Text column of a user file (default: auto-detect).")
    var textColumn: String?

    @Option(help: "Label column of a user file (default: auto-detect).")
    var labelColumn: String?

    @Option(help: "Seed of the stratified split applied to a single user file.")
    var splitSeed: UInt64 = 42

    /// Resolves --data and says what preparing it dropped (empty texts, missing labels, duplicates).
    /// `splitFile` false (`--split all`) takes a user file whole instead of splitting it.
    func load(splitFile: Bool = true) throws -> DatasetSplits {
        let splits = try userFacing {
            try DatasetSplits.resolve(data, fileOptions: UserFileOptions(textColumn: textColumn, labelColumn: labelColumn),
                                      seed: splitSeed, splitFile: splitFile, robustVersion: Robust.version)
        }
        let preparation = splits.manifest.preparation
        let dropped = [(preparation.skippedEmptyText, "with an empty text"), (preparation.skippedMissingLabel, "without a label"),
                       (preparation.duplicatesRemoved, "duplicating an earlier text")].filter { $0.0 > 0 }
        if !dropped.isEmpty {
            // stderr: a note, so --json output on stdout stays parseable.
            let note = "\(splits.name): skipped " + dropped.map { "\($0.0) rows \($0.1)" }.joined(separator: ", ") + "\n"
            FileHandle.standardError.write(Data(note.utf8))
        }
        return splits
    }
}

enum LabelledData {
    /// Tokenises a split, mapping label names to indices of `labels`. Empty texts are skipped and counted;
    /// a label outside `labels` is an error naming the split.
    static func tokenize(_ examples: [Example], split: String, labels: [String], tokenizer: WordPieceTokenizer,
                         maxLength: Int) throws -> (examples: [TokenizedExample], kept: [Example], skippedEmpty: Int, truncated: Int) {
        var index: [String: Int] = [:]
        for (position, label) in labels.enumerated() { index[label] = position }
        var result: [TokenizedExample] = [], kept: [Example] = []
        var skipped = 0, truncated = 0
        for example in examples {
            guard let label = index[example.label] else {
                throw UserError("the \(split) split has label '\(example.label)', which the model does not know (its labels: \(labels.joined(separator: ", ")))")
            }
            if example.text.allSatisfy(\.isWhitespace) { skipped += 1; continue }
            let encoding = tokenizer.encode(example.text, maxLength: maxLength)
            if encoding.count == maxLength && tokenizer.encode(example.text, maxLength: maxLength + 1).count > maxLength {
                truncated += 1
            }
            result.append(TokenizedExample(ids: encoding.ids, label: label))
            kept.append(example)
        }
        return (result, kept, skipped, truncated)
    }
}
