// RunRecording: how workflows write their runs into the results store — the run row with its
// provenance, every evaluated example of a clean evaluation, its metrics with bootstrap intervals, and
// training curves.
import Analysis
import Basics
import Datasets
import Foundation
import Results
import Training

public enum RunRecording {
    /// The recipe name under which clean (unattacked) evaluations are stored.
    public static let cleanRecipe = "clean"

    /// Opens (creating or migrating) the store at `path` for writing.
    public static func openForWriting(_ path: String) throws -> ResultStore {
        try UserError.wrapping { try ResultStore(path: path, access: .create) }
    }

    /// A new run's row: its identity (model, data, seed, config) and provenance (git commit, version,
    /// command line).
    public static func run(kind: RunKind, modelHash: String, dataHash: String, seed: UInt64, config: some Encodable,
                           label: String? = nil) throws -> RunRecord {
        let json = try JSONCoding.string(config)
        return RunRecord(kind: kind, modelHash: modelHash, dataHash: dataHash, seed: Int64(bitPattern: seed),
                         gitCommit: Provenance.gitCommit(), robustVersion: RobustVersion.current,
                         commandLine: Provenance.commandLine(), configJSON: json, label: label)
    }

    /// The recipe name under which a run against a service stores its request figures.
    public static let endpointRecipe = "endpoint"

    /// A run against a service: its request figures (requests, retries, latency percentiles, canary checks) as
    /// metrics of the "endpoint" recipe, said in one line, and a warning when the service changed its answer.
    static func recordService(_ store: ResultStore, run: Int64, classifier: Classifier, reporter: Reporter) throws {
        guard case .service(let service) = classifier else { return }
        try store.recordMetrics(service.statistics.map {
            MetricRecord(runID: run, recipe: endpointRecipe, name: $0.name, value: $0.value)
        })
        reporter.say("endpoint \(service.endpoint.url): \(service.summary)")
        if let warning = service.warning { reporter.warn("warning: \(warning)") }
    }

    /// Every example of a clean evaluation, committed one by one under its index in the run's selection, with
    /// its cross-entropy in the detail JSON; then the clean metrics, computed from the stored rows
    /// (`cleanMetrics`), so that `robust merge` recomputes exactly these numbers from the rows of its shards.
    /// `predictions[i]`, `losses[i]` are those of `examples[i]`.
    public static func recordClean(_ store: ResultStore, run: Int64, examples: [(index: Int, example: Example)],
                                   predictions: [Int], losses: [Double], labels: [String], seconds: Double) throws {
        let perExample = examples.isEmpty ? 0 : seconds * 1000 / Double(examples.count)
        let done = try store.completedExampleIndices(run: run, recipe: cleanRecipe)
        for (position, (index, example)) in examples.enumerated() where !done.contains(index) {
            let predicted = labels[predictions[position]]
            let loss = losses[position]
            try store.recordExample(ExampleRecord(
                runID: run, recipe: cleanRecipe, exampleIndex: index, text: example.text, gold: example.label,
                cleanPrediction: predicted, status: predicted == example.label ? .skipped : .cleanWrong,
                queries: 1, wordsChanged: 0, wordsTotal: example.text.split(whereSeparator: \.isWhitespace).count,
                milliseconds: perExample,
                // Swift's description of a Double reads back as the same Double.
                detailJSON: loss.isFinite ? "{\"loss\":\(loss)}" : nil))
        }
        try store.recordMetrics(cleanMetrics(of: try store.examples(run: run, recipe: cleanRecipe), labels: labels, run: run))
    }

    /// The clean metrics of stored clean rows (in index order): accuracy with its bootstrap interval, loss (the
    /// mean of the rows' losses, when every row has one), macro and weighted F1 and per-class F1 over `labels`.
    public static func cleanMetrics(of rows: [ExampleRecord], labels: [String], run: Int64) -> [MetricRecord] {
        var position: [String: Int] = [:]
        for (index, label) in labels.enumerated() { position[label] = index }
        let rows = rows.filter { position[$0.gold] != nil && position[$0.cleanPrediction] != nil }
        guard !rows.isEmpty else { return [] }
        var metrics: [MetricRecord] = []
        if let accuracy = Bootstrap.proportion(rows.map(\.isCleanCorrect)) {
            metrics.append(MetricRecord(runID: run, recipe: cleanRecipe, name: MetricName.cleanAccuracy,
                                        value: accuracy.value, low: accuracy.low, high: accuracy.high))
        }
        let losses = rows.compactMap { row -> Double? in
            guard let json = row.detailJSON, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                  let loss = (object["loss"] as? NSNumber)?.doubleValue, loss.isFinite else { return nil }
            return loss
        }
        if losses.count == rows.count {
            metrics.append(MetricRecord(runID: run, recipe: cleanRecipe, name: "loss", value: losses.reduce(0, +) / Double(losses.count)))
        }
        let report = ClassificationReport(labels: labels, gold: rows.compactMap { position[$0.gold] },
                                          predicted: rows.compactMap { position[$0.cleanPrediction] })
        metrics += [
            MetricRecord(runID: run, recipe: cleanRecipe, name: "macro_f1", value: report.macroF1),
            MetricRecord(runID: run, recipe: cleanRecipe, name: "weighted_f1", value: report.weightedF1),
        ]
        for row in report.rows {
            metrics.append(MetricRecord(runID: run, recipe: cleanRecipe, name: "f1[\(row.label)]", value: row.f1))
        }
        return metrics
    }

    /// Training curves: train loss, dev loss and dev accuracy against the optimiser step.
    public static func recordCurves(_ store: ResultStore, run: Int64, evaluation: EvaluationRecord) throws {
        let points = [("train_loss", evaluation.trainLoss), ("dev_loss", evaluation.devLoss),
                      ("dev_accuracy", evaluation.devAccuracy), ("dev_macro_f1", evaluation.devMacroF1),
                      ("learning_rate", evaluation.learningRate)]
            + [("consistency_loss", evaluation.consistencyLoss), ("unlabeled_confident_share", evaluation.unlabeledConfident)]
                .compactMap { name, value in value.map { (name, $0) } }
        try store.recordCurvePoints(points.filter { $0.1.isFinite }.map { name, value in
            CurvePointRecord(runID: run, recipe: "training", curve: name, xName: "step", x: Double(evaluation.step),
                             yName: name, y: value)
        })
    }
}
