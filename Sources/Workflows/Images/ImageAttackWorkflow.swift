// ImageAttackWorkflow: `robust attack` and `robust eval` on an image model — the clean predictions of the selected
// images, each pixel attack recipe (Vision's FGSM, PGD, APGD, Square; ε sweeps as accuracy-vs-ε curves), and for
// eval the common-corruption suite (accuracy per corruption and severity), recorded as one run: a row per image
// and recipe (status, norms, gradient evaluations and queries, the adversarial image as PNG for successes), the
// standard attack metrics with their intervals, curve points. Images are attacked in chunks recorded as they
// finish, so Ctrl-C loses at most one chunk and `--resume RUN` continues with the same per-image seeds.
import Analysis
import Attacks
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Training
import Transformer
import Vision

public struct ImageAttackWorkflow {
    public var model: String
    public var dataset: ImageDataset
    public var selection: ExampleSelection
    /// Pixel attack recipes or suites by name or path (nil: `pixel-default`; empty: none, a clean evaluation).
    public var recipes: [String]?
    /// Run the common-corruption suite too (eval).
    public var corruptions = false
    public var database: String
    public var seed: UInt64 = 42
    /// Images attacked (and recorded) at once.
    public var chunkSize = 64
    public var kind: RunKind = .attack
    public var label: String?
    public var resume: Int64?
    /// The run this one follows (retrain's after run: its before run).
    public var parentRunID: Int64?

    public init(model: String, dataset: ImageDataset, selection: ExampleSelection, recipes: [String]?, database: String) {
        self.model = model
        self.dataset = dataset
        self.selection = selection
        self.recipes = recipes
        self.database = database
    }

    public static let defaultSuite = "pixel-default"
    static let corruptionRecipe = "corruptions"

    /// What one run stores as its configuration (a resumed run must match it).
    struct Config: Codable {
        var split: String, limit: Int?, sample: Int?, offset: Int
        var seed: UInt64
        var recipes: [String]
        var corruptions: Bool
        var chunkSize: Int
    }

    public struct Outcome {
        public var runID: Int64
        public var summaries: [AttackSummary]
        /// Robust accuracy at each ε of the sweep recipes: recipe → [(ε, accuracy)].
        public var sweeps: [String: [(Float, Double)]]
        /// Clean accuracy of the selection.
        public var cleanAccuracy: Double
        /// Corruption → accuracy per severity 1…5 (eval).
        public var corruptionAccuracy: [(String, [Double])]
        public var secondsPerRecipe: [String: Double]
    }

    public func run(reporter: Reporter) throws -> Outcome {
        let handle = try UserError.wrapping { try ImageModelHandle(directory: URL(fileURLWithPath: model)) }
        try handle.requireTrainedHead()
        guard handle.labels == dataset.labels else {
            throw UserError("\(model) classifies \(handle.labels), but \(dataset.name) has labels \(dataset.labels)")
        }
        guard handle.shape == dataset.shape else {
            throw UserError("\(model) takes \(handle.shape) images but \(dataset.name) holds \(dataset.shape)")
        }
        let loaded = try UserError.wrapping {
            try PixelAttackRecipe.load(recipes ?? [Self.defaultSuite], builtIn: RecipeLibrary.builtInImage,
                                       folder: recipeFolder)
        }
        let attackRecipes = loaded.map { recipe -> PixelAttackRecipe in
            var seeded = recipe
            seeded.settings.seed = SeededRandom.mix(seed ^ recipe.settings.seed, 0x91C)
            return seeded
        }
        let (split, indices, images) = try ImageData.select(dataset, selection, seed: seed)
        let classifier = try UserError.wrapping { try EnginePixelClassifier(handle) }
        let store = try RunRecording.openForWriting(database)
        let config = Config(split: selection.split, limit: selection.limit, sample: selection.sample, offset: selection.offset,
                            seed: seed, recipes: attackRecipes.map(\.name), corruptions: corruptions, chunkSize: chunkSize)
        var runRecord = try RunRecording.run(kind: kind, modelHash: handle.weightsSHA256, dataHash: dataset.manifest.contentSHA256,
                                             seed: seed, config: config, label: label)
        runRecord.recipeHash = PixelAttackRecipe.hash(attackRecipes)
        runRecord.parentRunID = parentRunID
        if let resume {
            try ResumeCheck.check(store, run: resume, kind: kind, modelHash: handle.weightsSHA256, dataHash: dataset.manifest.contentSHA256,
                                  recipeHash: runRecord.recipeHash, configJSON: runRecord.configJSON)
        }
        Interruption.install()
        var outcome: Outcome?
        try UserError.wrapping {
            try store.withRun(runRecord, resuming: resume, interrupted: { Interruption.wasRequested }) { run in
                outcome = try attackAndRecord(run: run.runID, store: store, handle: handle, classifier: classifier,
                                              recipes: attackRecipes, split: split, indices: indices, images: images,
                                              reporter: reporter)
            }
        }
        guard let outcome else { throw UserError("the attack produced no result") }
        return outcome
    }

