// Recipe: an attack defined in a YAML file of attacks/, and the library that finds recipes by name
// (built in, or in a user folder).
//
// RECIPE FORMAT (attacks/NAME.yaml)
//
//     name: pwws                      # optional; defaults to the file name (without .yaml)
//     description: one line           # optional
//     goal: untargeted                # a component: a name, or a mapping {name: …, parameter: value…}
//     transformation: wordnet-synonyms  # a component, or a list of components (all of their candidates)
//     constraints:                    # a list of components (optional)
//       - repeat-modification
//       - {name: stopwords, list: nltk}
//     search: {name: greedy-wir, ranking: pwws}
//     precision: bf16                 # optional: fp32 (default), bf16 or int8 for the search's queries;
//                                     # successes are re-checked in fp32, and --precision overrides it
//
// or, for an attack that is not a composition (Embedding/):
//
//     name: fgsm-sweep
//     procedure: {name: fgsm, epsilons: [0.01, 0.05]}
//
// `goal` defaults to untargeted; `transformation` and `search` are required unless `procedure` is
// given, and `procedure` excludes the four parts. A component in block style works too:
//
//     search:
//       name: greedy-wir
//       ranking: pwws
//
// SUITE FORMAT (attacks/default.yaml: what `robust eval --model CKPT` runs)
//
//     description: one line           # optional
//     suite: [pwws, textfooler-wordnet, deepwordbug, eda-noise]
//
// Errors are one line, `FILE:LINE: problem`, and list what is valid: unknown keys, unknown component
// names, unknown parameters (with "did you mean"), values of the wrong type or out of range.
//
// WHERE RECIPES ARE FOUND: the shipped recipes (attacks/*.yaml, the suite default.yaml included) are
// compiled into the binary by the EmbedRecipes build plugin, so no folder is needed at run time. A name
// is looked up first as NAME.yaml in the user folder — `$ROBUST_ATTACKS_DIR` when set, else `attacks/`
// in the working directory when there is one — which adds recipes or overrides a built-in recipe of the
// same name, then among the built-in recipes; anything with a `/` or ending in .yaml/.yml is a file
// path. A recipe's hash (`Recipe.hash`) is over its name and text, so a built-in recipe hashes as the
// same file loaded from attacks/ does.
import Basics
import Foundation
import Tensors
import Yams

public struct Recipe: Sendable {
    /// The name results are stored under.
    public let name: String
    public let description: String
    /// The file it came from, as its errors name it ("built-in attacks/NAME.yaml" for a built-in recipe).
    public let path: String
    /// The file's text (hashed into the run's recipe hash).
    public let source: String
    public let procedure: any AttackProcedure
    /// The precision the recipe asks its search queries to run in (`precision:`; nil: whatever the run uses,
    /// fp32 by default). Successes are re-checked in fp32 either way.
    public let precision: Precision?

    public init(name: String, description: String = "", path: String = "", source: String = "",
                procedure: any AttackProcedure, precision: Precision? = nil) {
        self.name = name
        self.description = description
        self.path = path
        self.source = source
        self.procedure = procedure
        self.precision = precision
    }

    /// SHA-256 (hex) over the recipes' names and file texts, in order: the run's `recipe_hash`.
    public static func hash(_ recipes: [Recipe]) -> String {
        var hasher = SHA256()
        for recipe in recipes {
            hasher.update(recipe.name)
            hasher.update("\u{0}")
            hasher.update(recipe.source)
            hasher.update("\u{0}")
        }
        return hasher.finalizeHex()
    }
}

/// Where a recipe (or suite) of a `RecipeLibrary` comes from.
public enum RecipeOrigin: Sendable, Equatable, CustomStringConvertible {
    /// Compiled into the binary from the repository's attacks/NAME.yaml.
    case builtIn
    /// NAME.yaml in the user folder, with the same text as the built-in recipe of that name.
    case folderSameAsBuiltIn(path: String)
    /// NAME.yaml in the user folder, used instead of the built-in recipe of that name.
    case folderOverridingBuiltIn(path: String)
    /// NAME.yaml in the user folder; there is no built-in recipe of that name.
    case folder(path: String)

