// TextAugmenterTests: the EDA operations and character noise, one at a time through `apply` and whole
// recipes through `augment` — determinism, distinctness, edge cases, and what each operation may change.
import Attacks
import Basics
import Foundation
import TestSupport
import WordNet
import XCTest
@testable import Augmentation

/// The real WordNet 3.0 (required: scripts/setup.sh installs it; a missing database fails the test).
func sharedWordNet(file: StaticString = #filePath, line: UInt = #line) throws -> WordNetDatabase {
    do { return try WordNetDatabase.shared() } catch {
        XCTFail("WordNet 3.0 is required at \(WordNetDatabase.defaultDirectory.path); run scripts/setup.sh: \(error)",
                file: file, line: line)
        throw error
    }
}

func makeAugmenter(_ operations: [(AugmentationRecipe.Operation, Double)], combine: Bool = false,
                   lexicon: Lexicon = Lexicon(wordnet: nil)) -> TextAugmenter {
    TextAugmenter(recipe: AugmentationRecipe(name: "test", combine: combine, operations: operations), lexicon: lexicon)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions
/// each cost 1 (a character swap is one edit, where plain Levenshtein would count two).
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[x.count][y.count]
}

/// Whether `small` is `large` with some elements left out (order kept).
func isSubsequence(_ small: [String], of large: [String]) -> Bool {
    var index = large.startIndex
    for item in small {
        guard let found = large[index...].firstIndex(of: item) else { return false }
        index = found + 1
    }
    return true
}

final class TextAugmenterTests: XCTestCase {
    static let sentence = "An unusually tender drama about grief, memory and the odd comfort of strangers on a long night train."

    // MARK: augment

    func testSameSeedGivesSameOutput() throws {
        let lexicon = Lexicon(wordnet: try sharedWordNet())
        let recipe = try AugmentationLibrary(directory: TestPaths.repoRoot.appendingPathComponent("augmentations")).load("eda-char")
        let augmenter = TextAugmenter(recipe: recipe, lexicon: lexicon)
        // A second augmenter with its own (empty) cache must agree: the cache never changes answers.
        let other = TextAugmenter(recipe: recipe, lexicon: Lexicon(wordnet: try sharedWordNet()))
        for seed: UInt64 in [1, 7, 42] {
            var r1 = SeededRandom(seed: seed), r2 = SeededRandom(seed: seed)
            let first = augmenter.augment(Self.sentence, count: 5, random: &r1)
            let second = other.augment(Self.sentence, count: 5, random: &r2)
            XCTAssertEqual(first, second, "seed \(seed)")
            XCTAssertEqual(first.count, 5, "seed \(seed): \(first)")
        }
    }

    func testDifferentSeedsGiveDifferentOutput() throws {
        let augmenter = makeAugmenter([(.randomSwap, 0.1), (.randomDeletion, 0.1), (.charNoise, 0.1)])
        var outputs: [[String]] = []
        for seed: UInt64 in [1, 2, 3] {
            var random = SeededRandom(seed: seed)
            outputs.append(augmenter.augment(Self.sentence, count: 4, random: &random))
        }
        XCTAssertNotEqual(outputs[0], outputs[1])
        XCTAssertNotEqual(outputs[1], outputs[2])
        XCTAssertNotEqual(outputs[0], outputs[2])
    }

    func testNeverReturnsOriginalAndAtMostCountDistinct() throws {
        let lexicon = Lexicon(wordnet: try sharedWordNet())
        let recipe = try AugmentationLibrary(directory: TestPaths.repoRoot.appendingPathComponent("augmentations")).load("eda-char")
        let augmenter = TextAugmenter(recipe: recipe, lexicon: lexicon)
        let texts = [Self.sentence, "Great, fun film!", "good film", "Boring.", "It was not bad at all, honestly."]
        for text in texts {
            for count in [1, 3, 5] {
                for seed: UInt64 in 1...8 {
                    var random = SeededRandom(seed: seed)
                    let outputs = augmenter.augment(text, count: count, random: &random)
                    XCTAssertLessThanOrEqual(outputs.count, count, "\(text) seed \(seed)")
                    XCTAssertFalse(outputs.contains(text), "\(text) seed \(seed): \(outputs)")
                    XCTAssertEqual(Set(outputs).count, outputs.count, "repeats: \(outputs)")
                    XCTAssertFalse(outputs.contains { $0.allSatisfy(\.isWhitespace) }, "\(outputs)")
                }
            }
        }
    }

