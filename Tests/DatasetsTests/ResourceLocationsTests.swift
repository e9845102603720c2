// ResourceLocationsTests: Basics.ResourceLocations, the one search order for the base model, WordNet
// and the datasets folder (flag, environment variable, per-user cache, working directory, system), and
// DatasetStore's use of it. They live here because DatasetsTests already depends on Basics (there is no
// Basics test target).
import Basics
@testable import Datasets
import Foundation
import TestSupport
import XCTest

final class ResourceLocationsTests: XCTestCase {
    var root: URL!
    var home: String { root.appendingPathComponent("home").path }
    var work: String { root.appendingPathComponent("work").path }
    var cache: String { home + "/.cache/robust" }

    override func setUpWithError() throws {
        root = try temporaryFolder(self)
        for folder in [home, work] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    }

    func makeModel(_ folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "{}".write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
    }

    func makeWordNet(_ folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "".write(toFile: folder + "/data.noun", atomically: true, encoding: .utf8)
    }

    func testCacheDirectory() {
        XCTAssertEqual(ResourceLocations.cacheDirectory(environment: ["HOME": "/h"]), "/h/.cache/robust")
        XCTAssertEqual(ResourceLocations.cacheDirectory(environment: ["HOME": "/h/", "XDG_CACHE_HOME": "/x/"]), "/x/robust")
        // A relative XDG_CACHE_HOME is invalid (XDG spec) and ignored.
        XCTAssertEqual(ResourceLocations.cacheDirectory(environment: ["HOME": "/h", "XDG_CACHE_HOME": "rel"]), "/h/.cache/robust")
    }

    func testBaseModelEnvironmentBeatsCacheBeatsWorkingDirectory() throws {
        let environment = ["HOME": home]
        let inCache = cache + "/models/all-MiniLM-L6-v2"
        let inWork = work + "/models/all-MiniLM-L6-v2"
        func lookup(_ environment: [String: String], flag: String? = nil) -> ResourceLocations.Lookup {
            ResourceLocations.baseModel(flag: flag, environment: environment, workingDirectory: work)
        }

        // Nothing anywhere: not found, and the error lists the places in order.
        var result = lookup(environment)
        XCTAssertNil(result.found)
        XCTAssertEqual(result.places.map(\.path), [inCache, inWork])
        XCTAssertEqual(result.notFoundMessage,
                       "base model not found; looked in: \(inCache) (per-user cache), \(inWork) (working directory); "
                       + "install it with scripts/install.sh (or scripts/setup.sh in a checkout), or set ROBUST_BASE_MODEL to its folder")
        XCTAssertThrowsError(try result.require()) { error in
            XCTAssertEqual("\(error)", result.notFoundMessage)
        }
        XCTAssertEqual(result.path, inCache, "with nothing found, the first place")

        // The working directory's copy is found...
        try makeModel(inWork)
        XCTAssertEqual(lookup(environment).found?.path, inWork)
        // ...but the cache comes first...
        try makeModel(inCache)
        result = lookup(environment)
        XCTAssertEqual(result.found, ResourceLocations.Place(path: inCache, origin: "per-user cache"))
        XCTAssertEqual(try result.require(), inCache)
        // ...and XDG_CACHE_HOME moves the cache.
        let xdg = root.appendingPathComponent("xdg").path
        XCTAssertEqual(lookup(["HOME": home, "XDG_CACHE_HOME": xdg]).places.first?.path, xdg + "/robust/models/all-MiniLM-L6-v2")
        XCTAssertEqual(lookup(["HOME": home, "XDG_CACHE_HOME": xdg]).found?.path, inWork)

        // The environment variable beats both, and is the only place looked at, even when it is missing.
        let elsewhere = root.appendingPathComponent("elsewhere").path
        result = lookup(["HOME": home, "ROBUST_BASE_MODEL": elsewhere])
        XCTAssertEqual(result.places, [ResourceLocations.Place(path: elsewhere, origin: "$ROBUST_BASE_MODEL")])
        XCTAssertNil(result.found)
        XCTAssertEqual(result.path, elsewhere)
        XCTAssertTrue(result.notFoundMessage.hasPrefix("base model not found; looked in: \(elsewhere) ($ROBUST_BASE_MODEL); "),
                      result.notFoundMessage)
        try makeModel(elsewhere)
        XCTAssertEqual(lookup(["HOME": home, "ROBUST_BASE_MODEL": elsewhere]).found?.path, elsewhere)
        // An empty variable counts as unset.
        XCTAssertEqual(lookup(["HOME": home, "ROBUST_BASE_MODEL": ""]).found?.path, inCache)
        // The flag beats the variable.
        XCTAssertEqual(lookup(["HOME": home, "ROBUST_BASE_MODEL": elsewhere], flag: inWork).places,
                       [ResourceLocations.Place(path: inWork, origin: "--model")])

        // A folder without config.json is not a model: the search goes on.
        try FileManager.default.removeItem(atPath: inCache + "/config.json")
        XCTAssertEqual(lookup(environment).found?.path, inWork)
    }

    func testBaseModelInTheWorkingDirectoryStaysRelative() {
        // Without a working directory given, the working-directory place is relative, as runs recorded
        // the default model before (models/all-MiniLM-L6-v2).
        let result = ResourceLocations.baseModel(environment: ["HOME": home])
        XCTAssertEqual(result.places.last?.path, "models/all-MiniLM-L6-v2")
    }

