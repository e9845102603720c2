// ImageFolderImport: owns `robust data import DIR` for folders of images — reading a class-per-folder tree of
// PNG/JPEG files into an `ImageDataset` (nothing is written here; the caller writes it atomically).
//
// LAYOUTS
//   DIR/CLASS/*                   one sub-folder per class; split stratified 80/10/10 with the seed, like one
//                                 text file (same per-class rounding, `ImageSplitting.ratioShares`).
//   DIR/{train,dev,test}/CLASS/*  the user's own splits (any of the three; every sub-folder of DIR must then be
//                                 one of them). Missing ones are carved from train as for text split files:
//                                 neither dev nor test → 80/10/10 of train; one missing → a seeded stratified
//                                 10% of train; no train → the missing splits stay empty. Every split folder
//                                 must have the same class folders.
//   Class names are the folder names, ordered numerically when all are integers, else by UTF-8 bytes
//   (`DatasetStore.orderedLabels`); files are read in UTF-8 byte order of their names; a split's source order
//   is class by class in that order.
// FILES: a file is an image when its first bytes are a PNG or JPEG signature (the extension is not looked at).
//   Anything else — other files, hidden files (".…"), nested folders, files beside the class folders — is
//   SKIPPED and counted in the manifest's notes (with up to three example names), not refused: folders from
//   the wild hold .DS_Store, Thumbs.db, README files. An image that does not decode REFUSES the whole import
//   (one line naming the file), as does a class folder with no images.
// SHAPE: `--size HxW` and `--channels 1|3` set the target; without them the first image read decides, and
//   every other image must then agree (the error names both files and suggests the flag). Images are
//   converted and resized with `ImageResize.conform` (Pillow's "L"/"RGB" conversion, then Pillow's bilinear).
// SOURCES: one entry for DIR whose sha256 is over "RELATIVE-PATH NUL SHA256-OF-FILE LF" for every image read,
//   in reading order — it changes when any image (or its name) changes.
import Basics
import Foundation

/// Target shape options of an image folder import.
public struct ImageFolderOptions: Sendable, Equatable {
    /// Target height and width (nil: the first image's, which every image must then have).
    public var height: Int?
    public var width: Int?
    /// Target channel count, 1 or 3 (nil: the first image's, which every image must then have).
    public var channels: Int?

    public init(height: Int? = nil, width: Int? = nil, channels: Int? = nil) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Parses "HxW" (also "H×W", or "N" for N×N); each side 1 to 16,384. Nil when malformed.
    public static func parseSize(_ text: String) -> (height: Int, width: Int)? {
        let parts = text.lowercased().replacingOccurrences(of: "×", with: "x").split(separator: "x", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == parts.count, (1...2).contains(numbers.count),
              numbers.allSatisfy({ (1...IDXReader.maxSide).contains($0) }) else { return nil }
        return numbers.count == 1 ? (numbers[0], numbers[0]) : (numbers[0], numbers[1])
    }
}

extension ImageDataset {
    /// The share of train carved for a missing dev or test split folder when the other one was given.
    public static let carvedShare = 0.1

    /// Reads an image folder (see the file comment for layouts and rules) into a dataset named `name`.
    public static func fromFolder(_ directory: URL, name: String, options: ImageFolderOptions = .init(), seed: UInt64,
                                  robustVersion: String, log: (String) -> Void = { _ in }) throws -> ImageDataset {
        if let channels = options.channels, channels != 1 && channels != 3 {
            throw DatasetError(.invalidArgument, "--channels must be 1 (grey) or 3 (RGB), not \(channels)")
        }
        if (options.height == nil) != (options.width == nil) {
            throw DatasetError(.invalidArgument, "give both the height and the width of --size")
        }
        return try withoutActuallyEscaping(log) { log in
            var reader = FolderReader(root: directory.standardizedFileURL, options: options, log: log)
            return try reader.read(name: name, seed: seed, robustVersion: robustVersion)
        }
    }
}

/// One pass over the folder: lists, decodes, conforms and splits.
private struct FolderReader {
    let root: URL
    let options: ImageFolderOptions
    let log: (String) -> Void

    var skipped: [String: [String]] = [:]   // reason → relative paths
    var target: ImageShape?
    var firstImage: String?
    var resamplers: [[Int]: BilinearResampler] = [:]
    var imagesRead = 0
    var resized = 0
    var converted = 0
    var tree = SHA256()

