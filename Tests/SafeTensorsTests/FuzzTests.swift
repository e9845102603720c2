// FuzzTests: a seeded mutation fuzzer over small valid files — every outcome is a self-consistent file or a SafeTensorsError.
import Basics
import XCTest
import SafeTensors

final class FuzzTests: XCTestCase {
    typealias T = SafeTensorsWriter.Tensor

    /// Valid seed files covering metadata, escapes, every float dtype, integers, scalars, empty tensors.
    func seeds() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.append(try SafeTensorsWriter.serialize([
            T(name: "w", shape: [2, 3], values: [1, -2, 3.5, .infinity, -0.0, 0x1p-140]),
            T(name: "h", shape: [3], values: [1, 0.5, -65504], storedAs: .f16),
            T(name: "b", shape: [2], values: [3.25, -1], storedAs: .bf16),
            T(name: "ids", shape: [1, 3], dtype: .i64) { body in
                try [Int64(0), 1, 2].withUnsafeBytes { try body($0) }
            },
            T(name: "z", shape: [0, 4], values: []),
            T(name: "s", shape: [], values: [42]),
        ], metadata: ["format": "pt", "note": "a\"b\\c\n", "ünï": "☃"]))
        out.append(try SafeTensorsWriter.serialize([
            T(name: "bytes", shape: [5], dtype: .u8) { body in try [UInt8](1...5).withUnsafeBytes { try body($0) } },
        ]))
        out.append(try SafeTensorsWriter.serialize([]))
        out.append(try SafeTensorsWriter.serialize([T(name: "x", shape: [1, 1, 1, 2], values: [7, 8])], metadata: [:]))
        // Hand-written: unsorted keys, whitespace, an unknown field, a sub-byte dtype, offsets out of key order.
        out.append(image(#" { "b" : {"dtype":"F32", "shape":[1], "data_offsets":[2,6], "x":[true,false,null]} ,"# +
                         #" "a":{"data_offsets":[0,2],"shape":[4],"dtype":"F4"}, "__metadata__":null }  "#,
                         data: [0x12, 0x34] + f32Bytes([9])))
        for seed in out { _ = try SafeTensorsFile(bytes: seed) }  // all seeds must be valid
        return out
    }

    struct Stats {
        var accepted = 0
        var rejected: [SafeTensorsError.Kind: Int] = [:]
    }

    func testMutationFuzz() throws {
        let iterations = 100_000
        let seeds = try seeds()
        var rng = SeededRandom(seed: 0x5AFE_7E45)
        var stats = Stats()
        let start = Date()
        for i in 0..<iterations {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                mutate(&bytes, &rng)
            }
            check(bytes, iteration: i, stats: &stats)
        }
        let elapsed = Date().timeIntervalSince(start)
        let kinds = stats.rejected.sorted { $0.value > $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print("fuzz: \(iterations) inputs in \(String(format: "%.1f", elapsed)) s; accepted \(stats.accepted); rejected \(kinds)")
        // The mutator must reach deep validation, not just bounce off the length check.
        XCTAssertGreaterThan(stats.accepted, iterations / 50)
        for kind: SafeTensorsError.Kind in [.headerLengthExceedsFile, .headerTooLarge, .invalidUTF8, .invalidJSON,
                                             .headerNotObject, .invalidMetadata, .invalidTensorInfo, .negativeValue,
                                             .unknownDType, .duplicateKey, .sizeMismatch, .overflow, .overlap, .hole,
                                             .offsetsOutOfRange, .reversedOffsets] {
            XCTAssertGreaterThan(stats.rejected[kind, default: 0], 0, "the fuzzer never produced \(kind)")
        }
    }

    /// Parses `bytes`; on success checks every invariant the reader promises, on failure that the error is typed.
    func check(_ bytes: [UInt8], iteration: Int, stats: inout Stats) {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(bytes: bytes, label: "fuzz")
        } catch let e as SafeTensorsError {
            stats.rejected[e.kind, default: 0] += 1
            if !e.description.hasPrefix("fuzz: ") || e.description.contains("\n") {
                XCTFail("iteration \(iteration): badly formed description \(e.description)")
            }
            return
        } catch {
            XCTFail("iteration \(iteration): untyped error \(error)")
            return
        }
        stats.accepted += 1
        let dataLength = bytes.count - file.dataStart
        var covered = 0
        for t in file.tensors {
            guard t.dataOffsets.lowerBound == covered, t.dataOffsets.upperBound <= dataLength,
                  t.fileOffsets.upperBound <= bytes.count,
                  t.elementCount == t.shape.reduce(1, { $0 &* $1 }),
                  t.byteCount * 8 == t.elementCount * t.dtype.bitWidth,
                  file.info(t.name) == t else {
                XCTFail("iteration \(iteration): inconsistent tensor \(t) in a file of \(bytes.count) bytes")
                return
            }
            covered = t.dataOffsets.upperBound
            do {
                let raw = try file.rawBytes(t.name)
                if raw[...] != bytes[t.fileOffsets] { XCTFail("iteration \(iteration): raw bytes differ for \(t.name)") }
                if t.dtype.isConvertibleToFloat {
                    let values = try file.floats(t.name)
                    if values.count != t.elementCount { XCTFail("iteration \(iteration): \(values.count) floats for \(t)") }
                } else {
                    do {
                        _ = try file.floats(t.name)
                        XCTFail("iteration \(iteration): floats on \(t.dtype) should throw")
                    } catch let e as SafeTensorsError where e.kind == .unsupportedDType {}
                }
            } catch {
                XCTFail("iteration \(iteration): reading \(t.name) threw \(error)")
            }
        }
        if covered != dataLength { XCTFail("iteration \(iteration): tensors cover \(covered) of \(dataLength) bytes") }
        // An accepted file survives a rewrite through the writer with identical contents.
        do {
            let copy = try SafeTensorsWriter.serialize(file.names.map { try T(copying: $0, from: file) },
                                                       metadata: file.metadata.isEmpty ? nil : file.metadata)
            let reread = try SafeTensorsFile(bytes: copy)
            XCTAssertEqual(Set(reread.tensors.map { [$0.name, $0.dtype.rawValue, "\($0.shape)"] }),
                           Set(file.tensors.map { [$0.name, $0.dtype.rawValue, "\($0.shape)"] }))
            XCTAssertEqual(reread.metadata, file.metadata)
            for name in file.names {
                if try reread.rawBytes(name) != file.rawBytes(name) { XCTFail("iteration \(iteration): rewrite changed \(name)") }
            }
        } catch {
            XCTFail("iteration \(iteration): rewriting an accepted file failed: \(error)")
        }
    }

    // MARK: - Mutations

    static let numbers = ["0", "1", "-1", "-0", "2", "7", "8", "4294967296", "9223372036854775807", "9223372036854775808",
                          "18446744073709551615", "18446744073709551616", "99999999999999999999999", "1e3", "1.5",
                          "-9223372036854775808", "3037000500", "1152921504606846976", "00", "-", "1E+2", "0.0"]
    static let tokens = ["{", "}", "[", "]", ",", ":", "\"", "null", "true", "\\", " ", "\"__metadata__\"", "\"\\u0000\"",
                         "\"\\ud800\"", "{\"a\":1}", "[]", "\"dtype\":\"F32\"", "\"shape\":[1]", "\"data_offsets\":[0,4]"]
    static let dtypes = DType.allCases.map(\.rawValue) + ["Q7", "f32", "", "F32 ", "BF32"]

    func headerLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 8 else { return nil }
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
        return n <= UInt64(bytes.count - 8) ? Int(n) : nil
    }

    func setLength(_ bytes: inout [UInt8], _ n: UInt64) {
        if bytes.count < 8 { bytes += [UInt8](repeating: 0, count: 8 - bytes.count) }
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
    }

    func mutate(_ bytes: inout [UInt8], _ rng: inout SeededRandom) {
        let op = Int.random(in: 0..<16, using: &rng)
        switch op {
        case 0:  // flip a bit anywhere
            guard !bytes.isEmpty else { return }
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1:  // overwrite a byte with a random value
            guard !bytes.isEmpty else { return }
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        case 2:  // truncate
            bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
        case 3:  // append junk to the data buffer
            bytes += (0..<Int.random(in: 1...9, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 4:  // edit the declared header length
            let n = UInt64(headerLength(bytes) ?? 0)
            let choices: [UInt64] = [n &+ 1, n &- 1, n &+ 8, n &- 8, 0, 1, UInt64(bytes.count), UInt64(max(0, bytes.count - 7)),
                                     100_000_000, 100_000_001, UInt64(Int.max), UInt64.max,
                                     UInt64.random(in: 0...UInt64.max, using: &rng)]
            setLength(&bytes, choices[Int.random(in: 0..<choices.count, using: &rng)])
        default:  // structured edits of the JSON text; the length is usually fixed up to match
            guard let n = headerLength(bytes) else { return }
            var header = Array(bytes[8..<(8 + n)])
            let data = Array(bytes[(8 + n)...])
            mutateJSON(&header, op: op, &rng)
            var out: [UInt8] = []
            setLength(&out, UInt64(header.count))
            out += header
            out += data
            if Int.random(in: 0..<8, using: &rng) == 0 { setLength(&out, UInt64(n)) }  // sometimes keep the stale length
            bytes = out
        }
    }

    /// Ranges of ASCII digit runs (with an optional leading minus) in the header.
    func numberRuns(_ h: [UInt8]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var i = 0
        while i < h.count {
            if h[i] >= 0x30 && h[i] <= 0x39 {
                var s = i
                if s > 0 && h[s - 1] == UInt8(ascii: "-") { s -= 1 }
                var e = i
                while e < h.count && h[e] >= 0x30 && h[e] <= 0x39 { e += 1 }
                runs.append(s..<e)
                i = e
            } else {
                i += 1
            }
        }
        return runs
    }

    func positions(of byte: UInt8, in h: [UInt8]) -> [Int] {
        h.indices.filter { h[$0] == byte }
    }

    func mutateJSON(_ h: inout [UInt8], op: Int, _ rng: inout SeededRandom) {
        func pick<C: Collection>(_ c: C) -> C.Element? where C.Index == Int {
            c.isEmpty ? nil : c[c.startIndex + Int.random(in: 0..<c.count, using: &rng)]
        }
        switch op {
        case 5:  // replace a number with an edge-case literal
            guard let r = pick(numberRuns(h)), let lit = pick(FuzzTests.numbers) else { return }
            h.replaceSubrange(r, with: Array(lit.utf8))
        case 6:  // swap two numbers
            let runs = numberRuns(h)
            guard runs.count >= 2, let a = pick(runs), let b = pick(runs), a != b else { return }
            let (first, second) = a.lowerBound < b.lowerBound ? (a, b) : (b, a)
            let x = Array(h[first]), y = Array(h[second])
            h.replaceSubrange(second, with: x)
            h.replaceSubrange(first, with: y)
        case 7:  // duplicate a stretch between commas (often a whole key/value pair) after another comma
            let commas = positions(of: UInt8(ascii: ","), in: h)
            guard let a = pick(commas), let b = pick(commas), let c = pick(commas), a < b else { return }
            let piece = Array(h[a..<b])
            h.insert(contentsOf: piece, at: c)
        case 8:  // huge shape
            guard let r = pick(numberRuns(h)) else { return }
            let huge = ["4294967296,4294967296", "3037000500,3037000500", "9223372036854775807,2", "0,18446744073709551615",
                        "2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2"]
            h.replaceSubrange(r, with: Array((pick(huge) ?? "").utf8))
        case 9:  // deep nesting at a value position
            guard let colon = pick(positions(of: UInt8(ascii: ":"), in: h)) else { return }
            let depth = pick([2, 64, 126, 127, 128, 129, 1000, 20_000]) ?? 2
            let open = Int.random(in: 0..<2, using: &rng) == 0 ? UInt8(ascii: "[") : UInt8(ascii: "{")
            var nest = [UInt8](repeating: open, count: depth)
            if open == UInt8(ascii: "{") {
                nest = Array(repeating: Array("{\"k\":".utf8), count: depth).flatMap { $0 } + Array("0".utf8)
                nest += [UInt8](repeating: UInt8(ascii: "}"), count: depth)
            } else {
                nest += [UInt8](repeating: UInt8(ascii: "]"), count: depth)
            }
            h.insert(contentsOf: nest + Array(",".utf8), at: colon + 1)
            if Int.random(in: 0..<2, using: &rng) == 0 {  // or replace the value entirely up to the next comma/brace
                if let end = h[(colon + 1 + nest.count + 1)...].firstIndex(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") }) {
                    h.removeSubrange((colon + 1 + nest.count)..<end)
                }
            }
        case 10:  // invalid UTF-8 or a lone surrogate escape
            let bad: [[UInt8]] = [[0xFF], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82],
                                  Array("\\ud800".utf8), Array("\\udfff\\ud800".utf8), [0xC3, 0xA9]]
            guard let b = pick(bad) else { return }
            h.insert(contentsOf: b, at: Int.random(in: 0...h.count, using: &rng))
        case 11:  // delete a range
            guard !h.isEmpty else { return }
            let s = Int.random(in: 0..<h.count, using: &rng)
            h.removeSubrange(s..<min(h.count, s + Int.random(in: 1...12, using: &rng)))
        case 12:  // insert a JSON token
            guard let t = pick(FuzzTests.tokens) else { return }
            h.insert(contentsOf: Array(t.utf8), at: Int.random(in: 0...h.count, using: &rng))
        case 13:  // change a dtype
            let quotes = positions(of: UInt8(ascii: "\""), in: h)
            guard let d = pick(FuzzTests.dtypes) else { return }
            // Find "dtype":"X" and replace X.
            let key = Array("\"dtype\":\"".utf8)
            let starts = quotes.filter { $0 + key.count <= h.count && Array(h[$0..<($0 + key.count)]) == key }
            guard let s = pick(starts) else { return }
            let valueStart = s + key.count
            guard let valueEnd = h[valueStart...].firstIndex(of: UInt8(ascii: "\"")) else { return }
            h.replaceSubrange(valueStart..<valueEnd, with: Array(d.utf8))
        case 14:  // metadata value of the wrong type, or a non-object header
            let variants = [#"{"__metadata__":{"a":1}}"#, #"{"__metadata__":[]}"#, "[]", "\"x\"", "7",
                            #"{"__metadata__":{"a":"b"},"__metadata__":null}"#]
            if Int.random(in: 0..<4, using: &rng) == 0, let v = pick(variants) {
                h = Array(v.utf8)
            } else if let q = pick(positions(of: UInt8(ascii: ":"), in: h)) {
                h.insert(contentsOf: Array("{\"nested\":[1,{\"x\":null}]},".utf8), at: q + 1)
            }
        default:  // 15: shift one offset, or a whole data_offsets pair, by a small amount
            let delta = Int.random(in: -6...6, using: &rng)
            let key = Array("\"data_offsets\":[".utf8)
            let starts = positions(of: UInt8(ascii: "\""), in: h).filter {
                $0 + key.count <= h.count && Array(h[$0..<($0 + key.count)]) == key
            }
            if Int.random(in: 0..<2, using: &rng) == 0, let s = pick(starts),
               let close = h[(s + key.count)...].firstIndex(of: UInt8(ascii: "]")) {
                let pair = String(decoding: h[(s + key.count)..<close], as: UTF8.self).split(separator: ",")
                guard pair.count == 2, let a = Int(pair[0]), let b = Int(pair[1]) else { return }
                h.replaceSubrange((s + key.count)..<close, with: Array("\(a &+ delta),\(b &+ delta)".utf8))
                return
            }
            guard let r = pick(numberRuns(h)), let v = Int(String(decoding: h[r], as: UTF8.self)) else { return }
            h.replaceSubrange(r, with: Array(String(v &+ delta).utf8))
        }
    }
}
