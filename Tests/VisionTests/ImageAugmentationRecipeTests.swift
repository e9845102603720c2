// ImageAugmentationRecipeTests: parsing image recipes (every op, scalar shorthands, defaults), one-line
// errors naming the file and key (unknown op, probability outside [0, 1], bad ranges, missing or wrong kind…),
// and the built-in recipes (each loads, same text as augmentations/, unknown names listed).
import Basics
import Foundation
import TestSupport
import XCTest
@testable import Vision

final class ImageAugmentationRecipeTests: XCTestCase {
    func testEveryOperationParses() throws {
        let yaml = """
            kind: image
            name: everything
            description: one of each
            operations:
              - op: horizontal_flip
                probability: 0.5
              - op: random_crop
                padding: 4
              - op: rotation
                degrees: 15
                probability: 0.25
              - op: rotation
                degrees: [-5, 20]
              - op: translation
                fraction: [0.1, 0.2]
              - op: translation
                fraction: 0.125
              - op: scaling
                zoom: 0.1
              - op: scaling
                zoom: [0.8, 1.25]
              - op: brightness
                factor: 0.2
              - op: brightness
                delta: [-0.1, 0.05]
              - op: contrast
                factor: [0.5, 1.5]
              - op: contrast
                factor: 1.5
              - op: random_erasing
              - op: random_erasing
                area: [0.1, 0.2]
                aspect: [0.5, 2]
                value: 0
              - op: randaugment
              - op: random-crop
                padding: 1
              - op: randaugment
                n: 3
                magnitude: 12.5
                ops: [rotate, equalize, shear-x]
            batch:
              - op: mixup
                alpha: 0.2
              - op: cutmix
                alpha: 1
                probability: 0.5
            """
        let recipe = try ImageAugmentationRecipe.parse(yaml: yaml, file: "all.yaml", defaultName: "all")
        XCTAssertEqual(recipe.name, "everything")
        XCTAssertEqual(recipe.description, "one of each")
        XCTAssertEqual(recipe.source, yaml)
        let expected: [ImageAugmentationStep] = [
            ImageAugmentationStep(.horizontalFlip, probability: 0.5),
            ImageAugmentationStep(.randomCrop(padding: 4)),
            ImageAugmentationStep(.rotation(degrees: ParameterRange(-15, 15)), probability: 0.25),
            ImageAugmentationStep(.rotation(degrees: ParameterRange(-5, 20))),
            ImageAugmentationStep(.translation(x: 0.1, y: 0.2)),
            ImageAugmentationStep(.translation(x: 0.125, y: 0.125)),
            ImageAugmentationStep(.scaling(zoom: ParameterRange(0.9, 1.1))),
            ImageAugmentationStep(.scaling(zoom: ParameterRange(0.8, 1.25))),
            ImageAugmentationStep(.brightnessFactor(ParameterRange(0.8, 1.2))),
            ImageAugmentationStep(.brightnessDelta(ParameterRange(-0.1, 0.05))),
            ImageAugmentationStep(.contrast(factor: ParameterRange(0.5, 1.5))),
            ImageAugmentationStep(.contrast(factor: ParameterRange(0, 2.5))),
            ImageAugmentationStep(.randomErasing(area: ParameterRange(0.02, 0.33), aspect: ParameterRange(0.3, 3.3), value: .random)),
            ImageAugmentationStep(.randomErasing(area: ParameterRange(0.1, 0.2), aspect: ParameterRange(0.5, 2), value: .constant(0))),
            ImageAugmentationStep(.randAugment(RandAugment(count: 2, magnitude: 9, operations: RandAugment.Operation.allCases))),
            ImageAugmentationStep(.randomCrop(padding: 1)),
            ImageAugmentationStep(.randAugment(RandAugment(count: 3, magnitude: 12.5, operations: [.rotate, .equalize, .shearX]))),
        ]
        XCTAssertEqual(recipe.steps.count, expected.count)
        for (index, (got, want)) in zip(recipe.steps, expected).enumerated() {
            XCTAssertEqual(got, want, "step \(index)")
        }
        XCTAssertEqual(recipe.batch, [BatchMixing(.mixup, alpha: 0.2), BatchMixing(.cutmix, alpha: 1, probability: 0.5)])
        XCTAssertTrue(recipe.mixesBatches)
        XCTAssertEqual(RandAugment.Operation.allCases.count, 13)
        // Codable: a JSON round trip gives the same recipe.
        let data = try JSONEncoder().encode(recipe)
        XCTAssertEqual(try JSONDecoder().decode(ImageAugmentationRecipe.self, from: data), recipe)
    }

