// ReportContent: the tables and sample examples a report shows, as plain text cells, computed once so
// that report.md and report.html show exactly the same rows (each renderer escapes for its format).
import Analysis
import Basics
import Foundation
import Results

/// A table of plain-text cells (never escaped here).
public struct ReportTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]
    /// Columns to right-align (numbers).
    public var numeric: Set<Int>
}

/// A sample adversarial example, with its word diff.
public struct SampleExample: Sendable, Equatable {
    public var exampleIndex: Int
    public var gold: String
    public var cleanPrediction: String
    public var adversarialPrediction: String
    /// "1 of 6 words changed · 12 queries · similarity 0.91"
    public var facts: String
    public var diff: [WordDiff.Segment]
    /// Image attacks: the original, adversarial and magnified perturbation as base64 PNG, and the magnification.
    public var images: SampleImages?
}

public struct SampleImages: Sendable, Equatable {
    public var original: String
    public var adversarial: String
    public var perturbation: String
    public var magnification: Double
}

/// The samples of one (run, recipe).
public struct SampleGroup: Sendable, Equatable {
    public var heading: String
    public var successes: Int
    public var examples: [SampleExample]
}

public struct ReportContent: Sendable {
    public var title: String
    public var runs: ReportTable
    /// One line per run: its robust version, commit and command line.
    public var provenance: [String]
    /// One row per (run, attack recipe).
    public var attacks: ReportTable?
    /// One row per (run, audited attack recipe, audit): how many successful attacks were audited and judged
    /// invalid, the valid numbers, and the checks that flagged most.
    public var validity: ReportTable?
    /// Before and after retraining: one row per (child run, recipe) for runs whose parent run is in
    /// the report too — accuracy before and after on the same examples, the paired change with its
    /// bootstrap interval and McNemar p, and whether training used the attack.
    public var beforeAfter: ReportTable?
    /// One row per training run.
    public var training: ReportTable?
    /// One row per metric not in the attack table (clean evaluations, extra metrics).
    public var otherMetrics: ReportTable?
    public var samples: [SampleGroup]
    public var notes: [String]

    /// Columns of the attack table.
    public static let attackHeader = ["run", "recipe", "examples", "clean accuracy", "accuracy under attack",
                                      "attack success rate", "words changed", "queries", "similarity"]
    /// Columns of the attack table when some recipe was audited: each valid number (default audit) right
    /// after its raw one.
    public static let auditedAttackHeader = ["run", "recipe", "examples", "clean accuracy", "accuracy under attack",
                                             "accuracy under valid attack", "attack success rate", "valid success rate",
                                             "words changed", "queries", "similarity"]
    /// Columns of the validity table.
    public static let validityHeader = ["run", "recipe", "audit", "audited successes", "judged invalid",
                                        "valid success rate", "accuracy under valid attack", "top reasons (examples flagged)"]
    /// The paragraph above the validity table (plain text; each report escapes it).
    public static let validityExplanation = "Each successful adversarial example was checked automatically by each validity audit of its run (the checks its audit recipe lists, e.g. meaning kept, no antonym or negation flip, no label word changed, no new non-word). An example that fails any check of an audit counts as a failed attack for that audit's valid numbers: the valid success rate is over the attacked examples, the accuracy under valid attack over all examples. The reasons are the checks that flagged most examples (an example can fail several)."
    /// How many reasons the validity table names per row.
    public static let reasonsShown = 5

