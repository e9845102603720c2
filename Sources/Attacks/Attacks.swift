// Attacks: adversarial attacks on text classifiers — how far a fine-tuned checkpoint's accuracy falls
// under attack, and how cheaply.
//
// ARCHITECTURE (one folder per part)
//
//   Core/             AttackedText (words + separators, change bookkeeping); the attack contract:
//                     AttackInput → AttackProcedure.attack(_, context: AttackContext) → AttackOutcome;
//                     Lexicon (cached WordNet lookups); AttackError
//   Victim/           Victim (text → probabilities; ModelVictim wraps a checkpoint of any family), QueryOracle
//                     (per-example cache keyed by token ids, query and cache-hit counts, query budget),
//                     SentenceEncoder (MiniLM mean-pooled, normalised) and SimilarityScorer
//   Goal/             GoalFunction: untargeted / targeted, query budget, score and success
//   Transformations/  wordnet-synonyms; char-swap/-substitute/-delete/-insert, keyboard, homoglyph
//                     (DeepWordBug); word-delete/-swap/-insert (EDA); composites
//   Constraints/      repeat-modification, stopwords, min-word-length, max-words-perturbed,
//                     levenshtein, part-of-speech (WordNet), sentence-similarity (MiniLM, window or
//                     whole text)
//   Search/           SearchSession (candidates through the constraints, batched evaluation);
//                     greedy-wir (ranking: unk, delete, pwws, gradient, random), greedy, beam, random
//   Recipes/          ComposedAttack (goal · transformation · constraints · search); the YAML recipe
//                     format, parser and library (Recipe.swift: the built-in recipes, compiled in from
//                     attacks/*.yaml by the EmbedRecipes build plugin, plus a user folder); the Catalog
//                     of named components and their parameters
//   Runner/           AttackRunner (parallel workers, per-example seeds, bad-input rules) and
//                     AttackSummary (TextAttack's summary table)
//   Embedding/        the embedding-space attacks (FGSM, PGD, HotFlip, ε sweeps) — see below
//
// A recipe (attacks/NAME.yaml, format in Recipes/Recipe.swift) is either a composed text attack —
//
//     goal: untargeted
//     transformation: wordnet-synonyms
//     constraints: [repeat-modification, stopwords]
//     search: {name: greedy-wir, ranking: pwws}
//
// — or a custom procedure: `procedure: {name: fgsm, epsilons: [0.01, 0.05]}`.
//
// EXTENSION POINT: custom procedures (the embedding-space attacks)
//   1. Write a type conforming to `AttackProcedure` (Core/Attack.swift) in Embedding/. Its
//      `attack(_:context:)` gets the example (`AttackInput`) and an `AttackContext`: the clean
//      probabilities, the gold label, the example's own `SeededRandom`, and the victim. For the
//      model itself use `context.victim as? ModelVictim`: `inputGradient(ids, label:, wordEmbeddingDelta:)`
//      (d loss / d word vectors, input-gradient-only backward: no shared gradient writes) and
//      `probabilities(ids, wordEmbeddingDelta:)`. Report those passes with
//      `context.oracle.recordQueries(n)`.
//   2. Return an `AttackOutcome`: `.success` / `.failed` / `.skipped`, the adversarial text if there is
//      one (an embedding attack may leave it nil, or give the nearest-token text), and `curves`:
//      per-example `CurveObservation`s such as (curve "accuracy_vs_epsilon", x ε, y 1 if still correct).
//      The runner keeps them in the example's detail JSON and stores the mean y per (curve, x) with
//      `recordCurvePoints`, so an ε sweep becomes a curve of accuracy against ε.
//   3. Register it as a `Component` in `EmbeddingProcedures.all` (Embedding/EmbeddingProcedures.swift),
//      with its parameters (`ParameterSpec`): recipes then name it under `procedure:`, and a typo or a
//      bad value gets the same one-line errors as any other part.
//   Set `needsGradients` when the procedure needs a `GradientVictim`, so the runner checks it up front.
//
// Performance: every candidate of a search step goes to the model in one packed batch (no padding);
// the tokenizer runs once per candidate (its ids are the cache key); the cache is per example, so
// results and counts do not depend on the number of workers.
