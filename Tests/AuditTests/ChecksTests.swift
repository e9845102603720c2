import AttackFakes
import Attacks
import Audit
import WordNet
import XCTest

final class ChecksTests: XCTestCase {
    func wordNet() throws -> WordNetDatabase {
        do { return try WordNetDatabase.shared() } catch {
            XCTFail("WordNet 3.0 is required (scripts/setup.sh installs wordnet-base): \(error)")
            throw error
        }
    }

    func context(encoder: (any SentenceEncoder)? = nil, wordnet: WordNetDatabase? = nil, labelWords: LabelWordTable? = nil,
                 known: KnownWords = KnownWords()) -> AuditContext {
        AuditContext(encoder: encoder, wordnet: wordnet, labelWords: labelWords, knownWords: known)
    }

    func pair(_ original: String, _ adversarial: String, gold: String = "pos") -> AuditedPair {
        AuditedPair(index: 0, original: original, adversarial: adversarial, gold: gold)
    }

    func testAntonymsDirectAndThroughSimilarAdjectives() throws {
        let wordnet = try wordNet()
        XCTAssertTrue(wordnet.isAntonym("bad", of: "good"))
        XCTAssertTrue(wordnet.isAntonym("imaginable", of: "unthinkable"), "TextFooler's unthinkable → imaginable (jind11/TextFooler#24)")
        XCTAssertTrue(wordnet.isAntonym("worse", of: "better"))
        XCTAssertFalse(wordnet.isAntonym("movie", of: "film"))
        XCTAssertFalse(wordnet.isAntonym("large", of: "big"))
        let check = AntonymSwap()
        let found = try check.judge(pair("an unthinkable ending", "an imaginable ending"), context: context(wordnet: wordnet))
        XCTAssertEqual(found, CheckResult(check: "antonym", value: 1, passed: false, detail: "unthinkable → imaginable"))
        XCTAssertTrue(try check.judge(pair("a big film", "a large movie"), context: context(wordnet: wordnet)).passed)
    }

    func testNegationAddedOrRemovedButNotRewritten() throws {
        let check = NegationChange()
        let removed = try check.judge(pair("this is not a good film", "this is a good film"), context: context())
        XCTAssertEqual(removed, CheckResult(check: "negation", value: 1, passed: false, detail: "removed not"))
        let added = try check.judge(pair("I loved it", "I never loved it"), context: context())
        XCTAssertEqual(added.value, 1)
        XCTAssertEqual(added.detail, "added never")
        XCTAssertTrue(try check.judge(pair("I don't like it", "I do not like it"), context: context()).passed)
        XCTAssertTrue(try check.judge(pair("I don't like it", "I didn't like it"), context: context()).passed)
        XCTAssertFalse(try check.judge(pair("it isn’t great", "it is great"), context: context()).passed, "curly apostrophe")
    }

