// MergeWorkflow: `robust merge SHARD.db… --into RUN.db` — the shard databases of a sharded eval or attack run
// (`--shard K/N`) joined into one run: every shard checked to be of the same run (model, data, recipes, seed,
// options, robust version and commit), its rows copied in one transaction each (merging a shard again changes
// nothing; a different copy of a merged shard is refused), and the merged run's metrics, intervals and curves
// recomputed from the merged rows by the same functions a one-process run uses, so they are the same numbers.
// Shards missing or unfinished are refused, or with `partial` left for a later merge (the run is then
// recorded as partial, naming them).
import Analysis
import Basics
import Datasets
import Foundation
import Results

public struct MergeWorkflow {
    /// Shard databases, each `PATH` or `PATH:RUN` (when the file holds several sharded runs).
    public var shards: [String]
    public var into: String
    /// Merge what there is when shards are missing or unfinished (the run stays partial until they come).
    public var partial = false

    public init(shards: [String], into: String) {
        self.shards = shards
        self.into = into
    }

    public struct Outcome: Sendable {
        public var runID: Int64
        public var count: Int
        /// Shards merged by this call, and merged earlier (skipped: nothing changed).
        public var merged: [Int]
        public var alreadyMerged: [Int]
        public var missing: [Int]
        /// Examples per recipe in the merged run.
        public var examples: [String: Int]
        public var seconds: Double
        public var notes: [String]

        public var complete: Bool { missing.isEmpty }

        public var line: String {
            let recipes = examples.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            var parts = ["run \(runID): \(count - missing.count) of \(count) shards"]
            if !merged.isEmpty { parts.append("merged now \(ShardList.text(merged))") }
            if !alreadyMerged.isEmpty { parts.append("merged earlier \(ShardList.text(alreadyMerged))") }
            if !missing.isEmpty { parts.append("missing \(ShardList.text(missing)) (partial)") }
            return parts.joined(separator: "; ") + (recipes.isEmpty ? "" : "; examples: \(recipes)")
                + String(format: "; %.2f s", seconds)
        }
    }

    /// One shard run found in a shard database.
    struct Source {
        var path: String
        /// The shard database, open read-only.
        var store: ResultStore
        var run: RunRecord
        /// The recipes whose rows the run holds (an augment run's text recipes have none).
        var recipes: [String]
        /// The shard's configuration without its shard: the merged run's, as one process would have stored it.
        var mergedConfigJSON: String
        var shard: ShardRecord
        var finished: Bool { run.status == .finished }
        var name: String { "\(path) run \(run.runID)" }
    }

