// PrecompiledCharsMap: sentencepiece's compiled normalisation rules (`precompiled_charsmap`) — a Darts-clone
// double-array trie over UTF-8 keys whose leaves point into a blob of NUL-terminated replacement strings — read,
// validated and searched as the `spm_precompiled` crate (which `tokenizers` uses) does: the first, shortest key that
// prefixes the bytes wins. Also the strict base64 the charsmap is stored in.

/// A parsed `precompiled_charsmap`: `[u32 trie size in bytes][trie units: u32 little-endian][replacement strings]`.
///
/// Loading rejects what would make the crate fail or panic (short or truncated data, replacement strings that are
/// not UTF-8, an empty trie, nodes whose children or values lie outside the trie, replacement offsets outside the
/// string blob or inside a character); lookups are bounds-checked besides, so hostile data never traps.
struct PrecompiledCharsMap: Sendable {
    /// Why a charsmap cannot be used (one line).
    struct Malformed: Error {
        let reason: String
    }

    private let units: [UInt32]
    /// The replacement strings (UTF-8, each ending at a NUL or at the end).
    private let strings: [UInt8]
    /// For each byte, whether the one-byte key has a replacement.
    private var singleByteHasReplacement: [Bool] = []
    /// Whether "\r\n" (one grapheme) has a replacement through "\r" or "\r\n".
    private var crlfHasReplacement = false

    /// The longest key `tokenizers` looks up: a grapheme of at most 5 UTF-8 bytes, else one scalar (≤ 4 bytes).
    static let longestLookup = 5

    init(_ data: [UInt8]) throws {
        guard data.count >= 4 else {
            throw Malformed(reason: "\(data.count) bytes, shorter than the 4-byte trie size that starts it")
        }
        let trieBytes = Int(Self.littleEndian(data, at: 0))
        let unitCount = trieBytes / 4
        guard 4 + unitCount * 4 <= data.count else {
            throw Malformed(reason: "truncated: the trie needs \(unitCount * 4) bytes but \(data.count - 4) follow its size")
        }
        guard unitCount > 0 else { throw Malformed(reason: "the trie is empty") }
        var units = [UInt32](repeating: 0, count: unitCount)
        for index in 0..<unitCount { units[index] = Self.littleEndian(data, at: 4 + index * 4) }
        let strings = Array(data[(4 + unitCount * 4)...])
        guard String(validating: strings, as: UTF8.self) != nil else {
            throw Malformed(reason: "the replacement strings after the trie are not valid UTF-8")
        }
        self.units = units
        self.strings = strings
        try validate()
        singleByteHasReplacement = (0..<256).map { replacement(of: [UInt8($0)]) != nil }
        crlfHasReplacement = replacement(of: Array("\r\n".utf8)) != nil
    }

    private static func littleEndian(_ data: [UInt8], at offset: Int) -> UInt32 {
        UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24
    }

    // MARK: Units (Darts-clone)

