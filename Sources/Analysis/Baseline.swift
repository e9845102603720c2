// Baseline: the expected metrics of a model, with tolerances, as a JSON file committed under baselines/.
//
// Format (version 1). Every key below is required unless marked optional; any other key is an error,
// so a typo never silently disables a check.
//
//   {
//     "format": "robust-baseline",
//     "version": 1,
//     "created": "2026-01-31T12:00:00Z",            // ISO 8601, informative
//     "description": "…",                           // optional, free text
//     "source_run": {                               // the run the values come from
//       "id": 12, "kind": "eval",                   // kind: train|eval|attack|retrain|augment
//       "model_hash": "…", "data_hash": "…", "recipe_hash": "…",
//       "label": "…"                                // optional (string or null)
//     },
//     "metrics": [                                  // what the gate checks
//       { "recipe": "textfooler", "name": "accuracy_under_attack", "value": 0.41,
//         "tolerance": 0.02,                        // absolute, in the metric's own unit, ≥ 0
//         "higher_is_better": true }
//     ],
//     "per_example": [                              // optional: outcomes for the McNemar test
//       { "recipe": "textfooler", "metric": "accuracy_under_attack",
//         "index": [0, 1, 2],                       // example indices
//         "fingerprint": ["…", "…", "…"],           // TextFingerprint of each example's text
//         "correct": "101" }                        // one 0/1 character per example
//     ]
//   }
//
// `baseline save --tolerance T` writes tolerance T for metrics on a 0–1 scale (accuracies, rates,
// fractions, similarities) and T × |value| for the others (mean_queries, losses), so T reads as "2
// points of accuracy" or "2% of the queries". Edit any tolerance by hand afterwards.
import Basics
import Foundation
import Results

public struct Baseline: Equatable, Sendable {
    public static let formatName = "robust-baseline"
    public static let formatVersion = 1

    public struct SourceRun: Equatable, Sendable {
        public var id: Int64
        public var kind: RunKind
        public var modelHash: String
        public var dataHash: String
        public var recipeHash: String
        public var label: String?
    }

    public struct Metric: Equatable, Sendable {
        public var recipe: String
        public var name: String
        public var value: Double
        public var tolerance: Double
        public var higherIsBetter: Bool
    }

    public struct PerExample: Equatable, Sendable {
        public var recipe: String
        public var metric: String
        public var outcomes: [PairableOutcome]
    }

    public var created: String
    public var description: String?
    public var sourceRun: SourceRun
    public var metrics: [Metric]
    public var perExample: [PerExample]

    /// The recipes the baseline checks, in first-seen order.
    public var recipes: [String] {
        var seen = Set<String>()
        return metrics.map(\.recipe).filter { seen.insert($0).inserted }
    }

    /// Metrics on a 0–1 scale, whose tolerance `save` takes as absolute.
    static func isUnitScale(_ name: String) -> Bool {
        switch name {
        case MetricName.cleanAccuracy, MetricName.accuracyUnderAttack, MetricName.attackSuccessRate,
             MetricName.wordsChangedFraction, MetricName.meanSimilarity: return true
        default:
            let lowered = name.lowercased()
            return ["accuracy", "rate", "fraction", "f1", "precision", "recall", "similarity", "agreement", "probability_difference"]
                .contains { lowered.contains($0) }
        }
    }

    /// A baseline from a stored run: all its metrics but the example count, and the per-example
    /// outcomes of its accuracy-like metrics.
    /// Whether a metric belongs in a baseline: not the example count, nothing that measures this
    /// machine or the implementation rather than the model (wall time, cache hits), which would make a
    /// gate flaky across machines and runs, and not the audit's counts (successes audited, judged invalid,
    /// flagged by each check): they grow with the number of successes and have no better direction; the
    /// valid rates (`valid_attack_success_rate`, `accuracy_under_valid_attack`, the valid budget metrics)
    /// are what a baseline keeps of an audit.
    public static func isGateable(_ name: String) -> Bool {
        let lowered = name.lowercased()
        // fp32 re-checks and rejections count a reduced-precision search's path, not the model's robustness.
        return name != MetricName.examples && !lowered.contains("seconds") && !lowered.contains("cache_hit")
            && !MetricName.isAuditCount(name) && !lowered.hasPrefix("fp32_")
    }

