// BertFastPath: which tokenizer.json files run on the fused WordPiece engine — exactly those that describe BERT's
// pipeline (BertNormalizer with clean_text, BertPreTokenizer, WordPiece with `##`, BertProcessing or the same
// `[CLS] $A [SEP]` / `[CLS] $A [SEP] $B:1 [SEP]:1` template, plain special added tokens) — and building that engine
// from the parsed components. Anything else stays on the general pipeline. The file's `truncation` and `padding`
// sections do not matter: neither engine reads them (callers pass the maximum length, and batches are packed).

enum BertFastPath {
    /// The fused engine that gives the same encodings as `pipeline`, or nil when the pipeline is not exactly BERT's.
    /// `added` are the file's `added_tokens` in file order.
    static func engine(for pipeline: Pipeline, added: [AddedToken]) -> FusedWordPiece? {
        guard let normalizer = pipeline.normalizer as? BertNormalizer, normalizer.cleanText,
              pipeline.preTokenizer is BertPreTokenizer,
              let model = pipeline.model as? WordPieceModel, model.continuingSubwordPrefix == "##",
              model.maxInputCharsPerWord > 0,
              let vocabulary = denseTokens(model.vocabulary),
              let (cls, sep) = clsAndSep(pipeline.postProcessor)
        else { return nil }
        func isVocabularyToken(_ token: String, _ id: Int32) -> Bool {
            vocabulary.indices.contains(Int(id)) && TokenKey(vocabulary[Int(id)]) == TokenKey(token)
        }
        // [CLS] and [SEP] must carry the vocabulary's token strings, and every added token must be a plain special
        // token of the vocabulary: matched in the raw text, whole, with no stripping or normalisation.
        guard isVocabularyToken(cls.token, cls.id), isVocabularyToken(sep.token, sep.id),
              added.allSatisfy({ $0.special && !$0.normalized && !$0.singleWord && !$0.lstrip && !$0.rstrip
                                 && isVocabularyToken($0.content, $0.id) })
        else { return nil }
        let basic = BasicTokenizer(lowercase: normalizer.lowercase, stripAccents: normalizer.stripAccents ?? normalizer.lowercase,
                                   tokenizeChineseChars: normalizer.handleChineseChars,
                                   specials: added.map { ($0.content, $0.id) })
        return FusedWordPiece(vocabulary: vocabulary, ids: model.vocabulary.ids, trie: model.trie, basic: basic,
                              unkID: model.unknownID, clsID: cls.id, sepID: sep.id,
                              maxInputCharsPerWord: model.maxInputCharsPerWord)
    }

    /// The tokens by id when the ids are exactly 0..<count, one token each.
    private static func denseTokens(_ vocabulary: Vocabulary) -> [String]? {
        guard vocabulary.ids.count == vocabulary.tokens.count else { return nil }
        var tokens: [String] = []
        tokens.reserveCapacity(vocabulary.tokens.count)
        for token in vocabulary.tokens {
            guard let token else { return nil }
            tokens.append(token)
        }
        return tokens
    }

    /// [CLS] and [SEP] of BertProcessing, or of a TemplateProcessing that is exactly BERT's: single
    /// `[CLS]:0 $A:0 [SEP]:0`, pair `[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1`, each special one token.
    private static func clsAndSep(_ processor: (any PostProcessor)?) -> (cls: (token: String, id: Int32), sep: (token: String, id: Int32))? {
        if let bert = processor as? BertProcessing { return (bert.cls, bert.sep) }
        guard let template = processor as? TemplateProcessing,
              template.single.count == 3, template.pair.count == 5,
              case .special(let clsName, 0) = template.single[0],
              case .sequence(false, 0) = template.single[1],
              case .special(let sepName, 0) = template.single[2],
              case .special(clsName, 0) = template.pair[0],
              case .sequence(false, 0) = template.pair[1],
              case .special(sepName, 0) = template.pair[2],
              case .sequence(true, 1) = template.pair[3],
              case .special(sepName, 1) = template.pair[4],
              let cls = template.specials[clsName], cls.ids.count == 1, cls.tokens.count == 1,
              let sep = template.specials[sepName], sep.ids.count == 1, sep.tokens.count == 1
        else { return nil }
        return ((cls.tokens[0], cls.ids[0]), (sep.tokens[0], sep.ids[0]))
    }
}
