// HumanLabels: people's judgements of adversarial pairs, in and out of the results store.
// `LabellingSheetExport` (`robust audit export`) samples a run's successful attacks (seeded) and writes
// Reports' labelling sheet, labels.csv and labels.html; `HumanLabelImport` (`robust audit import`) reads a
// filled sheet (`LabelsFile`), checks every row against the store before storing any, stores the answers
// (`human_labels`) with the statistics they imply (Analysis' `HumanLabelStatistics`: human-validated
// success rate, agreement with an audit) as the recipe's metrics, and says what people and audit disagree on.
import Analysis
import Basics
import Foundation
import Reports
import Results

/// Writes a labelling sheet for a seeded random sample of a run's successful attacks.
public struct LabellingSheetExport {
    public var database: String
    public var runID: Int64
    /// Pairs wanted in all (not per recipe).
    public var sample: Int
    /// Only this recipe; nil: every recipe of the run with adversarial texts.
    public var recipe: String?
    public var seed: UInt64
    /// The folder to write labels.csv and labels.html into (created when missing).
    public var folder: String
    /// Replace labels.csv and labels.html when they exist.
    public var force: Bool
    /// What wrote the sheet, named in the page (e.g. "robust 0.3.0").
    public var generator: String

    public init(database: String, runID: Int64, sample: Int, recipe: String? = nil, seed: UInt64 = 42, folder: String,
                force: Bool = false, generator: String = "robust") {
        self.database = database
        self.runID = runID
        self.sample = sample
        self.recipe = recipe
        self.seed = seed
        self.folder = folder
        self.force = force
        self.generator = generator
    }

    public struct Result {
        /// The pairs on the sheet, in sheet order.
        public var pairs: [LabellingPair]
        /// Successful attacks with an adversarial text that could be sampled.
        public var available: Int
        public var csv: URL
        public var html: URL
        /// Pairs per recipe, by recipe.
        public var perRecipe: [(recipe: String, pairs: Int)] {
            Dictionary(grouping: pairs, by: \.recipe).map { (recipe: $0.key, pairs: $0.value.count) }.sorted { $0.recipe < $1.recipe }
        }
    }

    /// The sample: every candidate (successful, with an adversarial text), ordered by recipe and example
    /// index, shuffled by a Fisher–Yates shuffle seeded with `seed`, the first `count` kept in that
    /// shuffled order (so the sheet's order says nothing about recipe or index). The same store, run and
    /// seed give the same sheet; a larger `count` extends a smaller one's sample.
    public static func sample(_ candidates: [ExampleRecord], count: Int, seed: UInt64) -> [ExampleRecord] {
        var pool = candidates.sorted { ($0.recipe, $0.exampleIndex) < ($1.recipe, $1.exampleIndex) }
        var random = SeededRandom(seed: seed)
        let kept = min(max(count, 0), pool.count)
        for i in 0..<kept {
            let j = i + random.below(pool.count - i)
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(kept))
    }

    public func run() throws -> Result {
        guard sample >= 1 else { throw UserError("--sample must be at least 1 (got \(sample))") }
        let out = URL(fileURLWithPath: folder, isDirectory: true)
        let csvURL = out.appendingPathComponent("labels.csv"), htmlURL = out.appendingPathComponent("labels.html")
        if !force {
            for url in [csvURL, htmlURL] where FileManager.default.fileExists(atPath: url.path) {
                throw UserError("\(url.path) exists; pass --force to replace it")
            }
        }
        let store = try RunQueries(database: database).store
        let examples: [ExampleRecord] = try UserError.wrapping {
            _ = try store.run(runID)
            let recipes = try store.recipes(ofRun: runID)
            if let recipe, !recipes.contains(recipe) {
                throw UserError("run \(runID) has no recipe '\(recipe)'\(recipes.isEmpty ? "" : " (it has: \(recipes.joined(separator: ", ")))")")
            }
            return try store.examples(run: runID, recipe: recipe)
        }
        let candidates = examples.filter { $0.status == .success && $0.adversarialText != nil }
        guard !candidates.isEmpty else {
            throw UserError("run \(runID)\(recipe.map { ", recipe '\($0)'," } ?? "") has no successful attack with an adversarial text to label")
        }
        let pairs = Self.sample(candidates, count: sample, seed: seed).map {
            LabellingPair(run: runID, recipe: $0.recipe, exampleIndex: $0.exampleIndex, gold: $0.gold, original: $0.text,
                          adversarial: $0.adversarialText ?? "")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw UserError("--out \(folder) exists and is not a folder")
        }
        let title = "Labelling sheet: run \(runID), \(pairs.count) pair\(pairs.count == 1 ? "" : "s")"
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try Data(LabellingSheet.csv(pairs).utf8).write(to: csvURL, options: .atomic)
            try Data(LabellingSheet.html(pairs, title: title, generator: generator).utf8).write(to: htmlURL, options: .atomic)
        } catch {
            throw UserError("cannot write the labelling sheet to \(folder): \(UserError.oneLine(error.localizedDescription))")
        }
        return Result(pairs: pairs, available: candidates.count, csv: csvURL, html: htmlURL)
    }
}

