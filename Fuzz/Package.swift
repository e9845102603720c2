// swift-tools-version: 6.1
// robust-fuzz: the standing fuzz suite — one libFuzzer program per reader of bytes robust did not write
// (Targets/<Name>/, each a `fuzz-<name>` executable), built against the root package's release modules (its
// `RobustReaders` product, so with the same -O -wmo settings) with AddressSanitizer and libFuzzer's coverage.
// Built and run only by scripts/fuzz.sh (flags in scripts/lib/fuzz-build.sh), never by the root package's
// `swift build`. Seeds: Corpus/<name>/ (scripts/make-fuzz-seeds.sh rewrites them).
import PackageDescription

/// A target has a Swift `@main` that starts libFuzzer (FuzzSupport's `Fuzz.main`): SwiftPM links an executable
/// through its renamed entry point, so libFuzzer's own `main` is not used.
let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"]), .swiftLanguageMode(.v5)]
/// Only the fuzz targets link libFuzzer; every module gets the coverage instrumentation from the build flags.
/// Linked with lld (shipped with the Swift toolchain) rather than the system gold, which crashed (an internal
/// error) while reporting a failed link of these binaries.
let libFuzzer: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])]
let readers = Target.Dependency.product(name: "RobustReaders", package: "robust")

/// One fuzz target: an executable in Targets/<folder>.
func fuzzTarget(_ name: String, _ folder: String) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport", readers], path: "Targets/\(folder)",
                      swiftSettings: harness, linkerSettings: libFuzzer)
}

let package = Package(
    name: "robust-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "robust", path: "..")],
    targets: [
        .target(name: "FuzzSupport", path: "Targets/FuzzSupport", swiftSettings: [.swiftLanguageMode(.v5)]),
        fuzzTarget("fuzz-safetensors", "SafeTensors"),
        fuzzTarget("fuzz-config", "Config"),
        fuzzTarget("fuzz-checkpoint", "Checkpoint"),
        fuzzTarget("fuzz-tokenizer", "Tokenizer"),
        fuzzTarget("fuzz-datasets", "Datasets"),
        fuzzTarget("fuzz-images", "Images"),
        fuzzTarget("fuzz-attack-recipe", "AttackRecipe"),
        fuzzTarget("fuzz-augmentation-recipe", "AugmentationRecipe"),
        fuzzTarget("fuzz-baseline", "Baseline"),
        fuzzTarget("fuzz-results-db", "ResultsDatabase"),
        // Not a fuzz target: writes the seeds of Fuzz/Corpus that need robust's own writers (scripts/make-fuzz-seeds.sh).
        .executableTarget(name: "fuzz-make-seeds", dependencies: [readers], path: "Targets/MakeSeeds",
                          swiftSettings: harness),
    ]
)
