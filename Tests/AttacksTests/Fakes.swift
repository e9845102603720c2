// Scripted victims and encoders for exact expectations, and a tiny random BERT for the real path.
import Basics
import Foundation
import Tokenizer
import Transformer
import WordNet
import XCTest
@testable import Attacks

/// A victim whose logit for "pos" is `bias` + the sum of per-word weights (lower-cased words; unknown
/// words weigh 0), p(pos) = σ(logit). Records the size of every batch it is asked for.
final class WeightedWordVictim: Victim {
    let labels = ["neg", "pos"]
    let unknownToken = "[UNK]"
    let weights: [String: Float]
    let bias: Float
    /// The model "sees" only the first `maxWords` words (truncation).
    let maxWords: Int?
    private var vocabulary: [String: Int32] = [:]
    private var words: [String] = []
    private(set) var batches: [Int] = []

    init(weights: [String: Float], bias: Float = 0, maxWords: Int? = nil) {
        self.weights = weights
        self.bias = bias
        self.maxWords = maxWords
    }

    func tokenIDs(_ text: String) -> [Int32] {
        var seen = AttackedText(text).words.map { $0.lowercased() }
        if let maxWords { seen = Array(seen.prefix(maxWords)) }
        return [101] + seen.map { word in
            if let id = vocabulary[word] { return id }
            let id = Int32(1000 + words.count)
            vocabulary[word] = id
            words.append(word)
            return id
        } + [102]
    }

    func visibleScalarLimit(_ text: String) -> Int? {
        let parsed = AttackedText(text)
        guard let maxWords, parsed.count > maxWords else { return nil }
        return parsed.scalarRanges()[maxWords - 1].upperBound
    }

    func probabilities(_ sequences: [[Int32]]) throws -> [[Float]] {
        batches.append(sequences.count)
        return sequences.map { ids in
            var logit = bias
            for id in ids where id >= 1000 { logit += weights[words[Int(id) - 1000]] ?? 0 }
            let p = 1 / (1 + Foundation.exp(-logit))
            return [1 - p, p]
        }
    }

    var totalQueried: Int { batches.reduce(0, +) }
}

/// Sentence embeddings from per-word vectors: the normalised sum of the vectors of the text's words
/// (lower case; a word without a vector adds `unknown`).
final class WordVectorEncoder: SentenceEncoder {
    let vectors: [String: [Float]]
    let unknown: [Float]
    private(set) var batches: [Int] = []

    init(vectors: [String: [Float]], unknown: [Float] = [1, 0, 0]) {
        self.vectors = vectors
        self.unknown = unknown
    }

    func embed(_ texts: [String]) throws -> [[Float]] {
        batches.append(texts.count)
        return texts.map { text in
            var sum = [Float](repeating: 0, count: unknown.count)
            for word in AttackedText(text).words {
                let v = vectors[word.lowercased()] ?? unknown
                for i in sum.indices { sum[i] += v[i] }
            }
            let norm = max(sum.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
            return sum.map { $0 / norm }
        }
    }
}

/// Replacement lists by word (lower case), in order; keeps the original's capitalisation.
struct DictionarySwap: Transformation {
    let table: [String: [String]]
    var name: String { "dictionary" }
    func candidates(of text: AttackedText, at index: Int, context: AttackContext) -> [AttackedText] {
        (table[text.words[index].lowercased()] ?? []).map { text.replacingWord(at: index, with: $0) }
    }
}

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
               index: Int = 0) -> ExampleResult {
    AttackRunner.attack(AttackInput(index: index, text: text, gold: gold), procedure: procedure,
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

    static func make(seed: UInt64 = 11) throws -> (BertModel, WordPieceTokenizer) {
        let letters = "abcdefghijklmnopqrstuvwxyz".map(String.init)
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","] + letters + letters.map { "##" + $0 } + wholeWords
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        let config = try BertConfig(vocabSize: vocabulary.count, hiddenSize: 16, layerCount: 2, headCount: 2,
                                    intermediateSize: 32, maxPositions: 48, labels: ["neg", "pos"])
        let model = try BertModel(config: config, classes: 2, seed: seed)
        var random = SeededRandom(seed: seed &+ 1)
        for entry in model.parameters.entries {
            let values = model.parameters.value(at: entry.offset)
            let gain: Float = entry.name.contains("LayerNorm.weight") ? 1 : 0
            for i in 0..<entry.count { values[i] = gain + 0.5 * random.normal() }
        }
        return (model, tokenizer)
    }
}
