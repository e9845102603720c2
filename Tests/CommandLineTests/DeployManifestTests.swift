// DeployManifestTests: the deployment files in deploy/ keep the shape a sharded run needs, checked without a
// cluster or a container runtime.
//  - deploy/kubernetes/eval-indexed-job.yaml (parsed with Yams, every document): an Indexed Job with one pod per
//    shard (completions = its `--shards`), retried per index (backoffLimitPerIndex, restartPolicy Never), one
//    writer per shard file (podReplacementPolicy Failed, `--db …$(JOB_COMPLETION_INDEX)…` on the claimed
//    volume), a merge Job naming exactly shards 0…completions-1 and `--into`, the claim both Jobs mount,
//    images, resources, and every `--option` a real option of the robust subcommand it is given to (from the
//    built binary's `--help`);
//  - deploy/Containerfile: a Swift build stage and a slimmer runtime stage on the same Debian release, the
//    project's Debian packages (scripts/lib/setup-common.sh) installed in the build stage and the run-time
//    library of each one the binary needs in the runtime stage, and the base model and datasets where the
//    image's environment says they are.
import Foundation
import TestSupport
import XCTest
import Yams

final class DeployManifestTests: XCTestCase {
    static let manifestPath = "deploy/kubernetes/eval-indexed-job.yaml"
    static let containerfilePath = "deploy/Containerfile"
    static let setupCommonPath = "scripts/lib/setup-common.sh"
    /// The options sharding adds to `robust eval`; checked against the binary only once it has them.
    static let shardingOptions: Set<String> = ["--shard", "--shards"]
    static let indexVariable = "JOB_COMPLETION_INDEX"
    static let indexField = "batch.kubernetes.io/job-completion-index"

    // MARK: - The Kubernetes manifest

    func testManifestHoldsTheClaimTheEvalJobAndTheMergeJob() throws {
        let manifest = try Manifest.load()
        for (position, document) in manifest.documents.enumerated() {
            XCTAssertNotNil(document.string("apiVersion"), "document \(position + 1) has no apiVersion")
            XCTAssertNotNil(document.string("kind"), "document \(position + 1) has no kind")
            XCTAssertNotNil(document.string("metadata", "name"), "document \(position + 1) has no metadata.name")
        }
        XCTAssertEqual(manifest.documents.count, 3, "expected a PersistentVolumeClaim, the eval Job and the merge Job")
        XCTAssertEqual(manifest.claims.count, 1, "expected one PersistentVolumeClaim")
        XCTAssertEqual(manifest.jobs.count, 2, "expected two Jobs")
        _ = try manifest.evalJob()
        _ = try manifest.mergeJob()
    }