/// Stores a filled labelling sheet's answers, and the statistics they imply, in the results store.
public struct HumanLabelImport {
    public var database: String
    /// The filled sheet (labels.csv or the CSV labels.html downloads).
    public var file: String
    /// Who labelled; nil: the sheet's annotator column, else "".
    public var annotator: String?
    /// The audit to compare people with; nil: the default audit ("default"), whose absence is not an error.
    public var audit: String?

    public init(database: String, file: String, annotator: String? = nil, audit: String? = nil) {
        self.database = database
        self.file = file
        self.annotator = annotator
        self.audit = audit
    }

    /// What one recipe's labels say.
    public struct RecipeOutcome {
        public var run: Int64
        public var recipe: String
        /// The audit compared.
        public var audit: String
        /// Rows of this import for the recipe, and how many of them lacked an answer.
        public var imported: Int
        public var incomplete: Int
        /// From every stored label of the recipe (all annotators, this import included); nil when none
        /// has both answers.
        public var validation: HumanValidation?
        /// The recipe's raw attack success rate (nil when nothing was attacked).
        public var rawSuccessRate: Double?
        /// The valid attack success rate under the audit; nil when the recipe was not audited by it.
        public var automaticValidRate: Double?
        /// nil when the audit covered none of the labelled examples.
        public var agreement: AuditAgreement?
        /// What was recorded.
        public var metrics: [MetricRecord]
    }

    public struct Result {
        /// Rows stored.
        public var stored: Int
        public var annotators: [String]
        public var recipes: [RecipeOutcome]
    }

