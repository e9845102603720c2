// AugmentationJob: a dataset's training split augmented with text recipes (EDA, character noise) and/or
// adversarial examples from attack recipes, inside an `augment` run of the results store — shared by
// `robust augment` and `robust retrain --method augment`.
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
struct AugmentationRecipes {
    var textRecipes: [AugmentationRecipe] = []
    var attackRecipes: [Recipe] = []

    var names: [String] { textRecipes.map(\.name) + attackRecipes.map(\.name) }

    /// Resolves each reference in augmentations/ first, then as an attack recipe in attacks/.
    static func load(_ references: [String]) throws -> AugmentationRecipes {
        guard !references.isEmpty else { throw UserError("--recipe names no recipe") }
        let augmentations = AugmentationLibrary()
        var result = AugmentationRecipes()
        for reference in references {
            if augmentations.contains(reference) {
                result.textRecipes.append(try userFacing { try augmentations.load(reference) })
                continue
            }
            do {
                result.attackRecipes += try RecipeLibrary().load([reference])
            } catch {
                throw UserError("unknown recipe '\(reference)': not an augmentation recipe (\(augmentations.names().joined(separator: ", "))) nor an attack recipe (\(RecipeLibrary().names().joined(separator: ", ")))")
            }
        }
        guard Set(result.names).count == result.names.count else { throw UserError("--recipe names a recipe twice") }
        return result
    }

    /// SHA-256 over the recipe files, in order.
    var hash: String {
        var hasher = SHA256()
        for recipe in textRecipes { hasher.update(recipe.name); hasher.update("\u{0}"); hasher.update(recipe.source); hasher.update("\u{0}") }
        hasher.update(Recipe.hash(attackRecipes))
        return hasher.finalizeHex()
    }
}

struct AugmentationConfig: Codable {
    var data: String
    var recipes: [String]
    var perExample: Int?
    var seed: UInt64
    var trainSubset: Int?
    var attackSample: Int?
    var model: String?
    var out: String?
}

struct AugmentationJob {
    var dataset: DatasetSplits
    var recipes: AugmentationRecipes
    /// Overrides each text recipe's per_example.
    var perExample: Int?
    var seed: UInt64
    /// The checkpoint attacked by attack recipes.
    var checkpoint: Checkpoint?
    var maxLength: Int = 128
    /// Attack only a seeded sample of this many training examples (attacks are the costly part).
    var attackSample: Int?
    var workers: Int
    var encoderPath: String

    struct Outcome {
        var dataset: DatasetSplits
        var counts: AugmentationCounts
        var seconds: Double
    }

    /// Augments `dataset`'s training split (recording into `runID`) and returns the new dataset named `name`.
    func run(store: ResultStore, runID: Int64, name: String, description: String) throws -> Outcome {
        let started = Date()
        let train = dataset.train
        var augmented = [[String]](repeating: [], count: train.count)
        if !recipes.textRecipes.isEmpty {
            let wordnet = recipes.textRecipes.contains(where: \.needsWordNet) ? try userFacing { try WordNetDatabase.shared(directory: URL(fileURLWithPath: ResourceLocations.wordNet().require())) } : nil
            for (recipeIndex, recipe) in recipes.textRecipes.enumerated() {
                let count = perExample ?? recipe.perExample
                // One lexicon (a cache) per thread: `Parallel.forEach` numbers its threads 0..<Parallel.workers.
                let threads = max(1, workers)
                let saved = Parallel.workers
                Parallel.workers = threads
                defer { Parallel.workers = saved }
                let lexicons = (0..<threads).map { _ in Lexicon(wordnet: wordnet) }
                var results = [[String]](repeating: [], count: train.count)
                let progress = ProgressLine()
                let lock = NSLock()
                var done = 0
                results.withUnsafeMutableBufferPointer { slots in
                    let output = slots
                    Parallel.forEach(train.count) { index, worker in
                        let augmenter = TextAugmenter(recipe: recipe, lexicon: lexicons[worker])
                        var random = SeededRandom(seed: SeededRandom.mix(seed, index, recipeIndex))
                        output[index] = augmenter.augment(train[index].text, count: count, random: &random)
                        lock.lock()
                        done += 1
                        if done % 500 == 0 { progress.update("\(recipe.name): \(done)/\(train.count) training examples") }
                        lock.unlock()
                    }
                }
                progress.finish()
                for index in train.indices { augmented[index] += results[index] }
                let made = results.reduce(0) { $0 + $1.count }
                try store.recordMetrics([MetricRecord(runID: runID, recipe: recipe.name, name: "augmented_texts", value: Double(made))])
                print("\(recipe.name): \(made) augmented texts for \(train.count) training examples (up to \(count) each)")
            }
        }
        if !recipes.attackRecipes.isEmpty {
            guard let checkpoint else { throw UserError("attack recipes (\(recipes.attackRecipes.map(\.name).joined(separator: ", "))) need --model, the checkpoint to attack") }
            if let unknown = train.first(where: { !checkpoint.labels.contains($0.label) }) {
                throw UserError("the training split has label '\(unknown.label)', which \(checkpoint.labels) does not include")
            }
            let setup = try AttackSetup.prepare(checkpoint: checkpoint, recipes: recipes.attackRecipes, encoderPath: encoderPath,
                                                maxLength: maxLength, quiet: true)
            let maker = AdversarialExampleMaker(setup: setup, recipes: recipes.attackRecipes, workers: workers, store: store, runID: runID)
            var inputs = train.enumerated().map { AttackInput(index: $0.offset, text: $0.element.text, gold: $0.element.label) }
            if let attackSample { inputs = Sampling.sample(inputs, count: attackSample, seed: seed) }
            let harvest = try maker.harvest(inputs, dealt: false, seed: seed, storedName: { $0.name }, progressLabel: "attacking train with")
            for (index, text) in harvest.texts { augmented[index].append(text) }
            for recipe in recipes.attackRecipes {
                print("\(recipe.name): \(harvest.succeeded[recipe.name] ?? 0) adversarial examples from \(harvest.attacked[recipe.name] ?? 0) attacked training examples")
            }
        }
        let (newTrain, counts) = try userFacing { try AugmentedDataset.merge(dataset, augmented: augmented) }
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
                                              counts: counts, robustVersion: Robust.version)
        return Outcome(dataset: result, counts: counts, seconds: Date().timeIntervalSince(started))
    }

    /// "train 8,530 → 40,410: 31,880 added (12 duplicates, 0 dev/test texts dropped)" and the per-label line.
    static func summary(_ outcome: Outcome, originalTrain: Int) -> String {
        let c = outcome.counts
        return "train \(originalTrain) → \(outcome.dataset.train.count): \(c.added) added "
            + "(\(c.duplicates) duplicates and \(c.leaks) dev/test texts dropped; \(c.examplesWithout) examples got none)\n"
            + "per label (original + added): \(c.perLabelLine(labels: outcome.dataset.labels))"
    }
}
