// ImageAugmentationRecipe: an image augmentation defined in a YAML file of augmentations/ (they share the
// folder with the text recipes; `kind: image` tells them apart, and the text loader refuses these files):
//
//     kind: image                     # required: marks an image recipe
//     name: image-standard            # optional; defaults to the file name
//     description: one line           # optional
//     operations:                     # per image, in this order, each applied with its probability
//       - op: horizontal_flip
//         probability: 0.5            # optional, in [0, 1]; default 1
//       - op: random_crop
//         padding: 4                  # integer 1…64
//       - op: rotation
//         degrees: 10                 # d → [−d, d], or [lo, hi]; within ±360
//       - op: translation
//         fraction: [0.1, 0.1]        # max shift as a fraction of width, height (a scalar: both); in [0, 1]
//       - op: scaling
//         zoom: [0.9, 1.1]            # z → [1 − z, 1 + z] (z < 1), or [lo, hi] with 0 < lo ≤ hi ≤ 10
//       - op: brightness
//         factor: 0.2                 # x·f, f → [1 − f, 1 + f]; or [lo, hi] within [0, 10]
//         # delta: 0.1                # or additive: x + d, d → [−d, d]; or [lo, hi] within [−1, 1]
//       - op: contrast
//         factor: [0.8, 1.2]          # as brightness's factor
//       - op: random_erasing
//         area: [0.02, 0.33]          # default; fractions of the image, 0 < lo ≤ hi ≤ 1
//         aspect: [0.3, 3.3]          # default; height/width, 0 < lo ≤ hi ≤ 100
//         value: random               # default: uniform noise; or a number in [0, 1]
//       - op: randaugment
//         n: 2                        # operations per image, 1…10 (default 2)
//         magnitude: 9                # 0…30 (default 9)
//         ops: [identity, rotate]     # optional; default all (RandAugment.swift lists them)
//     batch:                          # optional: mixing of the whole batch, after the per-image operations
//       - op: mixup                   # or cutmix; when both are listed one of them is chosen per batch,
//         alpha: 0.2                  #   uniformly, then applied with its probability. Beta(α, α), α in (0, 100]
//         probability: 1.0
//
// `operations` may be empty or absent only when `batch` is given. Errors are one line naming the file and
// the key (`file: operations[2] (rotation): 'degrees' …`) and listing what is valid.
//
// Built-in recipes are the augmentations/*.yaml files with `kind: image`, compiled into Vision by the
// EmbedRecipes plugin: `ImageAugmentationRecipe.builtin(named:)`.
import Basics
import Foundation
import Yams

