// TestSupport: where the test fixtures and the downloaded base model live, and JSON and safetensors loading.
import Foundation
import SafeTensors

public enum TestPaths {
    /// The repository root, found from this source file's location so tests run from any folder.
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let fixtures = repoRoot.appendingPathComponent("Tests/Fixtures")
    public static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }
    /// The MiniLM base model installed by scripts/setup.sh (never skipped: a missing model fails loudly).
    public static let miniLM = repoRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
}

public enum TestSupportError: Error, CustomStringConvertible {
    case missing(String)
    public var description: String {
        switch self { case .missing(let what): return "missing test input: \(what)" }
    }
}

/// Loads a JSON fixture as a dictionary.
public func loadJSONFixture(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: TestPaths.fixture(name))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw TestSupportError.missing("\(name) is not a JSON object")
    }
    return object
}

/// The MiniLM model folder, or an error telling how to install it.
public func requireMiniLM() throws -> URL {
    let weights = TestPaths.miniLM.appendingPathComponent("model.safetensors")
    guard FileManager.default.fileExists(atPath: weights.path) else {
        throw TestSupportError.missing("\(weights.path); run scripts/setup.sh first")
    }
    return TestPaths.miniLM
}

/// Reads a JSON array of numbers as Floats (JSON numbers arrive as NSNumber/Double/Int).
public func floats(_ any: Any?) -> [Float] {
    guard let array = any as? [Any] else { return [] }
    return array.compactMap { ($0 as? NSNumber)?.floatValue }
}

public func ints(_ any: Any?) -> [Int] {
    guard let array = any as? [Any] else { return [] }
    return array.compactMap { ($0 as? NSNumber)?.intValue }
}

/// Every tensor of a safetensors fixture (Tests/Fixtures/NAME), as Floats by name.
public func loadTensorFixture(_ name: String) throws -> [String: [Float]] {
    let file = try SafeTensorsFile(contentsOf: TestPaths.fixture(name))
    var tensors: [String: [Float]] = [:]
    for key in file.names { tensors[key] = try file.floats(key) }
    return tensors
}