    public var description: String {
        switch self {
        case .builtIn: return "built in"
        case .folderSameAsBuiltIn(let path): return "built in (\(path) has the same text)"
        case .folderOverridingBuiltIn(let path): return "\(path), overriding the built-in recipe"
        case .folder(let path): return "\(path) (user folder)"
        }
    }
}

/// Finds recipes by name and parses them. A name is NAME.yaml in the user folder (see `directory`) if
/// that file exists, else the built-in recipe of that name (attacks/NAME.yaml, compiled into the binary
/// by the EmbedRecipes build plugin); anything with a `/` or ending in .yaml/.yml is a file path.
public struct RecipeLibrary: Sendable {
    public static let environmentVariable = "ROBUST_ATTACKS_DIR"
    public static let suiteName = "default"

    /// The built-in recipes and suites: file name without .yaml → the file's text.
    public static let builtIn: [String: String] = Dictionary(
        EmbeddedRecipeFiles.all.filter { !isImageRecipe($0.text) }.map { ($0.name, $0.text) }, uniquingKeysWith: { first, _ in first })

    /// The built-in pixel attack recipes (attacks/*.yaml with `kind: image`), name → text; image workflows parse them.
    public static let builtInImage: [String: String] = Dictionary(
        EmbeddedRecipeFiles.all.filter { isImageRecipe($0.text) }.map { ($0.name, $0.text) }, uniquingKeysWith: { first, _ in first })

    /// Whether a recipe file's text declares `kind: image` at its top level.
    public static func isImageRecipe(_ text: String) -> Bool {
        guard text.utf8.count <= 1 << 20, let node = try? Yams.compose(yaml: text), case .mapping(let mapping) = node else { return false }
        return mapping["kind"]?.string == "image"
    }

    /// Where `directory` was named.
    public enum FolderSource: Sendable, Equatable {
        /// Passed to `init(directory:)`; it must exist.
        case argument
        /// `$ROBUST_ATTACKS_DIR`; it must exist.
        case environment
        /// `attacks/` in the working directory, looked in only when it exists.
        case workingDirectory
        /// No user folder: built-in recipes (and recipe files) only.
        case none
    }

    /// The user folder whose NAME.yaml files add to the built-in recipes or override them by name.
    public let directory: URL
    public let folderSource: FolderSource

    /// The user folder is `directory` when given, else `$ROBUST_ATTACKS_DIR` when set and not empty, else
    /// `attacks/` in the working directory if there is one.
    public init(directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let directory {
            self.directory = directory
            folderSource = .argument
        } else if let fromEnvironment = environment[RecipeLibrary.environmentVariable], !fromEnvironment.isEmpty {
            self.directory = URL(fileURLWithPath: fromEnvironment, isDirectory: true)
            folderSource = .environment
        } else {
            self.directory = URL(fileURLWithPath: "attacks", isDirectory: true)
            folderSource = .workingDirectory
        }
    }

    private init(builtInOnly: Void) {
        directory = URL(fileURLWithPath: "attacks", isDirectory: true)
        folderSource = .none
    }

    /// The built-in recipes alone, whatever the working directory and environment.
    public static let builtInOnly = RecipeLibrary(builtInOnly: ())

