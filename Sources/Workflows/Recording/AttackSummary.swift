// AttackSummary: TextAttack's attack summary for one recipe, computed from its stored records (so a
// resumed run summarises every session), plus sentence similarity, time and cache hit rate (for pixel attacks:
// L∞ and L2 distances of the successes); and the table that prints several recipes side by side.
import Analysis
import Foundation
import Results

public struct AttackSummary: Sendable, Equatable {
    public var recipe: String
    public var examples: Int
    public var successful: Int
    public var failed: Int
    public var skipped: Int
    public var cleanWrong: Int
    /// Examples whose text was longer than the model's maximum length.
    public var truncated: Int
    /// Skipped because the attack raised an error (counted in `skipped`).
    public var errors: Int
    public var originalAccuracy: Double
    public var accuracyUnderAttack: Double
    /// successful / (successful + failed); nil when nothing was attacked.
    public var attackSuccessRate: Double?
    /// Mean share of words changed, over successful attacks.
    public var perturbedWordFraction: Double?
    /// Mean words per input, over all examples.
    public var wordsPerInput: Double
    /// Mean queries over attacked examples (successful + failed), as TextAttack reports them.
    public var queries: Double?
    /// Mean whole-text similarity of successful adversarial texts.
    public var similarity: Double?
    /// Pixel attacks: mean L∞ and L2 distance of successful adversarial images (nil for texts).
    public var meanLinf: Double?
    public var meanL2: Double?
    /// The recipe attacked images (its records carry pixel distances): the word rows count pixels.
    public private(set) var isImage = false
    /// Mean time per example (each on one worker), in seconds.
    public var secondsPerExample: Double
    /// Cache hits / (hits + queries), over all examples.
    public var cacheHitRate: Double?
    /// What the validity audit found (nil when the recipe was not audited).
    public var validity: Validity?
    /// With a reduced-precision search: texts re-checked in fp32, and would-be successes fp32 turned down
    /// (nil when every example searched in fp32).
    public var exactChecks: Int?
    public var exactRejections: Int?

    /// The valid side of the summary under one audit: invalid successes count as failed attacks.
    public struct Validity: Sendable, Equatable {
        public var audit: String
        public var audited: Int
        public var invalid: Int
        public var validAttackSuccessRate: Double?
        public var accuracyUnderValidAttack: Double
        /// (check, examples it flagged), most first.
        public var reasons: [Reason]
        /// Seconds the audit took (wall clock).
        public var seconds: Double
        /// The verdicts these numbers come from (which examples failed which checks).
        public var verdicts: AuditVerdicts

        public struct Reason: Sendable, Equatable {
            public var check: String
            public var count: Int
        }

        public init(verdicts: AuditVerdicts, examples: [ExampleRecord], seconds: Double) {
            audit = verdicts.audit
            let successes = Set(examples.filter { $0.status == .success }.map(\.exampleIndex))
            audited = verdicts.audited.intersection(successes).count
            invalid = verdicts.failedChecks.keys.filter { successes.contains($0) }.count
            let attacked = examples.filter(\.wasAttacked)
            validAttackSuccessRate = attacked.isEmpty ? nil
                : Double(attacked.filter { $0.isValidSuccess(verdicts) }.count) / Double(attacked.count)
            accuracyUnderValidAttack = Double(examples.filter { $0.isCorrectUnderValidAttack(verdicts) }.count)
                / Double(max(examples.count, 1))
            reasons = verdicts.reasons().map { Reason(check: $0.check, count: $0.count) }
            self.seconds = seconds
            self.verdicts = verdicts
        }
    }

