// AuditRecipe: an audit's checks and thresholds, from YAML (built in from audits/*.yaml by the
// EmbedRecipes plugin, or a user's folder or file), and the catalog of checks recipes can name.
//
// Format:
//   description: one line
//   checks:                      # a list; each a check name or {name: …, its parameters}
//     - name: sentence-cosine
//       min: 0.80
//     - antonym
// An unknown key or check, or a threshold out of range, is a one-line error naming the file, its line
// and the key, and saying what is valid (the attack recipes' parameter checker does it).
import Attacks
import Basics
import Foundation
import Yams

public struct AuditRecipe: Sendable {
    public let name: String
    public let description: String
    public let checks: [any ValidityCheck]
    /// Where it was read from ("built-in audits/default.yaml", a path).
    public let path: String
    /// SHA-256 of its text: a re-audit with a changed recipe is visible in the store.
    public let hash: String

    public var needs: AuditNeeds { checks.reduce(into: AuditNeeds()) { $0.formUnion($1.needs) } }

    /// The same recipe with only the checks `keep` accepts (for an audit that runs what it can).
    public func keeping(_ keep: (any ValidityCheck) -> Bool) -> AuditRecipe {
        AuditRecipe(name: name, description: description, checks: checks.filter(keep), path: path, hash: hash)
    }

