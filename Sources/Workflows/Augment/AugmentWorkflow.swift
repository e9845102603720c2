// AugmentWorkflow: a dataset's training split augmented with text recipes (EDA, character noise) and/or
// adversarial examples from attack recipes, inside an `augment` run of the results store, optionally
// written as a new dataset folder — shared by `robust augment` and `robust retrain --method augment`.
import Attacks
import Augmentation
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Transformer
import WordNet

/// The recipes of an augmentation, each either a text augmentation or an attack recipe.
public struct AugmentationRecipes {
    public var textRecipes: [AugmentationRecipe] = []
    public var attackRecipes: [Recipe] = []

    public init() {}

    public var names: [String] { textRecipes.map(\.name) + attackRecipes.map(\.name) }

    /// Resolves each reference in augmentations/ first, then as an attack recipe in attacks/.
    public static func load(_ references: [String]) throws -> AugmentationRecipes {
        guard !references.isEmpty else { throw UserError("--recipe names no recipe") }
        let augmentations = AugmentationLibrary()
        var result = AugmentationRecipes()
        for reference in references {
            if augmentations.contains(reference) {
                result.textRecipes.append(try UserError.wrapping { try augmentations.load(reference) })
                continue
            }
            do {
                result.attackRecipes += try RecipeLibrary().load([reference])
            } catch {
                if FileManager.default.fileExists(atPath: reference) {
                    throw UserError("\(reference) is not an augmentation recipe (no 'operations'), and as an attack recipe: \(error)")
                }
                throw UserError("unknown recipe '\(reference)': not an augmentation recipe (\(augmentations.names().joined(separator: ", "))) nor an attack recipe (\(RecipeLibrary().names().joined(separator: ", ")))")
            }
        }
        guard Set(result.names).count == result.names.count else { throw UserError("--recipe names a recipe twice") }
        return result
    }

    /// SHA-256 over the recipe files, in order.
    public var hash: String {
        var hasher = SHA256()
        for recipe in textRecipes { hasher.update(recipe.name); hasher.update("\u{0}"); hasher.update(recipe.source); hasher.update("\u{0}") }
        hasher.update(Recipe.hash(attackRecipes))
        return hasher.finalizeHex()
    }
}

struct AugmentationConfig: Codable, Equatable {
    var data: String
    var recipes: [String]
    var perExample: Int?
    var seed: UInt64
    var trainSubset: Int?
    var attackSample: Int?
    var model: String?
    var out: String?
    /// The shard this run is (`--shard K/N`: attack recipes' harvest only); nil for a whole run.
    var shard: ShardRecord?
}

public struct AugmentWorkflow {
    public var dataset: DatasetSplits
    public var recipes: AugmentationRecipes
    public var seed: UInt64
    /// The new dataset's name and description.
    public var name: String
    public var description: String
    /// Overrides each text recipe's per_example.
    public var perExample: Int?
    /// Keep only a seeded, label-stratified sample of this many training examples first.
    public var trainSubset: Int?
    /// The classifier attacked by attack recipes: a checkpoint, or a served model.
    public var classifier: Classifier?
    /// The checkpoint attacked by attack recipes.
    public var model: ModelHandle? {
        get { classifier?.checkpoint }
        set { classifier = newValue.map { .checkpoint($0) } }
    }
    public var maxLength: Int = 128
    /// Attack only a seeded sample of this many training examples (attacks are the costly part).
    public var attackSample: Int?
    /// Threads (nil: all cores). Results do not depend on it.
    public var workers: Int?
    /// `--precision`: the search precision of attack recipes (successes are fp32 either way).
    public var precision: Precision?
    public var encoderPath = ResourceLocations.baseModel().path
    public var database = ResultStoreLocation.resolve(option: nil)
    /// Where to write the new dataset (nil: not written, e.g. for retraining) and whether to replace it.
    public var out: URL?
    public var overwrite = false
    public var parentRunID: Int64?
    public var label: String?
    /// One shard of the attack recipes' harvest (`--shard K/N`): only the training examples whose index hashes to
    /// it are attacked, nothing else is done and no dataset is written; `robust merge` joins the shards, and
    /// `resume` on the merged run writes the dataset.
    public var shard: ShardSpec?
    /// Continue this augment run (an interrupted one, or the merge of a sharded harvest).
    public var resume: Int64?

    /// Options beyond these are properties with defaults.
    public init(dataset: DatasetSplits, recipes: AugmentationRecipes, seed: UInt64, name: String, description: String) {
        self.dataset = dataset
        self.recipes = recipes
        self.seed = seed
        self.name = name
        self.description = description
    }

    public struct Outcome {
        public var runID: Int64
        public var dataset: DatasetSplits
        public var counts: AugmentationCounts
        public var seconds: Double
        /// The training examples before augmentation (after --train-subset).
        public var originalTrain: Int

