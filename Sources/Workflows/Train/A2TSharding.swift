// A2TSharding: A2T's per-epoch harvest split over machines. `robust train --a2t R --a2t-pause` stops before each
// harvest with its state saved; `robust train … --resume --a2t-harvest --shard K/N --db H.db` attacks one shard of
// that harvest from the saved weights (a `train` run whose configuration is an `A2THarvestConfig`); `robust merge`
// joins the shards into the training database; `robust train … --resume` takes the merged rows into its run
// (`importMerged`) and trains the epoch on exactly the adversarial examples one process would have found.
import Attacks
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Training
import Transformer

/// What identifies one epoch's A2T harvest: the data, the recipes and plan, the seed, the epoch and the weights
/// it attacks (SHA-256 of the parameters at the pause). A shard's adds its shard; the merged run's is without it.
public struct A2THarvestConfig: Codable, Sendable, Equatable {
    public var a2tHarvest = true
    public var data: String
    public var recipes: [String]
    public var fraction: Double
    public var startEpoch: Int
    public var seed: UInt64
    public var maxLength: Int
    /// 1-based.
    public var epoch: Int = 0
    public var weights: String = ""
    public var shard: ShardRecord?

    /// This configuration for the harvest of 0-based `epoch` from `model`'s current weights.
    func at(epoch: Int, model: EncoderModel) -> A2THarvestConfig {
        var config = self
        (config.epoch, config.weights) = (epoch + 1, Self.weightsSHA256(model))
        return config
    }

    /// SHA-256 of the model's parameters as they are in memory.
    public static func weightsSHA256(_ model: EncoderModel) -> String {
        let store = model.parameters
        var hasher = SHA256()
        hasher.update(UnsafeRawBufferPointer(start: store.values.pointer, count: store.count * MemoryLayout<Float>.stride))
        return hasher.finalizeHex()
    }

    /// Whether every input of `epoch`'s harvest (dealt to the recipes in turn) is recorded in `run`.
    static func isRecorded(_ inputs: [AttackInput], recipes: [Recipe], epoch: Int, store: ResultStore, run: Int64) throws -> Bool {
        for (position, recipe) in recipes.enumerated() {
            let done = try store.completedExampleIndices(run: run, recipe: A2TAttacker.storedName(epoch: epoch, recipe: recipe.name))
            let mine = AdversarialExampleMaker.dealt(inputs, to: position, of: recipes.count)
            if mine.contains(where: { !done.contains($0.index) }) { return false }
        }
        return true
    }

    /// Copies the rows of a finished merged harvest matching `config` into the training run `run` (those it lacks),
    /// and returns how many shards it was merged from; nil when there is none.
    static func importMerged(_ config: A2THarvestConfig, epoch: Int, store: ResultStore, into run: Int64) throws -> Int? {
        let json = try JSONCoding.string(config)
        let candidates = try store.runs(matching: RunFilter(kind: .train, status: .finished)).filter {
            $0.parentRunID == nil && $0.configJSON == json
        }
        let shards = try store.mergedShards(runs: candidates.map(\.runID))
        guard let merged = candidates.first(where: { shards[$0.runID] != nil }) else { return nil }
        let prefix = A2TAttacker.storedName(epoch: epoch, recipe: "")
        var copied: [ExampleRecord] = []
        for recipe in try store.recipes(ofRun: merged.runID) where recipe.hasPrefix(prefix) {
            let done = try store.completedExampleIndices(run: run, recipe: recipe)
            for example in try store.examples(run: merged.runID, recipe: recipe) where !done.contains(example.exampleIndex) {
                var example = example
                (example.id, example.runID) = (nil, run)
                copied.append(example)
            }
        }
        try store.recordExamples(copied)
        return shards[merged.runID]?.first?.shardCount
    }
}

extension TrainingWorkflow {
    public struct HarvestShardOutcome: Sendable {
        public var runID: Int64
        /// 1-based.
        public var epoch: Int
        public var attacked: Int
        public var succeeded: Int
    }

