// DatasetSplits: a dataset in memory — loading a folder, writing one atomically, and resolving the
// `--data` argument of the trainer and the other commands.
import Basics
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct DatasetSplits: Sendable {
    public var name: String
    /// Class names in their fixed order: class index i is labels[i].
    public var labels: [String]
    public var train: [Example]
    public var dev: [Example]
    public var test: [Example]
    public var manifest: DatasetManifest
    /// The folder it was loaded from or written to; nil for a user file split on the fly.
    public var directory: URL?

    /// Assembles a dataset and its manifest (counts and content hash are computed here).
    public init(name: String, description: String, labels: [String], train: [Example], dev: [Example], test: [Example],
                sources: [DatasetManifest.Source], split: DatasetManifest.Split,
                preparation: DatasetManifest.Preparation, robustVersion: String) {
        self.name = name
        self.labels = labels
        self.train = train
        self.dev = dev
        self.test = test
        self.directory = nil
        var counts: [String: [String: Int]] = [:]
        for (splitName, examples) in zip(DatasetManifest.splitNames, [train, dev, test]) {
            var perLabel = Dictionary(uniqueKeysWithValues: labels.map { ($0, 0) })
            for example in examples { perLabel[example.label, default: 0] += 1 }
            counts[splitName] = perLabel
        }
        manifest = DatasetManifest(
            formatVersion: DatasetManifest.currentFormat, name: name, description: description, sources: sources,
            labels: labels, counts: counts, split: split, preparation: preparation,
            contentSHA256: ContentHash.compute(train: train, dev: dev, test: test), robustVersion: robustVersion)
    }

    private init(manifest: DatasetManifest, train: [Example], dev: [Example], test: [Example], directory: URL) {
        self.name = manifest.name
        self.labels = manifest.labels
        self.train = train
        self.dev = dev
        self.test = test
        self.manifest = manifest
        self.directory = directory
    }

    public func examples(_ split: String) -> [Example]? {
        switch split {
        case "train": return train
        case "dev": return dev
        case "test": return test
        default: return nil
        }
    }

    /// Class index of a label name, or nil when the label is not one of `labels`.
    public func index(of label: String) -> Int? { labels.firstIndex(of: label) }

    // MARK: - Loading

    /// Loads a dataset folder and checks it: every label is in the manifest, the counts match, and
    /// the content hash matches the records.
    public static func load(directory: URL) throws -> DatasetSplits {
        let manifest = try loadManifest(directory: directory)
        guard !manifest.isImages else {
            throw DatasetError(.wrongKind, file: directory.path,
                               "is an image dataset (\(manifest.imageShape.map { "\($0)" } ?? "?") images), not a text dataset; this command reads text")
        }
        var splits: [[Example]] = []
        for splitName in DatasetManifest.splitNames {
            let url = directory.appendingPathComponent("\(splitName).jsonl")
            let examples = try readJSONL(url, labels: Set(manifest.labels))
            guard examples.count == manifest.total(splitName) else {
                throw DatasetError(.contentHashMismatch, file: url.path,
                                   "has \(examples.count) records but dataset.json says \(manifest.total(splitName)); rebuild the dataset")
            }
            splits.append(examples)
        }
        let hash = ContentHash.compute(train: splits[0], dev: splits[1], test: splits[2])
        guard hash == manifest.contentSHA256 else {
            throw DatasetError(.contentHashMismatch, file: directory.path,
                               "the split files do not match dataset.json's content_sha256 (edited after it was written?); rebuild the dataset")
        }
        return DatasetSplits(manifest: manifest, train: splits[0], dev: splits[1], test: splits[2], directory: directory)
    }

    /// Reads just dataset.json (fast: used by `robust data list`).
    public static func loadManifest(directory: URL) throws -> DatasetManifest {
        let url = directory.appendingPathComponent("dataset.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DatasetError(.notFound, file: directory.path, "not a dataset folder (no dataset.json)")
        }
        let manifest: DatasetManifest
        do {
            manifest = try JSONDecoder().decode(DatasetManifest.self, from: FileLimits.read(url, as: .metadata))
        } catch {
            throw DatasetError(.invalidJSON, file: url.path, "unreadable manifest: \(error)")
        }
        guard manifest.formatVersion == DatasetManifest.currentFormat else {
            throw DatasetError(.invalidRecord, file: url.path,
                               "format_version \(manifest.formatVersion) is not supported (this robust reads \(DatasetManifest.currentFormat))")
        }
        return manifest
    }

    static func readJSONL(_ url: URL, labels: Set<String>) throws -> [Example] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError(.io, file: url.path, "cannot read: \(error.localizedDescription)")
        }
        let bytes = [UInt8](data)
        try UTF8Check.validate(bytes, file: url.path)
        let decoder = JSONDecoder()
        var examples: [Example] = []
        var start = 0
        var line = 0
        while start < bytes.count {
            line += 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let slice = bytes[start..<end]
            start = end + 1
            if slice.isEmpty { continue }
            guard let example = try? decoder.decode(Example.self, from: Data(slice)) else {
                throw DatasetError(.invalidJSON, file: url.path, line: line, "not a {\"text\", \"label\"} record")
            }
            guard labels.contains(example.label) else {
                throw DatasetError(.invalidRecord, file: url.path, line: line,
                                   "label \"\(example.label)\" is not among the manifest's labels")
            }
            examples.append(example)
        }
        return examples
    }

    // MARK: - Writing

    /// Writes the dataset folder atomically: into a hidden sibling folder first, renamed into place
    /// when complete. With `replace`, an existing folder is swapped out only after the new one is ready.
    /// Returns the dataset with `directory` set.
    @discardableResult
    public func write(to directory: URL, replace: Bool) throws -> DatasetSplits {
        try write(to: directory, replace: replace, afterEachFile: { _ in })
    }

    /// `afterEachFile` runs after each file is written into the staging folder (tests use it to fail mid-way).
    func write(to directory: URL, replace: Bool, afterEachFile: (String) throws -> Void) throws -> DatasetSplits {
        var files: [DatasetFolder.File] = zip(DatasetManifest.splitNames, [train, dev, test]).map { splitName, examples in
            DatasetFolder.File(name: "\(splitName).jsonl") { try Self.jsonl(examples).write(to: $0) }
        }
        files.append(DatasetFolder.File(name: "dataset.json") { [manifest] in try manifest.encoded().write(to: $0) })
        var written = self
        written.directory = try DatasetFolder.write(files, to: directory, replace: replace, afterEachFile: afterEachFile)
        return written
    }

    /// The JSONL bytes of a split: `{"text":"…","label":"…"}` per line.
    static func jsonl(_ examples: [Example]) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(examples.reduce(0) { $0 + $1.text.utf8.count + $1.label.utf8.count + 24 })
        for example in examples {
            out.append(contentsOf: Array("{\"text\":".utf8))
            appendJSONString(example.text, to: &out)
            out.append(contentsOf: Array(",\"label\":".utf8))
            appendJSONString(example.label, to: &out)
            out.append(contentsOf: Array("}\n".utf8))
        }
        return Data(out)
    }

    private static func appendJSONString(_ string: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: - Resolving --data

    /// Resolves a `--data` argument, in this order:
    ///  1. a NAME (no `/`) with `FOLDER/NAME/dataset.json` → that dataset, FOLDER being `dataDirectory` when
    ///     given, else the first of `DatasetStore.searchDirectories()` that has it;
    ///  2. an existing folder → loaded as a dataset folder;
    ///  3. an existing file → read as a user CSV/TSV/JSONL (`fileOptions`), deduplicated and split on the
    ///     fly, stratified 80/10/10 with `seed` (nothing is written; `manifest.preparation` has the skips);
    ///     with `splitFile` false (`--split all`) not split at all: every usable row in `test`, see
    ///     `wholeUserFile`;
    ///  otherwise an error that says how to fetch a built-in dataset.
    public static func resolve(_ argument: String, dataDirectory: URL? = nil,
                               fileOptions: UserFileOptions = .init(), seed: UInt64 = 42, splitFile: Bool = true,
                               robustVersion: String = "unknown") throws -> DatasetSplits {
        let fileManager = FileManager.default
        let folders = dataDirectory.map { [$0] } ?? DatasetStore.searchDirectories()
        if DatasetStore.isValidName(argument) {
            for dataFolder in folders {
                let folder = dataFolder.appendingPathComponent(argument)
                if fileManager.fileExists(atPath: folder.appendingPathComponent("dataset.json").path) {
                    return try load(directory: folder)
                }
            }
        }
        let dataDirectory = dataDirectory ?? DatasetStore.defaultDirectory()
        let under = folders.map { $0.path + "/" }.joined(separator: " or ")
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: argument, isDirectory: &isDirectory) {
            let url = URL(fileURLWithPath: argument)
            if isDirectory.boolValue { return try load(directory: url) }
            if !splitFile { return try wholeUserFile(url, options: fileOptions, robustVersion: robustVersion).splits }
            return try fromUserFile(url, options: fileOptions, seed: seed, robustVersion: robustVersion).splits
        }
        if BuiltinDataset(rawValue: argument) != nil || BuiltinImageDataset(rawValue: argument) != nil {
            throw DatasetError(.notFound, file: dataDirectory.appendingPathComponent(argument).path,
                               "dataset \(argument) is not fetched\(folders.count > 1 ? " (looked under \(under))" : ""); run: robust data fetch \(argument)")
        }
        throw DatasetError(.notFound,
                           "no dataset \"\(argument)\": not a dataset under \(under), nor an existing folder or file (built-in: \(BuiltinDataset.allCases.map(\.rawValue).joined(separator: ", ")))")
    }

    /// A user file as a dataset: read, deduplicated, split stratified 80/10/10 with `seed`.
    public static func fromUserFile(_ url: URL, name: String? = nil, options: UserFileOptions = .init(), seed: UInt64,
                                    robustVersion: String) throws -> (splits: DatasetSplits, contents: UserFileContents) {
        let contents = try UserFileReader.read(url, options: options)
        let fileHash = (try? SHA256.hex(fileAt: url)) ?? ""
        let deduplicated = TextNormalizer.deduplicate(contents.examples)
        let labels = DatasetStore.orderedLabels(Set(deduplicated.kept.map(\.label)))
        guard labels.count >= 2 else {
            throw DatasetError(.singleClass, file: url.path,
                               "after removing duplicate texts only the label \"\(labels.first ?? "")\" is left; a classifier needs at least two classes")
        }
        var notes = ["format \(contents.format.rawValue), text column \"\(contents.textColumn)\", label column \"\(contents.labelColumn)\""]
        notes.append("\(contents.examples.count) usable rows, \(deduplicated.removed) exact duplicate texts removed (first kept), \(deduplicated.kept.count) left")
        if deduplicated.conflicting > 0 {
            notes.append("\(deduplicated.conflicting) removed duplicate texts had a different label than the kept copy")
        }
        var perLabel: [String: Int] = [:]
        for example in deduplicated.kept { perLabel[example.label, default: 0] += 1 }
        for label in labels where (perLabel[label] ?? 0) < 3 {
            notes.append("label \"\(label)\" has only \(perLabel[label] ?? 0) example(s): all in train")
        }
        let parts = try stratifiedSplit(deduplicated.kept, ratios: .standard, seed: seed)
        let splits = DatasetSplits(
            name: name ?? url.deletingPathExtension().lastPathComponent,
            description: "imported from \(url.lastPathComponent)", labels: labels,
            train: parts.train, dev: parts.dev, test: parts.test,
            sources: [.init(file: url.path, sha256: fileHash)],
            split: .init(method: "stratified", seed: seed, ratios: SplitRatios.standard.array),
            preparation: .init(recordsRead: contents.rowsRead, duplicatesRemoved: deduplicated.removed,
                               skippedEmptyText: contents.emptyTextLines.count,
                               skippedMissingLabel: contents.missingLabelLines.count, notes: notes),
            robustVersion: robustVersion)
        return (splits, contents)
    }
}