    var folderExists: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The user folder's recipe and suite names (file names without .yaml), sorted; none when there is
    /// no folder.
    public func folderNames() -> [String] {
        guard folderSource != .none else { return [] }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        // Pixel attack recipes (`kind: image`) belong to image models; they are not text recipes.
        return files.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }
            .filter { file in
                let url = directory.appendingPathComponent(file)
                guard let text = try? String(contentsOf: url, encoding: .utf8) else { return true }
                return !RecipeLibrary.isImageRecipe(text)
            }
            .map { String($0.dropLast(5)) }.sorted()
    }

    /// The recipe names, built in and in the user folder (file names without .yaml), sorted; the suite
    /// file is not one.
    public func names() -> [String] {
        Set(RecipeLibrary.builtIn.keys).union(folderNames()).filter { $0 != RecipeLibrary.suiteName }.sorted()
    }

    /// NAME.yaml in the user folder as messages show it: relative for `attacks/` in the working directory.
    func folderPath(_ name: String) -> String {
        folderSource == .workingDirectory ? "attacks/\(name).yaml" : directory.appendingPathComponent(name + ".yaml").path
    }

    /// Where the recipe or suite `name` comes from; nil for an unknown name.
    public func origin(of name: String) -> RecipeOrigin? {
        if folderNames().contains(name) {
            let url = directory.appendingPathComponent(name + ".yaml")
            guard let builtIn = RecipeLibrary.builtIn[name] else { return .folder(path: folderPath(name)) }
            // Byte for byte, as Recipe.hash sees it (String's == would also equate other normal forms).
            let same = (try? String(contentsOf: url, encoding: .utf8)).map { $0.utf8.elementsEqual(builtIn.utf8) } ?? false
            return same ? .folderSameAsBuiltIn(path: folderPath(name)) : .folderOverridingBuiltIn(path: folderPath(name))
        }
        return RecipeLibrary.builtIn[name] == nil ? nil : .builtIn
    }

    /// Every recipe and suite with where it comes from, one per line (for `robust attack --list`).
    public func listing() -> String {
        var lines: [String] = []
        switch folderSource {
        case .none: lines.append("recipes (built in):")
        case .workingDirectory where !folderExists:
            lines.append("recipes (built in; a folder attacks/ here, or \(RecipeLibrary.environmentVariable), adds to them):")
        default:
            lines.append("recipes (built in, and the user folder \(directory.path)\(folderExists ? "" : ", which does not exist")):")
        }
        let width = (names() + [RecipeLibrary.suiteName + " (suite)"]).map(\.count).max() ?? 0
        func line(_ label: String, _ name: String) {
            guard let origin = origin(of: name) else { return }
            lines.append("  " + label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + origin.description)
        }
        for name in names() { line(name, name) }
        line(RecipeLibrary.suiteName + " (suite)", RecipeLibrary.suiteName)
        return lines.joined(separator: "\n")
    }

    /// The recipes of the default suite (`default.yaml`).
    public func defaultSuite() throws -> [Recipe] {
        try load([RecipeLibrary.suiteName])
    }

    /// Recipes by name or path; a suite file expands to its recipes. Names must not repeat.
    public func load(_ references: [String]) throws -> [Recipe] {
        var recipes: [Recipe] = []
        for reference in references {
            let trimmed = reference.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            recipes += try loadOne(trimmed, depth: 0)
        }
        var seen = Set<String>()
        for recipe in recipes where !seen.insert(recipe.name).inserted {
            throw AttackError.recipe("recipe '\(recipe.name)' is named twice; each recipe of a suite needs its own name")
        }
        guard !recipes.isEmpty else { throw AttackError.recipe("no recipe given") }
        return recipes
    }

    static func isPath(_ reference: String) -> Bool {
        reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
    }

    /// The text of the recipe `reference`, the name its errors use, and its file name without extension.
    func source(of reference: String) throws -> (text: String, displayPath: String, stem: String) {
        if RecipeLibrary.isPath(reference) {
            let url = URL(fileURLWithPath: reference)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw AttackError.recipe("recipe file \(reference) not found")
            }
            return (try read(url), reference, url.deletingPathExtension().lastPathComponent)
        }
        switch folderSource {
        case .argument, .environment:
            guard folderExists else {
                let namedBy = folderSource == .environment ? "\(RecipeLibrary.environmentVariable) names" : "asked for"
                throw AttackError.recipe("no recipe folder at \(directory.path) (\(namedBy) it; the built-in recipes need no folder, and a recipe file can be given by path)")
            }
        case .workingDirectory, .none:
            break
        }
        let url = directory.appendingPathComponent(reference + ".yaml")
        if folderSource != .none, FileManager.default.fileExists(atPath: url.path) {
            return (try read(url), folderPath(reference), reference)
        }
        if let text = RecipeLibrary.builtIn[reference] {
            return (text, "built-in \(EmbeddedRecipeFiles.folder)/\(reference).yaml", reference)
        }
        let available = names()
        let hint = DidYouMean.hint(for: reference, in: available + [RecipeLibrary.suiteName])
        let builtInNames = RecipeLibrary.builtIn.keys.filter { $0 != RecipeLibrary.suiteName }.sorted()
        let inFolder = folderNames().filter { $0 != RecipeLibrary.suiteName }
        let folderPart = inFolder.isEmpty ? "" : "; in \(directory.path): \(inFolder.joined(separator: ", "))"
        throw AttackError.recipe("unknown recipe '\(reference)'\(hint); built-in recipes: \(builtInNames.joined(separator: ", "))\(folderPart)")
    }

    func read(_ url: URL) throws -> String { try YAMLLimits.read(url) }

    func loadOne(_ reference: String, depth: Int) throws -> [Recipe] {
        let (text, displayPath, stem) = try source(of: reference)
        switch try RecipeParser.parse(yaml: text, file: displayPath, defaultName: stem) {
        case .recipe(let recipe):
            return [recipe]
        case .suite(let members, let line):
            guard depth < 4 else { throw AttackError.recipe("\(displayPath):\(line): suites nest too deeply") }
            var recipes: [Recipe] = []
            for member in members {
                do { recipes += try loadOne(member, depth: depth + 1) } catch let error as AttackError {
                    throw AttackError.recipe("\(displayPath):\(line): suite member '\(member)': \(error.description)")
                }
            }
            return recipes
        }
    }
}

