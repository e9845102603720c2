// Embedding/: the embedding-space attacks (FGSM, PGD, HotFlip, ε sweeps) plug in here.
//
// Each is an `AttackProcedure` (Core/Attack.swift) registered below as a `Component`, so that a recipe
// names it under `procedure:` with its parameters checked like any other part:
//
//     name: fgsm-sweep
//     procedure:
//       name: fgsm
//       epsilons: [0.01, 0.02, 0.05]
//
// A procedure reaches the model through `context.victim as? ModelVictim`:
// `inputGradient(ids, label:, wordEmbeddingDelta:)` gives d loss / d word vectors (input-gradient-only
// backward, so workers never write shared gradient buffers) and `probabilities(ids, wordEmbeddingDelta:)`
// scores a perturbed input. Report every such pass with `context.oracle.recordQueries(n)` (text queries
// through `context.oracle.probabilities` count themselves), and return per-example curve points
// (`CurveObservation`, e.g. correct = 1 or 0 at each ε) in the outcome: the runner stores their mean
// per (curve, x) as the run's curves.

public enum EmbeddingProcedures {
    /// The registered procedures (none yet).
    public static let all: [Component<any AttackProcedure>] = []
}