    /// User recipe files live in attacks/ of the working directory (or $ROBUST_ATTACKS_DIR), as for text.
    var recipeFolder: URL? {
        let library = RecipeLibrary()
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: library.directory.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? library.directory : nil
    }

    private func attackAndRecord(run: Int64, store: ResultStore, handle: ImageModelHandle, classifier: EnginePixelClassifier,
                                 recipes: [PixelAttackRecipe], split: String, indices: [Int], images: ImageExamples,
                                 reporter: Reporter) throws -> Outcome {
        let labels = dataset.labels
        reporter.say("run \(run) in \(database): \(images.count) \(split) images of \(dataset.name), model \(model)")
        // Clean predictions.
        let started = Date()
        let probabilities = try UserError.wrapping {
            try ImageEvaluation.probabilities(handle.model, normalization: handle.preprocessor.normalization, examples: images)
        }
        let clean = Evaluation.result(probabilities: probabilities, gold: images.labels, labels: labels)
        try ImageRecording.recordClean(store, run: run, split: split, dataset: dataset.name, examples: images, indices: indices,
                                       result: clean, labels: labels, seconds: Date().timeIntervalSince(started))
        reporter.say(String(format: "clean accuracy %.4f", clean.report.accuracy))
        var outcome = Outcome(runID: run, summaries: [], sweeps: [:], cleanAccuracy: clean.report.accuracy, corruptionAccuracy: [],
                              secondsPerRecipe: [:])
        let pixels = FloatBuffer(capacity: images.count * images.shape.count)
        images.gather(Array(0..<images.count), into: pixels.pointer)
        let n = images.shape.count
        for recipe in recipes {
            let done = try store.completedExampleIndices(run: run, recipe: recipe.name)
            let recipeStarted = Date()
            var attacked = 0, successes = 0, finished = 0
            var sweepCorrect: [Float: Int] = [:]
            for chunkStart in stride(from: 0, to: images.count, by: chunkSize) {
                let chunk = chunkStart..<min(chunkStart + chunkSize, images.count)
                if chunk.allSatisfy({ done.contains(indices[$0]) }) { continue }
                if Interruption.wasRequested {
                    throw UserError("interrupted during recipe '\(recipe.name)'; continue with --resume \(run)")
                }
                let chunkPixels = Array(UnsafeBufferPointer(start: pixels.pointer + chunk.lowerBound * n, count: chunk.count * n))
                let chunkLabels = Array(images.labels[chunk])
                let chunkStarted = Date()
                let results = try UserError.wrapping {
                    try PixelAttacks.run(recipe.settings, classifier: classifier, images: chunkPixels, labels: chunkLabels,
                                         batchSize: chunkSize, firstIndex: chunk.lowerBound)
                }
                // The sweep: accuracy under the same attack at each ε (the recipe's own ε is the row above).
                var curves = [[[String: Any]]](repeating: [], count: chunk.count)
                if let sweep = recipe.sweep {
                    for epsilon in sweep {
                        var settings = recipe.settings
                        settings.epsilon = epsilon
                        let swept = epsilon == recipe.settings.epsilon ? results : try UserError.wrapping {
                            try epsilon == 0 ? [] : PixelAttacks.run(settings, classifier: classifier, images: chunkPixels, labels: chunkLabels,
                                                                     batchSize: chunkSize, firstIndex: chunk.lowerBound)
                        }
                        for position in 0..<chunk.count {
                            let correct = epsilon == 0 ? clean.predictions[chunk.lowerBound + position] == chunkLabels[position]
                                : swept[position].status == .failed
                            sweepCorrect[epsilon, default: 0] += correct ? 1 : 0
                            curves[position].append(["curve": "accuracy_vs_epsilon", "x_name": "epsilon", "x": Double(epsilon),
                                                     "y_name": "accuracy", "y": correct ? 1.0 : 0.0])
                        }
                    }
                }
                let perImage = Date().timeIntervalSince(chunkStarted) * 1000 / Double(chunk.count)
                for (position, result) in results.enumerated() {
                    let index = indices[chunk.lowerBound + position]
                    guard !done.contains(index) else { continue }
                    if result.status != .skipped { attacked += 1 }
                    if result.success { successes += 1 }
                    try store.recordExample(record(result, run: run, recipe: recipe.name, index: index, split: split, shape: images.shape,
                                                   original: UnsafeBufferPointer(start: pixels.pointer + (chunk.lowerBound + position) * n, count: n),
                                                   curves: curves[position], milliseconds: perImage))
                }
                finished += chunk.count
                reporter.progress("\(recipe.name): \(finished)/\(images.count) · success \(successes)/\(attacked)")
            }
            reporter.endProgress()
            let examples = try store.examples(run: run, recipe: recipe.name)
            let summary = AttackSummary(recipe: recipe.name, examples: examples)
            try store.recordMetrics(AttackSuite.recipeMetrics(examples, summary: summary, recipe: recipe.name, runID: run))
            let points = AttackRecording.curvePoints(of: examples, runID: run, recipe: recipe.name)
            try store.recordCurvePoints(points)
            if recipe.sweep != nil {
                outcome.sweeps[recipe.name] = points.filter { $0.curve == "accuracy_vs_epsilon" }.sorted { $0.x < $1.x }
                    .map { (Float($0.x), $0.y) }
            }
            outcome.summaries.append(summary)
            outcome.secondsPerRecipe[recipe.name] = Date().timeIntervalSince(recipeStarted)
        }
        if corruptions {
            outcome.corruptionAccuracy = try corruptionSuite(run: run, store: store, handle: handle, images: images, pixels: pixels,
                                                             reporter: reporter)
        }
        return outcome
    }

