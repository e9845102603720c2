// WriterTests: exact header bytes, bit-exact round trips, F16/BF16 storage, atomic replacement, writer argument errors.
import Basics
import XCTest
import Foundation
import SafeTensors

final class WriterTests: XCTestCase {
    typealias T = SafeTensorsWriter.Tensor

    /// The reference library's own serialisation test vector: {"attn.0": F32 [1,2,3] = 0...5}, no metadata.
    func testMatchesReferenceVectorSingleTensor() throws {
        let bytes = try SafeTensorsWriter.serialize([T(name: "attn.0", shape: [1, 2, 3], values: [0, 1, 2, 3, 4, 5])])
        let header = #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
        XCTAssertEqual(header.utf8.count, 64)  // already a multiple of 8: no padding
        XCTAssertEqual(bytes, image(header, data: f32Bytes([0, 1, 2, 3, 4, 5])))
        XCTAssertEqual(Array(bytes[0..<8]), [64, 0, 0, 0, 0, 0, 0, 0])
    }

    /// The reference's forced-alignment vector: a shorter name needs 7 spaces of padding.
    func testMatchesReferenceVectorPadding() throws {
        let bytes = try SafeTensorsWriter.serialize([T(name: "attn0", shape: [1, 1, 2, 3], values: [0, 1, 2, 3, 4, 5])])
        let header = #"{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}"# + "       "
        XCTAssertEqual(header.utf8.count, 72)
        XCTAssertEqual(bytes, image(header, data: f32Bytes([0, 1, 2, 3, 4, 5])))
    }

