// Support: a synthetic results database for report tests (two attack recipes with hostile text, an ε
// curve, a training run with curves). Temporary folders and running `robust` come from TestSupport.
import Analysis
import Foundation
import Results
import TestSupport
import XCTest

/// Text no report may render raw.
let hostile = "<script>alert('x')</script> & \"q\" | *b* `t` [l](u)"

/// The ids of the runs `makeSyntheticDatabase` records.
struct SyntheticRuns {
    var attack: Int64
    var train: Int64
    var empty: Int64
    var secondAttack: Int64
}

/// One attack example. Every 5th is clean-wrong; of the rest, `success(index)` decides.
func attackExample(_ index: Int, run: Int64, recipe: String, success: Bool, wordsChanged: Int = 1, wordsTotal: Int = 8,
                   queries: Int = 10, text: String? = nil) -> ExampleRecord {
    let gold = index % 2 == 0 ? "pos" : "neg"
    let flipped = gold == "pos" ? "neg" : "pos"
    let cleanWrong = index % 5 == 0
    let text = text ?? "example \(index) was a truly fine film overall"
    let adversarial = text.replacingOccurrences(of: "fine", with: "decent")
    let succeeded = success && !cleanWrong
    return ExampleRecord(runID: run, recipe: recipe, exampleIndex: index, text: text, gold: gold,
                         cleanPrediction: cleanWrong ? flipped : gold,
                         adversarialText: succeeded ? adversarial : nil, adversarialPrediction: succeeded ? flipped : nil,
                         status: cleanWrong ? .cleanWrong : (succeeded ? .success : .failed),
                         queries: cleanWrong ? 0 : queries, wordsChanged: succeeded ? wordsChanged : 0, wordsTotal: wordsTotal,
                         similarity: succeeded ? 0.9 : nil, milliseconds: 2)
}

/// A database with: an attack run (recipes "wordswap" and "charflip", one example text hostile, an ε
/// curve under "fgsm"), a training run (curves and clean metrics), an empty run, and a second attack run.
func makeSyntheticDatabase(at path: String) throws -> SyntheticRuns {
    let store = try ResultStore(path: path)
    let attack = try store.beginRun(RunRecord(kind: .attack, modelHash: "ab12cd34ef56ab12cd34", dataHash: "da7a", recipeHash: "r",
                                              seed: 1, robustVersion: "test", commandLine: "robust eval --model m",
                                              label: "base " + hostile)).runID
    for index in 0..<20 {
        // wordswap: every 3rd succeeds, changing 1 + index % 3 of 8 words after 5 + index queries.
        let text = index == 3 ? "the film " + hostile + " was fine" : nil
        try store.recordExample(attackExample(index, run: attack, recipe: "wordswap", success: index % 3 == 0,
                                              wordsChanged: 1 + index % 3, queries: 5 + index, text: text))
        try store.recordExample(attackExample(index, run: attack, recipe: "charflip", success: index % 2 == 1,
                                              wordsChanged: 2, queries: 20))
    }
    try store.recordSummaryMetrics(run: attack, recipe: "wordswap")
    try store.recordSummaryMetrics(run: attack, recipe: "charflip")
    try store.recordCurvePoints([0.0, 0.05, 0.1, 0.2].enumerated().map { i, eps in
        CurvePointRecord(runID: attack, recipe: "fgsm", curve: "accuracy_vs_epsilon", xName: "epsilon", x: eps,
                         yName: "accuracy_under_attack", y: 0.8 - 0.2 * Double(i))
    })
    try store.markRun(attack, status: .finished)

    let train = try store.beginRun(RunRecord(kind: .train, modelHash: "77aa", dataHash: "da7a", robustVersion: "test")).runID
    var points: [CurvePointRecord] = []
    for step in stride(from: 50, through: 500, by: 50) {
        let t = Double(step) / 500
        for (name, value) in [("train_loss", 0.7 - 0.5 * t), ("dev_loss", 0.65 - 0.35 * t), ("dev_accuracy", 0.6 + 0.25 * t),
                              ("dev_macro_f1", 0.58 + 0.26 * t), ("learning_rate", 5e-5 * (1 - t))] {
            points.append(CurvePointRecord(runID: train, recipe: "training", curve: name, xName: "step", x: Double(step),
                                           yName: name, y: value))
        }
    }
    try store.recordCurvePoints(points)
    try store.recordMetrics([
        MetricRecord(runID: train, recipe: "clean", name: MetricName.cleanAccuracy, value: 0.84, low: 0.8, high: 0.88),
        MetricRecord(runID: train, recipe: "clean", name: "loss", value: 0.41),
        MetricRecord(runID: train, recipe: "clean", name: "macro_f1", value: 0.83),
    ])
    try store.markRun(train, status: .finished)

    let empty = try store.beginRun(RunRecord(kind: .attack, robustVersion: "test")).runID
    try store.markRun(empty, status: .failed, failure: "model not found")

    let second = try store.beginRun(RunRecord(kind: .attack, modelHash: "ffee", robustVersion: "test", label: "retrained")).runID
    for index in 0..<10 {
        try store.recordExample(attackExample(index, run: second, recipe: "wordswap", success: index % 4 == 1, queries: 8))
    }
    try store.recordSummaryMetrics(run: second, recipe: "wordswap")
    try store.markRun(second, status: .finished)
    return SyntheticRuns(attack: attack, train: train, empty: empty, secondAttack: second)
}
