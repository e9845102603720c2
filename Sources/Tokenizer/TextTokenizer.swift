// TextTokenizer: the one tokenizer type the rest of robust uses — loaded from a model folder (tokenizer.json,
// else vocab.txt, else vocab.json + merges.txt), encoding texts into ``Encoding``s with Hugging Face's ids,
// offsets and word ids, and giving back the files it came from so a checkpoint can be saved with them.
import Foundation

/// A tokenizer with Hugging Face parity. Immutable and thread-safe.
///
/// - From `tokenizer.json`: the general pipeline (normalizers, pre-tokenizers, WordPiece/BPE/Unigram,
///   post-processors, added tokens), matching `tokenizers` 0.23 token for token. A file that describes exactly
///   BERT's WordPiece pipeline runs on the fused WordPiece engine instead, with the same results (``BertFastPath``).
/// - From `vocab.txt` (with `tokenizer_config.json`): ``WordPieceTokenizer``, `BertTokenizerFast` semantics.
/// - From `vocab.json` + `merges.txt`: byte-level BPE with RoBERTa's post-processing (`RobertaTokenizerFast`).
public final class TextTokenizer: Sendable {
    /// Which files it was loaded from.
    public enum Source: String, Sendable {
        case tokenizerJSON = "tokenizer.json"
        case vocabTxt = "vocab.txt"
        case vocabJSONAndMerges = "vocab.json + merges.txt"
    }

    enum Backend: Sendable {
        /// BERT WordPiece in one pass (vocab.txt, or a tokenizer.json that is exactly BERT's pipeline).
        case fused(FusedWordPiece)
        case pipeline(Pipeline)
    }

    public let source: Source
    /// The default truncation length of ``encode(_:maxLength:)`` (`model_max_length`).
    public let modelMaxLength: Int
    /// The unknown token (e.g. `[UNK]`, `<unk>`), if the tokenizer has one.
    public let unknownToken: String?
    /// Files to write into a checkpoint folder to save this tokenizer (name → contents), without tokenizer_config.json.
    public let files: [String: Data]
    /// The contents of `tokenizer_config.json` it was loaded with, if any.
    public let configData: Data?
    let backend: Backend

    init(source: Source, backend: Backend, modelMaxLength: Int, unknownToken: String?, files: [String: Data], configData: Data?) {
        self.source = source
        self.backend = backend
        self.modelMaxLength = modelMaxLength
        self.unknownToken = unknownToken
        self.files = files
        self.configData = configData
    }

    /// Wraps a WordPiece tokenizer (vocab.txt semantics).
    public convenience init(wordPiece: WordPieceTokenizer, vocabularyFile: Data? = nil, configData: Data? = nil) {
        let vocabulary = vocabularyFile ?? Data((0..<Int32(wordPiece.vocabularySize)).compactMap { wordPiece.token(of: $0) }
            .map { $0 + "\n" }.joined().utf8)
        self.init(source: .vocabTxt, backend: .fused(wordPiece.engine), modelMaxLength: wordPiece.options.modelMaxLength,
                  unknownToken: wordPiece.options.unkToken, files: ["vocab.txt": vocabulary], configData: configData)
    }

    // MARK: Vocabulary

    /// One more than the largest id (model vocabulary and added tokens).
    public var vocabularySize: Int {
        switch backend {
        case .fused(let engine): return engine.vocabularySize
        case .pipeline(let pipeline):
            return max(pipeline.model.idLimit, (pipeline.added.tokens.map { Int($0.id) }.max() ?? -1) + 1)
        }
    }

    /// The id of a token (added tokens first, then the model's vocabulary).
    public func id(of token: String) -> Int32? {
        switch backend {
        case .fused(let engine): return engine.id(of: token)
        case .pipeline(let pipeline): return pipeline.id(of: token)
        }
    }

    /// The token of an id, or nil when no token has it.
    public func token(of id: Int32) -> String? {
        switch backend {
        case .fused(let engine): return engine.token(of: id)
        case .pipeline(let pipeline): return pipeline.token(of: id)
        }
    }

    /// Whether it encodes with the fused BERT WordPiece engine (vocab.txt, or a tokenizer.json that describes
    /// exactly BERT's pipeline) rather than the general tokenizer.json pipeline.
    public var isFusedWordPiece: Bool {
        if case .fused = backend { return true } else { return false }
    }

    /// The unknown token's id, if any.
    public var unknownID: Int32? { unknownToken.flatMap { id(of: $0) } }

    // MARK: Encoding

    /// The text with the post-processor's special tokens, truncated to at most `maxLength` tokens (default
    /// ``modelMaxLength``), special tokens kept.
    ///
    /// A long text is not analysed whole: only a prefix that provably holds every kept token is (see
    /// ``TextLimits/scalarsRead`` for the one limit), so a 50 MB text costs what its first few thousand
    /// characters do.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        let maxLength = maxLength ?? modelMaxLength
        switch backend {
        case .fused(let engine):
            let read = BoundedPrefix(contentLimit: maxLength - 2, margin: engine.literalMargin)
                .text(text) { engine.content($0) }
            return engine.encode(read, maxLength: maxLength)
        case .pipeline(let pipeline):
            let read = BoundedPrefix(contentLimit: maxLength - pipeline.addedTokens(pair: false), margin: pipeline.literalMargin)
                .text(text) { pipeline.encodeSequence($0, typeID: 0, sequence: 0) }
            return pipeline.encode(read, nil, maxLength: maxLength)
        }
    }

    /// A text pair, truncated `longest_first` to at most `maxLength` tokens. Which text keeps the odd token when
    /// both are cut depends on their whole lengths, so texts are read whole up to ``TextLimits/scalarsRead``.
    public func encode(_ first: String, _ second: String, maxLength: Int? = nil) -> Encoding {
        let (first, second) = (first.boundedForReading, second.boundedForReading)
        switch backend {
        case .fused(let engine): return engine.encode(first, second, maxLength: maxLength ?? modelMaxLength)
        case .pipeline(let pipeline): return pipeline.encode(first, second, maxLength: maxLength ?? modelMaxLength)
        }
    }

    /// The tokens of `text` without special tokens and without truncation.
    public func tokenize(_ text: String) -> [String] {
        switch backend {
        case .fused(let engine): return engine.tokenize(text)
        case .pipeline(let pipeline): return pipeline.encodeSequence(text, typeID: 0, sequence: 0).tokens
        }
    }
}