    public init(recipe: String, examples records: [ExampleRecord]) {
        self.recipe = recipe
        examples = records.count
        successful = records.filter { $0.status == .success }.count
        failed = records.filter { $0.status == .failed }.count
        skipped = records.filter { $0.status == .skipped }.count
        cleanWrong = records.filter { $0.status == .cleanWrong }.count
        var truncated = 0, errors = 0, hits = 0
        var checks: Int?, rejections: Int?
        var linf: [Double] = [], l2: [Double] = []
        for record in records {
            guard let json = record.detailJSON, let data = json.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            if let details = object["details"] as? [String: Any], let distance = (details["linf"] as? NSNumber)?.doubleValue {
                isImage = true
                if record.status == .success {
                    linf.append(distance)
                    if let distance = (details["l2"] as? NSNumber)?.doubleValue { l2.append(distance) }
                }
            }
            if object["truncated"] as? Bool == true { truncated += 1 }
            if (object["reason"] as? String)?.hasPrefix("attack error") == true { errors += 1 }
            hits += (object["cache_hits"] as? NSNumber)?.intValue ?? 0
            if let n = (object["fp32_checks"] as? NSNumber)?.intValue { checks = (checks ?? 0) + n }
            if let n = (object["fp32_rejections"] as? NSNumber)?.intValue { rejections = (rejections ?? 0) + n }
        }
        exactChecks = checks
        exactRejections = rejections
        meanLinf = linf.isEmpty ? nil : linf.reduce(0, +) / Double(linf.count)
        meanL2 = l2.isEmpty ? nil : l2.reduce(0, +) / Double(l2.count)
        self.truncated = truncated
        self.errors = errors
        let n = Double(max(records.count, 1))
        originalAccuracy = Double(records.filter(\.isCleanCorrect).count) / n
        accuracyUnderAttack = Double(records.filter(\.isCorrectUnderAttack).count) / n
        let attacked = records.filter(\.wasAttacked)
        attackSuccessRate = attacked.isEmpty ? nil : Double(successful) / Double(attacked.count)
        let successes = records.filter { $0.status == .success }
        perturbedWordFraction = successes.isEmpty ? nil : successes.map {
            $0.wordsTotal > 0 ? Double($0.wordsChanged) / Double($0.wordsTotal) : 0
        }.reduce(0, +) / Double(successes.count)
        wordsPerInput = Double(records.map(\.wordsTotal).reduce(0, +)) / n
        queries = attacked.isEmpty ? nil : Double(attacked.map(\.queries).reduce(0, +)) / Double(attacked.count)
        let similarities = successes.compactMap(\.similarity)
        similarity = similarities.isEmpty ? nil : similarities.reduce(0, +) / Double(similarities.count)
        secondsPerExample = records.map(\.milliseconds).reduce(0, +) / 1000 / n
        let totalQueries = records.map(\.queries).reduce(0, +)
        cacheHitRate = hits + totalQueries == 0 ? nil : Double(hits) / Double(hits + totalQueries)
    }

    /// Extra metrics recorded beside `RecipeSummary`'s standard ones.
    public func extraMetrics(runID: Int64) -> [MetricRecord] {
        var metrics = [
            MetricRecord(runID: runID, recipe: recipe, name: "mean_words_per_input", value: wordsPerInput),
            MetricRecord(runID: runID, recipe: recipe, name: "seconds_per_example", value: secondsPerExample),
            MetricRecord(runID: runID, recipe: recipe, name: "skipped", value: Double(skipped)),
        ]
        if let cacheHitRate {
            metrics.append(MetricRecord(runID: runID, recipe: recipe, name: "cache_hit_rate", value: cacheHitRate))
        }
        if let exactChecks {
            metrics.append(MetricRecord(runID: runID, recipe: recipe, name: "fp32_checks", value: Double(exactChecks)))
            metrics.append(MetricRecord(runID: runID, recipe: recipe, name: "fp32_rejections", value: Double(exactRejections ?? 0)))
        }
        return metrics
    }

