// HostileHeaderTests: one test per malformed-file case, each asserting the error kind (and for some, the exact message).
import XCTest
import SafeTensors

final class HostileHeaderTests: XCTestCase {
    func open(_ bytes: [UInt8]) throws -> SafeTensorsFile { try SafeTensorsFile(bytes: bytes, label: "model.safetensors") }

    let good = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    func testBaselineIsAccepted() throws {
        let file = try open(image(good, data: f32Bytes([1, 2])))
        XCTAssertEqual(try file.floats("x"), [1, 2])
    }

    func testTooShortForLength() {
        for n in 0..<8 {
            assertThrows(.fileTooSmall) { try open([UInt8](repeating: 0, count: n)) }
        }
    }

    func testHeaderLongerThanFile() {
        let e = assertThrows(.headerLengthExceedsFile) {
            try open(image("{}", data: [UInt8](repeating: 0x20, count: 1014), length: 9_999_999))
        }
        XCTAssertEqual(e?.description, "model.safetensors: header length 9999999 exceeds file size 1024 (only 1016 bytes follow the length)")
        assertThrows(.headerLengthExceedsFile) { try open(image(good, data: f32Bytes([1, 2]), length: UInt64(good.utf8.count + 9))) }
    }

    func testHeaderOverLimit() {
        assertThrows(.headerTooLarge) { try open(image("{}", length: 100_000_001)) }
        assertThrows(.headerTooLarge) { try open(image("{}", length: UInt64.max)) }
        assertThrows(.headerTooLarge) { try open(image("{}", length: UInt64(Int.max) + 1)) }
    }

