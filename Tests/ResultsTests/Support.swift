// Support: synthetic runs and examples, and parsing what the hidden results writer prints.
import Foundation
import TestSupport
import XCTest
@testable import Results

func sampleRun(kind: RunKind = .attack, model: String = "abc123", label: String? = nil, parent: Int64? = nil) -> RunRecord {
    RunRecord(kind: kind, modelHash: model, dataHash: "d1", recipeHash: "r1", seed: 42, gitCommit: "0123456789abcdef0123456789abcdef01234567",
              robustVersion: "test", commandLine: "robust test", configJSON: "{\"k\":1}", parentRunID: parent, label: label)
}

/// A deterministic example: clean-wrong every 7th, a successful attack every 3rd of the rest.
func sampleExample(_ index: Int, run: Int64, recipe: String = "wordswap", text: String? = nil) -> ExampleRecord {
    let gold = index % 2 == 0 ? "pos" : "neg"
    let flipped = gold == "pos" ? "neg" : "pos"
    let cleanWrong = index % 7 == 0
    let success = !cleanWrong && index % 3 == 0
    let text = text ?? "example \(index) is a fine film"
    return ExampleRecord(runID: run, recipe: recipe, exampleIndex: index, text: text, gold: gold,
                         cleanPrediction: cleanWrong ? flipped : gold,
                         adversarialText: success ? text.replacingOccurrences(of: "fine", with: "good") : nil,
                         adversarialPrediction: success ? flipped : nil,
                         status: cleanWrong ? .cleanWrong : (success ? .success : .failed),
                         queries: 5 + index % 4, wordsChanged: success ? 1 : 0, wordsTotal: 6,
                         similarity: success ? 0.8 : nil, milliseconds: 1.5, detailJSON: index == 1 ? "{\"note\":\"x\"}" : nil)
}

/// The example's content, without the row id.
func content(_ example: ExampleRecord) -> ExampleRecord {
    var copy = example
    copy.id = nil
    copy.runID = 0
    return copy
}

/// Indices from the "committed N" lines a writer printed.
func committedIndices(_ stdout: String) -> Set<Int> {
    Set(stdout.split(separator: "\n").compactMap { line in
        line.hasPrefix("committed ") ? Int(line.dropFirst("committed ".count)) : nil
    })
}

/// The run id from a writer's "run N" line.
func runID(_ stdout: String) -> Int64? {
    stdout.split(separator: "\n").first { $0.hasPrefix("run ") }.flatMap { Int64($0.dropFirst(4)) }
}
