// Recipe files: the shipped recipes parse into the parts they name, and every kind of typo gets one
// exact line that says what is valid.
@testable import Attacks
import Foundation
import XCTest

final class RecipeTests: XCTestCase {
    func testShippedRecipesAndSuite() throws {
        let textAttacks = ["pwws", "textfooler-wordnet", "deepwordbug", "eda-noise"]
        XCTAssertTrue(Set(shippedRecipes.names()).isSuperset(of: textAttacks), "\(shippedRecipes.names())")
        XCTAssertFalse(shippedRecipes.names().contains("default"))
        let suite = try shippedRecipes.defaultSuite()
        XCTAssertEqual(suite.map(\.name).filter { textAttacks.contains($0) }, textAttacks)

        let pwws = try XCTUnwrap(try shipped("pwws").procedure as? ComposedAttack)
        XCTAssertTrue(pwws.transformation is WordNetSynonymSwap)
        XCTAssertEqual(pwws.constraints.map(\.name), ["repeat-modification", "stopwords"])
        XCTAssertEqual((pwws.search as? GreedyWordImportance)?.ranking, .pwws)
        XCTAssertNil(pwws.goal.queryBudget)

        let textfooler = try XCTUnwrap(try shipped("textfooler-wordnet").procedure as? ComposedAttack)
        XCTAssertEqual((textfooler.transformation as? WordNetSynonymSwap)?.maxCandidates, 50)
        XCTAssertEqual(textfooler.constraints.map(\.name), ["repeat-modification", "stopwords", "part-of-speech", "sentence-similarity"])
        let similarity = try XCTUnwrap(textfooler.constraints.last as? SentenceSimilarity)
        XCTAssertEqual(similarity.threshold, 0.840845057)
        XCTAssertEqual(similarity.metric, .angular)
        XCTAssertEqual(similarity.window, 15)
        XCTAssertEqual(similarity.reference, .current)
        XCTAssertEqual((textfooler.search as? GreedyWordImportance)?.ranking, .delete)
        XCTAssertTrue(textfooler.needsSentenceEncoder)

        let deepwordbug = try XCTUnwrap(try shipped("deepwordbug").procedure as? ComposedAttack)
        XCTAssertEqual(deepwordbug.transformation.parts.map(\.name), ["char-swap", "char-substitute", "char-delete", "char-insert"])
        XCTAssertEqual((deepwordbug.constraints.last as? LevenshteinDistance)?.maxDistance, 30)
        XCTAssertEqual((deepwordbug.search as? GreedyWordImportance)?.ranking, .unk)

        // TextAttack's PWWS and DeepWordBug use StopwordModification() (NLTK's list); its TextFooler
        // passes TextFooler's own 266 words. "never" tells them apart.
        func stopwords(_ attack: ComposedAttack) -> Set<String>? {
            (attack.constraints.first { $0 is StopwordModification } as? StopwordModification)?.stopwords
        }
        XCTAssertEqual(stopwords(pwws), Stopwords.nltk)
        XCTAssertEqual(stopwords(deepwordbug), Stopwords.nltk)
        XCTAssertEqual(stopwords(textfooler), Stopwords.textFooler)
        let byDefault = try XCTUnwrap(try recipe("transformation: char-swap\nsearch: greedy\nconstraints: [stopwords]\n").procedure as? ComposedAttack)
        XCTAssertEqual(stopwords(byDefault), Stopwords.nltk, "the constraint's default is TextAttack's")
        let oldName = try XCTUnwrap(try recipe("transformation: char-swap\nsearch: greedy\nconstraints: [{name: stopwords, list: textattack}]\n").procedure as? ComposedAttack)
        XCTAssertEqual(stopwords(oldName), Stopwords.textFooler)

        let eda = try XCTUnwrap(try shipped("eda-noise").procedure as? ComposedAttack)
        XCTAssertEqual(eda.transformation.parts.map(\.name), ["wordnet-synonyms", "word-insert", "word-swap", "word-delete"])
        XCTAssertEqual((eda.search as? RandomSearch)?.trials, 20)
        XCTAssertEqual((eda.search as? RandomSearch)?.editFraction, 0.1)
        // The recipe hash changes with a recipe's text.
        XCTAssertNotEqual(Recipe.hash(suite), Recipe.hash(Array(suite.dropLast())))
    }

