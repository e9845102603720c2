// WordPieceTokenizer: the vocab.txt tokenizer (HF BertTokenizerFast semantics): reading vocab.txt and its options,
// the special tokens it requires, and its public API; the encoding itself is ``FusedWordPiece``.
import Basics
import Foundation

/// A BERT WordPiece tokenizer that reproduces Hugging Face `BertTokenizerFast` (tokenizers 0.23)
/// token for token: basic tokenization (see ``TokenizerOptions``), greedy longest-match-first
/// WordPiece with a `##` continuation prefix, `[CLS] A [SEP] (B [SEP])` templates and
/// `longest_first` truncation.
///
/// Thread-safe and cheap to copy (a value type with shared storage). Throughput, measured in a
/// release build on one core of the 2-core Linux dev machine with `robust bench --only tokenize`:
/// 2.7–3.1 µs per WordNet gloss, about 6 M tokens/s (README, Tokenizer speed).
public struct WordPieceTokenizer: Sendable {
    public let options: TokenizerOptions
    public let padID: Int32
    public let unkID: Int32
    public let clsID: Int32
    public let sepID: Int32
    public let maskID: Int32

    /// The fused engine that encodes.
    let engine: FusedWordPiece

    /// Builds a tokenizer from a vocabulary (id = position in the array).
    /// Throws if the vocabulary is empty, too large, or lacks the unknown, CLS, SEP, PAD or MASK token.
    public init(vocabulary: [String], options: TokenizerOptions = .init()) throws {
        guard !vocabulary.isEmpty else { throw TokenizerError.emptyVocabulary }
        guard vocabulary.count <= Int(Int32.max) else {
            throw TokenizerError.vocabularyTooLarge(count: vocabulary.count)
        }
        guard options.maxInputCharsPerWord > 0 else {
            throw TokenizerError.invalidOption("maxInputCharsPerWord must be positive, got \(options.maxInputCharsPerWord)")
        }
        guard options.modelMaxLength >= 0 else {
            throw TokenizerError.invalidOption("modelMaxLength must not be negative, got \(options.modelMaxLength)")
        }
        let ids = FusedWordPiece.positions(of: vocabulary)
        func require(_ role: String, _ token: String) throws -> Int32 {
            guard !token.isEmpty else { throw TokenizerError.invalidOption("the \(role) token is empty") }
            guard let id = ids[TokenKey(token)] else { throw TokenizerError.missingSpecialToken(role: role, token: token) }
            return id
        }
        unkID = try require("unknown", options.unkToken)
        clsID = try require("CLS", options.clsToken)
        sepID = try require("SEP", options.sepToken)
        padID = try require("PAD", options.padToken)
        maskID = try require("MASK", options.maskToken)
        self.options = options
        let basic = BasicTokenizer(lowercase: options.lowercase, stripAccents: options.effectiveStripAccents,
                                   tokenizeChineseChars: options.tokenizeChineseChars, specials: [
            (options.unkToken, unkID), (options.clsToken, clsID), (options.sepToken, sepID),
            (options.padToken, padID), (options.maskToken, maskID),
        ])
        engine = FusedWordPiece(vocabulary: vocabulary, ids: ids,
                                trie: WordPieceTrie(vocabulary: vocabulary, continuingPrefix: options.continuingSubwordPrefix),
                                basic: basic, unkID: unkID, clsID: clsID, sepID: sepID,
                                maxInputCharsPerWord: options.maxInputCharsPerWord)
    }

    /// Loads `vocab.txt` and, if present, `tokenizer_config.json` from a Hugging Face model folder.
    public static func load(directory: URL) throws -> WordPieceTokenizer {
        let vocabURL = directory.appendingPathComponent("vocab.txt")
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        let vocabulary = try readVocabulary(at: vocabURL)
        var options = TokenizerOptions()
        if FileManager.default.fileExists(atPath: configURL.path) {
            let data: Data
            do {
                data = try FileLimits.read(configURL, as: .modelConfig)
            } catch {
                throw TokenizerError.malformedConfig(path: configURL.path, reason: "unreadable (\(error))")
            }
            options = try TokenizerOptions(configJSON: data, source: configURL.path)
        }
        return try WordPieceTokenizer(vocabulary: vocabulary, options: options)
    }

    /// Reads a `vocab.txt` file: one token per line, id = line number (from 0).
    public static func readVocabulary(at url: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TokenizerError.missingVocabulary(path: url.path)
        }
        let data: Data
        do {
            data = try FileLimits.read(url, as: .tokenizer)
        } catch {
            throw TokenizerError.unreadableVocabulary(path: url.path, reason: "\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.unreadableVocabulary(path: url.path, reason: "not UTF-8")
        }
        let vocabulary = parseVocabulary(text)
        guard !vocabulary.isEmpty else { throw TokenizerError.emptyVocabulary }
        return vocabulary
    }

    /// Splits vocabulary text into tokens: lines end in LF or CRLF, trailing whitespace is trimmed
    /// (as the Rust tokenizer does), a missing final newline is fine, and a final empty line is not a token.
    /// Works on Unicode scalars, since Swift treats "\r\n" as one `Character`.
    public static func parseVocabulary(_ text: String) -> [String] {
        var tokens: [String] = []
        var line = String.UnicodeScalarView()
        func finishLine() {
            while let last = line.last, UnicodeClasses.isWhitespace(last) { line.removeLast() }
            tokens.append(String(line))
            line = String.UnicodeScalarView()
        }
        var pendingLine = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                finishLine()
                pendingLine = false
            } else {
                line.append(scalar)
                pendingLine = true
            }
        }
        if pendingLine { finishLine() }
        return tokens
    }

    // MARK: - Vocabulary

    public var vocabularySize: Int { engine.vocabularySize }

    /// The id of a vocabulary token (exact match of Unicode scalars, no normalisation).
    public func id(of token: String) -> Int32? { engine.id(of: token) }

    /// The token of an id, or nil when out of range.
    public func token(of id: Int32) -> String? { engine.token(of: id) }

    // MARK: - Tokenizing

    /// The word pieces of `text`, without `[CLS]`/`[SEP]` and without truncation.
    public func tokenize(_ text: String) -> [String] { engine.tokenize(text) }

    /// The basic-tokenizer words of `text` (normalised, with their original offsets); their indices
    /// are the ``Encoding/wordIDs``.
    public func words(_ text: String) -> [Word] { engine.words(text) }

    /// `[CLS] text [SEP]`, truncated so that it has at most `maxLength` tokens (default:
    /// `options.modelMaxLength`); `[SEP]` always stays last. With `maxLength < 2` the result
    /// still holds `[CLS]` and `[SEP]`.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        engine.encode(text, maxLength: maxLength ?? options.modelMaxLength)
    }

    /// `[CLS] first [SEP] second [SEP]` with type ids 0 then 1, truncated `longest_first` exactly as
    /// Hugging Face's fast tokenizer does to at most `maxLength` tokens (default `options.modelMaxLength`).
    public func encode(_ first: String, _ second: String, maxLength: Int? = nil) -> Encoding {
        engine.encode(first, second, maxLength: maxLength ?? options.modelMaxLength)
    }
}
