// ModelHandle: a loaded checkpoint folder that knows itself — its folder, model family and config, its
// tokenizer, and the SHA-256 of its weights (hashed once, from the mapping already open) — loaded from
// a Hugging Face folder (config.json, model.safetensors, and tokenizer.json, vocab.txt or vocab.json +
// merges.txt): a `*ForSequenceClassification` of any registered family or its bare encoder, which gets a
// new seeded head. Saved back in the same family's format, which transformers loads without missing or
// unexpected keys. Weight names are mapped by the family (`ModelFamily.savedKey`), nowhere else.
import Basics
import Foundation
import SafeTensors
import Tensors
import Tokenizer

public final class ModelHandle: @unchecked Sendable {
    /// The checkpoint folder it was loaded from.
    public let folder: URL
    public let family: any ModelFamily
    public let model: EncoderModel
    public let tokenizer: TextTokenizer
    /// Whether the classification head came from the file (false: new, seeded).
    public let hasTrainedHead: Bool
    /// Tensors in the file that the model does not use (e.g. `embeddings.position_ids`).
    public let ignoredTensors: [String]
    /// Tensors that were absent and were initialised (pooler and/or classifier).
    public let initialisedTensors: [String]
    let weights: ModelFolder

    public var config: EncoderConfig { model.config }
    public var labels: [String] { model.config.labels }
    /// The folder's path, as the user gave it.
    public var path: String { folder.relativePath }

    /// SHA-256 (hex) of model.safetensors as loaded: a run's `model_hash`. Computed once, on first use,
    /// from the file's mapping (the weights are not read from disk again).
    public var weightsSHA256: String { weights.sha256 }

    /// Loads `directory`. `labels` names the classes of a new head (ignored when the file has a head,
    /// unless their count differs, which is an error); `seed` initialises anything new.
    public init(directory: URL, labels requestedLabels: [String]? = nil, seed: UInt64 = 0) throws {
        let weights = try ModelFolder.load(directory: directory, labels: requestedLabels, seed: seed)
        let tokenizer: TextTokenizer
        do { tokenizer = try TextTokenizer.load(directory: directory) } catch {
            throw EngineError.checkpoint("\(error)")
        }
        guard tokenizer.vocabularySize <= weights.model.config.vocabSize else {
            throw EngineError.checkpoint("\(tokenizer.source.rawValue) has \(tokenizer.vocabularySize) entries but the model has only \(weights.model.config.vocabSize) embeddings")
        }
        folder = directory
        family = weights.family
        model = weights.model
        self.tokenizer = tokenizer
        self.weights = weights
        hasTrainedHead = weights.hasTrainedHead
        ignoredTensors = weights.ignoredTensors
        initialisedTensors = weights.initialisedTensors
    }

    /// Throws unless the classification head came from the file: attacking or evaluating a new, random
    /// head measures nothing.
    public func requireTrainedHead() throws {
        guard hasTrainedHead else {
            throw UserError("\(path) has no trained classification head; fine-tune it first with robust train")
        }
    }

    /// Tokenises texts into a packed batch, truncated to `maxLength` (capped by the model's positions).
    public func batch(_ texts: [String], maxLength: Int = 512) -> TokenBatch {
        let limit = max(2, min(maxLength, config.maxSequenceLength))
        return TokenBatch(texts.map { tokenizer.encode($0, maxLength: limit).ids })
    }

    // MARK: Saving

    /// Writes the folder as the family's `*ForSequenceClassification` checkpoint. Refuses to replace an existing
    /// checkpoint unless `overwrite`; the new files appear together (staged, then renamed into place).
    public func save(to directory: URL, overwrite: Bool = false, extraFiles: [String: Data] = [:]) throws {
        try CheckpointStaging.write(to: directory, overwrite: overwrite) { try writeFiles(into: $0, extraFiles: extraFiles) }
    }

