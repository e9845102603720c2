// ParallelTests: Parallel.forEachRange covers 0..<n exactly once; Parallel.forEach visits each index once per worker slot.
import Foundation
import XCTest
import Tensors

/// Thread-safe visit counter.
private final class Visits: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var counts: [Int]
    private(set) var calls = 0
    private(set) var emptyRanges = 0
    private(set) var workerIDs: Set<Int> = []
    private var busy: Set<Int> = []
    private(set) var overlappingWorker = false

    init(_ count: Int) { counts = [Int](repeating: 0, count: count) }

    func visit(_ range: Range<Int>) {
        lock.lock(); defer { lock.unlock() }
        calls += 1
        if range.isEmpty { emptyRanges += 1 }
        for i in range {
            if i >= 0 && i < counts.count { counts[i] += 1 } else { counts.append(-1) }   // out of range is a failure
        }
    }

    func begin(_ index: Int, worker: Int) {
        lock.lock(); defer { lock.unlock() }
        counts[index] += 1
        workerIDs.insert(worker)
        if !busy.insert(worker).inserted { overlappingWorker = true }
    }

    func end(worker: Int) {
        lock.lock(); defer { lock.unlock() }
        busy.remove(worker)
    }
}

final class ParallelTests: XCTestCase {
    func testForEachRangeCoversEachIndexOnce() {
        let counts = Array(0...40) + [63, 64, 65, 100, 127, 1000, 4097]
        for workers in [1, 2, 3, 8] {
            withWorkers(workers) {
                for n in counts {
                    for grain in [0, 1, 2, 3, 7, 16, 100, 5000] {
                        let visits = Visits(n)
                        Parallel.forEachRange(n, grain: grain) { visits.visit($0) }
                        let label = "n=\(n) grain=\(grain) workers=\(workers)"
                        XCTAssertEqual(visits.counts.count, n, "\(label): index out of range")
                        XCTAssertTrue(visits.counts.allSatisfy { $0 == 1 }, "\(label): counts \(visits.counts.prefix(20))")
                        XCTAssertEqual(visits.emptyRanges, 0, "\(label): empty range passed to body")
                        // Never more chunks than workers, nor chunks smaller than the grain (unless only one).
                        XCTAssertLessThanOrEqual(visits.calls, max(workers, n == 0 ? 0 : 1), label)
                        if n == 0 { XCTAssertEqual(visits.calls, 0, label) }
                        if visits.calls > 1 { XCTAssertGreaterThanOrEqual(n / visits.calls, max(grain, 1) / 2, label) }
                    }
                }
            }
        }
    }

    func testForEachRangeSplitsWhenWorkIsLarge() {
        withWorkers(2) {
            let visits = Visits(1000)
            Parallel.forEachRange(1000, grain: 10) { visits.visit($0) }
            XCTAssertEqual(visits.calls, 2)
            XCTAssertTrue(visits.counts.allSatisfy { $0 == 1 })
        }
    }

    func testForEachVisitsEachIndexOnceWithValidWorkerIDs() {
        for workers in [1, 2, 3, 8] {
            withWorkers(workers) {
                for n in [0, 1, 2, 3, 5, 8, 100, 1000] {
                    let visits = Visits(n)
                    Parallel.forEach(n) { index, worker in
                        visits.begin(index, worker: worker)
                        if index % 7 == 0 { usleep(50) }    // uneven work, so the dynamic scheduler interleaves
                        visits.end(worker: worker)
                    }
                    let label = "n=\(n) workers=\(workers)"
                    XCTAssertTrue(visits.counts.allSatisfy { $0 == 1 }, label)
                    XCTAssertTrue(visits.workerIDs.allSatisfy { $0 >= 0 && $0 < workers && $0 < max(n, 1) },
                                  "\(label): worker ids \(visits.workerIDs.sorted())")
                    XCTAssertFalse(visits.overlappingWorker, "\(label): one worker slot used by two threads at once")
                }
            }
        }
    }

    func testWorkersRestoredByHelper() {
        let saved = Parallel.workers
        XCTAssertGreaterThanOrEqual(saved, 1)
        withWorkers(7) { XCTAssertEqual(Parallel.workers, 7) }
        XCTAssertEqual(Parallel.workers, saved)
    }

    func testLoopsOnTheirOwnThreadsRunAtOnceBeyondTheCoreCount() {
        // 8 workers that each wait for all the others: only possible if all 8 run at once, even on 2 cores.
        let count = 8
        let barrier = DispatchGroup()
        for _ in 0..<count { barrier.enter() }
        let lock = NSLock()
        var visits = [Int](repeating: 0, count: 40)
        var workers = Set<Int>()
        var nested = 0
        Parallel.forEachOnThreads(40, threads: count) { index, worker in
            lock.lock()
            let first = !workers.contains(worker)
            workers.insert(worker)
            visits[index] += 1
            if Parallel.insideParallelRegion { nested += 1 }
            lock.unlock()
            if first {
                barrier.leave()
                XCTAssertEqual(barrier.wait(timeout: .now() + 20), .success, "worker \(worker) waited for the others")
            }
        }
        XCTAssertEqual(visits, [Int](repeating: 1, count: 40))
        XCTAssertEqual(workers, Set(0..<count))
        XCTAssertEqual(nested, 40, "inner loops run serially")
    }
}
