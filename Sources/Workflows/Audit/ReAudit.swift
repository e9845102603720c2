// ReAudit: `robust audit RUN` — audits a stored eval, attack or retrain run again with an audit recipe
// (another one, or the same after its thresholds changed), without attacking again: every recipe's
// successful attacks with a text are judged, the check values and valid metrics recorded under the audit's
// name, and the invalid examples returned grouped by reason.
import Analysis
import Audit
import Basics
import Datasets
import Foundation
import Results
import Tensors

public struct ReAudit {
    public var database: String
    public var runID: Int64
    public var audit: AuditRecipe
    /// Only these recipes (nil: every recipe with successful attacks).
    public var recipes: [String]?
    /// The dataset whose training split gives the label words (nil: the one the run names).
    public var data: String?
    public var encoderPath: String
    public var workers: Int?

    public init(database: String, runID: Int64, audit: AuditRecipe, encoderPath: String) {
        self.database = database
        self.runID = runID
        self.audit = audit
        self.encoderPath = encoderPath
    }

    /// One invalid example: which recipe, the texts, and the checks it failed.
    public struct Invalid: Sendable {
        public var recipe: String
        public var example: ExampleRecord
        public var failed: [AuditCheckRecord]
    }

    public struct Outcome {
        public var run: RunRecord
        public var audit: AuditRecipe
        /// The raw and valid summaries of each audited recipe, in the run's recipe order.
        public var summaries: [AttackSummary]
        /// Recipes with no successful attack that has a text (embedding-space attacks), not audited.
        public var notAuditable: [String]
        /// Invalid examples by the check that flagged them, most common check first (an example flagged by
        /// several checks is listed under each).
        public var byReason: [(check: String, examples: [Invalid])]
        /// Where the label words came from, or nil when the audit has no label-words check.
        public var labelWords: String?
        public var seconds: Double
    }

    public func run(reporter: Reporter) throws -> Outcome {
        let started = Date()
        let store = try UserError.wrapping { try ResultStore(path: database, access: .existing) }
        let run = try UserError.wrapping { try store.run(runID) }
        guard [.eval, .attack, .retrain].contains(run.kind) else {
            throw UserError("run \(runID) is a \(run.kind.rawValue) run; only eval, attack and retrain runs have adversarial examples to audit")
        }
        if run.status == .running && !store.isAbandoned(run) {
            throw UserError("run \(runID) is still running; audit it when it has finished (its own audit runs as each recipe ends)")
        }
        let stored = try UserError.wrapping { try store.recipes(ofRun: runID) }
            .filter { $0 != RunRecording.cleanRecipe && $0 != RunRecording.endpointRecipe }
        if let recipes {
            for name in recipes where !stored.contains(name) {
                throw UserError("run \(runID) has no recipe '\(name)'\(DidYouMean.hint(for: name, in: stored)); its recipes: \(stored.joined(separator: ", "))")
            }
        }
        let names = recipes.map { wanted in stored.filter { wanted.contains($0) } } ?? stored
        let dataset = try datasetForLabelWords(run: run, reporter: reporter)
        let prepared = try RunAudit.prepare(audit, dataset: dataset, encoderPath: encoderPath)
        var summaries: [AttackSummary] = []
        var notAuditable: [String] = []
        var invalid: [String: [Invalid]] = [:]
        for name in names {
            let examples = try UserError.wrapping { try store.examples(run: runID, recipe: name) }
            reporter.progress("\(name): auditing \(examples.filter { $0.status == .success }.count) successful attack(s)")
            let validity = try prepared.audit(examples, recipe: name, store: store, runID: runID,
                                              workers: workers ?? Parallel.workers)
            reporter.endProgress()
            guard let validity else {
                notAuditable.append(name)
                continue
            }
            var summary = AttackSummary(recipe: name, examples: examples)
            summary.validity = validity
            summaries.append(summary)
            let verdicts = validity.verdicts
            let byIndex = Dictionary(examples.map { ($0.exampleIndex, $0) }, uniquingKeysWith: { first, _ in first })
            for (index, failed) in verdicts.failedChecks.sorted(by: { $0.key < $1.key }) {
                guard let example = byIndex[index], example.status == .success else { continue }
                for check in failed {
                    invalid[check.checkName, default: []].append(Invalid(recipe: name, example: example, failed: failed))
                }
            }
        }
        let byReason = invalid.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.map { (check: $0.key, examples: $0.value) }
        return Outcome(run: run, audit: audit, summaries: summaries, notAuditable: notAuditable, byReason: byReason,
                       labelWords: audit.needs.contains(.labelWords) ? dataset.map { $0.train.isEmpty ? "\($0.name) (all splits)" : "\($0.name) train" } : nil,
                       seconds: Date().timeIntervalSince(started))
    }

    /// The dataset the label words and known words come from: `data`, else the one the run's configuration
    /// names. Nil (with a warning when the audit needs it) when it cannot be found; a dataset whose content
    /// differs from the run's is used with a warning.
    func datasetForLabelWords(run: RunRecord, reporter: Reporter) throws -> DatasetSplits? {
        let needs = audit.needs
        guard needs.contains(.labelWords) || needs.contains(.knownWords) else { return nil }
        let config = try? JSONDecoder().decode(AttackRunConfig.self, from: Data(run.configJSON.utf8))
        guard let name = data ?? config?.data else {
            if needs.contains(.labelWords) {
                throw UserError("run \(runID) does not say which data it used; give --data NAME for the label words")
            }
            return nil
        }
        do {
            let dataset = try DatasetSplits.resolve(name)
            if data == nil && !run.dataHash.isEmpty && dataset.manifest.contentSHA256 != run.dataHash {
                reporter.warn("warning: dataset '\(name)' has changed since run \(runID) (its content hash differs); label words come from it as it is now")
            }
            return dataset
        } catch {
            if needs.contains(.labelWords) {
                throw UserError("the label words come from the run's training data, but dataset '\(name)' cannot be loaded (\(error)); give --data NAME, or use an audit without label-words")
            }
            reporter.warn("warning: dataset '\(name)' cannot be loaded (\(error)); the non-word check knows WordNet and the vocabulary only")
            return nil
        }
    }
}