    @inline(__always) private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ unit: UInt32) -> Int { Int(unit & 0x7FFF_FFFF) }
    @inline(__always) private static func label(_ unit: UInt32) -> UInt32 { unit & 0x8000_00FF }
    @inline(__always) private static func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }

    /// Every node a lookup of at most ``longestLookup`` bytes can reach: its children's block and its value lie in
    /// the trie, and each value starts a character of the string blob.
    private func validate() throws {
        let count = units.count
        // The deepest remaining lookup length each node was checked with (tries built as DAWGs share nodes).
        var checked = [Int8](repeating: -1, count: count)
        var stack: [(base: Int, remaining: Int)] = [(Self.offset(units[0]), Self.longestLookup)]
        while let (base, remaining) = stack.popLast() {
            guard base | 0xFF < count else {
                throw Malformed(reason: "a trie node's children (unit \(base)) lie outside the \(count)-unit trie")
            }
            guard checked[base] < Int8(remaining) else { continue }
            checked[base] = Int8(remaining)
            for byte in 1...255 {
                let index = base ^ byte
                let unit = units[index]
                guard Self.label(unit) == UInt32(byte) else { continue }
                let child = index ^ Self.offset(unit)
                if Self.hasLeaf(unit) {
                    guard child < count else {
                        throw Malformed(reason: "a trie value (unit \(child)) lies outside the \(count)-unit trie")
                    }
                    let start = Self.value(units[child])
                    guard start <= strings.count else {
                        throw Malformed(reason: "replacement offset \(start) is outside the \(strings.count)-byte string blob")
                    }
                    guard start == strings.count || strings[start] & 0xC0 != 0x80 else {
                        throw Malformed(reason: "replacement offset \(start) is inside a UTF-8 character")
                    }
                }
                if remaining > 1 { stack.append((child, remaining - 1)) }
            }
        }
    }

    // MARK: Lookup

    /// The replacement of the shortest key that prefixes `bytes` (stopping at a NUL byte), as scalars; nil when no
    /// key does (the crate's `transform`).
    func replacement<Bytes: Collection>(of bytes: Bytes) -> [Unicode.Scalar]? where Bytes.Element == UInt8 {
        let count = units.count
        var position = Self.offset(units[0])
        for byte in bytes {
            if byte == 0 { break }
            position ^= Int(byte)
            guard position < count else { return nil }
            let unit = units[position]
            guard Self.label(unit) == UInt32(byte) else { return nil }
            position ^= Self.offset(unit)
            guard position < count else { return nil }
            if Self.hasLeaf(unit) { return string(at: Self.value(units[position])) }
        }
        return nil
    }

    /// The NUL-terminated string at `start` of the blob.
    private func string(at start: Int) -> [Unicode.Scalar]? {
        guard start <= strings.count else { return nil }
        var end = start
        while end < strings.count && strings[end] != 0 { end += 1 }
        return Array(String(decoding: strings[start..<end], as: UTF8.self).unicodeScalars)
    }

    /// True when `scalars` are ASCII and nothing in them has a replacement: every grapheme of ASCII text is one
    /// byte, except "\r\n".
    func leavesASCIIUnchanged(_ scalars: [Unicode.Scalar]) -> Bool {
        var previous: UInt32 = 0
        for scalar in scalars {
            let v = scalar.value
            if v >= 0x80 || singleByteHasReplacement[Int(v)] { return false }
            if v == 0x0A && previous == 0x0D && crlfHasReplacement { return false }
            previous = v
        }
        return true
    }
}

/// Strict standard base64 (RFC 4648 alphabet, `=` padding required, no whitespace, zero trailing bits), as the Rust
/// `base64` crate's `STANDARD` engine decodes `precompiled_charsmap`.
enum StrictBase64 {
    /// The decoded bytes, or the reason the text is not strict base64.
    static func decode(_ text: String) -> Result<[UInt8], PrecompiledCharsMap.Malformed> {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else {
            return .failure(.init(reason: "not valid base64: \(input.count) characters, not a multiple of 4"))
        }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            var quad: UInt32 = 0
            var padding = 0
            for k in 0..<4 {
                let c = input[index + k]
                let sextet: UInt32
                switch c {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): sextet = UInt32(c - UInt8(ascii: "A"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): sextet = UInt32(c - UInt8(ascii: "a")) + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): sextet = UInt32(c - UInt8(ascii: "0")) + 52
                case UInt8(ascii: "+"): sextet = 62
                case UInt8(ascii: "/"): sextet = 63
                case UInt8(ascii: "=") where index + 4 == input.count && k >= 2 && (k == 3 || input[index + 3] == UInt8(ascii: "=")):
                    sextet = 0
                    padding += 1
                default:
                    return .failure(.init(reason: "not valid base64: unexpected character at offset \(index + k)"))
                }
                if padding > 0 && sextet != 0 {
                    return .failure(.init(reason: "not valid base64: data after padding at offset \(index + k)"))
                }
                quad = quad << 6 | sextet
            }
            let bytes = [UInt8(truncatingIfNeeded: quad >> 16), UInt8(truncatingIfNeeded: quad >> 8), UInt8(truncatingIfNeeded: quad)]
            // The bits under the padding must be zero.
            if (padding == 1 && bytes[2] != 0) || (padding == 2 && (bytes[1] != 0 || bytes[2] != 0)) {
                return .failure(.init(reason: "not valid base64: non-zero bits before the padding"))
            }
            output += bytes.prefix(3 - padding)
            index += 4
        }
        return .success(output)
    }
}
