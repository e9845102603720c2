// NormalizedText: a piece of the input as normalisation changed it, with each normalised scalar aligned to the
// original scalars it came from (Hugging Face `NormalizedString`, in Unicode scalars instead of bytes).

/// A normalised piece of the input. `scalars[i]` came from the original scalars `starts[i]..<ends[i]`
/// (absolute offsets in the whole input); `original` is the range of the input this piece covers.
///
/// Every operation mirrors `tokenizers`' `NormalizedString` (src/tokenizer/normalizer.rs), whose byte
/// alignments always fall on character boundaries, so working per scalar gives the same offsets.
struct NormalizedText: Sendable {
    var scalars: [Unicode.Scalar]
    var starts: [Int]
    var ends: [Int]
    /// The original scalars this piece covers (HF `offsets_original`).
    var original: Range<Int>

    init(_ input: [Unicode.Scalar], from start: Int = 0) {
        scalars = input
        starts = Array(start..<(start + input.count))
        ends = Array((start + 1)..<(start + input.count + 1))
        original = start..<(start + input.count)
    }

    init(scalars: [Unicode.Scalar], starts: [Int], ends: [Int], original: Range<Int>) {
        self.scalars = scalars
        self.starts = starts
        self.ends = ends
        self.original = original
    }

    var isEmpty: Bool { scalars.isEmpty }
    var count: Int { scalars.count }

    /// The original range of normalised scalars `range` (HF `convert_offsets(Range::Normalized)`).
    func originalRange(of range: Range<Int>) -> Range<Int> {
        if range.isEmpty { return (original.lowerBound + range.lowerBound)..<(original.lowerBound + range.lowerBound) }
        return starts[range.lowerBound]..<ends[range.upperBound - 1]
    }

    /// The sub-piece of normalised scalars `range` (HF `slice(Range::Normalized)`).
    func slice(_ range: Range<Int>) -> NormalizedText {
        let originalRange = range.isEmpty ? original.lowerBound..<original.lowerBound : self.originalRange(of: range)
        return NormalizedText(scalars: Array(scalars[range]), starts: Array(starts[range]), ends: Array(ends[range]),
                              original: originalRange)
    }

    /// Replaces the whole text by `changes`: each new scalar with its HF change code (0: replaces the next old
    /// scalar, > 0: inserted, −n: replaces the next old scalar and removes n more), after removing
    /// `initialRemoved` old scalars at the start (HF `transform`).
    mutating func transform(_ changes: [(Unicode.Scalar, Int)], initialRemoved: Int = 0) {
        var newScalars: [Unicode.Scalar] = []
        var newStarts: [Int] = []
        var newEnds: [Int] = []
        newScalars.reserveCapacity(changes.count)
        newStarts.reserveCapacity(changes.count)
        newEnds.reserveCapacity(changes.count)
        var position = initialRemoved
        for (scalar, change) in changes {
            let start: Int, end: Int
            if change > 0 {
                // An inserted scalar shares the alignment of the one before it.
                if position < 1 {
                    start = original.lowerBound
                    end = original.lowerBound
                } else {
                    start = starts[min(position - 1, starts.count - 1)]
                    end = ends[min(position - 1, ends.count - 1)]
                }
            } else if position < starts.count {
                start = starts[position]
                end = ends[position]
                position += 1 - change
            } else {
                start = original.upperBound
                end = original.upperBound
            }
            newScalars.append(scalar)
            newStarts.append(start)
            newEnds.append(end)
        }
        scalars = newScalars
        starts = newStarts
        ends = newEnds
    }

    /// Maps every scalar to zero or more scalars (the first replaces it, the rest are inserted after it).
    mutating func map(_ body: (Unicode.Scalar, inout [Unicode.Scalar]) -> Void) {
        var changes: [(Unicode.Scalar, Int)] = []
        changes.reserveCapacity(scalars.count)
        var buffer: [Unicode.Scalar] = []
        var removedAtStart = 0
        var pendingRemoval = 0
        for scalar in scalars {
            buffer.removeAll(keepingCapacity: true)
            body(scalar, &buffer)
            if buffer.isEmpty {
                if changes.isEmpty { removedAtStart += 1 } else { pendingRemoval += 1 }
                continue
            }
            if pendingRemoval > 0, let last = changes.indices.last {
                // HF `filter`: the kept scalar before a removed run absorbs it.
                changes[last].1 -= pendingRemoval
                pendingRemoval = 0
            }
            for (index, produced) in buffer.enumerated() { changes.append((produced, index == 0 ? 0 : 1)) }
        }
        if pendingRemoval > 0, let last = changes.indices.last { changes[last].1 -= pendingRemoval }
        if changes.isEmpty { removedAtStart = scalars.count }
        transform(changes, initialRemoved: removedAtStart)
    }