    func testEvalJobRunsOnePodPerShard() throws {
        let manifest = try Manifest.load()
        let job = try manifest.evalJob()
        XCTAssertEqual(job.string("apiVersion"), "batch/v1")
        XCTAssertEqual(job.string("spec", "completionMode"), "Indexed")
        let completions = try XCTUnwrap(job.int("spec", "completions"), "spec.completions must be a number")
        let shards = try XCTUnwrap(job.evalArguments.value(of: "--shards"), "the eval container must pass --shards")
        XCTAssertEqual(Int(shards), completions, "--shards \(shards) must equal the Job's completions (\(completions)): one pod per shard")
        XCTAssertNil(job.evalArguments.value(of: "--shard"), "--shard K/N fixes one shard for every pod; an Indexed Job passes --shards N")
        let parallelism = try XCTUnwrap(job.int("spec", "parallelism"), "spec.parallelism must be a number")
        XCTAssertTrue((1...completions).contains(parallelism), "parallelism \(parallelism) must be 1…\(completions)")

        // Failures are counted per shard, and a shard's retry never runs beside its previous pod.
        let perIndex = try XCTUnwrap(job.int("spec", "backoffLimitPerIndex"), "spec.backoffLimitPerIndex must be set")
        XCTAssertGreaterThanOrEqual(perIndex, 0)
        let maxFailed = try XCTUnwrap(job.int("spec", "maxFailedIndexes"), "spec.maxFailedIndexes must be set")
        XCTAssertTrue((0..<completions).contains(maxFailed), "maxFailedIndexes \(maxFailed) must be below completions \(completions)")
        XCTAssertEqual(job.string("spec", "template", "spec", "restartPolicy"), "Never",
                       "backoffLimitPerIndex (and podFailurePolicy) require restartPolicy Never")
        XCTAssertEqual(job.string("spec", "podReplacementPolicy"), "Failed",
                       "a retried index must start only when its previous pod is gone: two pods must never write one shard file")
        if let rules = job.value("spec", "podFailurePolicy", "rules") {
            let list = try XCTUnwrap(rules as? [Any], "podFailurePolicy.rules must be a list")
            let containers = Set(job.containers.compactMap { $0.string("name") })
            for case let rule as [AnyHashable: Any] in list {
                XCTAssertTrue(["Ignore", "FailJob", "FailIndex", "Count"].contains(rule.string("action") ?? ""),
                              "unknown podFailurePolicy action \(rule.string("action") ?? "none")")
                if let name = rule.string("onExitCodes", "containerName") {
                    XCTAssertTrue(containers.contains(name), "podFailurePolicy names container \(name), which the Job does not have")
                }
            }
        }

        // Each pod writes its own database, on the claimed volume.
        let database = try XCTUnwrap(job.evalArguments.value(of: "--db"), "the eval container must pass --db")
        XCTAssertTrue(database.contains("$(\(Self.indexVariable))"),
                      "--db \(database) must contain $(\(Self.indexVariable)), so that each pod writes its own file")
        XCTAssertTrue(database.hasSuffix(".db"), "--db \(database)")
        let mount = try XCTUnwrap(job.claimMountPath(of: try manifest.claimName()), "the eval container must mount the claim")
        XCTAssertTrue(database.hasPrefix(mount + "/"), "--db \(database) must be on the claimed volume, mounted at \(mount)")
    }

    func testEvalJobsVariablesAreAllDefined() throws {
        let job = try Manifest.load().evalJob()
        let container = try XCTUnwrap(job.containers.first)
        let env = (container.value("env") as? [Any] ?? []).compactMap { $0 as? [AnyHashable: Any] }
        var defined = Set(env.compactMap { $0.string("name") })
        // The Job controller adds JOB_COMPLETION_INDEX to an Indexed Job's containers unless one defines it; one
        // that does must read the pod's completion index (annotation, or label where PodIndexLabel is on).
        if let own = env.first(where: { $0.string("name") == Self.indexVariable }) {
            let field = own.string("valueFrom", "fieldRef", "fieldPath") ?? ""
            XCTAssertTrue(["metadata.annotations['\(Self.indexField)']", "metadata.labels['\(Self.indexField)']"].contains(field),
                          "\(Self.indexVariable) must come from the pod's \(Self.indexField), not \(field)")
        }
        defined.insert(Self.indexVariable)
        // Kubernetes leaves a $(NAME) it cannot resolve in args as it is: every one must be defined.
        let arguments = (container.value("command") as? [Any] ?? []) + (container.value("args") as? [Any] ?? [])
        for case let argument as String in arguments {
            for name in Self.references(in: argument) {
                XCTAssertTrue(defined.contains(name), "\(argument) refers to $(\(name)), which the container does not define")
            }
        }
    }

    func testMergeJobMergesExactlyTheEvalJobsShards() throws {
        let manifest = try Manifest.load()
        let eval = try manifest.evalJob()
        let merge = try manifest.mergeJob()
        XCTAssertEqual(merge.string("apiVersion"), "batch/v1")
        XCTAssertNotEqual(merge.string("spec", "completionMode"), "Indexed", "one merge, not one per index")
        XCTAssertNotEqual(merge.int("spec", "parallelism") ?? 1, 0)
        XCTAssertTrue(["Never", "OnFailure"].contains(merge.string("spec", "template", "spec", "restartPolicy") ?? ""))
        let completions = try XCTUnwrap(eval.int("spec", "completions"))
        let database = try XCTUnwrap(eval.evalArguments.value(of: "--db"))
        let expected = (0..<completions).map { database.replacingOccurrences(of: "$(\(Self.indexVariable))", with: String($0)) }
        let arguments = merge.mergeArguments
        XCTAssertEqual(arguments.subcommand, "merge")
        XCTAssertEqual(arguments.positional, expected, "the merge must list exactly the eval Job's shards 0…\(completions - 1)")
        let into = try XCTUnwrap(arguments.value(of: "--into"), "the merge must pass --into RUN.db")
        XCTAssertFalse(expected.contains(into), "--into \(into) must not be one of the shards")
        // Both Jobs see the shard files at the same paths.
        let claim = try manifest.claimName()
        XCTAssertEqual(merge.claimMountPath(of: claim), eval.claimMountPath(of: claim),
                       "the merge must mount the claim where the eval Job does, so that the shard paths name the same files")
        if let mount = merge.claimMountPath(of: claim) {
            XCTAssertTrue(into.hasPrefix(mount + "/"), "--into \(into) must be on the claimed volume (\(mount))")
        }
    }

