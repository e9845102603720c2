// BaselineFuzz (fuzz-baseline): the CI gate's baseline files, `Baseline.parse` (baselines/*.json), and the
// gate judging a run against an accepted one.
//
// An input must be refused with a BaselineError, or be a baseline that survives its own writer (jsonText()
// parses back to an equal baseline) and that a run with exactly its values passes (`Gate.evaluate`).
import Analysis
import Foundation
import FuzzSupport
import Results

@main
enum BaselineFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let baseline: Baseline
    do {
        baseline = try Baseline.parse(Data(bytes), path: "fuzz.json")
    } catch is BaselineError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    let text = baseline.jsonText()
    do {
        let reread = try Baseline.parse(Data(text.utf8), path: "rewritten.json")
        Fuzz.check(reread == baseline, "the rewritten baseline reads back differently:\n\(text)")
    } catch {
        Fuzz.fail("the rewritten baseline is refused: \(error)\n\(text)")
    }
    // A run that reproduces the baseline exactly passes its gate.
    let runID = baseline.sourceRun.id
    let metrics = baseline.metrics.map { MetricRecord(runID: runID, recipe: $0.recipe, name: $0.name, value: $0.value) }
    let report = Gate.evaluate(baseline: baseline, baselinePath: "fuzz.json", runID: runID, metrics: metrics, examples: [])
    _ = report.markdown()
    Fuzz.check(report.exitCode == 0, "a run equal to the baseline fails the gate:\n\(report.markdown())")
    // A run worse on every metric is judged without trapping (its verdicts are not checked).
    let worse = baseline.metrics.map {
        MetricRecord(runID: runID, recipe: $0.recipe, name: $0.name,
                     value: $0.value + ($0.higherIsBetter ? -1 : 1) * (2 * $0.tolerance + 1))
    }
    _ = Gate.evaluate(baseline: baseline, baselinePath: "fuzz.json", runID: runID, metrics: worse, examples: []).markdown()
    return 0
}
