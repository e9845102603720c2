// Figures: what each figure of a report shows (`Figure`, `Series`), and `FigurePlanner`, which decides
// from the loaded runs which figures there are and fills in their series. Rendering is GnuplotScript's job.
import Analysis
import Basics
import Foundation
import Results

/// One point of a series: for bars, x is the group's position (0, 1, …) and low/high the interval.
public struct SeriesPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var low: Double?
    public var high: Double?
    public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
        self.x = x
        self.y = y
        self.low = low
        self.high = high
    }
}

/// One line (or one set of bars) of a figure, with its legend entry and style.
public struct Series: Sendable, Equatable {
    public var title: String
    public var points: [SeriesPoint]
    /// Index into the report's colour palette.
    public var colour: Int
    /// gnuplot dash type (1 = solid).
    public var dash: Int
    /// Whether to mark the data points (for curves with few points).
    public var markers: Bool

    public init(title: String, points: [SeriesPoint], colour: Int, dash: Int = 1, markers: Bool = false) {
        self.title = title
        self.points = points
        self.colour = colour
        self.dash = dash
        self.markers = markers
    }
}

public struct Figure: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Grouped bars with interval error bars and value labels: each series has one bar per group.
        case bars(groups: [String])
        /// Straight lines between points.
        case lines
        /// A step function: each y holds from its x to the next point's x (budget curves).
        case steps
    }

    /// File stem of the script, data and images: letters, digits, '_' and '-' only.
    public var name: String
    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// One or two sentences under the figure: what it shows and how it was computed.
    public var caption: String
    public var kind: Kind
    public var series: [Series]
    public var yRange: (low: Double?, high: Double?)
    public var xFromZero: Bool

    public init(name: String, title: String, xLabel: String, yLabel: String, caption: String, kind: Kind,
                series: [Series], yRange: (low: Double?, high: Double?) = (nil, nil), xFromZero: Bool = false) {
        self.name = name
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.caption = caption
        self.kind = kind
        self.series = series
        self.yRange = yRange
        self.xFromZero = xFromZero
    }

    public static func == (a: Figure, b: Figure) -> Bool {
        a.name == b.name && a.title == b.title && a.xLabel == b.xLabel && a.yLabel == b.yLabel && a.caption == b.caption
            && a.kind == b.kind && a.series == b.series && a.yRange.low == b.yRange.low
            && a.yRange.high == b.yRange.high && a.xFromZero == b.xFromZero
    }
}

/// Decides a report's figures from its runs.
public enum FigurePlanner {
    public static let accuracyFigure = "accuracy_under_attack"
    public static let wordsFigure = "accuracy_vs_words_changed"
    public static let queriesFigure = "accuracy_vs_queries"
    public static let epsilonCurve = "accuracy_vs_epsilon"
    public static let validityFigure = "attack_success_raw_vs_valid"

    /// The figures, in report order: accuracy under attack; raw against valid attack success rate (audited
    /// runs); ε and other stored attack curves; the words and queries budget curves (the latter with the
    /// valid curve beside the raw one for audited recipes); training loss, accuracy and learning rate. A
    /// figure with no data is left out.
    public static func figures(for data: ReportData) -> [Figure] {
        var figures: [Figure] = []
        if let bars = accuracyBars(data) { figures.append(bars) }
        if let validity = validityBars(data) { figures.append(validity) }
        figures += storedCurveFigures(data)
        if let words = budgetFigure(data, words: true) { figures.append(words) }
        if let queries = budgetFigure(data, words: false) { figures.append(queries) }
        figures += trainingFigures(data)
        // A series without points would make gnuplot fail; a figure without series is left out.
        figures = figures.compactMap { figure in
            var figure = figure
            figure.series = figure.series.filter { !$0.points.isEmpty }
            return figure.series.isEmpty ? nil : figure
        }
        // File names must be unique (a stored curve could be named like a training figure).
        var used = Set<String>()
        for i in figures.indices {
            var name = figures[i].name, n = 2
            while used.contains(name) { name = "\(figures[i].name)_\(n)"; n += 1 }
            figures[i].name = name
            used.insert(name)
        }
        return figures
    }

    // MARK: - Accuracy under attack