    func testBothJobsMountTheClaimInThisFile() throws {
        let manifest = try Manifest.load()
        let claim = try manifest.claimName()
        let document = try XCTUnwrap(manifest.claims.first)
        let modes = document.value("spec", "accessModes") as? [Any] ?? []
        XCTAssertTrue(modes.contains { $0 as? String == "ReadWriteMany" },
                      "pods of both Jobs, on any node, mount the claim: it must be ReadWriteMany")
        XCTAssertNotNil(document.value("spec", "resources", "requests", "storage"), "the claim must request storage")
        for job in [try manifest.evalJob(), try manifest.mergeJob()] {
            let name = job.string("metadata", "name") ?? "?"
            let claims = job.volumes.compactMap { $0.string("persistentVolumeClaim", "claimName") }
            XCTAssertFalse(claims.isEmpty, "job \(name) mounts no PersistentVolumeClaim")
            for other in claims {
                XCTAssertEqual(other, claim, "job \(name) mounts claim \(other), which this file does not define")
            }
            XCTAssertNotNil(job.claimMountPath(of: claim), "job \(name)'s container does not mount the claim's volume")
        }
    }

    func testContainersHaveAnImageAndResources() throws {
        let manifest = try Manifest.load()
        var images: Set<String> = []
        for job in manifest.jobs {
            let name = job.string("metadata", "name") ?? "?"
            XCTAssertFalse(job.containers.isEmpty, "job \(name) has no container")
            for container in job.containers {
                let image = container.string("image") ?? ""
                XCTAssertFalse(image.trimmingCharacters(in: .whitespaces).isEmpty, "job \(name): a container has no image")
                images.insert(image)
                for kind in ["requests", "limits"] {
                    for resource in ["cpu", "memory"] {
                        XCTAssertNotNil(container.value("resources", kind, resource), "job \(name): no resources.\(kind).\(resource)")
                    }
                }
                // Kubernetes takes command and args as lists of strings; a bare number is refused.
                for key in ["command", "args"] {
                    for argument in container.value(key) as? [Any] ?? [] {
                        XCTAssertTrue(argument is String, "job \(name): \(key) item \(argument) must be a string (quote it)")
                    }
                }
            }
        }
        XCTAssertEqual(images.count, 1, "both Jobs must run the same image (the merge checks the shards come from one robust build)")
    }

    func testEvalOptionsAreOptionsOfRobustEval() throws {
        let job = try Manifest.load().evalJob()
        let arguments = job.evalArguments
        XCTAssertEqual(arguments.subcommand, "eval")
        let help = try XCTUnwrap(try Self.help(of: "eval", folder: temporaryFolder(self)), "robust eval --help did not print eval's help")
        let available = help.options
        for option in arguments.options where !Self.shardingOptions.contains(option) {
            XCTAssertTrue(available.contains(option), "robust eval has no option \(option)")
        }
    }

    func testEvalShardingOptionsAreOptionsOfRobustEval() throws {
        let job = try Manifest.load().evalJob()
        let available = try XCTUnwrap(try Self.help(of: "eval", folder: temporaryFolder(self))).options
        let used = job.evalArguments.options.filter { Self.shardingOptions.contains($0) }
        XCTAssertFalse(used.isEmpty, "the eval Job passes neither --shard nor --shards")
        if available.isDisjoint(with: Self.shardingOptions) {
            throw XCTSkip("this robust eval has no --shard/--shards yet (sharding is not in the binary); \(used.joined(separator: ", ")) unchecked")
        }
        for option in used {
            XCTAssertTrue(available.contains(option), "robust eval has no option \(option)")
        }
    }

