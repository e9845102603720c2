// ResourceLocations: the one search order for what robust reads at run time but does not build into
// the binary: the base model, WordNet and the datasets folder (Foundation only). Every lookup returns
// the first place that exists and every place it looked, so errors can name them all.
//
// SEARCH ORDER (the first match wins)
//   1. the command-line flag (`--model`, `--encoder`, `--data-dir`), when the command has one and it is given;
//   2. the environment variable, when set and not empty: ROBUST_BASE_MODEL, ROBUST_WORDNET_DIR, ROBUST_DATA_DIR.
//      A flag or variable that is given is the only place looked at: if it names a missing folder, that
//      is an error that names it, never a silent fall-back to another copy;
//   3. the per-user cache, `$XDG_CACHE_HOME/robust` (XDG_CACHE_HOME must be absolute, as the XDG spec
//      says), else `~/.cache/robust`: `models/all-MiniLM-L6-v2`, `wordnet/`, `data/`
//      (scripts/install.sh puts the base model there);
//   4. the working directory, as in a repository checkout: `models/all-MiniLM-L6-v2` (scripts/setup.sh
//      puts it there), `data/`;
//   5. system locations: WordNet at /usr/share/wordnet (Debian's wordnet-base).
//
// DATASETS are one folder per dataset (`NAME/dataset.json`), and `robust data fetch` and `data import`
// write them, so the datasets folder is a place to write as well as to read:
//   - written to: the flag, else ROBUST_DATA_DIR, else `data/` in the working directory when the working
//     directory is a robust checkout (a Package.swift naming the package "robust"), else the per-user
//     cache's `data/`;
//   - a dataset NAME is looked for first where datasets are written, then in the other of the cache's
//     and the working directory's `data/` (a flag or ROBUST_DATA_DIR is again the only place). So what
//     `data fetch` wrote is always what `--data NAME` finds, and a dataset fetched once into the cache
//     is found from any folder.
//
// Relative places stay relative (`models/all-MiniLM-L6-v2`, as runs recorded them before), and are
// resolved against the process's working directory unless a `workingDirectory` is passed (tests).
import Foundation

public enum ResourceLocations {
    public static let baseModelVariable = "ROBUST_BASE_MODEL"
    public static let wordNetVariable = "ROBUST_WORDNET_DIR"
    public static let dataVariable = "ROBUST_DATA_DIR"
    /// The base model's folder under `models/` (in the cache and in a checkout).
    public static let baseModelFolder = "models/all-MiniLM-L6-v2"
    public static let systemWordNet = "/usr/share/wordnet"

    /// One place looked at, and why it was looked at.
    public struct Place: Sendable, Equatable, CustomStringConvertible {
        /// As given: relative paths are relative to the working directory.
        public let path: String
        /// "--model", "$ROBUST_BASE_MODEL", "per-user cache", "working directory", "system".
        public let origin: String

        public init(path: String, origin: String) {
            self.path = path
            self.origin = origin
        }

        public var description: String { "\(path) (\(origin))" }
    }

    /// The result of a lookup: every place looked at, in order, and the first one that exists.
    public struct Lookup: Sendable, Equatable {
        /// What was looked for ("base model", "WordNet 3.0").
        public let what: String
        /// Never empty.
        public let places: [Place]
        public let found: Place?
        /// How to install it, for the error.
        public let hint: String

        /// The place found, else the first place looked at (a given flag or variable, so an error names it).
        public var path: String { (found ?? places[0]).path }

        /// "A (origin), B (origin)".
        public var lookedIn: String { places.map(\.description).joined(separator: ", ") }

        /// "base model not found; looked in: …; install …" (one line).
        public var notFoundMessage: String {
            "\(what) not found; looked in: \(lookedIn)" + (hint.isEmpty ? "" : "; \(hint)")
        }

        /// The path found, or a `NotFound` error with `notFoundMessage`.
        public func require() throws -> String {
            guard let found else { throw NotFound(description: notFoundMessage) }
            return found.path
        }
    }

    /// A resource is in none of the places looked at; the description is one line naming them.
    public struct NotFound: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Where datasets are written, and where a dataset NAME is looked for (the write folder first).
    public struct DataFolders: Sendable, Equatable {
        public let write: Place
        public let search: [Place]
    }

    // MARK: - Lookups

    /// "base model not found; looked in: …" when `path` is where the default base model is looked for and
    /// no place holds it (so a command that falls back to the default says where it looked, rather than
    /// "config.json not found"); nil otherwise.
    public static func baseModelMissing(at path: String) -> String? {
        let lookup = baseModel()
        guard lookup.found == nil,
              URL(fileURLWithPath: path).standardizedFileURL.path == URL(fileURLWithPath: lookup.path).standardizedFileURL.path
        else { return nil }
        return lookup.notFoundMessage
    }

