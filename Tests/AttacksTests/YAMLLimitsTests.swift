// YAMLLimitsTests: recipe files nested thousands of levels deep used to overflow the stack inside the
// YAML parser (SIGSEGV); they, and oversized files, are now refused with one line before parsing.
import Foundation
import XCTest
@testable import Attacks

final class YAMLLimitsTests: XCTestCase {
    func message(_ yaml: String) -> String? {
        do { _ = try RecipeParser.parse(yaml: yaml, file: "deep.yaml", defaultName: "deep"); return nil } catch {
            return String(describing: error)
        }
    }

    func testDeepFlowNestingIsRefusedWithOneLine() {
        let deep = "description: " + String(repeating: "[", count: 7_000) + String(repeating: "]", count: 7_000) + "\n"
        XCTAssertEqual(message(deep), "deep.yaml:1: nested more than 64 levels deep; recipes are limited to 64")
        let braces = "goal: untargeted\nsearch: " + String(repeating: "{a: ", count: 5_000) + "1" + String(repeating: "}", count: 5_000)
        XCTAssertEqual(message(braces), "deep.yaml:2: nested more than 64 levels deep; recipes are limited to 64")
    }

    func testDeepBlockNestingIsRefused() {
        let dashes = "constraints:\n  " + String(repeating: "- ", count: 7_000) + "x\n"
        XCTAssertEqual(message(dashes), "deep.yaml:2: nested more than 64 levels deep; recipes are limited to 64")
        var indented = ""
        for level in 0..<100 { indented += String(repeating: " ", count: level) + "k\(level):\n" }
        XCTAssertEqual(message(indented), "deep.yaml:65: nested more than 64 levels deep; recipes are limited to 64")
    }

    func testBracketsInQuotesAndCommentsDoNotCount() throws {
        let text = "name: x\ndescription: \"[[[[[[[[ { ' \\\" ]\" # [[[[[[\nnotes: '[[[[ '' {{{{'\n"
        XCTAssertEqual(YAMLLimits.deepest(text)?.depth, 1)
        XCTAssertNoThrow(try YAMLLimits.check(text, file: "x.yaml"))
    }

    func testEveryShippedRecipeIsWellWithinTheLimits() throws {
        for (name, text) in RecipeLibrary.builtIn {
            XCTAssertNoThrow(try YAMLLimits.check(text, file: name), name)
            XCTAssertLessThanOrEqual(YAMLLimits.deepest(text)?.depth ?? 0, 6, name)
        }
    }

    func testOversizedFilesAreRefusedBeforeReading() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(repeating: UInt8(ascii: "#"), count: YAMLLimits.maxBytes + 1).write(to: url)
        XCTAssertThrowsError(try YAMLLimits.read(url)) {
            XCTAssertEqual(String(describing: $0), "\(url.path): 262,145 bytes; a recipe file may be at most 256 KB")
        }
        XCTAssertThrowsError(try RecipeLibrary().load([url.path])) {
            XCTAssertTrue(String(describing: $0).contains("a recipe file may be at most 256 KB"), String(describing: $0))
        }
    }
}
