// Embedding/: the embedding-space attacks — FGSM (one signed or normalised gradient step, swept over ε),
// PGD-k (k projected steps per ε) and HotFlip (gradient-guided whole-word token swaps, which yield real
// adversarial texts). They perturb the word vectors of the text's tokens ([CLS] and [SEP] excluded)
// through `ModelVictim` (input gradients without touching shared parameter gradients), count each
// forward pass as a query, and report correct/incorrect at each ε as `accuracy_vs_epsilon` curve points.
//
// A recipe names one under `procedure:`:
//
//     name: fgsm-sweep
//     procedure: {name: fgsm, norm: linf, epsilons: [0.005, 0.01, 0.02, 0.05]}
//
// Scale: MiniLM's word vectors have coordinates of RMS ≈ 0.056 and rows of norm ≈ 1.06, so L∞ radii of a
// few hundredths and per-example L2 radii around 1 are the interesting range.
import Basics
import Foundation
import Tensors
import Tokenizer
import Transformer

public enum EmbeddingProcedures {
    static let norms = ["linf", "l2"]

    public static let all: [Component<any AttackProcedure>] = [
        Component("fgsm", "one gradient step on the word vectors per ε (fast gradient sign method)", parameters: [
            ParameterSpec("epsilons", .numbers(minimum: 0, maximum: 100), default: .numbers([0.005, 0.01, 0.02, 0.05]),
                          help: "perturbation radii to sweep (the largest decides success)"),
            ParameterSpec("norm", .choice(norms), default: .text("linf"),
                          help: "linf: ε·sign(g) per coordinate; l2: ε·g/‖g‖ over the example's tokens"),
        ]) { p in
            FGSMProcedure(epsilons: try sweep(p), norm: try norm(p))
        },
        Component("pgd", "projected gradient descent on the word vectors, from scratch for each ε", parameters: [
            ParameterSpec("epsilons", .numbers(minimum: 0, maximum: 100), default: .numbers([0.005, 0.01, 0.02]),
                          help: "perturbation radii (the largest decides success)"),
            ParameterSpec("norm", .choice(norms), default: .text("linf"), help: "linf or l2 ball"),
            ParameterSpec("steps", .integer(minimum: 1, maximum: 200), default: .integer(10), help: "ascent steps per ε"),
            ParameterSpec("step_ratio", .number(minimum: 0.001, maximum: 10), default: .number(0.25),
                          help: "each step's length as a share of ε"),
        ]) { p in
            PGDProcedure(epsilons: try sweep(p), norm: try norm(p), steps: p.integer("steps") ?? 10,
                         stepRatio: Float(p.number("step_ratio") ?? 0.25))
        },
        Component("hotflip", "gradient-guided swaps of whole-word tokens (first-order loss estimate, greedy)", parameters: [
            ParameterSpec("max_flips", .integer(minimum: 1, maximum: 64), default: .integer(3),
                          help: "at most this many tokens swapped"),
            ParameterSpec("max_word_fraction", .number(minimum: 0, maximum: 1), default: .number(0.2),
                          help: "at most this share of the text's words swapped"),
            ParameterSpec("candidates", .integer(minimum: 1, maximum: 100), default: .integer(10),
                          help: "best-scored replacements tried per flip (one batched query)"),
        ]) { p in
            HotFlipProcedure(maxFlips: p.integer("max_flips") ?? 3, maxWordFraction: p.number("max_word_fraction") ?? 0.2,
                             candidates: p.integer("candidates") ?? 10)
        },
    ]

    /// The ε sweep as the recipe wrote it (Double, so stored curve x values are exactly those numbers).
    static func sweep(_ p: ParameterValues) throws -> [Double] {
        let values = (p.numbers("epsilons") ?? []).filter { $0 > 0 }.sorted()
        guard !values.isEmpty else { throw AttackError.recipe("epsilons must list at least one positive radius") }
        return values
    }

    static func norm(_ p: ParameterValues) throws -> PerturbationNorm {
        p.text("norm") == "l2" ? .l2 : .linf
    }
}

public enum PerturbationNorm: String, Sendable { case linf, l2 }

/// The perturbable span of a token sequence: everything between [CLS] and [SEP].
struct PerturbationSpan {
    let ids: [Int32]
    let hidden: Int
    var first: Int { 1 }
    var end: Int { max(1, ids.count - 1) }
    var isEmpty: Bool { end <= first }
    var range: Range<Int> { (first * hidden)..<(end * hidden) }