    func testLongTextFillsTheCount() {
        let augmenter = makeAugmenter([(.charNoise, 0.1)])
        for seed: UInt64 in 1...5 {
            var random = SeededRandom(seed: seed)
            XCTAssertEqual(augmenter.augment(Self.sentence, count: 6, random: &random).count, 6, "seed \(seed)")
        }
    }

    func testTwoWordSwapHasOnlyOneOutcome() {
        let augmenter = makeAugmenter([(.randomSwap, 0.1)])
        for seed: UInt64 in 1...5 {
            var random = SeededRandom(seed: seed)
            XCTAssertEqual(augmenter.augment("good film", count: 4, random: &random), ["film good"], "seed \(seed)")
        }
    }

    func testTwoWordFullDeletionHasTwoOutcomes() {
        let augmenter = makeAugmenter([(.randomDeletion, 1.0)])
        for seed: UInt64 in 1...5 {
            var random = SeededRandom(seed: seed)
            let outputs = augmenter.augment("good film", count: 4, random: &random)
            XCTAssertEqual(Set(outputs), ["good", "film"], "seed \(seed)")
            XCTAssertEqual(outputs.count, 2)
        }
    }

    func testEmptyTextGivesNothing() {
        let augmenter = makeAugmenter([(.randomSwap, 0.5), (.randomDeletion, 0.5), (.charNoise, 0.5)])
        var random = SeededRandom(seed: 1)
        XCTAssertEqual(augmenter.augment("", count: 4, random: &random), [])
        XCTAssertEqual(augmenter.augment("   ", count: 4, random: &random), [])
        XCTAssertEqual(augmenter.augment("?! ...", count: 4, random: &random), [])
        XCTAssertEqual(augmenter.augment(Self.sentence, count: 0, random: &random), [])
    }

    func testOneWordWithNothingToDoGivesNothing() {
        var random = SeededRandom(seed: 3)
        XCTAssertEqual(makeAugmenter([(.randomSwap, 0.5)]).augment("Wonderful!", count: 4, random: &random), [])
        XCTAssertEqual(makeAugmenter([(.randomDeletion, 1.0)]).augment("Wonderful!", count: 4, random: &random), [])
        // Character noise skips words under 3 letters and words with non-letters.
        XCTAssertEqual(makeAugmenter([(.charNoise, 1.0)]).augment("OK, it's 10 to 5", count: 4, random: &random), [])
    }

    func testCombineAppliesEveryOperation() {
        let originals = ["alpha", "beta", "delta", "omega"]
        let text = originals.joined(separator: " ")
        // Combined: noise on every word, then deletion of all but one: one noisy word each time.
        let combined = makeAugmenter([(.charNoise, 1.0), (.randomDeletion, 1.0)], combine: true)
        var random = SeededRandom(seed: 11)
        let both = combined.augment(text, count: 4, random: &random)
        XCTAssertEqual(both.count, 4, "\(both)")
        for output in both {
            let words = AttackedText(output).words
            XCTAssertEqual(words.count, 1, output)
            XCTAssertTrue(originals.contains { editDistance($0, words[0]) == 1 }, output)
        }
        // One operation each (EDA): either four noisy words or one clean word, never both.
        let single = makeAugmenter([(.charNoise, 1.0), (.randomDeletion, 1.0)], combine: false)
        var kinds: Set<String> = []
        for seed: UInt64 in 1...4 {
            var random = SeededRandom(seed: seed)
            for output in single.augment(text, count: 4, random: &random) {
                let words = AttackedText(output).words
                if words.count == 1 {
                    XCTAssertTrue(originals.contains(words[0]), output)
                    kinds.insert("deletion")
                } else {
                    XCTAssertEqual(words.count, 4, output)
                    XCTAssertEqual(zip(originals, words).map { editDistance($0, $1) }, [1, 1, 1, 1], output)
                    kinds.insert("noise")
                }
            }
        }
        XCTAssertEqual(kinds, ["deletion", "noise"])
    }

