// TokenBatch: sequences of token ids packed end to end (no padding), so every dense layer works only
// on real tokens and attention runs per sequence over exactly its own keys.
public struct TokenBatch: Sendable, Equatable {
    public private(set) var tokenIDs: [Int32] = []
    public private(set) var typeIDs: [Int32] = []
    public private(set) var lengths: [Int] = []
    public private(set) var starts: [Int] = []

    public var count: Int { lengths.count }
    public var tokenCount: Int { tokenIDs.count }
    public var longest: Int { lengths.max() ?? 0 }

    public init() {}

    public init(_ sequences: [[Int32]], typeIDs: [[Int32]]? = nil) {
        for (index, sequence) in sequences.enumerated() {
            append(sequence, typeIDs: typeIDs?[index])
        }
    }

    public mutating func append(_ ids: [Int32], typeIDs types: [Int32]? = nil) {
        starts.append(tokenIDs.count)
        lengths.append(ids.count)
        tokenIDs.append(contentsOf: ids)
        if let types, types.count == ids.count {
            typeIDs.append(contentsOf: types)
        } else {
            typeIDs.append(contentsOf: repeatElement(0, count: ids.count))
        }
    }

    public mutating func removeAll() {
        tokenIDs.removeAll(keepingCapacity: true)
        typeIDs.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
    }

    /// Checks ids and lengths against a model's sizes, so kernels never index out of range.
    public func validate(_ config: EncoderConfig) throws {
        let longest = config.maxSequenceLength
        for (index, length) in lengths.enumerated() {
            guard length > 0 else { throw EngineError.invalidInput("sequence \(index) is empty (it needs at least [CLS] and [SEP])") }
            guard length <= longest else {
                throw EngineError.invalidInput("sequence \(index) has \(length) tokens; the model takes at most \(longest)")
            }
        }
        for id in tokenIDs where id < 0 || Int(id) >= config.vocabSize {
            throw EngineError.invalidInput("token id \(id) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        let types = max(config.typeVocabSize, 1)
        for id in typeIDs where id < 0 || Int(id) >= types {
            throw EngineError.invalidInput("token type id \(id) is outside 0..<\(types)")
        }
    }
}