    public static func make(run: RunRecord, metrics: [MetricRecord], examples: [ExampleRecord], tolerance: Double,
                            description: String? = nil, created: Date = Date()) -> Baseline {
        // Each (recipe, metric) once: a damaged index can return a row twice (found by fuzz-results-db), and a
        // baseline that repeats a metric does not read back.
        var seen = Set<[String]>()
        let unique = metrics.filter { isGateable($0.name) && seen.insert([$0.recipe, $0.name]).inserted }
        let entries = MetricName.sorted(unique).map { metric in
            Metric(recipe: metric.recipe, name: metric.name, value: metric.value,
                   tolerance: isUnitScale(metric.name) ? tolerance : tolerance * abs(metric.value),
                   higherIsBetter: MetricName.higherIsBetter(metric.name))
        }
        let byRecipe = Dictionary(grouping: examples, by: \.recipe)
        var perExample: [PerExample] = []
        for entry in entries {
            guard let recipeExamples = byRecipe[entry.recipe],
                  let outcomes = RecipeSummary.pairableOutcomes(of: recipeExamples, metric: entry.name) else { continue }
            perExample.append(PerExample(recipe: entry.recipe, metric: entry.name, outcomes: outcomes))
        }
        let formatter = ISO8601DateFormatter()
        return Baseline(created: formatter.string(from: created), description: description,
                        sourceRun: SourceRun(id: run.runID, kind: run.kind, modelHash: run.modelHash, dataHash: run.dataHash,
                                             recipeHash: run.recipeHash, label: run.label),
                        metrics: entries, perExample: perExample)
    }

    // MARK: - Writing

    /// The file's text: indented, with each per-example array on one line.
    public func jsonText() -> String {
        func string(_ s: String) -> String {
            // Encoding a String fragment cannot fail; fall back to a plain quoted copy rather than trap.
            guard let data = try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed, .withoutEscapingSlashes]) else {
                return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            return String(decoding: data, as: UTF8.self)
        }
        func number(_ x: Double) -> String {
            x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
        }
        var lines: [String] = ["{"]
        lines.append("  \"format\": \(string(Self.formatName)),")
        lines.append("  \"version\": \(Self.formatVersion),")
        lines.append("  \"created\": \(string(created)),")
        if let description { lines.append("  \"description\": \(string(description)),") }
        lines.append("  \"source_run\": {")
        lines.append("    \"id\": \(sourceRun.id),")
        lines.append("    \"kind\": \(string(sourceRun.kind.rawValue)),")
        lines.append("    \"model_hash\": \(string(sourceRun.modelHash)),")
        lines.append("    \"data_hash\": \(string(sourceRun.dataHash)),")
        lines.append("    \"recipe_hash\": \(string(sourceRun.recipeHash)),")
        lines.append("    \"label\": \(sourceRun.label.map(string) ?? "null")")
        lines.append("  },")
        lines.append("  \"metrics\": [")
        for (k, m) in metrics.enumerated() {
            lines.append("    {\"recipe\": \(string(m.recipe)), \"name\": \(string(m.name)), \"value\": \(number(m.value)), "
                         + "\"tolerance\": \(number(m.tolerance)), \"higher_is_better\": \(m.higherIsBetter)}"
                         + (k + 1 < metrics.count ? "," : ""))
        }
        lines.append("  ],")
        lines.append("  \"per_example\": [")
        for (k, p) in perExample.enumerated() {
            lines.append("    {\"recipe\": \(string(p.recipe)), \"metric\": \(string(p.metric)),")
            lines.append("     \"index\": [\(p.outcomes.map { String($0.index) }.joined(separator: ", "))],")
            lines.append("     \"fingerprint\": [\(p.outcomes.map { "\"\($0.fingerprint)\"" }.joined(separator: ", "))],")
            lines.append("     \"correct\": \"\(String(p.outcomes.map { $0.correct ? "1" : "0" }))\"}"
                         + (k + 1 < perExample.count ? "," : ""))
        }
        lines.append("  ]")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the file atomically (a temporary file renamed into place). Refuses to replace an
    /// existing file unless `overwrite`.
    public func write(to path: String, overwrite: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw BaselineError(path: path, message: "already exists; pass --force to replace it")
        }
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(jsonText().utf8).write(to: url, options: .atomic)
        } catch {
            throw BaselineError(path: path, message: "cannot write: \(UserError.oneLine(error.localizedDescription))")
        }
    }

    // MARK: - Reading

    /// Reads and validates a baseline file. Any problem is a `BaselineError` naming the file and the
    /// offending key path, e.g. `metrics[2]: unknown key "tolerence" (did you mean "tolerance"?)`.
    public static func load(path: String) throws -> Baseline {
        guard FileManager.default.fileExists(atPath: path) else { throw BaselineError(path: path, message: "does not exist") }
        let data: Data
        do { data = try FileLimits.read(URL(fileURLWithPath: path), as: .metadata) } catch let error as FileLimits.ReadError {
            throw BaselineError(path: path, message: error.reason)
        }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws -> Baseline {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw BaselineError(path: path, message: "is not valid JSON (\(jsonErrorSummary(error)))")
        }
        var reader = StrictReader(path: path)
        return try reader.baseline(root)
    }
}