    /// The step direction for `gradient` under `norm`, zero outside the span.
    func direction(_ gradient: [Float], norm: PerturbationNorm) -> [Float] {
        var direction = [Float](repeating: 0, count: gradient.count)
        switch norm {
        case .linf:
            for i in range { direction[i] = gradient[i] > 0 ? 1 : (gradient[i] < 0 ? -1 : 0) }
        case .l2:
            var total: Double = 0
            for i in range { total += Double(gradient[i]) * Double(gradient[i]) }
            let scale = total > 0 ? Float(1 / total.squareRoot()) : 0
            for i in range { direction[i] = gradient[i] * scale }
        }
        return direction
    }

    /// Projects `delta` onto the ε-ball of `norm` (within the span).
    func project(_ delta: inout [Float], epsilon: Float, norm: PerturbationNorm) {
        switch norm {
        case .linf:
            for i in range { delta[i] = min(max(delta[i], -epsilon), epsilon) }
        case .l2:
            var total: Double = 0
            for i in range { total += Double(delta[i]) * Double(delta[i]) }
            let length = Float(total.squareRoot())
            if length > epsilon { for i in range { delta[i] *= epsilon / length } }
        }
    }
}

extension AttackContext {
    /// The victim with gradients, or a reason to skip.
    func gradientVictim() -> ModelVictim? { victim as? ModelVictim }

    /// What the ε-sweep attacks start from: the gradient victim, the text's token ids and the span to
    /// perturb — or the outcome to return when there is nothing to attack.
    func embeddingTarget(_ input: AttackInput, attack: String) -> Result<(ModelVictim, [Int32], PerturbationSpan), SkipReason> {
        guard let victim = gradientVictim() else { return .failure(SkipReason("\(attack) needs the model victim's gradients")) }
        let ids = victim.tokenIDs(input.text)
        let span = PerturbationSpan(ids: ids, hidden: victim.model.inputEmbeddingWidth)
        guard !span.isEmpty else { return .failure(SkipReason("no tokens to perturb")) }
        return .success((victim, ids, span))
    }

    func predicted(_ probabilities: [Float]) -> Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0 }
}

struct SkipReason: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

/// One gradient at the clean input; for each ε, the perturbed input's prediction.
struct FGSMProcedure: AttackProcedure {
    var perturbsEmbeddings: Bool { true }
    let epsilons: [Double]
    let norm: PerturbationNorm
    var needsGradients: Bool { true }

    func attack(_ input: AttackInput, context: AttackContext) throws -> AttackOutcome {
        let (victim, ids, span): (ModelVictim, [Int32], PerturbationSpan)
        switch context.embeddingTarget(input, attack: "FGSM") {
        case .success(let target): (victim, ids, span) = target
        case .failure(let reason): return .skipped(reason.text)
        }
        let gradient = try victim.inputGradient(ids, label: context.gold).gradient
        context.oracle.recordQueries(1)
        let direction = span.direction(gradient, norm: norm)
        var curves: [CurveObservation] = []
        var broken: Double?
        var last = context.cleanProbabilities
        var delta = [Float](repeating: 0, count: gradient.count)
        for radius in epsilons {
            let epsilon = Float(radius)
            for i in span.range { delta[i] = epsilon * direction[i] }
            last = try delta.withUnsafeBufferPointer { try victim.probabilities(ids, wordEmbeddingDelta: $0.baseAddress) }
            context.oracle.recordQueries(1)
            let correct = context.predicted(last) == context.gold
            if !correct && broken == nil { broken = radius }
            curves.append(CurveObservation(curve: "accuracy_vs_epsilon", xName: "epsilon", x: radius,
                                           yName: "accuracy", y: correct ? 1 : 0))
        }
        let success = context.predicted(last) != context.gold
        return AttackOutcome(status: success ? .success : .failed, adversarialProbabilities: last, curves: curves,
                             details: broken.map { ["smallest_breaking_epsilon": $0] } ?? [:])
    }
}

/// For each ε: `steps` ascent steps of ε·step_ratio, projected onto the ε-ball, stopping early once the
/// prediction is wrong (the example is then broken at that ε, and at every larger one).
struct PGDProcedure: AttackProcedure {
    var perturbsEmbeddings: Bool { true }
    let epsilons: [Double]
    let norm: PerturbationNorm
    let steps: Int
    let stepRatio: Float
    var needsGradients: Bool { true }