    public func run(reporter: Reporter) throws -> Outcome {
        let started = Date()
        guard !shards.isEmpty else { throw UserError("give the shard databases to merge") }
        var notes: [String] = []
        var sources: [Source] = []
        var seen = Set<String>()
        for argument in shards {
            let source = try Self.source(argument)
            // The same file and run named twice (overlapping globs) is one shard.
            guard seen.insert("\(URL(fileURLWithPath: source.path).standardizedFileURL.path)#\(source.run.runID)").inserted else { continue }
            sources.append(source)
        }
        let reference = sources.first(where: \.finished) ?? sources[0]
        for source in sources where source.run.runID != reference.run.runID || source.path != reference.path {
            if let difference = Self.difference(source, from: reference) {
                throw UserError("\(source.name) is not a shard of the same run as \(reference.name): \(difference)")
            }
        }
        let count = reference.shard.count
        var byIndex: [Int: Source] = [:]
        for source in sources {
            if let other = byIndex[source.shard.index] {
                throw UserError("shard \(source.shard.index)/\(count) is given twice: \(other.name) and \(source.name); give one")
            }
            byIndex[source.shard.index] = source
        }
        let unfinished = sources.filter { !$0.finished }
        for source in unfinished {
            notes.append("shard \(source.shard.index)/\(count) (\(source.name)) is \(source.run.status.rawValue), not finished: resume it with --resume \(source.run.runID) --db \(source.path), then merge again")
        }

        let store = try RunRecording.openForWriting(into)
        // The merged run as one process would have recorded it (its status and numbers are set at the end).
        var template = reference.run
        (template.id, template.parentRunID, template.label, template.failure) = (nil, nil, nil, nil)
        template.configJSON = reference.mergedConfigJSON
        template.commandLine = Provenance.commandLine()
        template.status = .interrupted
        var existing = try UserError.wrapping { try store.mergedRun(like: template).map { try store.run($0) } }
        var earlier: [MergedShardRecord] = []
        if let run = existing { earlier = try UserError.wrapping { try store.mergedShards(run: run.runID) } }
        let earlierByIndex = Dictionary(earlier.map { ($0.shardIndex, $0) }, uniquingKeysWith: { a, _ in a })
        if let run = existing, let other = earlier.first, other.shardCount != count {
            throw UserError("run \(run.runID) of \(into) merges \(other.shardCount) shards, not \(count)")
        }

        // Read and check every finished shard before writing anything.
        var contributions: [(index: Int, contribution: ShardContribution)] = []
        var alreadyMerged: [Int] = []
        for source in sources where source.finished {
            let contribution = try Self.contribution(of: source)
            if let done = earlierByIndex[source.shard.index] {
                guard done.digest == contribution.shard.digest else {
                    throw UserError("shard \(source.shard.index)/\(count) was merged into run \(existing?.runID ?? 0) of \(into) earlier (from \(done.sourcePath) run \(done.sourceRunID)), and \(source.name) holds different results; it is not merged again")
                }
                alreadyMerged.append(source.shard.index)
                continue
            }
            contributions.append((source.shard.index, contribution))
        }
        alreadyMerged += earlier.map(\.shardIndex).filter { index in !alreadyMerged.contains(index) }
        let present = Set(contributions.map(\.index)).union(alreadyMerged)
        let missing = (1...count).filter { !present.contains($0) }
        if !missing.isEmpty && !partial {
            let unfinishedIndices = Set(unfinished.map(\.shard.index))
            let absent = missing.filter { !unfinishedIndices.contains($0) }
            var why: [String] = []
            if !absent.isEmpty { why.append("\(ShardList.text(absent)) not given") }
            if !unfinishedIndices.isEmpty { why.append("\(ShardList.text(unfinishedIndices.sorted())) not finished") }
            throw UserError("shards \(ShardList.text(missing)) of \(count) are missing (\(why.joined(separator: "; "))); nothing merged — give every shard, or --partial to merge these now and the rest later")
        }

        guard existing != nil || !contributions.isEmpty else {
            throw UserError("no finished shard to merge; nothing merged")
        }
        for (index, contribution) in contributions {
            reporter.progress("merging shard \(index)/\(count) (\(contribution.examples.count) rows)")
            let id = try UserError.wrapping { try store.mergeShard(contribution, into: existing?.runID, template: template) }
            if existing == nil { existing = try UserError.wrapping { try store.run(id) } }
        }
        guard let mergedRun = existing else { throw UserError("the merged run could not be recorded") }
        reporter.endProgress()
        let examples = try derive(store, run: mergedRun, reference: reference, missing: missing)
        if !missing.isEmpty { notes.append("run \(mergedRun.runID) is partial until shards \(ShardList.text(missing)) are merged") }
        for note in notes { reporter.warn("note: \(note)") }
        return Outcome(runID: mergedRun.runID, count: count, merged: contributions.map(\.index).sorted(),
                       alreadyMerged: alreadyMerged.sorted(), missing: missing, examples: examples,
                       seconds: Date().timeIntervalSince(started), notes: notes)
    }

    // MARK: - Reading shards

    /// `PATH` or `PATH:RUN` (when no file is named the whole argument).
    static func location(_ argument: String) -> (path: String, run: Int64?) {
        guard !FileManager.default.fileExists(atPath: argument), let colon = argument.lastIndex(of: ":"),
              let id = Int64(argument[argument.index(after: colon)...]) else { return (argument, nil) }
        return (String(argument[..<colon]), id)
    }

    /// The shard run named by `PATH` or `PATH:RUN`: the file's only sharded run, else its only finished one.
    static func source(_ argument: String) throws -> Source {
        let (path, wanted) = location(argument)
        guard FileManager.default.fileExists(atPath: path) else { throw UserError("\(path): no such shard database") }
        let store: ResultStore
        do {
            store = try ResultStore(path: path, access: .readOnly)
        } catch ResultStoreError.needsUpgrade {
            throw UserError("\(path) holds no sharded run (it was written by a robust older than sharding)")
        } catch {
            throw UserError(String(describing: error))
        }
        let runs = try UserError.wrapping { try store.runs() }
        var candidates: [Source] = []
        for run in runs {
            let json = Data(run.configJSON.utf8)
            switch run.kind {
            case .eval, .attack:
                guard var config = try? JSONDecoder().decode(AttackRunConfig.self, from: json), let shard = config.shard else { continue }
                config.shard = nil
                candidates.append(Source(path: path, store: store, run: run, recipes: config.recipes ?? [],
                                         mergedConfigJSON: try JSONCoding.string(config), shard: shard))
            case .augment:
                guard var config = try? JSONDecoder().decode(AugmentationConfig.self, from: json), let shard = config.shard else { continue }
                config.shard = nil
                candidates.append(Source(path: path, store: store, run: run, recipes: config.recipes,
                                         mergedConfigJSON: try JSONCoding.string(config), shard: shard))
            case .train:
                // A2T harvest shards (`robust train --a2t-harvest`): their rows are stored under "a2t-epochE:recipe".
                guard var config = try? JSONDecoder().decode(A2THarvestConfig.self, from: json), let shard = config.shard else { continue }
                config.shard = nil
                candidates.append(Source(path: path, store: store, run: run, recipes: config.recipes.map { A2TAttacker.storedName(epoch: config.epoch - 1, recipe: $0) },
                                         mergedConfigJSON: try JSONCoding.string(config), shard: shard))
            default:
                continue
            }
        }
        if let wanted {
            guard let chosen = candidates.first(where: { $0.run.runID == wanted }) else {
                throw UserError("\(path) has no sharded run \(wanted)")
            }
            return chosen
        }
        guard !candidates.isEmpty else {
            throw UserError("\(path) holds no sharded run (one made with --shard K/N: eval, attack, augment or an A2T harvest)")
        }
        if candidates.count == 1 { return candidates[0] }
        let finished = candidates.filter(\.finished)
        if finished.count == 1 { return finished[0] }
        throw UserError("\(path) holds \(candidates.count) sharded runs (\(candidates.map { "\($0.run.runID)" }.joined(separator: ", "))); name one as \(path):RUN")
    }

