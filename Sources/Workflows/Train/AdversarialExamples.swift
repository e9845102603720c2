// AdversarialExamples: attack recipes run over training examples to harvest successful adversarial
// texts with their true labels — A2T's per-epoch examples (`robust train --a2t`, `robust retrain
// --method a2t`) and adversarial augmentation (`robust augment --recipe ATTACK`). Every attacked
// example is committed to the results store under the recipe name given, like an eval run's.
import Attacks
import Basics
import Datasets
import Foundation
import Results
import Tensors
import Training
import Transformer

struct AdversarialExampleMaker {
    let setup: AttackSetup
    let recipes: [Recipe]
    let workers: Int
    let store: ResultStore
    let runID: Int64
    let reporter: Reporter
    /// `--precision` (augment): every recipe's search precision, over a recipe's own.
    var precision: Precision? = nil

    struct Harvest {
        /// (training index, adversarial text) of every success, in input order per recipe.
        var texts: [(index: Int, text: String)] = []
        var attacked: [String: Int] = [:]
        var succeeded: [String: Int] = [:]
    }

    /// The inputs dealt to the recipe at `position` of `count` (every count-th, from its position).
    static func dealt(_ inputs: [AttackInput], to position: Int, of count: Int) -> [AttackInput] {
        inputs.enumerated().filter { $0.offset % count == position }.map(\.element)
    }

    /// Attacks `inputs` — every recipe attacks every input, or with `dealt` the inputs are dealt to the
    /// recipes in turn — and stores each example under `storedName(recipe)`.
    /// With `members`, only the inputs it takes (by index) are attacked: one shard of the harvest, dealt as the
    /// whole harvest is.
    func harvest(_ inputs: [AttackInput], dealt: Bool, seed: UInt64, storedName: (Recipe) -> String,
                 progressLabel: String, members: ((Int) -> Bool)? = nil) throws -> Harvest {
        var harvest = Harvest()
        for (position, recipe) in recipes.enumerated() {
            var mine = dealt ? Self.dealt(inputs, to: position, of: recipes.count) : inputs
            if let members { mine = mine.filter { members($0.index) } }
            guard !mine.isEmpty else { continue }
            let name = storedName(recipe)
            var found: [(index: Int, text: String)] = []
            // A resumed run (or a merge of shards) has some inputs recorded already: their successes count, unattacked.
            let done = try store.completedExampleIndices(run: runID, recipe: name)
            if !done.isEmpty {
                let wanted = Set(mine.map(\.index))
                for example in try store.examples(run: runID, recipe: name)
                where example.status == .success && wanted.contains(example.exampleIndex) {
                    if let text = example.adversarialText { found.append((example.exampleIndex, text)) }
                }
            }
            let pending = mine.filter { !done.contains($0.index) }
            let (searchPrecision, note) = AttackSettings.precision(for: recipe, forced: precision,
                                                                   checkpoint: setup.classifier.checkpoint != nil)
            if let note { reporter.warn("note: \(note)") }
            if !pending.isEmpty {
                _ = try setup.attackAndRecord(recipe, as: name, inputs: pending, workers: workers, seed: seed,
                                              precision: searchPrecision, store: store, runID: runID, reporter: reporter) { result, finished in
                    if result.status == .success, let text = result.adversarialText { found.append((result.input.index, text)) }
                    return "\(progressLabel) \(recipe.name): \(finished + mine.count - pending.count)/\(mine.count) · \(found.count) adversarial"
                }
            }
            if Interruption.wasRequested { throw UserError("interrupted while attacking training examples with '\(recipe.name)'") }
            try store.recordSummaryMetrics(run: runID, recipe: name)
            harvest.attacked[recipe.name] = mine.count
            harvest.succeeded[recipe.name] = found.count
            // Input order, whatever order the workers finished in.
            harvest.texts += found.sorted { $0.index < $1.index }
        }
        return harvest
    }
}

