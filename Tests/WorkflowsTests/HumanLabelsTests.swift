// HumanLabelsTests: the labelling sheet out and its answers in, on a synthetic store (no model) — a seeded,
// blind sample; hostile texts that survive the CSV round trip byte for byte and cannot break the HTML page;
// every kind of bad row refused with its row number and nothing stored; re-import replacing; the stored
// statistics against hand-computed numbers.
import Analysis
import Datasets
import Foundation
import Reports
import Results
import TestSupport
import Workflows
import XCTest

/// Texts that break naive CSV writers, HTML pages and spreadsheets.
let hostileTexts = [
    "He said \"hi\", then <b>left</b> & </script><script>alert(1)</script> the <!-- room",
    "line one\nline two\r\nline three\rfour",
    "\u{202E}reversed\u{200F} text with \u{200B}zero\u{200D}width and 👩‍👩‍👧 family",
    "=HYPERLINK(\"http://x\",\"click\") is a formula",
    "'quoted at the start",
    "-starts with a minus, +plus and @at",
    "  spaced out\tand tabbed  ",
    "cafe\u{301} decomposed, café composed",
    "\u{2028}separators\u{2029} and a NUL-free ending \\ backslash",
    "</SCRIPT ><img src=x onerror=alert(1)>",
]

final class HumanLabelsTests: XCTestCase {
    var folder: URL!
    var database: String!
    var run: Int64 = 0