    // MARK: Random deletion

    func testRandomDeletionNeverDeletesEveryWord() {
        let augmenter = makeAugmenter([])
        let text = AttackedText("one two three four five six")
        for seed: UInt64 in 1...30 {
            var random = SeededRandom(seed: seed)
            let all = augmenter.apply(.randomDeletion, rate: 1.0, to: text, random: &random)
            XCTAssertEqual(all.count, 1, "seed \(seed): \(all.text)")
            XCTAssertTrue(text.words.contains(all.words[0]), all.text)

            let some = augmenter.apply(.randomDeletion, rate: 0.5, to: text, random: &random)
            XCTAssertGreaterThanOrEqual(some.count, 1, some.text)
            XCTAssertTrue(isSubsequence(some.words, of: text.words), some.text)
        }
        var random = SeededRandom(seed: 1)
        XCTAssertEqual(augmenter.apply(.randomDeletion, rate: 1.0, to: AttackedText("Alone."), random: &random).text, "Alone.")
        XCTAssertEqual(augmenter.apply(.randomDeletion, rate: 1.0, to: AttackedText(""), random: &random).text, "")
    }

    func testRandomDeletionKeepsPunctuation() {
        let augmenter = makeAugmenter([])
        let text = AttackedText("Great, fun film!")
        for seed: UInt64 in 1...20 {
            var random = SeededRandom(seed: seed)
            let output = augmenter.apply(.randomDeletion, rate: 0.5, to: text, random: &random).text
            XCTAssertEqual(output.filter { $0 == "," }.count, 1, output)
            XCTAssertTrue(output.hasSuffix("!"), output)
        }
    }

    // MARK: Random swap

    func testRandomSwapKeepsTheWordsAndSeparators() {
        let augmenter = makeAugmenter([])
        let text = AttackedText(Self.sentence)
        let n = max(1, Int(0.1 * Double(text.count)))
        var changedAny = false
        for seed: UInt64 in 1...30 {
            var random = SeededRandom(seed: seed)
            let output = augmenter.apply(.randomSwap, rate: 0.1, to: text, random: &random)
            XCTAssertEqual(output.words.sorted(), text.words.sorted(), output.text)
            XCTAssertEqual(output.gaps, text.gaps, output.text)
            let moved = zip(output.words, text.words).filter { $0 != $1 }.count
            XCTAssertLessThanOrEqual(moved, 2 * n, output.text)
            changedAny = changedAny || moved > 0
        }
        XCTAssertTrue(changedAny)
    }

    func testRandomSwapOfIdenticalWordsChangesNothing() {
        var random = SeededRandom(seed: 5)
        let output = makeAugmenter([]).apply(.randomSwap, rate: 1.0, to: AttackedText("la la la"), random: &random)
        XCTAssertEqual(output.text, "la la la")
    }

    // MARK: Character noise

    /// 17 words; the 10 of 3+ ASCII letters (none with a doubled letter, so every edit changes the word)
    /// are The quick brown fox jumps over lazy dog you think.
    static let noisy = "The quick brown fox jumps over a lazy dog at 10 pm, don't you think? OK, well-made!"
    static let noiseEligible: Set<Int> = [0, 1, 2, 3, 4, 5, 7, 8, 13, 14]

