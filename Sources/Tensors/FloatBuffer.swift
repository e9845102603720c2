// FloatBuffer: owned, 64-byte-aligned Float storage that grows but never shrinks, so hot loops reuse it.
import Foundation

public final class FloatBuffer: @unchecked Sendable {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        pointer = FloatBuffer.allocate(self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }

    deinit { free(pointer) }

    /// Makes room for `count` floats; old contents are not kept when it grows. It grows by at least
    /// half its size, so batches that creep upwards (attack steps) do not reallocate, and fault in
    /// fresh pages, on every call.
    @discardableResult
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            free(pointer)
            capacity = max(count, capacity + capacity / 2)
            pointer = FloatBuffer.allocate(capacity)
            pointer.initialize(repeating: 0, count: capacity)
        }
        return pointer
    }

    public func zero(_ count: Int) { pointer.update(repeating: 0, count: min(count, capacity)) }

    public func array(_ count: Int) -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: min(count, capacity))) }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            // Out of memory is not recoverable for a numeric engine; Swift's own allocations trap too.
            preconditionFailure("robust: cannot allocate \(bytes) bytes")
        }
        return raw.bindMemory(to: Float.self, capacity: count)
    }
}