    public func run() throws -> Result {
        let rows = try LabelsFile.read(path: file)
        let auditName = audit ?? MetricName.defaultAudit
        let store: ResultStore = try UserError.wrapping { try ResultStore(path: database, access: .existing) }
        func fail(_ row: FilledLabelRow, _ reason: String) -> UserError { UserError("\(file):\(row.row): \(reason)") }

        // Each run's examples, read once.
        var examplesByRun: [Int64: [String: [Int: ExampleRecord]]] = [:]
        var recipesByRun: [Int64: [String]] = [:]
        var auditsByRun: [Int64: [String]] = [:]
        for row in rows where examplesByRun[row.run] == nil {
            do {
                _ = try store.run(row.run)
            } catch ResultStoreError.noSuchRun {
                throw fail(row, "run \(row.run) is not in the results database \(database)")
            } catch {
                throw UserError(UserError.oneLine(String(describing: error)))
            }
            let (examples, recipes, audits) = try UserError.wrapping {
                (try store.examples(run: row.run), try store.recipes(ofRun: row.run), try store.audits(run: row.run).map(\.audit))
            }
            var byRecipe: [String: [Int: ExampleRecord]] = [:]
            for example in examples { byRecipe[example.recipe, default: [:]][example.exampleIndex] = example }
            examplesByRun[row.run] = byRecipe
            recipesByRun[row.run] = recipes
            auditsByRun[row.run] = audits
        }
        if let audit {
            for run in examplesByRun.keys.sorted() where !(auditsByRun[run] ?? []).contains(audit) {
                let has = auditsByRun[run] ?? []
                throw UserError("--audit: run \(run) has no audit '\(audit)'\(has.isEmpty ? " (it has not been audited)" : " (it has: \(has.joined(separator: ", ")))")")
            }
        }

        // Every row checked before anything is stored.
        let importedAt = Date()
        var labels: [HumanLabelRecord] = []
        var seen: [String: Int] = [:]
        for row in rows {
            let recipes = examplesByRun[row.run] ?? [:]
            guard let examples = recipes[row.recipe] else {
                let names = recipesByRun[row.run] ?? []
                throw fail(row, "run \(row.run) has no recipe '\(UserError.oneLine(row.recipe))'\(names.isEmpty ? "" : " (it has: \(names.joined(separator: ", ")))")")
            }
            let name = "run \(row.run), recipe \(row.recipe), example \(row.exampleIndex)"
            guard let example = examples[row.exampleIndex] else {
                throw fail(row, "run \(row.run), recipe \(row.recipe) has no example \(row.exampleIndex)")
            }
            guard example.status == .success, let adversarial = example.adversarialText else {
                throw fail(row, "\(name) is not a successful attack (its status is \(example.status.rawValue))")
            }
            guard row.original.utf8.elementsEqual(example.text.utf8) else {
                throw fail(row, "the original text differs from the stored one of \(name) (edited?)")
            }
            guard row.adversarial.utf8.elementsEqual(adversarial.utf8) else {
                throw fail(row, "the adversarial text differs from the stored one of \(name) (edited?)")
            }
            let expected = LabellingSheet.fingerprint(original: example.text, adversarial: adversarial)
            guard row.fingerprint == expected else {
                throw fail(row, "fingerprint '\(UserError.oneLine(row.fingerprint))' does not match the stored texts of \(name) (\(expected))")
            }
            let who = annotator ?? row.annotator ?? ""
            let key = "\(row.run)\u{0}\(row.recipe)\u{0}\(row.exampleIndex)\u{0}\(who)"
            if let earlier = seen[key] {
                throw fail(row, "duplicate of row \(earlier): \(name)\(who.isEmpty ? "" : ", annotator \(who)") again")
            }
            seen[key] = row.row
            labels.append(HumanLabelRecord(runID: row.run, recipe: row.recipe, exampleIndex: row.exampleIndex, annotator: who,
                                           sameLabel: row.sameLabel, natural: row.natural, note: row.note, source: file,
                                           importedAt: importedAt))
        }

        // The statistics of every stored label of each recipe touched, with this import's labels in place
        // of the ones they replace, stored in the same transaction as the labels.
        var outcomes: [RecipeOutcome] = []
        let touched = Set(labels.map { "\($0.runID)\u{0}\($0.recipe)" })
        for key in touched.sorted() {
            guard let first = labels.first(where: { "\($0.runID)\u{0}\($0.recipe)" == key }) else { continue }
            let (run, recipe) = (first.runID, first.recipe)
            let mine = labels.filter { $0.runID == run && $0.recipe == recipe }
            let replaced = Set(mine.map { "\($0.exampleIndex)\u{0}\($0.annotator)" })
            let (stored, checks) = try UserError.wrapping {
                (try store.humanLabels(run: run, recipe: recipe), try store.auditChecks(run: run, audit: auditName, recipe: recipe))
            }
            let all = stored.filter { !replaced.contains("\($0.exampleIndex)\u{0}\($0.annotator)") } + mine
            let examples = Array((examplesByRun[run]?[recipe] ?? [:]).values).sorted { $0.exampleIndex < $1.exampleIndex }
            let judgements = HumanJudgement.of(all)
            let validation = HumanLabelStatistics.validation(examples: examples, judgements: judgements)
            let verdicts = checks.isEmpty ? nil : AuditVerdicts(audit: auditName, checks: checks)
            let agreement = verdicts.flatMap { HumanLabelStatistics.agreement(judgements: judgements, verdicts: $0) }
            let attacked = examples.filter(\.wasAttacked)
            let raw = attacked.isEmpty ? nil : Double(attacked.filter { $0.status == .success }.count) / Double(attacked.count)
            let automatic = verdicts.flatMap { verdicts in
                ValidityMetrics.metrics(of: examples, verdicts: verdicts, run: run, recipe: recipe, resamples: 1)
                    .first { $0.name == MetricName.audited(MetricName.validAttackSuccessRate, audit: auditName) }?.value
            }
            outcomes.append(RecipeOutcome(
                run: run, recipe: recipe, audit: auditName, imported: mine.count,
                incomplete: mine.filter { $0.isValid == nil }.count, validation: validation, rawSuccessRate: raw,
                automaticValidRate: automatic, agreement: agreement,
                metrics: HumanLabelStatistics.metrics(run: run, recipe: recipe, validation: validation, agreement: agreement)))
        }
        let replacing: Set<String> = [MetricName.humanLabelled, MetricName.humanValidShare, MetricName.humanValidAttackSuccessRate,
                                      MetricName.audited(MetricName.auditPrecisionInvalid, audit: auditName),
                                      MetricName.audited(MetricName.auditRecallInvalid, audit: auditName),
                                      MetricName.audited(MetricName.auditKappa, audit: auditName)]
        try UserError.wrapping {
            try store.recordHumanLabels(labels, metrics: outcomes.flatMap(\.metrics), replacingMetrics: replacing)
        }
        var annotators = Array(Set(labels.map(\.annotator)))
        annotators.sort()
        return Result(stored: labels.count, annotators: annotators, recipes: outcomes)
    }
}

