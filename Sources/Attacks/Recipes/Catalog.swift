// Catalog: every component a recipe can name, with its parameters. `robust attack --list` prints it.
// New parts are added here (text attacks) or in Embedding/EmbeddingProcedures.swift (procedures).

public enum Catalog {
    static let budget = ParameterSpec("query_budget", .integer(minimum: 1, maximum: .max), default: .null,
                                      help: "at most this many model queries per example (the clean one included); null: no limit")

    public static let goals: [Component<GoalFunction>] = [
        Component("untargeted", "any label but the gold one (score 1 − p(gold))", parameters: [budget]) { p in
            GoalFunction(kind: .untargeted, queryBudget: p.integer("query_budget"))
        },
        Component("targeted", "reach the label `target` (score p(target))", parameters: [
            ParameterSpec("target", .text, required: true, help: "the label to reach, by name"),
            budget,
        ]) { p in
            GoalFunction(kind: .targeted(p.text("target") ?? ""), queryBudget: p.integer("query_budget"))
        },
    ]

    static func characterEdit(_ kind: CharacterEdit.Kind, _ name: String, _ summary: String) -> Component<any Transformation> {
        Component(name, summary, parameters: [
            ParameterSpec("random_one", .boolean, default: .boolean(true),
                          help: "one random edit per word (DeepWordBug); false: every edit"),
            ParameterSpec("skip_first", .boolean, default: .boolean(false), help: "never edit the first character"),
            ParameterSpec("skip_last", .boolean, default: .boolean(false), help: "never edit the last character"),
        ]) { p in
            CharacterEdit(kind, randomOne: p.boolean("random_one") ?? true, skipFirst: p.boolean("skip_first") ?? false,
                          skipLast: p.boolean("skip_last") ?? false)
        }
    }

    public static let transformations: [Component<any Transformation>] = [
        Component("wordnet-synonyms", "swap a word for a WordNet 3.0 synonym, re-inflected to its form", parameters: [
            ParameterSpec("inflect", .boolean, default: .boolean(true),
                          help: "re-inflect the synonym like the word (movies → films); false: lemmas"),
            ParameterSpec("max_candidates", .integer(minimum: 1, maximum: .max), default: .null,
                          help: "keep the first N synonyms (WordNet order); null: all"),
            ParameterSpec("max_senses", .integer(minimum: 1, maximum: .max), default: .null,
                          help: "use the first N senses of each base form (most frequent first); null: all"),
        ]) { p in
            WordNetSynonymSwap(inflect: p.boolean("inflect") ?? true, maxCandidates: p.integer("max_candidates"),
                               maxSenses: p.integer("max_senses"))
        },
        characterEdit(.swap, "char-swap", "swap two neighbouring characters"),
        characterEdit(.substitute, "char-substitute", "replace a character by a random letter"),
        characterEdit(.delete, "char-delete", "delete a character"),
        characterEdit(.insert, "char-insert", "insert a random letter"),
        characterEdit(.keyboard, "keyboard", "replace a letter by a QWERTY neighbour"),
        characterEdit(.homoglyph, "homoglyph", "replace a letter by a look-alike from another script"),
        Component("word-delete", "delete the word (EDA random deletion)") { _ in WordEdit(.delete) },
        Component("word-swap", "exchange the word with another (EDA random swap)", parameters: [
            ParameterSpec("random_one", .boolean, default: .boolean(true), help: "one random partner; false: every other word"),
        ]) { p in WordEdit(.swap, randomOne: p.boolean("random_one") ?? true) },
        Component("word-insert", "insert a synonym of the word at a random position (EDA random insertion)", parameters: [
            ParameterSpec("random_one", .boolean, default: .boolean(true), help: "one random synonym; false: every synonym"),
        ]) { p in WordEdit(.insert, randomOne: p.boolean("random_one") ?? true) },
    ]

