// RealFileTests: reading the real MiniLM and tiny_bert_cls checkpoints, and rewriting them byte for byte.
import XCTest
import Foundation
import TestSupport
import SafeTensors

final class RealFileTests: XCTestCase {
    func miniLM() throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: try requireMiniLM().appendingPathComponent("model.safetensors"))
    }

    func testMiniLMTable() throws {
        let file = try miniLM()
        XCTAssertEqual(file.count, 104)  // 6 embedding tensors, 16 per layer × 6, 2 pooler
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(file.headerLength, 11408)
        XCTAssertEqual(file.fileSize, 90_868_376)
        XCTAssertEqual(file.info("embeddings.word_embeddings.weight")?.shape, [30522, 384])
        XCTAssertEqual(file.info("embeddings.word_embeddings.weight")?.dtype, .f32)
        XCTAssertEqual(file.info("encoder.layer.0.attention.self.query.weight")?.shape, [384, 384])
        XCTAssertEqual(file.info("encoder.layer.5.output.LayerNorm.bias")?.shape, [384])
        XCTAssertEqual(file.info("pooler.dense.weight")?.shape, [384, 384])
        XCTAssertNil(file.info("encoder.layer.6.output.LayerNorm.bias"))
        // Data order is the reference writer's: I64 first, then F32 by name.
        XCTAssertEqual(file.names.first, "embeddings.position_ids")
        XCTAssertEqual(file.names[1], "embeddings.LayerNorm.bias")
        // Every tensor's bytes lie in the file and the table tiles the data buffer.
        var end = 0
        for t in file.tensors {
            XCTAssertEqual(t.dataOffsets.lowerBound, end)
            end = t.dataOffsets.upperBound
            XCTAssertEqual(t.fileOffsets.lowerBound, file.dataStart + t.dataOffsets.lowerBound)
        }
        XCTAssertEqual(file.dataStart + end, file.fileSize)
    }

    func testMiniLMPositionIDsAreI64() throws {
        let file = try miniLM()
        let info = try XCTUnwrap(file.info("embeddings.position_ids"))
        XCTAssertEqual(info.dtype, .i64)
        XCTAssertEqual(info.shape, [1, 512])
        let e = assertThrows(.unsupportedDType) { try file.floats("embeddings.position_ids") }
        XCTAssertEqual(e?.description,
                       "model.safetensors: tensor 'embeddings.position_ids' is I64; only F32, F16 and BF16 convert to Float")
        XCTAssertEqual(try file.int64s("embeddings.position_ids"), (0..<512).map(Int64.init))
        XCTAssertEqual(try file.rawBytes("embeddings.position_ids").count, 4096)
        assertThrows(.unsupportedDType) { try file.int64s("embeddings.LayerNorm.bias") }
        assertThrows(.noSuchTensor) { try file.floats("foo") }
    }

    func testMiniLMValues() throws {
        let file = try miniLM()
        // Values computed independently with numpy from the same file.
        let word = try file.floats("embeddings.word_embeddings.weight")
        XCTAssertEqual(word.count, 30522 * 384)
        XCTAssertEqual(Array(word[0..<3]), [-0.019989013671875, -0.0034027099609375, -0.014678955078125])
        XCTAssertEqual(Array(word[101 * 384..<101 * 384 + 2]), [-0.01761939749121666, -0.007600549608469009])
        XCTAssertEqual(word.reduce(0.0) { $0 + Double($1) }, 138.05072214923618, accuracy: 1e-6)
        let gamma = try file.floats("embeddings.LayerNorm.weight")
        XCTAssertEqual(Array(gamma[0..<3]), [0.5989283323287964, 0.583594799041748, 0.6335410475730896])
        XCTAssertEqual(gamma.last, 0.6554279327392578)

        var pooler = [Float](repeating: .nan, count: 384 * 384)
        try pooler.withUnsafeMutableBufferPointer { try file.copyFloats("pooler.dense.weight", into: $0) }
        XCTAssertEqual(Array(pooler[0..<3]), [-0.01512908935546875, -0.0224456787109375, -0.004573822021484375])
        XCTAssertEqual(pooler.last, -0.01418304443359375)
        XCTAssertEqual(pooler.reduce(0.0) { $0 + Double($1) }, -8.150986969470978, accuracy: 1e-6)

        var small = [Float](repeating: 0, count: 10)
        let e = assertThrows(.countMismatch) {
            try small.withUnsafeMutableBufferPointer { try file.copyFloats("pooler.dense.weight", into: $0) }
        }
        XCTAssertEqual(e?.description,
                       "model.safetensors: tensor 'pooler.dense.weight' has 147456 elements but the destination holds 10")
    }

    func testTinyBertCls() throws {
        let file = try SafeTensorsFile(contentsOf: TestPaths.fixture("tiny_bert_cls/model.safetensors"))
        XCTAssertEqual(file.count, 41)
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(file.info("bert.embeddings.word_embeddings.weight")?.shape, [128, 32])
        XCTAssertEqual(file.info("classifier.weight")?.shape, [3, 32])
        XCTAssertEqual(file.names, file.names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        XCTAssertEqual(try file.floats("bert.embeddings.LayerNorm.weight"), [Float](repeating: 1, count: 32))
        let position = try file.floats("bert.embeddings.position_embeddings.weight")
        XCTAssertEqual(Array(position[0..<3]), [-0.00798859540373087, -0.04660028964281082, -0.00047596936929039657])
        XCTAssertEqual(position.last, 0.04010390490293503)
        let classifier = try file.floats("classifier.weight")
        XCTAssertEqual(classifier.first, 0.004597713705152273)
        XCTAssertEqual(classifier.reduce(0.0) { $0 + Double($1) }, 0.043005046260077506, accuracy: 1e-9)
    }

    /// Rewriting tiny_bert_cls from Float arrays reproduces the reference writer's bytes exactly.
    func testTinyBertClsRewriteIsByteIdentical() throws {
        let url = TestPaths.fixture("tiny_bert_cls/model.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        let tensors = try file.tensors.reversed().map {  // input order must not matter
            SafeTensorsWriter.Tensor(name: $0.name, shape: $0.shape, values: try file.floats($0.name))
        }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("model.safetensors")
        try SafeTensorsWriter.write(tensors, metadata: file.metadata, to: out)
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: url))
        XCTAssertEqual(try SafeTensorsWriter.serialize(tensors, metadata: file.metadata), Array(try Data(contentsOf: url)))
    }

    /// Rewriting MiniLM (I64 + F32) from the mapped bytes reproduces the reference writer's bytes exactly.
    func testMiniLMRewriteIsByteIdentical() throws {
        let url = try requireMiniLM().appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        let tensors = try file.names.sorted().map { try SafeTensorsWriter.Tensor(copying: $0, from: file) }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("model.safetensors")
        try SafeTensorsWriter.write(tensors, metadata: file.metadata, to: out)
        let written = try Data(contentsOf: out, options: .alwaysMapped)
        let original = try Data(contentsOf: url, options: .alwaysMapped)
        XCTAssertEqual(written.count, original.count)
        XCTAssertTrue(written == original, "rewritten MiniLM differs from the original")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model.safetensors"])
    }

    func testOpenErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = assertThrows(.io) { try SafeTensorsFile(contentsOf: dir.appendingPathComponent("missing.safetensors")) }
        XCTAssertTrue(e?.description.hasPrefix("missing.safetensors: cannot open") ?? false, e?.description ?? "")
        assertThrows(.io) { try SafeTensorsFile(contentsOf: dir) }  // a folder
        let empty = dir.appendingPathComponent("empty.safetensors")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        let e2 = assertThrows(.fileTooSmall) { try SafeTensorsFile(contentsOf: empty) }
        XCTAssertEqual(e2?.description, "empty.safetensors: file is 0 bytes, too short for the 8-byte header length")
        // A hostile file on disk is rejected through the same path as in memory.
        let bad = dir.appendingPathComponent("model.safetensors")
        try Data(image("{}", data: [UInt8](repeating: 0, count: 1014), length: 9_999_999)).write(to: bad)
        let e3 = assertThrows(.headerLengthExceedsFile) { try SafeTensorsFile(contentsOf: bad) }
        XCTAssertEqual(e3?.description,
                       "model.safetensors: header length 9999999 exceeds file size 1024 (only 1016 bytes follow the length)")
    }
}

final class SpecialFileTests: XCTestCase {
    /// A FIFO is refused at once rather than blocking the open.
    func testFIFOIsRejectedWithoutBlocking() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe.safetensors")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        assertThrows(.io) { try SafeTensorsFile(contentsOf: fifo) }
    }
}
