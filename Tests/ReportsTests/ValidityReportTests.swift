// ValidityReportTests: the report of an audited run — the raw-against-valid success figure, the valid
// budget curve beside the raw one, the valid columns of the attack table and the validity table with the
// top reasons, escaped in both formats and drawn by the real gnuplot (these tests fail without it).
import Analysis
import Foundation
import TestSupport
import XCTest
import Results
@testable import Reports

final class ValidityReportTests: XCTestCase {
    var folder: URL!
    var dbPath: String!
    var runs: SyntheticRuns!

    /// A check name no report may render raw.
    let hostileCheck = "<i>antonym</i>"

    /// The synthetic database, with the attack run's wordswap audited: of its successes (3, 6, 9, 12, 18 of
    /// 16 attacked), audit "default" judges 3 and 6 invalid (the hostile check on both, "sentence-cosine" on
    /// 6), audit "morris2020" judges 9 invalid. Raw success 5/16, valid 3/16 (morris2020 4/16).
    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        dbPath = folder.appendingPathComponent("results.db").path
        runs = try makeSyntheticDatabase(at: dbPath)
        let store = try ResultStore(path: dbPath)
        let examples = try store.examples(run: runs.attack, recipe: "wordswap")
        var checks: [AuditCheckRecord] = []
        for example in examples where example.status == .success {
            let i = example.exampleIndex
            func check(_ audit: String, _ name: String, fails: Bool) -> AuditCheckRecord {
                AuditCheckRecord(runID: runs.attack, recipe: "wordswap", exampleIndex: i, audit: audit, checkName: name,
                                 value: fails ? 1 : 0, passed: !fails)
            }
            checks += [check("default", hostileCheck, fails: i == 3 || i == 6), check("default", "sentence-cosine", fails: i == 6),
                       check("morris2020", "sentence-cosine", fails: i == 9)]
        }
        var metrics: [MetricRecord] = []
        for audit in ["default", "morris2020"] {
            let auditChecks = checks.filter { $0.audit == audit }
            try store.recordAudit(AuditRecord(runID: runs.attack, audit: audit, recipeHash: "h"), checks: auditChecks)
            let verdicts = AuditVerdicts(audit: audit, checks: auditChecks)
            metrics += ValidityMetrics.metrics(of: examples, verdicts: verdicts, run: runs.attack, recipe: "wordswap")
            metrics += BudgetMetrics.metrics(of: examples, verdicts: verdicts, run: runs.attack, recipe: "wordswap")
                .filter { audit == "default" || $0.name.contains("@") }
        }
        try store.recordMetrics(metrics)
    }

    func data() throws -> ReportData {
        try ReportData.load(from: try ResultStore(path: dbPath, access: .readOnly), runs: [runs.attack])
    }

    func testFiguresShowValidBesideRaw() throws {
        let figures = FigurePlanner.figures(for: try data())
        XCTAssertEqual(figures.map(\.name), ["accuracy_under_attack", "attack_success_raw_vs_valid", "accuracy_vs_epsilon",
                                             "accuracy_vs_words_changed", "accuracy_vs_queries"])
        let bars = figures[1]
        XCTAssertEqual(bars.kind, .bars(groups: ["wordswap"]), "charflip was not audited")
        XCTAssertEqual(bars.series.map(\.title), ["raw: every success", "valid: passed the default audit", "valid: passed audit morris2020"])
        XCTAssertEqual(bars.series.map(\.colour), [0, 1, 2])
        XCTAssertEqual(bars.series.map { $0.points.map(\.x) }, [[0], [0], [0]])
        XCTAssertEqual(bars.series[0].points[0].y, 100.0 * 5 / 16, accuracy: 1e-9)
        XCTAssertEqual(bars.series[1].points[0].y, 100.0 * 3 / 16, accuracy: 1e-9)
        XCTAssertEqual(bars.series[2].points[0].y, 100.0 * 4 / 16, accuracy: 1e-9)
        for series in bars.series {
            let point = series.points[0]
            XCTAssertTrue(try XCTUnwrap(point.low) <= point.y && point.y <= (try XCTUnwrap(point.high)), series.title)
        }

        // The queries curve: wordswap's valid curve (default audit), dashed in wordswap's colour. Valid successes
        // 9, 12, 18 after 14, 17, 23 queries break 3 of the 16 clean-correct examples of 20; the curve runs on
        // to the most queries spent (24), then to the common right edge (4% further).
        let queries = figures[4]
        XCTAssertEqual(queries.series.map(\.title), ["charflip", "wordswap", "wordswap · valid"])
        XCTAssertEqual(queries.series.map(\.colour), [0, 1, 1])
        XCTAssertEqual(queries.series.map(\.dash), [1, 1, 2])
        let valid = queries.series[2].points
        XCTAssertEqual(valid.map { ($0.x * 1000).rounded() / 1000 }, [0, 14, 17, 23, 24, 24.96])
        XCTAssertEqual(valid.map { ($0.y * 1000).rounded() / 1000 }, [80, 75, 70, 65, 65, 65])
        XCTAssertEqual(queries.series[1].points.last?.y ?? 0, 100.0 * 11 / 20, accuracy: 1e-9, "raw: accuracy under attack")
        XCTAssertTrue(queries.caption.contains("validity audit (default)"), queries.caption)
        // The words curve stays raw.
        XCTAssertEqual(figures[3].series.map(\.title), ["charflip", "wordswap"])

        // A run that was not audited gets neither.
        let plain = try ReportData.load(from: try ResultStore(path: dbPath, access: .readOnly), runs: [runs.secondAttack])
        let plainFigures = FigurePlanner.figures(for: plain)
        XCTAssertFalse(plainFigures.map(\.name).contains("attack_success_raw_vs_valid"))
        XCTAssertFalse(plainFigures.flatMap(\.series).contains { $0.title.contains("valid") })
        XCTAssertNil(ReportContent(data: plain, title: nil, examplesPerRecipe: 0).validity)
        XCTAssertEqual(ReportContent(data: plain, title: nil, examplesPerRecipe: 0).attacks?.header, ReportContent.attackHeader)
    }

    func testReportDrawsTheFigureAndTablesAndEscapesThem() throws {
        let gnuplot = try Gnuplot.locate()   // throws (fails the test) when gnuplot is missing
        let outcome = try ReportGenerator.generate(
            store: try ResultStore(path: dbPath, access: .readOnly), runs: [runs.attack],
            to: folder.appendingPathComponent("reports/audited"),
            options: ReportOptions(formats: [.png, .svg], rendering: .gnuplot(path: gnuplot.executable), generator: "robust test"))
        XCTAssertNil(outcome.figureError)
        XCTAssertTrue(outcome.renderedFigures.contains("attack_success_raw_vs_valid"), "\(outcome.renderedFigures)")
        let png = try Data(contentsOf: outcome.folder.appendingPathComponent("attack_success_raw_vs_valid.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let script = try String(contentsOf: outcome.folder.appendingPathComponent("attack_success_raw_vs_valid.gp"), encoding: .utf8)
        XCTAssertTrue(script.contains("set xtics ('wordswap' 0)"), script)
        XCTAssertTrue(script.contains("index 2 using 1:2 with boxes lc rgb '#009E73' title 'valid: passed audit morris2020'"), script)
        let dat = try String(contentsOf: outcome.folder.appendingPathComponent("attack_success_raw_vs_valid.dat"), encoding: .utf8)
        XCTAssertTrue(dat.contains("# groups: 0 = wordswap"), dat)
        XCTAssertTrue(dat.contains("# index 1: valid: passed the default audit\n# wordswap\n0 18.75 "), dat)
        let queries = try String(contentsOf: outcome.folder.appendingPathComponent("accuracy_vs_queries.gp"), encoding: .utf8)
        XCTAssertTrue(queries.contains("with steps lc rgb '#D55E00' dt 2 lw 2.5 title 'wordswap · valid'"), queries)

        let markdown = try String(contentsOf: outcome.folder.appendingPathComponent("report.md"), encoding: .utf8)
        let lines = markdown.components(separatedBy: "\n")
        func table(under heading: String) throws -> [[String]] {
            let start = try XCTUnwrap(lines.firstIndex(of: heading), "no \(heading)\n\(markdown)")
            return lines[(start + 1)...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
                .map { $0.dropFirst(2).dropLast(2).components(separatedBy: " | ") }
        }
        let attacks = try table(under: "## Attack results")
        XCTAssertEqual(attacks[0], ReportContent.auditedAttackHeader)
        let attackRows = attacks.dropFirst(2)
        XCTAssertEqual(attackRows.map { $0[1] }, ["charflip", "wordswap"])
        for row in attackRows { XCTAssertEqual(row.count, ReportContent.auditedAttackHeader.count) }
        let wordswap = try XCTUnwrap(attackRows.last)
        XCTAssertEqual(wordswap[4].prefix(6), "55.0% ")   // accuracy under attack 11/20
        XCTAssertEqual(wordswap[5].prefix(6), "65.0% ")   // under valid attack 13/20
        XCTAssertEqual(wordswap[6].prefix(6), "31.2% ")   // raw success 5/16
        XCTAssertEqual(wordswap[7].prefix(6), "18.8% ")   // valid success 3/16
        XCTAssertEqual(attackRows.first?[7], "—", "charflip was not audited")

        let validity = try table(under: "## Validity of the successful attacks")
        XCTAssertEqual(validity[0].map { $0.replacingOccurrences(of: "\\", with: "") }, ReportContent.validityHeader)
        let rows = Array(validity.dropFirst(2))
        XCTAssertEqual(rows.map { Array($0.prefix(5)) }, [[String(runs.attack), "wordswap", "default", "5", "2"],
                                                         [String(runs.attack), "wordswap", "morris2020", "5", "1"]])
        XCTAssertEqual(rows[0][5].prefix(6), "18.8% ")
        XCTAssertEqual(rows[1][5].prefix(6), "25.0% ")
        XCTAssertEqual(rows[0][7], "\\<i\\>antonym\\</i\\> 2, sentence-cosine 1")
        XCTAssertEqual(rows[1][7], "sentence-cosine 1")
        // The per-check counts and valid numbers shown there are not repeated under "Other metrics"; the
        // budget metrics are.
        let other = try table(under: "## Other metrics").dropFirst(2).map { $0[2] }
        XCTAssertFalse(other.contains { $0.contains("invalid") || $0.contains("valid\\_attack\\_success") }, "\(other)")
        XCTAssertTrue(other.contains("valid\\_accuracy\\_at\\_25\\_queries"), "\(other)")
        XCTAssertTrue(markdown.contains("![Attack success rate: raw and valid](attack_success_raw_vs_valid.png)"), markdown)

        let html = try String(contentsOf: outcome.folder.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertFalse(html.contains(hostileCheck), "the check name is escaped")
        XCTAssertTrue(html.contains("&lt;i&gt;antonym&lt;/i&gt; 2, sentence-cosine 1"), html)
        XCTAssertTrue(html.contains("<a href=\"#validity\">Validity</a>"))
        XCTAssertTrue(html.contains("<h2 id=\"validity\">Validity of the successful attacks</h2>"))
        XCTAssertTrue(html.contains("<figure id=\"figure-attack_success_raw_vs_valid\">"))
    }
}
