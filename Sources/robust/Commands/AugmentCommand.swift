// AugmentCommand: `robust augment` writes a new dataset folder whose training split holds the original
// examples plus augmented ones — EDA and character noise (augmentations/*.yaml) and/or the successful
// adversarial examples of attack recipes (attacks/*.yaml) against a checkpoint — with their original
// labels. Dev and test are copied unchanged. Deterministic by seed; recorded as an `augment` run.
import ArgumentParser
import Augmentation
import Basics
import Datasets
import Foundation
import Workflows

struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Write a dataset whose training split is augmented (EDA, character noise, adversarial examples).",
        discussion: """
            --recipe takes augmentation recipes (augmentations/: eda, char-noise, eda-char, or a file with \
            'operations') and attack recipes (attacks/: pwws, deepwordbug, a2t, …), comma-separated. Attack \
            recipes attack --model on the training examples (or a seeded --attack-sample of them) and keep \
            the successful adversarial texts. Augmented texts that repeat a training text, or equal a dev or \
            test text, are dropped. Train on the result with `robust train --data OUT`.
            """)

    @Option(help: "Recipes, comma-separated: augmentation recipes and/or attack recipes; 'none' copies the data (with --train-subset: a subset) unaugmented, as a baseline.")
    var recipe: String

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var database: DatabaseOption

    @Option(help: "The new dataset folder (not with --shard: a shard only records its attacks).")
    var out: String?

    @Option(help: "Continue the interrupted augment run with this id, or write the dataset of a merged sharded harvest.")
    var resume: Int64?

    @OptionGroup var shardOptions: ShardOptions

    @Option(help: "Augmented texts per training example (default: each recipe's per_example).")
    var perExample: Int?

    @Option(help: "Seed of every random choice (example i uses a seed mixed from it and i).")
    var seed: UInt64 = 42

    @Option(help: "Checkpoint that attack recipes attack (or --endpoint).")
    var model: String?

    @OptionGroup var endpoint: EndpointOptions

    @Option(help: "Keep only a seeded, label-stratified sample of N training examples (dev and test unchanged).")
    var trainSubset: Int?

    @Option(help: "Attack recipes attack only a seeded sample of N training examples.")
    var attackSample: Int?

    @Option(help: "Truncate texts to this many tokens when attacking.")
    var maxLength = 128

    @Option(help: "Threads (default: all cores). Results do not depend on it.")
    var workers: Int?

    @Option(help: "The new dataset's name (default: the folder's name).")
    var name: String?

    @Option(help: ArgumentHelp("Sentence encoder for attack recipes' similarity (default: the MiniLM base model).", valueName: "DIR"))
    var encoder: String?

    @Flag(help: "Replace an existing dataset folder in --out.")
    var overwrite = false

    @OptionGroup var precisionOption: PrecisionOption

    func validate() throws {
        if let perExample, !(1...100).contains(perExample) { throw ValidationError("--per-example must be in 1...100") }
        if let trainSubset, trainSubset < 2 { throw ValidationError("--train-subset must be at least 2") }
        if let attackSample, attackSample < 1 { throw ValidationError("--attack-sample must be positive") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    @Option(help: ArgumentHelp("Image datasets: also write the first 16 training images and their augmented copies as PNG files here.", valueName: "DIR"))
    var png: String?

    func run() throws {
        if ImageData.isImageDataset(dataOptions.data) {
            // An image dataset: image recipes (augmentations/image-*.yaml), copies after each original, dev/test unchanged.
            guard let out else { throw ValidationError("give --out DIR, the new dataset folder") }
            let outURL = URL(fileURLWithPath: out)
            var workflow = ImageAugmentWorkflow(dataset: try ImageData.load(dataOptions.data), recipes: RecipeLoading.split(recipe) ?? [],
                                                out: outURL, name: name ?? outURL.lastPathComponent, database: database.path)
            (workflow.perExample, workflow.seed, workflow.trainSubset, workflow.replace) = (perExample ?? 1, seed, trainSubset, overwrite)
            workflow.pngFolder = png.map { URL(fileURLWithPath: $0) }
            let outcome = try workflow.run(reporter: TerminalReporter())
            let counts = outcome.dataset.manifest.counts.mapValues { $0.values.reduce(0, +) }
            print("wrote \(out): \(outcome.dataset.name), train \(counts["train"] ?? 0) images (\(outcome.added) augmented), dev \(counts["dev"] ?? 0), test \(counts["test"] ?? 0); run \(outcome.runID)"
                  + (png.map { "; \(outcome.pngs) PNG files in \($0)" } ?? ""))
            return
        }
        if png != nil { throw ValidationError("--png is for image datasets") }
        let recipes = recipe == "none" ? AugmentationRecipes() : try AugmentationRecipes.load(RecipeLoading.split(recipe) ?? [])
        let shard = try shardOptions.resolve()
        if shard == nil && out == nil { throw ValidationError("give --out DIR, the new dataset folder") }
        if shard != nil && out != nil {
            throw ValidationError("a shard writes no dataset: drop --out, merge the shards with robust merge, then write it with robust augment … --resume RUN --out DIR")
        }
        let outURL = out.map { URL(fileURLWithPath: $0) }
        let precision = try precisionOption.value(servedModel: endpoint.isSet)
        let dataset = try dataOptions.load()
        var classifier: Classifier?
        if model != nil || endpoint.isSet {
            classifier = try endpoint.classifier(model: model, expected: dataset.labels, probe: dataset.train.first?.text,
                                                requireHead: false)
        }
        defer { if case .service(let service)? = classifier { service.shutdown() } }
        let subsetNote = trainSubset.map { " (train subset \($0))" } ?? ""
        let description = recipes.names.isEmpty ? "\(dataset.name)\(subsetNote) without augmentation (seed \(seed))"
            : "\(dataset.name)\(subsetNote) augmented with \(recipes.names.joined(separator: ", ")) (seed \(seed)"
                + (perExample.map { ", \($0) per example" } ?? "") + ")"
        var workflow = AugmentWorkflow(dataset: dataset, recipes: recipes, seed: seed, name: name ?? outURL?.lastPathComponent ?? dataset.name,
                                       description: description)
        (workflow.perExample, workflow.trainSubset, workflow.attackSample) = (perExample, trainSubset, attackSample)
        (workflow.classifier, workflow.maxLength) = (classifier, maxLength)
        workflow.workers = workers ?? (endpoint.isSet ? endpoint.endpointConcurrency : nil)
        workflow.precision = precision
        let databasePath = ShardOptions.database(database, shard: shard)
        (workflow.encoderPath, workflow.database) = (encoder ?? Defaults.baseModel, databasePath)
        (workflow.out, workflow.overwrite) = (outURL, overwrite)
        (workflow.shard, workflow.resume) = (shard, resume)
        let outcome = try workflow.run(reporter: TerminalReporter())
        guard let out else {
            print("run \(outcome.runID) recorded in \(databasePath) (shard \(shard.map(\.description) ?? "?")); when every shard has finished: robust merge SHARD.db… --into RUN.db, then robust augment … --db RUN.db --resume RUN --out DIR")
            return
        }
        print(outcome.summary)
        print("wrote \(out) (dev \(outcome.dataset.dev.count) and test \(outcome.dataset.test.count) unchanged) in \(formatDuration(outcome.seconds))")
    }
}