    /// The sentence-encoder base model (all-MiniLM-L6-v2): flag, ROBUST_BASE_MODEL, cache, working directory.
    /// A place counts when it holds `config.json`.
    public static func baseModel(flag: String? = nil,
                                 environment: [String: String] = ProcessInfo.processInfo.environment,
                                 workingDirectory: String? = nil) -> Lookup {
        let places = explicitOrSearched(flag: flag, flagName: "--model", variable: baseModelVariable, environment: environment) {
            var places: [Place] = []
            if let cache = cacheDirectory(environment: environment) {
                places.append(Place(path: cache + "/" + baseModelFolder, origin: "per-user cache"))
            }
            places.append(Place(path: inside(workingDirectory, baseModelFolder), origin: "working directory"))
            return places
        }
        return Lookup(what: "base model", places: places,
                      found: places.first { exists($0.path + "/config.json", resolvedIn: workingDirectory) },
                      hint: "install it with scripts/install.sh (or scripts/setup.sh in a checkout), or set \(baseModelVariable) to its folder")
    }

    /// The WordNet 3.0 dict folder: flag, ROBUST_WORDNET_DIR, cache `wordnet/`, /usr/share/wordnet.
    /// A place counts when it holds `data.noun`.
    public static func wordNet(flag: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               workingDirectory: String? = nil) -> Lookup {
        let places = explicitOrSearched(flag: flag, flagName: "--wordnet", variable: wordNetVariable, environment: environment) {
            var places: [Place] = []
            if let cache = cacheDirectory(environment: environment) {
                places.append(Place(path: cache + "/wordnet", origin: "per-user cache"))
            }
            places.append(Place(path: systemWordNet, origin: "system"))
            return places
        }
        return Lookup(what: "WordNet 3.0", places: places,
                      found: places.first { exists($0.path + "/data.noun", resolvedIn: workingDirectory) },
                      hint: "install it with `apt-get install wordnet-base`, or set \(wordNetVariable) to a WordNet 3.0 dict folder")
    }

    /// The datasets folders (see the header): flag, ROBUST_DATA_DIR, else the working directory's `data/`
    /// and the cache's `data/`, the one written to first.
    public static func dataFolders(flag: String? = nil,
                                   environment: [String: String] = ProcessInfo.processInfo.environment,
                                   workingDirectory: String? = nil) -> DataFolders {
        if let flag, !flag.isEmpty {
            let place = Place(path: flag, origin: "--data-dir")
            return DataFolders(write: place, search: [place])
        }
        if let value = environment[dataVariable], !value.isEmpty {
            let place = Place(path: value, origin: "$\(dataVariable)")
            return DataFolders(write: place, search: [place])
        }
        let local = Place(path: inside(workingDirectory, "data"), origin: "working directory")
        guard let cache = cacheDirectory(environment: environment) else {
            return DataFolders(write: local, search: [local])
        }
        let cached = Place(path: cache + "/data", origin: "per-user cache")
        if isRobustCheckout(workingDirectory ?? FileManager.default.currentDirectoryPath) {
            return DataFolders(write: local, search: [local, cached])
        }
        return DataFolders(write: cached, search: [cached, local])
    }

    // MARK: - Parts

    /// `$XDG_CACHE_HOME/robust` when XDG_CACHE_HOME is absolute, else `$HOME/.cache/robust` (the user's
    /// home from the password database when HOME is unset); nil without any home.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return trimmed(xdg) + "/robust"
        }
        var home = environment["HOME"] ?? ""
        if home.isEmpty { home = NSHomeDirectory() }
        guard home.hasPrefix("/") else { return nil }
        return trimmed(home) + "/.cache/robust"
    }

    /// Whether `directory` is a robust checkout: its Package.swift names the package "robust".
    public static func isRobustCheckout(_ directory: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: directory + "/Package.swift"),
              let text = String(data: data, encoding: .utf8) else { return false }
        return text.contains("name: \"robust\"")
    }

    /// The given flag, else the environment variable, else the searched places.
    static func explicitOrSearched(flag: String?, flagName: String, variable: String, environment: [String: String],
                                   searched: () -> [Place]) -> [Place] {
        if let flag, !flag.isEmpty { return [Place(path: flag, origin: flagName)] }
        if let value = environment[variable], !value.isEmpty { return [Place(path: value, origin: "$\(variable)")] }
        return searched()
    }

    static func inside(_ workingDirectory: String?, _ relative: String) -> String {
        guard let workingDirectory else { return relative }
        return trimmed(workingDirectory) + "/" + relative
    }

    static func exists(_ path: String, resolvedIn workingDirectory: String?) -> Bool {
        let absolute = path.hasPrefix("/") ? path : inside(workingDirectory ?? FileManager.default.currentDirectoryPath, path)
        return FileManager.default.fileExists(atPath: absolute)
    }

    static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