    func testMergeOptionsAreOptionsOfRobustMerge() throws {
        let job = try Manifest.load().mergeJob()
        guard let help = try Self.help(of: "merge", folder: temporaryFolder(self)) else {
            throw XCTSkip("robust has no merge command yet (`robust merge --help` does not print merge's help)")
        }
        let arguments = job.mergeArguments(flags: help.flags)
        XCTAssertFalse(arguments.options.isEmpty)
        for option in arguments.options {
            XCTAssertTrue(help.options.contains(option), "robust merge has no option \(option)")
        }
    }

    // MARK: - The Containerfile

    func testContainerfileHasABuildStageAndARuntimeStage() throws {
        let file = try Containerfile.load()
        XCTAssertGreaterThanOrEqual(file.stages.count, 2, "expected a build stage and a runtime stage")
        let build = try XCTUnwrap(file.stages.first), runtime = try XCTUnwrap(file.stages.last)
        XCTAssertNotNil(build.name, "the build stage needs a name (FROM … AS build) for the runtime stage's COPY --from")
        XCTAssertTrue(build.image.hasPrefix("swift:6."), "the build stage must start from the official Swift 6 image, not \(build.image)")
        XCTAssertFalse(build.image.hasSuffix("-slim"), "the build stage needs the compiler: \(build.image) is a runtime-only image")
        XCTAssertTrue(build.runs.contains { $0.contains("swift build") && $0.contains("-c release") },
                      "the build stage must run swift build -c release")
        XCTAssertFalse(runtime.image.hasPrefix("swift:") && !runtime.image.hasSuffix("-slim"),
                       "the runtime stage must not carry the Swift toolchain (\(runtime.image))")
        XCTAssertTrue(runtime.copiesFrom(build), "the runtime stage must COPY --from=\(build.name ?? "build")")
        // Same Debian release in both: the binary links the build stage's library sonames (libdnnl.so.2 on bookworm).
        let release = try XCTUnwrap(Containerfile.release(of: build.image), "cannot tell the Debian release of \(build.image)")
        XCTAssertEqual(Containerfile.release(of: runtime.image), release,
                       "the runtime stage (\(runtime.image)) must be the build stage's Debian release (\(release))")
        XCTAssertTrue(runtime.lines.contains { $0.hasPrefix("ENTRYPOINT") || $0.hasPrefix("CMD") }, "the runtime stage runs nothing")
    }

