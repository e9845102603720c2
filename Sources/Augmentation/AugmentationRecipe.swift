// AugmentationRecipe: a text augmentation defined in a YAML file of augmentations/, and the library
// that finds recipes by name (built into the binary, or in a user folder). The operations are EDA's four (Wei & Zou 2019) plus character noise:
//
//     name: eda                       # optional; defaults to the file name
//     description: one line           # optional
//     per_example: 4                  # augmented texts per training example (default; --per-example overrides)
//     combine: false                  # false: each augmented text applies one operation, as EDA does;
//                                     # true: each applies every operation, in the order listed
//     operations:                     # operation: rate (the share of words it touches, 0 < rate ≤ 1)
//       synonym_replacement: 0.1      # replace n = max(1, ⌊rate·words⌋) non-stopwords by a WordNet synonym
//       random_insertion: 0.1         # insert a synonym of a random word at a random position, n times
//       random_swap: 0.1              # swap two random words, n times
//       random_deletion: 0.1          # delete each word with probability rate (never every word)
//       char_noise: 0.1               # one random character edit (swap, substitute, delete, insert) in n words
//       tfidf_replace: 0.3            # UDA's TF-IDF word replacement: on average rate·words uninformative words
//                                     # replaced by uninformative corpus words, keywords kept (TfIdfReplacement)
//
// Errors are one line naming the file and listing what is valid.
//
// augmentations/ also holds image recipes (`kind: image`, read by Vision's ImageAugmentationRecipe). This
// loader leaves them out of its names and built-in recipes, and refuses one given by name or path with
// one line saying what it is. A text recipe may say `kind: text`.
import Basics
import Attacks
import Foundation
import Yams

public struct AugmentationRecipe: Sendable, Equatable {
    public enum Operation: String, Sendable, CaseIterable, Codable {
        case synonymReplacement = "synonym_replacement"
        case randomInsertion = "random_insertion"
        case randomSwap = "random_swap"
        case randomDeletion = "random_deletion"
        case charNoise = "char_noise"
        case tfidfReplace = "tfidf_replace"

        /// Whether the operation needs WordNet.
        public var needsWordNet: Bool { self == .synonymReplacement || self == .randomInsertion }
        /// Whether the operation needs statistics of the corpus being augmented (`TfIdfStatistics`).
        public var needsCorpus: Bool { self == .tfidfReplace }
    }

    public var name: String
    public var description: String
    public var perExample: Int
    public var combine: Bool
    /// The operations with their rates, in the file's order.
    public var operations: [(Operation, Double)]
    /// The file's text (hashed into the run's recipe hash).
    public var source: String

    public init(name: String, description: String = "", perExample: Int = 4, combine: Bool = false,
                operations: [(Operation, Double)], source: String = "") {
        self.name = name
        self.description = description
        self.perExample = perExample
        self.combine = combine
        self.operations = operations
        self.source = source
    }

    public var needsWordNet: Bool { operations.contains { $0.0.needsWordNet } }
    public var needsCorpus: Bool { operations.contains { $0.0.needsCorpus } }

    public static func == (a: AugmentationRecipe, b: AugmentationRecipe) -> Bool {
        a.name == b.name && a.description == b.description && a.perExample == b.perExample && a.combine == b.combine
            && a.operations.map(\.0) == b.operations.map(\.0) && a.operations.map(\.1) == b.operations.map(\.1)
    }

    static let keys = ["name", "description", "per_example", "combine", "operations"]