    /// Keeps the scalars for which `keep` is true (HF `filter`).
    mutating func filter(_ keep: (Unicode.Scalar) -> Bool) {
        guard scalars.contains(where: { !keep($0) }) else { return }
        map { scalar, out in if keep(scalar) { out.append(scalar) } }
    }

    /// Prepends `text`: every new scalar takes the alignment of the first scalar (HF `prepend`).
    mutating func prepend(_ text: [Unicode.Scalar]) {
        guard !scalars.isEmpty, !text.isEmpty else { return }
        let start = starts[0], end = ends[0]
        scalars.insert(contentsOf: text, at: 0)
        starts.insert(contentsOf: repeatElement(start, count: text.count), at: 0)
        ends.insert(contentsOf: repeatElement(end, count: text.count), at: 0)
    }

    /// Lowercases each scalar with its full mapping (Rust `char::to_lowercase`).
    mutating func lowercase() {
        guard scalars.contains(where: { $0.value >= 0x80 || ($0.value >= 0x41 && $0.value <= 0x5A) }) else { return }
        map { scalar, out in UnicodeClasses.appendLowercase(scalar, to: &out) }
    }

    /// Removes leading and/or trailing whitespace (HF `lrstrip`).
    mutating func strip(left: Bool, right: Bool) {
        var lower = 0
        var upper = scalars.count
        if left { while lower < upper, UnicodeClasses.isWhitespace(scalars[lower]) { lower += 1 } }
        if right { while upper > lower, UnicodeClasses.isWhitespace(scalars[upper - 1]) { upper -= 1 } }
        guard lower > 0 || upper < scalars.count else { return }
        var changes: [(Unicode.Scalar, Int)] = scalars[lower..<upper].map { ($0, 0) }
        if let last = changes.indices.last { changes[last].1 = -(scalars.count - upper) }
        transform(changes, initialRemoved: lower)
    }

    /// Replaces every match of `pattern` by `content` (HF `replace`): the new scalars all take the alignment of
    /// the scalar before the match (or the start of the piece).
    mutating func replace(_ pattern: TextPattern, with content: [Unicode.Scalar]) {
        guard pattern.mayMatch(in: scalars) else { return }
        let matches = pattern.matches(in: scalars)
        guard matches.contains(where: \.isMatch) else { return }
        var newScalars: [Unicode.Scalar] = []
        var newStarts: [Int] = []
        var newEnds: [Int] = []
        newScalars.reserveCapacity(scalars.count)
        for piece in matches {
            if !piece.isMatch {
                newScalars.append(contentsOf: scalars[piece.range])
                newStarts.append(contentsOf: starts[piece.range])
                newEnds.append(contentsOf: ends[piece.range])
                continue
            }
            // HF computes the alignment of each inserted scalar from the position after the whole match.
            let position = piece.range.upperBound
            let start = position < 1 ? original.lowerBound : starts[position - 1]
            let end = position < 1 ? original.lowerBound : ends[position - 1]
            for scalar in content {
                newScalars.append(scalar)
                newStarts.append(start)
                newEnds.append(end)
            }
        }
        scalars = newScalars
        starts = newStarts
        ends = newEnds
    }

    /// Splits into pieces by `pattern` with HF's delimiter `behavior` (HF `split`).
    func split(_ pattern: TextPattern, behavior: SplitBehavior, invert: Bool = false) -> [NormalizedText] {
        var matches = pattern.matches(in: scalars)
        if invert { for i in matches.indices { matches[i].isMatch.toggle() } }
        return split(matches: matches, behavior: behavior)
    }

    func split(matches: [TextPattern.Match], behavior: SplitBehavior) -> [NormalizedText] {
        var pieces: [(range: Range<Int>, remove: Bool)] = []
        pieces.reserveCapacity(matches.count)
        switch behavior {
        case .isolated:
            for m in matches { pieces.append((m.range, false)) }
        case .removed:
            for m in matches { pieces.append((m.range, m.isMatch)) }
        case .contiguous, .mergedWithPrevious:
            // Contiguous joins runs of the same kind; merged-with-previous joins a match to what precedes it.
            var previous = false
            for m in matches {
                let join = behavior == .contiguous ? m.isMatch == previous : m.isMatch && !previous
                if join, let last = pieces.indices.last {
                    pieces[last].range = pieces[last].range.lowerBound..<m.range.upperBound
                } else {
                    pieces.append((m.range, false))
                }
                previous = m.isMatch
            }
        case .mergedWithNext:
            var previous = false
            for m in matches.reversed() {
                if m.isMatch && !previous, let last = pieces.indices.last {
                    pieces[last].range = m.range.lowerBound..<pieces[last].range.upperBound
                } else {
                    pieces.append((m.range, false))
                }
                previous = m.isMatch
            }
            pieces.reverse()
        }
        return pieces.compactMap { $0.remove ? nil : slice($0.range) }
    }
}

/// HF `SplitDelimiterBehavior`.
enum SplitBehavior: String, Sendable, CaseIterable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"
}
