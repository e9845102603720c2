// AttackRunner: attacks a list of examples with one recipe, in parallel, and hands every finished
// example to a callback (the workflow layer commits it to the results store at once).
//
// Parallelism: `workers` threads take examples one at a time from a shared counter. Each worker has its
// own victim and encoder (made by `makeWorker`, so each owns its scratch space), and the engine's
// kernels run single-threaded inside a worker (`Parallel` never nests). With one worker, the engine is
// limited to one thread too (`Parallel.workers = 1` for the run), so every forward pass is computed the
// same way whatever the worker count.
//
// Determinism: each example gets its own generator, `SeededRandom.mix(seed, exampleIndex)`, and its own
// query cache, so its result does not depend on which worker ran it or what ran before: the same for 1
// or 2 workers (tested). Only the order in which results arrive differs.
//
// Per example, before the recipe runs (none of these ever throws):
//   - empty text (only whitespace)              → skipped ("empty text"), the clean prediction recorded;
//   - gold label not among the model's labels   → skipped, with the labels in the reason;
//   - clean prediction wrong                    → clean_wrong (1 query);
//   - text longer than the model's maximum      → attacked as the model sees it: words past the cut are
//     left alone (the model never sees them), and the record says `"truncated": true`;
//   - an error inside the attack                → skipped, with "attack error: …" as the reason.
import Basics
import Dispatch
import Foundation
import Tensors
import WordNet

/// What a worker needs: its own victim, and its own sentence encoder when one is available.
public struct AttackWorker {
    public let victim: any Victim
    public let encoder: (any SentenceEncoder)?
    public init(victim: any Victim, encoder: (any SentenceEncoder)?) {
        self.victim = victim
        self.encoder = encoder
    }
}

/// One finished example: its outcome, what it cost, and what the attack found.
public struct ExampleResult: Sendable, Equatable {
    public var input: AttackInput
    public var status: AttackStatus
    public var cleanPrediction: String
    public var adversarialText: String?
    public var adversarialPrediction: String?
    public var queries: Int
    public var cacheHits: Int
    public var wordsChanged: Int
    public var wordsTotal: Int
    /// Whole-text sentence similarity of the adversarial text to the original (when an encoder exists).
    public var similarity: Double?
    public var milliseconds: Double
    public var reason: String?
    public var truncated: Bool
    public var curves: [CurveObservation]
    public var details: [String: Double]
    /// With a reduced-precision victim: texts re-checked in fp32, and would-be successes fp32 turned down
    /// (nil with an exact victim).
    public var exactChecks: Int?
    public var exactRejections: Int?
}

public final class AttackRunner {
    public let recipe: Recipe
    public let workers: Int
    public let seed: UInt64
    public let wordnet: WordNetDatabase?
    private let makeWorker: (Int) throws -> AttackWorker

    /// - Parameters:
    ///   - workers: examples attacked at once (one thread each); at least 1.
    ///   - seed: the run's seed; example i uses `SeededRandom.mix(seed, i)`.
    ///   - makeWorker: makes worker k's victim and encoder (called once per worker, at the start of `run`).
    public init(recipe: Recipe, workers: Int, seed: UInt64, wordnet: WordNetDatabase?,
                makeWorker: @escaping (Int) throws -> AttackWorker) {
        self.recipe = recipe
        self.workers = max(1, workers)
        self.seed = seed
        self.wordnet = wordnet
        self.makeWorker = makeWorker
    }

    /// Attacks `inputs`; `onResult` is called once per finished example, one call at a time (under a
    /// lock), in completion order. Stops taking new examples once `shouldStop` returns true or
    /// `onResult` throws (that error is rethrown after the examples in flight finish).
    public func run(_ inputs: [AttackInput], shouldStop: @escaping () -> Bool = { false },
                    onResult: (ExampleResult) throws -> Void) throws {
        guard !inputs.isEmpty else { return }
        let count = min(workers, inputs.count)
        let saved = Parallel.workers
        Parallel.workers = count
        defer { Parallel.workers = saved }
        let kits = try (0..<count).map { try makeWorker($0) }
        try AttackRunner.check(recipe, kit: kits[0])
        let lock = NSLock()
        var next = 0
        var failure: Error?
        // More workers than cores only pays when they wait (a served model): then each gets a thread of its own.
        let loop: (Int, (Int, Int) -> Void) -> Void = count > ProcessInfo.processInfo.activeProcessorCount
            ? { Parallel.forEachOnThreads($0, threads: $0, $1) } : { Parallel.forEach($0, $1) }
        loop(count) { slot, _ in
            let kit = kits[slot]
            let lexicon = Lexicon(wordnet: wordnet)
            while true {
                lock.lock()
                let stop = failure != nil || shouldStop()
                let index = next
                next += 1
                lock.unlock()
                if stop || index >= inputs.count { return }
                let result: ExampleResult
                do {
                    result = try AttackRunner.attack(inputs[index], procedure: recipe.procedure, worker: kit,
                                                     lexicon: lexicon, seed: seed)
                } catch {
                    lock.lock()
                    if failure == nil { failure = error }
                    lock.unlock()
                    return
                }
                lock.lock()
                if failure == nil {
                    do { try onResult(result) } catch { failure = error }
                }
                lock.unlock()
            }
        }
        if let failure { throw failure }
    }