    func testLabelWordShareAndCheck() throws {
        var examples: [(text: String, label: String)] = []
        for _ in 0..<9 { examples.append(("a wonderful film", "pos")) }
        examples.append(("a wonderful mess", "neg"))
        for _ in 0..<10 { examples.append(("a dull film", "neg")) }
        let table = LabelWordTable(examples: examples, source: "test")
        // wonderful: in 9 pos texts and 1 neg; 9 of the 20 texts are pos, so the pos prior is 0.45.
        XCTAssertEqual(table.count(of: "Wonderful"), 10)
        XCTAssertEqual(try XCTUnwrap(table.share(of: "wonderful", label: "pos")), (9 + 0.45) / 11, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(table.share(of: "dull", label: "neg")), (10 + 0.55) / 11, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(table.pmi(of: "dull", label: "neg")), log(((10 + 0.55) / 11) / 0.55), accuracy: 1e-12)
        let check = LabelWordChange(maxShare: 0.85, minCount: 10)
        let removed = try check.judge(pair("a wonderful film", "a fine film"), context: context(labelWords: table))
        XCTAssertFalse(removed.passed)
        XCTAssertEqual(removed.value, (9 + 0.45) / 11, accuracy: 1e-12)
        XCTAssertEqual(removed.detail, "removed wonderful (pos 0.86, 10 texts)")
        let added = try check.judge(pair("a great film", "a dull film"), context: context(labelWords: table))
        XCTAssertFalse(added.passed, "a new word of another label")
        XCTAssertTrue(try check.judge(pair("a great film", "a dull film", gold: "neg"), context: context(labelWords: table)).passed,
                      "a new word of the gold label does not move the label away")
        XCTAssertTrue(try LabelWordChange(maxShare: 0.85, minCount: 11).judge(pair("a wonderful film", "a fine film"),
                                                                               context: context(labelWords: table)).passed, "min_count")
        XCTAssertThrowsError(try check.judge(pair("a", "b"), context: context()))

        // A list in the recipe instead of the training data.
        let listed = try AuditRecipeParser.parse(yaml: "checks:\n  - name: label-words\n    words: [pos:wonderful, 'neg:dull']\n",
                                                 file: "list.yaml", defaultName: "list")
        XCTAssertTrue(listed.needs.isEmpty, "a listed audit needs no training data")
        let onList = try listed.checks[0].judge(pair("a wonderful film", "a fine film"), context: context())
        XCTAssertEqual(onList.value, 1, accuracy: 1e-6)
        XCTAssertFalse(onList.passed)
        XCTAssertTrue(try listed.checks[0].judge(pair("a great film", "a fine film"), context: context()).passed)
        XCTAssertThrowsError(try AuditRecipeParser.parse(yaml: "checks:\n  - name: label-words\n    words: [great]\n", file: "list.yaml",
                                                         defaultName: "list")) {
            XCTAssertEqual("\($0)", "list.yaml:2: check 'label-words': label word 'great' must be LABEL:word (for example pos:great)")
        }
    }

    func testFormChecks() throws {
        let wordnet = try wordNet()
        var known = KnownWords()
        known.add(texts: ["The Motown sound"])
        let nonWord = NonWord()
        let typo = try nonWord.judge(pair("a great film about Motown", "a graet fi1m about Motown"), context: context(wordnet: wordnet, known: known))
        XCTAssertEqual(typo, CheckResult(check: "non-word", value: 2, passed: false, detail: "graet, fi1m"))
        XCTAssertTrue(try nonWord.judge(pair("two films", "2 movies"), context: context(wordnet: wordnet)).passed, "numbers and inflections are words")
        XCTAssertTrue(try nonWord.judge(pair("a film", "a Motown film"), context: context(wordnet: wordnet, known: known)).passed, "the dataset's words")
        let pos = try PartOfSpeechChange().judge(pair("it reaffirms life", "it reaffirms quickly"), context: context(wordnet: wordnet))
        XCTAssertEqual(pos.value, 1)
        XCTAssertEqual(pos.detail, "life (noun) → quickly (adv)")
        XCTAssertTrue(try PartOfSpeechChange().judge(pair("a big film", "a large film"), context: context(wordnet: wordnet)).passed)
        let characters = try ChangedCharacters(maximum: 0.1).judge(pair("abcdefghij", "abcdefghXY"), context: context())
        XCTAssertEqual(characters.value, 0.2, accuracy: 1e-12)
        XCTAssertFalse(characters.passed)
        let words = try ChangedWords(maximum: 0.5).judge(pair("one two three four", "one 2 three 4"), context: context())
        XCTAssertEqual(words.value, 0.5)
        XCTAssertTrue(words.passed)
    }