/// A bad baseline file: one line naming the file and what is wrong.
public struct BaselineError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "baseline \(path): \(message)" }
}

// MARK: - Strict JSON reading


private func jsonErrorSummary(_ error: Error) -> String {
    if case let DecodingError.dataCorrupted(context) = error {
        if let underlying = context.underlyingError { return UserError.oneLine(String(describing: underlying)) }
        return UserError.oneLine(context.debugDescription)
    }
    return UserError.oneLine(String(describing: error))
}

private struct StrictReader {
    let path: String

    func fail(_ at: String, _ message: String) -> BaselineError {
        BaselineError(path: path, message: at.isEmpty ? message : "\(at): \(message)")
    }

    /// The object's fields, after checking it has every required key and no unknown one.
    func object(_ value: JSONValue, at: String, required: [String], optional: [String] = []) throws -> [String: JSONValue] {
        guard case let .object(fields) = value else {
            throw fail(at, "must be an object, found \(value.typeName)")
        }
        let known = required + optional
        for key in fields.keys.sorted() where !known.contains(key) {
            var message = "unknown key \"\(key)\""
            if let suggestion = DidYouMean.closest(to: key, in: known, maxDistance: 3) { message += " (did you mean \"\(suggestion)\"?)" }
            else { message += " (expected: \(known.joined(separator: ", ")))" }
            throw fail(at, message)
        }
        for key in required where fields[key] == nil {
            throw fail(at, "missing key \"\(key)\"")
        }
        return fields
    }

    func string(_ fields: [String: JSONValue], _ key: String, at: String) throws -> String {
        guard case let .string(value)? = fields[key] else { throw wrongType(fields[key], key, "a string", at) }
        return value
    }

