// BeforeAfterTests: a report with a retrained run and its parent shows the paired comparison — exact
// accuracies, change, the paired bootstrap interval (recomputed here from scratch), McNemar p — grouped
// by whether training used each attack.
import Analysis
import Basics
import Foundation
import Reports
import Results
import TestSupport
import XCTest

final class BeforeAfterTests: XCTestCase {
    func testRetrainedRunIsComparedWithItsParentGroupedByExposure() throws {
        let folder = try temporaryFolder(self)
        let store = try ResultStore(path: folder.appendingPathComponent("r.db").path)
        let before = try store.beginRun(RunRecord(kind: .eval, robustVersion: "test")).runID
        var afterRecord = RunRecord(kind: .eval, robustVersion: "test", label: "after")
        afterRecord.parentRunID = before
        let after = try store.beginRun(afterRecord).runID
        for index in 0..<20 {
            // Before: every 3rd example falls to both attacks; after: only every 6th falls to "wordswap".
            try store.recordExample(attackExample(index, run: before, recipe: "wordswap", success: index % 3 == 0))
            try store.recordExample(attackExample(index, run: before, recipe: "charflip", success: index % 3 == 0))
            try store.recordExample(attackExample(index, run: after, recipe: "wordswap", success: index % 6 == 0))
            try store.recordExample(attackExample(index, run: after, recipe: "charflip", success: index % 3 == 0))
        }
        for run in [before, after] {
            for recipe in ["wordswap", "charflip"] { try store.recordSummaryMetrics(run: run, recipe: recipe) }
            try store.markRun(run, status: .finished)
        }
        try store.recordMetrics([
            MetricRecord(runID: after, recipe: "wordswap", name: "trained_against", value: 2),
            MetricRecord(runID: after, recipe: "charflip", name: "trained_against", value: 0),
        ])

        let content = ReportContent(data: try ReportData.load(from: store, runs: [before, after]), title: nil, examplesPerRecipe: 0)
        let table = try XCTUnwrap(content.beforeAfter)
        // Correct under attack: not clean-wrong (every 5th) and not attacked successfully.
        func accuracy(_ falls: (Int) -> Bool) -> Double { Double((0..<20).filter { $0 % 5 != 0 && !falls($0) }.count) / 20 }
        let wordswapBefore = accuracy { $0 % 3 == 0 }, wordswapAfter = accuracy { $0 % 6 == 0 }
        XCTAssertEqual(table.rows.map { $0[2] }, ["wordswap", "charflip"], "used in training first, then unused")
        // Examples 3 and 9 turn right (wordswap no longer breaks them): changes +1 there, 0 elsewhere.
        let wordswapInterval = Self.pairedInterval(before: (0..<20).map { $0 % 5 != 0 && $0 % 3 != 0 },
                                                   after: (0..<20).map { $0 % 5 != 0 && $0 % 6 != 0 })
        XCTAssertLessThan(wordswapInterval.low, 0.10)
        XCTAssertGreaterThan(wordswapInterval.high, 0.10)
        XCTAssertEqual(table.rows[0], [String(before), String(after), "wordswap", "used in training",
                                       String(format: "%.1f%%", wordswapBefore * 100), String(format: "%.1f%%", wordswapAfter * 100),
                                       String(format: "%+.1f", (wordswapAfter - wordswapBefore) * 100),
                                       String(format: "%+.1f – %+.1f", wordswapInterval.low * 100, wordswapInterval.high * 100),
                                       "0.50"])
        // Examples 3 and 9 turn right (15 was clean-wrong): McNemar 0 vs 2 gives p = 0.5; charflip is unchanged.
        XCTAssertEqual(table.rows[1][3], "not used in training")
        XCTAssertEqual(table.rows[1][6], "+0.0")
        XCTAssertEqual(table.rows[1][7], "+0.0 – +0.0")
        XCTAssertEqual(table.rows[1][8], "1.00")
        XCTAssertFalse(content.otherMetrics?.rows.contains { $0.contains("trained_against") } ?? false,
                       "the exposure codes are shown in the comparison, not as other metrics")
    }

    /// The report's paired interval, written out here: the per-example changes after − before (1 turned
    /// right, −1 turned wrong, 0 unchanged) in example order, 1,000 resamples of n indices drawn with
    /// SeededRandom(Bootstrap's seed).below(n), and the 2.5% and 97.5% percentiles of the resampled means
    /// interpolated between order statistics (R's type 7).
    static func pairedInterval(before: [Bool], after: [Bool]) -> (low: Double, high: Double) {
        let changes = zip(before, after).map { Double($1 ? 1 : 0) - Double($0 ? 1 : 0) }
        var random = SeededRandom(seed: 0x5EED_0F_B007)
        var means: [Double] = []
        for _ in 0..<1000 {
            var total = 0.0
            for _ in changes.indices { total += changes[random.below(changes.count)] }
            means.append(total / Double(changes.count))
        }
        means.sort()
        func percentile(_ q: Double) -> Double {
            let position = q * Double(means.count - 1)
            let below = Int(position.rounded(.down)), above = min(below + 1, means.count - 1)
            return means[below] + (position - Double(below)) * (means[above] - means[below])
        }
        return (percentile(0.025), percentile(0.975))
    }
}