    func attack(_ input: AttackInput, context: AttackContext) throws -> AttackOutcome {
        let (victim, ids, span): (ModelVictim, [Int32], PerturbationSpan)
        switch context.embeddingTarget(input, attack: "PGD") {
        case .success(let target): (victim, ids, span) = target
        case .failure(let reason): return .skipped(reason.text)
        }
        var curves: [CurveObservation] = []
        var broken: Double?
        var last = context.cleanProbabilities
        for radius in epsilons {
            let epsilon = Float(radius)
            var correct = true
            if broken != nil {
                correct = false   // a smaller ball already broke it; the larger one contains that point
            } else {
                var delta = [Float](repeating: 0, count: ids.count * span.hidden)
                for _ in 0..<steps {
                    let step = try delta.withUnsafeBufferPointer {
                        try victim.inputGradient(ids, label: context.gold, wordEmbeddingDelta: $0.baseAddress)
                    }
                    context.oracle.recordQueries(1)
                    last = step.probabilities
                    if context.predicted(last) != context.gold { correct = false; break }
                    let direction = span.direction(step.gradient, norm: norm)
                    for i in span.range { delta[i] += epsilon * stepRatio * direction[i] }
                    span.project(&delta, epsilon: epsilon, norm: norm)
                }
                if correct {
                    last = try delta.withUnsafeBufferPointer { try victim.probabilities(ids, wordEmbeddingDelta: $0.baseAddress) }
                    context.oracle.recordQueries(1)
                    correct = context.predicted(last) == context.gold
                }
                if !correct { broken = radius }
            }
            curves.append(CurveObservation(curve: "accuracy_vs_epsilon", xName: "epsilon", x: radius,
                                           yName: "accuracy", y: correct ? 1 : 0))
        }
        return AttackOutcome(status: broken != nil ? .success : .failed, adversarialProbabilities: last, curves: curves,
                             details: broken.map { ["smallest_breaking_epsilon": $0] } ?? [:])
    }
}

/// HotFlip (Ebrahimi et al. 2018) on whole words: the first-order change of the loss when the token at
/// position i becomes v is (e_v − e_i)·∇_i. Each flip takes the best-scored (position, token) pairs over
/// single-token words (no word pieces, letters only), checks the top `candidates` in one batched query,
/// keeps the one that raises the gold loss most, and stops at the first misclassification.
struct HotFlipProcedure: AttackProcedure {
    let maxFlips: Int
    let maxWordFraction: Double
    let candidates: Int
    var needsGradients: Bool { true }

