// PixelAttackRecipe: a pixel attack as a YAML recipe in attacks/ — `kind: image`, a description, the attack's
// settings (`attack:`, the keys of `PixelAttackSettings`: kind, norm, epsilon, steps, step_size, random_start,
// restarts, query_budget, …) and an optional `sweep:` of ε values (accuracy under attack at each: the
// accuracy-vs-ε curve); or a suite (`kind: image`, `suite: [names]`). Text attack recipes live beside them and
// refuse `kind: image`; this parser refuses anything else. Parsed from the YAML node tree, validated with one-line
// errors naming the file and key.
import Basics
import Foundation
import Yams

public struct PixelAttackRecipe: Sendable, Equatable {
    public var name: String
    public var description: String
    public var settings: PixelAttackSettings
    /// ε values of an accuracy-vs-ε sweep (each a run of `settings` at that radius); nil: the one ε of `settings`.
    public var sweep: [Float]?
    /// The file's text (hashed into a run's recipe hash).
    public var source: String

    public enum Parsed: Sendable, Equatable {
        case recipe(PixelAttackRecipe)
        case suite([String])
    }

    static let keys = ["kind", "name", "description", "attack", "sweep", "suite"]

    /// Parses one recipe or suite file.
    public static func parse(yaml: String, file: String, defaultName: String) throws -> Parsed {
        func fail(_ message: String) -> PixelAttackError { .settings("\(file): \(message)") }
        guard yaml.utf8.count <= 1 << 20 else { throw fail("larger than 1 MB") }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else { throw fail("the recipe is empty") }
            root = node
        } catch let error as PixelAttackError { throw error } catch {
            throw fail("not valid YAML (\(UserError.oneLine(String(describing: error))))")
        }
        guard case .mapping(let mapping) = root else { throw fail("a pixel attack recipe is a mapping (kind: image, attack, sweep)") }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, keys.contains(name) else {
                let name = key.string ?? "?"
                throw fail("unknown key '\(name)'\(DidYouMean.hint(for: name, in: keys)); valid keys: \(keys.joined(separator: ", "))")
            }
            fields[name] = value
        }
        guard fields["kind"]?.string == "image" else {
            throw fail("a pixel attack recipe declares 'kind: image' (text attack recipes have no kind)")
        }
        if let suite = fields["suite"] {
            guard fields["attack"] == nil, fields["sweep"] == nil else { throw fail("a suite lists recipes; it has no 'attack' or 'sweep'") }
            guard case .sequence(let members) = suite, !members.isEmpty else { throw fail("'suite' must be a non-empty list of recipe names") }
            let names = members.compactMap(\.string).filter { !$0.isEmpty }
            guard names.count == members.count else { throw fail("a suite member must be a recipe name") }
            return .suite(names)
        }
        guard let attack = fields["attack"] else { throw fail("missing 'attack' (the attack's settings: kind, norm, epsilon, …)") }
        let object = try jsonObject(attack, file: file, path: "attack")
        let data: Data
        do { data = try JSONSerialization.data(withJSONObject: object) } catch { throw fail("'attack' cannot be read") }
        let settings: PixelAttackSettings
        do { settings = try PixelAttackSettings.decode(json: data) } catch let error as PixelAttackError {
            throw fail("attack: \(error.description.replacingOccurrences(of: "settings: ", with: ""))")
        }
        var sweep: [Float]?
        if let node = fields["sweep"] {
            guard case .sequence(let values) = node, !values.isEmpty, values.count <= 64 else {
                throw fail("'sweep' must be a list of 1 to 64 ε values")
            }
            let epsilons = values.compactMap { $0.string.flatMap(Float.init) }
            guard epsilons.count == values.count, epsilons.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw fail("'sweep' values must be numbers ≥ 0")
            }
            if settings.norm == .linf, let large = epsilons.first(where: { $0 > 1 }) {
                throw fail("sweep ε \(large) is beyond the pixel range [0, 1]")
            }
            sweep = epsilons
        }
        let name = fields["name"]?.string ?? defaultName
        return .recipe(PixelAttackRecipe(name: name, description: fields["description"]?.string ?? "", settings: settings,
                                         sweep: sweep, source: yaml))
    }

    /// A YAML node as JSON-ready values (numbers as numbers, true/false as booleans).
    static func jsonObject(_ node: Node, file: String, path: String) throws -> Any {
        switch node {
        case .scalar(let scalar):
            if let bool = node.bool, ["true", "false"].contains(scalar.string.lowercased()) { return bool }
            if let int = node.int { return int }
            if let double = node.float { return double }
            return scalar.string
        case .mapping(let mapping):
            var out: [String: Any] = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw PixelAttackError.settings("\(file): \(path) has a key that is not a word") }
                out[name] = try jsonObject(value, file: file, path: "\(path).\(name)")
            }
            return out
        case .sequence(let sequence):
            return try sequence.map { try jsonObject($0, file: file, path: path) }
        @unknown default:
            throw PixelAttackError.settings("\(file): \(path): unsupported YAML")
        }
    }

    /// A recipe or suite by name (built-in texts given by the caller, else `NAME.yaml` in `folder`) or by path,
    /// expanded into its recipes (suites one level deep), in order.
    public static func load(_ references: [String], builtIn: [String: String], folder: URL? = nil) throws -> [PixelAttackRecipe] {
        var out: [PixelAttackRecipe] = []
        for reference in references {
            for recipe in try loadOne(reference, builtIn: builtIn, folder: folder, depth: 0) where !out.contains(where: { $0.name == recipe.name }) {
                out.append(recipe)
            }
        }
        return out
    }

    static func loadOne(_ reference: String, builtIn: [String: String], folder: URL?, depth: Int) throws -> [PixelAttackRecipe] {
        let text: String, file: String, name: String
        if reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            let url = URL(fileURLWithPath: reference)
            do { text = String(decoding: try FileLimits.read(url, as: .metadata), as: UTF8.self) } catch {
                throw PixelAttackError.settings("\(error)")
            }
            (file, name) = (reference, url.deletingPathExtension().lastPathComponent)
        } else if let folder, let data = try? FileLimits.read(folder.appendingPathComponent(reference + ".yaml"), as: .metadata) {
            (text, file, name) = (String(decoding: data, as: UTF8.self), folder.appendingPathComponent(reference + ".yaml").path, reference)
        } else if let builtInText = builtIn[reference] {
            (text, file, name) = (builtInText, "attacks/\(reference).yaml (built in)", reference)
        } else {
            let names = builtIn.keys.sorted()
            throw PixelAttackError.settings("no pixel attack recipe '\(reference)'\(DidYouMean.hint(for: reference, in: names)); built in: \(names.joined(separator: ", "))")
        }
        switch try parse(yaml: text, file: file, defaultName: name) {
        case .recipe(let recipe): return [recipe]
        case .suite(let names):
            guard depth == 0 else { throw PixelAttackError.settings("\(file): a suite inside a suite is not allowed") }
            return try names.flatMap { try loadOne($0, builtIn: builtIn, folder: folder, depth: 1) }
        }
    }

    /// SHA-256 over the recipes' names and texts, in order (a run's recipe hash).
    public static func hash(_ recipes: [PixelAttackRecipe]) -> String {
        var hasher = SHA256()
        for recipe in recipes { hasher.update(recipe.name + "\u{0}" + recipe.source + "\u{0}") }
        return hasher.finalizeHex()
    }
}