        /// "train 8,530 → 40,410: 31,880 added (12 duplicates, 0 dev/test texts dropped)" and the per-label line.
        public var summary: String {
            let c = counts
            return "train \(originalTrain) → \(dataset.train.count): \(c.added) added "
                + "(\(c.duplicates) duplicates and \(c.leaks) dev/test texts dropped; \(c.examplesWithout) examples got none)\n"
                + "per label (original + added): \(c.perLabelLine(labels: dataset.labels))"
        }
    }

    /// Checks the inputs, records an `augment` run, augments, and writes the new dataset to `out`.
    public func run(reporter: Reporter) throws -> Outcome {
        if let out, FileManager.default.fileExists(atPath: out.path) && !overwrite {
            throw UserError("\(out.relativePath) already exists; pass --overwrite to replace it")
        }
        var dataset = self.dataset
        if let out, let directory = dataset.directory, directory.standardizedFileURL.path == out.standardizedFileURL.path {
            throw UserError("--out is the input dataset's own folder; write the augmented dataset elsewhere")
        }
        if let out { try OutputFolder.checkWritable(out, what: "--out") }
        if let trainSubset {
            guard trainSubset < dataset.train.count else {
                throw UserError("--train-subset \(trainSubset) is not smaller than the training split (\(dataset.train.count) examples)")
            }
            dataset.train = TrainingSubset.stratified(dataset.train, count: trainSubset, seed: seed)
        }
        if let model {
            guard model.hasTrainedHead else {
                throw UserError("\(model.path) has no trained classification head; attack recipes need a fine-tuned checkpoint")
            }
        } else if classifier == nil && !recipes.attackRecipes.isEmpty {
            throw UserError("attack recipes (\(recipes.attackRecipes.map(\.name).joined(separator: ", "))) need --model (the checkpoint to attack) or --endpoint")
        }
        if shard != nil {
            if out != nil { throw UserError("a shard writes no dataset: merge the shards with robust merge, then write it with robust augment … --resume RUN --out DIR") }
            if recipes.attackRecipes.isEmpty { throw UserError("--shard splits the attack recipes' work; text recipes alone need no shards") }
        }
        let store = try RunRecording.openForWriting(database)
        var config = AugmentationConfig(data: dataset.name, recipes: recipes.names, perExample: perExample, seed: seed,
                                        trainSubset: trainSubset, attackSample: attackSample, model: classifier?.name,
                                        out: out?.relativePath)
        if let shard {
            let inputs = attackInputs(dataset.train)
            config.shard = ShardRecord(index: shard.index, count: shard.count, examples: inputs.filter { shard.contains(example: $0.index) }.count,
                                       selected: dataset.train.count, labels: classifier?.labels ?? dataset.labels)
        }
        var runRecord = try RunRecording.run(kind: .augment, modelHash: model?.weightsSHA256 ?? "",
                                             dataHash: dataset.manifest.contentSHA256, seed: seed, config: config, label: label)
        runRecord.parentRunID = parentRunID
        runRecord.recipeHash = recipes.hash
        if let resume {
            // The dataset folder may differ from the interrupted run's (a merged harvest has none).
            try ResumeCheck.check(store, run: resume, kind: .augment, modelHash: runRecord.modelHash, dataHash: runRecord.dataHash,
                                  recipeHash: runRecord.recipeHash, configJSON: runRecord.configJSON) { stored in
                guard var earlier = try? JSONDecoder().decode(AugmentationConfig.self, from: Data(stored.utf8)) else { return false }
                var now = config
                (earlier.out, now.out) = (nil, nil)
                return earlier == now
            }
        }
        Interruption.install()
        return try UserError.wrapping {
            try store.withRun(runRecord, resuming: resume, interrupted: { Interruption.wasRequested }) { run -> Outcome in
                if out != nil { reporter.say("run \(run.runID) in \(database)") }
                var outcome = try augment(dataset, store: store, runID: run.runID, reporter: reporter)
                if let out { outcome.dataset = try UserError.wrapping { try outcome.dataset.write(to: out, replace: overwrite) } }
                return outcome
            }
        }
    }

