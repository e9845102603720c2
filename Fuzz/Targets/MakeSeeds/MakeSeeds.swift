// MakeSeeds (fuzz-make-seeds): writes the seeds no text editor makes — a tiny checkpoint of every model family
// (Fuzz/Corpus/checkpoint: config.json, NUL, model.safetensors; and Fuzz/Corpus/safetensors: the weights
// alone) from the family fixtures' config.json with every size shrunk, and a results database with one run of
// each kind of record (Fuzz/Corpus/results-db/robust.db, before scripts/make-fuzz-seeds.sh compacts it).
// Not a fuzz target: run by scripts/make-fuzz-seeds.sh, whose output is committed.
//
// Usage: fuzz-make-seeds CORPUS_FOLDER CONFIG_JSON... (each seed is named after the config's model folder:
// Tests/Fixtures/families/NAME/model/config.json and Tests/Fixtures/NAME/config.json give NAME)
import Foundation
import Results
import SafeTensors
import Transformer

@main
enum MakeSeeds {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(Data("usage: fuzz-make-seeds CORPUS_FOLDER CONFIG_JSON...\n".utf8))
            exit(2)
        }
        let corpus = URL(fileURLWithPath: arguments[1])
        let fm = FileManager.default
        for folder in ["checkpoint", "safetensors", "results-db"] {
            try fm.createDirectory(at: corpus.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for (number, path) in arguments.dropFirst(2).enumerated() {
            var folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            if folder.lastPathComponent == "model" { folder.deleteLastPathComponent() }
            let name = folder.lastPathComponent
            guard let data = fm.contents(atPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
            let (config, weights) = try tinyCheckpoint(data, storedAs: [DType.f32, .f16, .bf16][number % 3])
            try Data(config + [0] + weights).write(to: corpus.appendingPathComponent("checkpoint/\(name)"))
            try Data(weights).write(to: corpus.appendingPathComponent("safetensors/\(name)"))
            print("checkpoint/\(name): \(config.count + 1 + weights.count) bytes")
        }
        try resultsDatabase(at: corpus.appendingPathComponent("results-db/robust.db").path)
    }

    /// The family's config.json with sizes shrunk to a few units, and seeded weights of that shape (as `dtype`).
    static func tinyCheckpoint(_ data: Data, storedAs dtype: DType) throws -> (config: [UInt8], weights: [UInt8]) {
        guard var raw = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw CocoaError(.fileReadCorruptFile) }
        let sizes: [String: Int] = [
            "vocab_size": 16, "hidden_size": 8, "dim": 8, "embedding_size": 4, "intermediate_size": 12, "hidden_dim": 12,
            "num_attention_heads": 2, "n_heads": 2, "pooler_hidden_size": 8, "position_buckets": 4, "local_attention": 4,
        ]
        for (key, value) in sizes where raw[key] != nil { raw[key] = value }
        if let positions = raw["max_position_embeddings"] as? Int { raw["max_position_embeddings"] = positions > 64 ? 14 : 12 }
        for key in ["num_hidden_layers", "n_layers"] { if let layers = raw[key] as? Int { raw[key] = min(layers, 2) } }
        if let types = raw["layer_types"] as? [Any] { raw["layer_types"] = Array(types.prefix(2)) }
        if let groups = raw["num_hidden_groups"] as? Int { raw["num_hidden_groups"] = min(groups, 2) }
        let (family, config) = try ModelFamilies.load(ConfigReader(raw))
        let model = try EncoderModel(config: config, classes: max(config.labels.count, 2), seed: 1)
        let store = model.parameters
        let tensors = store.entries.map { entry in
            SafeTensorsWriter.Tensor(name: family.savedKey(entry.name), shape: entry.shape,
                                     values: Array(UnsafeBufferPointer(start: store.value(at: entry.offset), count: entry.count)),
                                     storedAs: dtype)
        }
        let weights = try SafeTensorsWriter.serialize(tensors, metadata: ["format": "pt"])
        return (Array(try family.configData(config, mergingInto: raw)), weights)
    }

    /// A store with an eval run (metrics, examples of every status, an audit and a human label), an attack run with
    /// curves, and a failed run.
    static func resultsDatabase(at path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        let store = try ResultStore(path: path)
        let eval = try store.beginRun(RunRecord(kind: .eval, modelHash: "ab12", dataHash: "cd34", recipeHash: "ef56", seed: 7,
                                                robustVersion: "fuzz", commandLine: "robust eval", configJSON: "{\"limit\": 3}",
                                                label: "seed"))
        guard let evalID = eval.id else { throw CocoaError(.fileWriteUnknown) }
        let statuses: [ExampleStatus] = [.success, .failed, .skipped, .cleanWrong]
        for (index, status) in statuses.enumerated() {
            try store.recordExample(ExampleRecord(runID: evalID, recipe: "textfooler", exampleIndex: index, text: "a fine film \(index)",
                                                  gold: "pos", cleanPrediction: status == .cleanWrong ? "neg" : "pos",
                                                  adversarialText: status == .success ? "a fine movie" : nil,
                                                  adversarialPrediction: status == .success ? "neg" : nil, status: status,
                                                  queries: 12, wordsChanged: status == .success ? 1 : 0, wordsTotal: 3,
                                                  similarity: 0.9, milliseconds: 4.5, detailJSON: "{\"k\": 1}"))
        }
        try store.recordMetrics([
            MetricRecord(runID: evalID, recipe: "clean", name: "clean_accuracy", value: 0.75, low: 0.5, high: 1),
            MetricRecord(runID: evalID, recipe: "textfooler", name: "accuracy_under_attack", value: 0.25),
            MetricRecord(runID: evalID, recipe: "textfooler", name: "mean_queries", value: 12),
            MetricRecord(runID: evalID, recipe: "textfooler", name: "valid_attack_success_rate", value: 0, low: 0, high: 0),
        ])
        // The validity audit of the successful example (index 0), and a person's label of it.
        try store.recordAudit(AuditRecord(runID: evalID, audit: "default", recipeHash: "0a1b", configJSON: "{\"checks\": {}}"),
                              checks: [
                                AuditCheckRecord(runID: evalID, recipe: "textfooler", exampleIndex: 0, audit: "default",
                                                 checkName: "sentence-cosine", value: 0.93, passed: true),
                                AuditCheckRecord(runID: evalID, recipe: "textfooler", exampleIndex: 0, audit: "default",
                                                 checkName: "antonym", value: 1, passed: false, detail: "fine → coarse"),
                              ])
        try store.recordHumanLabels([HumanLabelRecord(runID: evalID, recipe: "textfooler", exampleIndex: 0, annotator: "seed",
                                                      sameLabel: false, natural: true, note: "label flipped", source: "labels.csv")])
        try store.markRun(evalID, status: .finished)
        let attack = try store.beginRun(RunRecord(kind: .attack, robustVersion: "fuzz", parentRunID: evalID))
        guard let attackID = attack.id else { throw CocoaError(.fileWriteUnknown) }
        try store.recordCurvePoints([
            CurvePointRecord(runID: attackID, recipe: "fgsm", curve: "epsilon", xName: "epsilon", x: 0.1, yName: "accuracy", y: 0.5),
            CurvePointRecord(runID: attackID, recipe: "fgsm", curve: "epsilon", xName: "epsilon", x: 0.2, yName: "accuracy", y: 0.25),
        ])
        try store.markRun(attackID, status: .interrupted, failure: "interrupted")
        let failed = try store.beginRun(RunRecord(kind: .train, robustVersion: "fuzz"))
        if let id = failed.id { try store.markRun(id, status: .failed, failure: "out of memory") }
        print("results-db/robust.db written")
    }
}
