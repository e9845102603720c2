// SafeTensorsFuzz: libFuzzer entry point for the safetensors reader (built by scripts/fuzz-safetensors.sh, not by Package.swift).
//
// Compiled together with Sources/SafeTensors/*.swift into one module, so the reader is called directly.
// Every input must either be rejected with a SafeTensorsError or yield a self-consistent table.

@_cdecl("LLVMFuzzerTestOneInput")
public func safeTensorsFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let file: SafeTensorsFile
    do {
        file = try SafeTensorsFile(bytes: bytes, label: "fuzz")
    } catch is SafeTensorsError {
        return 0
    } catch {
        fatalError("untyped error: \(error)")
    }
    var covered = 0
    for t in file.tensors {
        precondition(t.dataOffsets.lowerBound == covered, "tensors do not tile the data buffer")
        precondition(t.fileOffsets.upperBound <= bytes.count, "tensor reaches past the file")
        precondition(t.byteCount * 8 == t.elementCount * t.dtype.bitWidth, "size does not match shape × dtype")
        covered = t.dataOffsets.upperBound
        guard let raw = try? file.rawBytes(t.name) else { fatalError("rawBytes failed for a listed tensor") }
        precondition(raw[...] == bytes[t.fileOffsets], "raw bytes differ")
        if t.dtype.isConvertibleToFloat {
            guard let values = try? file.floats(t.name) else { fatalError("floats failed for \(t.dtype)") }
            precondition(values.count == t.elementCount, "float count differs from shape product")
        }
    }
    precondition(file.dataStart + covered == bytes.count, "data buffer not fully covered")
    // Accepted files must survive a rewrite.
    do {
        let copy = try SafeTensorsWriter.serialize(file.names.map { try SafeTensorsWriter.Tensor(copying: $0, from: file) },
                                                   metadata: file.metadata)
        let reread = try SafeTensorsFile(bytes: copy)
        precondition(reread.count == file.count && reread.metadata == file.metadata, "rewrite changed the table")
    } catch {
        fatalError("rewrite of an accepted file failed: \(error)")
    }
    return 0
}