    /// Run with recipe "alpha" (index 0 clean-wrong, 1–2 failed attacks, 3–10 successful: raw success
    /// rate 8/10) audited by "default" (example 3 and 4 fail "antonym") and recipe "beta" (0 skipped,
    /// 1 failed, 2–3 successful: 2/3).
    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        database = folder.appendingPathComponent("robust.db").path
        let store = try ResultStore(path: database)
        run = try store.beginRun(RunRecord(kind: .attack, robustVersion: "test")).runID
        func example(_ recipe: String, _ index: Int, _ status: ExampleStatus, text: String) -> ExampleRecord {
            ExampleRecord(runID: run, recipe: recipe, exampleIndex: index, text: text, gold: "pos",
                          cleanPrediction: status == .cleanWrong ? "PREDICTED-neg" : "pos",
                          adversarialText: status == .success ? "changed: " + text.replacingOccurrences(of: "the", with: "teh") : nil,
                          adversarialPrediction: status == .success ? "PREDICTED-neg" : nil, status: status)
        }
        var alphaStatuses: [ExampleStatus] = [.cleanWrong, .failed, .failed]
        alphaStatuses += Array(repeating: .success, count: 8)
        for (index, status) in alphaStatuses.enumerated() {
            try store.recordExample(example("alpha", index, status, text: hostileTexts[(index + 7) % hostileTexts.count] + " the \(index)"))
        }
        let long = (0..<3000).map { "word\($0)" }.joined(separator: " ")
        for (index, status) in [ExampleStatus.skipped, .failed, .success, .success].enumerated() {
            // Successful attacks: alpha 3–10 on hostile texts 0–7, beta 2 on 8 and 9, beta 3 on a long text.
            try store.recordExample(example("beta", index, status, text: index == 3 ? long : hostileTexts[8] + " " + hostileTexts[9]))
        }
        var checks: [AuditCheckRecord] = []
        for index in 3...10 {
            checks.append(AuditCheckRecord(runID: run, recipe: "alpha", exampleIndex: index, audit: "default", checkName: "antonym",
                                           value: index <= 4 ? 1 : 0, passed: index > 4, detail: index <= 4 ? "AUDIT-DETAIL good → bad" : nil))
            checks.append(AuditCheckRecord(runID: run, recipe: "alpha", exampleIndex: index, audit: "default", checkName: "sentence-cosine",
                                           value: 0.93, passed: true))
        }
        try store.recordAudit(AuditRecord(runID: run, audit: "default", recipeHash: "h"), checks: checks)
        try store.markRun(run, status: .finished)
    }

    func export(sample: Int = 100, recipe: String? = nil, seed: UInt64 = 42, out: String = "sheet",
                force: Bool = false) throws -> LabellingSheetExport.Result {
        try LabellingSheetExport(database: database, runID: run, sample: sample, recipe: recipe, seed: seed,
                                 folder: folder.appendingPathComponent(out).path, force: force).run()
    }

    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// The records of a CSV file, parsed by Datasets' parser.
    func records(_ url: URL) throws -> [[String]] {
        var parser = DelimitedParser(bytes: UTF8Check.strippingBOM([UInt8](try Data(contentsOf: url))), delimiter: UInt8(ascii: ","),
                                     file: url.path)
        var out: [[String]] = []
        while let record = try parser.next() { out.append(record.fields) }
        return out
    }

    func writeCSV(_ rows: [[String]], to name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        let text = rows.map { $0.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") }
            .joined(separator: "\r\n") + "\r\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// labels.csv with answers: alpha 3 no/yes, 4 yes/yes, 5 yes/no, 6–10 yes/yes; beta 2 yes/yes, beta 3 blank.
    func filledRows(_ sheet: LabellingSheetExport.Result, annotator: String = "") throws -> [[String]] {
        var rows = try records(sheet.csv)
        let header = rows[0]
        let column = { (name: String) in header.firstIndex(of: name)! }
        for i in 1..<rows.count {
            let recipe = rows[i][column("recipe")], index = Int(rows[i][column("example_index")])!
            var answers = ("yes", "yes")
            if recipe == "alpha" && index == 3 { answers = ("No", "y") }
            if recipe == "alpha" && index == 5 { answers = ("TRUE", "0") }
            if recipe == "beta" && index == 3 { answers = ("", "") }
            rows[i][column("same_label")] = answers.0
            rows[i][column("natural")] = answers.1
            rows[i][column("annotator")] = annotator
            if recipe == "alpha" && index == 5 { rows[i][column("note")] = "=reads \"oddly\"\nsecond line" }
        }
        return rows
    }

    func storedLabels() throws -> [HumanLabelRecord] { try ResultStore(path: database, access: .readOnly).humanLabels(run: run) }
    func storedMetrics() throws -> [String: MetricRecord] {
        let metrics = try ResultStore(path: database, access: .readOnly).metrics(run: run)
        return Dictionary(metrics.map { ("\($0.recipe)/\($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: - Export

    func testExportIsASeededBlindSampleWhoseTextsRoundTrip() throws {
        let sheet = try export(sample: 4)
        XCTAssertEqual(sheet.pairs.count, 4)
        XCTAssertEqual(sheet.available, 10)
        // The same seed gives the same sheet; another seed another one; a larger sample extends the smaller.
        XCTAssertEqual(try export(sample: 4, out: "again").pairs, sheet.pairs)
        XCTAssertNotEqual(try export(sample: 4, seed: 7, out: "other").pairs, sheet.pairs)
        XCTAssertEqual(Array(try export(sample: 6, out: "larger").pairs.prefix(4)), sheet.pairs)
        // Every pair is a successful attack, each once.
        let all = try export(sample: 100, out: "all")
        XCTAssertEqual(all.pairs.count, 10)
        XCTAssertEqual(Set(all.pairs.map { "\($0.recipe)/\($0.exampleIndex)" }).count, 10)
        XCTAssertEqual(Set(all.pairs.map(\.recipe)), ["alpha", "beta"])
        XCTAssertTrue(all.pairs.allSatisfy { $0.recipe == "beta" ? $0.exampleIndex >= 2 : $0.exampleIndex >= 3 })
        XCTAssertEqual(try export(sample: 100, recipe: "beta", out: "beta").pairs.map(\.exampleIndex).sorted(), [2, 3])

        // labels.csv round-trips every hostile text exactly, through Datasets' parser and through the reader.
        let csv = try read(all.csv)
        XCTAssertEqual(Array(try Data(contentsOf: all.csv).prefix(11)), [0xEF, 0xBB, 0xBF] + Array("\"pair\",\"".utf8))
        let rows = try LabelsFile.parse([UInt8](try Data(contentsOf: all.csv)), file: "labels.csv")
        XCTAssertEqual(rows.count, 10)
        let store = try ResultStore(path: database, access: .readOnly)
        for (offset, (row, pair)) in zip(rows, all.pairs).enumerated() {
            let stored = try XCTUnwrap(try store.examples(run: run, recipe: pair.recipe).first { $0.exampleIndex == pair.exampleIndex })
            XCTAssertTrue(row.original.utf8.elementsEqual(stored.text.utf8), row.original.debugDescription)
            XCTAssertTrue(row.adversarial.utf8.elementsEqual((stored.adversarialText ?? "").utf8), row.adversarial.debugDescription)
            XCTAssertEqual(row.fingerprint, LabellingSheet.fingerprint(original: stored.text, adversarial: stored.adversarialText ?? ""))
            XCTAssertNil(row.sameLabel)
            XCTAssertNil(row.natural)
            XCTAssertEqual(row.row, offset + 2)
        }
        // Formula-like texts are guarded in the file (and unguarded above).
        XCTAssertTrue(csv.contains("\"'=HYPERLINK(\"\"http://x\"\""), "formula not guarded")
        XCTAssertTrue(csv.contains("\"''quoted at the start"), "quote not guarded")

        // Blind: neither the model's predictions nor the audit's verdicts are on the sheet.
        let html = try read(all.html)
        for secret in ["PREDICTED", "AUDIT-DETAIL", "antonym", "sentence-cosine"] {
            XCTAssertFalse(html.contains(secret), "labels.html shows \(secret)")
            XCTAssertFalse(csv.contains(secret), "labels.csv shows \(secret)")
        }
    }

    func testExportRefusals() throws {
        XCTAssertThrowsError(try export(sample: 0)) { XCTAssertTrue("\($0)".contains("--sample must be at least 1"), "\($0)") }
        XCTAssertThrowsError(try export(sample: -3)) { XCTAssertTrue("\($0)".contains("--sample"), "\($0)") }
        XCTAssertThrowsError(try export(recipe: "gamma")) { XCTAssertTrue("\($0)".contains("has no recipe 'gamma' (it has: alpha, beta)"), "\($0)") }
        XCTAssertThrowsError(try LabellingSheetExport(database: database, runID: 99, sample: 1, folder: folder.appendingPathComponent("x").path).run())
        let first = try export(sample: 2)
        let before = try read(first.csv)
        XCTAssertThrowsError(try export(sample: 3)) { error in
            XCTAssertTrue("\(error)".contains("labels.csv exists; pass --force to replace it"), "\(error)")
        }
        XCTAssertEqual(try read(first.csv), before, "a refused export changed the sheet")
        // Only the html there is refused too.
        try FileManager.default.removeItem(at: first.csv)
        XCTAssertThrowsError(try export(sample: 3)) { XCTAssertTrue("\($0)".contains("labels.html exists"), "\($0)") }
        XCTAssertEqual(try export(sample: 3, force: true).pairs.count, 3)
        // A run without successful attacks has nothing to label.
        let store = try ResultStore(path: database)
        let empty = try store.beginRun(RunRecord(kind: .attack, robustVersion: "test")).runID
        try store.recordExample(ExampleRecord(runID: empty, recipe: "r", exampleIndex: 0, text: "t", gold: "pos", cleanPrediction: "pos",
                                              status: .failed))
        XCTAssertThrowsError(try LabellingSheetExport(database: database, runID: empty, sample: 1,
                                                      folder: folder.appendingPathComponent("e").path).run()) {
            XCTAssertTrue("\($0)".contains("no successful attack"), "\($0)")
        }
    }

    func testHTMLEscapesHostileTexts() throws {
        let sheet = try export(sample: 100)
        let html = try read(sheet.html)
        // Exactly the page's own two scripts: the JSON block and the code; no data closes or opens one.
        XCTAssertEqual(html.components(separatedBy: "</script>").count - 1, 2)
        XCTAssertEqual(html.lowercased().components(separatedBy: "<script").count - 1, 2)
        XCTAssertFalse(html.lowercased().contains("<img"))
        XCTAssertFalse(html.contains("<b>left</b>"))
        XCTAssertFalse(html.contains("<!-- room"))
        XCTAssertTrue(html.contains("&lt;b&gt;left&lt;/b&gt;"))
        // Bidi overrides and zero-width characters are shown, not obeyed.
        XCTAssertFalse(html.contains("\u{202E}"))
        XCTAssertFalse(html.contains("\u{200B}"))
        XCTAssertTrue(html.contains(">U+202E<"))
        // Every text-derived tag is one of the page's own: between the body's start and the data block, any
        // '<' opens a known tag.
        let body = try XCTUnwrap(html.components(separatedBy: "<body>").last?.components(separatedBy: "<script type=").first)
        let allowed = ["main", "h1", "h2", "p", "div", "span", "b", "em", "strong", "code", "ol", "li", "del", "ins", "label", "input",
                       "textarea", "fieldset", "legend", "section", "noscript", "button", "br"]
        for piece in body.components(separatedBy: "<").dropFirst() {
            let name = piece.prefix { $0.isLetter || $0.isNumber || $0 == "/" }.replacingOccurrences(of: "/", with: "")
            XCTAssertTrue(allowed.contains(name.lowercased()), "unexpected tag <\(piece.prefix(30))")
        }
        // The data block is valid JSON that gives back the CSV's fields, hostile texts included.
        let data = try XCTUnwrap(html.components(separatedBy: "<script type=\"application/json\" id=\"sheet-data\">").last?
            .components(separatedBy: "</script>").first)
        XCTAssertFalse(data.contains("<"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(object["rows"] as? [[String]])
        let csvRows = try records(sheet.csv)
        XCTAssertEqual(object["columns"] as? [String], csvRows[0])
        for (jsonRow, csvRow) in zip(rows, csvRows.dropFirst()) { XCTAssertEqual(jsonRow, Array(csvRow.prefix(jsonRow.count))) }
        // The script is allowed by hash only.
        XCTAssertTrue(html.contains("script-src 'sha256-"))
        XCTAssertFalse(html.contains("unsafe-eval"))
        // Nothing is loaded from anywhere: no src or href attributes.
        XCTAssertFalse(html.contains("src=\""))
        XCTAssertFalse(html.contains("href=\""))
    }

    // MARK: - Import

    func testImportStoresAnswersAndStatisticsAndReimportReplaces() throws {
        let sheet = try export(sample: 100)
        let path = try writeCSV(try filledRows(sheet), to: "filled.csv")
        let result = try HumanLabelImport(database: database, file: path, annotator: "ann").run()
        XCTAssertEqual(result.stored, 10)
        XCTAssertEqual(result.annotators, ["ann"])
        let labels = try storedLabels()
        XCTAssertEqual(labels.count, 10)
        XCTAssertTrue(labels.allSatisfy { $0.annotator == "ann" && $0.source == path })
        let alpha5 = try XCTUnwrap(labels.first { $0.recipe == "alpha" && $0.exampleIndex == 5 })
        XCTAssertEqual(alpha5.sameLabel, true)
        XCTAssertEqual(alpha5.natural, false)
        XCTAssertEqual(alpha5.note, "=reads \"oddly\"\nsecond line")
        let beta3 = try XCTUnwrap(labels.first { $0.recipe == "beta" && $0.exampleIndex == 3 })
        XCTAssertNil(beta3.sameLabel)
        XCTAssertNil(beta3.natural)

        // alpha: 8 labelled, 6 valid (3 and 5 are not) → share 0.75, Wilson [0.40927543, 0.92852079];
        // raw 0.8 → 0.6 [0.32742034, 0.74281663]. Audit invalid 3, 4; people invalid 3, 5: precision 1/2,
        // recall 1/2, kappa 2(1·5 − 1·1) / (2·6 + 2·6) = 1/3.
        var metrics = try storedMetrics()
        XCTAssertEqual(metrics["alpha/human_labelled"]?.value, 8)
        XCTAssertEqual(metrics["alpha/human_valid_share"]?.value ?? -1, 0.75, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/human_valid_share"]?.low ?? -1, 0.40927543031016883, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/human_valid_share"]?.high ?? -1, 0.9285207872478909, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/human_valid_attack_success_rate"]?.value ?? -1, 0.6, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/human_valid_attack_success_rate"]?.low ?? -1, 0.3274203442481351, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/human_valid_attack_success_rate"]?.high ?? -1, 0.7428166297983128, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/audit_precision_invalid"]?.value ?? -1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/audit_recall_invalid"]?.value ?? -1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/audit_kappa"]?.value ?? -1, 1.0 / 3.0, accuracy: 1e-12)
        // beta: 1 labelled (3 unanswered), valid → share 1 [0.20654931, 1]; raw 2/3; not audited.
        XCTAssertEqual(metrics["beta/human_labelled"]?.value, 1)
        XCTAssertEqual(metrics["beta/human_valid_share"]?.low ?? -1, 0.20654931437723745, accuracy: 1e-12)
        XCTAssertEqual(metrics["beta/human_valid_attack_success_rate"]?.value ?? -1, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(metrics["beta/human_valid_attack_success_rate"]?.low ?? -1, 0.13769954291815828, accuracy: 1e-12)
        XCTAssertNil(metrics["beta/audit_kappa"])

        // The printed summary: raw, automatic and human rates, and the two disagreements.
        let alpha = try XCTUnwrap(result.recipes.first { $0.recipe == "alpha" })
        XCTAssertEqual(alpha.automaticValidRate ?? -1, 0.6, accuracy: 1e-12)   // 6 valid successes of 10 attacked
        let lines = alpha.lines().joined(separator: "\n")
        XCTAssertTrue(lines.contains("#4  audit: invalid (antonym: AUDIT-DETAIL good → bad)  people: valid"), lines)
        XCTAssertTrue(lines.contains("#5  audit: valid  people: invalid (ann: same label yes, natural no — \"=reads \"oddly\"\")"), lines)
        XCTAssertTrue(lines.contains("0.3333"), lines)
        let beta = try XCTUnwrap(result.recipes.first { $0.recipe == "beta" })
        XCTAssertTrue(beta.lines().joined(separator: "\n").contains("— (no audit 'default' of this recipe)"), beta.lines().joined(separator: "\n"))
        XCTAssertTrue(beta.lines()[0].contains("(1 not fully answered)"), beta.lines()[0])

        // Importing again, with alpha 5 now valid, replaces the answers (no duplicates) and the statistics.
        var rows = try filledRows(sheet)
        let column = { (name: String) in rows[0].firstIndex(of: name)! }
        for i in 1..<rows.count where rows[i][column("recipe")] == "alpha" && rows[i][column("example_index")] == "5" {
            rows[i][column("natural")] = "yes"
        }
        _ = try HumanLabelImport(database: database, file: try writeCSV(rows, to: "filled2.csv"), annotator: "ann").run()
        XCTAssertEqual(try storedLabels().count, 10)
        metrics = try storedMetrics()
        XCTAssertEqual(metrics["alpha/human_valid_share"]?.value ?? -1, 7.0 / 8.0, accuracy: 1e-12)
        // Precision 1/2, recall now 1/1.
        XCTAssertEqual(metrics["alpha/audit_recall_invalid"]?.value ?? -1, 1, accuracy: 1e-12)

        // A second annotator (from the sheet's column) adds labels; ties count as invalid.
        let second = try writeCSV(try filledRows(sheet, annotator: "bo"), to: "filled3.csv")
        let byColumn = try HumanLabelImport(database: database, file: second).run()
        XCTAssertEqual(byColumn.annotators, ["bo"])
        XCTAssertEqual(try storedLabels().count, 20)
        // alpha 5: ann valid, bo invalid → a tie → invalid: 6 of 8 again.
        XCTAssertEqual(try storedMetrics()["alpha/human_valid_share"]?.value ?? -1, 0.75, accuracy: 1e-12)
    }

    func testImportComparesAnotherStoredAudit() throws {
        let store = try ResultStore(path: database)
        try store.recordAudit(AuditRecord(runID: run, audit: "strict", recipeHash: "h2"), checks: (3...10).map {
            AuditCheckRecord(runID: run, recipe: "alpha", exampleIndex: $0, audit: "strict", checkName: "form", value: 0, passed: false)
        })
        let path = try writeCSV(try filledRows(try export()), to: "filled.csv")
        let result = try HumanLabelImport(database: database, file: path, audit: "strict").run()
        let metrics = try storedMetrics()
        // Everything invalid to the audit: precision = 2 people-invalid / 8, recall 1, kappa 0.
        XCTAssertEqual(metrics["alpha/audit_precision_invalid@strict"]?.value ?? -1, 0.25, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/audit_recall_invalid@strict"]?.value ?? -1, 1, accuracy: 1e-12)
        XCTAssertEqual(metrics["alpha/audit_kappa@strict"]?.value ?? -1, 0, accuracy: 1e-12)
        XCTAssertNil(metrics["alpha/audit_kappa"])
        XCTAssertEqual(result.recipes.first { $0.recipe == "alpha" }?.automaticValidRate ?? -1, 0, accuracy: 1e-12)
        XCTAssertThrowsError(try HumanLabelImport(database: database, file: path, audit: "nosuch").run()) {
            XCTAssertTrue("\($0)".contains("--audit: run \(run) has no audit 'nosuch' (it has: default, strict)"), "\($0)")
        }
    }

    /// Writes `rows` (or raw `bytes`), imports it, and expects one line "FILE:ROW: …" containing `fragment`,
    /// with nothing stored.
    func expectRejected(_ rows: [[String]]? = nil, bytes: [UInt8]? = nil, row: Int, _ fragment: String,
                        line: UInt = #line) throws {
        let path: String
        if let bytes {
            path = folder.appendingPathComponent("bad.csv").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } else {
            path = try writeCSV(rows ?? [], to: "bad.csv")
        }
        XCTAssertThrowsError(try HumanLabelImport(database: database, file: path).run(), line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("\(path):\(row): "), "wrong row: \(message)", line: line)
            XCTAssertTrue(message.contains(fragment), "'\(fragment)' not in: \(message)", line: line)
            XCTAssertFalse(message.contains("\n"), "not one line: \(message)", line: line)
        }
        XCTAssertEqual(try storedLabels().count, 0, "labels stored despite the error", line: line)
        XCTAssertTrue(try storedMetrics().keys.allSatisfy { !$0.contains("human") && !$0.contains("audit_") }, line: line)
    }

    func testImportRejectsBadRowsAndStoresNothing() throws {
        let good = try filledRows(try export())
        let header = good[0]
        let column = { (name: String) in header.firstIndex(of: name)! }
        // Rows are numbered as a spreadsheet shows them: the header is row 1, so good[i] is row i + 1.
        func edited(row: Int, _ name: String, _ value: String) -> [[String]] {
            var rows = good
            rows[row - 1][column(name)] = value
            return rows
        }
        func text(row: Int, _ name: String) -> String { good[row - 1][column(name)] }
        // Each problem is in one row; the rows around it are fine, so all would be stored but for the bad one.
        try expectRejected(edited(row: 4, "run", "\(run + 50)"), row: 4, "run \(run + 50) is not in the results database")
        try expectRejected(edited(row: 4, "run", "x1"), row: 4, "run 'x1' is not a run id")
        try expectRejected(edited(row: 5, "recipe", "gamma"), row: 5, "has no recipe 'gamma' (it has: alpha, beta)")
        try expectRejected(edited(row: 6, "example_index", "77"), row: 6, "has no example 77")
        try expectRejected(edited(row: 6, "example_index", "-1"), row: 6, "is not an example index")
        let alphaRow = try XCTUnwrap(good.indices.first { $0 > 0 && good[$0][column("recipe")] == "alpha" }) + 1
        try expectRejected(edited(row: alphaRow, "example_index", "1"), row: alphaRow, "is not a successful attack (its status is failed)")
        try expectRejected(edited(row: alphaRow, "example_index", "0"), row: alphaRow, "its status is clean_wrong")
        try expectRejected(edited(row: 7, "original", text(row: 7, "original") + " "), row: 7, "the original text differs from the stored one")
        try expectRejected(edited(row: 8, "adversarial", String(text(row: 8, "adversarial").dropFirst())), row: 8,
                           "the adversarial text differs from the stored one")
        try expectRejected(edited(row: 9, "fingerprint", "0123456789abcdef"), row: 9, "fingerprint '0123456789abcdef' does not match")
        try expectRejected(edited(row: 10, "same_label", "maybe"), row: 10, "same_label 'maybe' is not an answer")
        try expectRejected(edited(row: 11, "natural", "yes please"), row: 11, "natural 'yes please' is not an answer")
        try expectRejected(good + [good[3]], row: 12, "duplicate of row 4")
        // Missing columns, a ragged row, an empty file, a header alone, invalid UTF-8, a broken quote.
        try expectRejected(good.map { row in row.enumerated().filter { $0.offset != column("natural") }.map(\.element) }, row: 1,
                           "the header lacks the column natural")
        try expectRejected(good.map { row in row.enumerated().filter { ![column("fingerprint"), column("run")].contains($0.offset) }.map(\.element) },
                           row: 1, "the header lacks the columns run, fingerprint")
        var ragged = good
        ragged[5].removeLast()
        try expectRejected(ragged, row: 6, "12 fields, but the header has 13")
        try expectRejected(bytes: [], row: 1, "the file is empty")
        try expectRejected(bytes: [0xEF, 0xBB, 0xBF, 0x0A, 0x20], row: 1, "the file is empty")
        try expectRejected([header], row: 2, "a header but no rows")
        // A malformed byte inside row 5's first field. Texts with line breaks make lines and rows differ; the
        // message names the row.
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try writeCSV(good, to: "utf8.csv"))))
        XCTAssertEqual(try LabelsFile.parse(bytes, file: "x").map(\.row), Array(2...11))
        let marker = Array("\r\n\"\(good[4][0])\",\"\(run)\"".utf8)
        let at = try XCTUnwrap((0...(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker })
        bytes.insert(contentsOf: [0xC3, 0x28], at: at + 3)
        try expectRejected(bytes: bytes, row: 5, "invalid UTF-8")
        try expectRejected(bytes: Array("run,recipe,example_index,fingerprint,original,adversarial,same_label,natural\r\n1,\"alpha,3".utf8), row: 2,
                           "closing quote never comes")
    }

    func testAnswerSpellings() {
        for yes in ["yes", "YES", " y ", "Y", "true", "True", "1"] { XCTAssertEqual(LabelsFile.answer(yes), .some(true), yes) }
        for no in ["no", "No", "n", "N", "false", "FALSE", "0"] { XCTAssertEqual(LabelsFile.answer(no), .some(false), no) }
        for blank in ["", "  "] { XCTAssertEqual(LabelsFile.answer(blank), .some(nil), blank) }
        for bad in ["maybe", "2", "yes!", "oui", "-"] { XCTAssertTrue(LabelsFile.answer(bad) == nil, bad) }
    }

    func testGuardIsReversible() {
        for text in hostileTexts + ["", "'", "''", "'=", "=", "'plain", "plain", "-", "@x", "\tx", "\rx"] {
            XCTAssertEqual(LabellingSheet.unguardCell(LabellingSheet.guardCell(text)), text, text.debugDescription)
        }
        // A spreadsheet that dropped the guard still reads the same text.
        XCTAssertEqual(LabellingSheet.unguardCell("=1+1"), "=1+1")
        XCTAssertEqual(LabellingSheet.guardCell("=1+1"), "'=1+1")
        XCTAssertEqual(LabellingSheet.guardCell("plain"), "plain")
    }
}