    /// Refuses a recipe this setup cannot run (checked once, before any example).
    public static func check(_ recipe: Recipe, kit: AttackWorker) throws {
        if recipe.procedure.needsSentenceEncoder && kit.encoder == nil {
            throw AttackError.unsupported("recipe '\(recipe.name)' uses sentence-similarity, which needs the sentence encoder (the MiniLM base model; see --encoder)")
        }
        if recipe.procedure.needsGradients && !(kit.victim is any GradientVictim) {
            throw AttackError.unsupported("recipe '\(recipe.name)' ranks words by gradient, which this victim cannot compute")
        }
    }

    /// Attacks one example. Problems become a skipped example with a reason, except a victim that cannot
    /// answer at all (`AttackError.unavailable`), which is thrown: nothing about the example is known.
    public static func attack(_ input: AttackInput, procedure: any AttackProcedure, worker: AttackWorker,
                              lexicon: Lexicon, seed: UInt64) throws -> ExampleResult {
        let started = DispatchTime.now().uptimeNanoseconds
        let victim = worker.victim
        let labels = victim.labels
        let original = AttackedText(input.text)
        let oracle = QueryOracle(victim: victim, budget: procedure.queryBudget)
        var result = ExampleResult(input: input, status: .skipped, cleanPrediction: "", adversarialText: nil,
                                   adversarialPrediction: nil, queries: 0, cacheHits: 0, wordsChanged: 0,
                                   wordsTotal: original.count, similarity: nil, milliseconds: 0, reason: nil,
                                   truncated: false, curves: [], details: [:], exactChecks: nil, exactRejections: nil)
        func finish() -> ExampleResult {
            result.queries = oracle.queries
            result.cacheHits = oracle.cacheHits
            if oracle.isReducedPrecision {
                result.exactChecks = oracle.exactChecks
                result.exactRejections = oracle.exactRejections
            }
            result.milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            return result
        }
        let clean: [Float]
        do {
            guard let answer = try oracle.exactProbabilities([input.text]).first, let predicted = GoalFunction.argmax(answer),
                  predicted < labels.count else {
                result.reason = "the model gave no prediction (query budget 0?)"
                return finish()
            }
            clean = answer
            result.cleanPrediction = labels[predicted]
        } catch let error as AttackError {
            if case .unavailable = error { throw error }
            result.reason = "attack error: \(error)"
            return finish()
        } catch {
            result.reason = "attack error: \(error)"
            return finish()
        }
        if input.text.allSatisfy(\.isWhitespace) {
            result.reason = "empty text"
            return finish()
        }
        guard let gold = labels.firstIndex(of: input.gold) else {
            result.reason = "label '\(input.gold)' is not one of the model's labels (\(labels.joined(separator: ", ")))"
            return finish()
        }
        if GoalFunction.argmax(clean) != gold {
            result.status = .cleanWrong
            return finish()
        }
        var visibleWords = original.count
        if let limit = victim.visibleScalarLimit(input.text) {
            result.truncated = true
            visibleWords = original.scalarRanges().prefix { $0.lowerBound < limit }.count
        }
        let scorer = worker.encoder.map { SimilarityScorer(encoder: $0) }
        let context = AttackContext(original: original, gold: gold, labels: labels, cleanProbabilities: clean,
                                    visibleWords: visibleWords, oracle: oracle, similarity: scorer,
                                    random: SeededRandom(seed: SeededRandom.mix(seed, input.index)), lexicon: lexicon)
        do {
            let outcome = try procedure.attack(input, context: context)
            result.status = outcome.status == .cleanWrong ? .skipped : outcome.status
            result.reason = outcome.reason
            result.curves = outcome.curves
            result.details = outcome.details
            if let text = outcome.adversarialText, text != input.text {
                result.adversarialText = text
                result.wordsChanged = outcome.wordsChanged
                if let probabilities = outcome.adversarialProbabilities, let predicted = GoalFunction.argmax(probabilities),
                   predicted < labels.count {
                    result.adversarialPrediction = labels[predicted]
                }
                if let scorer {
                    result.similarity = try scorer.similarities([(input.text, text)], metric: .cosine).first
                }
            }
        } catch {
            if case AttackError.unavailable = error { throw error }
            result.status = .skipped
            result.adversarialText = nil
            result.adversarialPrediction = nil
            result.wordsChanged = 0
            result.reason = "attack error: \(error)"
        }
        return finish()
    }
}
