// SafeTensorsError: the one error type every reader and writer failure in this module throws.

/// A failure to read, validate or write a safetensors file.
///
/// `kind` says what went wrong (for code and tests); `message` says it in words. `description`
/// is one line: the file's name (or "<memory>"), a colon, and the message.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Opening, mapping, writing or renaming a file failed (the OS error is in the message).
        case io
        /// Fewer than 8 bytes: there is no header length.
        case fileTooSmall
        /// The header length exceeds the 100,000,000-byte limit of the reference implementation.
        case headerTooLarge
        /// The header length runs past the end of the file.
        case headerLengthExceedsFile
        /// The header bytes are not valid UTF-8.
        case invalidUTF8
        /// The header is not valid JSON (syntax, nesting deeper than 128, lone surrogate escapes...).
        case invalidJSON
        /// The header is valid JSON but not an object.
        case headerNotObject
        /// `__metadata__` is not an object whose values are all strings.
        case invalidMetadata
        /// A tensor entry is not an object, or its `dtype`, `shape` or `data_offsets` is missing or malformed.
        case invalidTensorInfo
        /// A negative number where a size or offset is expected.
        case negativeValue
        /// The `dtype` is not one the format defines.
        case unknownDType
        /// The same tensor name (or metadata key, or tensor field) appears twice.
        case duplicateKey
        /// `data_offsets` has begin > end.
        case reversedOffsets
        /// `data_offsets` reaches past the end of the data buffer.
        case offsetsOutOfRange
        /// The shape's element count times the dtype's size does not equal end − begin.
        case sizeMismatch
        /// A sub-byte dtype's element count does not fill a whole number of bytes.
        case misalignedSize
        /// A shape product (or a byte count derived from it) overflows.
        case overflow
        /// Two tensors claim the same bytes.
        case overlap
        /// Bytes of the data buffer that no tensor covers (between tensors, before the first, or after the last).
        case hole
        /// No tensor of that name.
        case noSuchTensor
        /// The tensor's dtype cannot be read the way that was asked (e.g. `floats` on I64).
        case unsupportedDType
        /// The destination buffer or the supplied values do not match the tensor's element count.
        case countMismatch
        /// A bad argument to the writer (reserved or repeated name, negative dimension...).
        case invalidArgument
    }

    public let kind: Kind
    /// The file's last path component, "<memory>", or a caller-chosen label.
    public let file: String
    public let message: String

    public init(_ kind: Kind, file: String, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// Quotes a user-controlled string for an error message: at most 80 characters, control characters escaped.
func quoted(_ s: String) -> String {
    var out = "'"
    var n = 0
    for scalar in s.unicodeScalars {
        if n == 80 { out += "…"; break }
        if scalar.value < 0x20 || scalar.value == 0x7F {
            out += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
        n += 1
    }
    return out + "'"
}