    public init(data: ReportData, title: String?, examplesPerRecipe: Int) {
        self.title = title ?? "Robustness report: " + (data.runs.count == 1 ? "run " : "runs ")
            + data.runs.map { String($0.id) }.joined(separator: ", ")
        notes = data.notes

        runs = ReportTable(
            header: ["run", "kind", "status", "started (UTC)", "model", "data", "seed", "label", "parent"],
            rows: data.runs.map { run in
                let record = run.run
                return [String(run.id), record.kind.rawValue, record.status.rawValue, Self.utcMinute(record.startedAt),
                        Self.shortHash(record.modelHash), Self.shortHash(record.dataHash), String(record.seed),
                        record.label.map(UserError.oneLine) ?? "—", record.parentRunID.map { "run \($0)" } ?? "—"]
            },
            numeric: [0, 6])
        provenance = data.runs.map { run in
            let record = run.run
            var parts = ["robust \(record.robustVersion)"]
            if let commit = record.gitCommit { parts.append("git \(commit.prefix(12))") }
            if let failure = record.failure { parts.append("failure: \(UserError.oneLine(failure))") }
            if !record.commandLine.isEmpty { parts.append("command: \(UserError.oneLine(record.commandLine))") }
            return "\(run.displayName): " + parts.joined(separator: " · ")
        }

        var attackRows: [[String]] = []
        var shown = Set<String>()   // "run/recipe/metric" already in the attack table
        // The valid columns, when some recipe has a valid number of the default audit.
        let audited = data.runs.contains { run in
            run.attackRecipes.contains { $0.metric(MetricName.validAttackSuccessRate) != nil || $0.metric(MetricName.accuracyUnderValidAttack) != nil }
        }
        for run in data.runs {
            for recipe in run.attackRecipes {
                var names = [MetricName.examples, MetricName.cleanAccuracy, MetricName.accuracyUnderAttack,
                             MetricName.attackSuccessRate, MetricName.wordsChangedFraction, MetricName.meanQueries,
                             MetricName.meanSimilarity]
                if audited { names += [MetricName.accuracyUnderValidAttack, MetricName.validAttackSuccessRate] }
                for name in names { shown.insert("\(run.id)/\(recipe.name)/\(name)") }
                let examples = recipe.metric(MetricName.examples).map { Self.count($0.value) } ?? String(recipe.examples.count)
                var row = [String(run.id), recipe.name, examples, Self.cell(recipe.metric(MetricName.cleanAccuracy)),
                           Self.cell(recipe.metric(MetricName.accuracyUnderAttack))]
                if audited { row.append(Self.cell(recipe.metric(MetricName.accuracyUnderValidAttack))) }
                row.append(Self.cell(recipe.metric(MetricName.attackSuccessRate)))
                if audited { row.append(Self.cell(recipe.metric(MetricName.validAttackSuccessRate))) }
                row += [
                    recipe.metric(MetricName.wordsChangedFraction).map { Self.percent($0.value) } ?? "—",
                    recipe.metric(MetricName.meanQueries).map { String(format: "%.1f", $0.value) } ?? "—",
                    recipe.metric(MetricName.meanSimilarity).map { String(format: "%.3f", $0.value) } ?? "—",
                ]
                attackRows.append(row)
            }
        }
        attacks = attackRows.isEmpty ? nil
            : ReportTable(header: audited ? Self.auditedAttackHeader : Self.attackHeader, rows: attackRows,
                          numeric: audited ? [0, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [0, 2, 3, 4, 5, 6, 7, 8])

        var validityRows: [[String]] = []
        for run in data.runs {
            for recipe in run.attackRecipes {
                for row in Self.validityRows(recipe) {
                    for name in row.metrics { shown.insert("\(run.id)/\(recipe.name)/\(name)") }
                    validityRows.append([String(run.id), recipe.name] + row.cells)
                }
            }
        }
        validity = validityRows.isEmpty ? nil : ReportTable(header: Self.validityHeader, rows: validityRows, numeric: [0, 3, 4, 5, 6])

        var pairRows: [(rank: Int, cells: [String])] = []
        for after in data.runs {
            guard let parentID = after.run.parentRunID, let before = data.runs.first(where: { $0.id == parentID }),
                  !after.attackRecipes.isEmpty else { continue }
            let rows = Comparison.compare(aMetrics: before.recipes.flatMap(\.metrics), aExamples: before.recipes.flatMap(\.examples),
                                          bMetrics: after.recipes.flatMap(\.metrics), bExamples: after.recipes.flatMap(\.examples))
            for row in rows where row.metric == MetricName.cleanAccuracy && row.recipe == cleanRecipe
                || row.metric == MetricName.accuracyUnderAttack {
                guard let a = row.a, let b = row.b else { continue }
                let exposure: String, rank: Int
                switch after.recipe(row.recipe)?.metric("trained_against")?.value {
                case 2: (exposure, rank) = ("used in training", 1)
                case 1: (exposure, rank) = ("shares transformations", 2)
                case 0: (exposure, rank) = ("not used in training", 3)
                default: (exposure, rank) = row.recipe == cleanRecipe ? ("clean", 0) : ("—", 4)
                }
                pairRows.append((10 * Int(after.id) + rank, [
                    String(before.id), String(after.id), row.recipe, exposure, Self.percent(a.value), Self.percent(b.value),
                    String(format: "%+.1f", (b.value - a.value) * 100),
                    row.pairedDelta.map { String(format: "%+.1f – %+.1f", $0.low * 100, $0.high * 100) } ?? "—",
                    row.mcnemar.map { ResultFormat.pValue($0.pValue) } ?? "—",
                ]))
                for name in ["delta_\(row.metric)", "mcnemar_p_\(row.metric)", "trained_against"] {
                    shown.insert("\(after.id)/\(row.recipe)/\(name)")
                }
            }
        }
        beforeAfter = pairRows.isEmpty ? nil : ReportTable(
            header: ["before", "after", "recipe", "training", "accuracy before", "accuracy after", "Δ points",
                     "Δ 95% CI (paired)", "McNemar p"],
            // Per after run, grouped by exposure (stable: recipes stay in name order inside a group).
            rows: pairRows.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element.cells),
            numeric: [0, 1, 4, 5, 6, 8])

        var trainingRows: [[String]] = []
        for run in data.runs where !run.trainingCurves.isEmpty {
            let curves = run.trainingCurves
            let steps = Set(curves.values.flatMap { $0.map(\.x) })
            let best = curves["dev_accuracy"]?.max { $0.y < $1.y }
            trainingRows.append([
                String(run.id), String(steps.count), steps.max().map { Self.count($0) } ?? "—",
                curves["train_loss"]?.last.map { String(format: "%.4f", $0.y) } ?? "—",
                curves["dev_loss"]?.last.map { String(format: "%.4f", $0.y) } ?? "—",
                curves["dev_accuracy"]?.last.map { Self.percent($0.y) } ?? "—",
                best.map { "\(Self.percent($0.y)) at step \(Self.count($0.x))" } ?? "—",
            ])
        }
        training = trainingRows.isEmpty ? nil : ReportTable(
            header: ["run", "evaluations", "last step", "final train loss", "final dev loss", "final dev accuracy", "best dev accuracy"],
            rows: trainingRows, numeric: [0, 1, 2, 3, 4, 5])

        var otherRows: [[String]] = []
        for run in data.runs {
            for recipe in run.recipes {
                for metric in recipe.metrics where !shown.contains("\(run.id)/\(recipe.name)/\(metric.name)") {
                    let interval = metric.low.flatMap { low in metric.high.map { (low, $0) } }
                    let isShare = Self.isShare(metric)
                    let value = metric.name == MetricName.examples ? Self.count(metric.value)
                        : (isShare ? Self.percent(metric.value) : ResultFormat.value(metric.value))
                    let range = interval.map { isShare ? "\(Self.percent($0.0)) – \(Self.percent($0.1))"
                                                       : "\(ResultFormat.value($0.0)) – \(ResultFormat.value($0.1))" } ?? "—"
                    otherRows.append([String(run.id), recipe.name, metric.name, value, range])
                }
            }
        }
        otherMetrics = otherRows.isEmpty ? nil : ReportTable(header: ["run", "recipe", "metric", "value", "95% interval"],
                                                             rows: otherRows, numeric: [0, 3, 4])

        var samples: [SampleGroup] = []
        if examplesPerRecipe > 0 {
            for run in data.runs {
                for recipe in run.attackRecipes {
                    let successes = recipe.examples.filter { $0.status == .success }
                    guard !successes.isEmpty else { continue }
                    // The order of ResultStore.tellingExamples: fewest words changed, then fewest queries.
                    // Text attacks carry the adversarial text; image attacks their stored PNGs.
                    let telling = successes.filter { $0.adversarialText != nil || $0.detailJSON?.contains("\"adversarial_png\"") == true }
                        .sorted { ($0.wordsChanged, $0.queries, $0.exampleIndex) < ($1.wordsChanged, $1.queries, $1.exampleIndex) }
                        .prefix(examplesPerRecipe)
                    guard !telling.isEmpty else { continue }
                    samples.append(SampleGroup(
                        heading: "\(run.displayName) · \(recipe.name)", successes: successes.count,
                        examples: telling.map(Self.sample)))
                }
            }
        }
        self.samples = samples
    }

