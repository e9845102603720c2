// JSONCoding: the one JSON encoder and decoder set-up: sorted keys, and non-finite numbers written as
// the strings "inf", "-inf" and "nan" (JSON has no such numbers), read back the same way.
import Foundation

public enum JSONCoding {
    public enum Layout: Sendable { case compact, pretty }

    /// `escapingSlashes` false writes "/" as it is (file paths in dataset manifests); run configurations
    /// keep JSONEncoder's "\/", as stored runs compare them byte for byte on --resume.
    public static func encoder(_ layout: Layout = .compact, snakeCase: Bool = false, escapingSlashes: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = layout == .pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        if !escapingSlashes { encoder.outputFormatting.insert(.withoutEscapingSlashes) }
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func decoder(snakeCase: Bool = false) -> JSONDecoder {
        let decoder = JSONDecoder()
        if snakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// `value` as one line of JSON text (sorted keys).
    public static func string(_ value: some Encodable) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }
}