    func optionalString(_ fields: [String: JSONValue], _ key: String, at: String) throws -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case let .string(value)?: return value
        case let other: throw wrongType(other, key, "a string or null", at)
        }
    }

    func number(_ fields: [String: JSONValue], _ key: String, at: String) throws -> Double {
        guard case let .number(value)? = fields[key] else { throw wrongType(fields[key], key, "a number", at) }
        return value
    }

    func integer(_ value: JSONValue?, _ key: String, at: String) throws -> Int64 {
        guard case let .number(number)? = value, number == number.rounded(), abs(number) < 9e15 else {
            throw wrongType(value, key, "an integer", at)
        }
        return Int64(number)
    }

    func bool(_ fields: [String: JSONValue], _ key: String, at: String) throws -> Bool {
        guard case let .bool(value)? = fields[key] else { throw wrongType(fields[key], key, "true or false", at) }
        return value
    }

    func array(_ fields: [String: JSONValue], _ key: String, at: String) throws -> [JSONValue] {
        guard case let .array(value)? = fields[key] else { throw wrongType(fields[key], key, "an array", at) }
        return value
    }

    func wrongType(_ value: JSONValue?, _ key: String, _ expected: String, _ at: String) -> BaselineError {
        let found: String
        switch value {
        case nil: found = "nothing"
        case let .string(s)?: found = "the string \"\(s.count > 20 ? String(s.prefix(20)) + "…" : s)\""
        case let .number(x)?: found = "the number \(x)"
        case let other?: found = other.typeName
        }
        return fail(at.isEmpty ? key : "\(at).\(key)", "must be \(expected), found \(found)")
    }

    mutating func baseline(_ root: JSONValue) throws -> Baseline {
        let fields = try object(root, at: "", required: ["format", "version", "created", "source_run", "metrics"],
                                optional: ["description", "per_example"])
        let format = try string(fields, "format", at: "")
        guard format == Baseline.formatName else {
            throw fail("format", "must be \"\(Baseline.formatName)\", found \"\(format)\"")
        }
        let version = try integer(fields["version"], "version", at: "")
        guard version == Int64(Baseline.formatVersion) else {
            throw fail("version", "is \(version); this robust reads version \(Baseline.formatVersion)")
        }
        let created = try string(fields, "created", at: "")
        let description = try optionalString(fields, "description", at: "")

        let runFields = try object(fields["source_run"]!, at: "source_run",
                                   required: ["id", "kind", "model_hash", "data_hash", "recipe_hash"], optional: ["label"])
        let kindName = try string(runFields, "kind", at: "source_run")
        guard let kind = RunKind(rawValue: kindName) else {
            throw fail("source_run.kind", "must be one of \(RunKind.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(kindName)\"")
        }
        let sourceRun = Baseline.SourceRun(
            id: try integer(runFields["id"], "id", at: "source_run"), kind: kind,
            modelHash: try string(runFields, "model_hash", at: "source_run"),
            dataHash: try string(runFields, "data_hash", at: "source_run"),
            recipeHash: try string(runFields, "recipe_hash", at: "source_run"),
            label: try optionalString(runFields, "label", at: "source_run"))

        var metrics: [Baseline.Metric] = []
        var seen = Set<String>()
        for (k, item) in try array(fields, "metrics", at: "").enumerated() {
            let at = "metrics[\(k)]"
            let m = try object(item, at: at, required: ["recipe", "name", "value", "tolerance", "higher_is_better"])
            let metric = Baseline.Metric(recipe: try string(m, "recipe", at: at), name: try string(m, "name", at: at),
                                         value: try number(m, "value", at: at), tolerance: try number(m, "tolerance", at: at),
                                         higherIsBetter: try bool(m, "higher_is_better", at: at))
            guard metric.tolerance >= 0 else { throw fail("\(at).tolerance", "must not be negative") }
            guard seen.insert("\(metric.recipe)\u{0}\(metric.name)").inserted else {
                throw fail(at, "repeats metric \"\(metric.name)\" of recipe \"\(metric.recipe)\"")
            }
            metrics.append(metric)
        }
        guard !metrics.isEmpty else { throw fail("metrics", "is empty; a baseline checks at least one metric") }

        var perExample: [Baseline.PerExample] = []
        if let list = fields["per_example"], list != .null {
            guard case let .array(items) = list else { throw wrongType(list, "per_example", "an array", "") }
            for (k, item) in items.enumerated() {
                let at = "per_example[\(k)]"
                let p = try object(item, at: at, required: ["recipe", "metric", "index", "fingerprint", "correct"])
                let indices = try array(p, "index", at: at)
                let fingerprints = try array(p, "fingerprint", at: at)
                let correct = Array(try string(p, "correct", at: at))
                guard indices.count == fingerprints.count, indices.count == correct.count else {
                    throw fail(at, "index, fingerprint and correct have different lengths (\(indices.count), \(fingerprints.count), \(correct.count))")
                }
                var outcomes: [PairableOutcome] = []
                outcomes.reserveCapacity(indices.count)
                for i in 0..<indices.count {
                    let index = try integer(indices[i], "index[\(i)]", at: at)
                    guard case let .string(fingerprint) = fingerprints[i] else {
                        throw wrongType(fingerprints[i], "fingerprint[\(i)]", "a string", at)
                    }
                    // A fingerprint of another form never matches an example, which would silently turn the
                    // McNemar test off (and the writer copies fingerprints verbatim).
                    guard fingerprint.utf8.count == 16, fingerprint.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                        throw fail("\(at).fingerprint[\(i)]", "is not 16 lowercase hex digits (a TextFingerprint)")
                    }
                    guard correct[i] == "0" || correct[i] == "1" else {
                        throw fail("\(at).correct", "character \(i) is \"\(correct[i])\"; use only 0 and 1")
                    }
                    outcomes.append(PairableOutcome(index: Int(index), fingerprint: fingerprint, correct: correct[i] == "1"))
                }
                perExample.append(Baseline.PerExample(recipe: try string(p, "recipe", at: at),
                                                      metric: try string(p, "metric", at: at), outcomes: outcomes))
            }
        }
        return Baseline(created: created, description: description, sourceRun: sourceRun, metrics: metrics,
                        perExample: perExample)
    }
}
