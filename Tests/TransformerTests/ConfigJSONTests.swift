// ConfigJSONTests: reading config.json keys by type (JSON's 0 and 1 are not booleans, nor true a number)
// and writing it back with floats kept as floats (2.0, not 2), which transformers 5's strict configs need;
// sizes refused before a family uses them.
import Foundation
import Transformer
import XCTest

final class ConfigJSONTests: XCTestCase {
    func testNumbersAndBooleansAreToldApart() throws {
        let json = try ConfigReader(data: Data(#"{"a": 0.0, "b": 1, "c": true, "d": false, "e": null, "f": "x"}"#.utf8))
        XCTAssertEqual(try json.float("a", default: 9), 0)
        XCTAssertEqual(try json.int("b"), 1)
        XCTAssertEqual(try json.bool("c", default: false), true)
        XCTAssertEqual(try json.bool("d", default: true), false)
        XCTAssertEqual(try json.float("e", default: 7), 7)
        XCTAssertThrowsError(try json.bool("b", default: false))
        XCTAssertThrowsError(try json.int("c"))
        XCTAssertThrowsError(try json.float("f", default: 0))
        XCTAssertThrowsError(try json.int("missing"))
    }

    /// Found by fuzz-config: ModernBERT built its per-layer attention pattern from num_hidden_layers before the
    /// config was validated, so a negative count trapped (an invalid range) and a huge one allocated an array
    /// of that many entries. The count is now checked first, with EncoderConfig's limits.
    func testModernBERTLayerCountIsCheckedBeforeItIsUsed() {
        for layers in [-100, 0, 1 << 40] {
            let json = ConfigReader(["model_type": "modernbert", "vocab_size": 16, "num_hidden_layers": layers])
            XCTAssertThrowsError(try ModelFamilies.load(json)) { error in
                XCTAssertEqual("\(error)", "invalid config.json: num_hidden_layers must be in 1...1024, got \(layers)")
            }
        }
    }

    func testWritingKeepsFloatsFloatsAndRoundTrips() throws {
        let text = #"{"cutoff": 2.0, "eps": 1e-12, "rate": 0.1, "zero": 0.0, "n": 3, "flag": true, "none": null,"#
            + #" "list": ["full_attention", 1, 2.5], "nested": {"rope_theta": 160000.0}, "name": "a \"b\"\n"}"#
        let raw = try ConfigReader(data: Data(text.utf8)).raw
        let written = String(decoding: try ConfigWriter.data(raw), as: UTF8.self)
        for fragment in [#""cutoff" : 2.0"#, #""eps" : 1e-12"#, #""rate" : 0.1"#, #""zero" : 0.0"#, #""n" : 3"#,
                         #""flag" : true"#, #""none" : null"#, #""rope_theta" : 160000.0"#, #""name" : "a \"b\"\n""#] {
            XCTAssertTrue(written.contains(fragment), "\(fragment) not in \(written)")
        }
        let again = try ConfigReader(data: Data(written.utf8)).raw
        XCTAssertEqual(String(decoding: try ConfigWriter.data(again), as: UTF8.self), written)
        XCTAssertEqual((again["list"] as? [Any])?.count, 3)
    }
}
