// `--precision` as a user meets it: an unknown value and a precision this CPU cannot run (oneDNN limited by
// DNNL_MAX_CPU_ISA) end in one error line that lists what runs; predict and bench run in each precision.
import Foundation
import TestSupport
import XCTest

final class PrecisionCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
    }

    func expectOneLineFailure(_ arguments: [String], environment: [String: String] = [:], _ fragments: [String],
                              line: UInt = #line) throws {
        try expectOneLineRobustFailure(arguments, folder: folder, environment: environment, fragments, line: line)
    }

    func testUnknownAndUnrunnablePrecisionsAreOneLineErrors() throws {
        let model = try requireMiniLM().path
        try expectOneLineFailure(["predict", "--model", model, "--precision", "fp16", "a fine film"],
                                 ["unknown precision 'fp16'", "use fp32, bf16 or int8", "this machine runs fp32"])
        try expectOneLineFailure(["eval", "--model", model, "--data", "nowhere.csv", "--precision", "half"],
                                 ["unknown precision 'half'"])
        // oneDNN limited to AVX2: neither bf16 nor int8 runs natively.
        for precision in ["bf16", "int8"] {
            try expectOneLineFailure(["predict", "--model", model, "--precision", precision, "a fine film"],
                                     environment: ["DNNL_MAX_CPU_ISA": "AVX2"],
                                     ["precision \(precision) cannot run here", "oneDNN reports avx2", "this machine runs fp32"])
        }
        try expectOneLineFailure(["bench", "--model", model, "--only", "forward", "--precision", "bf16"],
                                 environment: ["DNNL_MAX_CPU_ISA": "AVX2"], ["precision bf16 cannot run here"])
        // A served model computes in its own precision: refused before any request.
        for command in [["predict", "x"], ["eval", "--data", TestPaths.fixture("gate/data.csv").path, "--no-attacks"]] {
            try expectOneLineFailure([command[0], "--endpoint", "http://127.0.0.1:9/v2/models/m", "--precision", "bf16"]
                                     + command.dropFirst(), ["--precision bf16 applies to a checkpoint (--model)"])
        }
        // Training runs in fp32 or bf16.
        let train = ["train", "--model", TestPaths.fixture("gate/model").path, "--data", TestPaths.fixture("gate/data.csv").path,
                     "--out", "never", "--db", "t.db", "--precision"]
        try expectOneLineFailure(train + ["int8"], ["training runs in fp32 or bf16; int8 is for queries only"])
        try expectOneLineFailure(train + ["bf16"], environment: ["DNNL_MAX_CPU_ISA": "AVX2"], ["precision bf16 cannot run here"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("never").path))
    }

    func testPredictAndBenchRunInEachPrecision() throws {
        let model = try requireMiniLM().path
        var outputs: [String: String] = [:]
        for precision in ["fp32", "bf16", "int8"] {
            let result = try runRobust(["predict", "--model", model, "--precision", precision, "--json", "a gorgeous , witty film"],
                                       folder: folder)
            guard result.status == 0 else {
                XCTAssertTrue(result.stderr.contains("cannot run here"), result.stderr)
                continue
            }
            outputs[precision] = result.stdout
        }
        XCTAssertNotNil(outputs["fp32"])
        let bench = try runRobust(["bench", "--model", model, "--only", "forward", "--forward-shapes", "2x8", "--seconds", "0.05",
                                   "--json"], folder: folder)
        XCTAssertEqual(bench.status, 0, bench.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        let names = Set(((object["results"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
        XCTAssertTrue(names.contains("forward_2x8"), "\(names)")
        let machine = try XCTUnwrap(object["machine"] as? [String: Any])
        for precision in (machine["precisions_runnable"] as? [String]) ?? [] where precision != "fp32" {
            XCTAssertTrue(names.contains("forward_2x8_\(precision)"), "\(names)")
            XCTAssertTrue(names.contains("classify_2x8_\(precision)"), "\(names)")
        }
    }
}
