// AuditCommandTests: `robust audit export` and `robust audit import` run as a user runs them, on a results
// store built through Results (a synthetic run with successful attacks and stored audit checks; no model):
// the sheet is written, filled in programmatically, imported, and the stored metrics checked; bad input is
// one error line and a non-zero exit.
import Datasets
import Foundation
import Reports
import Results
import TestSupport
import XCTest

final class AuditCommandTests: XCTestCase {
    var folder: URL!
    var run: Int64 = 0

    /// Recipe "swap": 5 attacked examples, 4 successful (0–3), example 4 failed; the default audit fails
    /// examples 0 and 1 ("antonym").
    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        let store = try ResultStore(path: folder.appendingPathComponent("robust.db").path)
        run = try store.beginRun(RunRecord(kind: .eval, robustVersion: "test")).runID
        let texts = ["a \"good\" film, <really>", "fine\nacting & plot", "=SUM(A1) of parts", "\u{202E}odd one", "the failed one"]
        for (index, text) in texts.enumerated() {
            let success = index < 4
            try store.recordExample(ExampleRecord(runID: run, recipe: "swap", exampleIndex: index, text: text, gold: "pos",
                                                  cleanPrediction: "pos", adversarialText: success ? text + " indeed" : nil,
                                                  adversarialPrediction: success ? "neg" : nil, status: success ? .success : .failed))
        }
        try store.recordAudit(AuditRecord(runID: run, audit: "default", recipeHash: "h"), checks: (0..<4).map {
            AuditCheckRecord(runID: run, recipe: "swap", exampleIndex: $0, audit: "default", checkName: "antonym", value: $0 < 2 ? 1 : 0,
                             passed: $0 >= 2, detail: $0 < 2 ? "good → bad" : nil)
        })
        try store.markRun(run, status: .finished)
    }

    func robust(_ arguments: [String]) throws -> ProcessResult {
        try runRobust(arguments + ["--db", "robust.db"], folder: folder)
    }

    func expectFailure(_ arguments: [String], _ fragment: String, line: UInt = #line) throws {
        let result = try robust(arguments)
        XCTAssertNotEqual(result.status, 0, "expected failure for \(arguments)", line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "not one line: \(result.stderr)", line: line)
        XCTAssertTrue(lines.first?.hasPrefix("Error: ") ?? false, result.stderr, line: line)
        XCTAssertTrue(result.stderr.contains(fragment), "stderr lacks '\(fragment)': \(result.stderr)", line: line)
    }

    func testExportFillImportAndTheStoredMetrics() throws {
        let exported = try robust(["audit", "export", "\(run)", "--sample", "10", "--out", "sheet"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertTrue(exported.stderr.contains("only 4 successful attacks with an adversarial text to sample (asked for 10)"), exported.stderr)
        XCTAssertTrue(exported.stdout.contains("4 pairs of run \(run) (swap 4), seed 42"), exported.stdout)
        let html = try String(contentsOf: folder.appendingPathComponent("sheet/labels.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Download answers"))
        XCTAssertFalse(html.contains("<really>"))
        try expectFailure(["audit", "export", "\(run)", "--sample", "2", "--out", "sheet"], "labels.csv exists; pass --force")
        try expectFailure(["audit", "export", "\(run)", "--sample", "0", "--out", "other"], "--sample must be at least 1")

        // Fill the sheet as a person would: examples 0 and 2 are invalid (label changed; unnatural).
        let csvURL = folder.appendingPathComponent("sheet/labels.csv")
        var parser = DelimitedParser(bytes: UTF8Check.strippingBOM([UInt8](try Data(contentsOf: csvURL))), delimiter: UInt8(ascii: ","),
                                     file: "labels.csv")
        var rows: [[String]] = []
        while let record = try parser.next() { rows.append(record.fields) }
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows[0], LabellingSheet.columns)
        let column = { (name: String) in rows[0].firstIndex(of: name)! }
        for i in 1..<rows.count {
            let index = Int(rows[i][column("example_index")])
            rows[i][column("same_label")] = index == 0 ? "no" : "yes"
            rows[i][column("natural")] = index == 2 ? "N" : "Y"
        }
        let filled = rows.map { $0.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") }
            .joined(separator: "\n") + "\n"
        try Data(filled.utf8).write(to: folder.appendingPathComponent("filled.csv"))

        let imported = try robust(["audit", "import", "filled.csv", "--annotator", "me"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("stored 4 labels from filled.csv (annotator me)"), imported.stdout)
        // Raw 4/5 = 0.8; audit-valid 2/5 = 0.4; people: 2 of 4 valid → 0.5 × 0.8 = 0.4.
        XCTAssertTrue(imported.stdout.contains("0.8000"), imported.stdout)
        XCTAssertTrue(imported.stdout.contains("#1  audit: invalid (antonym: good → bad)  people: valid (me: same label yes, natural yes)"),
                      imported.stdout)
        XCTAssertTrue(imported.stdout.contains("#2  audit: valid  people: invalid (me: same label yes, natural no)"), imported.stdout)

        let store = try ResultStore(path: folder.appendingPathComponent("robust.db").path, access: .readOnly)
        let metrics = Dictionary(try store.metrics(run: run, recipe: "swap").map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(metrics["human_labelled"]?.value, 4)
        XCTAssertEqual(metrics["human_valid_share"]?.value ?? -1, 0.5, accuracy: 1e-12)
        // Wilson 2/4: [0.15003899, 0.84996101]; scaled by 0.8.
        XCTAssertEqual(metrics["human_valid_share"]?.low ?? -1, 0.15003898915214947, accuracy: 1e-9)
        XCTAssertEqual(metrics["human_valid_attack_success_rate"]?.value ?? -1, 0.4, accuracy: 1e-12)
        XCTAssertEqual(metrics["human_valid_attack_success_rate"]?.high ?? -1, 0.8 * 0.8499610108478506, accuracy: 1e-9)
        // Audit invalid {0, 1}, people invalid {0, 2}: precision 1/2, recall 1/2, kappa 2(1·1 − 1·1)/(…) = 0.
        XCTAssertEqual(metrics["audit_precision_invalid"]?.value ?? -1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["audit_recall_invalid"]?.value ?? -1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["audit_kappa"]?.value ?? -1, 0, accuracy: 1e-12)
        XCTAssertEqual(try store.humanLabels(run: run).count, 4)

        // Importing again replaces; a bad row is one line naming the file and row, and stores nothing new.
        XCTAssertEqual(try robust(["audit", "import", "filled.csv", "--annotator", "me"]).status, 0)
        XCTAssertEqual(try store.humanLabels(run: run).count, 4)
        rows[3][column("same_label")] = "perhaps"
        let bad = rows.map { $0.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") }
            .joined(separator: "\n") + "\n"
        try Data(bad.utf8).write(to: folder.appendingPathComponent("bad.csv"))
        try expectFailure(["audit", "import", "bad.csv", "--annotator", "other"], "bad.csv:4: same_label 'perhaps' is not an answer")
        XCTAssertEqual(try store.humanLabels(run: run).count, 4)
        try expectFailure(["audit", "import", "missing.csv"], "missing.csv")
    }
}
