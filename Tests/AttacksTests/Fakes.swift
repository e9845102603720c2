// Test helpers of the attack tests (the scripted victim, encoder and swap table are in AttackFakes), and a
// tiny random BERT for the real path.
import Basics
import Foundation
import Tokenizer
import Transformer
import WordNet
import XCTest
@_exported import AttackFakes
@testable import Attacks

/// WordNet for tests (required: scripts/setup.sh installs it).
func wordNet(file: StaticString = #filePath, line: UInt = #line) throws -> WordNetDatabase {
    do { return try WordNetDatabase.shared() } catch {
        XCTFail("WordNet 3.0 is required; run scripts/setup.sh: \(error)", file: file, line: line)
        throw error
    }
}

/// A context for calling transformations and constraints directly.
func makeContext(_ text: String, victim: any Victim = WeightedWordVictim(weights: [:]), gold: Int = 1,
                 encoder: (any SentenceEncoder)? = nil, wordnet: WordNetDatabase? = nil, seed: UInt64 = 1) throws -> AttackContext {
    let oracle = QueryOracle(victim: victim)
    let clean = try oracle.probabilities([text])[0]
    return AttackContext(original: AttackedText(text), gold: gold, labels: victim.labels, cleanProbabilities: clean,
                         visibleWords: AttackedText(text).count, oracle: oracle,
                         similarity: encoder.map { SimilarityScorer(encoder: $0) },
                         random: SeededRandom(seed: seed), lexicon: Lexicon(wordnet: wordnet))
}

/// Runs a procedure on one text the way the runner does.
func attackOne(_ text: String, gold: String = "pos", procedure: any AttackProcedure, victim: any Victim,
               encoder: (any SentenceEncoder)? = nil, wordnet: WordNetDatabase? = nil, seed: UInt64 = 7,
               index: Int = 0) throws -> ExampleResult {
    try AttackRunner.attack(AttackInput(index: index, text: text, gold: gold), procedure: procedure,
                        worker: AttackWorker(victim: victim, encoder: encoder), lexicon: Lexicon(wordnet: wordnet), seed: seed)
}

/// Parses a recipe from YAML text (file name `test.yaml`).
func recipe(_ yaml: String) throws -> Recipe {
    guard case .recipe(let recipe) = try RecipeParser.parse(yaml: yaml, file: "test.yaml", defaultName: "test") else {
        throw AttackError.recipe("not a recipe")
    }
    return recipe
}

/// The shipped recipes as the binary has them: built in (BuiltInRecipeTests checks that they are the
/// repository's attacks/*.yaml, text for text).
let shippedRecipes = RecipeLibrary.builtInOnly

/// The repository's recipe folder, attacks/.
let repositoryAttacksFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("attacks")

func shipped(_ name: String) throws -> Recipe {
    let recipes = try shippedRecipes.load([name])
    XCTAssertEqual(recipes.count, 1)
    return recipes[0]
}

/// A tiny random BERT with a tokenizer whose vocabulary covers every lower-case word (letters and
/// ##letters) plus a few whole words.
enum TinyBert {
    static let wholeWords = ["the", "a", "good", "bad", "movie", "film", "plot", "great", "dull", "is", "was", "and",
                             "acting", "story", "fun", "boring", "not", "very"]

    static func make(seed: UInt64 = 11) throws -> (EncoderModel, TextTokenizer) {
        let letters = "abcdefghijklmnopqrstuvwxyz".map(String.init)
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","] + letters + letters.map { "##" + $0 } + wholeWords
        let tokenizer = TextTokenizer(wordPiece: try WordPieceTokenizer(vocabulary: vocabulary))
        let config = try EncoderConfig(vocabSize: vocabulary.count, hiddenSize: 16, layerCount: 2, headCount: 2,
                                    intermediateSize: 32, maxPositions: 48, labels: ["neg", "pos"])
        let model = try EncoderModel(config: config, classes: 2, seed: seed)
        var random = SeededRandom(seed: seed &+ 1)
        for entry in model.parameters.entries {
            let values = model.parameters.value(at: entry.offset)
            let gain: Float = entry.name.contains("LayerNorm.weight") ? 1 : 0
            for i in 0..<entry.count { values[i] = gain + 0.5 * random.normal() }
        }
        return (model, tokenizer)
    }
}
