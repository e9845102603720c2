// RecipeYAML: reading image recipe files — the size and nesting guard every file passes before Yams sees
// it, and typed reads of YAML nodes that fail with one line naming the file and the key. The node tree is
// read, never `Yams.load`, whose dictionary constructor traps on a mapping key that is a list or a mapping.
import Basics
import Foundation
import Yams

public enum ImageAugmentationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A recipe that cannot be read or is invalid: one line starting with the file.
    case recipe(String)
    /// Arguments of `ImageAugmenter.apply` or a corruption that do not fit (counts, shapes, labels).
    case input(String)

    public var description: String {
        switch self {
        case .recipe(let message), .input(let message): return message
        }
    }
}

enum RecipeYAML {
    /// Recipe files larger than this are refused (the shipped ones are under 2 KB).
    static let maxBytes = 256 * 1024
    /// A bound on the nesting of a file, over-counted (see `nestingBound`); no real recipe is near it.
    static let maxNesting = 128

    /// The text of a recipe file: a regular file of at most `maxBytes`, in UTF-8.
    static func read(_ url: URL) throws -> String {
        let data: Data
        do { data = try FileLimits.read(url, as: FileLimits.Kind("recipe file", maxBytes: maxBytes)) } catch {
            throw ImageAugmentationError.recipe("\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImageAugmentationError.recipe("\(url.path): not UTF-8 text")
        }
        return text
    }

    /// The root node of `text`, after the size and nesting guard; errors name `file`.
    static func compose(_ text: String, file: String) throws -> Node? {
        let size = text.utf8.count
        guard size <= maxBytes else {
            throw ImageAugmentationError.recipe("\(file): \(size) bytes; a recipe file may be at most \(maxBytes / 1024) KB")
        }
        if let line = lineBeyondNesting(text, limit: maxNesting) {
            throw ImageAugmentationError.recipe("\(file):\(line): nested too deeply; recipes are limited to \(maxNesting) levels")
        }
        do { return try Yams.compose(yaml: text) } catch {
            throw ImageAugmentationError.recipe("\(file): not valid YAML (\(UserError.oneLine(String(describing: error))))")
        }
    }

    /// The first (1-based) line whose nesting bound (Basics' `YAMLNesting`, which the text recipes use too)
    /// exceeds `limit`, or nil. Yams composes recursively, so a file nested thousands of levels deep
    /// (`[[[[…`, `- - - -…`) would overflow the stack.
    static func lineBeyondNesting(_ text: String, limit: Int) -> Int? {
        guard let (depth, line) = YAMLNesting.deepest(text, stoppingAbove: limit), depth > limit else { return nil }
        return line
    }

    /// The mapping's entries by key, in the file's order, refusing keys that are not words, unknown keys
    /// and repeated keys; `place` names the mapping in errors ("file" or "file: operations[2] (rotation)").
    static func fields(_ node: Node, place: String, valid: [String]) throws -> [(key: String, value: Node)] {
        guard case .mapping(let mapping) = node else {
            throw ImageAugmentationError.recipe("\(place): expected a mapping with keys \(valid.joined(separator: ", "))")
        }
        var result: [(key: String, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar = keyNode, let key = keyNode.string else {
                throw ImageAugmentationError.recipe("\(place): keys must be words; valid keys: \(valid.joined(separator: ", "))")
            }
            guard valid.contains(key) else {
                throw ImageAugmentationError.recipe(
                    "\(place): unknown key '\(key)'\(DidYouMean.hint(for: key, in: valid)); valid keys: \(valid.joined(separator: ", "))")
            }
            guard !result.contains(where: { $0.key == key }) else {
                throw ImageAugmentationError.recipe("\(place): key '\(key)' is given twice")
            }
            result.append((key, value))
        }
        return result
    }

    /// A node as shown in error messages: a scalar's text, a list of scalars in brackets, else "a list" or
    /// "a mapping"; at most 60 characters.
    static func shown(_ node: Node) -> String {
        let text: String
        switch node {
        case .scalar(let scalar): text = scalar.string
        case .sequence(let sequence):
            let items = sequence.map { item -> String? in
                if case .scalar(let scalar) = item { return scalar.string }
                return nil
            }
            text = items.contains(where: { $0 == nil }) ? "a list" : "[" + items.compactMap { $0 }.joined(separator: ", ") + "]"
        case .mapping: text = "a mapping"
        }
        let oneLine = text.replacingOccurrences(of: "\n", with: " ")
        return oneLine.count > 60 ? String(oneLine.prefix(57)) + "..." : oneLine
    }

    /// A finite number (integers too); nil for anything else.
    static func number(_ node: Node) -> Double? {
        guard case .scalar = node, let value = node.float, value.isFinite else { return nil }
        return value
    }

    /// An integer written as one (not 2.0); nil for anything else.
    static func integer(_ node: Node) -> Int? {
        guard case .scalar = node else { return nil }
        return node.int
    }

    /// A list of finite numbers; nil if the node is not one.
    static func numbers(_ node: Node) -> [Double]? {
        guard case .sequence(let sequence) = node else { return nil }
        var values: [Double] = []
        for item in sequence {
            guard let value = number(item) else { return nil }
            values.append(value)
        }
        return values
    }

    /// The `kind` a recipe text declares ("image", "text", …), or nil when it declares none or cannot be read.
    static func declaredKind(of text: String) -> String? {
        guard text.utf8.count <= maxBytes, lineBeyondNesting(text, limit: maxNesting) == nil,
              let node = try? Yams.compose(yaml: text), case .mapping(let mapping) = node,
              let kind = mapping["kind"], case .scalar = kind else { return nil }
        return kind.string
    }
}