    func testContainerfileInstallsWhatTheBinaryNeeds() throws {
        let file = try Containerfile.load()
        let build = try XCTUnwrap(file.stages.first), runtime = try XCTUnwrap(file.stages.last)
        let packages = try Self.setupPackages()
        XCTAssertFalse(packages.isEmpty, "no APT_PACKAGES in \(Self.setupCommonPath)")

        // The build stage installs them all: with the project's scripts/setup.sh, or by name.
        let buildRuns = build.runs.joined(separator: "\n")
        if !buildRuns.contains("scripts/setup.sh") {
            for package in packages {
                XCTAssertTrue(build.installed.contains(package), "the build stage installs neither \(package) nor runs scripts/setup.sh")
            }
        }

        // The runtime stage installs the run-time package of each one the binary loads or reads.
        let runtimeNeeds: [String: String?] = [
            "libopenblas-dev": "^libopenblas0(-pthread|-openmp|-serial)?$",   // libopenblas.so.0
            "libdnnl-dev": "^libdnnl[0-9]+$",                                  // libdnnl.so.N (bookworm: libdnnl2)
            "libsqlite3-dev": "^libsqlite3-0$",                                 // libsqlite3.so.0
            "sqlite3": "^sqlite3$",                                             // `sqlite3 DB .recover`, as robust's error says
            "wordnet-base": "^wordnet-base$",                                   // /usr/share/wordnet
            "gnuplot-nox": nil,                                                 // `robust report` only
            "libpng-dev": "^libpng16-16$",                                      // libpng16.so.16
            "libjpeg-dev": "^libjpeg62-turbo$",                                 // libjpeg.so.62
            "dataset-fashion-mnist": nil,                                       // `robust data fetch fashion-mnist` only
        ]
        for package in packages {
            guard let entry = runtimeNeeds[package] else {
                XCTFail("\(Self.setupCommonPath) lists \(package), which this test does not know: say in runtimeNeeds whether the image's runtime needs it")
                continue
            }
            guard let pattern = entry else { continue }
            let expression = try NSRegularExpression(pattern: pattern)
            let found = runtime.installed.contains { name in
                expression.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
            }
            XCTAssertTrue(found, "the runtime stage installs no run-time package for \(package) (\(pattern)); it installs \(runtime.installed.sorted())")
        }
        XCTAssertTrue(runtime.copies.contains { $0.hasSuffix("/robust") || $0.hasSuffix("/bin/") }, "the runtime stage does not copy the robust binary")

        // The base model and the datasets are where the runtime environment says.
        for variable in ["ROBUST_BASE_MODEL", "ROBUST_DATA_DIR"] {
            let value = try XCTUnwrap(runtime.environment[variable], "the runtime stage does not set \(variable)")
            XCTAssertTrue(runtime.copies.contains { $0 == value || $0 == value + "/" },
                          "\(variable)=\(value), but the runtime stage copies nothing there")
        }
        if let wordNet = runtime.environment["ROBUST_WORDNET_DIR"] {
            XCTAssertEqual(wordNet, "/usr/share/wordnet", "WordNet comes from wordnet-base")
        }
    }

    // MARK: - Reading the files

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: TestPaths.repoRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The names of `$(NAME)` references in a Kubernetes command or argument (`$$(NAME)` is an escaped literal).
    static func references(in argument: String) -> [String] {
        let expression = try! NSRegularExpression(pattern: #"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)"#)
        return expression.matches(in: argument, range: NSRange(argument.startIndex..., in: argument)).compactMap {
            Range($0.range(at: 1), in: argument).map { String(argument[$0]) }
        }
    }

    /// APT_PACKAGES=(…) of scripts/lib/setup-common.sh.
    static func setupPackages() throws -> [String] {
        let script = try text(setupCommonPath)
        guard let start = script.range(of: "APT_PACKAGES=("),
              let end = script.range(of: ")", range: start.upperBound..<script.endIndex) else { return [] }
        return script[start.upperBound..<end.lowerBound].split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// The long options of `robust SUBCOMMAND --help`'s OPTIONS section, and those of them that take no value.
    struct Help {
        var options: Set<String>
        var flags: Set<String>
    }

    /// The built robust's help for SUBCOMMAND; nil when the command fails or prints another command's help
    /// (an unknown subcommand followed by --help prints robust's own help, with status 0).
    static func help(of subcommand: String, folder: URL) throws -> Help? {
        let result = try runRobust([subcommand, "--help"], folder: folder, timeout: 60)
        guard result.status == 0, result.stdout.contains("USAGE: robust \(subcommand)") else { return nil }
        let heads = optionHeads(inHelp: result.stdout)
        return Help(options: Set(heads.flatMap(\.names)), flags: Set(heads.filter { !$0.takesValue }.flatMap(\.names)))
    }

    /// Each option line of the OPTIONS section: "  -h, --help   Show …", "  --limit, --num-examples <N>".
    static func optionHeads(inHelp help: String) -> [(names: [String], takesValue: Bool)] {
        var heads: [(names: [String], takesValue: Bool)] = []
        var inOptions = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && line.hasSuffix(":") {
                inOptions = line == "OPTIONS:"
                continue
            }
            guard inOptions, line.hasPrefix("  -") else { continue }
            let head = line.dropFirst(2).components(separatedBy: "  ")[0]
            let names = head.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "/" })
                .filter { $0.hasPrefix("--") }.map(String.init)
            heads.append((names, head.contains("<")))
        }
        return heads
    }
}

// MARK: - Manifest

/// The documents of the Kubernetes manifest, as Yams loads them.
struct Manifest {
    var documents: [[AnyHashable: Any]]

