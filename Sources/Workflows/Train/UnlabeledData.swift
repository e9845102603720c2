// UnlabeledData: the unlabelled side of consistency training for `robust train --unlabeled` — reads the text
// (`Datasets.UnlabeledTexts`), applies the leakage guard against the labelled training texts and dev/test, tokenises,
// and serves each step's unlabelled batch with its augmented copies (`UnlabeledTextSource`): UDA's copies come from
// augmentation recipes, drawn afresh for every pass over the unlabelled data from a seed mixed from the training
// seed, the pass and the example, so a step's batch is a function of the step alone (runs reproduce and resume).
// An attack recipe may serve as augmentation too (adversarial consistency): the copy is the recipe's adversarial
// text against the current weights, with the model's own prediction on the original as the label to flip (the
// original itself when the attack fails); the attacks are seeded by the step, so this too reproduces.
import Attacks
import Augmentation
import Basics
import Datasets
import Foundation
import Tokenizer
import Training
import Transformer

/// What the training record keeps of the unlabelled data.
public struct UnlabeledRecord: Codable, Equatable, Sendable {
    public var source: String
    /// SHA-256 of the texts read (normalised, deduplicated), before the leakage guard.
    public var contentSHA256: String
    public var rowsRead: Int
    public var texts: Int
    public var emptySkipped: Int
    public var duplicatesSkipped: Int
    public var labelledTrainingTextsDropped: Int
    public var heldOutTextsDropped: Int
    /// Texts with no tokens once tokenised.
    public var untokenizable: Int
    /// Unlabelled examples used.
    public var used: Int
    /// UDA's augmentation recipes and the SHA-256 over their files (nil for VAT alone).
    public var augmentation: [String]?
    public var augmentationSHA256: String?
}

/// Attack recipes as UDA augmentations: what attacking the current model needs.
struct AdversarialAugmentation {
    let setup: AttackSetup
    let recipes: [Recipe]
    let model: EncoderModel
    let labels: [String]
    let workers: Int
}

/// Serves the unlabelled batches of consistency training (see the header).
public final class UnlabeledTextSource: UnlabeledSource {
    let texts: [String]
    let originals: [TokenizedExample]
    let recipes: [AugmentationRecipe]
    let augmenters: [TextAugmenter]
    let adversarial: AdversarialAugmentation?
    let tokenizer: TextTokenizer
    let maxLength: Int
    let seed: UInt64
    private var schedule: UnlabeledSchedule
    private var workspace: Workspace?
    /// Adversarial consistency's counts in this process (a resumed run counts from its resumption).
    private(set) var attacked = 0, succeeded = 0

    public var count: Int { originals.count }

    init(texts: [String], originals: [TokenizedExample], recipes: [AugmentationRecipe], corpus: TfIdfStatistics?,
         lexicon: Lexicon, adversarial: AdversarialAugmentation? = nil, tokenizer: TextTokenizer, maxLength: Int, seed: UInt64) {
        self.texts = texts
        self.originals = originals
        self.recipes = recipes
        self.adversarial = adversarial
        augmenters = recipes.map { TextAugmenter(recipe: $0, lexicon: lexicon, corpus: corpus) }
        self.tokenizer = tokenizer
        self.maxLength = maxLength
        self.seed = seed
        schedule = UnlabeledSchedule(count: originals.count, seed: seed)
    }

    /// Which augmentation makes the copy of example `index` in pass `cycle` (drawn when there are several: text
    /// recipes first, then attack recipes), and the text recipe's copy; nil text for an attack recipe. When a text
    /// recipe cannot change the text, the copy is the original (its consistency then comes from dropout).
    func augmentedText(index: Int, cycle: Int) -> (choice: Int, text: String?) {
        let total = augmenters.count + (adversarial?.recipes.count ?? 0)
        guard total > 0 else { return (0, texts[index]) }
        var random = SeededRandom(seed: SeededRandom.mix(seed, cycle, index, 0xA06))
        let choice = total == 1 ? 0 : random.below(total)
        guard choice < augmenters.count else { return (choice, nil) }
        return (choice, augmenters[choice].augment(texts[index], count: 1, random: &random).first ?? texts[index])
    }

    public func batch(step: Int, size: Int) throws -> UnlabeledBatch {
        let slice = schedule.slice(step: step, size: size)
        let chosen = slice.map { originals[$0.index] }
        guard !augmenters.isEmpty || adversarial != nil else { return UnlabeledBatch(originals: chosen, augmented: nil) }
        var copies = [String](repeating: "", count: slice.count)
        var attacks: [Int: [Int]] = [:]   // attack recipe → positions in the batch
        for (position, item) in slice.enumerated() {
            let (choice, text) = augmentedText(index: item.index, cycle: item.cycle)
            if let text { copies[position] = text } else { attacks[choice - augmenters.count, default: []].append(position) }
        }
        if let adversarial, !attacks.isEmpty {
            try attack(attacks, slice: slice, step: step, adversarial: adversarial, into: &copies)
        }
        let augmented = slice.indices.map { position -> TokenizedExample in
            let ids = tokenizer.encode(copies[position], maxLength: maxLength).ids
            return TokenizedExample(ids: ids.isEmpty ? chosen[position].ids : ids, label: 0)
        }
        return UnlabeledBatch(originals: chosen, augmented: augmented)
    }