public struct ImageAugmentationRecipe: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    /// Per-image steps, in order.
    public var steps: [ImageAugmentationStep]
    /// Batch mixing choices (one is chosen per batch); empty for none.
    public var batch: [BatchMixing]
    /// The file's text (for hashing into a run's recipe hash).
    public var source: String

    public init(name: String, description: String = "", steps: [ImageAugmentationStep],
                batch: [BatchMixing] = [], source: String = "") {
        self.name = name
        self.description = description
        self.steps = steps
        self.batch = batch
        self.source = source
    }

    /// Whether the recipe mixes batches (and so gives soft labels).
    public var mixesBatches: Bool { !batch.isEmpty }

    static let keys = ["kind", "name", "description", "operations", "batch"]

    // MARK: Built-in recipes

    /// The built-in image recipes: file name without .yaml → the file's text (augmentations/*.yaml with
    /// `kind: image`).
    public static let builtInTexts: [String: String] = Dictionary(
        EmbeddedRecipeFiles.all.filter { RecipeYAML.declaredKind(of: $0.text) == "image" }.map { ($0.name, $0.text) },
        uniquingKeysWith: { first, _ in first })

    /// The built-in recipe names, sorted.
    public static var builtInNames: [String] { builtInTexts.keys.sorted() }

    /// The built-in recipe `name` (e.g. "image-standard"); an unknown name lists the built-in ones.
    public static func builtin(named name: String) throws -> ImageAugmentationRecipe {
        guard let text = builtInTexts[name] else {
            throw ImageAugmentationError.recipe(
                "no built-in image augmentation recipe '\(name)'\(DidYouMean.hint(for: name, in: builtInNames)); built-in: \(builtInNames.joined(separator: ", "))")
        }
        return try parse(yaml: text, file: "built-in \(EmbeddedRecipeFiles.folder)/\(name).yaml", defaultName: name)
    }

    /// A recipe file.
    public static func load(contentsOf url: URL) throws -> ImageAugmentationRecipe {
        let text = try RecipeYAML.read(url)
        return try parse(yaml: text, file: url.path, defaultName: url.deletingPathExtension().lastPathComponent)
    }

    /// A file path (with a `/` or ending in .yaml / .yml) or a built-in name.
    public static func resolve(_ reference: String) throws -> ImageAugmentationRecipe {
        if reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            return try load(contentsOf: URL(fileURLWithPath: reference))
        }
        return try builtin(named: reference)
    }

    // MARK: Parsing

    /// Parses a recipe file's text; `file` names it in errors.
    public static func parse(yaml: String, file: String, defaultName: String) throws -> ImageAugmentationRecipe {
        guard let root = try RecipeYAML.compose(yaml, file: file) else {
            throw ImageAugmentationError.recipe("\(file): empty; expected a mapping with keys \(keys.joined(separator: ", "))")
        }
        let fields = try RecipeYAML.fields(root, place: file, valid: keys)
        func field(_ key: String) -> Node? { fields.first { $0.key == key }?.value }

        guard let kindNode = field("kind") else {
            throw ImageAugmentationError.recipe("\(file): not an image recipe: 'kind: image' is missing (text recipes are read by robust augment)")
        }
        guard case .scalar = kindNode, kindNode.string == "image" else {
            throw ImageAugmentationError.recipe("\(file): 'kind' is '\(RecipeYAML.shown(kindNode))'; image recipes have 'kind: image'")
        }
        var recipe = ImageAugmentationRecipe(name: defaultName, steps: [], source: yaml)
        if let node = field("name") {
            guard case .scalar = node, let name = node.string, !name.isEmpty else {
                throw ImageAugmentationError.recipe("\(file): 'name' must be a non-empty string")
            }
            recipe.name = name
        }
        if let node = field("description") {
            guard case .scalar = node, let description = node.string else {
                throw ImageAugmentationError.recipe("\(file): 'description' must be a string")
            }
            recipe.description = description
        }
        if let node = field("operations") {
            if case .scalar = node, node.null != nil {
                // `operations:` with nothing after it: no per-image operations.
            } else {
                guard case .sequence(let sequence) = node else {
                    throw ImageAugmentationError.recipe(
                        "\(file): 'operations' must be a list of mappings, each with 'op' (one of \(ImageOperation.names.joined(separator: ", ")))")
                }
                for (position, item) in sequence.enumerated() {
                    recipe.steps.append(try parseStep(item, place: "\(file): operations[\(position)]"))
                }
            }
        }
        if let node = field("batch") {
            let valid = BatchMixing.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            guard case .sequence(let sequence) = node, sequence.count > 0 else {
                throw ImageAugmentationError.recipe("\(file): 'batch' must be a list of mappings, each with 'op' (one of \(valid)) and 'alpha'")
            }
            for (position, item) in sequence.enumerated() {
                let mixing = try parseBatch(item, place: "\(file): batch[\(position)]")
                guard !recipe.batch.contains(where: { $0.kind == mixing.kind }) else {
                    throw ImageAugmentationError.recipe("\(file): batch[\(position)]: '\(mixing.kind.rawValue)' is listed twice")
                }
                recipe.batch.append(mixing)
            }
        }
        guard !recipe.steps.isEmpty || !recipe.batch.isEmpty else {
            throw ImageAugmentationError.recipe(
                "\(file): the recipe does nothing: give 'operations' (\(ImageOperation.names.joined(separator: ", "))) or 'batch' (mixup, cutmix)")
        }
        return recipe
    }

    /// The keys each operation takes besides `op` and `probability`.
    static let operationKeys: [String: [String]] = [
        "horizontal_flip": [],
        "random_crop": ["padding"],
        "rotation": ["degrees"],
        "translation": ["fraction"],
        "scaling": ["zoom"],
        "brightness": ["factor", "delta"],
        "contrast": ["factor"],
        "random_erasing": ["area", "aspect", "value"],
        "randaugment": ["n", "magnitude", "ops"],
    ]

    static func parseStep(_ node: Node, place: String) throws -> ImageAugmentationStep {
        let valid = ImageOperation.names.joined(separator: ", ")
        guard case .mapping(let mapping) = node, let opNode = mapping["op"] else {
            throw ImageAugmentationError.recipe("\(place): expected a mapping with 'op' (one of \(valid))")
        }
        guard case .scalar = opNode, let rawName = opNode.string else {
            throw ImageAugmentationError.recipe("\(place): 'op' must be one of \(valid)")
        }
        let opName = rawName.replacingOccurrences(of: "-", with: "_")
        guard let parameterKeys = operationKeys[opName] else {
            throw ImageAugmentationError.recipe(
                "\(place): unknown op '\(rawName)'\(DidYouMean.hint(for: opName, in: ImageOperation.names)); valid ops: \(valid)")
        }
        let here = "\(place) (\(opName))"
        let fields = try RecipeYAML.fields(node, place: here, valid: ["op", "probability"] + parameterKeys)
        func field(_ key: String) -> Node? { fields.first { $0.key == key }?.value }
        let probability = try parseProbability(field("probability"), place: here)

        let operation: ImageOperation
        switch opName {
        case "horizontal_flip":
            operation = .horizontalFlip
        case "random_crop":
            guard let node = field("padding") else { throw missing("padding", "an integer in 1…64", here) }
            guard let padding = RecipeYAML.integer(node), (1...64).contains(padding) else {
                throw invalid("padding", "an integer in 1…64", node, here)
            }
            operation = .randomCrop(padding: padding)
        case "rotation":
            let expected = "d ≥ 0 (→ [−d, d]) or [lo, hi] with −360 ≤ lo ≤ hi ≤ 360"
            guard let node = field("degrees") else { throw missing("degrees", expected, here) }
            guard let range = range(node, symmetric: { $0 >= 0 ? ParameterRange(-$0, $0) : nil }),
                  range.lower >= -360, range.upper <= 360 else {
                throw invalid("degrees", expected, node, here)
            }
            operation = .rotation(degrees: range)
        case "translation":
            let expected = "a fraction f in [0, 1] or [fx, fy], each in [0, 1]"
            guard let node = field("fraction") else { throw missing("fraction", expected, here) }
            let pair: [Double]
            if let value = RecipeYAML.number(node) { pair = [value, value] } else { pair = RecipeYAML.numbers(node) ?? [] }
            guard pair.count == 2, pair.allSatisfy({ (0...1).contains($0) }) else {
                throw invalid("fraction", expected, node, here)
            }
            operation = .translation(x: pair[0], y: pair[1])
        case "scaling":
            let expected = "z in [0, 1) (→ [1 − z, 1 + z]) or [lo, hi] with 0 < lo ≤ hi ≤ 10"
            guard let node = field("zoom") else { throw missing("zoom", expected, here) }
            guard let range = range(node, symmetric: { $0 >= 0 && $0 < 1 ? ParameterRange(1 - $0, 1 + $0) : nil }),
                  range.lower > 0, range.upper <= 10 else {
                throw invalid("zoom", expected, node, here)
            }
            operation = .scaling(zoom: range)
        case "brightness":
            switch (field("factor"), field("delta")) {
            case (let factor?, nil):
                operation = .brightnessFactor(try parseFactor(factor, place: here))
            case (nil, let delta?):
                let expected = "d in [0, 1] (→ [−d, d]) or [lo, hi] with −1 ≤ lo ≤ hi ≤ 1"
                guard let range = range(delta, symmetric: { $0 >= 0 && $0 <= 1 ? ParameterRange(-$0, $0) : nil }),
                      range.lower >= -1, range.upper <= 1 else {
                    throw invalid("delta", expected, delta, here)
                }
                operation = .brightnessDelta(range)
            case (.some, .some):
                throw ImageAugmentationError.recipe("\(here): give 'factor' (x·f) or 'delta' (x + d), not both")
            case (nil, nil):
                throw ImageAugmentationError.recipe("\(here): needs 'factor' (x·f) or 'delta' (x + d)")
            }
        case "contrast":
            guard let node = field("factor") else { throw missing("factor", "f ≥ 0 (→ [1 − f, 1 + f]) or [lo, hi]", here) }
            operation = .contrast(factor: try parseFactor(node, place: here))
        case "random_erasing":
            var area = ParameterRange(0.02, 0.33), aspect = ParameterRange(0.3, 3.3)
            var value = ErasingValue.random
            if let node = field("area") {
                guard let pair = RecipeYAML.numbers(node), pair.count == 2, pair[0] > 0, pair[0] <= pair[1], pair[1] <= 1 else {
                    throw invalid("area", "[lo, hi] with 0 < lo ≤ hi ≤ 1", node, here)
                }
                area = ParameterRange(pair[0], pair[1])
            }
            if let node = field("aspect") {
                guard let pair = RecipeYAML.numbers(node), pair.count == 2, pair[0] > 0, pair[0] <= pair[1], pair[1] <= 100 else {
                    throw invalid("aspect", "[lo, hi] with 0 < lo ≤ hi ≤ 100", node, here)
                }
                aspect = ParameterRange(pair[0], pair[1])
            }
            if let node = field("value") {
                if case .scalar = node, node.string == "random" {
                    value = .random
                } else if let number = RecipeYAML.number(node), (0...1).contains(number) {
                    value = .constant(Float(number))
                } else {
                    throw invalid("value", "'random' or a number in [0, 1]", node, here)
                }
            }
            operation = .randomErasing(area: area, aspect: aspect, value: value)
        case "randaugment":
            var randAugment = RandAugment()
            if let node = field("n") {
                guard let n = RecipeYAML.integer(node), (1...10).contains(n) else {
                    throw invalid("n", "an integer in 1…10", node, here)
                }
                randAugment.count = n
            }
            if let node = field("magnitude") {
                guard let magnitude = RecipeYAML.number(node), (0...RandAugment.maxMagnitude).contains(magnitude) else {
                    throw invalid("magnitude", "a number in 0…30", node, here)
                }
                randAugment.magnitude = magnitude
            }
            if let node = field("ops") {
                let validOps = RandAugment.Operation.allCases.map(\.rawValue)
                guard case .sequence(let sequence) = node, sequence.count > 0 else {
                    throw invalid("ops", "a non-empty list of \(validOps.joined(separator: ", "))", node, here)
                }
                var operations: [RandAugment.Operation] = []
                for item in sequence {
                    guard case .scalar = item, let text = item.string,
                          let op = RandAugment.Operation(rawValue: text.replacingOccurrences(of: "-", with: "_")) else {
                        let text = RecipeYAML.shown(item)
                        throw ImageAugmentationError.recipe(
                            "\(here): unknown RandAugment op '\(text)'\(DidYouMean.hint(for: text, in: validOps)); valid: \(validOps.joined(separator: ", "))")
                    }
                    guard !operations.contains(op) else {
                        throw ImageAugmentationError.recipe("\(here): RandAugment op '\(op.rawValue)' is listed twice")
                    }
                    operations.append(op)
                }
                randAugment.operations = operations
            }
            operation = .randAugment(randAugment)
        default:
            throw ImageAugmentationError.recipe("\(place): unknown op '\(rawName)'; valid ops: \(valid)")
        }
        return ImageAugmentationStep(operation, probability: probability)
    }

    static func parseBatch(_ node: Node, place: String) throws -> BatchMixing {
        let valid = BatchMixing.Kind.allCases.map(\.rawValue)
        guard case .mapping(let mapping) = node, let opNode = mapping["op"] else {
            throw ImageAugmentationError.recipe("\(place): expected a mapping with 'op' (one of \(valid.joined(separator: ", "))) and 'alpha'")
        }
        guard case .scalar = opNode, let rawName = opNode.string, let kind = BatchMixing.Kind(rawValue: rawName) else {
            let text = RecipeYAML.shown(opNode)
            throw ImageAugmentationError.recipe(
                "\(place): unknown batch op '\(text)'\(DidYouMean.hint(for: text, in: valid)); valid: \(valid.joined(separator: ", "))")
        }
        let here = "\(place) (\(kind.rawValue))"
        let fields = try RecipeYAML.fields(node, place: here, valid: ["op", "alpha", "probability"])
        func field(_ key: String) -> Node? { fields.first { $0.key == key }?.value }
        guard let alphaNode = field("alpha") else { throw missing("alpha", "a number in (0, 100]", here) }
        guard let alpha = RecipeYAML.number(alphaNode), alpha > 0, alpha <= 100 else {
            throw invalid("alpha", "a number in (0, 100]", alphaNode, here)
        }
        return BatchMixing(kind, alpha: alpha, probability: try parseProbability(field("probability"), place: here))
    }

    static func parseProbability(_ node: Node?, place: String) throws -> Double {
        guard let node else { return 1 }
        guard let value = RecipeYAML.number(node), (0...1).contains(value) else {
            throw invalid("probability", "a number in [0, 1]", node, place)
        }
        return value
    }

    /// A multiplicative factor: f ≥ 0 → [max(0, 1 − f), 1 + f], or [lo, hi] with 0 ≤ lo ≤ hi ≤ 10.
    static func parseFactor(_ node: Node, place: String) throws -> ParameterRange {
        let expected = "f ≥ 0 (→ [1 − f, 1 + f]) or [lo, hi] with 0 ≤ lo ≤ hi ≤ 10"
        guard let range = range(node, symmetric: { $0 >= 0 ? ParameterRange(max(0, 1 - $0), 1 + $0) : nil }),
              range.lower >= 0, range.upper <= 10 else {
            throw invalid("factor", expected, node, place)
        }
        return range
    }

    /// A range given as [lo, hi] (lo ≤ hi), or as a scalar through `symmetric`.
    static func range(_ node: Node, symmetric: (Double) -> ParameterRange?) -> ParameterRange? {
        if let value = RecipeYAML.number(node) { return symmetric(value) }
        guard let pair = RecipeYAML.numbers(node), pair.count == 2, pair[0] <= pair[1] else { return nil }
        return ParameterRange(pair[0], pair[1])
    }

    static func missing(_ key: String, _ expected: String, _ place: String) -> ImageAugmentationError {
        .recipe("\(place): needs '\(key)': \(expected)")
    }

    static func invalid(_ key: String, _ expected: String, _ node: Node, _ place: String) -> ImageAugmentationError {
        .recipe("\(place): '\(key)' must be \(expected), got '\(RecipeYAML.shown(node))'")
    }
}
