// EmbedRecipes: a build-tool plugin that compiles the shipped recipes into the binary. Applied to the
// Attacks target it embeds attacks/*.yaml, to Augmentation and Vision augmentations/*.yaml (each keeps its own
// kind of recipe: text, or `kind: image`), to Audit audits/*.yaml: it
// runs EmbedRecipesTool, which writes the files' texts as string literals into a generated
// EmbeddedRecipes.swift (`EmbeddedRecipeFiles.all`). The YAML files stay the single source of truth:
// every build regenerates the Swift file when one of them is added, removed or changed.
import Foundation
import PackagePlugin

@main
struct EmbedRecipes: BuildToolPlugin {
    /// The recipe folder (at the package root) of each target the plugin may be applied to.
    static let folders = ["Attacks": "attacks", "Augmentation": "augmentations", "Vision": "augmentations", "Audit": "audits"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let folderName = Self.folders[target.name] else {
            throw PluginError("EmbedRecipes knows the recipe folders of \(Self.folders.keys.sorted().joined(separator: ", ")), not of target \(target.name)")
        }
        let folder = context.package.directoryURL.appending(path: folderName)
        let inputs = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" && !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedRecipes.swift")
        return [.buildCommand(displayName: "Embedding \(folderName)/*.yaml into \(target.name)",
                              executable: try context.tool(named: "EmbedRecipesTool").url,
                              arguments: [folderName, output.path] + inputs.map(\.path),
                              inputFiles: inputs, outputFiles: [output])]
    }
}

struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