    /// A recipe's validity rows, one per audit (default first): from its audits' check values where the run
    /// stored them, else from the stored counts. `metrics`: the stored metrics the row shows.
    static func validityRows(_ recipe: RecipeData) -> [(cells: [String], metrics: [String])] {
        let storedAudits = recipe.metrics.map { MetricName.splitAudit($0.name) }
            .filter { [MetricName.validAttackSuccessRate, MetricName.accuracyUnderValidAttack].contains($0.base) }.map(\.audit)
        let successes = Set(recipe.examples.filter { $0.status == .success }.map(\.exampleIndex))
        return AuditVerdicts.ordered(recipe.verdicts.map(\.audit) + storedAudits).map { audit in
            func name(_ base: String) -> String { MetricName.audited(base, audit: audit) }
            let checks = recipe.metrics.filter { MetricName.invalidCheck($0.name)?.audit == audit }
            var shown = [name(MetricName.validAttackSuccessRate), name(MetricName.accuracyUnderValidAttack),
                         name(MetricName.auditedSuccesses), name(MetricName.invalidSuccesses)] + checks.map(\.name)
            let auditedCount: String, invalidCount: String, reasons: [(check: String, count: Int)]
            if let verdicts = recipe.verdicts.first(where: { $0.audit == audit }) {
                auditedCount = String(verdicts.audited.intersection(successes).count)
                invalidCount = String(verdicts.failedChecks.keys.filter { successes.contains($0) }.count)
                reasons = verdicts.reasons()
            } else {
                auditedCount = recipe.metric(name(MetricName.auditedSuccesses)).map { count($0.value) } ?? "—"
                invalidCount = recipe.metric(name(MetricName.invalidSuccesses)).map { count($0.value) } ?? "—"
                reasons = checks.map { metric in
                    (MetricName.invalidCheck(metric.name)?.check ?? metric.name, Int(exactly: metric.value.rounded()) ?? 0)
                }.sorted { ($0.count, $1.check) > ($1.count, $0.check) }
                shown = shown.filter { recipe.metric($0) != nil }
            }
            let reasonText = reasons.prefix(reasonsShown).map { "\($0.check) \($0.count)" }.joined(separator: ", ")
                + (reasons.count > reasonsShown ? ", …" : "")
            return ([audit, auditedCount, invalidCount, cell(recipe.metric(name(MetricName.validAttackSuccessRate))),
                     cell(recipe.metric(name(MetricName.accuracyUnderValidAttack))), reasonText.isEmpty ? "—" : reasonText],
                    shown)
        }
    }

