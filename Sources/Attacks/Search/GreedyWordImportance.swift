// Greedy search over words ranked by importance (TextAttack's GreedyWordSwapWIR), used by PWWS,
// TextFooler and DeepWordBug.
//
// 1. Rank the positions that have at least one acceptable candidate in the original text:
//    - unk:      score of the text with the word replaced by the victim's unknown token ([UNK]);
//    - delete:   score of the text without the word (TextFooler);
//    - pwws:     softmax of the [UNK] scores × the best score any single candidate at that position
//                reaches (Ren et al. 2019's probability-weighted word saliency, as TextAttack's
//                `weighted-saliency`);
//    - gradient: L1 norm of the mean loss gradient over the word's token vectors (the victim must
//                support gradients);
//    - random:   a shuffle (the example's generator).
//    All probes of the ranking go to the victim in one batch (pwws: with every candidate of every
//    position). Higher first; ties keep the text order.
//    Ranking considers the positions that have a candidate passing the cheap constraints (PWWS: every
//    constraint); the expensive ones (sentence similarity) run when a position is visited.
// 2. Walk the positions in that order. At each, evaluate the candidates for the current text (one
//    batch) and keep the best if it beats the current score. Stop at the first success; among the
//    successful candidates of that step, take the one with the highest recorded sentence similarity
//    (if the similarity constraint ran), else the best-scoring.
// The search also stops when the query budget is spent.
import Foundation

public struct GreedyWordImportance: SearchMethod {
    public enum Ranking: String, Sendable, CaseIterable {
        case unk, delete, pwws, gradient, random
    }

    public var ranking: Ranking
    public init(ranking: Ranking) { self.ranking = ranking }
    public var name: String { "greedy-wir" }
    public var needsGradients: Bool { ranking == .gradient }

    public func search(_ session: SearchSession) throws -> Evaluated {
        let original = session.original
        let allowed = session.allowedIndices(original)
        // PWWS scores every acceptable candidate while ranking. The other rankings only need to know
        // which positions have candidates, so the expensive constraints (sentence similarity) wait until
        // a position is visited: most attacks end after a few positions.
        let complete = ranking == .pwws
        let groups = try session.candidateGroups(of: original, indices: allowed, expensive: complete)
        let indices = zip(allowed, groups).filter { !$0.1.isEmpty }.map(\.0)
        let firstCandidates = Dictionary(uniqueKeysWithValues: zip(allowed, groups))
        guard !indices.isEmpty else { return session.initial }
        guard let order = try rank(indices, session: session, firstCandidates: firstCandidates) else {
            return session.initial   // the budget ran out while ranking
        }
        var current = session.initial
        for index in order {
            // While the text is still the original, its candidates are already made.
            let candidates = current.text == original
                ? (complete ? firstCandidates[index] ?? []
                            : try session.applyingExpensiveConstraints(firstCandidates[index] ?? [], source: original))
                : try session.candidateGroups(of: current.text, indices: [index])[0]
            if candidates.isEmpty { continue }
            let results = try session.evaluate(candidates)
            if let best = SearchSession.best(results), best.score > current.score {
                current = best
                if current.succeeded {
                    return mostSimilarSuccess(results, fallback: current, context: session.context)
                }
            }
            if session.exhausted { break }
        }
        return current
    }

    /// The position order (nil when the budget ran out before the ranking was complete).
    func rank(_ indices: [Int], session: SearchSession, firstCandidates: [Int: [AttackedText]]) throws -> [Int]? {
        let original = session.original
        let context = session.context
        var scores: [Float]
        switch ranking {
        case .random:
            var order = indices
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, context.random.below(i + 1)) }
            return order
        case .unk, .pwws:
            let probes = indices.map { original.probing(at: $0, with: context.victim.unknownToken) }
            // PWWS needs every candidate's score too: probes and candidates go in one batch.
            let all = ranking == .pwws ? indices.flatMap { firstCandidates[$0] ?? [] } : []
            let results = try session.evaluate(probes + all, verify: false)   // ranking only
            guard results.count == probes.count + all.count else { return nil }
            scores = results.prefix(probes.count).map(\.score)
            if ranking == .pwws {
                let saliency = GreedyWordImportance.softmax(scores)
                let evaluated = Array(results.dropFirst(probes.count))
                var position = 0
                for (k, index) in indices.enumerated() {
                    let count = firstCandidates[index]?.count ?? 0
                    let best = evaluated[position..<(position + count)].map(\.score).max() ?? 0
                    position += count
                    scores[k] = saliency[k] * best
                }
            }
        case .delete:
            let probes = indices.map { original.deletingWord(at: $0) }
            let results = try session.evaluate(probes, verify: false)
            guard results.count == probes.count else { return nil }
            scores = results.map(\.score)
        case .gradient:
            guard let victim = context.victim as? any GradientVictim else {
                throw AttackError.unsupported("ranking 'gradient' needs a victim that computes gradients")
            }
            let label = session.target ?? context.gold
            let norms = try victim.wordGradientNorms(original.text, wordRanges: original.scalarRanges(), label: label)
            scores = indices.map { $0 < norms.count ? norms[$0] : 0 }
        }
        return indices.indices.sorted { a, b in
            scores[a] != scores[b] ? scores[a] > scores[b] : a < b
        }.map { indices[$0] }
    }

    func mostSimilarSuccess(_ results: [Evaluated], fallback: Evaluated, context: AttackContext) -> Evaluated {
        var best = fallback
        var bestSimilarity = -Double.infinity
        // Highest score first, as TextAttack sorts them; ties keep candidate order.
        let sorted = results.enumerated().sorted { $0.element.score != $1.element.score
            ? $0.element.score > $1.element.score : $0.offset < $1.offset }.map(\.element)
        for result in sorted {
            guard result.succeeded else { break }
            guard let similarity = context.candidateSimilarity[result.text.text] else { return best }
            if similarity > bestSimilarity {
                bestSimilarity = similarity
                best = result
            }
        }
        return best
    }

    static func softmax(_ values: [Float]) -> [Float] {
        guard let top = values.max() else { return [] }
        let e = values.map { Foundation.exp($0 - top) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}
