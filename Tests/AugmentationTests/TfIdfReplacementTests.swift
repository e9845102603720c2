// TfIdfReplacementTests: UDA's TF-IDF word replacement — the corpus statistics and per-word probabilities against
// numbers from an independent Python implementation of UDA's get_data_stats / get_replace_prob (on a four-text
// corpus), keywords never replaced, the expected number of replacements, seeded determinism, casing, and the
// operation in recipes (`tfidf_replace`, also spelt `tfidf-replace`; the built-in `tfidf-replace` recipe).
import Attacks
import Basics
import Foundation
import XCTest
@testable import Augmentation

final class TfIdfReplacementTests: XCTestCase {
    let corpus = ["the movie is great", "the plot is dull", "great acting the end", "the the film"]

    func testStatisticsAndProbabilitiesMatchUDAsDefinitions() {
        let statistics = TfIdfStatistics(texts: corpus)
        XCTAssertEqual(statistics.documents, 4)
        XCTAssertEqual(statistics.idf["the"]!, 0, accuracy: 1e-12)
        XCTAssertEqual(statistics.idf["great"]!, 0.6931471805599453, accuracy: 1e-12)
        XCTAssertEqual(statistics.idf["movie"]!, 1.3862943611198906, accuracy: 1e-12)
        let probabilities = statistics.replacementProbabilities(["The", "movie", "is", "great"], rate: 0.5)
        for (value, expected) in zip(probabilities, [1.0, 0.0, 0.5, 0.5]) { XCTAssertEqual(value, expected, accuracy: 1e-12) }
        // Replacement weights ∝ max s − s(w): 'film' (the top corpus score) is never drawn, 'the' most often.
        var random = SeededRandom(seed: 1)
        var drawn: [String: Int] = [:]
        for _ in 0..<20_000 { drawn[statistics.drawWord(&random) ?? "", default: 0] += 1 }
        XCTAssertNil(drawn["film"])
        // 'the' has weight 0.4621 of a total 0.4621 + 7 × 0.1155 = 1.2708: share 0.3636.
        XCTAssertEqual(Double(drawn["the"] ?? 0) / 20_000, 0.3636, accuracy: 0.015)
        XCTAssertEqual(Double(drawn["plot"] ?? 0) / 20_000, 0.0909, accuracy: 0.01)
    }

    func testKeywordStaysRateSetsTheExpectedReplacementsAndCasingIsKept() {
        let texts = (0..<200).map { "review \($0 % 7) the film was quite good and the cast was fine number\($0)" }
        let statistics = TfIdfStatistics(texts: texts)
        let text = AttackedText("The film was quite good and the cast was fine number5")
        let probabilities = statistics.replacementProbabilities(text.words, rate: 0.3)
        let keyword = probabilities.indices.min { probabilities[$0] < probabilities[$1] }!
        XCTAssertEqual(text.words[keyword], "number5", "the rarest word is the text's keyword")
        XCTAssertEqual(probabilities[keyword], 0)
        XCTAssertEqual(probabilities.reduce(0, +), 0.3 * Double(text.count), accuracy: 1e-9, "expected replacements = rate · words")
        var random = SeededRandom(seed: 3)
        var changed = 0
        for _ in 0..<400 {
            let result = statistics.replace(text, rate: 0.3, random: &random)
            XCTAssertEqual(result.words[keyword], "number5")
            XCTAssertEqual(result.count, text.count, "words are replaced, never added or removed")
            XCTAssertTrue(result.words[0].first!.isUppercase || result.words[0] == text.words[0], "capitalisation kept: \(result.words[0])")
            changed += zip(result.words, text.words).filter { $0 != $1 }.count
        }
        // Replacing a word by itself is possible (the draw may pick it), so slightly under rate · words.
        XCTAssertEqual(Double(changed) / 400, 0.3 * Double(text.count), accuracy: 0.8)
        var a = SeededRandom(seed: 9), b = SeededRandom(seed: 9)
        XCTAssertEqual(statistics.replace(text, rate: 0.3, random: &a), statistics.replace(text, rate: 0.3, random: &b))
    }

    func testUniformScoresAndEmptyTextsChangeNothing() {
        let statistics = TfIdfStatistics(texts: corpus)
        XCTAssertEqual(statistics.replacementProbabilities(["film", "film"], rate: 1), [0, 0])
        var random = SeededRandom(seed: 1)
        XCTAssertEqual(statistics.replace(AttackedText(""), rate: 1, random: &random).text, "")
        XCTAssertEqual(TfIdfStatistics(texts: []).replace(AttackedText("a b c"), rate: 1, random: &random).text, "a b c")
    }

    func testRecipesNameTheOperationAndTheBuiltInRecipeLoads() throws {
        let recipe = try AugmentationRecipe.parse(yaml: "operations:\n  tfidf-replace: 0.2\n", file: "x.yaml", defaultName: "x")
        XCTAssertEqual(recipe.operations.map(\.0), [.tfidfReplace])
        XCTAssertTrue(recipe.needsCorpus)
        XCTAssertFalse(recipe.needsWordNet)
        let builtIn = try AugmentationLibrary(directory: nil, environment: [:]).load("tfidf-replace")
        XCTAssertEqual(builtIn.operations.map(\.0), [.tfidfReplace])
        XCTAssertEqual(builtIn.operations.first?.1, 0.3)

        let statistics = TfIdfStatistics(texts: corpus + (0..<50).map { "a b c the movie \($0)" })
        let augmenter = TextAugmenter(recipe: builtIn, lexicon: Lexicon(wordnet: nil), corpus: statistics)
        var random = SeededRandom(seed: 2)
        let copies = augmenter.augment("the movie is great", count: 4, random: &random)
        XCTAssertFalse(copies.isEmpty)
        XCTAssertFalse(copies.contains("the movie is great"))
        // Without statistics the operation changes nothing (the workflows always give them).
        var again = SeededRandom(seed: 2)
        XCTAssertEqual(TextAugmenter(recipe: builtIn, lexicon: Lexicon(wordnet: nil)).augment("the movie is great", count: 4, random: &again), [])
    }
}
