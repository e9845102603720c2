// Sampling: `--sample N`, a seeded random subset of a split kept in the split's order. A split is often
// sorted by label (mr's test split lists its positive reviews first), so the first N examples
// (`--limit`) can be one class only.
import Basics

public enum Sampling {
    public static func sample<T>(_ items: [T], count: Int, seed: UInt64) -> [T] {
        guard count < items.count else { return items }
        var order = Array(items.indices)
        var random = SeededRandom(seed: SeededRandom.mix(seed, 0x5A4D_504C))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        return order.prefix(count).sorted().map { items[$0] }
    }
}