    func testDefaultsAndBatchOnly() throws {
        let recipe = try ImageAugmentationRecipe.parse(yaml: "kind: image\nbatch:\n  - op: cutmix\n    alpha: 1\n",
                                                       file: "cut.yaml", defaultName: "cut-only")
        XCTAssertEqual(recipe.name, "cut-only")
        XCTAssertEqual(recipe.description, "")
        XCTAssertEqual(recipe.steps, [])
        XCTAssertEqual(recipe.batch, [BatchMixing(.cutmix, alpha: 1)])
        let empty = try ImageAugmentationRecipe.parse(yaml: "kind: image\noperations:\nbatch:\n  - op: mixup\n    alpha: 1\n",
                                                      file: "e.yaml", defaultName: "e")
        XCTAssertEqual(empty.steps, [])
    }

    // MARK: Errors

    func assertError(_ yaml: String, file: String = "bad.yaml", _ fragments: String..., line: UInt = #line) {
        do {
            let recipe = try ImageAugmentationRecipe.parse(yaml: yaml, file: file, defaultName: "bad")
            XCTFail("parsed \(recipe.name); expected an error", line: line)
        } catch let error as ImageAugmentationError {
            guard case .recipe(let message) = error else { return XCTFail("expected .recipe, got \(error)", line: line) }
            XCTAssertTrue(message.hasPrefix(file), "does not start with the file: \(message)", line: line)
            XCTAssertFalse(message.contains("\n"), "not one line: \(message)", line: line)
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "'\(message)' lacks '\(fragment)'", line: line)
            }
        } catch {
            XCTFail("expected ImageAugmentationError, got \(error)", line: line)
        }
    }

    let ops = "horizontal_flip, random_crop, rotation, translation, scaling, brightness, contrast, random_erasing, randaugment"

    func testUnknownOp() {
        assertError("kind: image\noperations:\n  - op: flip_horizontal\n", "bad.yaml: operations[0]: unknown op 'flip_horizontal'",
                    "valid ops: \(ops)")
        assertError("kind: image\noperations:\n  - op: horizontal_flip\n  - op: rotaton\n    degrees: 5\n",
                    "operations[1]: unknown op 'rotaton' (did you mean 'rotation'?)")
        assertError("kind: image\noperations:\n  - op: randaugment\n    ops: [rotate, colour]\n",
                    "operations[0] (randaugment): unknown RandAugment op 'colour'", "valid: identity, shear_x")
        assertError("kind: image\nbatch:\n  - op: mixop\n    alpha: 1\n", "batch[0]: unknown batch op 'mixop' (did you mean 'mixup'?); valid: mixup, cutmix")
        assertError("kind: image\noperations:\n  - horizontal_flip\n", "operations[0]: expected a mapping with 'op'")
    }

    func testProbabilityOutsideUnitInterval() {
        assertError("kind: image\noperations:\n  - op: horizontal_flip\n    probability: 1.5\n",
                    "bad.yaml: operations[0] (horizontal_flip): 'probability' must be a number in [0, 1], got '1.5'")
        assertError("kind: image\noperations:\n  - op: horizontal_flip\n    probability: -0.1\n", "'probability' must be a number in [0, 1], got '-0.1'")
        assertError("kind: image\noperations:\n  - op: horizontal_flip\n    probability: often\n", "got 'often'")
        assertError("kind: image\nbatch:\n  - op: mixup\n    alpha: 0.2\n    probability: 2\n",
                    "batch[0] (mixup): 'probability' must be a number in [0, 1], got '2'")
        assertError("kind: image\noperations:\n  - op: horizontal_flip\n    probability: .nan\n", "'probability' must be")
    }

    func testBadRanges() {
        assertError("kind: image\noperations:\n  - op: rotation\n    degrees: [20, 10]\n",
                    "operations[0] (rotation): 'degrees' must be", "got '[20, 10]'")
        assertError("kind: image\noperations:\n  - op: rotation\n    degrees: -5\n", "'degrees' must be", "got '-5'")
        assertError("kind: image\noperations:\n  - op: rotation\n    degrees: [0, 400]\n", "'degrees' must be")
        assertError("kind: image\noperations:\n  - op: rotation\n    degrees: [1, 2, 3]\n", "'degrees' must be", "got '[1, 2, 3]'")
        assertError("kind: image\noperations:\n  - op: scaling\n    zoom: [0, 1.2]\n", "operations[0] (scaling): 'zoom' must be")
        assertError("kind: image\noperations:\n  - op: scaling\n    zoom: 1.5\n", "'zoom' must be")
        assertError("kind: image\noperations:\n  - op: translation\n    fraction: [0.1, 1.5]\n", "'fraction' must be")
        assertError("kind: image\noperations:\n  - op: brightness\n    factor: [1.2, 0.8]\n", "(brightness): 'factor' must be")
        assertError("kind: image\noperations:\n  - op: brightness\n    delta: [-2, 0]\n", "(brightness): 'delta' must be")
        assertError("kind: image\noperations:\n  - op: contrast\n    factor: [-1, 1]\n", "(contrast): 'factor' must be")
        assertError("kind: image\noperations:\n  - op: random_erasing\n    area: [0.4, 0.2]\n", "'area' must be [lo, hi] with 0 < lo ≤ hi ≤ 1")
        assertError("kind: image\noperations:\n  - op: random_erasing\n    aspect: [0, 2]\n", "'aspect' must be")
        assertError("kind: image\noperations:\n  - op: random_erasing\n    value: 2\n", "'value' must be 'random' or a number in [0, 1], got '2'")
        assertError("kind: image\noperations:\n  - op: random_crop\n    padding: 0\n", "'padding' must be an integer in 1…64, got '0'")
        assertError("kind: image\noperations:\n  - op: random_crop\n    padding: 2.5\n", "'padding' must be an integer")
        assertError("kind: image\noperations:\n  - op: randaugment\n    magnitude: 31\n", "'magnitude' must be a number in 0…30, got '31'")
        assertError("kind: image\noperations:\n  - op: randaugment\n    n: 0\n", "'n' must be an integer in 1…10")
        assertError("kind: image\nbatch:\n  - op: cutmix\n    alpha: 0\n", "batch[0] (cutmix): 'alpha' must be a number in (0, 100], got '0'")
    }

    func testMissingAndConflictingParameters() {
        assertError("kind: image\noperations:\n  - op: rotation\n", "operations[0] (rotation): needs 'degrees'")
        assertError("kind: image\noperations:\n  - op: random_crop\n", "needs 'padding'")
        assertError("kind: image\noperations:\n  - op: brightness\n", "(brightness): needs 'factor' (x·f) or 'delta' (x + d)")
        assertError("kind: image\noperations:\n  - op: brightness\n    factor: 0.2\n    delta: 0.1\n", "not both")
        assertError("kind: image\noperations:\n  - op: rotation\n    degrees: 5\n    padding: 2\n",
                    "operations[0] (rotation): unknown key 'padding'; valid keys: op, probability, degrees")
        assertError("kind: image\nbatch:\n  - op: mixup\n", "batch[0] (mixup): needs 'alpha'")
        assertError("kind: image\nbatch:\n  - op: mixup\n    alpha: 1\n  - op: mixup\n    alpha: 2\n", "batch[1]: 'mixup' is listed twice")
        assertError("kind: image\noperations:\n  - op: randaugment\n    ops: [rotate, rotate]\n", "'rotate' is listed twice")
    }

    func testFileLevelErrors() {
        assertError("name: x\noperations:\n  - op: horizontal_flip\n", "not an image recipe: 'kind: image' is missing")
        assertError("kind: text\noperations:\n  random_swap: 0.1\n", "'kind' is 'text'; image recipes have 'kind: image'")
        assertError("kind: image\nname: x\n", "the recipe does nothing")
        assertError("kind: image\noperatons:\n  - op: horizontal_flip\n",
                    "unknown key 'operatons' (did you mean 'operations'?); valid keys: kind, name, description, operations, batch")
        assertError("kind: image\noperations:\n  horizontal_flip: 0.5\n", "'operations' must be a list of mappings")
        assertError("kind: image\nbatch: mixup\n", "'batch' must be a list of mappings")
        assertError("- kind\n- image\n", "expected a mapping with keys kind, name")
        assertError("kind: image\noperations: [\n", "not valid YAML")
        assertError("? [a, b]\n: 1\nkind: image\n", "keys must be words")
        assertError("kind: image\nname: ''\noperations:\n  - op: horizontal_flip\n", "'name' must be a non-empty string")
        assertError("kind: image\nkind: image\n", "bad.yaml")
        assertError("", "empty")
        // Deep nesting is refused before the parser recurses.
        assertError("kind: image\noperations: " + String(repeating: "[", count: 5000) + "\n", "bad.yaml:2: nested too deeply")
    }

    // MARK: Built-in recipes

    func testEveryBuiltInRecipeLoads() throws {
        XCTAssertEqual(ImageAugmentationRecipe.builtInNames,
                       ["image-basic", "image-cutmix", "image-mixup", "image-randaugment", "image-standard"])
        let folder = TestPaths.repoRoot.appendingPathComponent("augmentations")
        for name in ImageAugmentationRecipe.builtInNames {
            let recipe = try ImageAugmentationRecipe.builtin(named: name)
            XCTAssertEqual(recipe.name, name)
            XCTAssertFalse(recipe.description.isEmpty, name)
            let file = folder.appendingPathComponent(name + ".yaml")
            XCTAssertEqual(recipe.source, try String(contentsOf: file, encoding: .utf8), "\(name): the built-in text differs from the file")
            XCTAssertEqual(try ImageAugmentationRecipe.load(contentsOf: file), recipe)
            XCTAssertEqual(try ImageAugmentationRecipe.resolve(file.path), recipe)
            XCTAssertEqual(try ImageAugmentationRecipe.resolve(name), recipe)
        }
        // Text recipes in the same folder are not image recipes.
        XCTAssertNil(ImageAugmentationRecipe.builtInTexts["eda"])
        // Every image-*.yaml file of the folder is built in.
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("image-") && $0.hasSuffix(".yaml") }
        XCTAssertEqual(files.map { String($0.dropLast(5)) }.sorted(), ImageAugmentationRecipe.builtInNames)
    }

    func testBuiltInRecipeContents() throws {
        let basic = try ImageAugmentationRecipe.builtin(named: "image-basic")
        XCTAssertEqual(basic.steps, [ImageAugmentationStep(.horizontalFlip, probability: 0.5), ImageAugmentationStep(.randomCrop(padding: 2))])
        XCTAssertFalse(basic.mixesBatches)
        let randAugment = try ImageAugmentationRecipe.builtin(named: "image-randaugment")
        XCTAssertEqual(randAugment.steps.last, ImageAugmentationStep(.randAugment(RandAugment(count: 2, magnitude: 9))))
        XCTAssertEqual(try ImageAugmentationRecipe.builtin(named: "image-mixup").batch, [BatchMixing(.mixup, alpha: 0.2)])
        XCTAssertEqual(try ImageAugmentationRecipe.builtin(named: "image-cutmix").batch, [BatchMixing(.cutmix, alpha: 1)])
        let standard = try ImageAugmentationRecipe.builtin(named: "image-standard")
        XCTAssertEqual(standard.steps.map(\.operation.name),
                       ["horizontal_flip", "random_crop", "rotation", "translation", "scaling", "brightness", "contrast", "random_erasing"])
    }

    func testUnknownBuiltInNameListsTheNames() {
        XCTAssertThrowsError(try ImageAugmentationRecipe.builtin(named: "image-standrd")) { error in
            XCTAssertEqual("\(error)", "no built-in image augmentation recipe 'image-standrd' (did you mean 'image-standard'?); built-in: image-basic, image-cutmix, image-mixup, image-randaugment, image-standard")
        }
        XCTAssertThrowsError(try ImageAugmentationRecipe.resolve("/nonexistent/recipe.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/recipe.yaml: "), "\(error)")
        }
    }
}
