// AttackSetup: what every attack of a workflow shares — the classifier (checkpoint or service), the sentence encoder and
// WordNet, loaded once as the recipes need them — and the loop that attacks examples on several cores
// while committing each finished example to the results store. Also the settings every attacking
// workflow takes (`AttackSettings`), and recipe loading with one-line errors.
import Attacks
import Basics
import Foundation
import Results
import Tensors
import Tokenizer
import Transformer
import WordNet

/// How attacks run: cores, the seed of their random choices, and the sentence encoder's folder.
public struct AttackSettings: Sendable, Equatable {
    /// Examples attacked at once, one core each (nil: all cores). Results do not depend on it.
    public var workers: Int?
    /// Example i draws from a generator seeded by mixing this with i.
    public var seed: UInt64
    /// The sentence encoder for similarity (MiniLM).
    public var encoderPath: String
    /// `--precision`: the precision every recipe's search runs in, over what a recipe asks (nil: each recipe's
    /// own `precision:`, fp32 without one). Clean predictions and successes are fp32 whatever it is.
    public var precision: Precision?

    public init(workers: Int? = nil, seed: UInt64 = 42, encoderPath: String, precision: Precision? = nil) {
        self.workers = workers
        self.seed = seed
        self.encoderPath = encoderPath
        self.precision = precision
    }

    public var workerCount: Int { workers ?? Parallel.workers }

    /// The precision `recipe`'s search runs in against `classifier`, with a note when that is not what the
    /// recipe asked for (`--precision` wins; a served model computes in its own precision, so robust asks it in fp32).
    public func precision(for recipe: Recipe, classifier: Classifier) -> (precision: Precision, note: String?) {
        AttackSettings.precision(for: recipe, forced: precision, checkpoint: classifier.checkpoint != nil)
    }

    static func precision(for recipe: Recipe, forced: Precision?, checkpoint: Bool) -> (precision: Precision, note: String?) {
        let asked = forced ?? recipe.precision ?? .fp32
        if !checkpoint {
            return (.fp32, asked.isReduced ? "recipe '\(recipe.name)': a served model computes in its own precision; \(asked.rawValue) applies to a checkpoint" : nil)
        }
        if let forced, let wanted = recipe.precision, wanted != forced {
            return (forced, "recipe '\(recipe.name)' asks for \(wanted.rawValue); --precision \(forced.rawValue) ran it in \(forced.rawValue)")
        }
        return (asked, nil)
    }

    /// What a run records of its precisions: the forced one, each recipe's where it is not fp32, and the overrides
    /// (all nil for an fp32 run, whose stored configuration is then as before).
    func precisionRecord(_ recipes: [Recipe], classifier: Classifier)
        -> (forced: String?, recipes: [String: String]?, notes: [String]?) {
        var byRecipe: [String: String] = [:]
        var notes: [String] = []
        for recipe in recipes {
            let (effective, note) = precision(for: recipe, classifier: classifier)
            if effective.isReduced { byRecipe[recipe.name] = effective.rawValue }
            if let note { notes.append(note) }
        }
        return (precision?.rawValue, byRecipe.isEmpty ? nil : byRecipe, notes.isEmpty ? nil : notes)
    }
}

/// Loads recipes by name or path, with one-line errors.
public enum RecipeLoading {
    /// The named recipes, or the default suite when `references` is nil or empty.
    public static func load(_ references: [String]?) throws -> [Recipe] {
        let library = RecipeLibrary()
        return try UserError.wrapping {
            if let references, !references.isEmpty { return try library.load(references) }
            return try library.defaultSuite()
        }
    }

