// ElementwiseTests: RowKernels.addColumnSums, add and tanh against naive loops.
import Foundation
import XCTest
import Tensors

final class ElementwiseTests: XCTestCase {
    func testAddColumnSumsAccumulates() {
        var rng = TestRNG(41)
        for (rows, width) in [(0, 5), (1, 1), (3, 7), (17, 130), (64, 384), (5, 1000)] {
            let dY = rng.floats(rows * width)
            let start = rng.floats(width, -5, 5)
            var sums = start
            for workers in [1, 2, 3] {
                sums = start
                withWorkers(workers) { RowKernels.addColumnSums(dY, rows: rows, width: width, into: &sums) }
                for i in 0..<width {
                    var expected = Double(start[i])
                    for r in 0..<rows { expected += Double(dY[r * width + i]) }
                    XCTAssertEqual(Double(sums[i]), expected, accuracy: 1e-6 * Double(rows + 5),
                                   "rows=\(rows) width=\(width) workers=\(workers) column \(i)")
                }
            }
        }
    }

    func testAdd() {
        var rng = TestRNG(42)
        for count in [0, 1, 9, 1000, 100_001] {
            let a = rng.floats(count), start = rng.floats(count)
            var y = start
            withWorkers(2) { RowKernels.add(a, into: &y, count: count) }
            for i in 0..<count where y[i] != start[i] + a[i] {
                XCTFail("add count=\(count) index \(i): \(y[i]) != \(start[i]) + \(a[i])")
                break
            }
        }
        // Only `count` elements are touched.
        var y: [Float] = [1, 1, 1, 1]
        RowKernels.add([1, 1, 1, 1], into: &y, count: 2)
        XCTAssertEqual(y, [2, 2, 1, 1])
    }

    func testTanhIncludingInPlace() {
        let xs = sweep(-20, 20, count: 4001) + [0, -0.0, 1e-8, 1e4, -1e4, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var y = [Float](repeating: .nan, count: xs.count)
        RowKernels.tanh(xs, count: xs.count, into: &y)
        for (x, value) in zip(xs, y) {
            let reference = Foundation.tanh(Double(x))
            XCTAssertEqual(Double(value), reference, accuracy: 2.4e-7 * max(abs(reference), 1e-30), "tanh(\(x))")
        }
        var inPlace = xs
        inPlace.withUnsafeMutableBufferPointer { RowKernels.tanh($0.baseAddress!, count: xs.count, into: $0.baseAddress!) }
        XCTAssertEqual(inPlace, y)
    }
}
