// IntegerTable: an open-addressing hash table from UInt64 keys to Int64 values with a multiplicative hash, for the
// lookups made for every scalar on the hot path (trie edges, BPE merges), where Swift's Dictionary and its SipHash
// took a quarter of the tokenizer's profile.

/// A hash map `UInt64 → Int64` (linear probing, power-of-two size, at most half full). Immutable once built, so
/// it is shared freely between threads.
struct IntegerTable: Sendable {
    private var keys: [UInt64]
    private var values: [Int64]
    private var shift: UInt64
    private(set) var count = 0
    /// `UInt64.max` marks an empty slot, so a value stored under that key lives here.
    private var valueOfMaxKey: Int64?

    private static let empty = UInt64.max

    init(minimumCapacity: Int = 0) {
        var size = 16
        while size < minimumCapacity * 2 { size *= 2 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [Int64](repeating: 0, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The value stored under `key`, if any.
    @inline(__always)
    func value(_ key: UInt64) -> Int64? {
        if key == Self.empty { return valueOfMaxKey }
        let mask = keys.count - 1
        var index = slot(key)
        while true {
            let found = keys[index]
            if found == key { return values[index] }
            if found == Self.empty { return nil }
            index = (index + 1) & mask
        }
    }

    /// Stores `value` under `key`, replacing what was there.
    mutating func set(_ key: UInt64, _ value: Int64) {
        if key == Self.empty {
            if valueOfMaxKey == nil { count += 1 }
            valueOfMaxKey = value
            return
        }
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var index = slot(key)
        while keys[index] != Self.empty && keys[index] != key { index = (index + 1) & mask }
        if keys[index] == Self.empty { count += 1 }
        keys[index] = key
        values[index] = value
    }

    private mutating func grow() {
        var bigger = IntegerTable(minimumCapacity: keys.count)
        for (key, value) in zip(keys, values) where key != Self.empty { bigger.set(key, value) }
        if let value = valueOfMaxKey { bigger.set(Self.empty, value) }
        self = bigger
    }
}
