// Auditor: runs an audit recipe's checks over many pairs — batches of pairs on several cores, one
// context (encoder, caches) per worker, every text a batch's checks need embedded in one pass first.
import Attacks
import Foundation
import Tensors
import WordNet

/// What an audit's checks are given; only what its recipe needs must be set.
public struct AuditResources: @unchecked Sendable {
    /// Makes one worker's sentence encoder (each owns its scratch space).
    public var encoder: (@Sendable () -> any SentenceEncoder)?
    public var wordnet: WordNetDatabase?
    public var labelWords: LabelWordTable?
    public var knownWords: KnownWords

    public init(encoder: (@Sendable () -> any SentenceEncoder)? = nil, wordnet: WordNetDatabase? = nil,
                labelWords: LabelWordTable? = nil, knownWords: KnownWords = KnownWords()) {
        self.encoder = encoder
        self.wordnet = wordnet
        self.labelWords = labelWords
        self.knownWords = knownWords
    }
}

public struct Auditor {
    public let recipe: AuditRecipe
    public let resources: AuditResources
    /// Pairs whose texts are embedded together. One by default: a pair's embeddings (and so its check values)
    /// are then a function of the pair alone, not of which others share its batch, so a shard of a run audits
    /// each example bit for bit as one process does.
    public var batchSize = 1

    /// Refuses resources that lack what the recipe's checks need (one line naming the check).
    public init(recipe: AuditRecipe, resources: AuditResources) throws {
        for check in recipe.checks {
            if check.needs.contains(.encoder) && resources.encoder == nil {
                throw AuditError.missing("the sentence encoder (check '\(check.name)' of audit '\(recipe.name)')")
            }
            if check.needs.contains(.wordNet) && resources.wordnet == nil {
                throw AuditError.missing("WordNet (check '\(check.name)' of audit '\(recipe.name)')")
            }
            if check.needs.contains(.labelWords) && resources.labelWords == nil {
                throw AuditError.missing("the label words of the training data (check '\(check.name)' of audit '\(recipe.name)')")
            }
        }
        self.recipe = recipe
        self.resources = resources
    }

    /// Each pair's check results, in the recipe's check order; pairs in the order given. `workers` cores.
    public func audit(_ pairs: [AuditedPair], workers: Int = Parallel.workers) throws -> [[CheckResult]] {
        guard !pairs.isEmpty else { return [] }
        let batches = stride(from: 0, to: pairs.count, by: batchSize).map { $0..<min($0 + batchSize, pairs.count) }
        let threads = max(1, min(workers, batches.count))
        let contexts = (0..<threads).map { _ in
            AuditContext(encoder: resources.encoder?(), wordnet: resources.wordnet, labelWords: resources.labelWords,
                         knownWords: resources.knownWords)
        }
        var results = [[CheckResult]](repeating: [], count: pairs.count)
        var failure: Error?
        let lock = NSLock()
        results.withUnsafeMutableBufferPointer { output in
            let output = output
            Parallel.forEach(batches.count, threads: threads) { batch, worker in
                lock.lock()
                let stop = failure != nil
                lock.unlock()
                if stop { return }
                // Serial products even on one thread, so the values do not depend on the worker count.
                Parallel.serially { do {
                    let context = contexts[worker]
                    let range = batches[batch]
                    if let scorer = context.scorer {
                        scorer.reset()
                        let texts = range.flatMap { index in recipe.checks.flatMap { $0.texts(for: pairs[index]) } }
                        _ = try scorer.embeddings(texts)
                    }
                    for index in range {
                        output[index] = try recipe.checks.map { try $0.judge(pairs[index], context: context) }
                    }
                } catch {
                    lock.lock()
                    if failure == nil { failure = error }
                    lock.unlock()
                } }
            }
        }
        if let failure { throw failure }
        return results
    }
}
