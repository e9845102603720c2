// YAMLNesting: an upper bound on a YAML text's node depth, found by scanning lines (no parser): block
// indentation levels, plus sequence entries opened on one line (`- - -`), plus open flow collections (`[`, `{`)
// outside quotes and comments. Recipe readers (attack, augmentation, image recipes) refuse files nested deeper
// than their limit before Yams, which composes nodes recursively, could overflow the stack on them.
public enum YAMLNesting {
    /// The deepest nesting and the (1-based) line where it is first reached (with `stoppingAbove`, the
    /// first line deeper than that), or nil for an empty text.
    public static func deepest(_ text: String, stoppingAbove limit: Int = .max) -> (depth: Int, line: Int)? {
        var indents: [Int] = []          // open block indentation widths
        var flow = 0                     // open flow collections
        var best: (depth: Int, line: Int)?
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let scalars = Array(rawLine.unicodeScalars)
            var i = 0
            while i < scalars.count && scalars[i] == " " { i += 1 }
            let indentation = i
            let blank = i == scalars.count || scalars[i] == "#" || scalars[i] == "\r"
            if !blank && flow == 0 {
                while let last = indents.last, indentation < last { indents.removeLast() }
                if indents.last.map({ indentation > $0 }) ?? true { indents.append(indentation) }
            }
            // Sequence entries opened at the start of the content: "- - - x".
            var dashes = 0
            while i + 1 < scalars.count && scalars[i] == "-" && (scalars[i + 1] == " " || scalars[i + 1] == "\t") {
                dashes += 1
                i += 2
                while i < scalars.count && scalars[i] == " " { i += 1 }
            }
            var quote: Unicode.Scalar?
            var lineFlowMax = flow
            var previous: Unicode.Scalar = " "
            while i < scalars.count {
                let c = scalars[i]
                if let open = quote {
                    if open == "\"" && c == "\\" { i += 2; continue }
                    if c == open { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == "#" && (previous == " " || previous == "\t") {
                    break
                } else if c == "[" || c == "{" {
                    flow += 1
                    lineFlowMax = max(lineFlowMax, flow)
                } else if c == "]" || c == "}" {
                    flow = max(0, flow - 1)
                }
                previous = c
                i += 1
            }
            let depth = indents.count + dashes + lineFlowMax
            if depth > (best?.depth ?? -1) { best = (depth, lineNumber) }
            if depth > limit { break }
        }
        return best
    }
}
