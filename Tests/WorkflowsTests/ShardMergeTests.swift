// ShardMergeTests: a sharded eval merged with `robust merge`'s workflow equals the same eval in one process, bit
// for bit (examples, metrics with their intervals, curves, audit checks), for 1, 3 and 7 shards of the tiny fixture
// model; and what merge refuses or forgives: shards of another run, a shard given twice, missing and unfinished
// shards (refused, or merged partially and completed later), a merged shard merged again (nothing changes) or a
// different copy of it (refused), corrupt and newer-schema shard databases, and a killed shard resumed.
import Analysis
import Attacks
import Basics
import Datasets
import Foundation
import Results
import TestSupport
import Training
import Transformer
import Workflows
import XCTest

extension WorkflowTests {
    /// Everything of a run that must not depend on how it was split: every example field but its timing, every
    /// metric but timings, every curve point, every audit check. Doubles compared by their bits.
    func comparable(_ path: String, run: Int64) throws -> [String] {
        let store = try ResultStore(path: path, access: .readOnly)
        func bits(_ value: Double?) -> String { value.map { String($0.bitPattern, radix: 16) } ?? "nil" }
        var lines = try store.examples(run: run).map { e in
            [e.recipe, "\(e.exampleIndex)", e.text, e.gold, e.cleanPrediction, e.adversarialText ?? "nil", e.adversarialPrediction ?? "nil",
             e.status.rawValue, "\(e.queries)", "\(e.wordsChanged)", "\(e.wordsTotal)", bits(e.similarity), e.detailJSON ?? "nil"]
                .joined(separator: "|")
        }
        lines += try store.metrics(run: run).filter { !$0.name.contains("seconds") }.map {
            "metric|\($0.recipe)|\($0.name)|\(bits($0.value))|\(bits($0.low))|\(bits($0.high))"
        }
        lines += try store.curves(run: run).map { "curve|\($0.recipe)|\($0.curve)|\($0.xName)|\(bits($0.x))|\($0.yName)|\(bits($0.y))" }
        lines += try store.auditChecks(run: run).map {
            "check|\($0.recipe)|\($0.exampleIndex)|\($0.audit)|\($0.checkName)|\(bits($0.value))|\($0.passed)|\($0.detail ?? "nil")"
        }
        return lines.sorted()
    }