    func testParametersAndShorthands() throws {
        let parsed = try recipe("""
            name: custom
            goal: {name: targeted, target: neg, query_budget: 50}
            transformation:
              - {name: keyboard, random_one: false}
              - homoglyph
            constraints:
              - {name: max-words-perturbed, max_fraction: 0.25}
              - {name: stopwords, list: nltk, extra: [Movie]}
            search:
              name: beam
              width: 3
            """)
        XCTAssertEqual(parsed.name, "custom")
        let attack = try XCTUnwrap(parsed.procedure as? ComposedAttack)
        XCTAssertEqual(attack.goal, GoalFunction(kind: .targeted("neg"), queryBudget: 50))
        XCTAssertEqual(attack.queryBudget, 50)
        XCTAssertEqual((attack.transformation.parts[0] as? CharacterEdit)?.randomOne, false)
        XCTAssertEqual((attack.constraints[0] as? MaxWordsPerturbed)?.maxFraction, 0.25)
        let stop = try XCTUnwrap(attack.constraints[1] as? StopwordModification)
        XCTAssertTrue(stop.stopwords.contains("movie") && stop.stopwords.contains("very") && !stop.stopwords.contains("hundred"))
        XCTAssertEqual((attack.search as? BeamSearch)?.width, 3)
        // Defaults: untargeted, no constraints; the name comes from the file.
        let minimal = try recipe("transformation: char-swap\nsearch: greedy\n")
        XCTAssertEqual(minimal.name, "test")
        XCTAssertEqual((minimal.procedure as? ComposedAttack)?.goal, GoalFunction())
    }

