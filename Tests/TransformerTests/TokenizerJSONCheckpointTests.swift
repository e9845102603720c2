// A transformers-5 BERT folder (config.json, model.safetensors, tokenizer.json, tokenizer_config.json, no vocab.txt)
// loads through ModelHandle, tokenizes like the vocab.txt folder, and saves back with its tokenizer.json.
import Foundation
import TestSupport
import Tokenizer
import Transformer
import XCTest

/// tiny_bert_cls with the tokenizer.json and tokenizer_config.json that transformers 5 wrote for the fixture
/// WordPiece tokenizer, its vocabulary replaced by the tiny model's 128 tokens (same special ids).
func transformers5Folder(in scratch: URL) throws -> URL {
    let folder = scratch.appendingPathComponent("tiny-tf5")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for name in ["config.json", "model.safetensors"] {
        try FileManager.default.copyItem(at: TestPaths.fixture("tiny_bert_cls/\(name)"), to: folder.appendingPathComponent(name))
    }
    try FileManager.default.copyItem(at: TestPaths.fixture("tokenizers/wordpiece/tokenizer_config.json"),
                                     to: folder.appendingPathComponent("tokenizer_config.json"))
    let source = try Data(contentsOf: TestPaths.fixture("tokenizers/wordpiece/tokenizer.json"))
    var json = try XCTUnwrap(JSONSerialization.jsonObject(with: source) as? [String: Any])
    var model = try XCTUnwrap(json["model"] as? [String: Any])
    let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    let tokens = specials + (0..<(128 - specials.count)).map { "w\($0)" }
    model["vocab"] = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
    json["model"] = model
    try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("tokenizer.json"))
    return folder
}

final class TokenizerJSONCheckpointTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("robust-tf5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func testTransformers5FolderLoadsTokenizesAndSavesItsTokenizerJSON() throws {
        let folder = try transformers5Folder(in: scratch)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab.txt").path))
        let checkpoint = try ModelHandle(directory: folder)
        XCTAssertEqual(checkpoint.tokenizer.source, .tokenizerJSON)
        XCTAssertEqual(checkpoint.tokenizer.vocabularySize, 128)
        XCTAssertEqual(checkpoint.tokenizer.unknownToken, "[UNK]")
        let encoding = checkpoint.tokenizer.encode("W3 w77 [MASK] zz")
        XCTAssertEqual(encoding.ids, [2, 8, 82, 4, 1, 3])
        XCTAssertEqual(encoding.tokens, ["[CLS]", "w3", "w77", "[MASK]", "[UNK]", "[SEP]"])
        XCTAssertEqual(encoding.offsets, [0..<0, 0..<2, 3..<6, 7..<13, 14..<16, 0..<0])
        XCTAssertEqual(encoding.wordIDs, [nil, 0, 1, 2, 3, nil])
        XCTAssertEqual(checkpoint.tokenizer.encode("w1 w2 w3 w4", maxLength: 4).ids, [2, 6, 7, 3])
        let saved = scratch.appendingPathComponent("saved")
        try checkpoint.save(to: saved)
        let fm = FileManager.default
        XCTAssertTrue(fm.fileExists(atPath: saved.appendingPathComponent("tokenizer.json").path))
        XCTAssertTrue(fm.fileExists(atPath: saved.appendingPathComponent("tokenizer_config.json").path))
        XCTAssertFalse(fm.fileExists(atPath: saved.appendingPathComponent("vocab.txt").path))
        XCTAssertEqual(try Data(contentsOf: saved.appendingPathComponent("tokenizer.json")),
                       try Data(contentsOf: folder.appendingPathComponent("tokenizer.json")))
        let reloaded = try ModelHandle(directory: saved)
        XCTAssertEqual(reloaded.tokenizer.encode("W3 w77 [MASK] zz"), encoding)
    }

    func testFolderWithoutTokenizerFilesNamesWhatWasLookedFor() throws {
        let folder = try transformers5Folder(in: scratch)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("tokenizer.json"))
        XCTAssertThrowsError(try ModelHandle(directory: folder)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("looked for tokenizer.json, then vocab.txt, then vocab.json + merges.txt"), text)
        }
    }
}