    /// The reference's empty vectors: `{}` alone, and metadata only.
    func testMatchesReferenceVectorsEmpty() throws {
        XCTAssertEqual(try SafeTensorsWriter.serialize([]), image("{}      "))
        XCTAssertEqual(try SafeTensorsWriter.serialize([], metadata: ["framework": "pt"]),
                       image(#"{"__metadata__":{"framework":"pt"}}"# + "     "))
        let file = try SafeTensorsFile(bytes: try SafeTensorsWriter.serialize([], metadata: ["framework": "pt"]))
        XCTAssertEqual(file.count, 0)
        XCTAssertEqual(file.metadata, ["framework": "pt"])
    }

    /// Hand-built expected bytes for a mixed case: dtype-descending then name order, sorted metadata,
    /// serde_json escaping, scalar and empty shapes.
    func testKnownBytesMixed() throws {
        let tensors = [
            T(name: "b", shape: [2], values: [1.5, -2]),
            T(name: "a/\"q\"\n", shape: [], values: [7]),
            T(name: "h", shape: [2], values: [1, -0.5], storedAs: .f16),
            T(name: "ids", shape: [2], dtype: .i64) { body in
                try withUnsafeBytes(of: (Int64(3).littleEndian, Int64(-1).littleEndian)) { try body($0) }
            },
            T(name: "z", shape: [0, 4], values: []),
        ]
        let header = #"{"__metadata__":{"a":"\u0001\t","format":"pt","é":"ü/"},"#
            + #""ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"#
            + #""a/\"q\"\n":{"dtype":"F32","shape":[],"data_offsets":[16,20]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[20,28]},"#
            + #""z":{"dtype":"F32","shape":[0,4],"data_offsets":[28,28]},"#
            + #""h":{"dtype":"F16","shape":[2],"data_offsets":[28,32]}}"#
        let padding = String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        var data: [UInt8] = [3, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        data += f32Bytes([7, 1.5, -2])
        data += [0x00, 0x3C, 0x00, 0xB8]  // F16 1.0 = 0x3C00, -0.5 = 0xB800
        let metadata = ["format": "pt", "a": "\u{1}\t", "é": "ü/"]
        XCTAssertEqual(try SafeTensorsWriter.headerJSON(tensors, metadata: metadata), header)
        let bytes = try SafeTensorsWriter.serialize(tensors, metadata: metadata)
        XCTAssertEqual(bytes, image(header + padding, data: data))

        let file = try SafeTensorsFile(bytes: bytes)
        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(file.names, ["ids", "a/\"q\"\n", "b", "z", "h"])
        XCTAssertEqual(try file.floats("a/\"q\"\n"), [7])
        XCTAssertEqual(try file.floats("h"), [1, -0.5])
        XCTAssertEqual(try file.floats("z"), [])
        XCTAssertEqual(try file.int64s("ids"), [3, -1])
        XCTAssertEqual(file.dataStart % 8, 0)
    }

    func testRandomRoundTripIsBitExact() throws {
        var rng = SeededRandom(seed: 42)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for round in 0..<20 {
            var tensors: [(name: String, shape: [Int], values: [Float])] = []
            for i in 0..<Int.random(in: 0...6, using: &rng) {
                let shape = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Int.random(in: 0...7, using: &rng) }
                let count = shape.reduce(1, *)
                // Arbitrary bit patterns: includes NaNs with payloads, infinities, subnormals, -0.
                let values = (0..<count).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng)) }
                tensors.append((name: "t\(round).\(i)", shape: shape, values: values))
            }
            let metadata: [String: String]? = round % 3 == 0 ? nil
                : Dictionary(uniqueKeysWithValues: (0..<round).map { ("k\($0)", String(repeating: "v", count: $0)) })
            let url = dir.appendingPathComponent("r.safetensors")
            try SafeTensorsWriter.write(tensors, metadata: metadata, to: url)
            let file = try SafeTensorsFile(contentsOf: url)
            XCTAssertEqual(file.dataStart % 8, 0)
            XCTAssertEqual(file.metadata, metadata ?? [:])
            XCTAssertEqual(Set(file.names), Set(tensors.map(\.name)))
            for t in tensors {
                XCTAssertEqual(file.info(t.name)?.shape, t.shape)
                XCTAssertEqual(try file.floats(t.name).map(\.bitPattern), t.values.map(\.bitPattern))
            }
        }
    }

    func testF16AndBF16Storage() throws {
        let values: [Float] = [0, -0, 1, -2.5, 65504, 1e-7, .infinity, -.infinity, 3.140625, 70000]
        let bytes = try SafeTensorsWriter.serialize([
            T(name: "h", shape: [values.count], values: values, storedAs: .f16),
            T(name: "b", shape: [values.count], values: values, storedAs: .bf16),
        ])
        let file = try SafeTensorsFile(bytes: bytes)
        XCTAssertEqual(file.info("h")?.byteCount, 2 * values.count)
        let h = try file.floats("h")
        let b = try file.floats("b")
        for (i, v) in values.enumerated() {
            XCTAssertEqual(h[i].bitPattern, FloatConversion.float(fromF16: FloatConversion.f16Bits(from: v)).bitPattern)
            XCTAssertEqual(b[i].bitPattern, FloatConversion.float(fromBF16: FloatConversion.bf16Bits(from: v)).bitPattern)
        }
        XCTAssertEqual(h[4], 65504)
        XCTAssertEqual(h[9], .infinity)  // 70000 overflows F16
        XCTAssertEqual(b[8], 3.140625)
        // Large tensors cross the writer's conversion chunk boundary.
        let big = (0..<200_000).map { Float($0 % 2048) }
        let file2 = try SafeTensorsFile(bytes: try SafeTensorsWriter.serialize([T(name: "x", shape: [200_000], values: big, storedAs: .f16)]))
        XCTAssertEqual(try file2.floats("x"), big)
    }

    func testClosureSourceWritesWithoutCopy() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: 1000)
        defer { storage.deallocate() }
        for i in 0..<1000 { storage[i] = Float(i) * 0.25 }
        let url = dir.appendingPathComponent("c.safetensors")
        try SafeTensorsWriter.write([T(name: "w", shape: [10, 100]) { body in try body(UnsafeBufferPointer(storage)) }], to: url)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: url).floats("w"), Array(storage))
    }

    func testWriterArgumentErrors() throws {
        assertThrows(.invalidArgument) { try SafeTensorsWriter.serialize([T(name: "__metadata__", shape: [1], values: [1])]) }
        assertThrows(.invalidArgument) {
            try SafeTensorsWriter.serialize([T(name: "a", shape: [1], values: [1]), T(name: "a", shape: [1], values: [2])])
        }
        assertThrows(.invalidArgument) { try SafeTensorsWriter.serialize([T(name: "a", shape: [-1], values: [])]) }
        assertThrows(.invalidArgument) { try SafeTensorsWriter.serialize([T(name: "a", shape: [1], values: [1], storedAs: .i32)]) }
        assertThrows(.overflow) { try SafeTensorsWriter.serialize([T(name: "a", shape: [Int.max, 2], values: [])]) }
        let e = assertThrows(.countMismatch) { try SafeTensorsWriter.serialize([T(name: "a", shape: [2, 3], values: [1, 2])]) }
        XCTAssertEqual(e?.description, "<memory>: tensor 'a': shape [2, 3] needs 6 values but the source gave 2")
        assertThrows(.countMismatch) {
            try SafeTensorsWriter.serialize([T(name: "r", shape: [2], dtype: .i32) { body in try body(UnsafeRawBufferPointer(start: nil, count: 0)) }])
        }
        assertThrows(.invalidArgument) {  // a source that never lends its buffer
            try SafeTensorsWriter.serialize([T(name: "a", shape: [1]) { _ in }])
        }
        assertThrows(.misalignedSize) {
            try SafeTensorsWriter.serialize([T(name: "q", shape: [3], dtype: .f4) { body in try body(UnsafeRawBufferPointer(start: nil, count: 0)) }])
        }
    }

    /// A failed write leaves the previous checkpoint intact and no temporary file behind.
    func testFailedWriteIsAtomic() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try SafeTensorsWriter.write([(name: "a", shape: [2], values: [1, 2])], to: url)
        let before = try Data(contentsOf: url)

        struct Boom: Error {}
        let big = [Float](repeating: 1, count: 1 << 20)
        let tensors = [
            T(name: "big", shape: [big.count], values: big),  // written first (name order), 4 MB: reaches the disk
            T(name: "c", shape: [1]) { _ in throw Boom() },
        ]
        XCTAssertThrowsError(try SafeTensorsWriter.write(tensors, to: url)) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(try Data(contentsOf: url), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model.safetensors"])

        // An unwritable destination folder is a typed error.
        assertThrows(.io) {
            try SafeTensorsWriter.write([(name: "a", shape: [1], values: [1])],
                                        to: dir.appendingPathComponent("no/such/folder/x.safetensors"))
        }
    }
}