    func testCharNoiseChangesExactlyNWordsByOneEdit() {
        let augmenter = makeAugmenter([])
        let text = AttackedText(Self.noisy)
        XCTAssertEqual(text.count, 17)
        XCTAssertEqual(Set(text.words.indices.filter { TextAugmenter.isLetters(text.words[$0]) && text.words[$0].count >= 3 }),
                       Self.noiseEligible)
        for (rate, expected) in [(0.05, 1), (0.2, 3), (0.4, 6), (1.0, 10)] {
            for seed: UInt64 in 1...20 {
                var random = SeededRandom(seed: seed)
                let output = augmenter.apply(.charNoise, rate: rate, to: text, random: &random)
                // Reparse the text: the edits keep every word one word.
                let reparsed = AttackedText(output.text)
                XCTAssertEqual(reparsed.words, output.words, output.text)
                XCTAssertEqual(reparsed.gaps, text.gaps, "separators changed: \(output.text)")
                XCTAssertEqual(reparsed.count, text.count, output.text)
                let changed = text.words.indices.filter { reparsed.words[$0] != text.words[$0] }
                XCTAssertEqual(changed.count, expected, "rate \(rate) seed \(seed): \(output.text)")
                XCTAssertTrue(Set(changed).isSubset(of: Self.noiseEligible), "rate \(rate): \(output.text)")
                for index in changed {
                    XCTAssertEqual(editDistance(text.words[index], reparsed.words[index]), 1,
                                   "\(text.words[index]) → \(reparsed.words[index])")
                }
            }
        }
    }

    func testCharNoiseUsesEveryEditKind() {
        let augmenter = makeAugmenter([])
        let text = AttackedText("wonderful")
        var kinds: Set<String> = []
        for seed: UInt64 in 1...60 {
            var random = SeededRandom(seed: seed)
            let word = augmenter.apply(.charNoise, rate: 1.0, to: text, random: &random).text
            switch word.count {
            case 8: kinds.insert("delete")
            case 10: kinds.insert("insert")
            case 9: kinds.insert(word.sorted() == "wonderful".sorted() ? "swap" : "substitute")
            default: XCTFail("not one edit: \(word)")
            }
        }
        XCTAssertEqual(kinds, ["delete", "insert", "swap", "substitute"])
    }

    // MARK: Synonym replacement and insertion (real WordNet)

    func testSynonymReplacementChangesOnlyContentWordsToSynonyms() throws {
        let lexicon = Lexicon(wordnet: try sharedWordNet())
        let check = Lexicon(wordnet: try sharedWordNet())
        let augmenter = makeAugmenter([(.synonymReplacement, 0.1)], lexicon: lexicon)
        let original = AttackedText("The movie was good")
        XCTAssertFalse(check.synonyms(of: "movie", inflect: true, maxSenses: nil).isEmpty)
        XCTAssertFalse(check.synonyms(of: "good", inflect: true, maxSenses: nil).isEmpty)
        var seenPositions: Set<Int> = []
        for seed: UInt64 in 1...10 {
            var random = SeededRandom(seed: seed)
            let outputs = augmenter.augment(original.text, count: 4, random: &random)
            XCTAssertFalse(outputs.isEmpty, "seed \(seed)")
            for output in outputs {
                let words = AttackedText(output)
                XCTAssertEqual(words.count, 4, output)
                XCTAssertEqual(words.gaps, original.gaps, output)
                let changed = original.words.indices.filter { words.words[$0] != original.words[$0] }
                // n = max(1, ⌊0.1 · 4⌋) = 1 word, never a stopword (The, was).
                XCTAssertEqual(changed.count, 1, output)
                for index in changed {
                    XCTAssertTrue([1, 3].contains(index), output)
                    let synonyms = check.synonyms(of: original.words[index], inflect: true, maxSenses: nil)
                    XCTAssertTrue(synonyms.contains(words.words[index]), "\(words.words[index]) not a synonym of \(original.words[index])")
                    seenPositions.insert(index)
                }
            }
        }
        XCTAssertEqual(seenPositions, [1, 3])
    }

    func testSynonymReplacementAtFullRateReplacesEveryContentWord() throws {
        let lexicon = Lexicon(wordnet: try sharedWordNet())
        let augmenter = makeAugmenter([], lexicon: lexicon)
        let original = AttackedText("The movie was good")
        for seed: UInt64 in 1...10 {
            var random = SeededRandom(seed: seed)
            let output = augmenter.apply(.synonymReplacement, rate: 1.0, to: original, random: &random)
            XCTAssertEqual(output.words[0], "The")
            XCTAssertEqual(output.words[2], "was")
            XCTAssertNotEqual(output.words[1], "movie", output.text)
            XCTAssertNotEqual(output.words[3], "good", output.text)
        }
    }

