// SafeTensorsFuzz (fuzz-safetensors): the safetensors reader, `SafeTensorsFile(bytes:)`.
//
// Every input must either be rejected with a SafeTensorsError or yield a self-consistent table: tensors tile
// the data buffer, sizes match shape × dtype, every listed tensor reads back (raw and as floats), and the
// file survives a rewrite by SafeTensorsWriter.
import FuzzSupport
import SafeTensors

@main
enum SafeTensorsFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let file: SafeTensorsFile
    do {
        file = try SafeTensorsFile(bytes: bytes, label: "fuzz")
    } catch is SafeTensorsError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    var covered = 0
    for t in file.tensors {
        Fuzz.check(t.dataOffsets.lowerBound == covered, "tensors do not tile the data buffer")
        Fuzz.check(t.fileOffsets.upperBound <= bytes.count, "tensor reaches past the file")
        Fuzz.check(t.byteCount * 8 == t.elementCount * t.dtype.bitWidth, "size does not match shape × dtype")
        covered = t.dataOffsets.upperBound
        guard let raw = try? file.rawBytes(t.name) else { Fuzz.fail("rawBytes failed for a listed tensor") }
        Fuzz.check(raw[...] == bytes[t.fileOffsets], "raw bytes differ")
        if t.dtype.isConvertibleToFloat {
            guard let values = try? file.floats(t.name) else { Fuzz.fail("floats failed for \(t.dtype)") }
            Fuzz.check(values.count == t.elementCount, "float count differs from shape product")
        }
    }
    Fuzz.check(file.dataStart + covered == bytes.count, "data buffer not fully covered")
    // Accepted files must survive a rewrite.
    do {
        let copy = try SafeTensorsWriter.serialize(file.names.map { try SafeTensorsWriter.Tensor(copying: $0, from: file) },
                                                   metadata: file.metadata)
        let reread = try SafeTensorsFile(bytes: copy)
        Fuzz.check(reread.count == file.count && reread.metadata == file.metadata, "rewrite changed the table")
    } catch {
        Fuzz.fail("rewrite of an accepted file failed: \(error)")
    }
    return 0
}