    init(root: URL, options: ImageFolderOptions, log: @escaping (String) -> Void) {
        self.root = root
        self.options = options
        self.log = log
    }

    /// A split folder's classes: class name → image files (sorted).
    struct Listing {
        var folder: URL
        var classes: [String: [URL]]
    }

    mutating func read(name: String, seed: UInt64, robustVersion: String) throws -> ImageDataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw DatasetError(.notFound, file: root.path, "no such folder")
        }
        guard isDirectory.boolValue else {
            throw DatasetError(.invalidArgument, file: root.path, "is a file, not a folder of class folders")
        }
        let top = try entries(root)
        let folders = top.filter { $0.isDirectory && !$0.hidden }.map(\.name)
        let splitNames = Set(DatasetManifest.splitNames)
        let splitFolders = folders.filter { splitNames.contains($0) }
        let usesSplits = !splitFolders.isEmpty
        if usesSplits, splitFolders.count != folders.count {
            let others = folders.filter { !splitNames.contains($0) }
            throw DatasetError(.invalidArgument, file: root.path,
                               "has \(splitFolders.map { $0 + "/" }.joined(separator: ", ")) beside other folders (\(others.prefix(3).joined(separator: ", "))); use either one folder per class or train/ dev/ test/ folders each holding class folders")
        }
        guard !folders.isEmpty else {
            throw DatasetError(.noUsableRows, file: root.path, "has no sub-folders; put each class's images in a folder named after the class")
        }

        // List every split folder (or the root as one).
        var listings: [(split: String, listing: Listing)] = []
        if usesSplits {
            for entry in top {
                if entry.hidden { skip("hidden files or folders", entry.name) }
                else if !entry.isDirectory { skip("files beside the split folders", entry.name) }
            }
            for split in DatasetManifest.splitNames where splitFolders.contains(split) {
                listings.append((split, try list(root.appendingPathComponent(split), prefix: split + "/")))
            }
            try checkSameClasses(listings)
        } else {
            listings.append(("all", try list(root, prefix: "")))
        }
        let labels = DatasetStore.orderedLabels(Set(listings.flatMap { $0.listing.classes.keys }))
        guard labels.count >= 2 else {
            throw DatasetError(.singleClass, file: root.path,
                               "has only the class folder \"\(labels.first ?? "")\"; a classifier needs at least two classes")
        }

        // Decode and conform, split by split, class by class.
        var parts: [String: ImageSplit] = [:]
        for (split, listing) in listings {
            var pixels: [UInt8] = []
            var classIndices: [Int32] = []
            for (classIndex, label) in labels.enumerated() {
                guard let files = listing.classes[label] else { continue }
                var found = 0
                for url in files {
                    let image: PixelImage
                    do { image = try load(url) } catch is NotAnImage {
                        skip("files that are not PNG or JPEG", relativePath(url))
                        continue
                    }
                    found += 1
                    if pixels.isEmpty, let target {
                        // Room for every candidate file of the split (capped: skipped files and huge targets).
                        let total = listing.classes.values.reduce(0) { $0 + $1.count }
                        let (wanted, overflow) = total.multipliedReportingOverflow(by: target.count)
                        pixels.reserveCapacity(overflow ? 1 << 30 : min(wanted, 1 << 30))
                    }
                    pixels.append(contentsOf: image.pixels)
                    classIndices.append(Int32(classIndex))
                }
                guard found > 0 else {
                    throw DatasetError(.noUsableRows, file: listing.folder.appendingPathComponent(label).path,
                                       "class folder has no PNG or JPEG images" + (files.isEmpty ? "" : " (\(files.count) other file\(files.count == 1 ? "" : "s") skipped)"))
                }
            }
            guard let target else { continue }
            parts[split] = ImageSplit(unchecked: target, pixels: pixels, labels: classIndices)
        }
        guard let shape = target else {
            throw DatasetError(.noUsableRows, file: root.path, "holds no PNG or JPEG images")
        }