    static func load() throws -> Manifest {
        let text = try DeployManifestTests.text(DeployManifestTests.manifestPath)
        var sequence = try Yams.load_all(yaml: text)
        var documents: [[AnyHashable: Any]] = []
        while let document = sequence.next() {
            guard let mapping = document as? [AnyHashable: Any] else {
                throw TestSetupError("\(DeployManifestTests.manifestPath): document \(documents.count + 1) is not a mapping")
            }
            documents.append(mapping)
        }
        if let error = sequence.error { throw error }
        return Manifest(documents: documents)
    }

    var claims: [[AnyHashable: Any]] { documents.filter { $0.string("kind") == "PersistentVolumeClaim" } }
    var jobs: [[AnyHashable: Any]] { documents.filter { $0.string("kind") == "Job" } }

    func claimName() throws -> String {
        guard claims.count == 1, let name = claims[0].string("metadata", "name") else {
            throw TestSetupError("expected one named PersistentVolumeClaim, found \(claims.count)")
        }
        return name
    }

    /// The Job whose container runs `robust SUBCOMMAND`.
    func job(running subcommand: String) throws -> [AnyHashable: Any] {
        let matching = jobs.filter { $0.containers.contains { Arguments(container: $0).subcommand == subcommand } }
        guard matching.count == 1 else { throw TestSetupError("expected one Job running robust \(subcommand), found \(matching.count)") }
        return matching[0]
    }

    func evalJob() throws -> [AnyHashable: Any] { try job(running: "eval") }
    func mergeJob() throws -> [AnyHashable: Any] { try job(running: "merge") }
}

/// A container's command line: `robust SUBCOMMAND` and what follows, from command + args.
struct Arguments {
    var subcommand: String?
    /// `--name` → value (nil for a flag), in order.
    var pairs: [(option: String, value: String?)] = []
    var positional: [String] = []

    /// `flags` are the options that take no value; every other `--name` takes the next argument (or `=value`).
    init(container: [AnyHashable: Any], flags: Set<String> = []) {
        let all = ((container.value("command") as? [Any] ?? []) + (container.value("args") as? [Any] ?? [])).map { "\($0)" }
        guard let robust = all.firstIndex(where: { $0 == "robust" || $0.hasSuffix("/robust") }), robust + 1 < all.count else { return }
        subcommand = all[robust + 1]
        var rest = all[(robust + 2)...].makeIterator()
        while let argument = rest.next() {
            if argument.hasPrefix("--") {
                if let equals = argument.firstIndex(of: "=") {
                    pairs.append((String(argument[..<equals]), String(argument[argument.index(after: equals)...])))
                } else if flags.contains(argument) {
                    pairs.append((argument, nil))
                } else {
                    pairs.append((argument, rest.next()))
                }
            } else {
                positional.append(argument)
            }
        }
    }

    var options: [String] { pairs.map(\.option) }
    func value(of option: String) -> String? { pairs.first { $0.option == option }?.value ?? nil }
}

extension Dictionary where Key == AnyHashable, Value == Any {
    /// The value at a path of mapping keys.
    func value(_ path: String...) -> Any? { value(path) }

    func value(_ path: [String]) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? [AnyHashable: Any])?[key] }
        return current
    }

    func string(_ path: String...) -> String? { value(path) as? String }
    func int(_ path: String...) -> Int? { value(path) as? Int }

    /// A Job's pod containers.
    var containers: [[AnyHashable: Any]] {
        (value("spec", "template", "spec", "containers") as? [Any] ?? []).compactMap { $0 as? [AnyHashable: Any] }
    }

    var volumes: [[AnyHashable: Any]] {
        (value("spec", "template", "spec", "volumes") as? [Any] ?? []).compactMap { $0 as? [AnyHashable: Any] }
    }

    /// Where the Job's robust container mounts the volume backed by `claim`.
    func claimMountPath(of claim: String) -> String? {
        guard let volume = volumes.first(where: { $0.string("persistentVolumeClaim", "claimName") == claim })?.string("name")
        else { return nil }
        for container in containers {
            for case let mount as [AnyHashable: Any] in container.value("volumeMounts") as? [Any] ?? [] where mount.string("name") == volume {
                return mount.string("mountPath").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            }
        }
        return nil
    }

    var evalArguments: Arguments {
        Arguments(container: containers.first { Arguments(container: $0).subcommand == "eval" } ?? [:],
                  flags: ["--no-attacks", "--no-audit", "--json"])
    }

    var mergeArguments: Arguments { mergeArguments(flags: []) }

    func mergeArguments(flags: Set<String>) -> Arguments {
        Arguments(container: containers.first { Arguments(container: $0).subcommand == "merge" } ?? [:], flags: flags)
    }
}

