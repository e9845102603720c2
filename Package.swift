// swift-tools-version: 6.1
// robust: robustness testing and hardening for transformer encoder classifiers — text (BERT, DistilBERT,
// RoBERTa, XLM-RoBERTa, ELECTRA, ALBERT, DeBERTa-v2/v3, ModernBERT) and images (ViT).
// Module order (each depends only on those before it):
//   Basics, CBLAS, CDNNL → Tensors → SafeTensors, Tokenizer → Transformer → Training
//   Basics, CImageCodecs, SafeTensors → Datasets;  Basics → Vision;  WordNet;  Basics + GRDB → Results → Analysis → Reports
//   Transformer, Tokenizer, WordNet → Attacks;  Attacks, Datasets → Augmentation;  Attacks, WordNet → Audit
//   all of them but Remote → Workflows (a served classifier is its `ServedClassifier` protocol; Reports for the labelling sheet)
//   Basics, Attacks + AsyncHTTPClient → Remote (served classifiers as victims; the command line plugs it in) (train, eval, attack, augment, retrain: the only writers of Results)
//   Workflows → robust (the command line: parses, calls one workflow, prints)
import PackageDescription

// On x86-64, release code may use AVX2 and FMA registers (Haswell, 2013, and later): the row kernels'
// SIMD8 maths then runs in one register instead of two. Swift fuses no multiply-add on its own, so
// results are the same bits as without the flag.
#if arch(x86_64)
let targetCPU = ["-target-cpu", "haswell"]
#else
let targetCPU: [String] = []
#endif

// Release builds keep Swift's checks (bounds, overflow, preconditions) in every module: most of them read
// input robust did not write (safetensors, tokenizer and config files, data files, recipes, databases),
// where a bounds mistake must trap, not corrupt memory. Only `Tensors`, the kernels, drops them
// (-Ounchecked): its loops run over pointers the engine sized itself.
let optimise: [SwiftSetting] = [
    .unsafeFlags(["-wmo"] + targetCPU, .when(configuration: .release)),
    .swiftLanguageMode(.v5),
]
let kernels: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"] + targetCPU, .when(configuration: .release)),
    .swiftLanguageMode(.v5),
]

