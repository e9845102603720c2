// FamilyFixtures: the per-family reference fixtures made with transformers by
// bench/fixtures/make_model_fixtures.py (Tests/Fixtures/families/<family>/): the tiny model folder,
// the batches, and the reference tensors. Loading fails (never skips) when a fixture is missing.
import Foundation
import SafeTensors

public struct FamilyFixture {
    /// Every family fixture the script makes, in its order.
    public static let all = ["distilbert", "distilbert-relu", "roberta", "xlm-roberta", "electra", "albert", "albert-groups",
                             "deberta-v2", "deberta-v2-variant", "modernbert", "modernbert-mean"]

    public let name: String
    public let folder: URL
    public let json: [String: Any]
    public let tensors: SafeTensorsFile

    public init(_ name: String) throws {
        self.name = name
        folder = TestPaths.fixture("families/\(name)")
        let referenceURL = folder.appendingPathComponent("reference.json")
        guard FileManager.default.fileExists(atPath: referenceURL.path) else {
            throw TestSupportError.missing("\(referenceURL.path); run bench/fixtures/make_model_fixtures.py")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: referenceURL)) as? [String: Any] else {
            throw TestSupportError.missing("\(referenceURL.path) is not a JSON object")
        }
        json = object
        tensors = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("reference.safetensors"))
    }

    /// The model folder (config.json, model.safetensors, vocab.txt) as transformers saved it.
    public var model: URL { folder.appendingPathComponent("model") }
    /// The same model with transformers-sized weights, where the four training steps start.
    public var trainingModel: URL { folder.appendingPathComponent("train") }

    public func floats(_ key: String) throws -> [Float] { try tensors.floats(key) }
    public func shape(_ key: String) throws -> [Int] { try tensors.requireInfo(key).shape }

    public var freeIDs: [[Int32]] { rows("free_ids") }
    public var paddedIDs: [[Int32]] { rows("padded_ids") }
    public var paddedMask: [[Int32]] { rows("padded_mask") }
    public var labels: [Int] { TestSupport.ints(json["labels"]) }
    public var steps: [[String: Any]] { json["steps"] as? [[String: Any]] ?? [] }

    /// The padded batch's real tokens, sequence by sequence (what robust packs).
    public var packedPadded: [[Int32]] {
        zip(paddedIDs, paddedMask).map { ids, mask in zip(ids, mask).filter { $0.1 == 1 }.map(\.0) }
    }

    func rows(_ key: String) -> [[Int32]] {
        (json[key] as? [Any] ?? []).map { TestSupport.ints($0).map { Int32($0) } }
    }
}