    /// Parses a recipe file's text; `file` names it in errors.
    public static func parse(yaml: String, file: String, defaultName: String) throws -> AugmentationRecipe {
        do { try YAMLLimits.check(yaml, file: file) } catch { throw AugmentationError.recipe("\(error)") }
        // The node tree, never `Yams.load`: its dictionary constructor force-unwraps every mapping key as a
        // string and traps on a key that is a list or a mapping (`? [a, b]`), as attack recipes are read too.
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw AugmentationError.recipe("\(file): not valid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
        }
        guard let root, case .mapping(let mapping) = root else {
            throw AugmentationError.recipe("\(file): expected a mapping with keys \(keys.joined(separator: ", "))")
        }
        if let kind = mapping["kind"] {
            guard case .scalar = kind, let value = kind.string, value == "text" || value == "image" else {
                throw AugmentationError.recipe("\(file): 'kind' must be text or image")
            }
            if value == "image" { throw AugmentationError.recipe(imageRecipeRefusal(file)) }
        }
        var fields: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar = keyNode, let key = keyNode.string else {
                throw AugmentationError.recipe("\(file): keys must be words; valid keys: \(keys.joined(separator: ", "))")
            }
            guard keys.contains(key) || key == "kind" else {
                throw AugmentationError.recipe("\(file): unknown key '\(key)'; valid keys: \(keys.joined(separator: ", "))")
            }
            fields[key] = value
        }
        /// A scalar's value with its YAML type (string, integer, boolean, …); nil for a list or a mapping.
        func scalar(_ node: Node?) -> Any? {
            guard let node, case .scalar = node else { return nil }
            return node.any
        }
        var recipe = AugmentationRecipe(name: defaultName, operations: [], source: yaml)
        if fields["name"] != nil {
            guard let name = scalar(fields["name"]) as? String, !name.isEmpty else {
                throw AugmentationError.recipe("\(file): 'name' must be a non-empty string")
            }
            recipe.name = name
        }
        if fields["description"] != nil {
            guard let description = scalar(fields["description"]) as? String else {
                throw AugmentationError.recipe("\(file): 'description' must be a string")
            }
            recipe.description = description
        }
        if fields["per_example"] != nil {
            guard let count = scalar(fields["per_example"]) as? Int, (1...100).contains(count) else {
                throw AugmentationError.recipe("\(file): 'per_example' must be an integer in 1...100")
            }
            recipe.perExample = count
        }
        if fields["combine"] != nil {
            guard let flag = scalar(fields["combine"]) as? Bool else { throw AugmentationError.recipe("\(file): 'combine' must be true or false") }
            recipe.combine = flag
        }
        let valid = Operation.allCases.map(\.rawValue).joined(separator: ", ")
        // The mapping node keeps the file's order, which matters for `combine`.
        guard let operations = fields["operations"]?.mapping, !operations.isEmpty else {
            throw AugmentationError.recipe("\(file): 'operations' must map at least one of \(valid) to a rate")
        }
        for (key, value) in operations {
            guard let name = key.string else { throw AugmentationError.recipe("\(file): operation names must be strings") }
            guard let operation = Operation(rawValue: name.replacingOccurrences(of: "-", with: "_")) else {
                throw AugmentationError.recipe("\(file): unknown operation '\(name)'; valid operations: \(valid)")
            }
            guard let rate = value.float, rate > 0, rate <= 1 else {
                throw AugmentationError.recipe("\(file): operation '\(name)' needs a rate in (0, 1], got '\(value.string ?? "?")'")
            }
            guard !recipe.operations.contains(where: { $0.0 == operation }) else {
                throw AugmentationError.recipe("\(file): operation '\(name)' is listed twice")
            }
            recipe.operations.append((operation, rate))
        }
        return recipe
    }
}

extension AugmentationRecipe {
    /// The `kind` a recipe text declares ("image", "text", …), or nil when it declares none or cannot be read.
    public static func declaredKind(of text: String) -> String? {
        guard (try? YAMLLimits.check(text, file: "")) != nil, let node = try? Yams.compose(yaml: text),
              case .mapping(let mapping) = node, let kind = mapping["kind"], case .scalar = kind else { return nil }
        return kind.string
    }

    /// Whether a recipe text is an image recipe (`kind: image`), which this loader does not read.
    public static func isImageRecipe(_ text: String) -> Bool { declaredKind(of: text) == "image" }

    static func imageRecipeRefusal(_ file: String) -> String {
        "\(file): an image augmentation recipe (kind: image), for image training; text augmentation takes text recipes (no 'kind', or 'kind: text')"
    }
}

public enum AugmentationError: Error, CustomStringConvertible, Equatable, Sendable {
    case recipe(String)
    case data(String)

    public var description: String {
        switch self {
        case .recipe(let message), .data(let message): return message
        }
    }
}

/// Finds augmentation recipes by name: NAME.yaml in the user folder — `$ROBUST_AUGMENTATIONS_DIR`, else
/// `augmentations/` in the working directory when there is one — else the built-in recipe of that name
/// (augmentations/NAME.yaml, compiled into the binary by the EmbedRecipes build plugin); a user folder
/// thus adds recipes or overrides a built-in one by name. Anything with a `/` or ending in .yaml is a
/// file path.
public struct AugmentationLibrary: Sendable {
    public static let environmentVariable = "ROBUST_AUGMENTATIONS_DIR"

    /// The built-in text recipes: file name without .yaml → the file's text (image recipes left out).
    public static let builtIn: [String: String] = Dictionary(
        EmbeddedRecipeFiles.all.filter { !AugmentationRecipe.isImageRecipe($0.text) }.map { ($0.name, $0.text) },
        uniquingKeysWith: { first, _ in first })

    /// The names of the built-in image recipes (`kind: image`), which `load` refuses.
    public static let builtInImageRecipes: Set<String> = Set(
        EmbeddedRecipeFiles.all.filter { AugmentationRecipe.isImageRecipe($0.text) }.map(\.name))