    static func sample(_ example: ExampleRecord) -> SampleExample {
        let images = sampleImages(example)
        var facts = [images == nil ? "\(example.wordsChanged) of \(example.wordsTotal) words changed"
                        : "\(example.wordsChanged) of \(example.wordsTotal) pixel values changed", "\(example.queries) queries"]
        if let similarity = example.similarity { facts.append(String(format: "similarity %.2f", similarity)) }
        if images != nil, let details = detail(example)?["details"] as? [String: Any] {
            if let linf = (details["linf"] as? NSNumber)?.doubleValue { facts.append(String(format: "L∞ %.3f", linf)) }
            if let l2 = (details["l2"] as? NSNumber)?.doubleValue { facts.append(String(format: "L2 %.3f", l2)) }
        }
        return SampleExample(exampleIndex: example.exampleIndex, gold: UserError.oneLine(example.gold),
                             cleanPrediction: UserError.oneLine(example.cleanPrediction),
                             adversarialPrediction: UserError.oneLine(example.adversarialPrediction ?? "?"),
                             facts: facts.joined(separator: " · "),
                             diff: WordDiff.diff(example.text, example.adversarialText ?? example.text), images: images)
    }

    static func detail(_ example: ExampleRecord) -> [String: Any]? {
        guard let json = example.detailJSON, let data = json.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// An image attack's stored PNGs (base64 of PNG bytes only: anything else is not shown).
    static func sampleImages(_ example: ExampleRecord) -> SampleImages? {
        guard let object = detail(example), let original = object["original_png"] as? String,
              let adversarial = object["adversarial_png"] as? String, let perturbation = object["perturbation_png"] as? String else { return nil }
        func isPNG(_ text: String) -> Bool {
            guard let data = Data(base64Encoded: text) else { return false }
            return data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        }
        guard isPNG(original), isPNG(adversarial), isPNG(perturbation) else { return nil }
        return SampleImages(original: original, adversarial: adversarial, perturbation: perturbation,
                            magnification: (object["perturbation_magnification"] as? NSNumber)?.doubleValue ?? 1)
    }

    // MARK: - Formatting

    /// "85.0% (70.0–95.0)" for a share with an interval, "85.0%" without, "—" for none.
    static func cell(_ metric: MetricRecord?) -> String {
        guard let metric else { return "—" }
        guard let low = metric.low, let high = metric.high else { return percent(metric.value) }
        return "\(percent(metric.value)) (\(String(format: "%.1f", low * 100))–\(String(format: "%.1f", high * 100)))"
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    static func count(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : ResultFormat.value(value)
    }

    /// Shares shown as percentages: accuracies, rates and fractions between 0 and 1.
    static func isShare(_ metric: MetricRecord) -> Bool {
        let name = metric.name.lowercased()
        let inRange = (0...1).contains(metric.value) && (metric.low.map { (0...1).contains($0) } ?? true)
            && (metric.high.map { (0...1).contains($0) } ?? true)
        return inRange && (name.contains("accuracy") || name.hasSuffix("_rate") || name.contains("fraction"))
    }

    static func shortHash(_ hash: String) -> String { hash.isEmpty ? "—" : String(hash.prefix(12)) }

    static func utcMinute(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
