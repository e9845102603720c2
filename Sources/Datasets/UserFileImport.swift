// UserFileImport: datasets as users have them — separate train, dev and test files
// (`robust data import --train F --dev F --test F`, any subset), and one file taken whole, unsplit
// (`--split all`).
//
// SEPARATE FILES (`DatasetSplits.fromUserFiles`): each file is read as a user file (same columns,
//   skips and normalisation as a single file). Every file must have the same label set, else one
//   error lists the labels found in only one of them. Exact duplicate texts are removed with test
//   first, then dev, then train: a row whose text is in a higher split's file is dropped (so no test
//   text is trained on, and the test file loses only its own repeats), then repeats within a file
//   keep their first copy; the notes count what was dropped from which split and why. What was not given is then
//   made from --train, seeded by `seed` and stratified by label: with neither dev nor test, 80/10/10
//   as for a single file (the same split, example for example); with one of them missing, that one
//   is a 10% share of train (at least 1 per label that has 2 or more). Without --train nothing is
//   carved: the missing splits stay empty (--test alone is a test-only dataset). The manifest's
//   `split` has method "files" and an `origins` entry per split.
import Basics
import Foundation

/// The user's files for each split; nil for a split not given.
public struct SplitFiles: Sendable, Equatable {
    public var train: URL?
    public var dev: URL?
    public var test: URL?
    public init(train: URL? = nil, dev: URL? = nil, test: URL? = nil) {
        self.train = train
        self.dev = dev
        self.test = test
    }

    /// The files given, as (split name, file), in the order train, dev, test.
    public var given: [(split: String, file: URL)] {
        zip(DatasetManifest.splitNames, [train, dev, test]).compactMap { name, url in url.map { (name, $0) } }
    }

    /// One file as it was read, for the per-file skip report.
    public struct Read: Sendable {
        public var split: String
        public var file: URL
        public var contents: UserFileContents
    }
}

extension DatasetSplits {
    /// The share of the training file carved out for a dev or test split that was not given, when the
    /// other one was.
    public static let carvedShare = 0.1

    /// A dataset from the user's separate split files (see the file comment for the rules).
    public static func fromUserFiles(_ files: SplitFiles, name: String, options: UserFileOptions = .init(), seed: UInt64,
                                     robustVersion: String) throws -> (splits: DatasetSplits, reads: [SplitFiles.Read]) {
        let given = files.given
        guard !given.isEmpty else {
            throw DatasetError(.invalidArgument, "give at least one of --train, --dev and --test")
        }
        var reads: [SplitFiles.Read] = []
        for (split, url) in given {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw DatasetError(.notFound, file: url.path, "no such file (--\(split))")
            }
            guard !isDirectory.boolValue else {
                throw DatasetError(.invalidArgument, file: url.path, "is a folder, not a CSV, TSV or JSONL file (--\(split))")
            }
            reads.append(SplitFiles.Read(split: split, file: url, contents: try UserFileReader.read(url, options: options)))
        }
        try checkSameLabels(reads)