    static func accuracyBars(_ data: ReportData) -> Figure? {
        let runs = data.runs.filter { !$0.attackRecipes.isEmpty }
        guard !runs.isEmpty else { return nil }
        var recipes: [String] = []
        for run in runs { for recipe in run.attackRecipes where !recipes.contains(recipe.name) { recipes.append(recipe.name) } }
        recipes.sort()
        let groups = ["no attack"] + recipes
        var series: [Series] = []
        for (r, run) in runs.enumerated() {
            var points: [SeriesPoint] = []
            if let clean = run.headlineCleanAccuracy { points.append(percentPoint(x: 0, clean)) }
            for (g, name) in recipes.enumerated() {
                guard let metric = run.recipe(name)?.metric(MetricName.accuracyUnderAttack) else { continue }
                points.append(percentPoint(x: Double(g + 1), metric))
            }
            series.append(Series(title: run.displayName, points: points, colour: r))
        }
        return Figure(
            name: accuracyFigure, title: "Accuracy under each attack",
            xLabel: "attack recipe", yLabel: "accuracy (% of test examples)",
            caption: "Accuracy on the clean examples (no attack) and under each attack, per run. Error bars are 95% bootstrap intervals over the examples (1,000 resamples); the number above each bar is its value.",
            kind: .bars(groups: groups), series: series, yRange: (0, 100))
    }

    private static func percentPoint(x: Double, _ metric: MetricRecord) -> SeriesPoint {
        SeriesPoint(x: x, y: metric.value * 100, low: metric.low.map { $0 * 100 }, high: metric.high.map { $0 * 100 })
    }

    // MARK: - Raw against valid attack success

    /// Per (run, recipe) with a stored raw and valid attack success rate: a bar for the raw rate and one per
    /// audit for the valid rate (default audit first), in percent with their intervals.
    static func validityBars(_ data: ReportData) -> Figure? {
        var groups: [(run: RunData, recipe: RecipeData)] = []
        var audits: [String] = []
        for run in data.runs {
            for recipe in run.attackRecipes where recipe.metric(MetricName.attackSuccessRate) != nil {
                let valid = recipe.metrics.map { MetricName.splitAudit($0.name) }
                    .filter { $0.base == MetricName.validAttackSuccessRate }.map(\.audit)
                guard !valid.isEmpty else { continue }
                groups.append((run, recipe))
                audits += valid
            }
        }
        guard !groups.isEmpty else { return nil }
        let manyRuns = Set(groups.map(\.run.id)).count > 1
        let labels = groups.map { manyRuns ? "run \($0.run.id) · \($0.recipe.name)" : $0.recipe.name }
        func points(_ name: String) -> [SeriesPoint] {
            groups.enumerated().compactMap { g, group in group.recipe.metric(name).map { percentPoint(x: Double(g), $0) } }
        }
        var series = [Series(title: "raw: every success", points: points(MetricName.attackSuccessRate), colour: 0)]
        for (k, audit) in AuditVerdicts.ordered(audits).enumerated() {
            series.append(Series(title: audit == MetricName.defaultAudit ? "valid: passed the default audit" : "valid: passed audit \(audit)",
                                 points: points(MetricName.audited(MetricName.validAttackSuccessRate, audit: audit)), colour: k + 1))
        }
        return Figure(
            name: validityFigure, title: "Attack success rate: raw and valid",
            xLabel: manyRuns ? "run · attack recipe" : "attack recipe", yLabel: "attack success rate (% of attacked examples)",
            caption: "The share of attacked examples whose attack succeeded: every success (raw), and only the successes that passed every check of the validity audit (valid: an adversarial example that fails a check counts as a failed attack). Error bars are 95% bootstrap intervals over the attacked examples (1,000 resamples); the number above each bar is its value.",
            kind: .bars(groups: labels), series: series, yRange: (0, 100))
    }

    // MARK: - Stored attack curves (ε sweeps and others)

