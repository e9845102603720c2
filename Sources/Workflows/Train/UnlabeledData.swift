// UnlabeledData: the unlabelled side of consistency training for `robust train --unlabeled` — reads the text
// (`Datasets.UnlabeledTexts`), applies the leakage guard against the labelled training texts and dev/test, tokenises,
// and serves each step's unlabelled batch with its augmented copies (`UnlabeledTextSource`): UDA's copies come from
// augmentation recipes, drawn afresh for every pass over the unlabelled data from a seed mixed from the training
// seed, the pass and the example, so a step's batch is a function of the step alone (runs reproduce and resume).
import Attacks
import Augmentation
import Basics
import Datasets
import Foundation
import Tokenizer
import Training

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

/// Serves the unlabelled batches of consistency training (see the header).
public final class UnlabeledTextSource: UnlabeledSource {
    let texts: [String]
    let originals: [TokenizedExample]
    let recipes: [AugmentationRecipe]
    let augmenters: [TextAugmenter]
    let tokenizer: TextTokenizer
    let maxLength: Int
    let seed: UInt64
    private var schedule: UnlabeledSchedule

    public var count: Int { originals.count }

    init(texts: [String], originals: [TokenizedExample], recipes: [AugmentationRecipe], corpus: TfIdfStatistics?,
         lexicon: Lexicon, tokenizer: TextTokenizer, maxLength: Int, seed: UInt64) {
        self.texts = texts
        self.originals = originals
        self.recipes = recipes
        augmenters = recipes.map { TextAugmenter(recipe: $0, lexicon: lexicon, corpus: corpus) }
        self.tokenizer = tokenizer
        self.maxLength = maxLength
        self.seed = seed
        schedule = UnlabeledSchedule(count: originals.count, seed: seed)
    }

    /// The augmented copy of example `index` in pass `cycle`: one recipe (drawn when there are several) makes one
    /// text; when it cannot change the text, the copy is the original (its consistency then comes from dropout).
    func augmentedText(index: Int, cycle: Int) -> String {
        guard !augmenters.isEmpty else { return texts[index] }
        var random = SeededRandom(seed: SeededRandom.mix(seed, cycle, index, 0xA06))
        let augmenter = augmenters[augmenters.count == 1 ? 0 : random.below(augmenters.count)]
        return augmenter.augment(texts[index], count: 1, random: &random).first ?? texts[index]
    }

    public func batch(step: Int, size: Int) throws -> UnlabeledBatch {
        let slice = schedule.slice(step: step, size: size)
        let chosen = slice.map { originals[$0.index] }
        guard !augmenters.isEmpty else { return UnlabeledBatch(originals: chosen, augmented: nil) }
        let augmented = slice.map { item -> TokenizedExample in
            let ids = tokenizer.encode(augmentedText(index: item.index, cycle: item.cycle), maxLength: maxLength).ids
            return TokenizedExample(ids: ids.isEmpty ? originals[item.index].ids : ids, label: 0)
        }
        return UnlabeledBatch(originals: chosen, augmented: augmented)
    }
}

public enum UnlabeledData {
    /// Reads and guards the unlabelled data, resolves UDA's recipes and makes the batch source. `train` are the
    /// labelled training texts (after --train-subset), `heldOut` dev and test.
    public static func prepare(_ argument: String, textColumn: String?, consistency: ConsistencyTraining,
                               train: [String], heldOut: [String], tokenizer: TextTokenizer, maxLength: Int, seed: UInt64,
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
        if consistency.method.usesAugmentation {
            let library = AugmentationLibrary()
            for name in consistency.augmentation {
                guard library.contains(name) else {
                    throw UserError("--uda-augment: '\(name)' is not an augmentation recipe (\(library.names().joined(separator: ", ")))")
                }
                recipes.append(try UserError.wrapping { try library.load(name) })
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
                                         lexicon: Lexicon(wordnet: wordnet), tokenizer: tokenizer, maxLength: maxLength, seed: seed)
        var recipeHash: String?
        if !recipes.isEmpty {
            var hasher = SHA256()
            for recipe in recipes { hasher.update(recipe.name); hasher.update("\u{0}"); hasher.update(recipe.source); hasher.update("\u{0}") }
            recipeHash = hasher.finalizeHex()
        }
        let record = UnlabeledRecord(source: read.source, contentSHA256: read.contentSHA256, rowsRead: read.rowsRead,
                                     texts: read.texts.count, emptySkipped: read.emptySkipped,
                                     duplicatesSkipped: read.duplicatesSkipped, labelledTrainingTextsDropped: guarded.inTrain,
                                     heldOutTextsDropped: guarded.inHeldOut, untokenizable: untokenizable, used: originals.count,
                                     augmentation: recipes.isEmpty ? nil : recipes.map(\.name), augmentationSHA256: recipeHash)
        return (source, record)
    }
}