    /// Attacks the originals at `positions` (per recipe) on the current weights, each against the model's own
    /// prediction; a success's adversarial text becomes the copy, a failure leaves the original.
    private func attack(_ positions: [Int: [Int]], slice: [(index: Int, cycle: Int)], step: Int,
                        adversarial: AdversarialAugmentation, into copies: inout [String]) throws {
        let inference = workspace ?? adversarial.model.makeWorkspace(training: false)
        workspace = inference
        for (recipe, members) in positions.sorted(by: { $0.key < $1.key }) {
            let batch = Batching.tokenBatch(slice.map { originals[$0.index] }, indices: members)
            let probabilities = try adversarial.model.probabilities(batch, workspace: inference)
            let inputs = zip(members, probabilities).map { position, p in
                AttackInput(index: position, text: texts[slice[position].index],
                            gold: adversarial.labels[p.indices.max { p[$0] < p[$1] } ?? 0])
            }
            for position in members { copies[position] = texts[slice[position].index] }
            let runner = adversarial.setup.runner(adversarial.recipes[recipe], workers: adversarial.workers,
                                                  seed: SeededRandom.mix(seed, step, recipe, 0xAD7), precision: .fp32)
            try UserError.wrapping {
                try runner.run(inputs) { result in
                    attacked += 1
                    if result.status == .success, let text = result.adversarialText {
                        succeeded += 1
                        copies[result.input.index] = text
                    }
                }
            }
        }
    }
}

public enum UnlabeledData {
    /// Reads and guards the unlabelled data, resolves UDA's recipes and makes the batch source. `train` are the
    /// labelled training texts (after --train-subset), `heldOut` dev and test.
    public static func prepare(_ argument: String, textColumn: String?, consistency: ConsistencyTraining,
                               train: [String], heldOut: [String], tokenizer: TextTokenizer, maxLength: Int, seed: UInt64,
                               victim: (checkpoint: ModelHandle, labels: [String], encoderPath: String, workers: Int)? = nil,
                               reporter: Reporter) throws -> (source: UnlabeledTextSource, record: UnlabeledRecord) {
        let read = try UserError.wrapping { try UnlabeledTexts.load(argument, textColumn: textColumn) }
        if let ignored = read.ignoredLabels {
            reporter.say("unlabelled data \(read.source): \(ignored) ignored")
        }
        let guarded = try UserError.wrapping { try read.guarded(train: train, heldOut: heldOut) }
        if guarded.inHeldOut > 0 {
            reporter.warn("unlabelled data: dropped \(guarded.inHeldOut) dev/test texts (they would leak the evaluation data into training)")
        }
        var recipes: [AugmentationRecipe] = []
        var adversarial: AdversarialAugmentation?
        var recipeHash: String?
        if consistency.method.usesAugmentation {
            let loaded = try AugmentationRecipes.load(consistency.augmentation)
            recipes = loaded.textRecipes
            recipeHash = loaded.hash
            if !loaded.attackRecipes.isEmpty {
                guard let victim else { throw UserError("attack recipes as UDA augmentation need the model being trained") }
                let setup = try AttackSetup.prepare(model: victim.checkpoint, recipes: loaded.attackRecipes, encoderPath: victim.encoderPath,
                                                    maxLength: maxLength, reporter: SilentReporter(), similarityOnlyIfNeeded: true)
                adversarial = AdversarialAugmentation(setup: setup, recipes: loaded.attackRecipes, model: victim.checkpoint.model,
                                                      labels: victim.labels, workers: victim.workers)
            }
        }
        var originals: [TokenizedExample] = []
        var texts: [String] = []
        var untokenizable = 0
        for text in guarded.kept {
            let ids = tokenizer.encode(text, maxLength: maxLength).ids
            if ids.isEmpty { untokenizable += 1; continue }
            originals.append(TokenizedExample(ids: ids, label: 0))
            texts.append(text)
        }
        guard !originals.isEmpty else { throw UserError("the unlabelled data has no text the tokenizer makes tokens of") }
        let wordnet = recipes.contains(where: \.needsWordNet) ? try Lexicon.sharedWordNet() : nil
        let corpus = recipes.contains(where: \.needsCorpus) ? TfIdfStatistics(texts: train + texts) : nil
        let source = UnlabeledTextSource(texts: texts, originals: originals, recipes: recipes, corpus: corpus,
                                         lexicon: Lexicon(wordnet: wordnet), adversarial: adversarial, tokenizer: tokenizer,
                                         maxLength: maxLength, seed: seed)
        let record = UnlabeledRecord(source: read.source, contentSHA256: read.contentSHA256, rowsRead: read.rowsRead,
                                     texts: read.texts.count, emptySkipped: read.emptySkipped,
                                     duplicatesSkipped: read.duplicatesSkipped, labelledTrainingTextsDropped: guarded.inTrain,
                                     heldOutTextsDropped: guarded.inHeldOut, untokenizable: untokenizable, used: originals.count,
                                     augmentation: recipeHash == nil ? nil : consistency.augmentation, augmentationSHA256: recipeHash)
        return (source, record)
    }
}
