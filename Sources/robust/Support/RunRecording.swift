// RunRecording: how train and eval write their runs into the results store — the run row with its
// provenance, every evaluated example, metrics with bootstrap intervals, and training curves.
import Basics
import Datasets
import Foundation
import Results
import Training

enum RunRecording {
    /// The recipe name under which clean (unattacked) evaluations are stored.
    static let cleanRecipe = "clean"

    /// SHA-256 (hex) of a checkpoint folder's weights: the run's `model_hash`.
    static func modelHash(of folder: String) throws -> String {
        try userFacing { try SHA256.hex(fileAt: URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors")) }
    }

    static func openForWriting(_ database: DatabaseOption) throws -> ResultStore {
        try userFacing { try ResultStore(path: database.path, access: .create) }
    }

    static func run(kind: RunKind, modelHash: String, dataHash: String, seed: UInt64, config: some Encodable,
                    label: String? = nil) throws -> RunRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        return RunRecord(kind: kind, modelHash: modelHash, dataHash: dataHash, seed: Int64(bitPattern: seed),
                         gitCommit: Provenance.gitCommit(), robustVersion: Robust.version,
                         commandLine: Provenance.commandLine(), configJSON: json, label: label)
    }

    /// Every example of a clean evaluation (committed one by one), then accuracy with its bootstrap
    /// interval, loss, macro and weighted F1 and per-class F1.
    static func recordClean(_ store: ResultStore, run: Int64, examples: [Example], result: Evaluation.Result,
                            labels: [String], seconds: Double) throws {
        let perExample = examples.isEmpty ? 0 : seconds * 1000 / Double(examples.count)
        let done = try store.completedExampleIndices(run: run, recipe: cleanRecipe)
        for (index, example) in examples.enumerated() where !done.contains(index) {
            let predicted = labels[result.predictions[index]]
            try store.recordExample(ExampleRecord(
                runID: run, recipe: cleanRecipe, exampleIndex: index, text: example.text, gold: example.label,
                cleanPrediction: predicted, status: predicted == example.label ? .skipped : .cleanWrong,
                queries: 1, wordsChanged: 0, wordsTotal: example.text.split(whereSeparator: \.isWhitespace).count,
                milliseconds: perExample))
        }
        let outcomes = examples.indices.map { labels[result.predictions[$0]] == examples[$0].label }
        var metrics: [MetricRecord] = []
        if let accuracy = Bootstrap.proportion(outcomes) {
            metrics.append(MetricRecord(runID: run, recipe: cleanRecipe, name: MetricName.cleanAccuracy,
                                        value: accuracy.value, low: accuracy.low, high: accuracy.high))
        }
        let report = result.report
        metrics += [
            MetricRecord(runID: run, recipe: cleanRecipe, name: "loss", value: result.loss),
            MetricRecord(runID: run, recipe: cleanRecipe, name: "macro_f1", value: report.macroF1),
            MetricRecord(runID: run, recipe: cleanRecipe, name: "weighted_f1", value: report.weightedF1),
        ]
        for row in report.rows {
            metrics.append(MetricRecord(runID: run, recipe: cleanRecipe, name: "f1[\(row.label)]", value: row.f1))
        }
        try store.recordMetrics(metrics)
    }

    /// Training curves: train loss, dev loss and dev accuracy against the optimiser step.
    static func recordCurves(_ store: ResultStore, run: Int64, evaluation: EvaluationRecord) throws {
        let points = [("train_loss", evaluation.trainLoss), ("dev_loss", evaluation.devLoss),
                      ("dev_accuracy", evaluation.devAccuracy), ("dev_macro_f1", evaluation.devMacroF1),
                      ("learning_rate", evaluation.learningRate)]
        try store.recordCurvePoints(points.filter { $0.1.isFinite }.map { name, value in
            CurvePointRecord(runID: run, recipe: "training", curve: name, xName: "step", x: Double(evaluation.step),
                             yName: name, y: value)
        })
    }
}