    /// "a,b, c" → ["a", "b", "c"].
    public static func split(_ list: String?) -> [String]? {
        guard let list else { return nil }
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

public struct AttackSetup {
    public let classifier: Classifier
    public let maxLength: Int
    let encoder: (model: EncoderModel, tokenizer: TextTokenizer)?
    let wordnet: WordNetDatabase?

    /// Loads what `recipes` need. The encoder is loaded whenever it can be (the results store records
    /// similarity for every recipe); it is an error only when a recipe's constraint needs it.
    /// `similarityOnlyIfNeeded` skips it unless a recipe needs it (A2T: training examples, where the
    /// recorded similarity is not worth its forward passes).
    public static func prepare(model: ModelHandle, recipes: [Recipe], encoderPath: String, maxLength: Int,
                               reporter: Reporter, similarityOnlyIfNeeded: Bool = false) throws -> AttackSetup {
        try prepare(classifier: .checkpoint(model), recipes: recipes, encoderPath: encoderPath, maxLength: maxLength,
                    reporter: reporter, similarityOnlyIfNeeded: similarityOnlyIfNeeded)
    }

    public static func prepare(classifier: Classifier, recipes: [Recipe], encoderPath: String, maxLength: Int,
                               reporter: Reporter, similarityOnlyIfNeeded: Bool = false) throws -> AttackSetup {
        var encoder: (EncoderModel, TextTokenizer)?
        do {
            if !similarityOnlyIfNeeded || recipes.contains(where: { $0.procedure.needsSentenceEncoder }) {
                if let missing = ResourceLocations.baseModelMissing(at: encoderPath) { throw UserError(missing) }
                encoder = try MiniLMEncoder.loadModel(directory: URL(fileURLWithPath: encoderPath))
            }
        } catch {
            if let needing = recipes.first(where: { $0.procedure.needsSentenceEncoder }) {
                throw UserError("recipe '\(needing.name)' needs the sentence encoder, which failed to load: \(error) (or pass --encoder DIR)")
            }
            reporter.warn("warning: no sentence encoder (\(error)); similarity is not recorded")
        }
        let wordnet = recipes.contains(where: { $0.procedure.needsWordNet }) ? try Lexicon.sharedWordNet() : nil
        return AttackSetup(classifier: classifier, maxLength: classifier.maxLength(maxLength),
                           encoder: encoder, wordnet: wordnet)
    }

    /// A worker's own victim and encoder (each owns its scratch space); the victim searches in `precision`
    /// (the checkpoint prepared for it by `prepare(_:)`).
    public func worker(precision: Precision = .fp32) -> AttackWorker {
        AttackWorker(victim: classifier.victim(maxLength: maxLength, precision: precision),
                     encoder: encoder.map { MiniLMEncoder(model: $0.model, tokenizer: $0.tokenizer) })
    }

    /// Packs the checkpoint's weights for `precision` (a one-line error when this machine cannot run it).
    public func prepare(_ precision: Precision) throws {
        guard precision.isReduced, let model = classifier.checkpoint else { return }
        try UserError.wrapping { try model.model.prepare(precision: precision) }
    }

    /// A WordNet lookup cache for one worker.
    public func lexicon() -> Lexicon { Lexicon(wordnet: wordnet) }

    func runner(_ recipe: Recipe, workers: Int, seed: UInt64, precision: Precision) -> AttackRunner {
        AttackRunner(recipe: recipe, workers: workers, seed: seed, wordnet: wordnet) { _ in self.worker(precision: precision) }
    }

    /// Attacks `inputs` with `recipe` on `workers` cores, committing each example to run `runID` under
    /// `storedName` the moment it finishes, and keeping a progress line: `status(result, finished)`
    /// gives its text after each example, before the timing and ETA. Stops early when an interruption
    /// is requested (the caller says what that means). Returns the examples finished and the wall time.
    func attackAndRecord(_ recipe: Recipe, as storedName: String, inputs: [AttackInput], workers: Int, seed: UInt64,
                         precision: Precision = .fp32, store: ResultStore, runID: Int64, reporter: Reporter,
                         status: (ExampleResult, _ finished: Int) -> String) throws -> (finished: Int, seconds: Double) {
        let started = Date()
        var finished = 0
        defer { reporter.endProgress() }
        try UserError.wrapping {
            try prepare(precision)
            try runner(recipe, workers: workers, seed: seed, precision: precision).run(inputs, shouldStop: { Interruption.wasRequested }) { result in
                try store.recordExample(result.record(runID: runID, recipe: storedName))
                finished += 1
                let perExample = Date().timeIntervalSince(started) / Double(finished)
                reporter.progress(status(result, finished) + String(format: " · %.2f s/example · ETA ", perExample)
                                  + formatDuration(perExample * Double(inputs.count - finished)))
            }
        }
        return (finished, Date().timeIntervalSince(started))
    }
}

extension Lexicon {
    /// The process's WordNet 3.0, from the first folder `ResourceLocations.wordNet` finds
    /// ($ROBUST_WORDNET_DIR, the per-user cache, /usr/share/wordnet); a one-line error naming them when none has it.
    static func sharedWordNet() throws -> WordNetDatabase {
        try UserError.wrapping {
            try WordNetDatabase.shared(directory: URL(fileURLWithPath: ResourceLocations.wordNet().require()))
        }
    }
}