    func testSynonymReplacementReplacesEveryOccurrenceAlike() throws {
        let augmenter = makeAugmenter([], lexicon: Lexicon(wordnet: try sharedWordNet()))
        let original = AttackedText("bad plot and bad acting")
        var replacedBad = false
        for seed: UInt64 in 1...20 {
            var random = SeededRandom(seed: seed)
            let output = augmenter.apply(.synonymReplacement, rate: 0.2, to: original, random: &random)
            XCTAssertEqual(output.words[0] == "bad", output.words[3] == "bad", output.text)
            XCTAssertEqual(output.words[0], output.words[3], output.text)
            replacedBad = replacedBad || output.words[0] != "bad"
        }
        XCTAssertTrue(replacedBad)
    }

    func testLikelyNamesAreNeverReplaced() throws {
        let check = Lexicon(wordnet: try sharedWordNet())
        let augmenter = makeAugmenter([], lexicon: Lexicon(wordnet: try sharedWordNet()))
        let original = AttackedText("I watched The Rock with Van Damme today")
        // WordNet would have replacements for these if they were not protected.
        XCTAssertFalse(check.synonyms(of: "Rock", inflect: true, maxSenses: nil).isEmpty)
        XCTAssertFalse(check.synonyms(of: "Van", inflect: true, maxSenses: nil).isEmpty)
        for seed: UInt64 in 1...10 {
            var random = SeededRandom(seed: seed)
            let output = augmenter.apply(.synonymReplacement, rate: 1.0, to: original, random: &random)
            XCTAssertEqual(output.count, original.count, output.text)
            for index in [0, 2, 3, 4, 5, 6] {
                XCTAssertEqual(output.words[index], original.words[index], output.text)
            }
            for index in [1, 7] {
                let synonyms = check.synonyms(of: original.words[index], inflect: true, maxSenses: nil)
                if synonyms.isEmpty {
                    XCTAssertEqual(output.words[index], original.words[index])
                } else {
                    XCTAssertTrue(synonyms.contains(output.words[index]), output.text)
                }
            }
        }
        XCTAssertTrue(TextAugmenter.isLikelyName("Rock", at: 3))
        XCTAssertFalse(TextAugmenter.isLikelyName("Rock", at: 0))
        XCTAssertFalse(TextAugmenter.isLikelyName("rock", at: 3))
    }

    func testRandomInsertionIgnoresNames() throws {
        let check = Lexicon(wordnet: try sharedWordNet())
        XCTAssertEqual(check.synonyms(of: "the", inflect: true, maxSenses: nil), [])
        let augmenter = makeAugmenter([(.randomInsertion, 0.5)], lexicon: Lexicon(wordnet: try sharedWordNet()))
        var random = SeededRandom(seed: 2)
        // Only "The" is not a likely name, and it has no synonyms: nothing to insert.
        XCTAssertEqual(augmenter.augment("The Rock Van Damme", count: 4, random: &random), [])
    }

    func testRandomInsertionAddsSynonymsOfTheTextsWords() throws {
        let check = Lexicon(wordnet: try sharedWordNet())
        let augmenter = makeAugmenter([], lexicon: Lexicon(wordnet: try sharedWordNet()))
        let original = AttackedText("the movie was good")
        let allowed = Set(original.words.flatMap { check.synonyms(of: $0, inflect: true, maxSenses: nil) })
        for seed: UInt64 in 1...15 {
            var random = SeededRandom(seed: seed)
            // n = max(1, ⌊0.25 · 4⌋) = 1 inserted word.
            let output = augmenter.apply(.randomInsertion, rate: 0.25, to: original, random: &random)
            XCTAssertEqual(output.count, 5, output.text)
            XCTAssertTrue(isSubsequence(original.words, of: output.words), output.text)
            var rest = output.words
            for word in original.words { rest.remove(at: rest.firstIndex(of: word)!) }
            XCTAssertEqual(rest.count, 1)
            XCTAssertTrue(allowed.contains(rest[0]), "\(rest[0]) is no synonym of a word of \(original.text)")
        }
    }

