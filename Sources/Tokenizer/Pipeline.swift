// Pipeline: a tokenizer.json tokenizer run end to end — added tokens, normalizer, pre-tokenizer, model,
// truncation and post-processor — as HF `TokenizerImpl::encode_char_offsets` does it.

struct Pipeline: Sendable {
    let added: AddedVocabulary
    let normalizer: (any Normalizer)?
    let preTokenizer: (any PreTokenizer)?
    let model: any TokenModel
    let postProcessor: (any PostProcessor)?
    /// Added tokens by id, for token strings.
    private let addedByID: [Int32: String]

    init(added: [AddedToken], normalizer: (any Normalizer)?, preTokenizer: (any PreTokenizer)?, model: any TokenModel,
         postProcessor: (any PostProcessor)?) {
        self.added = AddedVocabulary(added, normalizer: normalizer)
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        var byID: [Int32: String] = [:]
        for token in added { byID[token.id] = token.content }
        addedByID = byID
        literalMargin = max(TextLimits.minimumMargin, 2 * (added.map { $0.content.unicodeScalars.count }.max() ?? 0))
    }

    func token(of id: Int32) -> String? { addedByID[id] ?? model.token(of: id) }

    func id(of token: String) -> Int32? {
        added.tokens.last(where: { TokenKey($0.content) == TokenKey(token) })?.id ?? model.id(of: token)
    }

    /// One input without special tokens: ids, token strings, offsets (original scalars) and word ids.
    func encodeSequence(_ text: String, typeID: Int32, sequence: Int) -> Encoding {
        let input = Array(text.unicodeScalars)
        var pieces: [TextPiece]
        if added.isEmpty {
            var normalized = NormalizedText(input)
            normalizer?.normalize(&normalized)
            pieces = normalized.isEmpty ? [] : [TextPiece(text: normalized, addedToken: nil)]
        } else {
            pieces = added.extractAndNormalize(input, normalizer: normalizer)
        }
        preTokenizer?.preTokenize(&pieces)
        var encoding = Encoding()
        encoding.ids.reserveCapacity(input.count / 2 + 4)
        var tokens: [ModelToken] = []
        for (word, piece) in pieces.enumerated() {
            if let token = piece.addedToken {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: piece.text.scalars)
                encoding.append(id: token.id, token: String(view), typeID: typeID,
                                offsets: piece.text.originalRange(of: 0..<piece.text.count), word: word, sequence: sequence)
                continue
            }
            tokens.removeAll(keepingCapacity: true)
            model.tokenize(piece.text.scalars, into: &tokens)
            for token in tokens {
                encoding.append(id: token.id, token: model.token(of: token.id) ?? "", typeID: typeID,
                                offsets: piece.text.originalRange(of: token.range), word: word, sequence: sequence)
            }
        }
        return encoding
    }

    /// Scalars at the end of a prefix whose words are not trusted (``BoundedPrefix``): room for the longest added
    /// token to cross the prefix's end.
    let literalMargin: Int

    func addedTokens(pair: Bool) -> Int { postProcessor?.addedTokens(pair: pair) ?? 0 }

    /// Truncates (`longest_first`, keeping room for the special tokens) and post-processes.
    func encode(_ first: String, _ second: String?, maxLength: Int) -> Encoding {
        var a = encodeSequence(first, typeID: 0, sequence: 0)
        var encodings: [Encoding]
        if let second {
            var b = encodeSequence(second, typeID: 1, sequence: 1)
            let budget = max(0, maxLength - addedTokens(pair: true))
            let (keepA, keepB) = FusedWordPiece.longestFirst(a.count, b.count, budget: budget)
            a.truncate(to: keepA)
            b.truncate(to: keepB)
            encodings = [a, b]
        } else {
            a.truncate(to: max(0, maxLength - addedTokens(pair: false)))
            encodings = [a]
        }
        if let postProcessor { encodings = postProcessor.process(encodings, addSpecialTokens: true) }
        if encodings.count == 1, let only = encodings.first { return only }
        var result = Encoding()
        result.reserve(encodings.reduce(0) { $0 + $1.count })
        for encoding in encodings { result.append(encoding) }
        return result
    }
}
