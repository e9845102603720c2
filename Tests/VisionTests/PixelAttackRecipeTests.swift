// PixelAttackRecipeTests: the pixel attack recipes of attacks/ (kind: image) — every shipped one parses into
// valid settings (and suites name shipped recipes), and bad recipes fail with one line naming the file and key.
import Foundation
import TestSupport
import Vision
import XCTest

final class PixelAttackRecipeTests: XCTestCase {
    func shipped() throws -> [String: String] {
        let folder = TestPaths.repoRoot.appendingPathComponent("attacks")
        var texts: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasPrefix("pixel-") && file.hasSuffix(".yaml") {
            texts[String(file.dropLast(5))] = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        }
        return texts
    }

    func testShippedRecipesParseAndSuitesResolve() throws {
        let texts = try shipped()
        XCTAssertGreaterThanOrEqual(texts.count, 6)
        let pgd = try PixelAttackRecipe.load(["pixel-pgd"], builtIn: texts)
        XCTAssertEqual(pgd.first?.settings.kind, .pgd)
        XCTAssertEqual(pgd.first?.settings.steps, 20)
        XCTAssertEqual(pgd.first?.settings.epsilon ?? 0, 0.1, accuracy: 1e-7)
        XCTAssertEqual(pgd.first?.settings.randomStart, true)
        let suite = try PixelAttackRecipe.load(["pixel-default"], builtIn: texts)
        XCTAssertEqual(suite.map(\.name), ["pixel-fgsm-sweep", "pixel-pgd-sweep", "pixel-apgd-ce"])
        XCTAssertEqual(suite.first?.sweep?.count, 6)
        XCTAssertEqual(suite.last?.settings.kind, .apgdCE)
        for name in texts.keys { XCTAssertNoThrow(try PixelAttackRecipe.load([name], builtIn: texts), name) }
        XCTAssertNotEqual(PixelAttackRecipe.hash(pgd), PixelAttackRecipe.hash(suite))
    }

    func testBadRecipesAreOneLineNamingTheFile() throws {
        let cases: [(String, String)] = [
            ("kind: image\nattack: {kind: pgd, epsilon: 0.1}\nsweeps: [0.1]", "unknown key 'sweeps'"),
            ("attack: {kind: pgd, epsilon: 0.1}", "kind: image"),
            ("kind: image\nattack: {kind: pgd, epsilon: -1}", "epsilon"),
            ("kind: image\nattack: {kind: fgsm, epsilon: 0.1, steps: 3}", "steps"),
            ("kind: image\nattack: {kind: blur, epsilon: 0.1}", "blur"),
            ("kind: image\nattack: {kind: pgd, epsilon: 0.1}\nsweep: [0.1, x]", "sweep"),
            ("kind: image\nattack: {kind: pgd, epsilon: 0.1}\nsweep: [2]", "beyond the pixel range"),
            ("kind: image\nsuite: []", "non-empty"),
            ("kind: image", "missing 'attack'"),
            ("kind: image\nattack: [", "not valid YAML"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try PixelAttackRecipe.parse(yaml: text, file: "bad.yaml", defaultName: "bad"), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("bad.yaml"), "\(text): \(message)")
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
        XCTAssertThrowsError(try PixelAttackRecipe.load(["pixel-pgdd"], builtIn: try shipped())) {
            XCTAssertTrue("\($0)".contains("did you mean"), "\($0)")
        }
    }
}