/// Where datasets live and what is there.
public enum DatasetStore {
    /// Where `robust data fetch` and `data import` write datasets (`Basics.ResourceLocations.dataFolders`):
    /// `ROBUST_DATA_DIR` if set, else `data` in the working directory when it is a robust checkout, else
    /// the per-user cache's `data`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        URL(fileURLWithPath: ResourceLocations.dataFolders(environment: environment).write.path)
    }

    /// Where a dataset NAME is looked for, in order: `ROBUST_DATA_DIR` alone if set, else `defaultDirectory`
    /// first, then the other of the working directory's and the per-user cache's `data`.
    public static func searchDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        ResourceLocations.dataFolders(environment: environment).search.map { URL(fileURLWithPath: $0.path) }
    }

    /// Dataset names: a letter or digit, then letters, digits, `_`, `-` or `.`; at most 64 characters.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "_-.".unicodeScalars.contains(scalar))
        }
        return first.isASCII && CharacterSet.alphanumerics.contains(first) && name.unicodeScalars.allSatisfy(allowed)
    }

    /// Labels in a fixed order: numerically when every label is an integer, else by UTF-8 bytes.
    public static func orderedLabels(_ labels: Set<String>) -> [String] {
        let numbers = labels.compactMap { Int($0) }
        if numbers.count == labels.count {
            return labels.sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }
        }
        return labels.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// One folder under the data dir: its manifest, or why it could not be read.
    public struct Entry: Sendable {
        public var name: String
        public var directory: URL
        public var manifest: Result<DatasetManifest, DatasetError>
    }

    /// Every non-hidden folder under `dataDirectory`, sorted by name (manifests only, so it is fast).
    public static func entries(in dataDirectory: URL) -> [Entry] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: dataDirectory.path) else { return [] }
        var entries: [Entry] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let folder = dataDirectory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let result: Result<DatasetManifest, DatasetError>
            do { result = .success(try DatasetSplits.loadManifest(directory: folder)) } catch let error as DatasetError {
                result = .failure(error)
            } catch {
                result = .failure(DatasetError(.io, file: folder.path, "\(error)"))
            }
            entries.append(Entry(name: name, directory: folder, manifest: result))
        }
        return entries
    }
}