        // Split.
        let empty = ImageSplit.empty(shape)
        var train = empty, dev = empty, test = empty
        let method: String
        var ratios: [Double] = []
        var origins: [String: DatasetManifest.Origin]? = nil
        var note: String?
        if !usesSplits {
            let all = parts["all"] ?? empty
            let assignment = ImageSplitting.assign(labels: all.labels, classCount: labels.count, seed: seed,
                                                   shares: ImageSplitting.ratioShares(.standard))
            (train, dev, test) = ImageSplitting.apply(assignment, to: all)
            method = "stratified"
            ratios = SplitRatios.standard.array
        } else {
            method = "files"
            var made: [String: DatasetManifest.Origin] = [:]
            var described: [String: String] = [:]
            for (split, listing) in listings {
                made[split] = .init(how: "file", file: listing.folder.path)
                described[split] = "\(split) from \(split)/"
            }
            train = parts["train"] ?? empty
            dev = parts["dev"] ?? empty
            test = parts["test"] ?? empty
            if parts["train"] != nil {
                let hasDev = parts["dev"] != nil, hasTest = parts["test"] != nil
                let carve: SplitRatios
                switch (hasDev, hasTest) {
                case (false, false): carve = .standard
                case (false, true): carve = SplitRatios(train: 1 - ImageDataset.carvedShare, dev: ImageDataset.carvedShare, test: 0)
                case (true, false): carve = SplitRatios(train: 1 - ImageDataset.carvedShare, dev: 0, test: ImageDataset.carvedShare)
                case (true, true): carve = SplitRatios(train: 1, dev: 0, test: 0)
                }
                ratios = carve.array
                if carve.dev > 0 || carve.test > 0 {
                    let trainFolder = root.appendingPathComponent("train").path
                    let assignment = ImageSplitting.assign(labels: train.labels, classCount: labels.count, seed: seed,
                                                           shares: ImageSplitting.ratioShares(carve))
                    let carved = ImageSplitting.apply(assignment, to: train)
                    for (split, share) in [("dev", carve.dev), ("test", carve.test)] where share > 0 {
                        made[split] = .init(how: "carved", file: trainFolder, carvedFrom: "train", share: share, seed: seed)
                        described[split] = "\(split) a seeded stratified \(String(format: "%g%%", share * 100)) of train/ (seed \(seed))"
                    }
                    made["train"] = .init(how: "rest", file: trainFolder)
                    described["train"] = "train the rest of train/"
                    if carve.dev > 0 { dev = carved.dev }
                    if carve.test > 0 { test = carved.test }
                    train = carved.train
                }
            }
            for split in DatasetManifest.splitNames where made[split] == nil {
                made[split] = .init(how: "empty")
                described[split] = "\(split) empty (no \(split)/ folder, no train/ to carve it from)"
            }
            origins = made
            note = DatasetManifest.splitNames.compactMap { described[$0] }.joined(separator: "; ")
        }

