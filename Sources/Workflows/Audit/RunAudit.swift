// RunAudit: the validity audit of a run's successful adversarial examples — loading what an audit recipe
// needs (MiniLM, WordNet, the label words of the run's training data, the known words), auditing a
// recipe's stored examples, and recording the check values, the valid metrics and the audit's row.
// `eval`, `attack --data` and `retrain` audit each recipe as it finishes; `robust audit RUN` re-audits
// a stored run with another audit recipe, without attacking again.
import Analysis
import Attacks
import Audit
import Basics
import Datasets
import Foundation
import Results
import Tokenizer
import Transformer
import WordNet

/// An audit recipe with what its checks need, ready to audit recipes of a run.
public struct RunAudit {
    public let recipe: AuditRecipe
    let auditor: Auditor
    /// Checks left out because what they need is not available (only with `skippingUnavailable`), with why.
    public private(set) var skipped: [String] = []
    /// What the audit was computed with (stored in its row).
    let configJSON: String

    /// Loads what `recipe` needs. `dataset` supplies the label words (its training split, else all its
    /// examples) and known words; `encoderPath` the MiniLM folder.
    /// With `skippingUnavailable`, a check whose encoder, WordNet or training data is missing is left out (and
    /// named in `skipped`) instead of failing the audit: for one text attacked without a dataset.
    public static func prepare(_ recipe: AuditRecipe, dataset: DatasetSplits?, encoderPath: String,
                               skippingUnavailable: Bool = false) throws -> RunAudit {
        guard skippingUnavailable else { return try prepareAll(recipe, dataset: dataset, encoderPath: encoderPath) }
        var recipe = recipe
        var skipped: [String] = []
        func leaveOut(_ needs: AuditNeeds, because reason: String) {
            for check in recipe.checks where !check.needs.isDisjoint(with: needs) { skipped.append("\(check.name) (\(reason))") }
            recipe = recipe.keeping { $0.needs.isDisjoint(with: needs) }
        }
        let hasTrainingData = dataset.map { !($0.train + $0.dev + $0.test).isEmpty } ?? false
        if !hasTrainingData { leaveOut(.labelWords, because: "no training data") }
        if ResourceLocations.baseModelMissing(at: encoderPath) != nil { leaveOut(.encoder, because: "no sentence encoder") }
        if recipe.needs.contains(.wordNet), (try? Lexicon.sharedWordNet()) == nil { leaveOut(.wordNet, because: "no WordNet") }
        var prepared = try prepareAll(recipe, dataset: dataset, encoderPath: encoderPath)
        prepared.skipped = skipped
        return prepared
    }