    func testWordNetEnvironmentBeatsCacheBeatsSystem() throws {
        let environment = ["HOME": home]
        func lookup(_ environment: [String: String]) -> ResourceLocations.Lookup {
            ResourceLocations.wordNet(environment: environment, workingDirectory: work)
        }
        XCTAssertEqual(lookup(environment).places.map(\.description),
                       ["\(cache)/wordnet (per-user cache)", "/usr/share/wordnet (system)"])
        // The cache's copy wins over the system's.
        try makeWordNet(cache + "/wordnet")
        XCTAssertEqual(lookup(environment).found?.path, cache + "/wordnet")
        // The variable wins over both.
        let elsewhere = root.appendingPathComponent("wn").path
        XCTAssertEqual(lookup(["HOME": home, "ROBUST_WORDNET_DIR": elsewhere]).places.map(\.path), [elsewhere])
        XCTAssertNil(lookup(["HOME": home, "ROBUST_WORDNET_DIR": elsewhere]).found)
        XCTAssertThrowsError(try lookup(["HOME": home, "ROBUST_WORDNET_DIR": elsewhere]).require()) { error in
            XCTAssertEqual("\(error)", "WordNet 3.0 not found; looked in: \(elsewhere) ($ROBUST_WORDNET_DIR); "
                           + "install it with `apt-get install wordnet-base`, or set ROBUST_WORDNET_DIR to a WordNet 3.0 dict folder")
        }
        try makeWordNet(elsewhere)
        XCTAssertEqual(try lookup(["HOME": home, "ROBUST_WORDNET_DIR": elsewhere]).require(), elsewhere)
        // Without the cache's copy, the system's (wordnet-base is installed by scripts/setup.sh).
        try FileManager.default.removeItem(atPath: cache + "/wordnet")
        XCTAssertEqual(lookup(environment).found?.path, "/usr/share/wordnet")
    }

    func testDataFolders() throws {
        let environment = ["HOME": home]
        let inCache = ResourceLocations.Place(path: cache + "/data", origin: "per-user cache")
        let inWork = ResourceLocations.Place(path: work + "/data", origin: "working directory")
        // Not a checkout: written to the cache, looked for there first.
        var folders = ResourceLocations.dataFolders(environment: environment, workingDirectory: work)
        XCTAssertEqual(folders.write, inCache)
        XCTAssertEqual(folders.search, [inCache, inWork])
        // A robust checkout: written to its data/, looked for there first, then in the cache.
        XCTAssertFalse(ResourceLocations.isRobustCheckout(work))
        try "let package = Package(\n    name: \"robust\",\n)\n".write(toFile: work + "/Package.swift", atomically: true, encoding: .utf8)
        XCTAssertTrue(ResourceLocations.isRobustCheckout(work))
        XCTAssertTrue(ResourceLocations.isRobustCheckout(TestPaths.repoRoot.path))
        folders = ResourceLocations.dataFolders(environment: environment, workingDirectory: work)
        XCTAssertEqual(folders.write, inWork)
        XCTAssertEqual(folders.search, [inWork, inCache])
        // ROBUST_DATA_DIR, and the flag before it, are the only place.
        let env = ResourceLocations.Place(path: "/d", origin: "$ROBUST_DATA_DIR")
        folders = ResourceLocations.dataFolders(environment: ["HOME": home, "ROBUST_DATA_DIR": "/d"], workingDirectory: work)
        XCTAssertEqual(folders.write, env)
        XCTAssertEqual(folders.search, [env])
        folders = ResourceLocations.dataFolders(flag: "/f", environment: ["HOME": home, "ROBUST_DATA_DIR": "/d"], workingDirectory: work)
        XCTAssertEqual(folders.search, [ResourceLocations.Place(path: "/f", origin: "--data-dir")])
    }

    func testDatasetNamesAreFoundInEverySearchFolder() throws {
        // A dataset in the cache is found from a folder that has none; one in the first folder wins.
        let splits = DatasetSplits(name: "tiny", description: "", labels: ["a", "b"],
                                   train: [.init(text: "one", label: "a"), .init(text: "two", label: "b")],
                                   dev: [.init(text: "three", label: "a")], test: [.init(text: "four", label: "b")],
                                   sources: [], split: .init(method: "stratified", seed: 1, ratios: [0.8, 0.1, 0.1]),
                                   preparation: .init(recordsRead: 4, duplicatesRemoved: 0, skippedEmptyText: 0,
                                                      skippedMissingLabel: 0, notes: []),
                                   robustVersion: "test")
        let environment = ["HOME": home, "ROBUST_DATA_DIR": ""]
        let searched = DatasetStore.searchDirectories(environment: environment)
        XCTAssertEqual(searched.count, 2)
        XCTAssertEqual(searched.first, DatasetStore.defaultDirectory(environment: environment))
        let cacheData = URL(fileURLWithPath: cache + "/data")
        XCTAssertTrue(searched.contains(cacheData), "\(searched)")
        _ = try splits.write(to: cacheData.appendingPathComponent("tiny"), replace: false)

        let previousHome = ProcessInfo.processInfo.environment["HOME"]
        let previousData = ProcessInfo.processInfo.environment["ROBUST_DATA_DIR"]
        let previousXDG = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
        setenv("HOME", home, 1)
        unsetenv("ROBUST_DATA_DIR")
        unsetenv("XDG_CACHE_HOME")
        defer {
            if let previousHome { setenv("HOME", previousHome, 1) } else { unsetenv("HOME") }
            if let previousData { setenv("ROBUST_DATA_DIR", previousData, 1) }
            if let previousXDG { setenv("XDG_CACHE_HOME", previousXDG, 1) }
        }
        XCTAssertEqual(try DatasetSplits.resolve("tiny").test.map(\.text), ["four"])
        // An explicit folder is the only one looked at.
        XCTAssertThrowsError(try DatasetSplits.resolve("tiny", dataDirectory: URL(fileURLWithPath: work)))
        XCTAssertThrowsError(try DatasetSplits.resolve("nothing-here")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(cacheData.path + "/"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
    }
}