let package = Package(
    name: "robust",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "robust", targets: ["robust"]),
        // The modules that read files robust did not write, and the workflows that call them, for the fuzz
        // package in Fuzz/ (its only user; `swift build` here builds these modules anyway).
        .library(name: "RobustReaders", targets: [
            "Basics", "SafeTensors", "Tokenizer", "Transformer", "Datasets", "Attacks", "Augmentation", "Audit", "Results", "Analysis",
            "Workflows",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        // Basics: the seeded generator, SHA-256 and the search order for the base model, WordNet and the
        // datasets folder (ResourceLocations) that every other module shares (Foundation only).
        .target(name: "Basics", swiftSettings: optimise),
        // CDNNL: oneDNN (Debian's libdnnl-dev) for bf16 and int8 matrix products (`--precision`).
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .target(name: "Tensors", dependencies: ["CBLAS", "CDNNL", "Basics"], swiftSettings: kernels),
        // CImageCodecs: a small C layer over Debian's libpng, libjpeg-turbo and zlib (libpng-dev, libjpeg-dev,
        // zlib1g-dev) — decoding user images, writing PNG, gzip IDX files. C because libjpeg and libpng report
        // errors by longjmp (libjpeg's default handler exits), which Swift cannot catch.
        .target(name: "CImageCodecs",
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]),
        // Vision: pixel-space operations on images in [0, 1] — augmentation operations, common corruptions and
        // pixel attacks (FGSM, PGD, APGD-CE, Square) against a `PixelClassifier`; knows no model and no storage.
        // Its image augmentation recipes (augmentations/*.yaml with `kind: image`) are compiled in by EmbedRecipes.
        .target(name: "Vision", dependencies: ["Basics", .product(name: "Yams", package: "Yams")],
                swiftSettings: optimise, plugins: ["EmbedRecipes"]),
        .target(name: "SafeTensors", swiftSettings: optimise),
        .target(name: "Tokenizer", dependencies: ["Basics"], swiftSettings: optimise),
        .target(name: "Transformer", dependencies: ["Basics", "Tensors", "SafeTensors", "Tokenizer"],
                swiftSettings: optimise),
        .target(name: "Training", dependencies: ["Basics", "Tensors", "SafeTensors", "Transformer"], swiftSettings: optimise),
        .target(name: "Datasets", dependencies: ["Basics", "CImageCodecs", "SafeTensors"], swiftSettings: optimise),
        // WordNet 3.0 reader, morphy, synonyms and re-inflection for synonym attacks (Foundation only;
        // Swift 6 language mode, no -Ounchecked: it parses files it does not trust).
        .target(name: "WordNet"),
        // Results: the SQLite results store (GRDB on the system libsqlite3): records, schema, run sessions, locks.
        .target(name: "Results", dependencies: ["Basics", .product(name: "GRDB", package: "GRDB.swift")]),
        // Analysis: what stored numbers mean — standard metrics, bootstrap and McNemar, comparison, baselines, gate.
        .target(name: "Analysis", dependencies: ["Basics", "Results"]),
        // Reports: `robust report` — gnuplot figures, Markdown and self-contained HTML from stored runs
        // (Results, Analysis and Foundation only; gnuplot runs as a child process).
        .target(name: "Reports", dependencies: ["Basics", "Results", "Analysis"]),
        // Attacks: goal · transformation · constraints · search composed from YAML recipes (attacks/*.yaml),
        // the model victim (any family) and MiniLM similarity, and the parallel runner (knows nothing about storage).
        .target(name: "Attacks", dependencies: [
            "Basics", "Tensors", "Tokenizer", "Transformer", "WordNet",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: optimise, plugins: ["EmbedRecipes"]),
        // Augmentation: `robust augment` — EDA operations and character noise from YAML recipes
        // (augmentations/*.yaml), and merging augmented texts into a dataset's training split.
        .target(name: "Augmentation", dependencies: [
            "Basics", "Attacks", "Datasets", .product(name: "Yams", package: "Yams"),
        ], swiftSettings: optimise, plugins: ["EmbedRecipes"]),
        // Audit: the validity checks of adversarial examples (meaning, antonyms and negation, label words, form)
        // from YAML audit recipes (audits/*.yaml); knows nothing about storage.
        .target(name: "Audit", dependencies: [
            "Basics", "Attacks", "Tensors", "Tokenizer", "WordNet", .product(name: "Yams", package: "Yams"),
        ], swiftSettings: optimise, plugins: ["EmbedRecipes"]),
        // Workflows: train, eval, attack, augment and retrain as types with inputs and a result; the only
        // callers of the modules above that record runs, and the mapping of attack results to records.
        // Remote: classifiers served over HTTP (Open Inference Protocol v2, KServe v1, a JSON template) as
        // victims — the client (batching, concurrency, retries, rate limit, authentication headers) and the protocols.
        .target(name: "Remote", dependencies: [
            "Basics", "Attacks", .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: optimise),
        .target(name: "Workflows", dependencies: [
            "Basics", "Tensors", "SafeTensors", "Tokenizer", "Transformer", "Training", "Datasets", "WordNet",
            "Results", "Analysis", "Reports", "Attacks", "Augmentation", "Audit", "Vision",
        ], swiftSettings: optimise),
        .executableTarget(name: "robust", dependencies: [
            "Basics", "Tensors", "Tokenizer", "Transformer", "Training", "Datasets",
            "Results", "Analysis", "Attacks", "Reports", "Augmentation", "Audit", "Remote", "Workflows",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: optimise),

        // A test program, not part of the product: records a synthetic run so ResultsTests can run several
        // writers of one database as real processes.
        .executableTarget(name: "ResultsWriter", dependencies: [
            "Basics", "Results", "Analysis", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tests/ResultsWriter"),

        // EmbedRecipes: a build-tool plugin that compiles attacks/*.yaml into Attacks, augmentations/*.yaml
        // into Augmentation (text recipes) and Vision (image recipes) and audits/*.yaml into Audit as string literals (the YAML files stay the source), with the tool it runs.
        .executableTarget(name: "EmbedRecipesTool"),
        .plugin(name: "EmbedRecipes", capability: .buildTool(), dependencies: ["EmbedRecipesTool"]),

        // Tests read fixtures from Tests/Fixtures (copied from the Python reference stack)
        // and the MiniLM model from models/ (installed by scripts/setup.sh).
        .target(name: "TestSupport", dependencies: ["SafeTensors"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Basics", "Tensors", "TestSupport"], swiftSettings: optimise),
        .testTarget(name: "SafeTensorsTests", dependencies: ["Basics", "SafeTensors", "TestSupport"], swiftSettings: optimise),
        .testTarget(name: "TokenizerTests", dependencies: ["Basics", "Tokenizer", "TestSupport"], swiftSettings: optimise),
        .testTarget(name: "TransformerTests",
                    dependencies: ["Basics", "Transformer", "Tensors", "SafeTensors", "Tokenizer", "TestSupport"],
                    swiftSettings: optimise),
        .testTarget(name: "TrainingTests", dependencies: ["Basics", "Training", "Transformer", "Tensors", "TestSupport"],
                    swiftSettings: optimise),
        .testTarget(name: "VisionTests", dependencies: ["Basics", "Vision", "TestSupport"], swiftSettings: optimise),
        .testTarget(name: "DatasetsTests", dependencies: ["Basics", "Datasets", "TestSupport"], swiftSettings: optimise),
        .testTarget(name: "WordNetTests", dependencies: ["WordNet", "TestSupport"]),
        // CommandLineTests run the built `robust` as a user would (train, eval, runs) on tiny models.
        // AuditCommandTests build their results store through Results (synthetic runs, no model).
        .testTarget(name: "CommandLineTests", dependencies: ["Basics", "SafeTensors", "Datasets", "Results", "Reports", "TestSupport", .product(name: "Yams", package: "Yams")]),
        // ResultsTests (the store and its analysis) also spawn the test program ResultsWriter and the built
        // `robust` (`runs`, `gate`, …) as child processes.
        .testTarget(name: "ResultsTests", dependencies: ["Basics", "Results", "Analysis", "TestSupport", "ResultsWriter",
                                                        .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "AuditTests",
                    dependencies: ["Audit", "Attacks", "AttackFakes", "Basics", "WordNet", "TestSupport"]),
        .testTarget(name: "AugmentationTests",
                    dependencies: ["Augmentation", "Attacks", "Basics", "Datasets", "WordNet", "TestSupport"]),
        // AttackFakes: a scripted victim, encoder and swap table for exact expectations in attack tests.
        .target(name: "AttackFakes", dependencies: ["Attacks"], path: "Tests/AttackFakes"),
        .testTarget(name: "AttacksTests",
                    dependencies: ["Attacks", "AttackFakes", "Basics", "Tensors", "Tokenizer", "Transformer", "WordNet",
                                   "TestSupport"],
                    swiftSettings: optimise),
        // WorkflowsTests call the workflows directly: recording, resuming, summaries, the whole eval on a tiny model.
        .testTarget(name: "WorkflowsTests",
                    dependencies: ["Workflows", "Attacks", "AttackFakes", "Analysis", "Augmentation", "Basics", "Datasets", "Reports", "Results",
                                   "Training", "Transformer", "TestSupport"]),
        // RemoteTests run the client against an in-process fake server (slow answers, 429, 500s, dropped
        // connections, malformed JSON).
        .target(name: "FakeServer", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/FakeServer"),
        .testTarget(name: "RemoteTests", dependencies: ["Remote", "Attacks", "Basics", "FakeServer", "TestSupport"]),
        // ReportsTests run gnuplot (they fail, not skip, without it) and the built `robust report`.
        .testTarget(name: "ReportsTests", dependencies: ["Basics", "Reports", "Results", "Analysis", "TestSupport"]),
    ]
)
