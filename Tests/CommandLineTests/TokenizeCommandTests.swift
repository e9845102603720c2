// TokenizeCommandTests: `robust tokenize --model` on a transformers-5 tokenizer folder (tokenizer.json and
// tokenizer_config.json, no vocab.txt), and a folder with no tokenizer at all.
import Foundation
import TestSupport
import XCTest

final class TokenizeCommandTests: XCTestCase {
    func testTokenizeReadsTokenizerJSONFolder() throws {
        let folder = try temporaryFolder(self)
        let model = folder.appendingPathComponent("bert-tf5")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: TestPaths.fixture("tokenizers/wordpiece/\(name)"), to: model.appendingPathComponent(name))
        }
        let result = try runRobust(["tokenize", "--model", model.path, "--json", "Hello, world!"], folder: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["tokens"] as? [String], ["[CLS]", "hel", "##l", "##o", ",", "world", "!", "[SEP]"])

        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let failed = try runRobust(["tokenize", "--model", empty.path, "x"], folder: folder)
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("looked for tokenizer.json, then vocab.txt, then vocab.json + merges.txt"), failed.stderr)
        XCTAssertEqual(failed.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, failed.stderr)
    }
}
