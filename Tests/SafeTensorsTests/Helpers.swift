// Helpers: hand-assembled safetensors byte images, a seeded RNG, and an assertion for typed errors.
import XCTest
import SafeTensors

/// A file image: little-endian length of `header`, the header bytes, then `data`.
/// `length` overrides the declared header length (for hostile cases).
func image(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    image(Array(header.utf8), data: data, length: length)
}

func image(_ header: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    let n = length ?? UInt64(header.count)
    var out = withUnsafeBytes(of: n.littleEndian) { Array($0) }
    out += header
    out += data
    return out
}

/// The little-endian bytes of some floats.
func f32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
}

/// Asserts that `body` throws a SafeTensorsError of `kind`; returns it for further checks.
@discardableResult
func assertThrows<T>(_ kind: SafeTensorsError.Kind, file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> T) -> SafeTensorsError? {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error, but it succeeded", file: file, line: line)
    } catch let e as SafeTensorsError {
        XCTAssertEqual(e.kind, kind, "wrong kind; message: \(e)", file: file, line: line)
        XCTAssertFalse(e.description.contains("\n"), "description should be one line: \(e)", file: file, line: line)
        return e
    } catch {
        XCTFail("expected SafeTensorsError, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

func temporaryDirectory(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("safetensors-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