    public static let constraints: [Component<any Constraint>] = [
        Component("repeat-modification", "no word is changed twice") { _ in RepeatModification() },
        Component("stopwords", "stopwords are left alone", parameters: [
            ParameterSpec("list", .choice(["nltk", "textfooler", "textattack"]), default: .text(Stopwords.defaultList),
                          help: "the built-in list (nltk: 179 words, TextAttack's default; textfooler: TextFooler's 266; textattack: the old name of textfooler)"),
            ParameterSpec("words", .words, default: .null, help: "use these words instead of the built-in list"),
            ParameterSpec("extra", .words, default: .words([]), help: "words added to the list"),
        ]) { p in
            var words = p.words("words").map(Set.init) ?? Stopwords.lists[p.text("list") ?? Stopwords.defaultList] ?? Stopwords.nltk
            for word in p.words("extra") ?? [] { words.insert(word.lowercased()) }
            return StopwordModification(stopwords: Set(words.map { $0.lowercased() }))
        },
        Component("min-word-length", "words shorter than `min` characters are left alone", parameters: [
            ParameterSpec("min", .integer(minimum: 1, maximum: .max), default: .integer(3), help: "the shortest word that may change"),
        ]) { p in MinimumWordLength(minimum: p.integer("min") ?? 3) },
        Component("max-words-perturbed", "at most a fraction and/or a number of the words change", parameters: [
            ParameterSpec("max_fraction", .number(minimum: 0, maximum: 1), default: .null,
                          help: "share of the original words (rounded up)"),
            ParameterSpec("max_count", .integer(minimum: 1, maximum: .max), default: .null, help: "number of words"),
        ]) { p in
            guard p.number("max_fraction") != nil || p.integer("max_count") != nil else {
                throw AttackError.recipe("needs max_fraction or max_count")
            }
            return MaxWordsPerturbed(maxFraction: p.number("max_fraction"), maxCount: p.integer("max_count"))
        },
        Component("levenshtein", "the character edit distance to the original text is at most max_distance", parameters: [
            ParameterSpec("max_distance", .integer(minimum: 0, maximum: .max), default: .integer(30),
                          help: "largest edit distance (Unicode scalars) over the whole text"),
        ]) { p in LevenshteinDistance(maxDistance: p.integer("max_distance") ?? 30) },
        Component("part-of-speech", "the replacement can be the original word's part of speech (WordNet)", parameters: [
            ParameterSpec("mode", .choice(PartOfSpeechConsistency.Mode.allCases.map(\.rawValue)), default: .text("dominant"),
                          help: "dominant: the original's most frequent POS; any: any shared POS"),
            ParameterSpec("allow_verb_noun_swap", .boolean, default: .boolean(true),
                          help: "accept a noun for a verb and a verb for a noun (TextFooler)"),
        ]) { p in
            PartOfSpeechConsistency(mode: PartOfSpeechConsistency.Mode(rawValue: p.text("mode") ?? "") ?? .dominant,
                                    allowVerbNounSwap: p.boolean("allow_verb_noun_swap") ?? true)
        },
        Component("sentence-similarity", "MiniLM sentence-embedding similarity to the reference is at least threshold", parameters: [
            ParameterSpec("threshold", .number(minimum: -1, maximum: 1), default: .number(0.8), help: "smallest similarity kept"),
            ParameterSpec("window", .integer(minimum: 1, maximum: .max), default: .null,
                          help: "compare this many words around the change; null: the whole texts"),
            ParameterSpec("compare_to", .choice(SentenceSimilarity.Reference.allCases.map(\.rawValue)), default: .text("original"),
                          help: "original: the clean text; current: the text the candidate was made from"),
            ParameterSpec("metric", .choice(SimilarityMetric.allCases.map(\.rawValue)), default: .text("cosine"),
                          help: "cosine, or angular (1 − angle/π)"),
        ]) { p in
            SentenceSimilarity(threshold: p.number("threshold") ?? 0.8, window: p.integer("window"),
                               reference: SentenceSimilarity.Reference(rawValue: p.text("compare_to") ?? "") ?? .original,
                               metric: SimilarityMetric(rawValue: p.text("metric") ?? "") ?? .cosine)
        },
    ]

    public static let searches: [Component<any SearchMethod>] = [
        Component("greedy-wir", "greedy over words ranked by importance (PWWS, TextFooler, DeepWordBug)", parameters: [
            ParameterSpec("ranking", .choice(GreedyWordImportance.Ranking.allCases.map(\.rawValue)), default: .text("unk"),
                          help: "unk/delete: score without the word; pwws: weighted saliency; gradient; random"),
        ]) { p in GreedyWordImportance(ranking: GreedyWordImportance.Ranking(rawValue: p.text("ranking") ?? "") ?? .unk) },
        Component("greedy", "at each step the best single change anywhere (beam width 1)", parameters: [
            ParameterSpec("max_steps", .integer(minimum: 1, maximum: .max), default: .null, help: "null: the number of words"),
        ]) { p in BeamSearch(width: 1, maxSteps: p.integer("max_steps")) },
        Component("beam", "beam search over single changes", parameters: [
            ParameterSpec("width", .integer(minimum: 1, maximum: 1000), default: .integer(4), help: "texts kept per step"),
            ParameterSpec("max_steps", .integer(minimum: 1, maximum: .max), default: .null, help: "null: the number of words"),
        ]) { p in BeamSearch(width: p.integer("width") ?? 4, maxSteps: p.integer("max_steps")) },
        Component("random", "random perturbations, one kind of edit per trial (EDA-style noise)", parameters: [
            ParameterSpec("trials", .integer(minimum: 1, maximum: 100_000), default: .integer(20), help: "perturbed texts per example"),
            ParameterSpec("edits", .integer(minimum: 1, maximum: .max), default: .null, help: "edits per trial; null: edit_fraction"),
            ParameterSpec("edit_fraction", .number(minimum: 0, maximum: 1), default: .number(0.1),
                          help: "edits per trial as a share of the words (at least 1)"),
        ]) { p in
            RandomSearch(trials: p.integer("trials") ?? 20, edits: p.integer("edits"), editFraction: p.number("edit_fraction") ?? 0.1)
        },
    ]

    /// Custom procedures (`procedure:` in a recipe): the embedding-space attacks and anything else that
    /// is not goal · transformation · constraints · search.
    public static var procedures: [Component<any AttackProcedure>] { EmbeddingProcedures.all }

    /// A listing of every component and parameter (for `robust attack --list`).
    public static func listing() -> String {
        var lines: [String] = []
        func section<T>(_ title: String, _ components: [Component<T>]) {
            lines.append("\(title):")
            for component in components {
                lines.append("  \(component.name) — \(component.summary)")
                for parameter in component.parameters {
                    let value = parameter.required ? "required" : "default \(parameter.defaultValue)"
                    lines.append("      \(parameter.name): \(parameter.kind.description); \(value). \(parameter.help)")
                }
            }
        }
        section("goals", goals)
        section("transformations", transformations)
        section("constraints", constraints)
        section("searches", searches)
        section("procedures", procedures)
        return lines.joined(separator: "\n")
    }
}