        // Deduplicate: test first, then dev, then train.
        var kept: [String: [Example]] = [:]
        var seen: [ByteKey: (split: String, label: String)] = [:]
        var notes: [String] = []
        var removedTotal = 0
        var conflicting = 0
        for split in DatasetManifest.splitNames.reversed() {
            guard let read = reads.first(where: { $0.split == split }) else { continue }
            var alsoIn: [String: Int] = [:]
            var fresh: [Example] = []
            for example in read.contents.examples {
                if let earlier = seen[ByteKey(example.text)] {
                    alsoIn[earlier.split, default: 0] += 1
                    if earlier.label != example.label { conflicting += 1 }
                } else {
                    fresh.append(example)
                }
            }
            let deduplicated = TextNormalizer.deduplicate(fresh)
            conflicting += deduplicated.conflicting
            for example in deduplicated.kept { seen[ByteKey(example.text)] = (split, example.label) }
            kept[split] = deduplicated.kept
            let crossRemoved = alsoIn.values.reduce(0, +)
            removedTotal += deduplicated.removed + crossRemoved
            var parts: [String] = []
            if deduplicated.removed > 0 { parts.append("\(deduplicated.removed) repeating an earlier row of the file") }
            for other in DatasetManifest.splitNames.reversed() where (alsoIn[other] ?? 0) > 0 {
                parts.append("\(alsoIn[other] ?? 0) whose text is also in \(other) (\(reads.first { $0.split == other }?.file.lastPathComponent ?? other))")
            }
            notes.insert("\(split): \(read.file.lastPathComponent), format \(read.contents.format.rawValue), text column \"\(read.contents.textColumn)\", label column \"\(read.contents.labelColumn)\": "
                         + "\(read.contents.examples.count) usable rows, "
                         + (parts.isEmpty ? "no duplicates" : "dropped " + parts.joined(separator: ", "))
                         + ", \(deduplicated.kept.count) left", at: 0)
        }
        if conflicting > 0 {
            notes.append("\(conflicting) dropped duplicate texts had a different label than the kept copy")
        }
        let allKept = DatasetManifest.splitNames.flatMap { kept[$0] ?? [] }
        let labels = DatasetStore.orderedLabels(Set(allKept.map(\.label)))
        if let trainRead = reads.first(where: { $0.split == "train" }), (kept["train"] ?? []).isEmpty {
            throw DatasetError(.noUsableRows, file: trainRead.file.path,
                               "every usable row repeats a text of the --dev or --test file; nothing is left to train on")
        }
        guard labels.count >= 2 else {
            throw DatasetError(.singleClass, file: reads[0].file.path,
                               "after removing duplicate texts only the label \"\(labels.first ?? "")\" is left; a classifier needs at least two classes")
        }