        var notes = ["layout: " + (usesSplits ? "split folders \(listings.map { $0.split + "/" }.joined(separator: ", ")) of class folders" : "one folder per class"),
                     "\(imagesRead) images read, target \(shape) (\(shape.channels == 1 ? "grey" : "RGB")); \(converted) converted (\(shape.channels == 1 ? "RGB to grey" : "grey to RGB")), \(resized) resized (bilinear)"]
        for reason in skipped.keys.sorted() {
            let paths = skipped[reason] ?? []
            notes.append("skipped \(paths.count) \(reason): \(paths.prefix(3).joined(separator: ", "))\(paths.count > 3 ? ", …" : "")")
        }
        notes.append("source sha256 is over \"relative path NUL sha256 of the file LF\" for every image read, in reading order")
        return try ImageDataset(
            name: name, description: "imported from \(root.lastPathComponent)/", labels: labels, shape: shape,
            train: train, dev: dev, test: test,
            sources: [.init(file: root.path, sha256: tree.finalizeHex())],
            split: .init(method: method, seed: seed, ratios: ratios, note: note, origins: origins),
            preparation: .init(recordsRead: imagesRead, notes: notes),
            robustVersion: robustVersion)
    }

    struct Entry {
        var name: String
        var isDirectory: Bool
        var hidden: Bool
    }

    /// A folder's entries sorted by UTF-8 bytes of their names.
    func entries(_ folder: URL) throws -> [Entry] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw DatasetError(.io, file: folder.path, "cannot list the folder: \(error.localizedDescription)")
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDirectory)
            return Entry(name: name, isDirectory: isDirectory.boolValue, hidden: name.hasPrefix("."))
        }
    }

    /// The class folders of `folder` and their candidate files (every non-hidden regular entry; whether it is
    /// an image is decided when it is read).
    mutating func list(_ folder: URL, prefix: String) throws -> Listing {
        var classes: [String: [URL]] = [:]
        for entry in try entries(folder) {
            if entry.hidden { skip("hidden files or folders", prefix + entry.name); continue }
            guard entry.isDirectory else { skip("files beside the class folders", prefix + entry.name); continue }
            var files: [URL] = []
            let classFolder = folder.appendingPathComponent(entry.name)
            for item in try entries(classFolder) {
                let relative = prefix + entry.name + "/" + item.name
                if item.hidden { skip("hidden files or folders", relative); continue }
                if item.isDirectory { skip("nested folders (not read)", relative); continue }
                files.append(classFolder.appendingPathComponent(item.name))
            }
            classes[entry.name] = files
        }
        return Listing(folder: folder, classes: classes)
    }

    mutating func skip(_ reason: String, _ path: String) {
        skipped[reason, default: []].append(path)
    }

    func relativePath(_ url: URL) -> String {
        let full = url.path, base = root.path + "/"
        return full.hasPrefix(base) ? String(full.dropFirst(base.count)) : full
    }

    /// Reads one candidate file: throws `NotAnImage` when it is not a PNG or JPEG (the caller skips it), else
    /// decodes it and brings it to the target shape (set by the first image read).
    mutating func load(_ url: URL) throws -> PixelImage {
        let bytes = try ImageCodec.readFile(url)
        guard ImageFormat.detect(bytes) != nil else {
            throw NotAnImage()
        }
        let relative = relativePath(url)
        var image = try ImageCodec.decode(bytes, file: url.path)
        tree.update(relative)
        tree.update([0])
        tree.update(SHA256.hex(Data(bytes)))
        tree.update([0x0A])
        imagesRead += 1
        if imagesRead % 5000 == 0 { log("\(imagesRead) images read") }
        if target == nil {
            target = ImageShape(channels: options.channels ?? image.channels, height: options.height ?? image.height,
                                width: options.width ?? image.width)
            firstImage = relative
        }
        guard let target else { return image }
        if options.channels == nil, image.channels != target.channels {
            throw DatasetError(.invalidImage, file: url.path,
                               "has \(image.channels) channel\(image.channels == 1 ? "" : "s") but the first image (\(firstImage ?? "")) has \(target.channels); pass --channels 1 or 3 to convert them all")
        }
        if options.height == nil, image.height != target.height || image.width != target.width {
            throw DatasetError(.invalidImage, file: url.path,
                               "is \(image.height)x\(image.width) but the first image (\(firstImage ?? "")) is \(target.height)x\(target.width); pass --size HxW to resize them all")
        }
        if image.channels != target.channels {
            image = try ImageResize.convert(image, channels: target.channels)
            converted += 1
        }
        if image.height != target.height || image.width != target.width {
            let key = [image.height, image.width]
            let resampler: BilinearResampler
            if let cached = resamplers[key] { resampler = cached } else {
                resampler = try BilinearResampler(inputHeight: image.height, inputWidth: image.width,
                                                  outputHeight: target.height, outputWidth: target.width)
                if resamplers.count < 64 { resamplers[key] = resampler }
            }
            image = try ImageResize.resize(image, with: resampler)
            resized += 1
        }
        return image
    }

    struct NotAnImage: Error {}

    func checkSameClasses(_ listings: [(split: String, listing: Listing)]) throws {
        guard let first = listings.first else { return }
        let reference = Set(first.listing.classes.keys)
        for other in listings.dropFirst() {
            let classes = Set(other.listing.classes.keys)
            guard classes != reference else { continue }
            var parts: [String] = []
            let onlyFirst = DatasetStore.orderedLabels(reference.subtracting(classes))
            let onlyOther = DatasetStore.orderedLabels(classes.subtracting(reference))
            if !onlyFirst.isEmpty { parts.append("only in \(first.split)/: \(onlyFirst.joined(separator: ", "))") }
            if !onlyOther.isEmpty { parts.append("only in \(other.split)/: \(onlyOther.joined(separator: ", "))") }
            throw DatasetError(.labelsDiffer, file: root.path,
                               "class folders differ between \(first.split)/ and \(other.split)/: \(parts.joined(separator: "; "))")
        }
    }
}
