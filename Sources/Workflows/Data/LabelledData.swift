// LabelledData: a dataset argument resolved (with what preparing it dropped), and a split checked
// against a model's labels and tokenised — shared by train, eval and retrain so all apply the same
// rules to bad input.
import Basics
import Datasets
import Foundation
import Tokenizer
import Training

/// Where a workflow's data comes from: a dataset name, folder or user file, and how to read a file.
public struct DataSource: Codable, Sendable, Equatable {
    public var data: String
    public var textColumn: String?
    public var labelColumn: String?
    /// Seed of the stratified split applied to a single user file.
    public var splitSeed: UInt64
    /// False (`--split all`): a single user file is taken whole, unsplit.
    public var splitFile: Bool

    public init(data: String, textColumn: String? = nil, labelColumn: String? = nil, splitSeed: UInt64 = 42,
                splitFile: Bool = true) {
        self.data = data
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.splitSeed = splitSeed
        self.splitFile = splitFile
    }

    /// Resolves the dataset and warns what preparing it dropped (empty texts, missing labels, duplicates).
    public func load(reporter: Reporter) throws -> DatasetSplits {
        let splits = try UserError.wrapping {
            try DatasetSplits.resolve(data, fileOptions: UserFileOptions(textColumn: textColumn, labelColumn: labelColumn),
                                      seed: splitSeed, splitFile: splitFile, robustVersion: RobustVersion.current)
        }
        let preparation = splits.manifest.preparation
        let dropped = [(preparation.skippedEmptyText, "with an empty text"), (preparation.skippedMissingLabel, "without a label"),
                       (preparation.duplicatesRemoved, "duplicating an earlier text")].filter { $0.0 > 0 }
        if !dropped.isEmpty {
            reporter.warn("\(splits.name): skipped " + dropped.map { "\($0.0) rows \($0.1)" }.joined(separator: ", "))
        }
        return splits
    }
}

/// A split tokenised for a model: the examples it can train or evaluate on, the texts they came from,
/// and what was left out.
public struct LabelledData: Sendable {
    public var examples: [TokenizedExample]
    /// The source examples of `examples`, in the same order.
    public var kept: [Example]
    /// Where each of `kept` was in the examples given to `tokenize`.
    public var positions: [Int] = []
    /// Empty or whitespace-only texts left out.
    public var skippedEmpty: Int
    /// Texts cut at the maximum length.
    public var truncated: Int

    /// Tokenises a split, mapping label names to indices of `labels`. Empty texts are skipped and counted;
    /// a label outside `labels` is an error naming the split. Without a tokenizer (a served model tokenizes
    /// for itself) the examples keep their labels and no ids.
    public static func tokenize(_ examples: [Example], split: String, labels: [String], tokenizer: TextTokenizer?,
                                maxLength: Int) throws -> LabelledData {
        var index: [String: Int] = [:]
        for (position, label) in labels.enumerated() { index[label] = position }
        var result = LabelledData(examples: [], kept: [], skippedEmpty: 0, truncated: 0)
        for (position, example) in examples.enumerated() {
            guard let label = index[example.label] else {
                throw UserError("the \(split) split has label '\(example.label)', which the model does not know (its labels: \(labels.joined(separator: ", ")))")
            }
            if example.text.allSatisfy(\.isWhitespace) { result.skippedEmpty += 1; continue }
            guard let tokenizer else {
                result.examples.append(TokenizedExample(ids: [], label: label))
                result.kept.append(example)
                result.positions.append(position)
                continue
            }
            let encoding = tokenizer.encode(example.text, maxLength: maxLength)
            if encoding.count == maxLength && tokenizer.encode(example.text, maxLength: maxLength + 1).count > maxLength {
                result.truncated += 1
            }
            result.examples.append(TokenizedExample(ids: encoding.ids, label: label))
            result.kept.append(example)
            result.positions.append(position)
        }
        return result
    }
}