    private func writeFiles(into folder: URL, extraFiles: [String: Data]) throws {
        try weights.writeWeights(into: folder)
        // The tokenizer files it was loaded from (tokenizer.json, vocab.txt or vocab.json + merges.txt).
        for (name, data) in tokenizer.files { try data.write(to: folder.appendingPathComponent(name)) }
        var tokenizerConfig: [String: Any] = [:]
        if let text = tokenizer.configData,
           let parsed = try? JSONSerialization.jsonObject(with: text) as? [String: Any] { tokenizerConfig = parsed }
        if tokenizerConfig["tokenizer_class"] == nil {
            switch tokenizer.source {
            case .vocabTxt: tokenizerConfig["tokenizer_class"] = "BertTokenizer"
            case .vocabJSONAndMerges: tokenizerConfig["tokenizer_class"] = "RobertaTokenizer"
            case .tokenizerJSON: tokenizerConfig["tokenizer_class"] = "PreTrainedTokenizerFast"
            }
        }
        tokenizerConfig["model_max_length"] = config.maxPositions
        tokenizerConfig.removeValue(forKey: "name_or_path")
        let tokenizerData = try JSONSerialization.data(withJSONObject: tokenizerConfig, options: [.prettyPrinted, .sortedKeys])
        try tokenizerData.write(to: folder.appendingPathComponent("tokenizer_config.json"))
        for (name, data) in extraFiles { try data.write(to: folder.appendingPathComponent(name)) }
    }
}

/// Writes a checkpoint folder's files together: into a hidden staging sibling, then renamed into place (files
/// of an existing folder replaced one by one, so a user's other files stay). Refuses to replace an existing
/// checkpoint unless `overwrite`.
enum CheckpointStaging {
    static func write(to directory: URL, overwrite: Bool, _ writeFiles: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let existing = ["config.json", "model.safetensors"].contains {
            fm.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        if existing && !overwrite {
            throw EngineError.checkpoint("\(directory.path) already holds a checkpoint; pass --overwrite to replace it")
        }
        let parent = directory.deletingLastPathComponent()
        do { try fm.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw EngineError.checkpoint("cannot create \(parent.path): \(error.localizedDescription)")
        }
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).staging-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            try writeFiles(staging)
            if fm.fileExists(atPath: directory.path) {
                // Keep files we do not own (e.g. a user's README) by moving ours over theirs one by one.
                for name in try fm.contentsOfDirectory(atPath: staging.path) {
                    let target = directory.appendingPathComponent(name)
                    _ = try? fm.removeItem(at: target)
                    try fm.moveItem(at: staging.appendingPathComponent(name), to: target)
                }
                try fm.removeItem(at: staging)
            } else {
                try fm.moveItem(at: staging, to: directory)
            }
        } catch let error as EngineError {
            try? fm.removeItem(at: staging)
            throw error
        } catch {
            try? fm.removeItem(at: staging)
            throw EngineError.checkpoint("cannot write \(directory.path): \(error.localizedDescription)")
        }
    }
}

/// The weights half of a checkpoint folder: config.json + model.safetensors, without the tokenizer.
/// Keeps the file's mapping, so its hash needs no second read.
public final class ModelFolder: @unchecked Sendable {
    public let family: any ModelFamily
    public let model: EncoderModel
    public let hasTrainedHead: Bool
    public let ignoredTensors: [String]
    public let initialisedTensors: [String]
    let rawConfig: [String: Any]
    private let file: SafeTensorsFile
    private let hashLock = NSLock()
    private var cachedHash: String?

    init(family: any ModelFamily, model: EncoderModel, hasTrainedHead: Bool, ignoredTensors: [String],
         initialisedTensors: [String], rawConfig: [String: Any], file: SafeTensorsFile) {
        self.family = family
        self.model = model
        self.hasTrainedHead = hasTrainedHead
        self.ignoredTensors = ignoredTensors
        self.initialisedTensors = initialisedTensors
        self.rawConfig = rawConfig
        self.file = file
    }