// MARK: - Containerfile

/// The stages of a Containerfile: FROM lines (with ARG defaults substituted), and each stage's instructions.
struct Containerfile {
    struct Stage {
        var image: String
        var name: String?
        /// Instructions, continuation lines joined, comments dropped.
        var lines: [String] = []

        var runs: [String] { lines.filter { $0.hasPrefix("RUN ") } }

        /// Words of `apt-get install` commands (package names and options).
        var installed: Set<String> {
            var names: Set<String> = []
            for run in runs {
                for command in run.components(separatedBy: "&&") where command.contains("apt-get") && command.contains(" install ") {
                    let words = command.components(separatedBy: " install ")[1].split(whereSeparator: \.isWhitespace)
                    names.formUnion(words.filter { !$0.hasPrefix("-") }.map(String.init))
                }
            }
            return names
        }

        /// Destinations of COPY instructions.
        var copies: [String] {
            lines.filter { $0.hasPrefix("COPY ") }.compactMap { $0.split(whereSeparator: \.isWhitespace).last.map(String.init) }
        }

        func copiesFrom(_ stage: Stage) -> Bool {
            guard let name = stage.name else { return false }
            return lines.contains { $0.hasPrefix("COPY ") && $0.contains("--from=\(name) ") }
        }

        /// ENV NAME=VALUE … (and the older ENV NAME VALUE).
        var environment: [String: String] {
            var result: [String: String] = [:]
            for line in lines where line.hasPrefix("ENV ") {
                let words = line.dropFirst(4).split(whereSeparator: \.isWhitespace).map(String.init)
                if words.count == 2, !words[0].contains("=") {
                    result[words[0]] = words[1]
                    continue
                }
                for word in words {
                    guard let equals = word.firstIndex(of: "=") else { continue }
                    result[String(word[..<equals])] = String(word[word.index(after: equals)...])
                }
            }
            return result
        }
    }

    var stages: [Stage] = []

    static func load() throws -> Containerfile {
        let text = try DeployManifestTests.text(DeployManifestTests.containerfilePath)
        var instructions: [String] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            pending += line
            let instruction = pending.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if !instruction.isEmpty { instructions.append(instruction) }
            pending = ""
        }
        var arguments: [String: String] = [:]
        var file = Containerfile()
        for instruction in instructions {
            let words = instruction.split(separator: " ").map(String.init)
            switch words[0].uppercased() {
            case "ARG" where file.stages.isEmpty:
                let parts = words[1].split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { arguments[parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            case "FROM":
                let operands = words.dropFirst().filter { !$0.hasPrefix("--") }
                var image = operands.first ?? ""
                for (name, value) in arguments {
                    image = image.replacingOccurrences(of: "${\(name)}", with: value).replacingOccurrences(of: "$\(name)", with: value)
                }
                let alias = operands.count >= 3 && operands[1].uppercased() == "AS" ? operands[2] : nil
                file.stages.append(Stage(image: image, name: alias))
            default:
                if !file.stages.isEmpty { file.stages[file.stages.count - 1].lines.append(instruction) }
            }
        }
        return file
    }

    /// The Debian release of an image: `swift:6.3-bookworm` → bookworm, `debian:bookworm-slim` → bookworm,
    /// `debian:12` → bookworm.
    static func release(of image: String) -> String? {
        let numbered = ["11": "bullseye", "12": "bookworm", "13": "trixie"]
        let tag = image.split(separator: ":").last.map(String.init) ?? ""
        for part in tag.split(separator: "-").map(String.init) {
            if numbered.values.contains(part) { return part }
            if image.hasPrefix("debian:"), let name = numbered[part] { return name }
        }
        return nil
    }
}