extension HumanLabelImport.RecipeOutcome {
    /// What `robust audit import` prints for the recipe: a table of the numbers, then the disagreements.
    public func lines() -> [String] {
        func rate(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "—" }
        func interval(_ interval: ConfidenceInterval) -> String {
            String(format: "%.4f  [%.4f, %.4f]", interval.value, interval.low, interval.high)
        }
        var lines = ["run \(run) · recipe \(recipe): \(imported) row\(imported == 1 ? "" : "s") imported"
                     + (incomplete > 0 ? " (\(incomplete) not fully answered)" : "")]
        var rows: [[String]] = []
        if let validation {
            rows.append(["labelled pairs (both answers)", "\(validation.labelled)"])
            rows.append(["human-valid share", interval(validation.share)])
        } else {
            rows.append(["labelled pairs (both answers)", "0"])
        }
        rows.append(["attack success rate: raw", rate(rawSuccessRate)])
        rows.append(["  valid under audit '\(audit)'", rate(automaticValidRate)])
        rows.append(["  human-valid", validation.map { interval($0.validatedSuccessRate) } ?? "—"])
        if let agreement {
            rows.append(["audit vs people: precision (invalid)", rate(agreement.precision)])
            rows.append(["  recall (invalid)", rate(agreement.recall)])
            rows.append(["  Cohen's kappa", rate(agreement.kappa)])
            rows.append(["  compared", "\(agreement.compared): \(agreement.humanInvalid) invalid to people, \(agreement.auditInvalid) to the audit, \(agreement.both) to both"])
        } else {
            rows.append(["audit vs people", automaticValidRate == nil ? "— (no audit '\(audit)' of this recipe)" : "— (no labelled pair was audited)"])
        }
        lines += TextTable.render(header: ["", "value"], rows: rows, indent: "  ").split(separator: "\n").map(String.init)
        if let agreement, !agreement.disagreements.isEmpty {
            lines.append("  disagreements (\(agreement.disagreements.count)):")
            for disagreement in agreement.disagreements {
                let auditSaid = disagreement.auditInvalid
                    ? "invalid (" + disagreement.failedChecks.map { check in
                        check.checkName + (check.detail.map { ": \(UserError.oneLine($0))" } ?? String(format: " %.3g", check.value))
                    }.joined(separator: "; ") + ")"
                    : "valid"
                let people = disagreement.labels.map { label -> String in
                    let who = label.annotator.isEmpty ? "" : "\(label.annotator): "
                    let answers = "same label \(label.sameLabel == true ? "yes" : "no"), natural \(label.natural == true ? "yes" : "no")"
                    let note = label.note.map { " — \"\(UserError.oneLine($0))\"" } ?? ""
                    return who + answers + note
                }.joined(separator: "; ")
                lines.append("    #\(disagreement.exampleIndex)  audit: \(auditSaid)  people: \(disagreement.humanValid ? "valid" : "invalid") (\(people))")
            }
        }
        return lines
    }
}
