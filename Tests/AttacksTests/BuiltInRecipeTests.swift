// Built-in recipes: every file of attacks/ is compiled in with the same text (the EmbedRecipes plugin),
// a built-in recipe hashes as the file does (so stored runs and baselines/ci-tiny.json keep matching),
// a user folder adds recipes and overrides a built-in one by name, and an unknown name lists the
// built-in names with the closest one.
@testable import Attacks
import Foundation
import XCTest

final class BuiltInRecipeTests: XCTestCase {
    func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recipes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    func testEveryRepositoryRecipeIsBuiltInWithTheSameText() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryAttacksFolder.path)
            .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }.sorted()
        XCTAssertTrue(files.contains("default.yaml"), "\(files)")
        XCTAssertTrue(files.contains("pwws.yaml"), "\(files)")
        // Text recipes and pixel recipes (`kind: image`) are kept apart; together they are the folder.
        XCTAssertEqual((Array(RecipeLibrary.builtIn.keys) + Array(RecipeLibrary.builtInImage.keys)).sorted(), files.map { String($0.dropLast(5)) }.sorted())
        XCTAssertTrue(RecipeLibrary.builtInImage.keys.allSatisfy { $0.hasPrefix("pixel-") }, "\(RecipeLibrary.builtInImage.keys.sorted())")
        XCTAssertFalse(RecipeLibrary.builtInImage.isEmpty)
        for file in files {
            let data = try Data(contentsOf: repositoryAttacksFolder.appendingPathComponent(file))
            let name = String(file.dropLast(5))
            let builtIn = try XCTUnwrap(RecipeLibrary.builtIn[name] ?? RecipeLibrary.builtInImage[name], file)
            XCTAssertEqual(Data(builtIn.utf8), data, "\(file): the built-in text differs from the file")
        }
        XCTAssertEqual(EmbeddedRecipeFiles.folder, "attacks")
    }

    func testBuiltInRecipesHashAsTheirFilesDo() throws {
        let fromFolder = RecipeLibrary(directory: repositoryAttacksFolder)
        let all = RecipeLibrary.builtInOnly.names()
        XCTAssertEqual(Recipe.hash(try shippedRecipes.load(all)), Recipe.hash(try fromFolder.load(all)))
        XCTAssertEqual(Recipe.hash(try shippedRecipes.defaultSuite()), Recipe.hash(try fromFolder.defaultSuite()))
        // The committed CI baseline was made from attacks/ with `--recipes deepwordbug,fgsm-sweep`.
        let baseline = repositoryAttacksFolder.deletingLastPathComponent().appendingPathComponent("baselines/ci-tiny.json")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: baseline)) as? [String: Any])
        let stored = try XCTUnwrap((object["source_run"] as? [String: Any])?["recipe_hash"] as? String)
        XCTAssertEqual(Recipe.hash(try shippedRecipes.load(["deepwordbug", "fgsm-sweep"])), stored)
        // Built-in recipes need no folder: the built-in-only library and an absent attacks/ find the same.
        let pwws = try shipped("pwws")
        XCTAssertEqual(pwws.path, "built-in attacks/pwws.yaml")
        XCTAssertEqual(pwws.source, RecipeLibrary.builtIn["pwws"])
    }

    func testUserFolderAddsAndOverridesByName() throws {
        let folder = try makeFolder()
        let override = "# my pwws\nname: pwws\ntransformation: char-swap\nsearch: greedy\n"
        try override.write(to: folder.appendingPathComponent("pwws.yaml"), atomically: true, encoding: .utf8)
        try "transformation: char-swap\nsearch: greedy\n".write(to: folder.appendingPathComponent("mine.yaml"),
                                                                atomically: true, encoding: .utf8)
        let same = try XCTUnwrap(RecipeLibrary.builtIn["hotflip"])
        try same.write(to: folder.appendingPathComponent("hotflip.yaml"), atomically: true, encoding: .utf8)
        let library = RecipeLibrary(directory: folder)

        // The folder's pwws replaces the built-in one; the others are still there.
        let pwws = try XCTUnwrap(try library.load(["pwws"]).first)
        XCTAssertEqual(pwws.source, override)
        XCTAssertEqual(pwws.path, folder.appendingPathComponent("pwws.yaml").path)
        XCTAssertEqual((pwws.procedure as? ComposedAttack)?.transformation.name, "char-swap")
        XCTAssertNotEqual(Recipe.hash([pwws]), Recipe.hash(try shippedRecipes.load(["pwws"])))
        XCTAssertEqual(try library.load(["deepwordbug"]).first?.source, RecipeLibrary.builtIn["deepwordbug"])
        XCTAssertEqual(try library.load(["mine"]).first?.name, "mine")
        XCTAssertEqual(library.names(), (RecipeLibrary.builtInOnly.names() + ["mine"]).sorted())
        // The built-in suite picks up the override by name.
        XCTAssertEqual(try library.defaultSuite().first { $0.name == "pwws" }?.source, override)

        XCTAssertEqual(library.origin(of: "pwws"), .folderOverridingBuiltIn(path: folder.appendingPathComponent("pwws.yaml").path))
        XCTAssertEqual(library.origin(of: "hotflip"), .folderSameAsBuiltIn(path: folder.appendingPathComponent("hotflip.yaml").path))
        XCTAssertEqual(library.origin(of: "mine"), .folder(path: folder.appendingPathComponent("mine.yaml").path))
        XCTAssertEqual(library.origin(of: "pgd"), .builtIn)
        XCTAssertEqual(library.origin(of: "default"), .builtIn)
        XCTAssertNil(library.origin(of: "nope"))
        let listing = library.listing()
        XCTAssertTrue(listing.contains("\(folder.path)/pwws.yaml, overriding the built-in recipe"), listing)
        XCTAssertTrue(listing.contains("built in (\(folder.path)/hotflip.yaml has the same text)"), listing)
        XCTAssertTrue(listing.contains("\(folder.path)/mine.yaml (user folder)"), listing)
        XCTAssertTrue(listing.contains("default (suite)     built in"), listing)
        XCTAssertTrue(listing.split(separator: "\n").contains { $0.hasPrefix("  pgd ") && $0.hasSuffix(" built in") }, listing)

        // The environment variable names the folder the same way.
        let fromEnvironment = RecipeLibrary(environment: [RecipeLibrary.environmentVariable: folder.path])
        XCTAssertEqual(try fromEnvironment.load(["pwws"]).first?.source, override)
        // A recipe file given by path is read as it is.
        let file = folder.appendingPathComponent("mine.yaml").path
        XCTAssertEqual(try RecipeLibrary.builtInOnly.load([file]).first?.path, file)
    }

    func testUnknownNameListsBuiltInNamesAndTheClosest() throws {
        let builtInNames = RecipeLibrary.builtIn.keys.filter { $0 != "default" }.sorted()
        XCTAssertTrue(builtInNames.contains("textfooler-wordnet"))
        XCTAssertThrowsError(try RecipeLibrary.builtInOnly.load(["textfooler-wordnt"])) { error in
            XCTAssertEqual((error as? AttackError)?.description,
                           "unknown recipe 'textfooler-wordnt' (did you mean 'textfooler-wordnet'?); built-in recipes: "
                           + builtInNames.joined(separator: ", "))
        }
        XCTAssertThrowsError(try RecipeLibrary.builtInOnly.load(["zzz"])) { error in
            XCTAssertEqual((error as? AttackError)?.description,
                           "unknown recipe 'zzz'; built-in recipes: " + builtInNames.joined(separator: ", "))
        }
        // With a user folder, its names are listed too.
        let folder = try makeFolder()
        try "transformation: char-swap\nsearch: greedy\n".write(to: folder.appendingPathComponent("mine.yaml"),
                                                                atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RecipeLibrary(directory: folder).load(["mime"])) { error in
            XCTAssertEqual((error as? AttackError)?.description,
                           "unknown recipe 'mime' (did you mean 'mine'?); built-in recipes: \(builtInNames.joined(separator: ", ")); in \(folder.path): mine")
        }
    }

    func testWorkingDirectoryFolderIsOptional() throws {
        // Without a named folder, attacks/ in the working directory is looked in only when it exists:
        // the test process's working directory may or may not be the repository, and either way the
        // built-in recipes load.
        let library = RecipeLibrary(environment: [:])
        XCTAssertEqual(library.folderSource, .workingDirectory)
        XCTAssertEqual(try library.load(["deepwordbug"]).first?.source, RecipeLibrary.builtIn["deepwordbug"])
        XCTAssertEqual(RecipeLibrary(environment: [RecipeLibrary.environmentVariable: ""]).folderSource, .workingDirectory)
        XCTAssertEqual(RecipeLibrary.builtInOnly.folderNames(), [])
        XCTAssertTrue(RecipeLibrary.builtInOnly.listing().hasPrefix("recipes (built in):\n"))
    }
}