    func testInvalidJSON() {
        for header in [#"{"x":"#, "{", "", "   ", "{'a':1}", #"{"a":1,}"#, #"{"a" 1}"#, "{}x", "{} {}", "nul",
                       #"{"a":01}"#, #"{"a":1.}"#, #"{"a":-}"#, #"{"a":"\x"}"#, "{\"a\":\"tab\there\"}", #"{"a":"\u12"}"#,
                       "\u{FEFF}{}", "{}\0", #"{"a":[1,2}"#] {
            assertThrows(.invalidJSON) { try open(image(header)) }
        }
        let e = assertThrows(.invalidJSON) { try open(image(#"{"x":1 "y":2}"#)) }
        XCTAssertEqual(e?.description, "model.safetensors: header is not valid JSON: expected ',' or '}' in an object, found '\"' at header offset 7")
    }

    func testLoneSurrogateEscape() {
        assertThrows(.invalidJSON) { try open(image(#"{"__metadata__":{"a":"\ud800"}}"#)) }
        assertThrows(.invalidJSON) { try open(image(#"{"__metadata__":{"a":"\udc00\ud800"}}"#)) }
        // A proper pair decodes.
        XCTAssertEqual(try open(image(#"{"__metadata__":{"a":"\ud83d\ude00"}}"#)).metadata["a"], "😀")
    }

    func testDeepNestingIsRejectedNotCrashing() {
        for depth in [129, 1000, 100_000] {
            let header = #"{"__metadata__":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
            assertThrows(.invalidJSON) { try open(image(header)) }
        }
        // 127 nested arrays inside the top-level object is within the limit: valid JSON, but bad metadata.
        let ok = #"{"__metadata__":"# + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}"
        assertThrows(.invalidMetadata) { try open(image(ok)) }
    }

    func testInvalidUTF8() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]] {
            let header = Array(#"{"__metadata__":{"a":""#.utf8) + bad + Array(#""}}"#.utf8)
            assertThrows(.invalidUTF8) { try open(image(header)) }
        }
        XCTAssertEqual(try open(image(#"{"__metadata__":{"é":"€𝄞"}}"#)).metadata["é"], "€𝄞")
    }

    func testNonObjectHeader() {
        for header in ["[]", #""x""#, "3", "null", "true"] {
            assertThrows(.headerNotObject) { try open(image(header)) }
        }
    }

    func testUnknownDType() {
        let e = assertThrows(.unknownDType) {
            try open(image(#"{"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}"#, data: f32Bytes([1, 2])))
        }
        XCTAssertEqual(e?.description, "model.safetensors: tensor 'x': unknown dtype 'Q7'")
        assertThrows(.unknownDType) { try open(image(#"{"x":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}"#, data: f32Bytes([1, 2]))) }
    }

    func testSizeMismatch() {
        let e = assertThrows(.sizeMismatch) {
            try open(image(#"{"x":{"dtype":"F32","shape":[3,4],"data_offsets":[0,40]}}"#, data: [UInt8](repeating: 0, count: 40)))
        }
        XCTAssertEqual(e?.description, "model.safetensors: tensor 'x': shape [3,4] × F32 needs 48 bytes but offsets span 40")
    }

    func testReversedOffsets() {
        let e = assertThrows(.reversedOffsets) {
            try open(image(#"{"x":{"dtype":"U8","shape":[6],"data_offsets":[10,4]}}"#, data: [UInt8](repeating: 0, count: 10)))
        }
        XCTAssertEqual(e?.description, "model.safetensors: tensor 'x': data_offsets [10, 4] are reversed")
    }

    func testOffsetsOutOfRange() {
        let e = assertThrows(.offsetsOutOfRange) {
            try open(image(#"{"x":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}"#, data: f32Bytes([1, 2])))
        }
        XCTAssertEqual(e?.description, "model.safetensors: tensor 'x': data_offsets [0, 400] extend past the 8-byte data buffer")
        assertThrows(.offsetsOutOfRange) {  // huge but consistent offsets: no overflow when adding the data start
            try open(image(#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[9223372036854775806,9223372036854775807]}}"#))
        }
    }

    func testOverlap() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let e = assertThrows(.overlap) { try open(image(header, data: [UInt8](repeating: 0, count: 12))) }
        XCTAssertEqual(e?.description, "model.safetensors: tensor 'b' (bytes 4..<12) overlaps 'a' (bytes 0..<8)")
        // Two tensors on the very same bytes.
        let same = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        assertThrows(.overlap) { try open(image(same, data: [UInt8](repeating: 0, count: 8))) }
    }

    func testHoles() {
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let e = assertThrows(.hole) { try open(image(gap, data: [UInt8](repeating: 0, count: 12))) }
        XCTAssertEqual(e?.description, "model.safetensors: 4 bytes between 'a' (ends at 4) and 'b' (begins at 8) belong to no tensor")
        let start = #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertThrows(.hole) { try open(image(start, data: [UInt8](repeating: 0, count: 8))) }
        // Trailing bytes after the last tensor (the reference's MetadataIncompleteBuffer).
        let e2 = assertThrows(.hole) { try open(image(good, data: f32Bytes([1, 2]) + [0])) }
        XCTAssertEqual(e2?.description, "model.safetensors: the last 1 bytes of the 9-byte data buffer belong to no tensor")
        assertThrows(.hole) { try open(image("{}", data: [1])) }
    }

    func testZeroSizedTensorsMayShareOffsets() throws {
        let header = #"{"e1":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e2":{"dtype":"I64","shape":[3,0],"data_offsets":[4,4]},"c":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let file = try open(image(header, data: f32Bytes([1, 2])))
        XCTAssertEqual(file.names, ["a", "e1", "e2", "c"])
        XCTAssertEqual(try file.floats("e1"), [])
        XCTAssertEqual(try file.int64s("e2"), [])
        XCTAssertEqual(try file.floats("c"), [2])
    }

    func testShapeOverflow() {
        for shape in ["[4294967296,4294967296]", "[3037000500,3037000500,1]", "[9223372036854775807,2]",
                      "[9223372036854775807,9223372036854775807,0]"] {
            assertThrows(.overflow) { try open(image(#"{"x":{"dtype":"U8","shape":"# + shape + #","data_offsets":[0,0]}}"#)) }
        }
        // Product fits in Int, but × 64 bits does not.
        assertThrows(.overflow) { try open(image(#"{"x":{"dtype":"F64","shape":[1152921504606846976],"data_offsets":[0,0]}}"#)) }
        // Numbers beyond UInt64 and beyond Int.
        assertThrows(.overflow) { try open(image(#"{"x":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,0]}}"#)) }
        assertThrows(.overflow) { try open(image(#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,9223372036854775808]}}"#)) }
        // A zero dimension before the huge ones keeps the product at zero: valid, as in the reference.
        XCTAssertNoThrow(try open(image(#"{"x":{"dtype":"U8","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#)))
    }

    func testNegativeAndNonIntegerNumbers() {
        assertThrows(.negativeValue) { try open(image(#"{"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}"#)) }
        assertThrows(.negativeValue) { try open(image(#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[-4,0]}}"#)) }
        assertThrows(.invalidTensorInfo) { try open(image(#"{"x":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}"#, data: [0])) }
        assertThrows(.invalidTensorInfo) { try open(image(#"{"x":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}"#, data: [0])) }
        assertThrows(.invalidTensorInfo) { try open(image(#"{"x":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}}"#, data: [0])) }
        XCTAssertNoThrow(try open(image(#"{"x":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}}"#)))
    }

    func testMalformedTensorEntries() {
        let cases = [
            #"{"x":[]}"#, #"{"x":1}"#, #"{"x":{}}"#,
            #"{"x":{"shape":[1],"data_offsets":[0,1]}}"#,
            #"{"x":{"dtype":"U8","data_offsets":[0,1]}}"#,
            #"{"x":{"dtype":"U8","shape":[1]}}"#,
            #"{"x":{"dtype":8,"shape":[1],"data_offsets":[0,1]}}"#,
            #"{"x":{"dtype":"U8","shape":1,"data_offsets":[0,1]}}"#,
            #"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}}"#,
            #"{"x":{"dtype":"U8","shape":[1],"data_offsets":[1]}}"#,
            #"{"x":{"dtype":"U8","shape":[1],"data_offsets":{"a":0}}}"#,
        ]
        for header in cases {
            assertThrows(.invalidTensorInfo) { try open(image(header, data: [0])) }
        }
        let e = assertThrows(.invalidTensorInfo) { try open(image(#"{"x":{"dtype":"U8","shape":[1]}}"#, data: [0])) }
        XCTAssertEqual(e?.description, "model.safetensors: tensor 'x': missing field 'data_offsets'")
        // Unknown fields are ignored, as in the reference.
        XCTAssertNoThrow(try open(image(#"{"x":{"dtype":"U8","extra":[{"deep":null}],"shape":[1],"data_offsets":[0,1]}}"#, data: [0])))
    }

    func testDuplicateKeys() {
        let e = assertThrows(.duplicateKey) {
            try open(image(#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#, data: [0, 0]))
        }
        XCTAssertEqual(e?.description, "model.safetensors: tensor 'x' appears twice in the header")
        assertThrows(.duplicateKey) { try open(image(#"{"x":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0])) }
        assertThrows(.duplicateKey) { try open(image(#"{"__metadata__":{"a":"1","a":"2"}}"#)) }
        assertThrows(.duplicateKey) { try open(image(#"{"__metadata__":{},"__metadata__":{}}"#)) }
    }

    func testMetadataMustBeStrings() {
        let e = assertThrows(.invalidMetadata) { try open(image(#"{"__metadata__":{"format":"pt","epoch":3}}"#)) }
        XCTAssertEqual(e?.description, "model.safetensors: __metadata__ value for 'epoch' is a number, not a string")
        assertThrows(.invalidMetadata) { try open(image(#"{"__metadata__":{"a":null}}"#)) }
        assertThrows(.invalidMetadata) { try open(image(#"{"__metadata__":{"a":{"b":"c"}}}"#)) }
        assertThrows(.invalidMetadata) { try open(image(#"{"__metadata__":["a"]}"#)) }
        assertThrows(.invalidMetadata) { try open(image(#"{"__metadata__":"pt"}"#)) }
        XCTAssertEqual(try open(image(#"{"__metadata__":null}"#)).metadata, [:])
    }

    func testSubByteDTypes() throws {
        assertThrows(.misalignedSize) { try open(image(#"{"x":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}"#, data: [0])) }
        assertThrows(.misalignedSize) { try open(image(#"{"x":{"dtype":"F6_E2M3","shape":[2],"data_offsets":[0,1]}}"#, data: [0])) }
        let file = try open(image(#"{"x":{"dtype":"F4","shape":[4],"data_offsets":[0,2]},"y":{"dtype":"F6_E3M2","shape":[4],"data_offsets":[2,5]}}"#, data: [1, 2, 3, 4, 5]))
        XCTAssertEqual(try file.rawBytes("x"), [1, 2])
        XCTAssertEqual(try file.rawBytes("y"), [3, 4, 5])
        assertThrows(.unsupportedDType) { try file.floats("x") }
    }

    func testEveryDTypeIsListedAndReadableAsBytes() throws {
        var header = "{"
        var data: [UInt8] = []
        for (i, d) in DType.allCases.enumerated() where d.bitWidth >= 8 {
            let bytes = d.bitWidth / 8 * 2
            header += (i > 0 ? "," : "") + #""t\#(i)":{"dtype":"\#(d.rawValue)","shape":[2],"data_offsets":[\#(data.count),\#(data.count + bytes)]}"#
            data += (0..<bytes).map { UInt8(truncatingIfNeeded: i * 16 + $0) }
        }
        header += "}"
        let file = try open(image(header, data: data))
        XCTAssertEqual(file.count, DType.allCases.filter { $0.bitWidth >= 8 }.count)
        for t in file.tensors {
            XCTAssertEqual(try file.rawBytes(t.name).count, t.byteCount)
            if t.dtype.isConvertibleToFloat {
                XCTAssertEqual(try file.floats(t.name).count, 2)
            } else {
                assertThrows(.unsupportedDType) { try file.floats(t.name) }
            }
        }
    }

    func testLookupErrors() throws {
        let file = try open(image(good, data: f32Bytes([1, 2])))
        let e = assertThrows(.noSuchTensor) { try file.floats("foo") }
        XCTAssertEqual(e?.description, "model.safetensors: no tensor named 'foo'")
        assertThrows(.noSuchTensor) { try file.rawBytes("") }
        assertThrows(.noSuchTensor) { try file.rawBytes("__metadata__") }
        XCTAssertNil(file.info("foo"))
    }

    func testLongAndControlNamesAreQuotedSafely() {
        let name = String(repeating: "n", count: 200) + "\n"
        let e = assertThrows(.unknownDType) {
            try open(image(#"{""# + name.replacingOccurrences(of: "\n", with: "\\n") + #"":{"dtype":"??","shape":[],"data_offsets":[0,0]}}"#))
        }
        XCTAssertLessThan(e?.description.count ?? 1000, 200)
    }
}
