// Parallel: splits index ranges over the machine's cores with DispatchQueue.concurrentPerform.
// Loops never nest: inside a parallel region every further loop runs serially on its thread, so a
// caller can parallelise at a coarser grain (e.g. over sub-batches) and the kernels below it stay serial.
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

    private static let regionKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Whether the current thread is already running inside a parallel loop.
    public static var insideParallelRegion: Bool { pthread_getspecific(regionKey) != nil }

    /// Runs `body` marked as inside a parallel region (restoring the previous mark afterwards).
    @inline(__always)
    static func inRegion(_ body: () -> Void) {
        let previous = pthread_getspecific(regionKey)
        pthread_setspecific(regionKey, UnsafeRawPointer(bitPattern: 1))
        body()
        pthread_setspecific(regionKey, previous)
    }

    /// Runs `body` with every parallel loop below it serial (as inside a parallel region), so its products
    /// round the same way whatever the worker count.
    public static func serially<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(regionKey)
        pthread_setspecific(regionKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(regionKey, previous) }
        return try body()
    }

    /// Calls `body` on disjoint contiguous sub-ranges of 0..<count, in parallel when the work is big enough.
    /// `grain` is the smallest range worth a thread hop.
    @inline(__always)
    public static func forEachRange(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = insideParallelRegion ? 1 : min(workers, max(1, count / max(grain, 1)))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = count * chunk / chunks
            let upper = count * (chunk + 1) / chunks
            if lower < upper { inRegion { body(lower..<upper) } }
        }
    }

    /// Like ``forEach(_:serial:threads:_:)`` but on `threads` threads of its own, even more than there are cores:
    /// for loops that mostly wait (an attack on a served model waits for its answers), where concurrentPerform
    /// would run only as many at once as there are cores.
    public static func forEachOnThreads(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let threads = min(max(1, threads), count)
        guard threads > 1 else {
            for index in 0..<count { body(index, 0) }
            return
        }
        let lock = NSLock()
        var next = 0
        withoutActuallyEscaping(body) { body in
            // The threads reach `body` through a box that is emptied before returning: a finished Thread may still
            // hold its block for a moment, and `body` must not outlive this call.
            final class Box: @unchecked Sendable { var body: ((Int, Int) -> Void)? }
            let box = Box()
            box.body = body
            let group = DispatchGroup()
            for worker in 0..<threads {
                group.enter()
                let thread = Thread {
                    inRegion {
                        while true {
                            lock.lock()
                            let index = next
                            next += 1
                            let work = box.body
                            lock.unlock()
                            guard index < count, let work else { break }
                            work(index, worker)
                        }
                    }
                    group.leave()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            group.wait()
            lock.lock()
            box.body = nil
            lock.unlock()
        }
    }

    /// Calls `body(index, worker)` for each index with dynamic load balancing; `worker` < workers
    /// identifies a per-worker scratch slot.
    /// `serial` forces one thread when the caller knows the work is too small to share; `threads` caps
    /// the threads of this loop alone (default: `workers`), so `worker` < min(threads, count).
    public static func forEach(_ count: Int, serial: Bool = false, threads limit: Int? = nil, _ body: (Int, Int) -> Void) {
        let threads = insideParallelRegion || serial ? 1 : min(max(1, limit ?? workers), count)
        if threads <= 1 {
            for index in 0..<count { body(index, 0) }
            return
        }
        let next = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        next.initialize(to: 0)
        defer { next.deallocate() }
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            inRegion {
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
}
