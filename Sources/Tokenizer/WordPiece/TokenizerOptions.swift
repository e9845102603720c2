// TokenizerOptions: BertTokenizer settings and their loading from a Hugging Face `tokenizer_config.json`.
import Foundation

/// Settings of a BERT WordPiece tokenizer, mirroring Hugging Face `BertTokenizer` arguments.
public struct TokenizerOptions: Sendable, Equatable {
    /// `do_lower_case`: lowercase the text (per Unicode scalar, full case mapping, so "İ" → "i̇").
    public var lowercase: Bool
    /// `strip_accents`: NFD-decompose and drop non-spacing marks. `nil` means "same as `lowercase`".
    public var stripAccents: Bool?
    /// `tokenize_chinese_chars`: every CJK ideograph becomes a word of its own.
    public var tokenizeChineseChars: Bool
    /// `max_input_chars_per_word`: a longer word becomes a single unknown token.
    public var maxInputCharsPerWord: Int
    /// `model_max_length`: the default truncation length of ``WordPieceTokenizer/encode(_:maxLength:)``.
    public var modelMaxLength: Int
    public var unkToken: String
    public var clsToken: String
    public var sepToken: String
    public var padToken: String
    public var maskToken: String
    /// The prefix that marks a word piece continuing a word (`##`).
    public var continuingSubwordPrefix: String

    public init(lowercase: Bool = true, stripAccents: Bool? = nil, tokenizeChineseChars: Bool = true,
                maxInputCharsPerWord: Int = 100, modelMaxLength: Int = 512,
                unkToken: String = "[UNK]", clsToken: String = "[CLS]", sepToken: String = "[SEP]",
                padToken: String = "[PAD]", maskToken: String = "[MASK]",
                continuingSubwordPrefix: String = "##") {
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.tokenizeChineseChars = tokenizeChineseChars
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.modelMaxLength = modelMaxLength
        self.unkToken = unkToken
        self.clsToken = clsToken
        self.sepToken = sepToken
        self.padToken = padToken
        self.maskToken = maskToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
    }

    /// Whether accents are stripped once `stripAccents == nil` is resolved (HF: `strip_accents or do_lower_case`).
    public var effectiveStripAccents: Bool { stripAccents ?? lowercase }

    /// Reads the options from the contents of a Hugging Face `tokenizer_config.json`.
    /// Keys that are absent or `null` keep their defaults; unknown keys are ignored.
    /// - Parameter source: names the file in error messages.
    public init(configJSON data: Data, source: String = "tokenizer_config.json") throws {
        let config: RawConfig
        do {
            config = try JSONDecoder().decode(RawConfig.self, from: data)
        } catch let error as DecodingError {
            throw TokenizerError.malformedConfig(path: source, reason: Self.describe(error))
        } catch {
            throw TokenizerError.malformedConfig(path: source, reason: "\(error)")
        }
        self.init()
        if let v = config.do_lower_case { lowercase = v }
        stripAccents = config.strip_accents
        if let v = config.tokenize_chinese_chars { tokenizeChineseChars = v }
        if let v = config.max_input_chars_per_word { maxInputCharsPerWord = v }
        if let v = config.model_max_length {
            // HF writes a huge float (1e30) for "no limit".
            if v.isFinite, v >= 0, v < Double(Int32.max) { modelMaxLength = Int(v) } else { modelMaxLength = Int.max }
        }
        if let v = config.unk_token?.content { unkToken = v }
        if let v = config.cls_token?.content { clsToken = v }
        if let v = config.sep_token?.content { sepToken = v }
        if let v = config.pad_token?.content { padToken = v }
        if let v = config.mask_token?.content { maskToken = v }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "" : " at '\(keys)'"
        }
        switch error {
        case .dataCorrupted(let context):
            return "not valid JSON\(path(context))"
        case .typeMismatch(let type, let context):
            return "expected \(type)\(path(context))"
        case .valueNotFound(let type, let context):
            return "missing \(type)\(path(context))"
        case .keyNotFound(let key, _):
            return "missing key '\(key.stringValue)'"
        @unknown default:
            return "\(error)"
        }
    }
}

/// The subset of `tokenizer_config.json` that the tokenizer uses.
private struct RawConfig: Decodable {
    var do_lower_case: Bool?
    var strip_accents: Bool?
    var tokenize_chinese_chars: Bool?
    var max_input_chars_per_word: Int?
    var model_max_length: Double?
    var unk_token: SpecialTokenValue?
    var cls_token: SpecialTokenValue?
    var sep_token: SpecialTokenValue?
    var pad_token: SpecialTokenValue?
    var mask_token: SpecialTokenValue?
}

/// A special token written either as a plain string or as an `AddedToken` object with `content`.
private struct SpecialTokenValue: Decodable {
    var content: String

    private enum Keys: String, CodingKey { case content }

    init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            content = text
            return
        }
        let object = try decoder.container(keyedBy: Keys.self)
        content = try object.decode(String.self, forKey: .content)
    }
}
