// AugmentationRecipeFuzz (fuzz-augmentation-recipe): augmentation recipe files, `AugmentationRecipe.parse`
// (augmentations/*.yaml or a user's recipe), then the recipe applied to one text by `TextAugmenter` (seeded,
// without WordNet).
//
// Input: the YAML, a NUL byte, the text to augment. An input must be refused with an AugmentationError, or
// give a recipe within its documented bounds (1...100 per example, rates in (0, 1]) whose augmentations are
// at most `per_example` distinct texts, none equal to the original or blank.
import Attacks
import Augmentation
import Basics
import FuzzSupport

@main
enum AugmentationRecipeFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = Fuzz.split(Fuzz.bytes(data, size), separator: 0, parts: 2)
    guard let yaml = String(validating: parts[0], as: UTF8.self) else { return 0 }
    let recipe: AugmentationRecipe
    do {
        recipe = try AugmentationRecipe.parse(yaml: yaml, file: "fuzz.yaml", defaultName: "fuzz")
    } catch is AugmentationError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    Fuzz.check((1...100).contains(recipe.perExample), "per_example \(recipe.perExample) accepted")
    Fuzz.check(!recipe.operations.isEmpty && recipe.operations.allSatisfy { $0.1 > 0 && $0.1 <= 1 }, "rates out of (0, 1] accepted")
    let text = String(decoding: parts.count > 1 ? parts[1] : [], as: UTF8.self)
    var random = SeededRandom(seed: 5)
    let augmented = TextAugmenter(recipe: recipe, lexicon: Lexicon(wordnet: nil)).augment(text, count: recipe.perExample, random: &random)
    Fuzz.check(augmented.count <= recipe.perExample, "\(augmented.count) texts for per_example \(recipe.perExample)")
    Fuzz.check(Set(augmented).count == augmented.count, "repeated augmentations")
    Fuzz.check(!augmented.contains(text), "an augmentation equals the original")
    Fuzz.check(!augmented.contains { $0.allSatisfy(\.isWhitespace) }, "a blank augmentation")
    return 0
}