    static func storedCurveFigures(_ data: ReportData) -> [Figure] {
        // Curve name → its series' sources, in run then recipe order.
        var order: [String] = []
        var sources: [String: [(run: RunData, recipe: String, points: [CurvePointRecord])]] = [:]
        for run in data.runs {
            for recipe in run.recipes where recipe.name != trainingRecipe {
                for (curve, points) in recipe.curves.sorted(by: { $0.key < $1.key })
                where curve != BudgetCurves.wordsCurveName && curve != BudgetCurves.queriesCurveName && !points.isEmpty {
                    if sources[curve] == nil { order.append(curve) }
                    sources[curve, default: []].append((run, recipe.name, points))
                }
            }
        }
        order.sort { ($0 == epsilonCurve ? 0 : 1, $0) < ($1 == epsilonCurve ? 0 : 1, $1) }
        return order.map { curve in
            let list = sources[curve]!
            let manyRuns = Set(list.map(\.run.id)).count > 1
            let recipeNames = uniqueOrdered(list.map(\.recipe))
            let runIDs = uniqueOrdered(list.map(\.run.id))
            let first = list[0].points[0]
            let percent = looksLikeShare(curve + " " + first.yName) && list.allSatisfy { $0.points.allSatisfy { (0...1).contains($0.y) } }
            let series = list.map { source -> Series in
                let points = source.points.map { SeriesPoint(x: $0.x, y: percent ? $0.y * 100 : $0.y) }
                return Series(title: manyRuns ? "\(source.run.displayName) · \(source.recipe)" : source.recipe, points: points,
                              colour: recipeNames.count > 1 ? recipeNames.firstIndex(of: source.recipe)! : runIDs.firstIndex(of: source.run.id)!,
                              dash: recipeNames.count > 1 && manyRuns ? runIDs.firstIndex(of: source.run.id)! + 1 : 1,
                              markers: points.count <= 40)
            }
            let isEpsilon = curve == epsilonCurve || curve.lowercased().contains("epsilon")
                || ["epsilon", "eps", "ε"].contains(first.xName.lowercased())
            let xLabel = isEpsilon ? "perturbation size ε (norm of the input-embedding perturbation)" : humanise(first.xName)
            let yLabel = percent ? "\(humanise(first.yName)) (%)" : humanise(first.yName)
            let title = isEpsilon ? "Accuracy under embedding attack vs ε" : humanise(curve).capitalisedFirst
            let caption = isEpsilon
                ? "Accuracy under attack at each perturbation size ε of the embedding attacks, as stored by the attack's ε sweep."
                : "The stored curve '\(curve)': \(first.yName) against \(first.xName)."
            return Figure(name: sanitise(curve), title: title, xLabel: xLabel, yLabel: yLabel, caption: caption,
                          kind: .lines, series: series, yRange: percent ? (0, 100) : (nil, nil), xFromZero: isEpsilon)
        }
    }

    // MARK: - Budget curves

    static func budgetFigure(_ data: ReportData, words: Bool) -> Figure? {
        let storedName = words ? BudgetCurves.wordsCurveName : BudgetCurves.queriesCurveName
        // `valid`: the audit whose valid curve this is (nil: the raw curve).
        var sources: [(run: RunData, recipe: String, points: [SeriesPoint], valid: String?)] = []
        var anyDerived = false, anyStored = false
        var validAudits: [String] = []
        for run in data.runs {
            for recipe in run.recipes where recipe.name != trainingRecipe {
                if let stored = recipe.curves[storedName], !stored.isEmpty {
                    anyStored = true
                    // Stored shares (0…1) are shown as percentages, like the derived curves.
                    let xScale = words && stored.allSatisfy({ $0.x <= 1 }) ? 100.0 : 1
                    let yScale = stored.allSatisfy({ (0...1).contains($0.y) }) ? 100.0 : 1
                    sources.append((run, recipe.name, stored.map { SeriesPoint(x: $0.x * xScale, y: $0.y * yScale) }, nil))
                    continue
                }
                guard recipe.isAttack else { continue }
                // The queries curve of an audited recipe gets its valid curve beside it (the default audit's,
                // else the first audit's): an invalid success never breaks its example.
                let verdicts: [AuditVerdicts?] = [nil] + (words ? [] : Array(recipe.verdicts.prefix(1)))
                for audit in verdicts {
                    let derived = words ? BudgetCurves.accuracyVsWordsChanged(recipe.examples)
                                        : BudgetCurves.accuracyVsQueries(recipe.examples, verdicts: audit)
                    guard var points = derived else { continue }
                    anyDerived = true
                    // A queries curve runs on to the most queries any attacked example used: the budget the
                    // attack spent, beyond which nothing changes.
                    if !words, let end = BudgetCurves.maxQueries(recipe.examples), let last = points.last, end > last.x {
                        points.append(CurvePoint(x: end, y: last.y))
                    }
                    if let audit { validAudits.append(audit.audit) }
                    sources.append((run, recipe.name, points.map { SeriesPoint(x: words ? $0.x * 100 : $0.x, y: $0.y * 100) },
                                    audit?.audit))
                }
            }
        }
        guard !sources.isEmpty else { return nil }
        // Beyond its last step a curve stays at its final accuracy: draw every curve on to a common right
        // edge a little past the last step of any, so that every last step shows.
        let right = (sources.flatMap { $0.points.map(\.x) }.max() ?? 0) * 1.04
        for i in sources.indices {
            if let last = sources[i].points.last, last.x < right { sources[i].points.append(SeriesPoint(x: right, y: last.y)) }
        }
        let manyRuns = Set(sources.map(\.run.id)).count > 1
        let recipeNames = uniqueOrdered(sources.map(\.recipe)).sorted()
        let runIDs = uniqueOrdered(sources.map(\.run.id))
        let runDashes = recipeNames.count > 1 && manyRuns
        let series = sources.map { source in
            let runIndex = runIDs.firstIndex(of: source.run.id) ?? 0
            var title = manyRuns ? "\(source.run.displayName) · \(source.recipe)" : source.recipe
            if let audit = source.valid { title += audit == MetricName.defaultAudit ? " · valid" : " · valid (audit \(audit))" }
            // A valid curve: the colour of its raw curve, dashed past the raw curves' dash types.
            let dash = (runDashes ? runIndex + 1 : 1) + (source.valid == nil ? 0 : (runDashes ? runIDs.count : 1))
            return Series(title: title, points: source.points,
                          colour: recipeNames.count > 1 ? (recipeNames.firstIndex(of: source.recipe) ?? 0) : runIndex, dash: dash)
        }
        let how = anyDerived && !anyStored ? "derived from the per-example results"
            : (anyStored && !anyDerived ? "as stored by the attacks" : "stored by the attack where it recorded one, else derived from the per-example results")
        if words {
            return Figure(
                name: wordsFigure, title: "Accuracy vs share of words the attack may change",
                xLabel: "words changed (% of the example's words)", yLabel: "accuracy under attack (%)",
                caption: "Accuracy under attack if each attack had been limited to changing at most x% of an example's words (\(how)). An example counts as broken once the budget covers the share of words its successful attack changed; past its last step each curve stays at the attack's accuracy under attack.",
                kind: .steps, series: series, yRange: (0, 100), xFromZero: true)
        }
        return Figure(
            name: queriesFigure, title: "Accuracy vs the attack's query budget",
            xLabel: "model queries per example (count)", yLabel: "accuracy under attack (%)",
            caption: "Accuracy under attack if each attack had been limited to x model queries per example (\(how)). An example counts as broken once the budget covers the queries its successful attack used; past its last step each curve stays at the attack's accuracy under attack."
                + (validAudits.isEmpty ? "" : " The dashed valid curves count only the successes the validity audit (\(AuditVerdicts.ordered(validAudits).joined(separator: ", "))) judged valid: an invalid success never breaks its example, so they end at the accuracy under valid attack."),
            kind: .steps, series: series, yRange: (0, 100), xFromZero: true)
    }

