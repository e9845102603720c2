// RecipeParsingTests: AugmentationRecipe.parse (valid files, defaults, one-line errors that name the
// file and list what is valid) and AugmentationLibrary (names, contains, load, the repository's recipes).
import Foundation
import TestSupport
import XCTest
@testable import Augmentation

final class RecipeParsingTests: XCTestCase {
    static let validKeys = "name, description, per_example, combine, operations"
    static let validOperations = "synonym_replacement, random_insertion, random_swap, random_deletion, char_noise, tfidf_replace"

    func testAllFiveOperationsKeepFileOrder() throws {
        let yaml = """
            name: mixed
            description: all five, not in declaration order
            per_example: 6
            combine: true
            operations:
              char_noise: 0.5
              random_deletion: 0.25
              synonym_replacement: 0.1
              random_swap: 1
              random_insertion: 0.3
            """
        let recipe = try AugmentationRecipe.parse(yaml: yaml, file: "mixed.yaml", defaultName: "fallback")
        XCTAssertEqual(recipe.name, "mixed")
        XCTAssertEqual(recipe.description, "all five, not in declaration order")
        XCTAssertEqual(recipe.perExample, 6)
        XCTAssertTrue(recipe.combine)
        XCTAssertEqual(recipe.operations.map(\.0), [.charNoise, .randomDeletion, .synonymReplacement, .randomSwap, .randomInsertion])
        XCTAssertEqual(recipe.operations.map(\.1), [0.5, 0.25, 0.1, 1.0, 0.3])
        XCTAssertEqual(recipe.source, yaml)
        XCTAssertTrue(recipe.needsWordNet)
    }

    func testSecondOrderIsKeptToo() throws {
        // The same operations in another order give another (unequal) recipe: order is not sorted away.
        let a = try AugmentationRecipe.parse(yaml: "operations:\n  random_swap: 0.1\n  char_noise: 0.2\n",
                                             file: "a.yaml", defaultName: "a")
        let b = try AugmentationRecipe.parse(yaml: "operations:\n  char_noise: 0.2\n  random_swap: 0.1\n",
                                             file: "b.yaml", defaultName: "a")
        XCTAssertEqual(a.operations.map(\.0), [.randomSwap, .charNoise])
        XCTAssertEqual(b.operations.map(\.0), [.charNoise, .randomSwap])
        XCTAssertNotEqual(a, b)
    }

    func testDefaults() throws {
        let yaml = "operations:\n  random_swap: 0.2\n"
        let recipe = try AugmentationRecipe.parse(yaml: yaml, file: "swap.yaml", defaultName: "swap-only")
        XCTAssertEqual(recipe.name, "swap-only")
        XCTAssertEqual(recipe.description, "")
        XCTAssertEqual(recipe.perExample, 4)
        XCTAssertFalse(recipe.combine)
        XCTAssertEqual(recipe.operations.map(\.0), [.randomSwap])
        XCTAssertEqual(recipe.operations.map(\.1), [0.2])
        XCTAssertFalse(recipe.needsWordNet)
        XCTAssertEqual(recipe.source, yaml)
    }

    func testCombineAndPerExample() throws {
        let on = try AugmentationRecipe.parse(yaml: "combine: true\nper_example: 1\noperations:\n  char_noise: 0.1\n",
                                              file: "on.yaml", defaultName: "on")
        XCTAssertTrue(on.combine)
        XCTAssertEqual(on.perExample, 1)
        let off = try AugmentationRecipe.parse(yaml: "combine: false\nper_example: 100\noperations:\n  char_noise: 0.1\n",
                                               file: "off.yaml", defaultName: "off")
        XCTAssertFalse(off.combine)
        XCTAssertEqual(off.perExample, 100)
    }

    func testNeedsWordNet() throws {
        XCTAssertTrue(AugmentationRecipe.Operation.synonymReplacement.needsWordNet)
        XCTAssertTrue(AugmentationRecipe.Operation.randomInsertion.needsWordNet)
        XCTAssertFalse(AugmentationRecipe.Operation.randomSwap.needsWordNet)
        XCTAssertFalse(AugmentationRecipe.Operation.randomDeletion.needsWordNet)
        XCTAssertFalse(AugmentationRecipe.Operation.charNoise.needsWordNet)
        let insertion = try AugmentationRecipe.parse(yaml: "operations:\n  random_swap: 0.1\n  random_insertion: 0.1\n",
                                                     file: "i.yaml", defaultName: "i")
        XCTAssertTrue(insertion.needsWordNet)
    }

