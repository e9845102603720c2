// ResultsDatabaseFuzz (fuzz-results-db): the results database opened from a file of arbitrary bytes, as the
// commands open it. Read-only, through `RunQueries` (`robust runs`, `show`, `compare`, `baseline save`,
// `gate`): every run listed, shown, compared with the first, saved as a baseline and gated against it.
// When the input's length is odd, also read-write (`ResultStore(access: .existing)`, as `eval --resume` and
// every writer open it: integrity check, migration), with a new run recorded on top and read back.
//
// An input must be refused or fail with a one-line error (UserError, ResultStoreError); a baseline that
// `baseline save` makes must read back (Baseline.parse) and pass its own gate. SQLite itself is the system
// library and is not instrumented; the Swift and GRDB code around it is.
import Analysis
import Basics
import Foundation
import FuzzSupport
import Results
import Workflows

@main
enum ResultsDatabaseFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let folder = Fuzz.writeScratch(["robust.db": bytes])
    let path = folder.appendingPathComponent("robust.db").path
    if let queries = try? RunQueries(database: path) { readEverything(queries) }
    guard bytes.count % 2 == 1 else { return 0 }
    do {
        let store = try ResultStore(path: path, access: .existing, options: ResultStore.Options(busyTimeout: 0.05, busyRetries: 0))
        let run = try store.beginRun(RunRecord(kind: .eval, robustVersion: "fuzz"))
        try store.recordMetric(run: run.runID, recipe: "clean", name: "accuracy", value: 0.5)
        try store.markRun(run.runID, status: .finished)
        Fuzz.check(try store.metrics(run: run.runID).map(\.value) == [0.5], "the recorded metric did not read back")
    } catch is ResultStoreError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    return 0
}

/// What the read-only commands do with a store; one-line errors are fine, traps are not.
func readEverything(_ queries: RunQueries) {
    guard let listing = try? queries.list(RunFilter(), limit: 20) else { return }
    for run in listing.runs {
        _ = queries.displayStatus(run)
        _ = try? queries.details(run: run.runID, recipe: nil, examples: 5)
        if let first = listing.runs.first { _ = try? queries.compare(first.runID, run.runID) }
        guard let baseline = try? queries.baseline(run: run.runID, tolerance: 0.02, description: "fuzz") else { continue }
        let text = baseline.jsonText()
        let reread: Baseline
        do { reread = try Baseline.parse(Data(text.utf8), path: "saved.json") } catch {
            Fuzz.fail("`baseline save` of run \(run.runID) writes a file that does not read back: \(error)\n\(text)")
        }
        if let report = try? queries.gate(reread, baselinePath: "saved.json", run: run.runID, alpha: 0.05) {
            Fuzz.check(report.exitCode == 0, "run \(run.runID) fails the gate of its own baseline:\n\(report.markdown())")
        }
    }
}
