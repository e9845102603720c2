// AttackRecording: the mapping between an attack's results (Attacks' own vocabulary) and the records
// the results store keeps — the example row with its detail JSON, and, back from stored rows, the
// curve points of a recipe (so a resumed run counts the examples of earlier sessions too).
import Attacks
import Foundation
import Results

extension ExampleStatus {
    /// The stored status of an attack's outcome (the same four words).
    public init(_ status: AttackStatus) {
        switch status {
        case .success: self = .success
        case .failed: self = .failed
        case .skipped: self = .skipped
        case .cleanWrong: self = .cleanWrong
        }
    }
}

extension ExampleResult {
    /// The results-store row.
    public func record(runID: Int64, recipe: String) -> ExampleRecord {
        ExampleRecord(runID: runID, recipe: recipe, exampleIndex: input.index, text: input.text, gold: input.gold,
                      cleanPrediction: cleanPrediction, adversarialText: adversarialText,
                      adversarialPrediction: adversarialPrediction, status: ExampleStatus(status), queries: queries,
                      wordsChanged: wordsChanged, wordsTotal: wordsTotal, similarity: similarity,
                      milliseconds: milliseconds, detailJSON: detailJSON())
    }

    /// `{"cache_hits":…, "reason":…, "truncated":…, "curves":[…], "details":{…}}` (keys sorted), with
    /// `fp32_checks` and `fp32_rejections` when the search ran in reduced precision.
    public func detailJSON() -> String {
        var object: [String: Any] = ["cache_hits": cacheHits]
        if let exactChecks { object["fp32_checks"] = exactChecks }
        if let exactRejections { object["fp32_rejections"] = exactRejections }
        if let reason { object["reason"] = reason }
        if truncated { object["truncated"] = true }
        if !curves.isEmpty {
            object["curves"] = curves.map { ["curve": $0.curve, "x_name": $0.xName, "x": $0.x, "y_name": $0.yName, "y": $0.y] }
        }
        let finite = details.filter { $0.value.isFinite }
        if !finite.isEmpty { object["details"] = finite }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

public enum AttackRecording {
    /// The mean y of every (curve, x) over the examples' curve points (kept in their detail JSON, so a
    /// resumed run counts the examples of earlier sessions too). An accuracy curve (y named "accuracy")
    /// is over every example, as accuracy under attack is: an example the model already got wrong counts
    /// 0 at every x, and one that was right but not attacked (skipped) counts 1.
    public static func curvePoints(of examples: [ExampleRecord], runID: Int64, recipe: String) -> [CurvePointRecord] {
        struct Key: Hashable { let curve: String; let x: Double }
        var sums: [Key: (xName: String, yName: String, sum: Double, count: Int)] = [:]
        var withoutPoints: [ExampleRecord] = []
        for example in examples {
            guard let json = example.detailJSON, let data = json.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let curves = object["curves"] as? [[String: Any]], !curves.isEmpty else {
                // No points of its own: counted by its status on accuracy curves (below).
                if example.status == .cleanWrong || example.status == .skipped { withoutPoints.append(example) }
                continue
            }
            for point in curves {
                guard let curve = point["curve"] as? String, let x = (point["x"] as? NSNumber)?.doubleValue,
                      let y = (point["y"] as? NSNumber)?.doubleValue else { continue }
                let key = Key(curve: curve, x: x)
                var entry = sums[key] ?? (point["x_name"] as? String ?? "x", point["y_name"] as? String ?? "y", 0, 0)
                entry.sum += y
                entry.count += 1
                sums[key] = entry
            }
        }
        for (key, entry) in sums where entry.yName == "accuracy" {
            var updated = entry
            for example in withoutPoints {
                updated.sum += example.status == .cleanWrong ? 0 : 1
                updated.count += 1
            }
            sums[key] = updated
        }
        return sums.sorted { ($0.key.curve, $0.key.x) < ($1.key.curve, $1.key.x) }.map { key, entry in
            CurvePointRecord(runID: runID, recipe: recipe, curve: key.curve, xName: entry.xName, x: key.x,
                             yName: entry.yName, y: entry.sum / Double(max(entry.count, 1)))
        }
    }
}