    func testCaseAndPunctuationArePreserved() throws {
        let lexicon = Lexicon(wordnet: try sharedWordNet())
        let recipe = AugmentationRecipe(name: "eda", operations: [
            (.synonymReplacement, 0.5), (.randomInsertion, 0.5), (.randomSwap, 0.5), (.randomDeletion, 0.5), (.charNoise, 0.5),
        ])
        let augmenter = TextAugmenter(recipe: recipe, lexicon: lexicon)
        let text = "Great, fun film!"
        var total = 0
        for seed: UInt64 in 1...10 {
            var random = SeededRandom(seed: seed)
            let outputs = augmenter.augment(text, count: 5, random: &random)
            total += outputs.count
            for output in outputs {
                XCTAssertEqual(output.filter { $0 == "," }.count, 1, output)
                XCTAssertEqual(output.filter { $0 == "!" }.count, 1, output)
                XCTAssertTrue(output.hasSuffix("!"), output)
            }
        }
        XCTAssertGreaterThan(total, 20)

        // Synonym replacement alone keeps every separator and the capital of the first word.
        let replace = TextAugmenter(recipe: AugmentationRecipe(name: "sr", operations: [(.synonymReplacement, 1.0)]), lexicon: lexicon)
        for seed: UInt64 in 1...10 {
            var random = SeededRandom(seed: seed)
            for output in replace.augment(text, count: 3, random: &random) {
                let parsed = AttackedText(output)
                XCTAssertEqual(parsed.gaps, ["", ", ", " ", "!"], output)
                XCTAssertTrue(parsed.words[0].first?.isUppercase ?? false, output)
            }
        }
    }

    func testIsLetters() {
        XCTAssertTrue(TextAugmenter.isLetters("Movie"))
        XCTAssertFalse(TextAugmenter.isLetters(""))
        XCTAssertFalse(TextAugmenter.isLetters("don't"))
        XCTAssertFalse(TextAugmenter.isLetters("well-made"))
        XCTAssertFalse(TextAugmenter.isLetters("r2d2"))
        XCTAssertFalse(TextAugmenter.isLetters("café"))
    }
}

/// Regressions found in review: names spelled like a replaced word, texts without words, recipes
/// without operations, and vulgar WordNet senses.
final class TextAugmenterEdgeTests: XCTestCase {
    func testANameSpelledLikeAReplacedWordStays() throws {
        let augmenter = makeAugmenter([(.synonymReplacement, 1.0)], lexicon: Lexicon(wordnet: try sharedWordNet()))
        for seed in 0..<20 {
            var random = SeededRandom(seed: UInt64(seed))
            let edited = augmenter.apply(.synonymReplacement, rate: 1.0, to: AttackedText("Rock fans love Rock"), random: &random)
            XCTAssertEqual(edited.words.last, "Rock", "seed \(seed): \(edited.text)")
            XCTAssertEqual(edited.count, 4)
        }
    }

    func testOperationsOnATextWithoutWordsChangeNothing() throws {
        let augmenter = makeAugmenter([(.randomInsertion, 0.5)], lexicon: Lexicon(wordnet: try sharedWordNet()))
        for text in ["", "...", " ! "] {
            var random = SeededRandom(seed: 1)
            for operation in AugmentationRecipe.Operation.allCases {
                XCTAssertEqual(augmenter.apply(operation, rate: 0.5, to: AttackedText(text), random: &random).text, text)
            }
            XCTAssertEqual(augmenter.augment(text, count: 3, random: &random), [])
        }
    }

    func testARecipeWithoutOperationsAugmentsNothing() {
        var random = SeededRandom(seed: 1)
        XCTAssertEqual(makeAugmenter([]).augment("a good film", count: 4, random: &random), [])
    }

    func testVulgarSensesAreNeverPicked() throws {
        let augmenter = makeAugmenter([(.synonymReplacement, 1.0), (.randomInsertion, 1.0)],
                                      lexicon: Lexicon(wordnet: try sharedWordNet()))
        var random = SeededRandom(seed: 3)
        let outputs = augmenter.augment("they love it and have fun", count: 40, random: &random)
        XCTAssertFalse(outputs.isEmpty)
        for output in outputs {
            for word in AttackedText(output).words {
                XCTAssertFalse(TextAugmenter.vulgar.contains(word.lowercased()), output)
            }
        }
    }
}