    func attack(_ input: AttackInput, context: AttackContext) throws -> AttackOutcome {
        guard let victim = context.gradientVictim() else { return .skipped("HotFlip needs the model victim's gradients") }
        let tokenizer = victim.tokenizer
        let encoding = tokenizer.encode(input.text, maxLength: victim.maxLength)
        let h = victim.model.inputEmbeddingWidth
        // Positions whose token is a whole word of letters (a word of exactly one token).
        var wordTokenCount: [Int: Int] = [:]
        for word in encoding.wordIDs.compactMap({ $0 }) { wordTokenCount[word, default: 0] += 1 }
        let flippable = encoding.ids.indices.filter { t in
            guard let word = encoding.wordIDs[t], wordTokenCount[word] == 1 else { return false }
            return HotFlipVocabulary.shared(for: tokenizer).isWord(encoding.ids[t])
        }
        let words = context.original.count
        let budget = min(maxFlips, max(1, Int((Double(words) * maxWordFraction).rounded(.down))))
        guard !flippable.isEmpty else { return .skipped("no single-token words to flip") }
        let vocabulary = HotFlipVocabulary.shared(for: tokenizer)
        guard let table = victim.model.weights.wordEmbeddings else { return .skipped("the model has no word embeddings") }
        let embeddings = victim.model.parameters.value(at: table)
        var ids = encoding.ids
        var flipped = Set<Int>()
        var last = context.cleanProbabilities
        for _ in 0..<budget {
            let (_, probabilities, gradient) = try victim.inputGradient(ids, label: context.gold)
            context.oracle.recordQueries(1)
            last = probabilities
            // Score every (position, token) at once: S = G·Eᵀ with G the open positions' gradients [P, H]
            // and E the embedding table [V, H]; the gain of v at i is S[i, v] − S[i, ids[i]].
            let open = flippable.filter { !flipped.contains($0) }
            guard !open.isEmpty else { break }
            let vocabularySize = victim.model.config.vocabSize
            var g = [Float](repeating: 0, count: open.count * h)
            for (row, position) in open.enumerated() {
                for i in 0..<h { g[row * h + i] = gradient[position * h + i] }
            }
            var scores = [Float](repeating: 0, count: open.count * vocabularySize)
            g.withUnsafeBufferPointer { gp in
                scores.withUnsafeMutableBufferPointer { sp in
                    guard let a = gp.baseAddress, let c = sp.baseAddress else { return }
                    BLAS.gemm(transB: true, m: open.count, n: vocabularySize, k: h, a: a, lda: h, b: embeddings, ldb: h,
                              c: c, ldc: vocabularySize)
                }
            }
            var scored: [(score: Float, position: Int, token: Int32)] = []
            for (row, position) in open.enumerated() {
                let base = row * vocabularySize
                let current = scores[base + Int(ids[position])]
                var best: [(Float, Int32)] = []
                for token in vocabulary.wordTokens where token != ids[position] {
                    let gain = scores[base + Int(token)] - current
                    if best.count < candidates {
                        best.append((gain, token))
                        if best.count == candidates { best.sort { $0.0 > $1.0 } }
                    } else if gain > best[best.count - 1].0 {
                        var slot = best.count - 1
                        while slot > 0 && best[slot - 1].0 < gain { best[slot] = best[slot - 1]; slot -= 1 }
                        best[slot] = (gain, token)
                    }
                }
                scored += best.map { ($0.0, position, $0.1) }
            }
            scored.sort { $0.score > $1.score || ($0.score == $1.score && ($0.position, $0.token) < ($1.position, $1.token)) }
            let tried = Array(scored.prefix(candidates))
            guard !tried.isEmpty else { break }
            let sequences = tried.map { candidate -> [Int32] in
                var next = ids
                next[candidate.position] = candidate.token
                return next
            }
            let results = try victim.exactProbabilities(sequences)   // white-box: fp32 throughout
            context.oracle.recordQueries(sequences.count)
            // Keep the candidate with the lowest gold probability.
            guard let pick = results.indices.min(by: { results[$0][context.gold] < results[$1][context.gold] }) else { break }
            ids = sequences[pick]
            flipped.insert(tried[pick].position)
            last = results[pick]
            if context.predicted(last) != context.gold { break }
        }
        let text = rebuild(input.text, encoding: encoding, ids: ids, tokenizer: tokenizer)
        let success = context.predicted(last) != context.gold
        return AttackOutcome(status: success ? .success : .failed, adversarialText: flipped.isEmpty ? nil : text,
                             adversarialProbabilities: last, wordsChanged: flipped.count)
    }

    /// The original text with each flipped word replaced by its new token (by the token's offsets).
    private func rebuild(_ text: String, encoding: Encoding, ids: [Int32], tokenizer: TextTokenizer) -> String {
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var cursor = 0
        for t in ids.indices where ids[t] != encoding.ids[t] {
            let range = encoding.offsets[t]
            guard range.lowerBound >= cursor, range.upperBound <= scalars.count, let token = tokenizer.token(of: ids[t]) else { continue }
            result.append(contentsOf: scalars[cursor..<range.lowerBound])
            result.append(contentsOf: token.unicodeScalars)
            cursor = range.upperBound
        }
        result.append(contentsOf: scalars[cursor...])
        return String(result)
    }
}

/// The vocabulary's whole-word tokens (letters only, at least two, no `##` pieces, no specials), made
/// once per tokenizer.
final class HotFlipVocabulary: @unchecked Sendable {
    let wordTokens: [Int32]
    private let isWordToken: Set<Int32>

    private init(_ tokenizer: TextTokenizer) {
        var tokens: [Int32] = []
        for id in 0..<Int32(tokenizer.vocabularySize) {
            guard let token = tokenizer.token(of: id), token.count >= 2, !token.hasPrefix("##"), !token.hasPrefix("["),
                  token.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII }) else { continue }
            tokens.append(id)
        }
        wordTokens = tokens
        isWordToken = Set(tokens)
    }

    func isWord(_ id: Int32) -> Bool { isWordToken.contains(id) }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Int: HotFlipVocabulary] = [:]

    static func shared(for tokenizer: TextTokenizer) -> HotFlipVocabulary {
        lock.lock()
        defer { lock.unlock() }
        let key = tokenizer.vocabularySize
        if let existing = cache[key] { return existing }
        let made = HotFlipVocabulary(tokenizer)
        cache[key] = made
        return made
    }
}