    /// SHA-256 (hex) of model.safetensors, from the mapping; computed once.
    public var sha256: String {
        hashLock.lock()
        defer { hashLock.unlock() }
        if let cachedHash { return cachedHash }
        var hasher = SHA256()
        file.withUnsafeFileBytes { hasher.update($0) }
        let hex = hasher.finalizeHex()
        cachedHash = hex
        return hex
    }

    /// Writes config.json (the family's keys merged into the loaded file's) and model.safetensors under the
    /// family's names.
    func writeWeights(into folder: URL) throws {
        try ModelFolder.writeWeights(model, family: family, rawConfig: rawConfig, into: folder)
    }

    static func writeWeights(_ model: EncoderModel, family: any ModelFamily, rawConfig: [String: Any], into folder: URL) throws {
        let configData = try family.configData(model.config, mergingInto: rawConfig)
        try configData.write(to: folder.appendingPathComponent("config.json"))
        let store = model.parameters
        let tensors = store.entries.map { entry -> SafeTensorsWriter.Tensor in
            SafeTensorsWriter.Tensor(name: family.savedKey(entry.name), shape: entry.shape) { body in
                try body(UnsafeBufferPointer(start: store.value(at: entry.offset), count: entry.count))
            }
        }
        do {
            try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"],
                                        to: folder.appendingPathComponent("model.safetensors"))
        } catch { throw EngineError.checkpoint("\(error)") }
    }

    /// Loads config.json and model.safetensors from `directory`. `labels` names the classes of a new
    /// head (an error when the file has a head of another size); `seed` initialises anything new.
    public static func load(directory: URL, labels requestedLabels: [String]? = nil, seed: UInt64 = 0) throws -> ModelFolder {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EngineError.checkpoint("\(directory.path) is not a folder")
        }
        let configURL = directory.appendingPathComponent("config.json")
        guard fm.fileExists(atPath: configURL.path) else { throw EngineError.checkpoint("\(configURL.path) not found") }
        let configData: Data
        do { configData = try FileLimits.read(configURL, as: .modelConfig) } catch {
            throw EngineError.checkpoint("\(error)")
        }
        var config: EncoderConfig, raw: [String: Any], family: any ModelFamily
        do {
            let json = try ConfigReader(data: configData)
            raw = json.raw
            (family, config) = try ModelFamilies.load(json)
        } catch let error as EngineError {
            throw EngineError.checkpoint("\(configURL.path): \(error.description)")
        }
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        guard fm.fileExists(atPath: weightsURL.path) else {
            if fm.fileExists(atPath: directory.appendingPathComponent("pytorch_model.bin").path) {
                throw EngineError.checkpoint("\(directory.path) has only pytorch_model.bin; robust never unpickles — convert it to model.safetensors")
            }
            throw EngineError.checkpoint("\(weightsURL.path) not found")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: weightsURL) } catch {
            throw EngineError.checkpoint("\(error)")
        }
        // parameter name → file key, through the family's one naming (`savedKey`, or a bare encoder's key).
        let keys = Set(file.names)
        func key(of parameter: String) throws -> String? {
            let found = family.acceptedKeys(parameter).filter { keys.contains($0) }
            if found.count > 1 {
                throw EngineError.checkpoint("tensors '\(found[0])' and '\(found[1])' both hold parameter '\(parameter)'")
            }
            return found.first
        }
        // Class count: the file's head wins; otherwise the requested labels, config labels, or HF's default of 2.
        var labels = config.labels
        let classes: Int
        if let headKey = try key(of: "classifier.weight"), let head = file.info(headKey) {
            guard head.shape.count == 2, head.shape[1] == config.hiddenSize, head.shape[0] >= 1 else {
                throw EngineError.checkpoint("tensor '\(headKey)' has shape \(head.shape), expected [classes, \(config.hiddenSize)]")
            }
            guard head.shape[0] >= 2 else {
                throw EngineError.checkpoint("tensor '\(headKey)' has 1 output: a regression head, which robust does not train")
            }
            classes = head.shape[0]
            if let requestedLabels, requestedLabels.count != classes {
                throw EngineError.checkpoint("the checkpoint's head has \(classes) classes but \(requestedLabels.count) labels were requested")
            }
            if let requestedLabels { labels = requestedLabels }
            if labels.isEmpty { labels = (0..<classes).map { "LABEL_\($0)" } }
            guard labels.count == classes else {
                throw EngineError.checkpoint("config.json's id2label names \(labels.count) classes but tensor '\(headKey)' has \(classes) outputs")
            }
        } else {
            if let requestedLabels { labels = requestedLabels }
            if labels.isEmpty { labels = ["LABEL_0", "LABEL_1"] }
            classes = labels.count
        }
        config.labels = labels
        // Every tensor is looked up and checked before the model is allocated: config.json's sizes are not
        // bounded by the file, and a config of a few hundred bytes beside a tiny file could otherwise make
        // robust allocate terabytes (and trap) before it noticed that the file lacks those tensors.
        let layout = EncoderWeights.layout(config, classes: classes)
        let required = layout.lazy.filter { !EncoderWeights.isHead($0.name) }.count
        guard required <= file.count else {
            throw EngineError.checkpoint("\(weightsURL.lastPathComponent) lacks tensors the config needs: config.json describes \(required) (besides the head) but the file holds \(file.count)")
        }
        var fileKeys: [String: String] = [:]   // parameter name → its key in the file
        var missing: [String] = [], initialised: [String] = []
        for entry in layout {
            guard let key = try key(of: entry.name), let info = file.info(key) else {
                if EncoderWeights.isHead(entry.name) {
                    initialised.append(entry.name)
                } else {
                    missing.append(family.savedKey(entry.name))
                }
                continue
            }
            guard info.shape == entry.shape else {
                throw EngineError.checkpoint("tensor '\(key)' has shape \(info.shape) but config.json implies \(entry.shape)")
            }
            guard info.dtype.isConvertibleToFloat else {
                throw EngineError.checkpoint("tensor '\(key)' has dtype \(info.dtype); robust reads F32, F16 and BF16 weights")
            }
            fileKeys[entry.name] = key
        }
        guard missing.isEmpty else {
            let shown = missing.prefix(5).joined(separator: ", ")
            throw EngineError.checkpoint("\(weightsURL.lastPathComponent) lacks \(missing.count) tensor(s) the config needs: \(shown)\(missing.count > 5 ? ", …" : "")")
        }
        let model = try EncoderModel(config: config, classes: classes, seed: seed, initialised: false)
        var used = Set<String>()
        for entry in model.parameters.entries {
            guard let key = fileKeys[entry.name] else { continue }
            let values = UnsafeMutableBufferPointer(start: model.parameters.value(at: entry.offset), count: entry.count)
            do { try file.copyFloats(key, into: values) } catch { throw EngineError.checkpoint("\(error)") }
            // NaN or infinite weights would predict NaN and still exit 0.
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw EngineError.checkpoint("tensor '\(key)' holds \(values[bad].isNaN ? "NaN" : "an infinite value") (element \(bad) of \(entry.count)); the weights are broken")
            }
            used.insert(key)
        }
        if !initialised.isEmpty {
            let names = Set(initialised)
            model.initialise(seed: seed) { names.contains($0) }
        }
        raw.removeValue(forKey: "num_labels")
        return ModelFolder(family: family, model: model,
                           hasTrainedHead: !initialised.contains { $0.hasPrefix("classifier.") },
                           ignoredTensors: file.names.filter { !used.contains($0) }.sorted(),
                           initialisedTensors: initialised, rawConfig: raw, file: file)
    }
}
