// ReportGenerator: writes a whole report folder — scripts and data, images through gnuplot, report.md and
// report.html — in a hidden staging folder beside the destination, then renames it into place.
import Basics
import Foundation
import Results

public enum ReportGenerator {
    /// Reads `runs` from `store` and writes their report to `folder`. See `write`.
    public static func generate(store: ResultStore, runs: [Int64], to folder: URL,
                                options: ReportOptions = ReportOptions()) throws -> ReportOutcome {
        try checkDestination(folder)
        let data = try ReportData.load(from: store, runs: runs)
        return try write(data, to: folder, options: options)
    }

    /// Writes the report of `data` to `folder`, replacing a previous report there.
    ///
    /// Throws (and leaves `folder` as it was) when the folder exists but is not a robust report, or
    /// cannot be written. When gnuplot is missing or fails, the report is still written in full without
    /// the images it could not draw, and `ReportOutcome.figureError` says why.
    public static func write(_ data: ReportData, to folder: URL, options: ReportOptions = ReportOptions()) throws -> ReportOutcome {
        let folder = folder.standardizedFileURL
        try checkDestination(folder)
        if options.examplesPerRecipe < 0 { throw ReportError.invalidRequest("the number of sample examples must be 0 or more") }
        let figures = FigurePlanner.figures(for: data)
        let content = ReportContent(data: data, title: options.title, examplesPerRecipe: options.examplesPerRecipe)
        let fileManager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ReportError.output(path: folder.path, detail: "cannot create \(parent.path): \(describe(error))")
        }
        removeStaleStaging(for: folder)
        let pid = ProcessInfo.processInfo.processIdentifier
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).partial-\(pid)-\(UUID().uuidString.prefix(8))")
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw ReportError.output(path: folder.path, detail: "cannot create a folder in \(parent.path): \(describe(error))")
        }
        defer { try? fileManager.removeItem(at: staging) }

        // Scripts and data.
        var scripts: [(figure: Figure, files: GnuplotScript.Files)] = []
        for figure in figures {
            let files = GnuplotScript.render(figure, formats: options.formats, generator: options.generator)
            try writeFile(files.script, to: staging.appendingPathComponent(files.scriptName), report: folder)
            try writeFile(files.data, to: staging.appendingPathComponent(files.dataName), report: folder)
            scripts.append((figure, files))
        }

        // Images.
        var figureError: ReportError?
        var notes = data.notes
        var images: [String: [FigureFormat: Data]] = [:]
        var reasons: [String: String] = [:]
        if !scripts.isEmpty && !options.formats.isEmpty {
            switch options.rendering {
            case .scriptsOnly:
                for (figure, _) in scripts { reasons[figure.name] = "gnuplot was not run; run the script to draw it" }
            case let .gnuplot(path):
                do {
                    let gnuplot = try Gnuplot.locate(explicit: path, environment: options.environment)
                    for (figure, files) in scripts {
                        do {
                            let warnings = try gnuplot.run(script: files.scriptName, in: staging, timeout: options.gnuplotTimeout)
                            if let warning = Gnuplot.firstError(warnings) { notes.append("gnuplot on \(files.scriptName): \(warning)") }
                            var rendered: [FigureFormat: Data] = [:]
                            for format in options.formats {
                                let file = "\(figure.name).\(format.rawValue)"
                                guard let image = try? Data(contentsOf: staging.appendingPathComponent(file)), !image.isEmpty else {
                                    throw ReportError.gnuplotFailed(script: files.scriptName, detail: "it wrote no \(file)")
                                }
                                rendered[format] = image
                            }
                            images[figure.name] = rendered
                        } catch let error as ReportError {
                            figureError = figureError ?? error
                            reasons[figure.name] = error.description
                        }
                    }
                } catch let error as ReportError {
                    figureError = error
                    for (figure, _) in scripts { reasons[figure.name] = "gnuplot not found" }
                }
            }
        }

        // The reports.
        let renderedFigures = scripts.map { figure, files in
            RenderedFigure(figure: figure, scriptName: files.scriptName, dataName: files.dataName,
                           images: images[figure.name] ?? [:], missingReason: reasons[figure.name])
        }
        var warning: String?
        if let figureError {
            let missing = scripts.count - images.count
            warning = "\(missing) of \(scripts.count) figure\(scripts.count == 1 ? " was" : "s were") not rendered: \(figureError.description)"
        }
        let context = ReportContext(generator: options.generator, generatedAt: options.generatedAt ?? Date(),
                                    databasePath: data.databasePath, commandLine: options.commandLine,
                                    formats: options.formats, figureWarning: warning)
        try writeFile(MarkdownReport.render(content, figures: renderedFigures, context: context),
                      to: staging.appendingPathComponent("report.md"), report: folder)
        try writeFile(HTMLReport.render(content, figures: renderedFigures, context: context),
                      to: staging.appendingPathComponent("report.html"), report: folder)
        try writeManifest(in: staging, report: folder, generator: options.generator)

        try moveIntoPlace(staging, folder)
        let files = ((try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        return ReportOutcome(folder: folder, files: files, figures: figures,
                             renderedFigures: scripts.map(\.figure.name).filter { images[$0] != nil },
                             figureError: figureError, notes: notes)
    }

    // MARK: - The destination folder
    //
    // A report folder is replaced only when everything in it is what robust wrote there: every report
    // keeps a manifest (`.robust-report.json`) of its files and their SHA-256. A file the user added or
    // edited (a tuned `.gp` script, notes) makes the folder someone else's, and it is never touched.

    /// The manifest of the files a report wrote, and their contents' SHA-256.
    static let manifestName = ".robust-report.json"

    struct Manifest: Codable {
        var generator: String
        var files: [String: String]
    }

    static func writeManifest(in staging: URL, report folder: URL, generator: String) throws {
        let fileManager = FileManager.default
        var files: [String: String] = [:]
        for name in (try? fileManager.contentsOfDirectory(atPath: staging.path)) ?? [] {
            files[name] = try SHA256.hex(fileAt: staging.appendingPathComponent(name))
        }
        let data = try JSONCoding.encoder(.pretty, escapingSlashes: false).encode(Manifest(generator: generator, files: files))
        do { try data.write(to: staging.appendingPathComponent(manifestName)) } catch {
            throw ReportError.output(path: folder.path, detail: "cannot write \(manifestName): \(describe(error))")
        }
    }

    /// Throws unless `folder` does not exist, is empty, or holds exactly the files a previous robust report
    /// wrote there, unchanged.
    public static func checkDestination(_ folder: URL) throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw ReportError.output(path: folder.path, detail: "it exists and is not a folder") }
        let entries: [String]
        do {
            entries = try fileManager.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw ReportError.output(path: folder.path, detail: describe(error))
        }
        if entries.isEmpty { return }
        let refuse = { (why: String) in
            ReportError.output(path: folder.path, detail: "\(why); robust replaces only a folder holding exactly the report it wrote there. Choose another --out or move your files")
        }
        guard let data = fileManager.contents(atPath: folder.appendingPathComponent(manifestName).path),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
            throw refuse("it exists and is not a robust report (it holds \(entries.sorted()[0]))")
        }
        for entry in entries.sorted() where entry != manifestName {
            guard let expected = manifest.files[entry] else { throw refuse("it holds \(entry), which the report did not write") }
            var isFolder: ObjCBool = false
            let url = folder.appendingPathComponent(entry)
            guard fileManager.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue,
                  (try? SHA256.hex(fileAt: url)) == expected else {
                throw refuse("\(entry) was changed since the report wrote it")
            }
        }
    }

    /// Replaces `folder` (when it exists) with `staging`.
    static func moveIntoPlace(_ staging: URL, _ folder: URL) throws {
        let fileManager = FileManager.default
        try checkDestination(folder)
        var old: URL?
        if fileManager.fileExists(atPath: folder.path) {
            let aside = folder.deletingLastPathComponent()
                .appendingPathComponent(".\(folder.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
            do {
                try fileManager.moveItem(at: folder, to: aside)
            } catch {
                throw ReportError.output(path: folder.path, detail: "cannot replace the previous report: \(describe(error))")
            }
            old = aside
        }
        do {
            try fileManager.moveItem(at: staging, to: folder)
        } catch {
            if let old { try? fileManager.moveItem(at: old, to: folder) }
            throw ReportError.output(path: folder.path, detail: describe(error))
        }
        if let old { try? fileManager.removeItem(at: old) }
    }

    /// Removes staging and set-aside folders of this report left by processes that no longer run.
    static func removeStaleStaging(for folder: URL) {
        let fileManager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        guard let entries = try? fileManager.contentsOfDirectory(atPath: parent.path) else { return }
        for entry in entries {
            for marker in [".partial-", ".old-"] {
                let prefix = ".\(folder.lastPathComponent)\(marker)"
                guard entry.hasPrefix(prefix),
                      let pid = Int32(entry.dropFirst(prefix.count).prefix { $0.isNumber }) else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH { try? fileManager.removeItem(at: parent.appendingPathComponent(entry)) }
            }
        }
    }

    static func writeFile(_ text: String, to url: URL, report: URL) throws {
        do {
            try Data(text.utf8).write(to: url)
        } catch {
            throw ReportError.output(path: report.path, detail: "cannot write \(url.lastPathComponent): \(describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return UserError.oneLine((error as NSError).localizedDescription)
    }
}
