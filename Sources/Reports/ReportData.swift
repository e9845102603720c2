// ReportData: everything a report shows, read from the results store once — each run with its recipes'
// examples, metrics (stored, or computed from the examples when the run stored none), curves and the
// verdicts of the run's validity audits.
import Analysis
import Basics
import Foundation
import Results

/// The recipe name under which training runs store their curves.
public let trainingRecipe = "training"
/// The recipe name under which clean (unattacked) evaluations are stored.
public let cleanRecipe = "clean"

/// One recipe of one run.
public struct RecipeData: Sendable {
    public var name: String
    /// Its examples, by example index.
    public var examples: [ExampleRecord]
    /// Its metrics, sorted as `MetricName.sorted` does.
    public var metrics: [MetricRecord]
    /// True when the run stored no metrics for this recipe and `metrics` were computed here from the
    /// examples (`RecipeSummary.metrics`, same bootstrap as the store uses).
    public var metricsComputed: Bool
    /// Stored curves by name, each by x.
    public var curves: [String: [CurvePointRecord]]
    /// The verdicts of each audit of the run on this recipe's successful attacks, default audit first, then
    /// by name (empty when the run was not audited).
    public var verdicts: [AuditVerdicts]

    public init(name: String, examples: [ExampleRecord], metrics: [MetricRecord], metricsComputed: Bool = false,
                curves: [String: [CurvePointRecord]] = [:], verdicts: [AuditVerdicts] = []) {
        self.name = name
        self.examples = examples
        self.metrics = metrics
        self.metricsComputed = metricsComputed
        self.curves = curves
        self.verdicts = verdicts
    }

    public func metric(_ name: String) -> MetricRecord? { metrics.first { $0.name == name } }

    /// Whether this recipe is an attack: some example was attacked, or it has accuracy under attack.
    public var isAttack: Bool {
        name != trainingRecipe && (examples.contains(where: \.wasAttacked) || metric(MetricName.accuracyUnderAttack) != nil)
    }
}

/// One run and its recipes.
public struct RunData: Sendable {
    public var run: RunRecord
    /// Marked running, but the process recording it is gone (`ResultStore.isAbandoned`).
    public var abandoned = false
    /// Recipes by name (the "training" recipe, which only holds training curves, included).
    public var recipes: [RecipeData]

    public init(run: RunRecord, recipes: [RecipeData]) {
        self.run = run
        self.recipes = recipes
    }

    public var id: Int64 { run.runID }
    public func recipe(_ name: String) -> RecipeData? { recipes.first { $0.name == name } }
    public var attackRecipes: [RecipeData] { recipes.filter(\.isAttack) }
    /// Training curves by name (recipe "training").
    public var trainingCurves: [String: [CurvePointRecord]] { recipe(trainingRecipe)?.curves ?? [:] }

    /// "run 3", or "run 3 (label)".
    public var displayName: String {
        "run \(id)" + (run.label.map { " (\(UserError.oneLine($0)))" } ?? "")
    }

    /// Clean accuracy to show beside the attacks: the "clean" recipe's, else that of the attack
    /// recipe with the most examples (ties: first by name).
    public var headlineCleanAccuracy: MetricRecord? {
        if let clean = recipe(cleanRecipe)?.metric(MetricName.cleanAccuracy) { return clean }
        let candidates = attackRecipes.filter { $0.metric(MetricName.cleanAccuracy) != nil }
        let best = candidates.max { a, b in
            let na = a.metric(MetricName.examples)?.value ?? Double(a.examples.count)
            let nb = b.metric(MetricName.examples)?.value ?? Double(b.examples.count)
            return na != nb ? na < nb : a.name > b.name
        }
        return best?.metric(MetricName.cleanAccuracy)
    }
}

/// The runs of one report, in the order asked for.
public struct ReportData: Sendable {
    public var runs: [RunData]
    /// The database the runs came from.
    public var databasePath: String

    public init(runs: [RunData], databasePath: String) {
        self.runs = runs
        self.databasePath = databasePath
    }

    /// Reads the runs (duplicates dropped, order kept). Throws the store's one-line errors (e.g. a run
    /// that does not exist) and `ReportError.emptyRun` for a run with no examples, metrics or curves.
    public static func load(from store: ResultStore, runs ids: [Int64]) throws -> ReportData {
        guard !ids.isEmpty else { throw ReportError.invalidRequest("give at least one run id (see `robust runs`)") }
        var seen = Set<Int64>()
        var runs: [RunData] = []
        for id in ids where seen.insert(id).inserted {
            let run = try store.run(id)
            let examples = Dictionary(grouping: try store.examples(run: id), by: \.recipe)
            let metrics = Dictionary(grouping: try store.metrics(run: id), by: \.recipe)
            let curves = Dictionary(grouping: try store.curves(run: id), by: \.recipe)
            let checks = Dictionary(grouping: try store.auditChecks(run: id), by: \.recipe)
            let names = Set(examples.keys).union(metrics.keys).union(curves.keys).sorted()
            if names.isEmpty { throw ReportError.emptyRun(id: id, status: run.status, failure: run.failure) }
            let recipes = names.map { name -> RecipeData in
                let recipeExamples = (examples[name] ?? []).sorted { $0.exampleIndex < $1.exampleIndex }
                var recipeMetrics = metrics[name] ?? []
                var computed = false
                if recipeMetrics.isEmpty && !recipeExamples.isEmpty {
                    recipeMetrics = RecipeSummary.metrics(of: recipeExamples, run: id, recipe: name)
                    computed = true
                }
                let byCurve = Dictionary(grouping: curves[name] ?? [], by: \.curve).mapValues { $0.sorted { $0.x < $1.x } }
                let recipeChecks = checks[name] ?? []
                let verdicts = AuditVerdicts.all(recipeChecks)
                return RecipeData(name: name, examples: recipeExamples, metrics: MetricName.sorted(recipeMetrics),
                                  metricsComputed: computed, curves: byCurve, verdicts: verdicts)
            }
            var data = RunData(run: run, recipes: recipes)
            data.abandoned = store.isAbandoned(run)
            runs.append(data)
        }
        return ReportData(runs: runs, databasePath: store.path)
    }

    /// What a reader should know before trusting the numbers: unfinished runs, computed metrics.
    public var notes: [String] {
        var notes: [String] = []
        for run in runs {
            switch run.run.status {
            case .finished: break
            case .running where run.abandoned:
                notes.append("\(run.displayName) was abandoned: the process recording it ended without finishing (killed, or a second Ctrl-C); `--resume \(run.run.runID)` continues it. Its results are partial.")
            case .running:
                notes.append("\(run.displayName) is still running (or was killed): its results are partial.")
            case .failed, .interrupted:
                let why = run.run.failure.map { " (\(UserError.oneLine($0)))" } ?? ""
                notes.append("\(run.displayName) \(run.run.status.rawValue)\(why): its results are partial.")
            }
            for recipe in run.recipes where recipe.metricsComputed {
                notes.append("\(run.displayName) stored no metrics for recipe \(recipe.name); they were computed from its \(recipe.examples.count) examples.")
            }
        }
        return notes
    }
}
