// ReportTests: whole reports from a synthetic database — files, scripts that gnuplot runs, Markdown rows,
// HTML escaping, a missing or failing gnuplot, bad run ids and output folders. Tests that draw need
// gnuplot and fail (never skip) without it: scripts/setup.sh installs gnuplot-nox.
import Analysis
import Foundation
import TestSupport
import XCTest
import Results
@testable import Reports

final class ReportTests: XCTestCase {
    var folder: URL!
    var dbPath: String!
    var runs: SyntheticRuns!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        dbPath = folder.appendingPathComponent("results.db").path
        runs = try makeSyntheticDatabase(at: dbPath)
    }

    func store() throws -> ResultStore { try ResultStore(path: dbPath, access: .readOnly) }

    /// The report of the attack, training and second attack runs, drawn by the real gnuplot.
    func fullReport(formats: [FigureFormat] = [.png, .svg], name: String = "full") throws -> ReportOutcome {
        let gnuplot = try Gnuplot.locate()   // throws (fails the test) when gnuplot is missing
        let outcome = try ReportGenerator.generate(
            store: store(), runs: [runs.attack, runs.train, runs.secondAttack, runs.attack],
            to: folder.appendingPathComponent("reports/\(name)"),
            options: ReportOptions(formats: formats, rendering: .gnuplot(path: gnuplot.executable), generator: "robust test",
                                   commandLine: "robust report \(runs.attack) --out reports/\(name)"))
        if let keep = ProcessInfo.processInfo.environment["ROBUST_KEEP_TEST_REPORT"] {
            // For looking at the figures: ROBUST_KEEP_TEST_REPORT=/tmp/x swift test --filter ReportsTests
            try? FileManager.default.removeItem(atPath: keep + "/" + name)
            try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: outcome.folder, to: URL(fileURLWithPath: keep + "/" + name))
        }
        return outcome
    }

    func read(_ outcome: ReportOutcome, _ file: String) throws -> String {
        try String(contentsOf: outcome.folder.appendingPathComponent(file), encoding: .utf8)
    }

    // MARK: - Files and figures

    func testReportWritesEveryFigureWithItsScriptDataAndImages() throws {
        let outcome = try fullReport()
        XCTAssertNil(outcome.figureError)
        let names = ["accuracy_under_attack", "accuracy_vs_epsilon", "accuracy_vs_words_changed", "accuracy_vs_queries",
                     "training_loss", "training_accuracy", "training_learning_rate"]
        XCTAssertEqual(outcome.figures.map(\.name), names)
        XCTAssertEqual(outcome.renderedFigures, names)
        var expected = [".robust-report.json", "report.html", "report.md"]
        for name in names { expected += ["gp", "dat", "png", "svg"].map { "\(name).\($0)" } }
        XCTAssertEqual(outcome.files, expected.sorted())
        for name in names {
            let script = try read(outcome, "\(name).gp")
            XCTAssertTrue(script.contains("'\(name).dat' index 0 using"), "\(name).gp reads its data:\n\(script)")
            XCTAssertTrue(script.contains("set output '\(name).png'") && script.contains("set output '\(name).svg'"))
            for label in ["set title '", "set xlabel '", "set ylabel '"] { XCTAssertTrue(script.contains(label), "\(name): \(label)") }
            XCTAssertTrue(script.contains("title '"), "\(name) has legend entries")
            let png = try Data(contentsOf: outcome.folder.appendingPathComponent("\(name).png"))
            XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(name).png is a PNG")
            XCTAssertGreaterThan(png.count, 10_000)
            let svg = try read(outcome, "\(name).svg")
            XCTAssertTrue(svg.contains("<svg"), "\(name).svg is an SVG")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: outcome.folder.appendingPathComponent("empty.dat").path))
    }

    func testConsistencyTrainingCurvesGetTheirFigures() throws {
        let writable = try ResultStore(path: dbPath)
        let run = try writable.beginRun(RunRecord(kind: .train, modelHash: "77ab", dataHash: "da7a", robustVersion: "test")).runID
        var points: [CurvePointRecord] = []
        for step in [13, 26, 39] {
            for (name, value) in [("train_loss", 0.6), ("dev_loss", 0.5), ("consistency_loss", 0.2), ("unlabeled_confident_share", 0.75)] {
                points.append(CurvePointRecord(runID: run, recipe: "training", curve: name, xName: "step", x: Double(step),
                                               yName: name, y: value - Double(step) / 1000))
            }
        }
        try writable.recordCurvePoints(points)
        try writable.markRun(run, status: .finished)
        let outcome = try ReportGenerator.generate(
            store: store(), runs: [run], to: folder.appendingPathComponent("reports/consistency"),
            options: ReportOptions(formats: [.svg], rendering: .scriptsOnly, generator: "robust test", commandLine: "robust report"))
        XCTAssertEqual(outcome.figures.map(\.name), ["training_loss", "training_consistency", "training_unlabeled_confident"])
        let data = try read(outcome, "training_consistency.dat")
        XCTAssertTrue(data.contains("supervised loss") && data.contains("consistency loss"), data)
        XCTAssertTrue(try read(outcome, "training_unlabeled_confident.dat").contains("73.7"), "the share is drawn in percent")
    }

    func testScriptsRerunByHandFromTheReportFolder() throws {
        let outcome = try fullReport(formats: [.png])
        let gnuplot = try Gnuplot.locate()
        let image = outcome.folder.appendingPathComponent("accuracy_vs_queries.png")
        try FileManager.default.removeItem(at: image)
        try gnuplot.run(script: "accuracy_vs_queries.gp", in: outcome.folder)
        XCTAssertTrue(FileManager.default.fileExists(atPath: image.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: outcome.folder.appendingPathComponent("accuracy_vs_queries.svg").path),
                       "only the formats asked for")
    }

    func testDataFilesHoldTheSeries() throws {
        let outcome = try fullReport(formats: [.svg])
        // ε curve: 4 points, y in percent.
        let epsilon = try read(outcome, "accuracy_vs_epsilon.dat")
        XCTAssertTrue(epsilon.contains("# index 0: fgsm"), epsilon)
        let rows = epsilon.split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertEqual(rows.map(String.init), ["0 80", "0.05 60", "0.1 40", "0.2 20"])
        // Bars: one block per attack run (the duplicate run id is reported once), groups named.
        let bars = try read(outcome, "accuracy_under_attack.dat")
        XCTAssertTrue(bars.contains("# groups: 0 = no attack, 1 = charflip, 2 = wordswap"), bars)
        XCTAssertTrue(bars.contains("# index 0: run \(runs.attack) (base "), bars)
        XCTAssertTrue(bars.contains("# index 1: run \(runs.secondAttack) (retrained)"), bars)
        XCTAssertFalse(bars.contains("# index 2"), bars)
        // Budget curves: one block per (run, recipe) of the attack runs.
        let words = try read(outcome, "accuracy_vs_words_changed.dat")
        XCTAssertEqual(words.components(separatedBy: "# index ").count - 1, 3, words)
    }

    // MARK: - Markdown

    /// The rows of the Markdown table under `heading`, as cells.
    func markdownTable(_ markdown: String, under heading: String) throws -> [[String]] {
        let lines = markdown.components(separatedBy: "\n")
        let start = try XCTUnwrap(lines.firstIndex(of: heading), "no \(heading)")
        let table = lines[(start + 1)...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        return table.dropFirst(2).map { line in
            line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
        }
    }

    func testMarkdownTablesHaveTheRightRows() throws {
        let outcome = try fullReport(formats: [.png])
        let markdown = try read(outcome, "report.md")
        let store = try store()

        let runRows = try markdownTable(markdown, under: "## Runs")
        XCTAssertEqual(runRows.map { $0[0] }, [runs.attack, runs.train, runs.secondAttack].map(String.init))
        XCTAssertEqual(runRows.map { $0[1] }, ["attack", "train", "attack"])

        let attackRows = try markdownTable(markdown, under: "## Attack results")
        XCTAssertEqual(attackRows.map { "\($0[0]) \($0[1])" },
                       ["\(runs.attack) charflip", "\(runs.attack) wordswap", "\(runs.secondAttack) wordswap"])
        for row in attackRows {
            XCTAssertEqual(row.count, ReportContent.attackHeader.count)
            let metrics = try store.metrics(run: Int64(row[0])!, recipe: row[1])
            let underAttack = try XCTUnwrap(metrics.first { $0.name == MetricName.accuracyUnderAttack })
            let expected = String(format: "%.1f%% (%.1f–%.1f)", underAttack.value * 100, underAttack.low! * 100, underAttack.high! * 100)
            XCTAssertEqual(row[4], expected)
            XCTAssertEqual(row[2], String(try store.examples(run: Int64(row[0])!, recipe: row[1]).count))
        }

        let trainingRows = try markdownTable(markdown, under: "## Training")
        XCTAssertEqual(trainingRows.count, 1)
        XCTAssertEqual(Array(trainingRows[0].prefix(3)), [String(runs.train), "10", "500"])
        XCTAssertEqual(trainingRows[0][6], "85.0% at step 500")

        let otherRows = try markdownTable(markdown, under: "## Other metrics")
        XCTAssertEqual(otherRows.map { "\($0[0]) \($0[1]) \($0[2])" },
                       ["\(runs.train) clean clean\\_accuracy", "\(runs.train) clean loss", "\(runs.train) clean macro\\_f1"])
        XCTAssertEqual(otherRows[0][3], "84.0%")
        XCTAssertEqual(otherRows[0][4], "80.0% – 88.0%")

        // Figures are linked, with their scripts.
        XCTAssertTrue(markdown.contains("![Accuracy under each attack](accuracy_under_attack.png)"), markdown)
        XCTAssertTrue(markdown.contains("[training_loss.gp](training_loss.gp)"))
        // Sample examples: wordswap of the attack run has the hostile one (1 word changed, fewest queries first).
        XCTAssertTrue(markdown.contains("~~fine~~ **decent**"), markdown)
    }

    // MARK: - Escaping

    func testHostileTextIsEscapedInHTMLAndMarkdown() throws {
        let outcome = try fullReport()
        let html = try read(outcome, "report.html")
        XCTAssertFalse(html.lowercased().contains("<script"), "no raw script tag")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"), "example text and label escaped")
        XCTAssertTrue(html.contains("<del>fine</del> <ins>decent</ins>"), "changes highlighted")
        XCTAssertTrue(html.contains("Content-Security-Policy"))
        // Self-contained: figures are data: URIs, nothing is fetched.
        XCTAssertEqual(html.components(separatedBy: "<img ").count - 1, 7)
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/svg+xml;base64,").count - 1, 7)
        for reference in ["src=\"http", "href=\"http", "<link", "url("] { XCTAssertFalse(html.contains(reference), reference) }

        let markdown = try read(outcome, "report.md")
        XCTAssertFalse(markdown.contains("<script>"))
        XCTAssertTrue(markdown.contains("\\<script\\>alert('x')\\</script\\> \\& \"q\" \\| \\*b\\* \\`t\\` \\[l\\](u)"), markdown)
        // The hostile label cannot break the runs table: every row has the header's cell count.
        for row in try markdownTable(markdown, under: "## Runs") { XCTAssertEqual(row.count, 9, "\(row)") }
    }

    func testGnuplotQuotingDefeatsHostileLabels() throws {
        let gnuplot = try Gnuplot.locate()
        let figure = Figure(name: "hostile", title: "it's `touch PWNED1` @x", xLabel: "x '' ' \\ \"", yLabel: "y\nset output 'evil'",
                            caption: "", kind: .lines,
                            series: [Series(title: "a' `touch PWNED2` '", points: [SeriesPoint(x: 0, y: 1), SeriesPoint(x: 1, y: 2)], colour: 0)])
        let files = GnuplotScript.render(figure, formats: [.svg])
        XCTAssertEqual(GnuplotScript.quote("it's"), "'it\u{2019}s'")
        XCTAssertEqual(GnuplotScript.quote("a\nb"), "'a b'")
        try files.script.write(to: folder.appendingPathComponent(files.scriptName), atomically: true, encoding: .utf8)
        try files.data.write(to: folder.appendingPathComponent(files.dataName), atomically: true, encoding: .utf8)
        try gnuplot.run(script: files.scriptName, in: folder)
        let svg = try String(contentsOf: folder.appendingPathComponent("hostile.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("it\u{2019}s `touch PWNED1` @x"), "the title is drawn literally")
        XCTAssertTrue(svg.contains("x \u{2019}\u{2019} \u{2019} \\ &quot;") || svg.contains("x \u{2019}\u{2019} \u{2019} \\ \""),
                      "quotes and backslashes survive")
        for file in ["PWNED1", "PWNED2", "evil"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), file)
        }
    }

    // MARK: - gnuplot missing or failing

    func testMissingGnuplotStillWritesTheTablesAndSaysWhichPackage() throws {
        let outcome = try ReportGenerator.generate(
            store: store(), runs: [runs.attack, runs.train], to: folder.appendingPathComponent("reports/nognuplot"),
            options: ReportOptions(environment: ["PATH": folder.appendingPathComponent("empty-bin").path]))
        let error = try XCTUnwrap(outcome.figureError)
        XCTAssertEqual(error, .gnuplotMissing(searched: "not on PATH"))
        XCTAssertTrue(error.description.contains("gnuplot-nox"))
        XCTAssertFalse(error.description.contains("\n"))
        XCTAssertTrue(outcome.renderedFigures.isEmpty)
        XCTAssertTrue(outcome.files.contains("report.md") && outcome.files.contains("report.html"))
        XCTAssertTrue(outcome.files.contains("accuracy_under_attack.gp") && outcome.files.contains("accuracy_under_attack.dat"))
        XCTAssertFalse(outcome.files.contains { $0.hasSuffix(".png") || $0.hasSuffix(".svg") })
        let markdown = try read(outcome, "report.md")
        XCTAssertTrue(markdown.contains("> **Warning:** 7 of 7 figures were not rendered: gnuplot not found"), markdown)
        XCTAssertFalse(try markdownTable(markdown, under: "## Attack results").isEmpty)
        let html = try read(outcome, "report.html")
        XCTAssertTrue(html.contains("class=\"missing\""))
        XCTAssertFalse(html.contains("<img "))
    }

    func testLocatingGnuplot() throws {
        XCTAssertThrowsError(try Gnuplot.locate(explicit: "/nonexistent/gnuplot")) {
            XCTAssertEqual($0 as? ReportError, .gnuplotMissing(searched: "no executable file at /nonexistent/gnuplot"))
        }
        XCTAssertThrowsError(try Gnuplot.locate(environment: ["PATH": ""])) {
            XCTAssertEqual($0 as? ReportError, .gnuplotMissing(searched: "PATH is empty"))
        }
        // PATH unset: the Debian location. (gnuplot must be installed: scripts/setup.sh installs gnuplot-nox.)
        XCTAssertEqual(try Gnuplot.locate(environment: [:]).executable, Gnuplot.defaultLocation)
        let bin = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let fake = bin.appendingPathComponent("gnuplot")
        try "#!/bin/sh\nexit 0\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        XCTAssertEqual(try Gnuplot.locate(environment: ["PATH": "/nonexistent:" + bin.path]).executable, fake.path)
    }

    func testFailingGnuplotGivesItsErrorAndKeepsTheReport() throws {
        let fake = folder.appendingPathComponent("broken-gnuplot")
        try "#!/bin/sh\necho 'line 3: unknown or ambiguous terminal type' >&2\nexit 1\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let outcome = try ReportGenerator.generate(store: store(), runs: [runs.secondAttack], to: folder.appendingPathComponent("r"),
                                                   options: ReportOptions(rendering: .gnuplot(path: fake.path)))
        XCTAssertEqual(outcome.figureError, .gnuplotFailed(script: "accuracy_under_attack.gp", detail: "line 3: unknown or ambiguous terminal type"))
        XCTAssertTrue(outcome.files.contains("report.html"))
        // A gnuplot that exits 0 but draws nothing is a failure too.
        let silent = folder.appendingPathComponent("silent-gnuplot")
        try "#!/bin/sh\nexit 0\n".write(to: silent, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: silent.path)
        let second = try ReportGenerator.generate(store: store(), runs: [runs.secondAttack], to: folder.appendingPathComponent("r"),
                                                  options: ReportOptions(formats: [.svg], rendering: .gnuplot(path: silent.path)))
        XCTAssertEqual(second.figureError, .gnuplotFailed(script: "accuracy_under_attack.gp", detail: "it wrote no accuracy_under_attack.svg"))
    }

    func testScriptsOnlyIsNotAnError() throws {
        let outcome = try ReportGenerator.generate(store: store(), runs: [runs.train], to: folder.appendingPathComponent("s"),
                                                   options: ReportOptions(rendering: .scriptsOnly))
        XCTAssertNil(outcome.figureError)
        XCTAssertEqual(outcome.files, [".robust-report.json", "report.html", "report.md", "training_accuracy.dat", "training_accuracy.gp",
                                       "training_learning_rate.dat", "training_learning_rate.gp", "training_loss.dat", "training_loss.gp"])
    }

    // MARK: - Bad input

    func testNonexistentAndEmptyRunsAreOneLineErrors() throws {
        XCTAssertThrowsError(try ReportGenerator.generate(store: store(), runs: [runs.attack, 999], to: folder.appendingPathComponent("x"))) {
            XCTAssertEqual($0 as? ResultStoreError, .noSuchRun(id: 999, path: dbPath))
        }
        XCTAssertThrowsError(try ReportGenerator.generate(store: store(), runs: [runs.empty], to: folder.appendingPathComponent("x"))) {
            XCTAssertEqual("\($0)", "run \(runs.empty) has nothing to report: no examples, metrics or curves (status failed: model not found)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x").path), "nothing written")
    }

    func testAForeignFolderIsNeverTouchedAndAPreviousReportIsReplaced() throws {
        let target = folder.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try "keep me".write(to: target.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ReportGenerator.generate(store: store(), runs: [runs.train], to: target,
                                                          options: ReportOptions(rendering: .scriptsOnly))) {
            XCTAssertEqual("\($0)", "cannot write the report to \(target.path): it exists and is not a robust report (it holds notes.txt); "
                           + "robust replaces only a folder holding exactly the report it wrote there. Choose another --out or move your files")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.path), ["notes.txt"])

        let report = folder.appendingPathComponent("again")
        _ = try ReportGenerator.generate(store: store(), runs: [runs.secondAttack], to: report, options: ReportOptions(rendering: .scriptsOnly))
        let second = try ReportGenerator.generate(store: store(), runs: [runs.train], to: report, options: ReportOptions(rendering: .scriptsOnly))
        XCTAssertFalse(second.files.contains("accuracy_under_attack.gp"), "the previous report's files are gone")
        XCTAssertTrue(second.files.contains("training_loss.gp"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".again.") }
        XCTAssertEqual(leftovers, [], "no staging folders left behind")
    }

    /// The README invites editing a report's .gp scripts: an edited or added file makes the folder the
    /// user's, and a new report never deletes it.
    func testAReportFolderWithEditedOrAddedFilesIsNotReplaced() throws {
        let report = folder.appendingPathComponent("edited")
        let first = try ReportGenerator.generate(store: store(), runs: [runs.train], to: report, options: ReportOptions(rendering: .scriptsOnly))
        XCTAssertTrue(first.files.contains(".robust-report.json"))
        let script = try XCTUnwrap(first.files.first { $0.hasSuffix(".gp") })
        let url = report.appendingPathComponent(script)
        try (try String(contentsOf: url, encoding: .utf8) + "\n# my tuning\n").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ReportGenerator.generate(store: store(), runs: [runs.train], to: report,
                                                          options: ReportOptions(rendering: .scriptsOnly))) {
            XCTAssertTrue("\($0)".contains("\(script) was changed since the report wrote it"), "\($0)")
        }
        XCTAssertTrue(try String(contentsOf: url, encoding: .utf8).hasSuffix("# my tuning\n"), "the edit is kept")

        let other = folder.appendingPathComponent("added")
        _ = try ReportGenerator.generate(store: store(), runs: [runs.train], to: other, options: ReportOptions(rendering: .scriptsOnly))
        try "mine".write(to: other.appendingPathComponent("figure.png"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ReportGenerator.generate(store: store(), runs: [runs.train], to: other,
                                                          options: ReportOptions(rendering: .scriptsOnly))) {
            XCTAssertTrue("\($0)".contains("it holds figure.png, which the report did not write"), "\($0)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: other.appendingPathComponent("figure.png").path))

        // A folder that only looks like a report (no manifest) is not robust's to replace either.
        try FileManager.default.removeItem(at: other.appendingPathComponent("figure.png"))
        try FileManager.default.removeItem(at: other.appendingPathComponent(".robust-report.json"))
        XCTAssertThrowsError(try ReportGenerator.generate(store: store(), runs: [runs.train], to: other,
                                                          options: ReportOptions(rendering: .scriptsOnly))) {
            XCTAssertTrue("\($0)".contains("it exists and is not a robust report"), "\($0)")
        }
    }

    func testPartialRunsAndComputedMetricsAreFlagged() throws {
        let store = try ResultStore(path: dbPath)
        let run = try store.beginRun(RunRecord(kind: .attack, robustVersion: "t")).runID
        for index in 0..<6 { try store.recordExample(attackExample(index, run: run, recipe: "pwws", success: index % 2 == 0)) }
        // Still running, no metrics stored: the report computes them and says so.
        let outcome = try ReportGenerator.generate(store: store, runs: [run], to: folder.appendingPathComponent("p"),
                                                   options: ReportOptions(rendering: .scriptsOnly))
        XCTAssertEqual(outcome.notes, ["run \(run) is still running (or was killed): its results are partial.",
                                       "run \(run) stored no metrics for recipe pwws; they were computed from its 6 examples."])
        let markdown = try read(outcome, "report.md")
        XCTAssertEqual(try markdownTable(markdown, under: "## Attack results").count, 1)

        // A lock file that nobody holds is what a killed process leaves behind: the run was abandoned.
        XCTAssertTrue(FileManager.default.createFile(atPath: "\(dbPath!).run-\(run).lock", contents: Data()))
        let abandoned = try ReportGenerator.generate(store: store, runs: [run], to: folder.appendingPathComponent("q"),
                                                     options: ReportOptions(rendering: .scriptsOnly))
        XCTAssertEqual(abandoned.notes.first, "run \(run) was abandoned: the process recording it ended without finishing "
                       + "(killed, or a second Ctrl-C); `--resume \(run)` continues it. Its results are partial.")
    }
}
