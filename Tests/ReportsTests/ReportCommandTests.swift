// ReportCommandTests: `robust report` run as a user runs it (the built binary, a child process) — success,
// a missing gnuplot (PATH without it), --no-figures, bad run ids, foreign databases and bad options.
import Analysis
import Foundation
import TestSupport
import XCTest
import Results
@testable import Reports

final class ReportCommandTests: XCTestCase {
    var folder: URL!
    var runs: SyntheticRuns!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        runs = try makeSyntheticDatabase(at: folder.appendingPathComponent("robust.db").path)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path) }

    func testReportCommandWritesTheFolder() throws {
        _ = try Gnuplot.locate()   // fails the test when gnuplot is missing
        let result = try runRobust(["report", String(runs.attack), String(runs.train), "--out", "reports/demo"], folder: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "wrote reports/demo: report.md, report.html, 7 figures (png, svg)\n")
        XCTAssertEqual(result.stderr, "")
        for file in ["report.md", "report.html", "accuracy_under_attack.png", "accuracy_under_attack.svg", "training_loss.gp"] {
            XCTAssertTrue(exists("reports/demo/\(file)"), file)
        }
        let markdown = try String(contentsOf: folder.appendingPathComponent("reports/demo/report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("by robust 0."), "generator named")
        XCTAssertTrue(markdown.contains("robust report \(runs.attack) \(runs.train) --out reports/demo\n"), "the command under Reproduce")

        // Only SVG, no samples.
        let svgOnly = try runRobust(["report", String(runs.secondAttack), "--out", "reports/svg", "--format", "svg", "--examples", "0"],
                                    folder: folder)
        XCTAssertEqual(svgOnly.status, 0, svgOnly.stderr)
        XCTAssertTrue(exists("reports/svg/accuracy_under_attack.svg"))
        XCTAssertFalse(exists("reports/svg/accuracy_under_attack.png"))
        let markdown2 = try String(contentsOf: folder.appendingPathComponent("reports/svg/report.md"), encoding: .utf8)
        XCTAssertFalse(markdown2.contains("## Sample adversarial examples"))
    }

    func testMissingGnuplotIsOneLineNamingThePackageAfterWritingTheTables() throws {
        let emptyBin = folder.appendingPathComponent("empty-bin")
        try FileManager.default.createDirectory(at: emptyBin, withIntermediateDirectories: true)
        let result = try runRobust(["report", String(runs.attack), "--out", "reports/nog"], folder: folder,
                                   environment: ["PATH": emptyBin.path])
        XCTAssertEqual(result.status, 1)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertEqual(String(lines[0]), "Error: gnuplot not found (not on PATH); install the Debian package gnuplot-nox (apt-get install gnuplot-nox) or pass --gnuplot PATH (report.md and report.html were written without figures)")
        XCTAssertEqual(result.stdout, "wrote reports/nog: report.md, report.html, 4 gnuplot scripts with their data (no images)\n")
        XCTAssertTrue(exists("reports/nog/report.html"))
        XCTAssertTrue(exists("reports/nog/accuracy_vs_queries.gp"))

        // --no-figures: the same report on purpose, exit 0.
        let skipped = try runRobust(["report", String(runs.attack), "--out", "reports/nog", "--no-figures"], folder: folder,
                                    environment: ["PATH": emptyBin.path])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertEqual(skipped.stderr, "")
    }

    func testBadRunsDatabasesAndOptionsAreOneLineErrors() throws {
        func check(_ arguments: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let result = try runRobust(arguments, folder: folder)
            XCTAssertNotEqual(result.status, 0, file: file, line: line)
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.first.map(String.init), expected, result.stderr, file: file, line: line)
        }
        try check(["report", "999", "--out", "reports/x"], "Error: run 999 does not exist in robust.db (see `robust runs`)")
        try check(["report", String(runs.empty), "--out", "reports/x"],
                  "Error: run \(runs.empty) has nothing to report: no examples, metrics or curves (status failed: model not found)")
        try check(["report", "1", "--out", "reports/x", "--db", "missing.db"],
                  "Error: no results database at missing.db; set --db PATH or ROBUST_DB, or record a run first")
        try "not a database at all, just text that is long enough to be read as a header".write(
            to: folder.appendingPathComponent("junk.db"), atomically: true, encoding: .utf8)
        try check(["report", "1", "--out", "reports/x", "--db", "junk.db"],
                  "Error: junk.db is not an SQLite database (not a robust results store); choose another file with --db or ROBUST_DB")
        try check(["report", String(runs.attack), "--out", "reports/x", "--format", "pdf"],
                  "Error: --format: unknown figure format 'pdf'; use png, svg or png,svg")
        try check(["report", "--out", "reports/x"], "Error: give at least one RUN id (see `robust runs`)")
        XCTAssertFalse(exists("reports/x"))
    }
}
