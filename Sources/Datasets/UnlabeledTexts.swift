// UnlabeledTexts: the unlabelled text that consistency training (`robust train --unlabeled`) learns from —
// a text file with one text per line, the text column of a CSV/TSV/JSONL file (a label column in it is ignored,
// and said so), or a dataset's training split with its labels ignored — and the leakage guard that keeps
// labelled training texts and dev/test texts out of it (compared after whitespace normalisation).
import Basics
import Foundation

public struct UnlabeledTexts: Sendable {
    /// The texts: normalised, non-empty, first occurrences, in source order.
    public var texts: [String]
    /// What was read: "file.txt (text lines)", "mr's training split", …
    public var source: String
    /// The ignored label column or split labels, when the source had labels ("the column \"label\"").
    public var ignoredLabels: String?
    public var rowsRead = 0
    public var emptySkipped = 0
    public var duplicatesSkipped = 0

    /// SHA-256 over the texts, each followed by a NUL.
    public var contentSHA256: String {
        var hasher = SHA256()
        for text in texts { hasher.update(text); hasher.update("\u{0}") }
        return hasher.finalizeHex()
    }

    public init(texts: [String], source: String, ignoredLabels: String? = nil) {
        self.texts = []
        self.source = source
        self.ignoredLabels = ignoredLabels
        var seen = Set<String>()
        for raw in texts {
            rowsRead += 1
            let text = TextNormalizer.normalize(raw)
            if text.isEmpty { emptySkipped += 1; continue }
            guard seen.insert(text).inserted else { duplicatesSkipped += 1; continue }
            self.texts.append(text)
        }
    }

    /// Reads `argument`: a dataset (name or folder: its training split), a CSV/TSV/JSONL file (its text column,
    /// `textColumn` or auto-detected), or any other regular file as UTF-8 text lines.
    public static func load(_ argument: String, textColumn: String? = nil, dataDirectory: URL? = nil) throws -> UnlabeledTexts {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = fileManager.fileExists(atPath: argument, isDirectory: &isDirectory)
        if !exists || isDirectory.boolValue {
            let looksLikeFile = argument.contains("/") || !URL(fileURLWithPath: argument).pathExtension.isEmpty
            guard exists || (!looksLikeFile && (DatasetStore.isValidName(argument) || BuiltinDataset(rawValue: argument) != nil)) else {
                throw DatasetError(.notFound, file: argument, "no unlabelled data here: not a file, a dataset folder or a fetched dataset")
            }
            let dataset = try DatasetSplits.resolve(argument, dataDirectory: dataDirectory)
            guard !dataset.train.isEmpty else {
                throw DatasetError(.noUsableRows, file: argument, "dataset \(dataset.name) has no training split to take unlabelled text from")
            }
            return UnlabeledTexts(texts: dataset.train.map(\.text), source: "\(dataset.name)'s training split",
                                  ignoredLabels: "its labels")
        }
        let url = URL(fileURLWithPath: argument)
        if let format = UserFileFormat.guess(from: url) {
            let contents = try UserFileReader.read(url, options: UserFileOptions(format: format, textColumn: textColumn,
                                                                                  labelsOptional: true))
            var result = UnlabeledTexts(texts: contents.examples.map(\.text), source: "\(argument) (column \"\(contents.textColumn)\")",
                                        ignoredLabels: contents.labelColumn.isEmpty ? nil : "the column \"\(contents.labelColumn)\"")
            result.rowsRead = contents.rowsRead
            result.emptySkipped += contents.emptyTextLines.count
            return result
        }
        guard textColumn == nil else {
            throw DatasetError(.invalidArgument, file: argument, "--unlabeled-text-column needs a CSV, TSV or JSONL file; this is read as text lines")
        }
        let bytes = UTF8Check.strippingBOM(try UserFileReader.readBytes(url))
        try UTF8Check.validate(bytes, file: argument)
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        var result = UnlabeledTexts(texts: lines, source: "\(argument) (text lines)")
        // Blank lines separate texts; they are not skipped rows.
        result.rowsRead -= result.emptySkipped
        result.emptySkipped = 0
        guard !result.texts.isEmpty else { throw DatasetError(.emptyFile, file: argument, line: 1, "the file is empty") }
        return result
    }

    /// What the leakage guard removed.
    public struct Guarded: Sendable, Equatable {
        public var kept: [String]
        /// Texts equal to a labelled training text (already learnt from with their label).
        public var inTrain = 0
        /// Texts equal to a dev or test text (they would leak the held-out data into training).
        public var inHeldOut = 0
    }

    /// The texts without those of the labelled training split and of dev and test. Refuses data that is empty,
    /// that is the training data, or that is mostly dev/test text.
    public func guarded(train: [String], heldOut: [String]) throws -> Guarded {
        let trainKeys = Set(train.map(TextNormalizer.normalize))
        let heldOutKeys = Set(heldOut.map(TextNormalizer.normalize))
        var result = Guarded(kept: [])
        for text in texts {
            if heldOutKeys.contains(text) { result.inHeldOut += 1 } else if trainKeys.contains(text) { result.inTrain += 1 } else {
                result.kept.append(text)
            }
        }
        guard !texts.isEmpty else { throw DatasetError(.noUsableRows, file: source, "the unlabelled data holds no text") }
        if result.inHeldOut * 2 > texts.count {
            throw DatasetError(.invalidArgument, file: source,
                               "\(result.inHeldOut) of its \(texts.count) texts are dev or test texts: training on them would leak the evaluation data; give unlabelled text from outside dev and test")
        }
        if result.kept.isEmpty {
            throw DatasetError(.invalidArgument, file: source,
                               "every one of its \(texts.count) texts is a labelled training text (\(result.inHeldOut) dev/test texts aside): the unlabelled data equals the training data; give other text (e.g. a dataset with --train-subset N, whose other training texts become the unlabelled ones)")
        }
        return result
    }
}
