// Batching: tokenised examples grouped into length-bucketed batches (sorted within shuffled pools,
// so each batch pads to nothing and the order still varies per epoch), deterministic by seed and epoch.
import Basics
import Tensors
import Transformer

/// A tokenised example: token ids with [CLS]/[SEP], and its class index.
public struct TokenizedExample: Sendable, Equatable, Codable {
    public var ids: [Int32]
    public var label: Int

    public init(ids: [Int32], label: Int) {
        self.ids = ids
        self.label = label
    }
}

public enum Batching {
    /// Batches of example indices for one epoch. Examples are shuffled, cut into pools of
    /// `poolBatches` batches, sorted by length inside each pool, cut into batches, and the batch order
    /// is shuffled again, so similar lengths share a batch without a fixed curriculum.
    public static func epochBatches(lengths: [Int], batchSize: Int, seed: UInt64, epoch: Int,
                                    poolBatches: Int = 50) -> [[Int]] {
        guard !lengths.isEmpty, batchSize > 0 else { return [] }
        var random = SeededRandom(seed: SeededRandom.mix(seed, epoch, 17))
        var order = Array(lengths.indices)
        shuffle(&order, &random)
        var batches: [[Int]] = []
        let pool = batchSize * max(1, poolBatches)
        for start in stride(from: 0, to: order.count, by: pool) {
            let sorted = order[start..<min(start + pool, order.count)].sorted { lengths[$0] < lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
            for batchStart in stride(from: 0, to: sorted.count, by: batchSize) {
                batches.append(Array(sorted[batchStart..<min(batchStart + batchSize, sorted.count)]))
            }
        }
        shuffle(&batches, &random)
        return batches
    }

    /// Batches in input order with sequences of similar length together (for evaluation; the caller
    /// maps results back by index).
    public static func evaluationBatches(lengths: [Int], batchSize: Int) -> [[Int]] {
        let sorted = lengths.indices.sorted { lengths[$0] < lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
        return stride(from: 0, to: sorted.count, by: max(1, batchSize)).map {
            Array(sorted[$0..<min($0 + max(1, batchSize), sorted.count)])
        }
    }

    /// Fisher–Yates with the seeded generator (the standard library's shuffle may change across versions).
    static func shuffle<T>(_ items: inout [T], _ random: inout SeededRandom) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = Int(random.next() % UInt64(i + 1))
            items.swapAt(i, j)
        }
    }

    public static func tokenBatch(_ examples: [TokenizedExample], indices: [Int]) -> TokenBatch {
        TokenBatch(indices.map { examples[$0].ids })
    }
}
