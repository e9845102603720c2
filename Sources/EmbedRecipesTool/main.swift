// EmbedRecipesTool: the build tool behind the EmbedRecipes plugin. It turns recipe YAML files into one
// Swift file that holds their texts as string literals, so the shipped recipes are compiled into the
// binary and need no folder at run time (Foundation only; it runs on the build machine).
//
//     EmbedRecipesTool FOLDER OUTPUT.swift FILE.yaml...
//
// writes `enum EmbeddedRecipeFiles { static let folder = "FOLDER"; static let all: [(name:, text:)] }`,
// one entry per file (name: the file name without .yaml), sorted by name. Every character outside
// printable ASCII is written as a \u{…} escape, so the literal is the file's text exactly (no line-end
// or indentation processing as multi-line literals have). The output is rewritten only when it
// changes, so an unchanged recipe folder recompiles nothing.
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("EmbedRecipesTool: \(message)\n".utf8))
    exit(1)
}

/// `text` as a Swift string literal with the same Unicode scalars.
func literal(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case " "..."~": out.unicodeScalars.append(scalar)
        default: out += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return out + "\""
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else { fail("usage: EmbedRecipesTool FOLDER OUTPUT.swift FILE.yaml...") }
let folder = arguments[0]
let output = URL(fileURLWithPath: arguments[1])
var entries: [(name: String, text: String)] = []
for path in arguments.dropFirst(2) {
    let url = URL(fileURLWithPath: path)
    guard let data = FileManager.default.contents(atPath: url.path) else { fail("cannot read \(path)") }
    guard let text = String(data: data, encoding: .utf8), Data(text.utf8) == data else {
        fail("\(path) is not valid UTF-8")
    }
    entries.append((url.deletingPathExtension().lastPathComponent, text))
}
entries.sort { $0.name < $1.name }
for (a, b) in zip(entries, entries.dropFirst()) where a.name == b.name { fail("two recipe files named \(a.name)") }

var swift = """
    // Generated at build time by the EmbedRecipes plugin (Sources/EmbedRecipesTool) from \(folder)/*.yaml.
    // Do not edit: change the YAML files, and the next build regenerates this file.

    enum EmbeddedRecipeFiles {
        /// The repository folder the recipes come from.
        static let folder = \(literal(folder))
        /// (file name without .yaml, file text), sorted by name.
        static let all: [(name: String, text: String)] = [

    """
for entry in entries {
    swift += "        (\(literal(entry.name)), \(literal(entry.text))),\n"
}
swift += "    ]\n}\n"

let bytes = Data(swift.utf8)
if FileManager.default.contents(atPath: output.path) != bytes {
    do {
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: output, options: .atomic)
    } catch {
        fail("cannot write \(output.path): \(error)")
    }
}