    func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, sql)
    }

    func merge(_ shards: [String], into: String, partial: Bool = false) throws -> MergeWorkflow.Outcome {
        var workflow = MergeWorkflow(shards: shards, into: into)
        workflow.partial = partial
        return try workflow.run(reporter: SilentReporter())
    }

    func assertMergeRefused(_ shards: [String], into: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try merge(shards, into: into), file: file, line: line) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains(expected), "expected “\(expected)” in: \(message)", file: file, line: line)
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        }
    }

    func testShardedEvalMergesToExactlyTheOneProcessRun() throws {
        let db = folder.appendingPathComponent("train.db").path
        let out = folder.appendingPathComponent("tiny")
        _ = try trainTiny(out, database: db, epochs: 16)   // as scripts/ci-gate.sh: attacks succeed on it
        let model = try ModelHandle(directory: out)
        let data = try dataset()
        let examples = Array(try XCTUnwrap(data.examples("test")).prefix(20))
        func evalPlan(_ database: String, shard: ShardSpec? = nil) throws -> EvaluationPlan {
            var plan = try plan(data, examples: examples, suite: try RecipeLoading.load(["deepwordbug", "fgsm-sweep"]), database: database)
            plan.selection = ExampleSelection(split: "test", limit: 20)
            plan.audit = try RunAudit.load("default")
            plan.shard = shard
            return plan
        }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        let one = try EvalWorkflow(model: model, plan: try evalPlan(path("one.db"))).run(reporter: SilentReporter())
        let expected = try comparable(path("one.db"), run: one.runID)
        let oneStore = try ResultStore(path: path("one.db"), access: .readOnly)
        XCTAssertGreaterThan(try oneStore.examples(run: one.runID, recipe: "deepwordbug").filter { $0.status == .success }.count, 0)
        XCTAssertFalse(try oneStore.auditChecks(run: one.runID).isEmpty, "the audit's checks are compared too")
        XCTAssertFalse(try oneStore.curves(run: one.runID).isEmpty, "the curves are compared too")
        let oneConfig = try oneStore.run(one.runID).configJSON

        for count in [1, 3, 7] {
            var shardPaths: [String] = []
            for index in 1...count {
                let shardPath = path("s\(count)-\(index).db")
                let outcome = try EvalWorkflow(model: model, plan: try evalPlan(shardPath, shard: try ShardSpec(index: index, count: count)))
                    .run(reporter: SilentReporter())
                let stored = try ResultStore(path: shardPath, access: .readOnly).examples(run: outcome.runID, recipe: "clean")
                XCTAssertEqual(stored.map(\.exampleIndex), try ShardSpec(index: index, count: count).members(of: 20),
                               "shard \(index)/\(count) records its members under their indices in the selection")
                shardPaths.append(shardPath)
            }
            let merged = try merge(shardPaths.reversed(), into: path("merged\(count).db"))
            XCTAssertEqual(merged.merged, Array(1...count))
            XCTAssertTrue(merged.complete)
            XCTAssertEqual(try comparable(path("merged\(count).db"), run: merged.runID), expected, "\(count) shards merged = one process")
            let store = try ResultStore(path: path("merged\(count).db"), access: .readOnly)
            let run = try store.run(merged.runID)
            XCTAssertEqual(run.status, .finished)
            XCTAssertEqual(run.configJSON, oneConfig, "the merged run's configuration is one process's")
            let shards = try store.mergedShards(run: merged.runID)
            XCTAssertEqual(shards.map(\.shardIndex), Array(1...count))
            for row in shards {
                let child = try store.run(try XCTUnwrap(row.childRunID))
                XCTAssertEqual(child.parentRunID, merged.runID)
                XCTAssertEqual(child.label, "shard \(row.shardIndex)/\(count)")
            }
        }

        // Merging the same shards again changes nothing.
        let three = (1...3).map { path("s3-\($0).db") }
        let before = try comparable(path("merged3.db"), run: 1)
        let again = try merge(three, into: path("merged3.db"))
        XCTAssertEqual(again.runID, 1)
        XCTAssertEqual(again.merged, [])
        XCTAssertEqual(again.alreadyMerged, [1, 2, 3])
        XCTAssertEqual(try comparable(path("merged3.db"), run: 1), before)
        XCTAssertEqual(try ResultStore(path: path("merged3.db"), access: .readOnly).runs().count, 4, "the merged run and its 3 shards")

        // Refused, with nothing written: shards of other runs, a shard twice, missing shards.
        assertMergeRefused([path("s3-1.db"), path("s7-2.db")], into: path("x.db"), "is one of 7 shards, not 3")
        assertMergeRefused([path("s3-1.db"), path("s3-2.db"), path("s3-3.db"), path("one.db")], into: path("x.db"),
                           "holds no sharded run")
        try FileManager.default.copyItem(atPath: path("s3-2.db"), toPath: path("seed.db"))
        try sqlite(path("seed.db"), "UPDATE runs SET seed = 4")
        assertMergeRefused([path("s3-1.db"), path("seed.db"), path("s3-3.db")], into: path("x.db"), "its seed differs (4 against 3)")
        try FileManager.default.copyItem(atPath: path("s3-2.db"), toPath: path("copy.db"))
        assertMergeRefused([path("s3-1.db"), path("s3-2.db"), path("copy.db")], into: path("x.db"), "shard 2/3 is given twice")
        assertMergeRefused([path("s3-1.db"), path("s3-3.db")], into: path("x.db"), "shards 2 of 3 are missing (2 not given)")
        XCTAssertEqual(try ResultStore(path: path("x.db"), access: .readOnly).runs(), [], "nothing merged")
        // A different copy of a merged shard.
        try sqlite(path("copy.db"), "UPDATE examples SET text = text || ' changed' WHERE recipe = 'clean'")
        assertMergeRefused([path("s3-1.db"), path("copy.db"), path("s3-3.db")], into: path("merged3.db"), "holds different results")
        XCTAssertEqual(try comparable(path("merged3.db"), run: 1), before)
        // Damaged and newer databases.
        try Data("not a database at all, just text".utf8).write(to: URL(fileURLWithPath: path("garbage.db")))
        assertMergeRefused([path("s3-1.db"), path("garbage.db")], into: path("x.db"), "garbage.db")
        try FileManager.default.copyItem(atPath: path("s3-2.db"), toPath: path("newer.db"))
        try sqlite(path("newer.db"), "PRAGMA user_version = 99")
        assertMergeRefused([path("s3-1.db"), path("newer.db")], into: path("x.db"), "newer")

        // Partial: two shards now, the last later; the run is partial in between, then exactly one process's.
        let partial = try merge([path("s3-1.db"), path("s3-3.db")], into: path("partial.db"), partial: true)
        XCTAssertEqual(partial.missing, [2])
        let queries = try RunQueries(database: path("partial.db"))
        let listing = try queries.list(RunFilter(), limit: nil)
        let mergedRun = try XCTUnwrap(listing.runs.first { $0.runID == partial.runID })
        XCTAssertEqual(queries.displayStatus(mergedRun, in: listing), "partial: 2/3 shards, missing 2")
        XCTAssertEqual(mergedRun.status, .interrupted)
        XCTAssertThrowsError(try queries.gate(Baseline.make(run: try oneStore.run(one.runID), metrics: try oneStore.metrics(run: one.runID),
                                                             examples: try oneStore.examples(run: one.runID), tolerance: 0.05, description: nil),
                                              baselinePath: "b.json", run: partial.runID, alpha: 0.05), "a partial run is not gated")
        let completed = try merge([path("s3-2.db")], into: path("partial.db"))
        XCTAssertEqual(completed.runID, partial.runID)
        XCTAssertEqual(completed.alreadyMerged, [1, 3])
        XCTAssertTrue(completed.complete)
        XCTAssertEqual(try comparable(path("partial.db"), run: partial.runID), expected)

        // A shard killed part-way: refused until resumed, then merged to the same result.
        try FileManager.default.copyItem(atPath: path("s3-2.db"), toPath: path("killed.db"))
        try sqlite(path("killed.db"), "DELETE FROM examples WHERE recipe = 'fgsm-sweep' AND example_index > 5; DELETE FROM metrics WHERE recipe = 'fgsm-sweep'; DELETE FROM curves; UPDATE runs SET status = 'running', finished_at = NULL")
        assertMergeRefused([path("s3-1.db"), path("killed.db"), path("s3-3.db")], into: path("y.db"),
                           "shards 2 of 3 are missing (2 not finished)")
        var resumed = EvalWorkflow(model: model, plan: try evalPlan(path("killed.db"), shard: try ShardSpec(index: 2, count: 3)))
        resumed.resume = 1
        _ = try resumed.run(reporter: SilentReporter())
        let afterResume = try merge([path("s3-1.db"), path("killed.db"), path("s3-3.db")], into: path("y.db"))
        XCTAssertEqual(try comparable(path("y.db"), run: afterResume.runID), expected)
    }
}

