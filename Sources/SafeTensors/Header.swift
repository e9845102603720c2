// Header: TensorInfo and the single validation path that turns a file's bytes into a checked tensor table.

/// One tensor as described by a validated header.
public struct TensorInfo: Sendable, Equatable, Hashable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// The product of `shape` (1 for a scalar, 0 when any dimension is 0).
    public let elementCount: Int
    /// `data_offsets` from the header: byte range relative to the start of the data buffer.
    public let dataOffsets: Range<Int>
    /// The byte range within the whole file (`dataOffsets` shifted by 8 + header length).
    public let fileOffsets: Range<Int>

    public var byteCount: Int { dataOffsets.count }
}

/// The validated header of a safetensors file.
struct ParsedHeader {
    /// N, the header length in bytes (including trailing padding).
    let headerLength: Int
    /// 8 + N: where the data buffer starts in the file.
    let dataStart: Int
    let dataLength: Int
    /// Sorted by data offset (ties by name): the order the data buffer stores them.
    let tensors: [TensorInfo]
    let index: [String: Int]
    let metadata: [String: String]
}

/// The reference implementation's cap on the header length.
let maxHeaderLength = 100_000_000

private func renderShape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ",") + "]"
}

/// Validates a whole safetensors file held in `buffer`. `file` names it in error messages.
///
/// Rejects everything the reference implementation rejects (see `SafeTensorsError.Kind`), plus
/// duplicate keys anywhere in the header, which the reference silently resolves (last one wins).
/// Unknown fields inside a tensor entry are ignored, as the reference does.
func parseHeader(_ buffer: UnsafeRawBufferPointer, file: String) throws -> ParsedHeader {
    func error(_ kind: SafeTensorsError.Kind, _ message: String) -> SafeTensorsError {
        SafeTensorsError(kind, file: file, message)
    }

    let total = buffer.count
    guard total >= 8 else {
        throw error(.fileTooSmall, "file is \(total) bytes, too short for the 8-byte header length")
    }
    var n64: UInt64 = 0
    for i in (0..<8).reversed() {
        n64 = n64 << 8 | UInt64(buffer[i])
    }
    guard n64 <= UInt64(maxHeaderLength) else {
        throw error(.headerTooLarge, "header length \(n64) exceeds the 100000000-byte limit")
    }
    let n = Int(n64)
    guard n <= total - 8 else {
        throw error(.headerLengthExceedsFile, "header length \(n) exceeds file size \(total) (only \(total - 8) bytes follow the length)")
    }
    let headerBytes = UnsafeBufferPointer<UInt8>(
        start: buffer.baseAddress.map { $0.advanced(by: 8).assumingMemoryBound(to: UInt8.self) }, count: n)
    // The UTF-8 check comes first, as in the reference; the JSON parser then works on checked bytes.
    if let bad = firstInvalidUTF8(headerBytes) {
        throw error(.invalidUTF8, "header is not valid UTF-8 (bad byte at header offset \(bad))")
    }
    let root: JSONValue
    do {
        root = try JSONParser.parse(headerBytes)
    } catch let e as JSONSyntaxError {
        throw error(.invalidJSON, "header is not valid JSON: \(e.reason) at header offset \(e.offset)")
    }
    guard case .object(let members) = root else {
        throw error(.headerNotObject, "header is \(root.typeName), not a JSON object")
    }

    let dataStart = 8 + n
    let dataLength = total - dataStart
    var metadata: [String: String] = [:]
    var sawMetadata = false
    var tensors: [TensorInfo] = []
    var index: [String: Int] = [:]
    tensors.reserveCapacity(members.count)
    index.reserveCapacity(members.count)

    for (name, value) in members {
        if name == "__metadata__" {
            if sawMetadata { throw error(.duplicateKey, "'__metadata__' appears twice in the header") }
            sawMetadata = true
            switch value {
            case .null:
                break
            case .object(let entries):
                for (key, v) in entries {
                    guard case .string(let s) = v else {
                        throw error(.invalidMetadata, "__metadata__ value for \(quoted(key)) is \(v.typeName), not a string")
                    }
                    if metadata.updateValue(s, forKey: key) != nil {
                        throw error(.duplicateKey, "__metadata__ key \(quoted(key)) appears twice")
                    }
                }
            default:
                throw error(.invalidMetadata, "__metadata__ is \(value.typeName), not an object of strings")
            }
            continue
        }
        if index[name] != nil {
            throw error(.duplicateKey, "tensor \(quoted(name)) appears twice in the header")
        }
        let info = try parseTensorEntry(name: name, value: value, dataStart: dataStart, dataLength: dataLength,
                                        file: file)
        index[name] = tensors.count
        tensors.append(info)
    }

    // The tensors, sorted by offsets, must tile [0, dataLength) exactly.
    tensors.sort { a, b in
        if a.dataOffsets.lowerBound != b.dataOffsets.lowerBound { return a.dataOffsets.lowerBound < b.dataOffsets.lowerBound }
        if a.dataOffsets.upperBound != b.dataOffsets.upperBound { return a.dataOffsets.upperBound < b.dataOffsets.upperBound }
        return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }
    var expected = 0
    var previous: TensorInfo?
    for t in tensors {
        let begin = t.dataOffsets.lowerBound
        if begin < expected, let p = previous {
            throw error(.overlap, "tensor \(quoted(t.name)) (bytes \(begin)..<\(t.dataOffsets.upperBound)) overlaps \(quoted(p.name)) (bytes \(p.dataOffsets.lowerBound)..<\(p.dataOffsets.upperBound))")
        }
        if begin > expected {
            if let p = previous {
                throw error(.hole, "\(begin - expected) bytes between \(quoted(p.name)) (ends at \(expected)) and \(quoted(t.name)) (begins at \(begin)) belong to no tensor")
            }
            throw error(.hole, "the first \(begin) bytes of the data buffer belong to no tensor (\(quoted(t.name)) begins at \(begin))")
        }
        expected = t.dataOffsets.upperBound
        previous = t
    }
    if expected != dataLength {
        // expected < dataLength here: every end was checked against dataLength.
        throw error(.hole, "the last \(dataLength - expected) bytes of the \(dataLength)-byte data buffer belong to no tensor")
    }

    index.removeAll(keepingCapacity: true)
    for (i, t) in tensors.enumerated() { index[t.name] = i }
    return ParsedHeader(headerLength: n, dataStart: dataStart, dataLength: dataLength,
                        tensors: tensors, index: index, metadata: metadata)
}