    // MARK: - Training curves

    static func trainingFigures(_ data: ReportData) -> [Figure] {
        let runs = data.runs.filter { !$0.trainingCurves.isEmpty }
        guard !runs.isEmpty else { return [] }
        let manyRuns = runs.count > 1
        func series(_ names: [(curve: String, title: String)], percent: Bool) -> [Series] {
            var list: [Series] = []
            for (r, run) in runs.enumerated() {
                for (d, entry) in names.enumerated() {
                    guard let points = run.trainingCurves[entry.curve], !points.isEmpty else { continue }
                    list.append(Series(title: manyRuns ? "\(run.displayName) · \(entry.title)" : entry.title,
                                       points: points.map { SeriesPoint(x: $0.x, y: percent ? $0.y * 100 : $0.y) },
                                       colour: manyRuns ? r : d, dash: manyRuns ? d + 1 : 1, markers: points.count <= 40))
                }
            }
            return list
        }
        var figures: [Figure] = []
        let loss = series([("train_loss", "train loss"), ("dev_loss", "dev loss")], percent: false)
        if !loss.isEmpty {
            figures.append(Figure(
                name: "training_loss", title: "Training and dev loss", xLabel: "training step (optimiser updates)",
                yLabel: "cross-entropy loss (nats per example)",
                caption: "Loss against the optimiser step: the mean training loss since the previous evaluation, and the loss on the dev set at each evaluation.",
                kind: .lines, series: loss, xFromZero: true))
        }
        let accuracy = series([("dev_accuracy", "dev accuracy"), ("dev_macro_f1", "dev macro F1")], percent: true)
        if !accuracy.isEmpty {
            figures.append(Figure(
                name: "training_accuracy", title: "Dev accuracy and macro F1 during training",
                xLabel: "training step (optimiser updates)", yLabel: "score on the dev set (%)",
                caption: "Accuracy and macro-averaged F1 on the dev set at each evaluation during training.",
                kind: .lines, series: accuracy, yRange: (nil, 100), xFromZero: true))
        }
        var rate = series([("learning_rate", "learning rate")], percent: false)
        if !rate.isEmpty {
            // Small rates read better as multiples of a power of ten (×10⁻⁵) than as 4.5e-05.
            let largest = rate.flatMap { $0.points.map { abs($0.y) } }.max() ?? 0
            var unit = ""
            if largest > 0 && largest < 0.01 {
                let power = Int(log10(largest).rounded(.down))
                let factor = pow(10, Double(-power))
                for i in rate.indices { for j in rate[i].points.indices { rate[i].points[j].y *= factor } }
                unit = " (×10" + superscript(power) + ")"
            }
            figures.append(Figure(
                name: "training_learning_rate", title: "Learning-rate schedule", xLabel: "training step (optimiser updates)",
                yLabel: "learning rate" + unit, caption: "The AdamW learning rate at each evaluation step (warmup, then decay).",
                kind: .lines, series: rate, yRange: (0, nil), xFromZero: true))
        }
        // Consistency training (UDA, VAT): the supervised and the consistency loss, and the share of unlabelled
        // examples confident enough to count.
        let consistency = series([("train_loss", "supervised loss"), ("consistency_loss", "consistency loss")], percent: false)
        if consistency.contains(where: { $0.title.hasSuffix("consistency loss") }) {
            figures.append(Figure(
                name: "training_consistency", title: "Supervised and consistency loss",
                xLabel: "training step (optimiser updates)", yLabel: "loss (nats per example)",
                caption: "Semi-supervised training: the mean cross-entropy on the labelled batches and the mean weighted consistency loss (UDA's KL to the sharpened prediction on the original, VAT's KL under the adversarial perturbation) on the unlabelled batches since the previous evaluation.",
                kind: .lines, series: consistency, xFromZero: true))
        }
        let confident = series([("unlabeled_confident_share", "unlabelled examples above the threshold")], percent: true)
        if !confident.isEmpty {
            figures.append(Figure(
                name: "training_unlabeled_confident", title: "Unlabelled examples above the confidence threshold",
                xLabel: "training step (optimiser updates)", yLabel: "share of unlabelled examples (%)",
                caption: "The share of unlabelled examples whose prediction on the original reached UDA's confidence threshold (only they count in the consistency loss) since the previous evaluation.",
                kind: .lines, series: confident, yRange: (0, 100), xFromZero: true))
        }
        // Any other training curve gets a figure of its own.
        let known: Set<String> = ["train_loss", "dev_loss", "dev_accuracy", "dev_macro_f1", "learning_rate", "consistency_loss",
                                  "unlabeled_confident_share"]
        let others = uniqueOrdered(runs.flatMap { $0.trainingCurves.keys.sorted() }).filter { !known.contains($0) }
        for curve in others {
            let percent = looksLikeShare(curve)
                && runs.allSatisfy { ($0.trainingCurves[curve] ?? []).allSatisfy { (0...1).contains($0.y) } }
            let list = series([(curve, humanise(curve))], percent: percent)
            let first = runs.compactMap { $0.trainingCurves[curve]?.first }.first!
            figures.append(Figure(
                name: "training_" + sanitise(curve), title: humanise(curve).capitalisedFirst + " during training",
                xLabel: first.xName == "step" ? "training step (optimiser updates)" : humanise(first.xName),
                yLabel: humanise(first.yName) + (percent ? " (%)" : ""),
                caption: "The stored training curve '\(curve)'.", kind: .lines, series: list,
                yRange: percent ? (nil, 100) : (nil, nil)))
        }
        return figures
    }

