import Audit
import XCTest

final class AuditRecipeTests: XCTestCase {
    func testBuiltInAuditsParse() throws {
        let library = AuditLibrary(directory: URL(fileURLWithPath: "/nonexistent"))
        let standard = try library.load("default")
        XCTAssertEqual(standard.checks.map(\.name), ["sentence-cosine", "window-cosine", "antonym", "negation", "label-words",
                                                      "pos-change", "non-word", "rare-word", "changed-words"])
        XCTAssertEqual(standard.settings["sentence-cosine"], ["min": "0.8"])
        XCTAssertEqual(standard.settings["label-words"], ["max_share": "0.9", "min_count": "10"])
        let morris = try library.load("morris2020")
        XCTAssertEqual(morris.checks.map(\.name), ["sentence-cosine", "word-cosine", "pos-change", "non-word"])
        XCTAssertEqual(morris.settings["sentence-cosine"], ["min": "0.98"])
        XCTAssertEqual(morris.settings["word-cosine"], ["min": "0.9"])
        XCTAssertNotEqual(standard.hash, morris.hash)
    }

    func testBadRecipesGiveOneLineNamingTheFileAndKey() {
        func message(_ yaml: String) -> String {
            do {
                _ = try AuditRecipeParser.parse(yaml: yaml, file: "audits/mine.yaml", defaultName: "mine")
                return "parsed"
            } catch { return "\(error)" }
        }
        let unknownCheck = message("checks:\n  - name: sentence-cosin\n    min: 0.9\n")
        XCTAssertTrue(unknownCheck.hasPrefix("audits/mine.yaml:2: unknown check 'sentence-cosin' (did you mean 'sentence-cosine'?)"), unknownCheck)
        XCTAssertTrue(unknownCheck.contains("valid: sentence-cosine, window-cosine"), unknownCheck)
        let outOfRange = message("checks:\n  - name: sentence-cosine\n    min: 1.5\n")
        XCTAssertEqual(outOfRange, "audits/mine.yaml:3: check 'sentence-cosine' parameter 'min' must be a number in -1...1; got '1.5'")
        let share = message("checks:\n  - name: changed-words\n    max: -0.1\n")
        XCTAssertEqual(share, "audits/mine.yaml:3: check 'changed-words' parameter 'max' must be a number in 0...1; got '-0.1'")
        let parameter = message("checks:\n  - name: label-words\n    min_cout: 3\n")
        XCTAssertTrue(parameter.hasPrefix("audits/mine.yaml:3: check 'label-words' has no parameter 'min_cout' (did you mean 'min_count'?)"), parameter)
        XCTAssertTrue(message("check: [antonym]\n").hasPrefix("audits/mine.yaml:1: unknown key 'check' (did you mean 'checks'?)"))
        XCTAssertEqual(message("checks: []\n"), "audits/mine.yaml:1: 'checks' must be a non-empty list; checks: " + AuditCatalog.checks.map(\.name).joined(separator: ", "))
        XCTAssertEqual(message("checks: [antonym, antonym]\n"), "audits/mine.yaml:1: check 'antonym' is listed twice")
        XCTAssertEqual(message("name: a@b\nchecks: [antonym]\n"), "audits/mine.yaml:1: 'name' must be one word (letters, digits, - _ .)")
        XCTAssertTrue(message("checks: [[[").hasPrefix("audits/mine.yaml:"), "not YAML")
        XCTAssertEqual(message("checks: [antonym]\n"), "parsed")
        for text in [unknownCheck, outOfRange, share, parameter] { XCTAssertFalse(text.contains("\n")) }
    }

    func testUnknownAuditNameAndUserFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("audits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "description: mine\nchecks:\n  - name: changed-words\n    max: 0.1\n".write(to: folder.appendingPathComponent("strict.yaml"), atomically: true, encoding: .utf8)
        try "checks: [negation]\n".write(to: folder.appendingPathComponent("default.yaml"), atomically: true, encoding: .utf8)
        let library = AuditLibrary(directory: folder)
        XCTAssertEqual(try library.load("strict").settings["changed-words"], ["max": "0.1"])
        XCTAssertEqual(try library.load("default").checks.map(\.name), ["negation"], "a user folder overrides a built-in audit by name")
        XCTAssertThrowsError(try library.load("morris2002")) { error in
            XCTAssertTrue("\(error)".hasPrefix("unknown audit recipe 'morris2002' (did you mean 'morris2020'?); audits: default, morris2020, strict"), "\(error)")
        }
        XCTAssertThrowsError(try library.load("/nonexistent/x.yaml")) { error in
            XCTAssertEqual("\(error)", "audit recipe file /nonexistent/x.yaml not found")
        }
    }
}