    /// Why `source` is not a shard of `reference`'s run, or nil.
    static func difference(_ source: Source, from reference: Source) -> String? {
        let (a, b) = (source.run, reference.run)
        if a.kind != b.kind { return "it is an \(a.kind.rawValue) run, not \(b.kind.rawValue)" }
        if a.modelHash != b.modelHash { return "its model differs (\(a.modelHash.prefix(12)) against \(b.modelHash.prefix(12)))" }
        if a.dataHash != b.dataHash { return "its data differ" }
        if a.recipeHash != b.recipeHash { return "its recipes differ (\(source.recipes.joined(separator: ",")) against \(reference.recipes.joined(separator: ",")), or the recipe files changed)" }
        if a.seed != b.seed { return "its seed differs (\(UInt64(bitPattern: a.seed)) against \(UInt64(bitPattern: b.seed)))" }
        if a.robustVersion != b.robustVersion { return "it was made by robust \(a.robustVersion), not \(b.robustVersion)" }
        if let x = a.gitCommit, let y = b.gitCommit, x != y { return "it was made by robust built from commit \(x.prefix(12)), not \(y.prefix(12))" }
        if source.shard.count != reference.shard.count { return "it is one of \(source.shard.count) shards, not \(reference.shard.count)" }
        if source.shard.selected != reference.shard.selected || source.shard.labels != reference.shard.labels {
            return "its selection or the model's labels differ"
        }
        if source.mergedConfigJSON != reference.mergedConfigJSON {
            return "its options differ (\(source.mergedConfigJSON) against \(reference.mergedConfigJSON))"
        }
        return nil
    }

    /// Everything a finished shard contributes, with the digest of its rows.
    static func contribution(of source: Source) throws -> ShardContribution {
        let store = source.store
        let id = source.run.runID
        return try UserError.wrapping {
            let examples = try store.examples(run: id)
            let checks = try store.auditChecks(run: id)
            for example in examples where example.exampleIndex >= source.shard.selected || ShardSpec.shard(ofExample: example.exampleIndex, count: source.shard.count) != source.shard.index {
                throw UserError("\(source.name) holds example \(example.exampleIndex) of recipe '\(example.recipe)', which is not one of shard \(source.shard.index)/\(source.shard.count)'s; it is damaged or not a shard")
            }
            var hasher = SHA256()
            for e in examples {
                for field in [e.recipe, String(e.exampleIndex), e.text, e.gold, e.cleanPrediction, e.adversarialText ?? "\u{1}",
                              e.adversarialPrediction ?? "\u{1}", e.status.rawValue, String(e.queries), String(e.wordsChanged),
                              String(e.wordsTotal), e.similarity.map { "\($0)" } ?? "\u{1}", e.detailJSON ?? "\u{1}"] {
                    hasher.update(field)
                    hasher.update("\u{0}")
                }
            }
            for c in checks {
                for field in [c.recipe, String(c.exampleIndex), c.audit, c.checkName, "\(c.value)", c.passed ? "1" : "0", c.detail ?? "\u{1}"] {
                    hasher.update(field)
                    hasher.update("\u{0}")
                }
            }
            let row = MergedShardRecord(runID: 0, shardIndex: source.shard.index, shardCount: source.shard.count,
                                        sourcePath: source.path, sourceRunID: id, digest: hasher.finalizeHex(),
                                        examples: Set(examples.map(\.exampleIndex)).count)
            var child = source.run
            child.label = "shard \(source.shard.index)/\(source.shard.count)"
            return ShardContribution(run: child, metrics: try store.metrics(run: id), examples: examples,
                                     audits: try store.audits(run: id), checks: checks,
                                     humanLabels: try store.humanLabels(run: id), shard: row)
        }
    }