    static func prepareAll(_ recipe: AuditRecipe, dataset: DatasetSplits?, encoderPath: String) throws -> RunAudit {
        let needs = recipe.needs
        var resources = AuditResources()
        var config: [String: Any] = ["audit": recipe.name, "path": recipe.path, "checks": recipe.settings]
        var encoderTokenizerVocabulary: (EncoderModel, TextTokenizer)?
        if needs.contains(.encoder) || needs.contains(.knownWords) {
            do {
                if let missing = ResourceLocations.baseModelMissing(at: encoderPath) { throw UserError(missing) }
                encoderTokenizerVocabulary = try MiniLMEncoder.loadModel(directory: URL(fileURLWithPath: encoderPath))
            } catch {
                if needs.contains(.encoder) {
                    throw UserError("audit '\(recipe.name)' needs the sentence encoder, which failed to load: \(error) (or pass --encoder DIR)")
                }
            }
        }
        if needs.contains(.encoder), let (model, tokenizer) = encoderTokenizerVocabulary {
            resources.encoder = { MiniLMEncoder(model: model, tokenizer: tokenizer) }
            config["encoder"] = encoderPath
        }
        if needs.contains(.wordNet) { resources.wordnet = try Lexicon.sharedWordNet() }
        let examples: [Example] = dataset.map { $0.train.isEmpty ? $0.train + $0.dev + $0.test : $0.train } ?? []
        if needs.contains(.labelWords) {
            guard let dataset, !examples.isEmpty else {
                throw UserError("audit '\(recipe.name)' has a label-words check, which needs the data the model was trained on; the run's dataset is not available (give --data NAME, or use an audit without label-words)")
            }
            let source = dataset.train.isEmpty ? "\(dataset.name) (all splits)" : "\(dataset.name) train"
            resources.labelWords = LabelWordTable(examples: examples.map { ($0.text, $0.label) }, source: source)
            config["label_words"] = ["source": source, "texts": examples.count]
        }
        if needs.contains(.knownWords) {
            var known = KnownWords()
            if let (_, tokenizer) = encoderTokenizerVocabulary { known.add(vocabularyOf: tokenizer) }
            known.add(texts: examples.map(\.text))
            resources.knownWords = known
            config["known_words"] = known.words.count
        }
        let auditor = try UserError.wrapping { try Auditor(recipe: recipe, resources: resources) }
        let data = (try? JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])) ?? Data("{}".utf8)
        return RunAudit(recipe: recipe, auditor: auditor, configJSON: String(decoding: data, as: UTF8.self))
    }

    /// Loads the audit recipe `reference` (a name or a file), with a one-line error.
    public static func load(_ reference: String?) throws -> AuditRecipe {
        try UserError.wrapping { try AuditLibrary().load(reference ?? AuditLibrary.defaultName) }
    }

    /// The checks' results on one pair (one text attacked by `robust attack --text`); nothing is recorded.
    public func judge(_ pair: AuditedPair) throws -> [CheckResult] {
        guard !recipe.checks.isEmpty else { return [] }
        return try UserError.wrapping { try auditor.audit([pair], workers: 1).first ?? [] }
    }

    /// The pairs of `examples` to audit: successful attacks with an adversarial text that differs.
    public static func pairs(_ examples: [ExampleRecord]) -> [AuditedPair] {
        examples.compactMap { example in
            guard example.status == .success, let adversarial = example.adversarialText else { return nil }
            return AuditedPair(index: example.exampleIndex, original: example.text, adversarial: adversarial, gold: example.gold)
        }
    }

    /// Audits `examples` (one recipe's, as stored) and records the check values (replacing this audit's
    /// earlier ones for the recipe), the audit's row and the valid metrics (rates and budget metrics). Nil when the recipe has no
    /// successful attack with a text (embedding-space attacks change vectors, not words).
    public func audit(_ examples: [ExampleRecord], recipe name: String, store: ResultStore, runID: Int64,
                      workers: Int) throws -> AttackSummary.Validity? {
        let started = Date()
        let pairs = Self.pairs(examples)
        guard !pairs.isEmpty else { return nil }
        let results = try UserError.wrapping { try auditor.audit(pairs, workers: workers) }
        var checks: [AuditCheckRecord] = []
        for (pair, found) in zip(pairs, results) {
            for result in found where result.value.isFinite {
                checks.append(AuditCheckRecord(runID: runID, recipe: name, exampleIndex: pair.index, audit: recipe.name,
                                               checkName: result.check, value: result.value, passed: result.passed,
                                               detail: result.detail))
            }
        }
        let verdicts = AuditVerdicts(audit: recipe.name, checks: checks)
        var metrics = Self.validityMetrics(examples, verdicts: verdicts, recipe: name, runID: runID)
        let seconds = Date().timeIntervalSince(started)
        metrics.append(MetricRecord(runID: runID, recipe: name, name: MetricName.audited("audit_seconds", audit: recipe.name),
                                    value: seconds))
        try UserError.wrapping {
            try store.recordAudit(AuditRecord(runID: runID, audit: recipe.name, recipeHash: recipe.hash, configJSON: configJSON),
                                  checks: checks, replacingRecipes: [name])
            try store.recordMetrics(metrics)
        }
        return AttackSummary.Validity(verdicts: verdicts, examples: examples, seconds: seconds)
    }

    /// The valid metrics of a recipe's stored examples under an audit's verdicts (rates and budget metrics).
    /// `robust merge` derives a merged run's with this too.
    static func validityMetrics(_ examples: [ExampleRecord], verdicts: AuditVerdicts, recipe: String, runID: Int64) -> [MetricRecord] {
        ValidityMetrics.metrics(of: examples, verdicts: verdicts, run: runID, recipe: recipe)
            + BudgetMetrics.metrics(of: examples, verdicts: verdicts, run: runID, recipe: recipe)
    }
}
