// Beam search (TextAttack's BeamSearch; width 1 is its GreedySearch): at each step, every acceptable
// candidate of every text in the beam, at every allowed position, is evaluated in one batch; the best
// `width` become the next beam. Stops at the first success, when no candidate is left, when the query
// budget is spent, or after `maxSteps` steps (default: as many as the text has words, which bounds a
// transformation that can always change something, such as insertions without repeat-modification).

public struct BeamSearch: SearchMethod {
    public var width: Int
    public var maxSteps: Int?
    public init(width: Int, maxSteps: Int? = nil) {
        self.width = max(1, width)
        self.maxSteps = maxSteps
    }
    public var name: String { width == 1 ? "greedy" : "beam" }

    public func search(_ session: SearchSession) throws -> Evaluated {
        var beam = [session.initial.text]
        var best = session.initial
        let steps = maxSteps ?? max(1, session.original.count)
        for _ in 0..<steps {
            var next: [AttackedText] = []
            var seen = Set<String>()
            for text in beam {
                for candidate in try session.candidates(of: text, indices: session.allowedIndices(text))
                where seen.insert(candidate.text).inserted {
                    next.append(candidate)
                }
            }
            if next.isEmpty { break }
            let results = try session.evaluate(next)
            guard let top = SearchSession.best(results) else { break }
            // TextAttack keeps the step's best even when it is worse than the previous step's.
            best = top
            if best.succeeded || session.exhausted { break }
            let order = results.indices.sorted { results[$0].score != results[$1].score
                ? results[$0].score > results[$1].score : $0 < $1 }
            beam = order.prefix(width).map { results[$0].text }
        }
        return best
    }
}

/// Random search, for noise baselines such as EDA: `trials` independent perturbed texts, each made by
/// `edits` random edits (or ⌊edit_fraction × words⌋, at least 1) of one kind — trial t uses part
/// t mod n of a composite transformation, as EDA applies one operation per augmented sentence. An edit
/// picks a random allowed position and a random acceptable candidate there. All trials are evaluated
/// in one batch; the result is the first successful trial, else the best-scoring one.
public struct RandomSearch: SearchMethod {
    public var trials: Int
    public var edits: Int?
    public var editFraction: Double
    public init(trials: Int, edits: Int?, editFraction: Double) {
        self.trials = max(1, trials)
        self.edits = edits
        self.editFraction = editFraction
    }
    public var name: String { "random" }

    public func search(_ session: SearchSession) throws -> Evaluated {
        let context = session.context
        let parts = session.transformation.parts
        let count = edits ?? max(1, Int(editFraction * Double(session.original.count)))
        var texts: [AttackedText] = []
        var seen = Set<String>()
        for trial in 0..<trials {
            let part = parts[trial % parts.count]
            let single = SearchSession(context: context, goal: session.goal, target: session.target,
                                       transformation: part, constraints: session.constraints)
            var text = session.original
            var done = 0, attempts = 0
            while done < count && attempts < count * 4 {
                attempts += 1
                let allowed = single.allowedIndices(text)
                guard !allowed.isEmpty else { break }
                let index = allowed[context.random.below(allowed.count)]
                let candidates = try single.candidateGroups(of: text, indices: [index])[0]
                guard !candidates.isEmpty else { continue }
                text = candidates[context.random.below(candidates.count)]
                done += 1
            }
            if done > 0 && text != session.original && seen.insert(text.text).inserted { texts.append(text) }
        }
        let results = try session.evaluate(texts)
        if let success = results.first(where: \.succeeded) { return success }
        guard let best = SearchSession.best(results), best.score > session.initial.score else { return session.initial }
        return best
    }
}
