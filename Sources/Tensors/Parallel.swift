// Parallel: splits index ranges over the machine's cores with DispatchQueue.concurrentPerform.
import Foundation

public enum Parallel {
    /// Worker count used by every parallel loop (defaults to the active core count).
    /// ROBUST_WORKERS overrides it (e.g. to compare scaling in benchmarks).
    nonisolated(unsafe) public static var workers: Int = {
        if let text = ProcessInfo.processInfo.environment["ROBUST_WORKERS"], let value = Int(text), value >= 1 {
            return min(value, 256)
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Calls `body` on disjoint contiguous sub-ranges of 0..<count, in parallel when the work is big enough.
    /// `grain` is the smallest range worth a thread hop.
    @inline(__always)
    public static func forEachRange(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(workers, max(1, count / max(grain, 1)))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = count * chunk / chunks
            let upper = count * (chunk + 1) / chunks
            if lower < upper { body(lower..<upper) }
        }
    }

    /// Calls `body(index, worker)` for each index with dynamic load balancing; `worker` < workers
    /// identifies a per-worker scratch slot.
    public static func forEach(_ count: Int, _ body: (Int, Int) -> Void) {
        let threads = min(workers, count)
        if threads <= 1 {
            for index in 0..<count { body(index, 0) }
            return
        }
        let next = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        next.initialize(to: 0)
        defer { next.deallocate() }
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            while true {
                lock.lock()
                let index = next.pointee
                next.pointee += 1
                lock.unlock()
                if index >= count { return }
                body(index, worker)
            }
        }
    }
}