    func expectError(_ yaml: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try recipe(yaml), file: file, line: line) { error in
            XCTAssertEqual((error as? AttackError)?.description, message, file: file, line: line)
        }
    }

    func testTyposGetOneExactLine() {
        expectError("transformation: wordnet-synonym\nsearch: greedy\n",
                    "test.yaml:1: unknown transformation 'wordnet-synonym' (did you mean 'wordnet-synonyms'?); valid: wordnet-synonyms, char-swap, char-substitute, char-delete, char-insert, keyboard, homoglyph, word-delete, word-swap, word-insert")
        expectError("transformation: char-swap\nsearch: {name: greedy-wir, rankng: pwws}\n",
                    "test.yaml:2: search 'greedy-wir' has no parameter 'rankng' (did you mean 'ranking'?); valid parameters: ranking")
        expectError("transformation: char-swap\nsearch: {name: greedy-wir, ranking: weighted-saliency}\n",
                    "test.yaml:2: search 'greedy-wir' parameter 'ranking' must be one of unk, delete, pwws, gradient, random; got 'weighted-saliency'")
        expectError("transformation: char-swap\nconstraint: [stopwords]\nsearch: greedy\n",
                    "test.yaml:2: unknown key 'constraint' (did you mean 'constraints'?); valid keys: name, description, goal, transformation, constraints, search, procedure, precision")
        expectError("transformation: char-swap\nconstraints:\n  - {name: sentence-similarity, threshold: 1.5}\nsearch: greedy\n",
                    "test.yaml:3: constraint 'sentence-similarity' parameter 'threshold' must be a number in -1...1; got '1.5'")
        expectError("transformation: char-swap\nconstraints:\n  - {name: levenshtein, max_distance: many}\nsearch: greedy\n",
                    "test.yaml:3: constraint 'levenshtein' parameter 'max_distance' must be an integer ≥ 0; got 'many'")
        expectError("transformation: {name: char-swap, random_one: maybe}\nsearch: greedy\n",
                    "test.yaml:1: transformation 'char-swap' parameter 'random_one' must be true or false; got 'maybe'")
        expectError("transformation: word-delete\nconstraints: [{name: stopwords, extra: nope}]\nsearch: greedy\n",
                    "test.yaml:2: constraint 'stopwords' parameter 'extra' must be a list of words; got 'nope'")
        expectError("transformation: char-swap\nsearch: greedy\ngoal: targeted\n",
                    "test.yaml:3: goal 'targeted' needs parameter 'target' (a text)")
        expectError("transformation: char-swap\nconstraints: [max-words-perturbed]\nsearch: greedy\n",
                    "test.yaml:2: constraint 'max-words-perturbed': needs max_fraction or max_count")
        expectError("transformation: word-delete\nsearch: {name: greedy, width: 2}\n",
                    "test.yaml:2: search 'greedy' has no parameter 'width'; valid parameters: max_steps")
        expectError("transformation: {name: word-delete, random_one: true}\nsearch: greedy\n",
                    "test.yaml:1: transformation 'word-delete' has no parameter 'random_one'; it takes no parameters")
        expectError("search: greedy\n",
                    "test.yaml: missing 'transformation' (or 'procedure'); transformations: wordnet-synonyms, char-swap, char-substitute, char-delete, char-insert, keyboard, homoglyph, word-delete, word-swap, word-insert")
        expectError("transformation: char-swap\n",
                    "test.yaml: missing 'search'; searches: greedy-wir, greedy, beam, random")
        let procedures = Catalog.procedures.map(\.name)
        expectError("procedure: no-such-procedure\n", "test.yaml:1: unknown procedure 'no-such-procedure'; "
                    + (procedures.isEmpty ? "none are available yet" : "valid: \(procedures.joined(separator: ", "))"))
        expectError("procedure: no-such-procedure\nsearch: greedy\n",
                    "test.yaml:2: a recipe has either 'procedure' or goal/transformation/constraints/search, not both")
        expectError("transformation: [char-swap\nsearch: greedy\n",
                    "test.yaml:2: not valid YAML: while parsing a flow sequence did not find expected ',' or ']'")
        expectError("- pwws\n", "test.yaml:1: a recipe is a mapping of keys (name, goal, transformation, constraints, search)")
        expectError("", "test.yaml: the recipe is empty")
        expectError("name: two words\ntransformation: char-swap\nsearch: greedy\n",
                    "test.yaml:1: 'name' must be one word (letters, digits, - _ .)")
    }

    func testLibraryErrors() throws {
        XCTAssertThrowsError(try shippedRecipes.load(["pwss"])) { error in
            XCTAssertEqual((error as? AttackError)?.description,
                           "unknown recipe 'pwss' (did you mean 'pwws'?); built-in recipes: \(shippedRecipes.names().joined(separator: ", "))")
        }
        XCTAssertThrowsError(try shippedRecipes.load(["pwws", "pwws"])) { error in
            XCTAssertEqual((error as? AttackError)?.description,
                           "recipe 'pwws' is named twice; each recipe of a suite needs its own name")
        }
        // A user folder that is named but missing is an error, not a silent fall-back to the built-in recipes.
        XCTAssertThrowsError(try RecipeLibrary(directory: URL(fileURLWithPath: "/nonexistent/attacks")).load(["pwws"])) { error in
            XCTAssertEqual((error as? AttackError)?.description,
                           "no recipe folder at /nonexistent/attacks (asked for it; the built-in recipes need no folder, and a recipe file can be given by path)")
        }
        XCTAssertThrowsError(try RecipeLibrary(environment: ["ROBUST_ATTACKS_DIR": "/nonexistent/attacks"]).load(["pwws"])) { error in
            XCTAssertEqual((error as? AttackError)?.description,
                           "no recipe folder at /nonexistent/attacks (ROBUST_ATTACKS_DIR names it; the built-in recipes need no folder, and a recipe file can be given by path)")
        }
        XCTAssertThrowsError(try shippedRecipes.load(["/nonexistent/x.yaml"])) { error in
            XCTAssertEqual((error as? AttackError)?.description, "recipe file /nonexistent/x.yaml not found")
        }
        // A suite that names a missing recipe says which suite line.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recipes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "suite: [pwws, nope]\n".write(to: folder.appendingPathComponent("default.yaml"), atomically: true, encoding: .utf8)
        try "transformation: wordnet-synonyms\nsearch: greedy\n".write(to: folder.appendingPathComponent("pwws.yaml"),
                                                                          atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RecipeLibrary(directory: folder).defaultSuite()) { error in
            XCTAssertEqual((error as? AttackError)?.description,
                           "\(folder.path)/default.yaml:1: suite member 'nope': unknown recipe 'nope'; built-in recipes: "
                           + "\(RecipeLibrary.builtInOnly.names().joined(separator: ", ")); in \(folder.path): pwws")
        }
        XCTAssertTrue(Catalog.listing().contains("  greedy-wir — greedy over words ranked by importance"))
    }
}