    /// A row of the results store for one attacked image.
    private func record(_ result: PixelAttackResult, run: Int64, recipe: String, index: Int, split: String, shape: ImageShape,
                        original: UnsafeBufferPointer<Float>, curves: [[String: Any]], milliseconds: Double) -> ExampleRecord {
        let labels = dataset.labels
        let status: ExampleStatus
        switch result.status {
        case .success: status = .success
        case .failed: status = .failed
        case .skipped: status = .cleanWrong
        }
        // Pixels moved by at least half an 8-bit level.
        var changed = 0
        if result.status != .skipped {
            for i in 0..<min(original.count, result.adversarialImage.count) where abs(result.adversarialImage[i] - original[i]) >= 0.5 / 255 {
                changed += 1
            }
        }
        var detail: [String: Any] = ["details": ["linf": Double(result.linfDistance), "l2": Double(result.l2Distance),
                                                  "margin": Double(result.margin), "loss": Double(result.loss),
                                                  "gradient_evaluations": Double(result.gradientEvaluations)]
            .filter { $0.value.isFinite }]
        if !curves.isEmpty { detail["curves"] = curves }
        if result.success, result.adversarialImage.count == original.count {
            // The report shows original, adversarial and the perturbation magnified so its largest change spans the range.
            let delta = zip(result.adversarialImage, original).map { $0 - $1 }
            let largest = max(delta.map(abs).max() ?? 0, 1e-6)
            detail["original_png"] = ImagePNG.encode(Array(original), shape: shape)
            detail["adversarial_png"] = ImagePNG.encode(result.adversarialImage, shape: shape)
            detail["perturbation_png"] = ImagePNG.encode(delta.map { 0.5 + 0.5 * $0 / largest }, shape: shape)
            detail["perturbation_magnification"] = Double(0.5 / largest)
        }
        let json = (try? JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
        return ExampleRecord(runID: run, recipe: recipe, exampleIndex: index,
                             text: ImageRecording.name(dataset: dataset.name, split: split, index: index), gold: labels[result.label],
                             cleanPrediction: labels[result.cleanPrediction],
                             adversarialText: nil,
                             adversarialPrediction: result.status == .skipped ? nil : labels[result.adversarialPrediction],
                             status: status, queries: result.gradientEvaluations + result.queries, wordsChanged: changed,
                             wordsTotal: shape.count, similarity: nil, milliseconds: milliseconds, detailJSON: json)
    }

    /// Accuracy under each common corruption at severities 1…5 (Vision's `CorruptionSuite.standard`), as metrics
    /// `accuracy_<corruption>_<severity>` (bootstrap intervals) and curves `accuracy_vs_severity_<corruption>` of
    /// the recipe "corruptions", plus their mean.
    private func corruptionSuite(run: Int64, store: ResultStore, handle: ImageModelHandle, images: ImageExamples,
                                 pixels: FloatBuffer, reporter: Reporter) throws -> [(String, [Double])] {
        let n = images.shape.count, count = images.count
        let suite = CorruptionSuite.standard
        let corrupted = FloatBuffer(capacity: count * n)
        let workspace = handle.model.makeWorkspace(training: false)
        var byCorruption: [String: [Double]] = [:], order: [String] = []
        var metrics: [MetricRecord] = [], points: [CurvePointRecord] = []
        var all: [Double] = []
        for (position, entry) in suite.entries.enumerated() {
            if Interruption.wasRequested { throw UserError("interrupted during the corruption suite; continue with --resume \(run)") }
            reporter.progress("corruptions: \(entry.name) (\(position + 1)/\(suite.entries.count))")
            corrupted.pointer.update(from: pixels.pointer, count: count * n)
            try UserError.wrapping {
                try suite.apply(entry, images: corrupted.pointer, count: count, shape: images.shape, seed: SeededRandom.mix(seed, 0xC0FF),
                                indices: Array(0..<count))
            }
            var correct: [Bool] = []
            for start in stride(from: 0, to: count, by: 256) {
                let rows = min(256, count - start)
                let logits = try UserError.wrapping {
                    try handle.model.classifyImages(corrupted.pointer + start * n, count: rows,
                                                    normalization: handle.preprocessor.normalization, workspace: workspace)
                }
                let c = handle.model.classCount
                for row in 0..<rows {
                    var best = 0
                    for j in 1..<c where logits[row * c + j] > logits[row * c + best] { best = j }
                    correct.append(best == images.labels[start + row])
                }
            }
            let name = entry.corruption.rawValue, severity = entry.severity
            let interval = Bootstrap.proportion(correct)
            let accuracy = interval?.value ?? 0
            metrics.append(MetricRecord(runID: run, recipe: Self.corruptionRecipe, name: "accuracy_\(name)_\(severity)", value: accuracy,
                                        low: interval?.low, high: interval?.high))
            points.append(CurvePointRecord(runID: run, recipe: Self.corruptionRecipe, curve: "accuracy_vs_severity_\(name)",
                                           xName: "severity", x: Double(severity), yName: "accuracy", y: accuracy))
            if byCorruption[name] == nil { order.append(name) }
            byCorruption[name, default: []].append(accuracy)
            all.append(accuracy)
        }
        reporter.endProgress()
        metrics.append(MetricRecord(runID: run, recipe: Self.corruptionRecipe, name: "mean_corruption_accuracy",
                                    value: all.reduce(0, +) / Double(max(all.count, 1))))
        try store.recordMetrics(metrics)
        try store.recordCurvePoints(points)
        return order.map { ($0, byCorruption[$0] ?? []) }
    }
}