    // MARK: - Deriving the merged numbers

    /// Recomputes the merged run's metrics and curves from its rows, as a one-process run computes them, and
    /// sets its status (finished, or interrupted with the missing shards named) and times. Returns the examples
    /// per recipe.
    func derive(_ store: ResultStore, run: RunRecord, reference: Source, missing: [Int]) throws -> [String: Int] {
        let id = run.runID
        return try UserError.wrapping {
            let byRecipe = Dictionary(grouping: try store.examples(run: id), by: \.recipe)
            let children = try store.mergedShards(run: id).compactMap(\.childRunID).map { try store.run($0) }
            let childMetrics = try store.metrics(runs: children.map(\.runID)).values.flatMap { $0 }
            var metrics: [MetricRecord] = []
            var curves: [CurvePointRecord] = []
            var status: RunStatus = missing.isEmpty ? .finished : .interrupted
            var failure = missing.isEmpty ? nil : ShardList.partialFailure(missing: missing, of: reference.shard.count)
            switch reference.run.kind {
            case .train, .augment:
                // A harvest (A2T's, or augment's attack recipes): each recipe's summary, as those runs record it. A
                // complete A2T harvest is finished, so the paused training takes it on resume; an augment run stays
                // open until resuming it writes the dataset (and its counts).
                for recipe in reference.recipes where byRecipe[recipe] != nil {
                    metrics += RecipeSummary.metrics(of: byRecipe[recipe] ?? [], run: id, recipe: recipe)
                }
                if reference.run.kind == .augment && missing.isEmpty {
                    status = .interrupted
                    failure = "harvest merged from \(reference.shard.count) shards; write the dataset with robust augment … --db \(into) --resume \(id) --out DIR"
                }
            default:
                if let clean = byRecipe[RunRecording.cleanRecipe] {
                    metrics += RunRecording.cleanMetrics(of: clean, labels: reference.shard.labels, run: id)
                    metrics += PrecisionAgreement.combined(childMetrics, examples: clean.count, run: id)
                }
                let audits = try store.audits(run: id)
                let checks = Dictionary(grouping: try store.auditChecks(run: id)) { "\($0.audit)\u{0}\($0.recipe)" }
                for recipe in reference.recipes {
                    guard let examples = byRecipe[recipe], !examples.isEmpty else { continue }
                    metrics += AttackSuite.recipeMetrics(examples, summary: AttackSummary(recipe: recipe, examples: examples),
                                                         recipe: recipe, runID: id)
                    if !RunAudit.pairs(examples).isEmpty {
                        for audit in audits {
                            let verdicts = AuditVerdicts(audit: audit.audit, checks: checks["\(audit.audit)\u{0}\(recipe)"] ?? [])
                            metrics += RunAudit.validityMetrics(examples, verdicts: verdicts, recipe: recipe, runID: id)
                            // The audit's time: its shards' together.
                            let name = MetricName.audited("audit_seconds", audit: audit.audit)
                            let seconds = childMetrics.filter { $0.recipe == recipe && $0.name == name }.map(\.value)
                            if !seconds.isEmpty { metrics.append(MetricRecord(runID: id, recipe: recipe, name: name, value: seconds.reduce(0, +))) }
                        }
                    }
                    curves += AttackRecording.curvePoints(of: examples, runID: id, recipe: recipe)
                }
            }
            // A later metric of a name replaces an earlier one, as the one-process run's later writes do.
            try store.replaceDerived(run: id, metrics: metrics, curves: curves, status: status,
                                     startedAt: children.map(\.startedAt).min() ?? run.startedAt,
                                     finishedAt: status == .finished ? children.compactMap(\.finishedAt).max() : nil, failure: failure)
            return byRecipe.mapValues(\.count)
        }
    }
}

/// Shard numbers as people read them: "2, 4" or "1–3, 5".
public enum ShardList {
    public static func text(_ indices: [Int]) -> String {
        let sorted = Array(Set(indices)).sorted()
        var parts: [String] = []
        var start = 0
        while start < sorted.count {
            var end = start
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end - start >= 2 ? "\(sorted[start])–\(sorted[end])" : (start...end).map { String(sorted[$0]) }.joined(separator: ", "))
            start = end + 1
        }
        return parts.joined(separator: ", ")
    }

    /// The failure line of a partially merged run.
    static func partialFailure(missing: [Int], of count: Int) -> String {
        "partial merge: shards \(text(missing)) of \(count) not merged yet"
    }
}
