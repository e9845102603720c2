// YAMLLimits: the checks every recipe file (attack and augmentation) passes before the YAML parser sees
// it — a size limit, and a nesting limit. Yams composes nodes recursively, so a file nested a few
// thousand levels deep (`[[[[…]]]]`, `- - - - …`) would overflow the stack; such a file is refused
// with one line instead. No real recipe comes near either limit.
import Basics
import Foundation

public enum YAMLLimits {
    /// Recipe files larger than this are refused (the shipped ones are under 2 KB).
    public static let maxBytes = 256 * 1024
    /// Nesting deeper than this is refused (the shipped recipes nest at most 4 levels).
    public static let maxDepth = 64

    /// The text of a recipe file, refusing one over `maxBytes` before reading it, or one that is not UTF-8.
    public static func read(_ url: URL) throws -> String {
        let data: Data
        do { data = try FileLimits.read(url, as: FileLimits.Kind("recipe file", maxBytes: maxBytes)) } catch {
            throw AttackError.recipe("\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw AttackError.recipe("\(url.path): not UTF-8 text") }
        return text
    }

    /// Throws a one-line message naming `file` when `text` is too large or nested too deeply. The depth
    /// counted is an upper bound on the YAML node depth: block indentation levels, plus sequence
    /// entries opened on one line (`- - -`), plus open flow collections (`[`, `{`) outside quotes and comments.
    public static func check(_ text: String, file: String) throws -> Void {
        let size = text.utf8.count
        guard size <= maxBytes else {
            throw AttackError.recipe("\(file): \(FileLimits.grouped(size)) bytes; a recipe file may be at most \(FileLimits.describe(bytes: maxBytes))")
        }
        guard let (depth, line) = deepest(text, stoppingAbove: maxDepth), depth > maxDepth else { return }
        throw AttackError.recipe("\(file):\(line): nested more than \(maxDepth) levels deep; recipes are limited to \(maxDepth)")
    }

    /// The deepest nesting and the line where it is first reached (`YAMLNesting` in Basics).
    static func deepest(_ text: String, stoppingAbove limit: Int = .max) -> (depth: Int, line: Int)? {
        YAMLNesting.deepest(text, stoppingAbove: limit)
    }
}