    func testRareWordsSwappedInForCommonOnes() throws {
        let wordnet = try wordNet()
        XCTAssertEqual(RareWord.taggedSenses(of: "enceinte", in: wordnet), 0)
        XCTAssertGreaterThan(RareWord.taggedSenses(of: "great", in: wordnet), 3)
        let table = LabelWordTable(examples: [("a great game", "pos"), ("a great film", "pos"), ("arrant nonsense", "neg")], source: "test")
        let check = RareWord(minTagged: 1, minTexts: 2)
        let rare = try check.judge(pair("Bielinsky's great game", "Bielinsky's enceinte game"), context: context(wordnet: wordnet, labelWords: table))
        XCTAssertEqual(rare, CheckResult(check: "rare-word", value: 1, passed: false, detail: "great → enceinte"))
        XCTAssertTrue(try check.judge(pair("a great film", "a big film"), context: context(wordnet: wordnet, labelWords: table)).passed)
        XCTAssertTrue(try check.judge(pair("pure enceinte", "pure arrant"), context: context(wordnet: wordnet, labelWords: table)).passed,
                      "a rare word for a rare word is no change in register")
        XCTAssertFalse(try RareWord(minTagged: 1, minTexts: 2).judge(pair("pure nonsense", "arrant nonsense"), context: context(wordnet: wordnet, labelWords: table)).passed)
        XCTAssertTrue(try RareWord(minTagged: 1, minTexts: 2).judge(pair("pure nonsense", "arrant nonsense"), context: context(wordnet: wordnet, labelWords: LabelWordTable(examples: [("arrant", "neg"), ("arrant", "pos")], source: "t"))).passed, "a word the training data uses is not rare")
    }

    func testCosineChecksUseTheEncoder() throws {
        // Orthogonal word vectors: a text's embedding is the normalised sum of its words' vectors.
        let encoder = WordVectorEncoder(vectors: ["good": [1, 0, 0, 0], "fine": [0.8, 0.6, 0, 0], "bad": [0, 0, 1, 0],
                                                  "film": [0, 0, 0, 1]], unknown: [0, 0, 0, 0])
        let ctx = context(encoder: encoder)
        let sentence = try SentenceCosine(minimum: 0.9).judge(pair("good film", "bad film"), context: ctx)
        XCTAssertEqual(sentence.value, 0.5, accuracy: 1e-6)
        XCTAssertFalse(sentence.passed)
        let word = try WordCosine(minimum: 0.7).judge(pair("good film", "fine film"), context: ctx)
        XCTAssertEqual(word.value, 0.8, accuracy: 1e-6)
        XCTAssertTrue(word.passed)
        XCTAssertEqual(try WordCosine(minimum: 0.7).judge(pair("good film", "bad film"), context: ctx).detail, "good → bad")
        // A window of 1 word around the change: just the changed words.
        let window = try WindowCosine(minimum: 0.5, window: 1).judge(pair("film good film film", "film bad film film"), context: ctx)
        XCTAssertEqual(window.value, 0, accuracy: 1e-6)
        XCTAssertEqual(window.detail, "\"good\" → \"bad\"")
    }

    func testAuditorRunsEveryCheckInOrderOnAnyNumberOfWorkers() throws {
        let recipe = try AuditLibrary(directory: URL(fileURLWithPath: "/nonexistent")).load("default")
        XCTAssertThrowsError(try Auditor(recipe: recipe, resources: AuditResources())) { error in
            XCTAssertEqual("\(error)", "the audit needs the sentence encoder (check 'sentence-cosine' of audit 'default'), which is not loaded")
        }
        let table = LabelWordTable(examples: [("a good film", "pos"), ("a bad film", "neg")], source: "test")
        let resources = AuditResources(encoder: { WordVectorEncoder(vectors: ["good": [1, 0, 0], "bad": [0, 1, 0]]) },
                                       wordnet: try wordNet(), labelWords: table)
        var auditor = try Auditor(recipe: recipe, resources: resources)
        auditor.batchSize = 3
        let pairs = (0..<20).map { i in
            AuditedPair(index: i, original: "a good film number \(i)", adversarial: i % 2 == 0 ? "a bad film number \(i)" : "a good flim number \(i)", gold: "pos")
        }
        let serial = try auditor.audit(pairs, workers: 1)
        let parallel = try auditor.audit(pairs, workers: 4)
        XCTAssertEqual(serial, parallel)
        XCTAssertEqual(serial.count, 20)
        XCTAssertEqual(serial[0].map(\.check), recipe.checks.map(\.name))
        XCTAssertEqual(serial[0].first { $0.check == "antonym" }?.passed, false)
        XCTAssertEqual(serial[1].first { $0.check == "non-word" }?.detail, "flim")
    }
}