    /// Augments `dataset`'s training split (recording into `runID`) and returns the new dataset.
    func augment(_ dataset: DatasetSplits, store: ResultStore, runID: Int64, reporter: Reporter) throws -> Outcome {
        let started = Date()
        let train = dataset.train
        var augmented = [[String]](repeating: [], count: train.count)
        if !recipes.textRecipes.isEmpty && shard == nil {
            let wordnet = recipes.textRecipes.contains(where: \.needsWordNet) ? try Lexicon.sharedWordNet() : nil
            // tfidf_replace's statistics come from the training texts being augmented.
            let corpus = recipes.textRecipes.contains(where: \.needsCorpus) ? TfIdfStatistics(texts: train.map(\.text)) : nil
            for (recipeIndex, recipe) in recipes.textRecipes.enumerated() {
                let count = perExample ?? recipe.perExample
                // One lexicon (a cache) per thread: `Parallel.forEach` numbers its threads 0..<threads.
                let threads = max(1, workers ?? Parallel.workers)
                let lexicons = (0..<threads).map { _ in Lexicon(wordnet: wordnet) }
                var results = [[String]](repeating: [], count: train.count)
                let lock = NSLock()
                var done = 0
                results.withUnsafeMutableBufferPointer { slots in
                    let output = slots
                    Parallel.forEach(train.count, threads: threads) { index, worker in
                        let augmenter = TextAugmenter(recipe: recipe, lexicon: lexicons[worker], corpus: corpus)
                        var random = SeededRandom(seed: SeededRandom.mix(seed, index, recipeIndex))
                        output[index] = augmenter.augment(train[index].text, count: count, random: &random)
                        lock.lock()
                        done += 1
                        if done % 500 == 0 { reporter.progress("\(recipe.name): \(done)/\(train.count) training examples") }
                        lock.unlock()
                    }
                }
                reporter.endProgress()
                for index in train.indices { augmented[index] += results[index] }
                let made = results.reduce(0) { $0 + $1.count }
                try store.recordMetrics([MetricRecord(runID: runID, recipe: recipe.name, name: "augmented_texts", value: Double(made))])
                reporter.say("\(recipe.name): \(made) augmented texts for \(train.count) training examples (up to \(count) each)")
            }
        }
        if !recipes.attackRecipes.isEmpty {
            guard let classifier else { throw UserError("attack recipes (\(recipes.attackRecipes.map(\.name).joined(separator: ", "))) need --model (the checkpoint to attack) or --endpoint") }
            if let unknown = train.first(where: { !classifier.labels.contains($0.label) }) {
                throw UserError("the training split has label '\(unknown.label)', which \(classifier.labels) does not include")
            }
            let setup = try AttackSetup.prepare(classifier: classifier, recipes: recipes.attackRecipes, encoderPath: encoderPath,
                                                maxLength: maxLength, reporter: SilentReporter())
            var maker = AdversarialExampleMaker(setup: setup, recipes: recipes.attackRecipes, workers: workers ?? Parallel.workers, store: store, runID: runID,
                                                reporter: reporter)
            maker.precision = precision
            var inputs = attackInputs(train)
            if let shard { inputs = inputs.filter { shard.contains(example: $0.index) } }
            let harvest = try maker.harvest(inputs, dealt: false, seed: seed, storedName: { $0.name }, progressLabel: "attacking train with")
            for (index, text) in harvest.texts { augmented[index].append(text) }
            for recipe in recipes.attackRecipes {
                reporter.say("\(recipe.name): \(harvest.succeeded[recipe.name] ?? 0) adversarial examples from \(harvest.attacked[recipe.name] ?? 0) attacked training examples")
            }
            try RunRecording.recordService(store, run: runID, classifier: classifier, reporter: reporter)
        }
        if shard != nil {
            // A shard's harvest is recorded; the dataset is written once the shards are merged.
            return Outcome(runID: runID, dataset: dataset, counts: AugmentationCounts(), seconds: Date().timeIntervalSince(started),
                           originalTrain: train.count)
        }
        let (newTrain, counts) = try UserError.wrapping { try AugmentedDataset.merge(dataset, augmented: augmented) }
        var metrics = [
            MetricRecord(runID: runID, recipe: "augment", name: "added", value: Double(counts.added)),
            MetricRecord(runID: runID, recipe: "augment", name: "duplicates_dropped", value: Double(counts.duplicates)),
            MetricRecord(runID: runID, recipe: "augment", name: "heldout_texts_dropped", value: Double(counts.leaks)),
        ]
        for label in dataset.labels {
            metrics.append(MetricRecord(runID: runID, recipe: "augment", name: "added[\(label)]", value: Double(counts.addedPerLabel[label] ?? 0)))
        }
        try store.recordMetrics(metrics)
        let result = AugmentedDataset.dataset(from: dataset, train: newTrain, name: name, description: description,
                                              counts: counts, robustVersion: RobustVersion.current)
        return Outcome(runID: runID, dataset: result, counts: counts, seconds: Date().timeIntervalSince(started),
                       originalTrain: train.count)
    }

    /// The training examples attack recipes attack (all, or `attackSample`'s seeded sample), each under its index
    /// in the training split: its seed, its stored row and its shard go by it.
    func attackInputs(_ train: [Example]) -> [AttackInput] {
        var inputs = train.enumerated().map { AttackInput(index: $0.offset, text: $0.element.text, gold: $0.element.label) }
        if let attackSample { inputs = Sampling.sample(inputs, count: attackSample, seed: seed) }
        return inputs
    }
}