    /// One shard of the A2T harvest a training paused with `a2tPause` waits for: the saved weights are loaded from
    /// `out`'s resume state, and the shard's training examples attacked and recorded in a new `train` run of
    /// `database` (its configuration an `A2THarvestConfig` with the shard). Nothing of the training changes.
    public func harvestShard(_ shard: ShardSpec, reporter: Reporter) throws -> HarvestShardOutcome {
        guard let plan = settings.discreteAdversarial else {
            throw UserError("--a2t-harvest needs the paused training's --a2t recipes and options")
        }
        let resumeFolder = out.appendingPathComponent(ResumeState.folderName)
        guard ResumeState.exists(in: resumeFolder) else {
            throw UserError("\(out.path) holds no paused training (no \(ResumeState.folderName)/\(ResumeState.stateFile)); start it with --a2t-pause")
        }
        let recipes = try RecipeLoading.load(plan.recipes)
        let checkpoint = try UserError.wrapping {
            try ModelHandle(directory: URL(fileURLWithPath: model), labels: dataset.labels, seed: settings.seed)
        }
        let maxLength = min(settings.maxLength, checkpoint.model.config.maxSequenceLength)
        let train = try LabelledData.tokenize(dataset.train, split: "train", labels: dataset.labels, tokenizer: checkpoint.tokenizer,
                                              maxLength: maxLength)
        let saved = try UserError.wrapping { try ResumeState.load(from: resumeFolder, into: checkpoint.model) }
        guard saved.matches(settings: settings, dataSHA256: dataset.manifest.contentSHA256, baseModel: model) else {
            throw UserError("--a2t-harvest needs the same --model, data and hyper-parameters as the paused training")
        }
        let epoch = saved.state.epoch
        guard !saved.state.finished, saved.state.epochExtras == nil, plan.attackedCount(epoch: epoch, trainCount: train.kept.count) > 0 else {
            throw UserError("the training saved in \(out.path) is not waiting for an A2T harvest (resume it without --a2t-harvest)")
        }
        let store = try RunRecording.openForWriting(database)
        let identity = harvestIdentity(plan, maxLength: maxLength)
        var config = identity.at(epoch: epoch, model: checkpoint.model)
        let sampled = plan.sample(epoch: epoch, trainCount: train.kept.count, seed: settings.seed)
        config.shard = ShardRecord(index: shard.index, count: shard.count, examples: sampled.filter(shard.contains(example:)).count,
                                   selected: train.kept.count, labels: dataset.labels)
        var runRecord = try RunRecording.run(kind: .train, modelHash: config.weights,
                                             dataHash: dataset.manifest.contentSHA256, seed: settings.seed, config: config,
                                             label: "A2T epoch \(epoch + 1) harvest, shard \(shard)")
        runRecord.recipeHash = Recipe.hash(recipes)
        Interruption.install()
        var outcome: HarvestShardOutcome?
        try UserError.wrapping {
            try store.withRun(runRecord, interrupted: { Interruption.wasRequested }) { run in
                let attacker = try A2TAttacker(plan: plan, recipes: recipes, checkpoint: checkpoint, train: train.kept,
                                               labels: dataset.labels, maxLength: maxLength, seed: settings.seed,
                                               workers: a2tWorkers ?? Parallel.workers, encoderPath: encoderPath, store: store,
                                               runID: run.runID, harvestIdentity: identity, reporter: reporter)
                let harvest = try attacker.harvest(epoch: epoch, members: shard.contains(example:))
                outcome = HarvestShardOutcome(runID: run.runID, epoch: epoch + 1, attacked: harvest.attacked.values.reduce(0, +),
                                              succeeded: harvest.succeeded.values.reduce(0, +))
            }
        }
        guard let outcome else { throw UserError("the harvest produced no result") }
        return outcome
    }

    /// The harvest configuration of this training, before its epoch and weights are known.
    func harvestIdentity(_ plan: DiscreteAdversarialTraining, maxLength: Int) -> A2THarvestConfig {
        A2THarvestConfig(data: dataset.manifest.contentSHA256, recipes: plan.recipes, fraction: plan.fraction,
                         startEpoch: plan.startEpoch, seed: settings.seed, maxLength: maxLength)
    }
}
