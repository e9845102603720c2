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

    /// Attacks `inputs` — every recipe attacks every input, or with `dealt` the inputs are dealt to the
    /// recipes in turn — and stores each example under `storedName(recipe)`.
    func harvest(_ inputs: [AttackInput], dealt: Bool, seed: UInt64, storedName: (Recipe) -> String,
                 progressLabel: String) throws -> Harvest {
        var harvest = Harvest()
        for (position, recipe) in recipes.enumerated() {
            let mine = dealt ? inputs.enumerated().filter { $0.offset % recipes.count == position }.map(\.element) : inputs
            guard !mine.isEmpty else { continue }
            let name = storedName(recipe)
            var found: [(index: Int, text: String)] = []
            // A resumed run (or a merge of shards) has some inputs recorded already: their successes count, unattacked.
            let done = try store.completedExampleIndices(run: runID, recipe: name)
            if !done.isEmpty {
                let wanted = Set(mine.map(\.index))
                for example in try store.examples(run: runID, recipe: name) where example.status == .success && done.contains(example.exampleIndex) {
                    if let text = example.adversarialText, wanted.contains(example.exampleIndex) {
                        found.append((example.exampleIndex, text))
                    }
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
final class A2TAttacker {
    let plan: DiscreteAdversarialTraining
    let maker: AdversarialExampleMaker
    let checkpoint: ModelHandle
    let train: [Example]
    let labels: [String]
    let maxLength: Int
    let seed: UInt64

    let reporter: Reporter

    init(plan: DiscreteAdversarialTraining, recipes: [Recipe], checkpoint: ModelHandle, train: [Example], labels: [String],
         maxLength: Int, seed: UInt64, workers: Int, encoderPath: String, store: ResultStore, runID: Int64,
         reporter: Reporter) throws {
        self.plan = plan
        self.checkpoint = checkpoint
        self.train = train
        self.labels = labels
        self.maxLength = maxLength
        self.seed = seed
        self.reporter = reporter
        let setup = try AttackSetup.prepare(model: checkpoint, recipes: recipes, encoderPath: encoderPath,
                                            maxLength: maxLength, reporter: SilentReporter(), similarityOnlyIfNeeded: true)
        maker = AdversarialExampleMaker(setup: setup, recipes: recipes, workers: workers, store: store, runID: runID,
                                        reporter: reporter)
    }

    func adversarialExamples(epoch: Int) throws -> [TokenizedExample] {
        let indices = plan.sample(epoch: epoch, trainCount: train.count, seed: seed)
        guard !indices.isEmpty else { return [] }
        let inputs = indices.map { AttackInput(index: $0, text: train[$0].text, gold: train[$0].label) }
        let started = Date()
        let harvest = try maker.harvest(inputs, dealt: true, seed: SeededRandom.mix(seed, epoch, 0xA2), storedName: {
            "a2t-epoch\(epoch + 1):\($0.name)"
        }, progressLabel: "A2T epoch \(epoch + 1)")
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