    /// The user folder looked in before the built-in recipes.
    public let directory: URL
    /// Whether `directory` was named (argument or environment variable): then it must exist. `augmentations/`
    /// in the working directory is looked in only when it exists.
    public let directoryIsNamed: Bool

    public init(directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let directory {
            self.directory = directory
            directoryIsNamed = true
        } else if let fromEnvironment = environment[AugmentationLibrary.environmentVariable], !fromEnvironment.isEmpty {
            self.directory = URL(fileURLWithPath: fromEnvironment, isDirectory: true)
            directoryIsNamed = true
        } else {
            self.directory = URL(fileURLWithPath: "augmentations", isDirectory: true)
            directoryIsNamed = false
        }
    }

    /// The user folder's text recipe names (file names without .yaml), sorted; image recipes are left out.
    public func folderNames() -> [String] {
        folderFiles().filter { !$0.isImage }.map(\.name)
    }

    /// The user folder's recipe files (name without .yaml, whether it is an image recipe), sorted by name.
    func folderFiles() -> [(name: String, isImage: Bool)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }.sorted().map { file in
            let text = try? YAMLLimits.read(directory.appendingPathComponent(file))
            return (String(file.dropLast(5)), text.map(AugmentationRecipe.isImageRecipe) ?? false)
        }
    }

    /// The image recipe names (built in and in the user folder) that `load` refuses with one line.
    public func imageRecipeNames() -> Set<String> {
        AugmentationLibrary.builtInImageRecipes.union(folderFiles().filter(\.isImage).map(\.name))
    }

    /// The recipe names, built in and in the user folder, sorted.
    public func names() -> [String] {
        Set(AugmentationLibrary.builtIn.keys).union(folderNames()).sorted()
    }

    /// Whether `reference` names a recipe (built in or in the user folder) or an augmentation recipe file.
    /// An image recipe counts, so that `load` refuses it with one line saying what it is.
    public func contains(_ reference: String) -> Bool {
        if Self.isPath(reference) {
            guard let text = try? YAMLLimits.read(URL(fileURLWithPath: reference)),
                  (try? YAMLLimits.check(text, file: reference)) != nil,
                  let node = try? Yams.compose(yaml: text) else { return false }
            return node.mapping?["operations"] != nil || node.mapping?["kind"]?.string == "image"
        }
        return names().contains(reference) || imageRecipeNames().contains(reference)
    }

    public func load(_ reference: String) throws -> AugmentationRecipe {
        if Self.isPath(reference) {
            let url = URL(fileURLWithPath: reference)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw AugmentationError.recipe("no augmentation recipe file \(reference) (it is missing or unreadable)")
            }
            let text: String
            do { text = try YAMLLimits.read(url) } catch { throw AugmentationError.recipe("\(error)") }
            return try AugmentationRecipe.parse(yaml: text, file: reference, defaultName: url.deletingPathExtension().lastPathComponent)
        }
        var isDirectory: ObjCBool = false
        let folderExists = FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && isDirectory.boolValue
        if directoryIsNamed && !folderExists {
            throw AugmentationError.recipe("no augmentation recipe folder at \(directory.path) (the built-in recipes need no folder: unset \(AugmentationLibrary.environmentVariable) to use them)")
        }
        let url = directory.appendingPathComponent(reference + ".yaml")
        if FileManager.default.fileExists(atPath: url.path) {
            let text: String
            do { text = try YAMLLimits.read(url) } catch { throw AugmentationError.recipe("\(error)") }
            return try AugmentationRecipe.parse(yaml: text, file: url.path, defaultName: reference)
        }
        if let text = AugmentationLibrary.builtIn[reference] {
            return try AugmentationRecipe.parse(yaml: text, file: "built-in \(EmbeddedRecipeFiles.folder)/\(reference).yaml",
                                                defaultName: reference)
        }
        if AugmentationLibrary.builtInImageRecipes.contains(reference) {
            throw AugmentationError.recipe(AugmentationRecipe.imageRecipeRefusal("built-in \(EmbeddedRecipeFiles.folder)/\(reference).yaml"))
        }
        let hint = DidYouMean.hint(for: reference, in: names())
        let inFolder = folderNames()
        let folderPart = inFolder.isEmpty ? "" : "; in \(directory.path): \(inFolder.joined(separator: ", "))"
        throw AugmentationError.recipe("no augmentation recipe '\(reference)'\(hint); built-in recipes: \(AugmentationLibrary.builtIn.keys.sorted().joined(separator: ", "))\(folderPart)")
    }

    static func isPath(_ reference: String) -> Bool {
        reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
    }
}
