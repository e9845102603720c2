// ParameterStoreTests: ParameterStore layout, lookup, gradient norm and zeroing; FloatBuffer growth and alignment.
import Foundation
import XCTest
import Tensors

final class ParameterStoreTests: XCTestCase {
    private let layout: [(name: String, shape: [Int], decays: Bool)] = [
        ("embeddings.weight", [7, 5], true),
        ("embeddings.LayerNorm.weight", [5], false),
        ("scalar", [], false),
        ("empty", [0, 3], true),
        ("layer.0.dense.weight", [3, 2, 4], true),
        ("layer.0.dense.bias", [3], false),
    ]

    func testOffsetsAreContiguousInLayoutOrder() {
        let store = ParameterStore(layout: layout)
        XCTAssertEqual(store.entries.map(\.name), layout.map(\.name))
        var offset = 0
        for (entry, item) in zip(store.entries, layout) {
            XCTAssertEqual(entry.offset, offset, entry.name)
            XCTAssertEqual(entry.count, item.shape.reduce(1, *), entry.name)
            XCTAssertEqual(entry.shape, item.shape)
            XCTAssertEqual(entry.decays, item.decays)
            offset += entry.count
        }
        XCTAssertEqual(store.count, 35 + 5 + 1 + 0 + 24 + 3)
        XCTAssertEqual(store.count, offset)
        XCTAssertGreaterThanOrEqual(store.values.capacity, store.count)
        XCTAssertGreaterThanOrEqual(store.gradients.capacity, store.count)
        XCTAssertTrue(store.values.array(store.count).allSatisfy { $0 == 0 })
        XCTAssertTrue(store.gradients.array(store.count).allSatisfy { $0 == 0 })
    }

    func testEntryAndArray() {
        let store = ParameterStore(layout: layout)
        for i in 0..<store.count {
            store.value(at: i).pointee = Float(i)
            store.gradient(at: i).pointee = -Float(i)
        }
        let dense = store.entry("layer.0.dense.weight")!
        XCTAssertEqual(dense.offset, 41)
        XCTAssertEqual(store.array("layer.0.dense.weight"), (41..<65).map(Float.init))
        XCTAssertEqual(store.gradientArray("layer.0.dense.bias"), (65..<68).map { -Float($0) })
        XCTAssertEqual(store.array("scalar"), [40])
        XCTAssertEqual(store.array("empty"), [])
        XCTAssertNil(store.entry("missing"))
        XCTAssertNil(store.array("missing"))
        XCTAssertNil(store.gradientArray("missing"))
        XCTAssertEqual(store.value(at: dense.offset), store.values.pointer + 41)
    }

    func testGradientNormAndZeroing() {
        let store = ParameterStore(layout: layout)
        var rng = TestRNG(51)
        var sumSquares = 0.0
        for i in 0..<store.count {
            let g = rng.uniform(-3, 3)
            store.gradient(at: i).pointee = g
            sumSquares += Double(g) * Double(g)
        }
        XCTAssertEqual(Double(store.gradientNorm()), sumSquares.squareRoot(), accuracy: 1e-6 * sumSquares.squareRoot())
        store.values.pointer.update(repeating: 5, count: store.count)
        store.zeroGradients()
        XCTAssertTrue(store.gradients.array(store.count).allSatisfy { $0 == 0 })
        XCTAssertEqual(store.gradientNorm(), 0)
        XCTAssertTrue(store.values.array(store.count).allSatisfy { $0 == 5 }, "zeroGradients leaves values alone")

        let big = ParameterStore(layout: [("a", [1000, 300], true), ("b", [77], false)])
        big.gradients.pointer.update(repeating: 0.5, count: big.count)
        XCTAssertEqual(Double(big.gradientNorm()), 0.5 * Double(big.count).squareRoot(), accuracy: 1e-5 * 300)
        XCTAssertEqual(ParameterStore(layout: []).gradientNorm(), 0)
        XCTAssertEqual(ParameterStore(layout: []).count, 0)
    }

    func testFloatBufferReserveGrowsAndStaysAligned() {
        let buffer = FloatBuffer()
        XCTAssertGreaterThanOrEqual(buffer.capacity, 1)
        XCTAssertEqual(Int(bitPattern: buffer.pointer) % 64, 0)
        var previousCapacity = buffer.capacity
        for count in [1, 3, 17, 100, 50, 1000, 999, 12_345, 10, 100_000] {
            let before = buffer.pointer
            let pointer = buffer.reserve(count)
            XCTAssertEqual(pointer, buffer.pointer)
            XCTAssertEqual(Int(bitPattern: pointer) % 64, 0, "alignment after reserve(\(count))")
            XCTAssertGreaterThanOrEqual(buffer.capacity, count)
            XCTAssertEqual(buffer.capacity, max(previousCapacity, count), "grows only when needed, never shrinks")
            if count <= previousCapacity { XCTAssertEqual(pointer, before, "no reallocation for reserve(\(count))") }
            else { XCTAssertTrue(buffer.array(count).allSatisfy { $0 == 0 }, "grown storage is zeroed") }
            pointer.update(repeating: 7, count: count)   // the whole reserved range is writable
            previousCapacity = buffer.capacity
        }
        buffer.zero(10)
        XCTAssertEqual(buffer.array(11), [Float](repeating: 0, count: 10) + [7])
        XCTAssertEqual(buffer.array(buffer.capacity + 5).count, buffer.capacity, "array clamps to capacity")
        let sized = FloatBuffer(capacity: 33)
        XCTAssertEqual(sized.capacity, 33)
        XCTAssertEqual(Int(bitPattern: sized.pointer) % 64, 0)
        XCTAssertEqual(sized.array(33), [Float](repeating: 0, count: 33))
    }
}