        // Carve what is missing out of train.
        var train = kept["train"] ?? [], dev = kept["dev"] ?? [], test = kept["test"] ?? []
        var origins: [String: DatasetManifest.Origin] = [:]
        for read in reads { origins[read.split] = .init(how: "file", file: read.file.path) }
        var ratios: [Double] = []
        var described: [String: String] = [:]
        for read in reads { described[read.split] = "\(read.split) from \(read.file.lastPathComponent)" }
        if let trainFile = files.train {
            let carve: SplitRatios
            switch (files.dev, files.test) {
            case (nil, nil): carve = .standard
            case (nil, _?): carve = SplitRatios(train: 1 - carvedShare, dev: carvedShare, test: 0)
            case (_?, nil): carve = SplitRatios(train: 1 - carvedShare, dev: 0, test: carvedShare)
            case (_?, _?): carve = SplitRatios(train: 1, dev: 0, test: 0)
            }
            ratios = carve.array
            if carve.dev > 0 || carve.test > 0 {
                let parts = try stratifiedSplit(train, ratios: carve, seed: seed)
                let carved = zip(["dev", "test"], [carve.dev, carve.test]).filter { $0.1 > 0 }
                for (split, share) in carved {
                    origins[split] = .init(how: "carved", file: trainFile.path, carvedFrom: "train", share: share, seed: seed)
                    described[split] = "\(split) a seeded stratified \(percent(share)) of \(trainFile.lastPathComponent) (seed \(seed))"
                }
                origins["train"] = .init(how: "rest", file: trainFile.path)
                described["train"] = "train the rest of \(trainFile.lastPathComponent)"
                if carve.dev > 0 { dev = parts.dev }
                if carve.test > 0 { test = parts.test }
                train = parts.train
                var perLabel: [String: Int] = [:]
                for example in kept["train"] ?? [] { perLabel[example.label, default: 0] += 1 }
                let minimum = stratifiedSplitMinimum(carve)
                for label in labels where (perLabel[label] ?? 0) < minimum {
                    notes.append("label \"\(label)\" has only \(perLabel[label] ?? 0) example(s) in \(trainFile.lastPathComponent): none carved into \(carved.map(\.0).joined(separator: " or "))")
                }
            }
        }
        for split in DatasetManifest.splitNames where origins[split] == nil {
            origins[split] = .init(how: "empty")
            described[split] = "\(split) empty (no file given, no --train to carve it from)"
        }
        let shown = DatasetManifest.splitNames.compactMap { described[$0] }
        let sources = reads.map { DatasetManifest.Source(file: $0.file.path, sha256: (try? SHA256.hex(fileAt: $0.file)) ?? "") }
        let splits = DatasetSplits(
            name: name, description: "imported from " + reads.map { "\($0.file.lastPathComponent) (\($0.split))" }.joined(separator: ", "),
            labels: labels, train: train, dev: dev, test: test, sources: sources,
            split: .init(method: "files", seed: seed, ratios: ratios, note: shown.joined(separator: "; "), origins: origins),
            preparation: .init(recordsRead: reads.reduce(0) { $0 + $1.contents.rowsRead }, duplicatesRemoved: removedTotal,
                               skippedEmptyText: reads.reduce(0) { $0 + $1.contents.emptyTextLines.count },
                               skippedMissingLabel: reads.reduce(0) { $0 + $1.contents.missingLabelLines.count }, notes: notes),
            robustVersion: robustVersion)
        return (splits, reads)
    }

    /// A user file taken whole for `--split all`: every usable row in file order, exact duplicates
    /// removed (first kept) and empty texts skipped, both counted as for a split file, all in `test`;
    /// train and dev are empty. Nothing is written.
    public static func wholeUserFile(_ url: URL, name: String? = nil, options: UserFileOptions = .init(),
                                     robustVersion: String) throws -> (splits: DatasetSplits, contents: UserFileContents) {
        let contents = try UserFileReader.read(url, options: options)
        let deduplicated = TextNormalizer.deduplicate(contents.examples)
        var notes = ["format \(contents.format.rawValue), text column \"\(contents.textColumn)\", label column \"\(contents.labelColumn)\""]
        notes.append("\(contents.examples.count) usable rows, \(deduplicated.removed) exact duplicate texts removed (first kept), \(deduplicated.kept.count) left")
        if deduplicated.conflicting > 0 {
            notes.append("\(deduplicated.conflicting) removed duplicate texts had a different label than the kept copy")
        }
        let splits = DatasetSplits(
            name: name ?? url.deletingPathExtension().lastPathComponent, description: "\(url.lastPathComponent), unsplit",
            labels: DatasetStore.orderedLabels(Set(deduplicated.kept.map(\.label))),
            train: [], dev: [], test: deduplicated.kept,
            sources: [.init(file: url.path, sha256: (try? SHA256.hex(fileAt: url)) ?? "")],
            split: .init(method: "unsplit", seed: 0, ratios: [0, 0, 1], note: "every usable row of \(url.lastPathComponent), in file order, unsplit"),
            preparation: .init(recordsRead: contents.rowsRead, duplicatesRemoved: deduplicated.removed,
                               skippedEmptyText: contents.emptyTextLines.count,
                               skippedMissingLabel: contents.missingLabelLines.count, notes: notes),
            robustVersion: robustVersion)
        return (splits, contents)
    }

    /// Every file must have the labels of the first one given; the error names the two flags and the
    /// labels found in only one of them.
    static func checkSameLabels(_ reads: [SplitFiles.Read]) throws {
        guard let first = reads.first else { return }
        let reference = Set(first.contents.examples.map(\.label))
        for other in reads.dropFirst() {
            let labels = Set(other.contents.examples.map(\.label))
            guard labels != reference else { continue }
            var parts: [String] = []
            let onlyFirst = DatasetStore.orderedLabels(reference.subtracting(labels))
            let onlyOther = DatasetStore.orderedLabels(labels.subtracting(reference))
            if !onlyFirst.isEmpty { parts.append("only in \(first.split): \(onlyFirst.joined(separator: ", "))") }
            if !onlyOther.isEmpty { parts.append("only in \(other.split): \(onlyOther.joined(separator: ", "))") }
            throw DatasetError(.labelsDiffer, "labels differ between --\(first.split) and --\(other.split): \(parts.joined(separator: "; "))")
        }
    }
}

private func percent(_ share: Double) -> String { String(format: "%g%%", share * 100) }