/// Parses recipe and suite YAML (see Recipe.swift's header for the format).
public enum RecipeParser {
    public enum Parsed {
        case recipe(Recipe)
        case suite([String], line: Int)
    }

    static let recipeKeys = ["name", "description", "goal", "transformation", "constraints", "search", "procedure", "precision"]
    static let suiteKeys = ["description", "suite"]

    public static func parse(yaml: String, file: String, defaultName: String) throws -> Parsed {
        let root: Node
        try YAMLLimits.check(yaml, file: file)
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw AttackError.recipe("\(file): the recipe is empty")
            }
            root = node
        } catch let error as AttackError {
            throw error
        } catch let error as YamlError {
            throw AttackError.recipe(describe(error, file: file))
        } catch {
            throw AttackError.recipe("\(file): not valid YAML (\(error))")
        }
        guard case .mapping(let mapping) = root else {
            throw AttackError.recipe("\(file):\(line(root)): a recipe is a mapping of keys (name, goal, transformation, constraints, search)")
        }
        if let kind = mapping["kind"]?.string, kind == "image" {
            throw AttackError.recipe("\(file): a pixel attack recipe (kind: image), for image models; text attacks take text recipes")
        }
        var fields: [String: Node] = [:]
        let isSuite = mapping.keys.contains { $0.string == "suite" }
        let validKeys = isSuite ? suiteKeys : recipeKeys
        for (key, value) in mapping {
            guard let name = key.string, case .scalar = key else {
                throw AttackError.recipe("\(file):\(line(key)): keys must be words; valid keys: \(validKeys.joined(separator: ", "))")
            }
            guard validKeys.contains(name) else {
                let hint = DidYouMean.hint(for: name, in: validKeys)
                throw AttackError.recipe("\(file):\(line(key)): unknown key '\(name)'\(hint); valid keys: \(validKeys.joined(separator: ", "))")
            }
            fields[name] = value
        }
        if isSuite {
            guard let suite = fields["suite"], case .sequence(let members) = suite, !members.isEmpty else {
                throw AttackError.recipe("\(file):\(line(fields["suite"] ?? root)): 'suite' must be a non-empty list of recipe names")
            }
            var names: [String] = []
            for member in members {
                guard case .scalar = member, let name = member.string, !name.isEmpty else {
                    throw AttackError.recipe("\(file):\(line(member)): a suite member must be a recipe name or file")
                }
                names.append(name)
            }
            return .suite(names, line: line(suite))
        }
        var name = defaultName
        if let node = fields["name"] {
            guard case .scalar = node, let value = node.string, !value.isEmpty,
                  value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                throw AttackError.recipe("\(file):\(line(node)): 'name' must be one word (letters, digits, - _ .)")
            }
            name = value
        }
        var description = ""
        if let node = fields["description"] {
            guard case .scalar = node, let value = node.string else {
                throw AttackError.recipe("\(file):\(line(node)): 'description' must be text")
            }
            description = value
        }
        var precision: Precision?
        if let node = fields["precision"] {
            guard case .scalar = node, let value = node.string, let parsed = Precision(rawValue: value) else {
                throw AttackError.recipe("\(file):\(line(node)): 'precision' must be fp32, bf16 or int8")
            }
            precision = parsed
        }
        let procedure: any AttackProcedure
        if let node = fields["procedure"] {
            if let other = ["goal", "transformation", "constraints", "search"].first(where: { fields[$0] != nil }) {
                throw AttackError.recipe("\(file):\(line(fields[other] ?? node)): a recipe has either 'procedure' or goal/transformation/constraints/search, not both")
            }
            procedure = try component(node, kind: "procedure", catalog: Catalog.procedures, file: file)
        } else {
            let goal: GoalFunction = try fields["goal"].map { try component($0, kind: "goal", catalog: Catalog.goals, file: file) }
                ?? GoalFunction()
            guard let transformationNode = fields["transformation"] else {
                throw AttackError.recipe("\(file): missing 'transformation' (or 'procedure'); transformations: \(Catalog.transformations.map(\.name).joined(separator: ", "))")
            }
            let transformation: any Transformation
            if case .sequence(let list) = transformationNode {
                guard !list.isEmpty else { throw AttackError.recipe("\(file):\(line(transformationNode)): 'transformation' is an empty list") }
                let members = try list.map { try component($0, kind: "transformation", catalog: Catalog.transformations, file: file) }
                transformation = members.count == 1 ? members[0] : CompositeTransformation(members)
            } else {
                transformation = try component(transformationNode, kind: "transformation", catalog: Catalog.transformations, file: file)
            }
            var constraints: [any Constraint] = []
            if let node = fields["constraints"] {
                switch node {
                case .sequence(let list):
                    constraints = try list.map { try component($0, kind: "constraint", catalog: Catalog.constraints, file: file) }
                case .scalar where node.null != nil:
                    constraints = []
                default:
                    throw AttackError.recipe("\(file):\(line(node)): 'constraints' must be a list")
                }
            }
            guard let searchNode = fields["search"] else {
                throw AttackError.recipe("\(file): missing 'search'; searches: \(Catalog.searches.map(\.name).joined(separator: ", "))")
            }
            let search = try component(searchNode, kind: "search", catalog: Catalog.searches, file: file)
            procedure = ComposedAttack(goal: goal, transformation: transformation, constraints: constraints, search: search)
        }
        return .recipe(Recipe(name: name, description: description, path: file, source: yaml, procedure: procedure,
                              precision: precision))
    }

    /// Builds one component from `name` or `{name: …, parameters…}`.
    public static func component<T>(_ node: Node, kind: String, catalog: [Component<T>], file: String) throws -> T {
        let where_ = "\(file):\(line(node))"
        let names = catalog.map(\.name)
        var componentName: String
        var given: [(String, Node)] = []
        switch node {
        case .scalar:
            guard let value = node.string, !value.isEmpty, node.null == nil else {
                throw AttackError.recipe("\(where_): a \(kind) needs a name; valid: \(names.joined(separator: ", "))")
            }
            componentName = value
        case .mapping(let mapping):
            var found: String?
            for (key, value) in mapping {
                guard case .scalar = key, let keyName = key.string else {
                    throw AttackError.recipe("\(file):\(line(key)): parameter names must be words")
                }
                if keyName == "name" {
                    guard case .scalar = value, let text = value.string, !text.isEmpty else {
                        throw AttackError.recipe("\(file):\(line(value)): a \(kind)'s name must be a word; valid: \(names.joined(separator: ", "))")
                    }
                    found = text
                } else {
                    given.append((keyName, value))
                }
            }
            guard let found else {
                throw AttackError.recipe("\(where_): a \(kind) needs 'name: …'; valid: \(names.joined(separator: ", "))")
            }
            componentName = found
        case .sequence:
            throw AttackError.recipe("\(where_): a \(kind) is a name or a mapping with 'name', not a list")
        }
        guard let spec = catalog.first(where: { $0.name == componentName }) else {
            let hint = DidYouMean.hint(for: componentName, in: names)
            let valid = names.isEmpty ? "none are available yet" : "valid: \(names.joined(separator: ", "))"
            throw AttackError.recipe("\(where_): unknown \(kind) '\(componentName)'\(hint); \(valid)")
        }
        var values: [String: ParameterValue] = [:]
        let parameterNames = spec.parameters.map(\.name)
        for (key, value) in given {
            guard let parameter = spec.parameters.first(where: { $0.name == key }) else {
                let hint = DidYouMean.hint(for: key, in: parameterNames)
                let valid = parameterNames.isEmpty ? "it takes no parameters" : "valid parameters: \(parameterNames.joined(separator: ", "))"
                throw AttackError.recipe("\(file):\(line(value)): \(kind) '\(componentName)' has no parameter '\(key)'\(hint); \(valid)")
            }
            values[key] = try check(value, parameter, owner: "\(kind) '\(componentName)'", file: file)
        }
        for parameter in spec.parameters where values[parameter.name] == nil {
            if parameter.required {
                throw AttackError.recipe("\(where_): \(kind) '\(componentName)' needs parameter '\(parameter.name)' (\(parameter.kind.description))")
            }
            values[parameter.name] = parameter.defaultValue
        }
        do {
            return try spec.make(ParameterValues(values))
        } catch let error as AttackError {
            throw AttackError.recipe("\(where_): \(kind) '\(componentName)': \(error.description)")
        }
    }

    static func check(_ node: Node, _ parameter: ParameterSpec, owner: String, file: String) throws -> ParameterValue {
        let shown: String
        switch node {
        case .scalar(let scalar): shown = "'\(scalar.string)'"
        case .sequence: shown = "a list"
        case .mapping: shown = "a mapping"
        }
        func bad() -> AttackError {
            AttackError.recipe("\(file):\(line(node)): \(owner) parameter '\(parameter.name)' must be \(parameter.kind.description)\(parameter.nullable ? " or null" : ""); got \(shown)")
        }
        if case .scalar = node, node.null != nil {
            guard parameter.nullable else { throw bad() }
            return .null
        }
        switch parameter.kind {
        case let .integer(minimum, maximum):
            guard case .scalar = node, let value = node.int, value >= minimum, value <= maximum else { throw bad() }
            return .integer(value)
        case let .number(minimum, maximum):
            guard case .scalar = node, let value = node.float, value.isFinite, value >= minimum, value <= maximum else { throw bad() }
            return .number(value)
        case .boolean:
            guard case .scalar(let scalar) = node, ["true", "false"].contains(scalar.string.lowercased()),
                  let value = node.bool else { throw bad() }
            return .boolean(value)
        case .choice(let options):
            guard case .scalar = node, let value = node.string, options.contains(value) else { throw bad() }
            return .text(value)
        case .text:
            guard case .scalar = node, let value = node.string, !value.isEmpty else { throw bad() }
            return .text(value)
        case .words:
            guard case .sequence(let list) = node else { throw bad() }
            var words: [String] = []
            for item in list {
                guard case .scalar = item, let word = item.string, !word.isEmpty else { throw bad() }
                words.append(word)
            }
            return .words(words)
        case let .numbers(minimum, maximum):
            guard case .sequence(let list) = node, !list.isEmpty else { throw bad() }
            var numbers: [Double] = []
            for item in list {
                guard case .scalar = item, let value = item.float, value.isFinite, value >= minimum, value <= maximum else { throw bad() }
                numbers.append(value)
            }
            return .numbers(numbers)
        }
    }

    public static func line(_ node: Node) -> Int { node.mark?.line ?? 1 }

    public static func describe(_ error: YamlError, file: String) -> String {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return "\(file):\(mark.line): not valid YAML: \(prefix)\(problem)"
        case let .reader(problem, offset, _, _):
            return "\(file): not valid YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")"
        default:
            return "\(file): not valid YAML"
        }
    }
}