    /// Its checks and their settings, for the stored audit configuration.
    public var settings: [String: [String: String]] {
        Dictionary(checks.map { ($0.name, $0.settings) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Every check an audit recipe can name, with its parameters.
public enum AuditCatalog {
    static let cosine = { (help: String, fallback: Double) in
        ParameterSpec("min", .number(minimum: -1, maximum: 1), default: .number(fallback), help: help)
    }
    static let share = { (name: String, help: String, fallback: Double) in
        ParameterSpec(name, .number(minimum: 0, maximum: 1), default: .number(fallback), help: help)
    }

    public static let checks: [Component<any ValidityCheck>] = [
        Component("sentence-cosine", "MiniLM cosine of the whole original and adversarial texts is at least min",
                  parameters: [cosine("smallest cosine kept", 0.8)]) { p in SentenceCosine(minimum: p.number("min") ?? 0.8) },
        Component("window-cosine", "the lowest MiniLM cosine of the windows of words around each change is at least min",
                  parameters: [
                    cosine("smallest cosine kept", 0.7),
                    ParameterSpec("window", .integer(minimum: 1, maximum: 512), default: .integer(15), help: "words per window"),
                  ]) { p in WindowCosine(minimum: p.number("min") ?? 0.7, window: p.integer("window") ?? 15) },
        Component("word-cosine", "the lowest MiniLM cosine of a swapped word and its original, each embedded alone, is at least min",
                  parameters: [cosine("smallest cosine kept", 0.9)]) { p in WordCosine(minimum: p.number("min") ?? 0.9) },
        Component("antonym", "no swapped word is a WordNet antonym of its original (directly or through similar-to adjectives)") { _ in
            AntonymSwap()
        },
        Component("negation", "no negation (not, never, n't, no, …) added or removed") { _ in NegationChange() },
        Component("label-words", "no changed word is strongly tied to a label in the training data", parameters: [
            share("max_share", "a word whose texts are at least this share of one label is that label's word", 0.9),
            ParameterSpec("min_count", .integer(minimum: 1, maximum: .max), default: .integer(10),
                          help: "only words in at least this many training texts count"),
            ParameterSpec("words", .words, default: .null,
                          help: "the label words as LABEL:word entries (pos:great), instead of the training data's"),
        ]) { p in
            LabelWordChange(maxShare: p.number("max_share") ?? 0.9, minCount: p.integer("min_count") ?? 10,
                            list: try p.words("words").map(LabelWordChange.list))
        },
        Component("pos-change", "every swapped word can be its original's part of speech (WordNet)") { _ in PartOfSpeechChange() },
        Component("non-word", "every new word is in WordNet, the vocabulary or the dataset, or is a number") { _ in NonWord() },
        Component("rare-word", "no swapped-in word is rare (seldom in WordNet's tagged corpus and the training data) where its original is not",
                  parameters: [
                    ParameterSpec("min_tagged", .integer(minimum: 1, maximum: .max), default: .integer(1),
                                  help: "a word with fewer senses seen in WordNet's tagged corpus (SemCor) than this…"),
                    ParameterSpec("min_texts", .integer(minimum: 1, maximum: .max), default: .integer(2),
                                  help: "…and in fewer training texts than this is rare"),
                  ]) { p in RareWord(minTagged: p.integer("min_tagged") ?? 1, minTexts: p.integer("min_texts") ?? 2) },
        Component("changed-characters", "the share of the original's characters changed is at most max",
                  parameters: [share("max", "largest share changed", 0.25)]) { p in ChangedCharacters(maximum: p.number("max") ?? 0.25) },
        Component("changed-words", "the share of the original's words changed is at most max",
                  parameters: [share("max", "largest share changed", 0.3)]) { p in ChangedWords(maximum: p.number("max") ?? 0.3) },
    ]

    /// A listing of every check and parameter (for `robust audit --list`).
    public static func listing() -> String {
        checks.map { check in
            (["  \(check.name) — \(check.summary)"] + check.parameters.map {
                "      \($0.name): \($0.kind.description); default \($0.defaultValue). \($0.help)"
            }).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

public enum AuditRecipeParser {
    static let keys = ["name", "description", "checks"]

    public static func parse(yaml: String, file: String, defaultName: String) throws -> AuditRecipe {
        do {
            try YAMLLimits.check(yaml, file: file)
        } catch let error as AttackError {
            throw AuditError.recipe(error.description)
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else { throw AuditError.recipe("\(file): the audit recipe is empty") }
            root = node
        } catch let error as AuditError {
            throw error
        } catch let error as YamlError {
            throw AuditError.recipe(RecipeParser.describe(error, file: file))
        } catch {
            throw AuditError.recipe("\(file): not valid YAML (\(error))")
        }
        guard case .mapping(let mapping) = root else {
            throw AuditError.recipe("\(file):\(RecipeParser.line(root)): an audit recipe is a mapping with keys \(keys.joined(separator: ", "))")
        }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard case .scalar = key, let name = key.string else {
                throw AuditError.recipe("\(file):\(RecipeParser.line(key)): keys must be words; valid keys: \(keys.joined(separator: ", "))")
            }
            guard keys.contains(name) else {
                throw AuditError.recipe("\(file):\(RecipeParser.line(key)): unknown key '\(name)'\(DidYouMean.hint(for: name, in: keys)); valid keys: \(keys.joined(separator: ", "))")
            }
            fields[name] = value
        }
        var name = defaultName
        if let node = fields["name"] {
            guard case .scalar = node, let value = node.string, !value.isEmpty, !value.contains("@"),
                  value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                throw AuditError.recipe("\(file):\(RecipeParser.line(node)): 'name' must be one word (letters, digits, - _ .)")
            }
            name = value
        }
        var description = ""
        if let node = fields["description"] {
            guard case .scalar = node, let value = node.string else {
                throw AuditError.recipe("\(file):\(RecipeParser.line(node)): 'description' must be text")
            }
            description = value
        }
        let valid = AuditCatalog.checks.map(\.name).joined(separator: ", ")
        guard let checksNode = fields["checks"] else { throw AuditError.recipe("\(file): missing 'checks'; checks: \(valid)") }
        guard case .sequence(let list) = checksNode, !list.isEmpty else {
            throw AuditError.recipe("\(file):\(RecipeParser.line(checksNode)): 'checks' must be a non-empty list; checks: \(valid)")
        }
        var checks: [any ValidityCheck] = []
        for node in list {
            let check: any ValidityCheck
            do {
                check = try RecipeParser.component(node, kind: "check", catalog: AuditCatalog.checks, file: file)
            } catch let error as AttackError {
                throw AuditError.recipe(error.description)
            }
            if checks.contains(where: { $0.name == check.name }) {
                throw AuditError.recipe("\(file):\(RecipeParser.line(node)): check '\(check.name)' is listed twice")
            }
            checks.append(check)
        }
        return AuditRecipe(name: name, description: description, checks: checks, path: file,
                           hash: SHA256.hex(Data(yaml.utf8)))
    }
}

/// Audit recipes by name: NAME.yaml in the user folder (`--audits DIR`, else `$ROBUST_AUDITS_DIR`, else
/// `audits/` in the working directory when it exists), else the built-in one; a name with `/` or ending
/// in .yaml is a file path.
public struct AuditLibrary: Sendable {
    public static let environmentVariable = "ROBUST_AUDITS_DIR"
    public static let defaultName = "default"

    public static let builtIn: [String: String] = Dictionary(
        EmbeddedRecipeFiles.all.map { ($0.name, $0.text) }, uniquingKeysWith: { first, _ in first })

    public let directory: URL?

    public init(directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let directory {
            self.directory = directory
        } else if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            self.directory = URL(fileURLWithPath: fromEnvironment, isDirectory: true)
        } else {
            self.directory = URL(fileURLWithPath: "audits", isDirectory: true)
        }
    }

    /// The names of the built-in audits and the user folder's, sorted.
    public func names() -> [String] {
        let files = directory.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) } ?? []
        let inFolder = files.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }
        return Set(Self.builtIn.keys).union(inFolder).sorted()
    }

    public func load(_ reference: String) throws -> AuditRecipe {
        if reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            let url = URL(fileURLWithPath: reference)
            guard FileManager.default.fileExists(atPath: url.path) else { throw AuditError.recipe("audit recipe file \(reference) not found") }
            return try AuditRecipeParser.parse(yaml: try read(url), file: reference,
                                               defaultName: url.deletingPathExtension().lastPathComponent)
        }
        if let directory {
            let url = directory.appendingPathComponent(reference + ".yaml")
            if FileManager.default.fileExists(atPath: url.path) {
                return try AuditRecipeParser.parse(yaml: try read(url), file: url.path, defaultName: reference)
            }
        }
        guard let text = Self.builtIn[reference] else {
            let available = names()
            throw AuditError.recipe("unknown audit recipe '\(reference)'\(DidYouMean.hint(for: reference, in: available)); audits: \(available.joined(separator: ", "))")
        }
        return try AuditRecipeParser.parse(yaml: text, file: "built-in audits/\(reference).yaml", defaultName: reference)
    }

    func read(_ url: URL) throws -> String {
        do { return try YAMLLimits.read(url) } catch let error as AttackError { throw AuditError.recipe(error.description) }
    }
}