/// A2T's hook: at the start of each epoch from the plan's start epoch, attack a seeded sample of the
/// training set with the current weights and return the successes as training examples.
///
/// The harvest can be split over machines (A2TSharding.swift): with `pause`, training stops before a harvest
/// whose rows are not all recorded yet (its state saved); shards of the harvest run from that state
/// (`TrainingWorkflow.harvestShard`), `robust merge` joins them into the training database, and on resume the
/// merged rows are copied into the training run, so the harvest attacks nothing again and the epoch trains on
/// exactly the examples one process would have found.
final class A2TAttacker {
    let plan: DiscreteAdversarialTraining
    let maker: AdversarialExampleMaker
    let checkpoint: ModelHandle
    let train: [Example]
    let labels: [String]
    let maxLength: Int
    let seed: UInt64
    /// What a harvest's configuration names besides its epoch and weights (A2THarvestConfig).
    let harvestIdentity: A2THarvestConfig
    /// Stop before a harvest not yet recorded (EpochExtrasDeferred), for its shards to run elsewhere.
    var pause = false

    let reporter: Reporter

    init(plan: DiscreteAdversarialTraining, recipes: [Recipe], checkpoint: ModelHandle, train: [Example], labels: [String],
         maxLength: Int, seed: UInt64, workers: Int, encoderPath: String, store: ResultStore, runID: Int64,
         harvestIdentity: A2THarvestConfig, reporter: Reporter) throws {
        self.plan = plan
        self.checkpoint = checkpoint
        self.train = train
        self.labels = labels
        self.maxLength = maxLength
        self.seed = seed
        self.harvestIdentity = harvestIdentity
        self.reporter = reporter
        let setup = try AttackSetup.prepare(model: checkpoint, recipes: recipes, encoderPath: encoderPath,
                                            maxLength: maxLength, reporter: SilentReporter(), similarityOnlyIfNeeded: true)
        maker = AdversarialExampleMaker(setup: setup, recipes: recipes, workers: workers, store: store, runID: runID,
                                        reporter: reporter)
    }

    /// The training examples attacked at the start of 0-based `epoch`.
    func inputs(epoch: Int) -> [AttackInput] {
        plan.sample(epoch: epoch, trainCount: train.count, seed: seed).map { AttackInput(index: $0, text: train[$0].text, gold: train[$0].label) }
    }

    static func storedName(epoch: Int, recipe: String) -> String { "a2t-epoch\(epoch + 1):\(recipe)" }

    /// The harvest of `epoch` (or, with `members`, one shard of it), recorded in the maker's run.
    func harvest(epoch: Int, members: ((Int) -> Bool)? = nil) throws -> AdversarialExampleMaker.Harvest {
        try maker.harvest(inputs(epoch: epoch), dealt: true, seed: SeededRandom.mix(seed, epoch, 0xA2), storedName: {
            Self.storedName(epoch: epoch, recipe: $0.name)
        }, progressLabel: "A2T epoch \(epoch + 1)", members: members)
    }

    func adversarialExamples(epoch: Int) throws -> [TokenizedExample] {
        let inputs = inputs(epoch: epoch)
        guard !inputs.isEmpty else { return [] }
        if try !A2THarvestConfig.isRecorded(inputs, recipes: maker.recipes, epoch: epoch, store: maker.store, run: maker.runID) {
            let config = harvestIdentity.at(epoch: epoch, model: checkpoint.model)
            if let merged = try A2THarvestConfig.importMerged(config, epoch: epoch, store: maker.store, into: maker.runID) {
                reporter.say("A2T epoch \(epoch + 1): the harvest merged from \(merged) shards is taken")
            } else if pause {
                throw EpochExtrasDeferred(epoch: epoch, reason: "A2T epoch \(epoch + 1)'s harvest is due (\(inputs.count) training examples, weights \(config.weights.prefix(12)))")
            }
        }
        let started = Date()
        let harvest = try harvest(epoch: epoch)
        var examples: [TokenizedExample] = []
        for (index, text) in harvest.texts {
            guard let label = labels.firstIndex(of: train[index].label) else { continue }
            let ids = checkpoint.tokenizer.encode(text, maxLength: maxLength).ids
            if !ids.isEmpty { examples.append(TokenizedExample(ids: ids, label: label)) }
        }
        let perRecipe = maker.recipes.map { "\($0.name) \(harvest.succeeded[$0.name] ?? 0)/\(harvest.attacked[$0.name] ?? 0)" }
        reporter.say("A2T epoch \(epoch + 1): attacked \(inputs.count) training examples in \(formatDuration(Date().timeIntervalSince(started)))"
              + " — adversarial examples added: \(examples.count) (\(perRecipe.joined(separator: ", ")))")
        return examples
    }
}