/// Checks one `"name": {"dtype": ..., "shape": [...], "data_offsets": [b, e]}` entry in isolation.
private func parseTensorEntry(name: String, value: JSONValue, dataStart: Int, dataLength: Int,
                              file: String) throws -> TensorInfo {
    func error(_ kind: SafeTensorsError.Kind, _ message: String) -> SafeTensorsError {
        SafeTensorsError(kind, file: file, "tensor \(quoted(name)): " + message)
    }
    guard case .object(let fields) = value else {
        throw error(.invalidTensorInfo, "entry is \(value.typeName), not an object")
    }
    var dtypeValue: JSONValue?
    var shapeValue: JSONValue?
    var offsetsValue: JSONValue?
    for (key, v) in fields {
        switch key {
        case "dtype":
            if dtypeValue != nil { throw error(.duplicateKey, "field 'dtype' appears twice") }
            dtypeValue = v
        case "shape":
            if shapeValue != nil { throw error(.duplicateKey, "field 'shape' appears twice") }
            shapeValue = v
        case "data_offsets":
            if offsetsValue != nil { throw error(.duplicateKey, "field 'data_offsets' appears twice") }
            offsetsValue = v
        default:
            continue  // unknown fields are ignored, as serde does for the reference's TensorInfo
        }
    }
    guard let dtypeValue else { throw error(.invalidTensorInfo, "missing field 'dtype'") }
    guard let shapeValue else { throw error(.invalidTensorInfo, "missing field 'shape'") }
    guard let offsetsValue else { throw error(.invalidTensorInfo, "missing field 'data_offsets'") }

    guard case .string(let dtypeName) = dtypeValue else {
        throw error(.invalidTensorInfo, "dtype is \(dtypeValue.typeName), not a string")
    }
    guard let dtype = DType(rawValue: dtypeName) else {
        throw error(.unknownDType, "unknown dtype \(quoted(dtypeName))")
    }

    func unsignedInt(_ v: JSONValue, _ what: String) throws -> Int {
        guard case .number(let num) = v else {
            throw error(.invalidTensorInfo, "\(what) is \(v.typeName), not an integer")
        }
        guard num.isInteger else { throw error(.invalidTensorInfo, "\(what) \(num.text) is not an integer") }
        if num.isNegative {
            if num.magnitude == 0 { return 0 }  // "-0" is zero (serde_json reads it as 0 too)
            throw error(.negativeValue, "\(what) \(num.text) is negative")
        }
        guard let m = num.magnitude, m <= UInt64(Int.max) else {
            throw error(.overflow, "\(what) \(num.text) is too large")
        }
        return Int(m)
    }

    guard case .array(let dims) = shapeValue else {
        throw error(.invalidTensorInfo, "shape is \(shapeValue.typeName), not an array")
    }
    var shape: [Int] = []
    shape.reserveCapacity(dims.count)
    for d in dims { shape.append(try unsignedInt(d, "shape dimension")) }

    guard case .array(let offs) = offsetsValue else {
        throw error(.invalidTensorInfo, "data_offsets is \(offsetsValue.typeName), not an array")
    }
    guard offs.count == 2 else {
        throw error(.invalidTensorInfo, "data_offsets has \(offs.count) elements, not 2")
    }
    let begin = try unsignedInt(offs[0], "data_offsets begin")
    let end = try unsignedInt(offs[1], "data_offsets end")
    guard begin <= end else {
        throw error(.reversedOffsets, "data_offsets [\(begin), \(end)] are reversed")
    }

    // Element count, folded left to right with overflow checks (as the reference does).
    var count = 1
    for d in shape {
        let (p, o) = count.multipliedReportingOverflow(by: d)
        if o { throw error(.overflow, "shape \(renderShape(shape)) overflows when multiplied out") }
        count = p
    }
    let (bits, o) = count.multipliedReportingOverflow(by: dtype.bitWidth)
    if o { throw error(.overflow, "shape \(renderShape(shape)) × \(dtype) overflows when converted to bytes") }
    if bits % 8 != 0 {
        throw error(.misalignedSize, "shape \(renderShape(shape)) × \(dtype) is \(bits) bits, not a whole number of bytes")
    }
    let bytes = bits / 8
    if end - begin != bytes {
        throw error(.sizeMismatch, "shape \(renderShape(shape)) × \(dtype) needs \(bytes) bytes but offsets span \(end - begin)")
    }
    guard end <= dataLength else {
        throw error(.offsetsOutOfRange, "data_offsets [\(begin), \(end)] extend past the \(dataLength)-byte data buffer")
    }
    return TensorInfo(name: name, dtype: dtype, shape: shape, elementCount: count,
                      dataOffsets: begin..<end, fileOffsets: (dataStart + begin)..<(dataStart + end))
}

/// The offset of the first byte that starts an invalid UTF-8 sequence, or nil if the bytes are valid UTF-8
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var i = 0
    let n = bytes.count
    while i < n {
        let b0 = bytes[i]
        if b0 < 0x80 { i += 1; continue }
        let length: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF  // allowed range of the second byte
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; hi = 0x9F
        case 0xF0: length = 4; lo = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; hi = 0x8F
        default: return i
        }
        guard n - i >= length else { return i }
        let b1 = bytes[i + 1]
        guard b1 >= lo && b1 <= hi else { return i }
        var k = 2
        while k < length {
            guard bytes[i + k] & 0xC0 == 0x80 else { return i }
            k += 1
        }
        i += length
    }
    return nil
}