extension WorkflowTests {
    /// A2T with its harvests split over shards (paused training, harvest shards, merge, resume) ends with the same
    /// weights, byte for byte, as A2T in one process.
    func testA2THarvestSplitOverShardsTrainsTheSameWeights() throws {
        let base = folder.appendingPathComponent("base")
        _ = try trainTiny(base, database: folder.appendingPathComponent("base.db").path, epochs: 16)
        var settings = TrainerSettings()
        (settings.epochs, settings.batchSize, settings.learningRate, settings.maxLength, settings.seed, settings.patience) =
            (2, 16, 1e-3, 24, 5, nil)
        settings.discreteAdversarial = DiscreteAdversarialTraining(recipes: ["deepwordbug"], fraction: 0.1, startEpoch: 1)
        func workflow(_ out: String, _ database: String) throws -> TrainingWorkflow {
            var workflow = TrainingWorkflow(model: base.path, dataset: try dataset(), settings: settings,
                                            out: folder.appendingPathComponent(out), database: folder.appendingPathComponent(database).path)
            workflow.encoderPath = TestPaths.miniLM.path
            return workflow
        }
        let one = try workflow("one", "one.db").run(reporter: SilentReporter())
        XCTAssertNil(one.paused)
        let oneStore = try ResultStore(path: folder.appendingPathComponent("one.db").path, access: .readOnly)
        XCTAssertGreaterThan(try oneStore.examples(run: one.runID).filter { $0.recipe.hasPrefix("a2t-") && $0.status == .success }.count, 0,
                             "the harvests must find adversarial examples for the comparison to mean something")

        var paused = try workflow("split", "split.db")
        paused.a2tPause = true
        for (epoch, count) in [(1, 3), (2, 2)] {
            let stopped = try paused.run(reporter: SilentReporter())
            XCTAssertEqual(stopped.paused?.epoch, epoch)
            XCTAssertEqual(try ResultStore(path: folder.appendingPathComponent("split.db").path, access: .readOnly).run(stopped.runID).status,
                           .interrupted, "a paused training is resumable")
            var shards: [String] = []
            for index in 1...count {
                var harvester = try workflow("split", "h\(epoch)-\(index).db")
                harvester.resume = true
                let outcome = try harvester.harvestShard(try ShardSpec(index: index, count: count), reporter: SilentReporter())
                XCTAssertEqual(outcome.epoch, epoch)
                shards.append(folder.appendingPathComponent("h\(epoch)-\(index).db").path)
            }
            XCTAssertThrowsError(try merge(Array(shards.dropLast()), into: folder.appendingPathComponent("split.db").path), "a shard missing")
            XCTAssertTrue(try merge(shards, into: folder.appendingPathComponent("split.db").path).complete)
            paused.resume = true
        }
        let finished = try paused.run(reporter: SilentReporter())
        XCTAssertNil(finished.paused)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("split/model.safetensors")),
                       try Data(contentsOf: folder.appendingPathComponent("one/model.safetensors")),
                       "the same adversarial examples, so the same weights")
        // A harvest shard with nothing due is refused.
        var late = try workflow("split", "late.db")
        late.resume = true
        XCTAssertThrowsError(try late.harvestShard(try ShardSpec(index: 1, count: 2), reporter: SilentReporter()))
    }
}