    /// TextAttack's table, one column per recipe. `wallSeconds[recipe]` adds a wall-clock row (elapsed
    /// time of this session / examples attacked in it).
    public static func table(_ summaries: [AttackSummary], wallSecondsPerExample: [String: Double] = [:]) -> String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
        func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "–" }
        var rows: [(String, [String])] = [
            ("Number of successful attacks", summaries.map { String($0.successful) }),
            ("Number of failed attacks", summaries.map { String($0.failed) }),
            ("Number of skipped attacks", summaries.map { String($0.skipped + $0.cleanWrong) }),
            ("  of which clean-wrong", summaries.map { String($0.cleanWrong) }),
            ("Original accuracy", summaries.map { percent($0.originalAccuracy) }),
            ("Accuracy under attack", summaries.map { percent($0.accuracyUnderAttack) }),
            ("Attack success rate", summaries.map { percent($0.attackSuccessRate) }),
        ]
        if let audit = summaries.lazy.compactMap(\.validity).first?.audit {
            func valid(_ value: (Validity) -> String) -> [String] { summaries.map { $0.validity.map(value) ?? "–" } }
            rows += [
                ("Valid attack success rate (\(audit))", valid { percent($0.validAttackSuccessRate) }),
                ("Accuracy under valid attack", valid { percent($0.accuracyUnderValidAttack) }),
                ("Invalid / audited successes", valid { "\($0.invalid)/\($0.audited)" }),
                ("  most common reason", valid { $0.reasons.first.map { "\($0.check) \($0.count)" } ?? "–" }),
            ]
        }
        let images = !summaries.isEmpty && summaries.allSatisfy(\.isImage)
        let noun = images ? "image" : "example"
        if images {
            // Pixel attacks: pixels, distances and gradient evaluations; no texts, similarity or cache.
            rows += [
                ("Average perturbed pixel %", summaries.map { percent($0.perturbedWordFraction) }),
                ("Pixel values per image", summaries.map { number($0.wordsPerInput, "%.0f") }),
                ("Avg L∞ distance of successes", summaries.map { number($0.meanLinf, "%.4f") }),
                ("Avg L2 distance of successes", summaries.map { number($0.meanL2, "%.4f") }),
                ("Avg gradient evaluations + queries", summaries.map { number($0.queries, "%.2f") }),
            ]
        } else {
            rows += [
                ("Average perturbed word %", summaries.map { percent($0.perturbedWordFraction) }),
                ("Average num. words per input", summaries.map { number($0.wordsPerInput, "%.2f") }),
                ("Avg num queries", summaries.map { number($0.queries, "%.2f") }),
                ("Avg sentence similarity", summaries.map { number($0.similarity, "%.3f") }),
            ]
        }
        rows.append(("Seconds per \(noun) (1 worker)", summaries.map { number($0.secondsPerExample, "%.3f") }))
        if !wallSecondsPerExample.isEmpty {
            rows.append(("Wall seconds per \(noun)", summaries.map { number(wallSecondsPerExample[$0.recipe], "%.3f") }))
        }
        if !images { rows.append(("Cache hit rate", summaries.map { percent($0.cacheHitRate) })) }
        if summaries.contains(where: { $0.truncated > 0 }) {
            rows.append(("Truncated texts (attacked as seen)", summaries.map { String($0.truncated) }))
        }
        if summaries.contains(where: { $0.errors > 0 }) {
            rows.append(("Skipped by attack errors", summaries.map { String($0.errors) }))
        }
        if summaries.contains(where: { $0.exactChecks != nil }) {
            rows.append(("fp32 re-checks / turned down", summaries.map { summary in
                summary.exactChecks.map { "\($0) / \(summary.exactRejections ?? 0)" } ?? "–"
            }))
        }
        let header = ("", summaries.map(\.recipe))
        let labelWidth = ([header] + rows).map { $0.0.count }.max() ?? 0
        let widths = summaries.indices.map { column in
            ([header] + rows).map { $0.1[column].count }.max() ?? 0
        }
        func line(_ label: String, _ cells: [String]) -> String {
            var out = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            for (cell, width) in zip(cells, widths) {
                out += "  " + String(repeating: " ", count: max(0, width - cell.count)) + cell
            }
            return out
        }
        var lines = [line(header.0, header.1)]
        lines.append(String(repeating: "-", count: labelWidth + widths.reduce(0) { $0 + $1 + 2 }))
        for row in rows { lines.append(line(row.0, row.1)) }
        return lines.joined(separator: "\n")
    }

    /// The summary as a JSON object (snake-case keys), with the wall time per example when known.
    public func json(wall: Double?) -> [String: Any] {
        var object: [String: Any] = [
            "recipe": recipe, "examples": examples, "successful": successful,
            "failed": failed, "skipped": skipped, "clean_wrong": cleanWrong,
            "original_accuracy": originalAccuracy, "accuracy_under_attack": accuracyUnderAttack,
            "words_per_input": wordsPerInput, "seconds_per_example": secondsPerExample,
            "truncated": truncated,
        ]
        if let v = attackSuccessRate { object["attack_success_rate"] = v }
        if let v = perturbedWordFraction { object["perturbed_word_fraction"] = v }
        if let v = queries { object["queries"] = v }
        if let v = similarity { object["similarity"] = v }
        if let v = meanLinf { object["mean_linf"] = v }
        if let v = meanL2 { object["mean_l2"] = v }
        if let v = cacheHitRate { object["cache_hit_rate"] = v }
        if let wall { object["wall_seconds_per_example"] = wall }
        if let exactChecks {
            object["fp32_checks"] = exactChecks
            object["fp32_rejections"] = exactRejections ?? 0
        }
        if let validity {
            var valid: [String: Any] = [
                "audit": validity.audit, "audited": validity.audited, "invalid": validity.invalid,
                "accuracy_under_valid_attack": validity.accuracyUnderValidAttack, "audit_seconds": validity.seconds,
                "reasons": Dictionary(validity.reasons.map { ($0.check, $0.count) }, uniquingKeysWith: +),
            ]
            if let v = validity.validAttackSuccessRate { valid["valid_attack_success_rate"] = v }
            object["validity"] = valid
        }
        return object
    }
}
