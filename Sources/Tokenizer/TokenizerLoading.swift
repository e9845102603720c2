// TokenizerLoading: reading a tokenizer from a model folder — tokenizer.json (the general pipeline), else vocab.txt
// (WordPiece), else vocab.json + merges.txt (byte-level BPE, RoBERTa) — each with tokenizer_config.json.
import Basics
import Foundation

extension TextTokenizer {
    /// The files looked for, in order.
    public static let searchOrder = ["tokenizer.json", "vocab.txt", "vocab.json + merges.txt"]

    /// Loads the tokenizer of a Hugging Face model folder.
    public static func load(directory: URL) throws -> TextTokenizer {
        let fm = FileManager.default
        func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func read(_ name: String) throws -> Data {
            do { return try FileLimits.read(file(name), as: name == "tokenizer_config.json" ? .modelConfig : .tokenizer) } catch {
                throw TokenizerError.malformedFile(file: name, path: "", reason: "unreadable (\(error))")
            }
        }
        let config = fm.fileExists(atPath: file("tokenizer_config.json").path) ? try read("tokenizer_config.json") : nil
        if fm.fileExists(atPath: file("tokenizer.json").path) {
            return try TextTokenizer(tokenizerJSON: try read("tokenizer.json"), config: config)
        }
        if fm.fileExists(atPath: file("vocab.txt").path) {
            let options = try config.map { try TokenizerOptions(configJSON: $0, source: file("tokenizer_config.json").path) }
                ?? TokenizerOptions()
            let vocabulary = try WordPieceTokenizer.readVocabulary(at: file("vocab.txt"))
            return TextTokenizer(wordPiece: try WordPieceTokenizer(vocabulary: vocabulary, options: options),
                                 vocabularyFile: try read("vocab.txt"), configData: config)
        }
        if fm.fileExists(atPath: file("vocab.json").path) && fm.fileExists(atPath: file("merges.txt").path) {
            return try TextTokenizer(vocabJSON: try read("vocab.json"), merges: try read("merges.txt"), config: config)
        }
        throw TokenizerError.noTokenizerFiles(directory: directory.path, lookedFor: searchOrder)
    }

    /// A tokenizer from the contents of a `tokenizer.json` (and optionally `tokenizer_config.json`). A file that
    /// describes exactly BERT's WordPiece pipeline runs on the fused engine (``BertFastPath``), with the same results.
    public convenience init(tokenizerJSON data: Data, config: Data? = nil) throws {
        try self.init(tokenizerJSON: data, config: config, allowFastPath: true)
    }

    /// `allowFastPath: false` keeps every file on the general pipeline (tests compare the two).
    convenience init(tokenizerJSON data: Data, config: Data?, allowFastPath: Bool) throws {
        let root = try JSONNode.parse(data, file: "tokenizer.json")
        try root.object()
        let settings = try ConfigSettings(config)
        let model = try TokenModels.make(root["model"])
        let normalizer = try root["normalizer"].isNull ? nil : Normalizers.make(root["normalizer"])
        let preTokenizer = try root["pre_tokenizer"].isNull ? nil : PreTokenizers.make(root["pre_tokenizer"])
        var added: [AddedToken] = []
        let addedNode = root["added_tokens"]
        if !addedNode.isNull {
            for entry in try addedNode.array() {
                let special = try entry["special"].optional(false) { try $0.bool() }
                added.append(AddedToken(id: Int32(try entry["id"].int()), content: try entry["content"].string(), special: special,
                                        singleWord: try entry["single_word"].optional(false) { try $0.bool() },
                                        lstrip: try entry["lstrip"].optional(false) { try $0.bool() },
                                        rstrip: try entry["rstrip"].optional(false) { try $0.bool() },
                                        normalized: try entry["normalized"].optional(!special) { try $0.bool() }))
            }
        }
        let postProcessor = try root["post_processor"].isNull ? nil
            : PostProcessors.make(root["post_processor"]) { token in added.last { TokenKey($0.content) == TokenKey(token) }?.id ?? model.id(of: token) }
        let pipeline = Pipeline(added: added, normalizer: normalizer, preTokenizer: preTokenizer, model: model,
                                postProcessor: postProcessor)
        try Self.checkSpecialIDs(pipeline, root: root)
        let fused = allowFastPath ? BertFastPath.engine(for: pipeline, added: added) : nil
        self.init(source: .tokenizerJSON, backend: fused.map { .fused($0) } ?? .pipeline(pipeline), modelMaxLength: settings.modelMaxLength,
                  unknownToken: model.unknownToken ?? settings.unknownToken, files: ["tokenizer.json": data], configData: config)
    }

