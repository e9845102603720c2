// DatasetsFuzz (fuzz-datasets): the user-file readers (CSV, TSV, JSONL) as `robust data import` runs them —
// `DatasetSplits.fromUserFile` on a scratch file — and the dataset folder written from the result and read back.
//
// Input: the first byte picks the format (byte % 3: CSV, TSV, JSONL); the rest is the file. An input must be
// refused with a DatasetError, or give usable rows (every row read is kept or counted as skipped, labels are
// trimmed and printable, at least two classes) whose stratified split is a partition of the deduplicated rows
// and whose dataset folder reads back with the same examples.
import Datasets
import Foundation
import FuzzSupport

@main
enum DatasetsFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    guard let first = bytes.first else { return 0 }
    let format = [UserFileFormat.csv, .tsv, .jsonl][Int(first) % 3]
    let folder = Fuzz.writeScratch(["data.\(format.rawValue)": Array(bytes.dropFirst())])
    let file = folder.appendingPathComponent("data.\(format.rawValue)")
    let splits: DatasetSplits, contents: UserFileContents
    do {
        (splits, contents) = try DatasetSplits.fromUserFile(file, name: "fuzz", seed: 7, robustVersion: "fuzz")
    } catch is DatasetError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    Fuzz.check(contents.format == format, "format \(contents.format) read as \(format)")
    Fuzz.check(contents.rowsRead == contents.examples.count + contents.emptyTextLines.count + contents.missingLabelLines.count,
               "rows read \(contents.rowsRead) ≠ kept \(contents.examples.count) + skipped")
    for example in contents.examples {
        Fuzz.check(!example.text.isEmpty && !example.label.isEmpty, "an empty text or label was kept")
        Fuzz.check(example.label == example.label.trimmingCharacters(in: .whitespacesAndNewlines), "label not trimmed")
        Fuzz.check(!example.label.unicodeScalars.contains { $0.properties.generalCategory == .control }, "control character in a label")
    }
    Fuzz.check(Set(contents.examples.map(\.label)).count >= 2, "fewer than two classes accepted")
    let kept = TextNormalizer.deduplicate(contents.examples).kept
    let all = splits.train + splits.dev + splits.test
    Fuzz.check(all.count == kept.count && Set(all.map(\.text)) == Set(kept.map(\.text)), "the split is not a partition of the rows")
    Fuzz.check(splits.labels == DatasetStore.orderedLabels(Set(kept.map(\.label))), "labels differ from the rows' labels")
    // The dataset folder written from it reads back the same.
    let target = folder.appendingPathComponent("dataset")
    do {
        try splits.write(to: target, replace: true)
        let loaded = try DatasetSplits.load(directory: target)
        Fuzz.check(loaded.train == splits.train && loaded.dev == splits.dev && loaded.test == splits.test, "examples changed on disk")
        Fuzz.check(loaded.labels == splits.labels, "labels changed on disk")
    } catch {
        Fuzz.fail("writing or reading back the dataset failed: \(error)")
    }
    return 0
}