    func testEqualityIgnoresSourceButNotRates() {
        let a = AugmentationRecipe(name: "r", operations: [(.randomSwap, 0.1)], source: "one")
        let b = AugmentationRecipe(name: "r", operations: [(.randomSwap, 0.1)], source: "two")
        let c = AugmentationRecipe(name: "r", operations: [(.randomSwap, 0.2)], source: "one")
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testRateOneIsAccepted() throws {
        let recipe = try AugmentationRecipe.parse(yaml: "operations:\n  random_deletion: 1.0\n", file: "r.yaml", defaultName: "r")
        XCTAssertEqual(recipe.operations.map(\.1), [1.0])
    }

    // MARK: Errors

    func testUnknownKeyListsValidKeys() {
        assertRecipeError("rate: 0.1\noperations:\n  random_swap: 0.1\n", file: "my-recipe.yaml",
                          contains: ["unknown key 'rate'", "valid keys: \(Self.validKeys)"])
    }

    /// Found by fuzz-augmentation-recipe: a key that is a list or a mapping (`? [a, b]`) trapped in Yams'
    /// dictionary constructor (a force-unwrap), before any of robust's checks; it is now a one-line error.
    func testAKeyThatIsNotAWordIsAnErrorNotATrap() {
        assertRecipeError("? [name, description]\n: x\noperations:\n  random_swap: 0.1\n", file: "list-key.yaml",
                          contains: ["keys must be words", "valid keys: \(Self.validKeys)"])
        assertRecipeError("? {a: 1}\n: x\noperations:\n  random_swap: 0.1\n", file: "map-key.yaml", contains: ["keys must be words"])
        assertRecipeError("operations:\n  ? [random_swap]\n  : 0.1\n", file: "op-key.yaml", contains: ["operation names must be strings"])
        XCTAssertFalse(AugmentationLibrary().contains(writeTemporary("? [a]\n: 1\n")))
    }

    func writeTemporary(_ text: String) -> String {
        let url = (try? temporaryFolder(self))?.appendingPathComponent("recipe.yaml") ?? URL(fileURLWithPath: "/nonexistent/recipe.yaml")
        try? text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testUnknownOperationListsValidOperations() {
        assertRecipeError("operations:\n  random_swap: 0.1\n  back_translation: 0.2\n", file: "bt.yaml",
                          contains: ["unknown operation 'back_translation'", "valid operations: \(Self.validOperations)"])
    }

    func testRateZero() {
        assertRecipeError("operations:\n  random_swap: 0\n", file: "zero.yaml",
                          contains: ["operation 'random_swap' needs a rate in (0, 1]", "got '0'"])
    }

    func testRateAboveOne() {
        assertRecipeError("operations:\n  char_noise: 1.5\n", file: "big.yaml",
                          contains: ["operation 'char_noise' needs a rate in (0, 1]", "got '1.5'"])
    }

    func testNegativeRate() {
        assertRecipeError("operations:\n  char_noise: -0.1\n", file: "neg.yaml",
                          contains: ["operation 'char_noise' needs a rate in (0, 1]", "got '-0.1'"])
    }

    func testNonNumberRate() {
        assertRecipeError("operations:\n  random_deletion: lots\n", file: "words.yaml",
                          contains: ["operation 'random_deletion' needs a rate in (0, 1]", "got 'lots'"])
    }

    func testMissingOperations() {
        assertRecipeError("name: nothing\nper_example: 2\n", file: "nothing.yaml",
                          contains: ["'operations' must map at least one of \(Self.validOperations) to a rate"])
    }

    func testEmptyOrListOperations() {
        assertRecipeError("operations: {}\n", file: "empty.yaml", contains: ["'operations' must map at least one of"])
        assertRecipeError("operations:\n  - random_swap\n", file: "list.yaml", contains: ["'operations' must map at least one of"])
    }

    func testPerExampleZero() {
        assertRecipeError("per_example: 0\noperations:\n  random_swap: 0.1\n", file: "pe.yaml",
                          contains: ["'per_example' must be an integer in 1...100"])
    }

    func testPerExampleTooLargeOrNotInteger() {
        assertRecipeError("per_example: 101\noperations:\n  random_swap: 0.1\n", file: "pe.yaml",
                          contains: ["'per_example' must be an integer in 1...100"])
        assertRecipeError("per_example: 2.5\noperations:\n  random_swap: 0.1\n", file: "pe.yaml",
                          contains: ["'per_example' must be an integer in 1...100"])
    }

    func testOperationListedTwice() {
        assertRecipeError("operations:\n  random_swap: 0.1\n  char_noise: 0.1\n  random_swap: 0.2\n", file: "twice.yaml",
                          contains: ["operation 'random_swap' is listed twice"])
    }

    func testInvalidYAML() {
        assertRecipeError("operations: [random_swap: 0.1\nname: {broken\n", file: "broken.yaml", contains: ["not valid YAML"])
    }

    func testNotAMapping() {
        assertRecipeError("- random_swap\n- char_noise\n", file: "list.yaml",
                          contains: ["expected a mapping with keys \(Self.validKeys)"])
    }

    func testBadScalarKeys() {
        assertRecipeError("combine: sometimes\noperations:\n  random_swap: 0.1\n", file: "c.yaml",
                          contains: ["'combine' must be true or false"])
        assertRecipeError("name: ''\noperations:\n  random_swap: 0.1\n", file: "n.yaml",
                          contains: ["'name' must be a non-empty string"])
        assertRecipeError("description: [a, b]\noperations:\n  random_swap: 0.1\n", file: "d.yaml",
                          contains: ["'description' must be a string"])
    }
}

/// Asserts that parsing throws a one-line `AugmentationError.recipe` that starts with `file` and
/// contains every fragment.
func assertRecipeError(_ yaml: String, file: String, contains fragments: [String],
                       sourceFile: StaticString = #filePath, line: UInt = #line) {
    do {
        let recipe = try AugmentationRecipe.parse(yaml: yaml, file: file, defaultName: "test")
        XCTFail("parsed \(recipe.name) with \(recipe.operations.map(\.0)); expected an error", file: sourceFile, line: line)
    } catch let error as AugmentationError {
        guard case .recipe(let message) = error else {
            XCTFail("expected .recipe, got \(error)", file: sourceFile, line: line)
            return
        }
        assertOneLineError(message, file: file, contains: fragments, sourceFile: sourceFile, line: line)
    } catch {
        XCTFail("expected AugmentationError, got \(type(of: error)): \(error)", file: sourceFile, line: line)
    }
}

func assertOneLineError(_ message: String, file: String, contains fragments: [String],
                        sourceFile: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(message.hasPrefix(file + ": "), "message does not start with '\(file): ': \(message)", file: sourceFile, line: line)
    XCTAssertFalse(message.contains("\n"), "not one line: \(message)", file: sourceFile, line: line)
    for fragment in fragments {
        XCTAssertTrue(message.contains(fragment), "'\(message)' lacks '\(fragment)'", file: sourceFile, line: line)
    }
}

final class AugmentationLibraryTests: XCTestCase {
    func makeFolder() throws -> URL {
        let folder = try temporaryFolder(self)
        try "name: alpha-recipe\nper_example: 3\noperations:\n  random_swap: 0.2\n"
            .write(to: folder.appendingPathComponent("alpha.yaml"), atomically: true, encoding: .utf8)
        try "operations:\n  char_noise: 0.1\n  random_deletion: 0.3\n"
            .write(to: folder.appendingPathComponent("beta.yaml"), atomically: true, encoding: .utf8)
        try "operations:\n  char_noise: 0.1\n".write(to: folder.appendingPathComponent(".hidden.yaml"), atomically: true, encoding: .utf8)
        try "not a recipe".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "operations:\n  random_swap: 2\n".write(to: folder.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    func testNamesContainsLoad() throws {
        let folder = try makeFolder()
        let library = AugmentationLibrary(directory: folder)
        XCTAssertEqual(library.folderNames(), ["alpha", "beta", "broken"])
        XCTAssertEqual(library.names(), (AugmentationLibrary.builtIn.keys + ["alpha", "beta", "broken"]).sorted())
        XCTAssertTrue(library.contains("alpha"))
        XCTAssertTrue(library.contains("beta"))
        XCTAssertFalse(library.contains("gamma"))
        XCTAssertFalse(library.contains("notes"))
        XCTAssertFalse(library.contains(".hidden"))

        let alpha = try library.load("alpha")
        XCTAssertEqual(alpha.name, "alpha-recipe")
        XCTAssertEqual(alpha.perExample, 3)
        XCTAssertEqual(alpha.operations.map(\.0), [.randomSwap])
        XCTAssertEqual(alpha.operations.map(\.1), [0.2])

        let beta = try library.load("beta")
        XCTAssertEqual(beta.name, "beta", "without a name key the file name is the name")
        XCTAssertEqual(beta.operations.map(\.0), [.charNoise, .randomDeletion])
        XCTAssertEqual(beta.operations.map(\.1), [0.1, 0.3])
    }

    func testLoadingUnknownNameListsNames() throws {
        let folder = try makeFolder()
        let library = AugmentationLibrary(directory: folder)
        XCTAssertThrowsError(try library.load("gamma")) { error in
            guard case .recipe(let message)? = error as? AugmentationError else {
                return XCTFail("expected AugmentationError.recipe, got \(error)")
            }
            XCTAssertTrue(message.contains("no augmentation recipe 'gamma'"), message)
            XCTAssertTrue(message.contains("alpha, beta, broken"), message)
            XCTAssertTrue(message.contains(folder.path), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testLoadingInvalidRecipeNamesTheFile() throws {
        let library = AugmentationLibrary(directory: try makeFolder())
        XCTAssertThrowsError(try library.load("broken")) { error in
            guard case .recipe(let message)? = error as? AugmentationError else {
                return XCTFail("expected AugmentationError.recipe, got \(error)")
            }
            XCTAssertTrue(message.contains("broken.yaml: "), message)
            XCTAssertTrue(message.contains("operation 'random_swap' needs a rate in (0, 1], got '2'"), message)
        }
    }

    func testFilePaths() throws {
        let folder = try makeFolder()
        let attack = folder.appendingPathComponent("attack.yaml")
        try "name: some-attack\ntransformation: wordnet\n".write(to: attack, atomically: true, encoding: .utf8)
        // A library somewhere else still finds recipes given by path.
        let library = AugmentationLibrary(directory: folder.appendingPathComponent("elsewhere"))
        XCTAssertEqual(library.folderNames(), [])
        XCTAssertEqual(library.names(), AugmentationLibrary.builtIn.keys.sorted())
        let betaPath = folder.appendingPathComponent("beta.yaml").path
        XCTAssertTrue(library.contains(betaPath))
        XCTAssertFalse(library.contains(attack.path), "a YAML file without operations is not an augmentation recipe")
        XCTAssertFalse(library.contains(folder.appendingPathComponent("missing.yaml").path))
        XCTAssertEqual(try library.load(betaPath).name, "beta")
        XCTAssertThrowsError(try library.load(attack.path)) { error in
            guard case .recipe(let message)? = error as? AugmentationError else {
                return XCTFail("expected AugmentationError.recipe, got \(error)")
            }
            assertOneLineError(message, file: attack.path, contains: ["unknown key 'transformation'"])
        }
    }

    func testDirectoryFromEnvironment() {
        let fromEnvironment = AugmentationLibrary(environment: [AugmentationLibrary.environmentVariable: "/tmp/some-recipes"])
        XCTAssertEqual(fromEnvironment.directory.path, "/tmp/some-recipes")
        let empty = AugmentationLibrary(environment: [AugmentationLibrary.environmentVariable: ""])
        XCTAssertEqual(empty.directory.lastPathComponent, "augmentations")
        let none = AugmentationLibrary(environment: [:])
        XCTAssertEqual(none.directory.lastPathComponent, "augmentations")
        let explicit = AugmentationLibrary(directory: URL(fileURLWithPath: "/x/y"),
                                           environment: [AugmentationLibrary.environmentVariable: "/tmp/z"])
        XCTAssertEqual(explicit.directory.path, "/x/y")
    }

    func testRepositoryRecipes() throws {
        let library = AugmentationLibrary(directory: TestPaths.repoRoot.appendingPathComponent("augmentations"))
        let names = library.names()
        for name in ["eda", "char-noise", "eda-char", "tfidf-replace"] {
            XCTAssertTrue(names.contains(name), "\(name) missing from \(names)")
        }

        let eda = try library.load("eda")
        XCTAssertEqual(eda.name, "eda")
        XCTAssertEqual(eda.perExample, 4)
        XCTAssertFalse(eda.combine)
        XCTAssertEqual(eda.operations.map(\.0), [.synonymReplacement, .randomInsertion, .randomSwap, .randomDeletion])
        XCTAssertEqual(eda.operations.map(\.1), [0.1, 0.1, 0.1, 0.1])
        XCTAssertFalse(eda.description.isEmpty)

        let charNoise = try library.load("char-noise")
        XCTAssertEqual(charNoise.name, "char-noise")
        XCTAssertEqual(charNoise.perExample, 2)
        XCTAssertEqual(charNoise.operations.map(\.0), [.charNoise])
        XCTAssertEqual(charNoise.operations.map(\.1), [0.1])
        XCTAssertFalse(charNoise.needsWordNet)

        let edaChar = try library.load("eda-char")
        XCTAssertEqual(edaChar.name, "eda-char")
        XCTAssertEqual(edaChar.perExample, 5)
        XCTAssertEqual(edaChar.operations.map(\.0), [.synonymReplacement, .randomInsertion, .randomSwap, .randomDeletion, .charNoise])
        XCTAssertEqual(edaChar.operations.map(\.1), [0.1, 0.1, 0.1, 0.1, 0.1])

        // Every recipe in the folder loads.
        for name in names { XCTAssertNoThrow(try library.load(name), name) }
    }
}

/// The augmentation recipes compiled into the binary (the EmbedRecipes plugin): every file of
/// augmentations/ with the same text; a user folder adds recipes and overrides a built-in one by name;
/// an unknown name lists the built-in names and the closest one.
final class BuiltInAugmentationRecipeTests: XCTestCase {
    let repositoryFolder = TestPaths.repoRoot.appendingPathComponent("augmentations")

    func testEveryRepositoryRecipeIsBuiltInWithTheSameText() throws {
        let allFiles = try FileManager.default.contentsOfDirectory(atPath: repositoryFolder.path)
            .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }.sorted()
        // Image recipes (kind: image) share the folder; they are Vision's, not built-in text recipes.
        let imageFiles = try allFiles.filter {
            AugmentationRecipe.isImageRecipe(try String(contentsOf: repositoryFolder.appendingPathComponent($0), encoding: .utf8))
        }
        let files = allFiles.filter { !imageFiles.contains($0) }
        XCTAssertTrue(files.contains("eda.yaml"), "\(files)")
        XCTAssertTrue(imageFiles.contains("image-basic.yaml"), "\(imageFiles)")
        XCTAssertEqual(AugmentationLibrary.builtIn.keys.sorted(), files.map { String($0.dropLast(5)) }.sorted())
        XCTAssertEqual(AugmentationLibrary.builtInImageRecipes.sorted(), imageFiles.map { String($0.dropLast(5)) }.sorted())
        for file in files {
            let data = try Data(contentsOf: repositoryFolder.appendingPathComponent(file))
            let builtIn = try XCTUnwrap(AugmentationLibrary.builtIn[String(file.dropLast(5))], file)
            XCTAssertEqual(Data(builtIn.utf8), data, "\(file): the built-in text differs from the file")
        }
        XCTAssertEqual(EmbeddedRecipeFiles.folder, "augmentations")
    }

    func testBuiltInRecipesLoadWithoutAFolder() throws {
        let folder = try temporaryFolder(self)
        // An empty user folder: every name comes from the built-in recipes, parsed as the files are.
        let library = AugmentationLibrary(directory: folder)
        let fromRepository = AugmentationLibrary(directory: repositoryFolder)
        for name in AugmentationLibrary.builtIn.keys.sorted() {
            XCTAssertTrue(library.contains(name), name)
            let builtIn = try library.load(name)
            XCTAssertEqual(builtIn, try fromRepository.load(name), name)
            XCTAssertEqual(builtIn.source, try fromRepository.load(name).source, name)
        }
    }

    func testUserFolderOverridesByName() throws {
        let folder = try temporaryFolder(self)
        try "name: eda\nper_example: 9\noperations:\n  random_swap: 0.5\n"
            .write(to: folder.appendingPathComponent("eda.yaml"), atomically: true, encoding: .utf8)
        let library = AugmentationLibrary(directory: folder)
        let eda = try library.load("eda")
        XCTAssertEqual(eda.perExample, 9)
        XCTAssertEqual(eda.operations.map(\.0), [.randomSwap])
        XCTAssertEqual(try library.load("char-noise").source, AugmentationLibrary.builtIn["char-noise"])
        XCTAssertEqual(library.names(), AugmentationLibrary.builtIn.keys.sorted())
        let fromEnvironment = AugmentationLibrary(environment: [AugmentationLibrary.environmentVariable: folder.path])
        XCTAssertEqual(try fromEnvironment.load("eda").perExample, 9)
    }

    func testUnknownNameListsBuiltInNamesAndTheClosest() throws {
        let folder = try temporaryFolder(self)
        let builtInNames = AugmentationLibrary.builtIn.keys.sorted().joined(separator: ", ")
        XCTAssertThrowsError(try AugmentationLibrary(directory: folder).load("eda-chr")) { error in
            XCTAssertEqual(error as? AugmentationError,
                           .recipe("no augmentation recipe 'eda-chr' (did you mean 'eda-char'?); built-in recipes: \(builtInNames)"))
        }
        // A named folder that does not exist is an error, even for a built-in name.
        let missing = folder.appendingPathComponent("missing")
        XCTAssertThrowsError(try AugmentationLibrary(directory: missing).load("eda")) { error in
            XCTAssertEqual(error as? AugmentationError,
                           .recipe("no augmentation recipe folder at \(missing.path) (the built-in recipes need no folder: unset ROBUST_AUGMENTATIONS_DIR to use them)"))
        }
    }
}

final class AugmentationRecipeLimitTests: XCTestCase {
    func testDeeplyNestedRecipeIsRefusedBeforeParsing() {
        let deep = "operations:\n  " + String(repeating: "- ", count: 7_000) + "x: 1\n"
        XCTAssertThrowsError(try AugmentationRecipe.parse(yaml: deep, file: "deep.yaml", defaultName: "deep")) {
            XCTAssertEqual(String(describing: $0), "deep.yaml:2: nested more than 64 levels deep; recipes are limited to 64")
        }
    }
}

/// Image recipes (`kind: image`) share augmentations/ with the text recipes: the text loader leaves them out
/// of its names and refuses one by name or path with one line; `kind: text` is accepted.
final class ImageRecipesInTheTextLoaderTests: XCTestCase {
    let imageRecipe = "kind: image\nname: flips\noperations:\n  - op: horizontal_flip\n    probability: 0.5\n"

    func testImageRecipesAreRefusedClearly() throws {
        let folder = try temporaryFolder(self)
        try imageRecipe.write(to: folder.appendingPathComponent("flips.yaml"), atomically: true, encoding: .utf8)
        try "kind: text\noperations:\n  random_swap: 0.1\n".write(to: folder.appendingPathComponent("swaps.yaml"), atomically: true, encoding: .utf8)
        let library = AugmentationLibrary(directory: folder)
        XCTAssertEqual(library.folderNames(), ["swaps"])
        XCTAssertFalse(library.names().contains("flips"))
        XCTAssertFalse(library.names().contains("image-basic"))
        XCTAssertEqual(try library.load("swaps").operations.map(\.0), [.randomSwap])
        let refusal = "an image augmentation recipe (kind: image), for image training"
        for reference in ["flips", folder.appendingPathComponent("flips.yaml").path, "image-basic", "image-mixup"] {
            XCTAssertTrue(library.contains(reference), reference)
            XCTAssertThrowsError(try library.load(reference)) { error in
                XCTAssertTrue("\(error)".contains(refusal), "\(error)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
        assertRecipeError(imageRecipe, file: "flips.yaml", contains: [refusal])
        assertRecipeError("kind: video\noperations:\n  random_swap: 0.1\n", file: "v.yaml", contains: ["'kind' must be text or image"])
        XCTAssertEqual(AugmentationRecipe.declaredKind(of: imageRecipe), "image")
        XCTAssertNil(AugmentationRecipe.declaredKind(of: "operations:\n  random_swap: 0.1\n"))
    }
}