    /// GPT-2/RoBERTa files: `vocab.json` (token → id) and `merges.txt`, with RoBERTa's special tokens
    /// (`<s>`, `</s>`, `<unk>`, `<pad>`, `<mask>` with lstrip) and `RobertaProcessing`, as `RobertaTokenizerFast`.
    public convenience init(vocabJSON: Data, merges: Data, config: Data? = nil) throws {
        let settings = try ConfigSettings(config)
        let vocabulary = try Vocabulary(try JSONNode.parse(vocabJSON, file: "vocab.json"))
        guard let mergesText = String(data: merges, encoding: .utf8) else {
            throw TokenizerError.malformedFile(file: "merges.txt", path: "", reason: "not UTF-8")
        }
        var pairs: [(String, String)] = []
        for (number, line) in mergesText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty || trimmed.hasPrefix("#version") { continue }
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.malformedFile(file: "merges.txt", path: "line \(number + 1)", reason: "expected 'left right', found '\(trimmed)'")
            }
            pairs.append((String(parts[0]), String(parts[1])))
        }
        let unknown = settings.unknownToken ?? "<unk>"
        let model: BPEModel
        do {
            model = try BPEModel(vocabulary: vocabulary, merges: pairs, unknown: vocabulary.id(of: unknown) == nil ? nil : unknown)
        } catch TokenizerError.invalidOption(let reason) {
            throw TokenizerError.malformedFile(file: "merges.txt", path: "", reason: reason)
        }
        func special(_ key: String, _ fallback: String) -> String { settings.specials[key] ?? fallback }
        let bos = special("bos_token", "<s>"), eos = special("eos_token", "</s>")
        let cls = special("cls_token", bos), sep = special("sep_token", eos)
        var added: [AddedToken] = []
        for token in [bos, special("pad_token", "<pad>"), eos, unknown, cls, sep, special("mask_token", "<mask>")] {
            guard let id = vocabulary.id(of: token), !added.contains(where: { TokenKey($0.content) == TokenKey(token) }) else { continue }
            added.append(AddedToken(id: id, content: token, special: true, lstrip: token == special("mask_token", "<mask>")))
        }
        guard let clsID = vocabulary.id(of: cls), let sepID = vocabulary.id(of: sep) else {
            throw TokenizerError.malformedFile(file: "vocab.json", path: "", reason: "has no '\(cls)' or '\(sep)' token for RoBERTa's template")
        }
        let addPrefixSpace = settings.addPrefixSpace ?? false
        let post = RobertaProcessing(cls: (cls, clsID), sep: (sep, sepID), trimOffsets: settings.trimOffsets ?? true,
                                     addPrefixSpace: addPrefixSpace)
        let pipeline = Pipeline(added: added, normalizer: nil,
                                preTokenizer: ByteLevelPreTokenizer(addPrefixSpace: addPrefixSpace, useRegex: true),
                                model: model, postProcessor: post)
        self.init(source: .vocabJSONAndMerges, backend: .pipeline(pipeline), modelMaxLength: settings.modelMaxLength,
                  unknownToken: model.unknownToken, files: ["vocab.json": vocabJSON, "merges.txt": merges], configData: config)
    }

    /// Every id the post-processor adds must be a token of the vocabulary (else the model's embedding lookup
    /// would fail later, far from the cause).
    private static func checkSpecialIDs(_ pipeline: Pipeline, root: JSONNode) throws {
        for encoding in [pipeline.encode("", nil, maxLength: Int.max), pipeline.encode("", "", maxLength: Int.max)] {
            for id in encoding.ids where pipeline.token(of: id) == nil {
                throw root["post_processor"].error("special token id \(id) is not in the vocabulary")
            }
        }
    }
}

/// The parts of `tokenizer_config.json` a tokenizer.json or vocab.json tokenizer uses.
struct ConfigSettings {
    var modelMaxLength = 512
    var unknownToken: String?
    var specials: [String: String] = [:]
    var addPrefixSpace: Bool?
    var trimOffsets: Bool?

    init(_ data: Data?) throws {
        guard let data else { return }
        let root = try JSONNode.parse(data, file: "tokenizer_config.json")
        try root.object()
        let length = root["model_max_length"]
        if !length.isNull {
            let value = try length.double()
            modelMaxLength = value >= 0 && value < Double(Int32.max) ? Int(value) : Int.max
        }
        for key in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] {
            let node = root[key]
            if node.isNull { continue }
            if let text = node.stringValue { specials[key] = text } else { specials[key] = try node["content"].string() }
        }
        unknownToken = specials["unk_token"]
        addPrefixSpace = try root["add_prefix_space"].optional(nil) { try $0.bool() }
        trimOffsets = try root["trim_offsets"].optional(nil) { try $0.bool() }
    }
}