    // MARK: - Helpers

    /// A name that is safe as a file stem: letters, digits, '_' and '-'; anything else becomes '_'.
    static func sanitise(_ name: String) -> String {
        let mapped = String(name.lowercased().unicodeScalars.map { scalar -> Character in
            (scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == "-")) ? Character(scalar) : "_"
        })
        return mapped.isEmpty ? "curve" : String(mapped.prefix(80))
    }

    static func humanise(_ name: String) -> String {
        UserError.oneLine(name.replacingOccurrences(of: "_", with: " "))
    }

    /// Whether a metric or curve name suggests a share (0…1) to show as a percentage.
    static func looksLikeShare(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["accuracy", "rate", "f1", "fraction", "share"].contains { lowered.contains($0) }
            && !lowered.contains("learning")
    }

    /// An integer in Unicode superscript digits: -5 → "⁻⁵".
    static func superscript(_ value: Int) -> String {
        let digits: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
                                              "8": "⁸", "9": "⁹", "-": "⁻"]
        return String(String(value).map { digits[$0] ?? $0 })
    }

    static func uniqueOrdered<T: Hashable>(_ values: [T]) -> [T] {
        var seen = Set<T>()
        return values.filter { seen.insert($0).inserted }
    }
}

extension String {
    var capitalisedFirst: String { prefix(1).uppercased() + dropFirst() }
}
