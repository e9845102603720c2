// TextPattern: what a split or a replacement looks for — a scalar, a scalar class, a literal string or a regular
// expression — and its matches as HF `Pattern::find_matches` gives them (matched and unmatched pieces in order).
import Foundation

enum TextPattern: Sendable {
    case scalar(Unicode.Scalar)
    case predicate(@Sendable (Unicode.Scalar) -> Bool)
    case literal([Unicode.Scalar])
    /// Maximal runs of one scalar at least `minimum` long: the regexes `c{n,}` and `c+` (sentencepiece conversions
    /// collapse spaces with `" {2,}"`), matched without building a string for ICU.
    case run(Unicode.Scalar, minimum: Int)
    case regex(CompiledRegex)

    struct Match: Equatable {
        var range: Range<Int>
        var isMatch: Bool
    }

    /// The input cut into consecutive pieces, each a match or not; `[0..<0, false]` for an empty input.
    func matches(in scalars: [Unicode.Scalar]) -> [Match] {
        switch self {
        case .scalar(let target):
            return Self.classMatches(scalars) { $0 == target }
        case .predicate(let test):
            return Self.classMatches(scalars, test)
        case .literal(let needle):
            if needle.isEmpty { return [Match(range: 0..<scalars.count, isMatch: false)] }
            return Self.pieces(scalars.count, literalMatches(needle, in: scalars))
        case .run(let target, let minimum):
            return Self.pieces(scalars.count, Self.runMatches(of: target, minimum: minimum, in: scalars))
        case .regex(let regex):
            return Self.pieces(scalars.count, regex.matches(in: scalars))
        }
    }

    /// Whether the pattern can match anywhere in `scalars` (false lets a replacement skip its work).
    func mayMatch(in scalars: [Unicode.Scalar]) -> Bool {
        switch self {
        case .scalar(let target): return scalars.contains(target)
        case .literal(let needle): return needle.first.map { scalars.contains($0) } ?? false
        case .run(let target, _): return scalars.contains(target)
        case .predicate, .regex: return true
        }
    }

    /// `c{n,}` or `c+` as a run pattern, when `source` is exactly that with a literal `c`; else nil.
    static func run(regex source: String) -> TextPattern? {
        var scalars = Array(source.unicodeScalars)
        guard scalars.count >= 2 else { return nil }
        var target = scalars.removeFirst()
        if target == "\\" {
            // An escaped punctuation character is itself; escaped letters are classes (\s, \d, ...).
            guard let escaped = scalars.first, escaped.value < 0x80, !UnicodeClasses.isAlphabetic(escaped),
                  !(escaped.value >= 0x30 && escaped.value <= 0x39) else { return nil }
            target = scalars.removeFirst()
        } else if "^$.|?*+()[]{}".unicodeScalars.contains(target) {
            return nil
        }
        if scalars == ["+"] { return .run(target, minimum: 1) }
        guard scalars.count >= 4, scalars.first == "{", scalars.suffix(2).elementsEqual([",", "}"]) else { return nil }
        let digits = scalars.dropFirst().dropLast(2)
        guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.value >= 0x30 && $0.value <= 0x39 }),
              let minimum = Int(String(String.UnicodeScalarView(digits))), minimum >= 1 else { return nil }
        return .run(target, minimum: minimum)
    }

    private static func runMatches(of target: Unicode.Scalar, minimum: Int, in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var i = 0
        while i < scalars.count {
            guard scalars[i] == target else { i += 1; continue }
            var end = i + 1
            while end < scalars.count, scalars[end] == target { end += 1 }
            if end - i >= minimum { result.append(i..<end) }
            i = end
        }
        return result
    }

    /// Every scalar satisfying `test` is a match of its own (HF `impl Pattern for Fn(char) -> bool`).
    private static func classMatches(_ scalars: [Unicode.Scalar], _ test: (Unicode.Scalar) -> Bool) -> [Match] {
        if scalars.isEmpty { return [Match(range: 0..<0, isMatch: false)] }
        var result: [Match] = []
        var last = 0
        for (index, scalar) in scalars.enumerated() where test(scalar) {
            if last < index { result.append(Match(range: last..<index, isMatch: false)) }
            result.append(Match(range: index..<(index + 1), isMatch: true))
            last = index + 1
        }
        if last < scalars.count { result.append(Match(range: last..<scalars.count, isMatch: false)) }
        return result
    }

    /// Match ranges → consecutive pieces (HF `impl Pattern for &Regex`).
    private static func pieces(_ count: Int, _ ranges: [Range<Int>]) -> [Match] {
        if count == 0 { return [Match(range: 0..<0, isMatch: false)] }
        var result: [Match] = []
        var previous = 0
        for range in ranges {
            if previous != range.lowerBound { result.append(Match(range: previous..<range.lowerBound, isMatch: false)) }
            result.append(Match(range: range, isMatch: true))
            previous = range.upperBound
        }
        if previous != count { result.append(Match(range: previous..<count, isMatch: false)) }
        return result
    }

    private func literalMatches(_ needle: [Unicode.Scalar], in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var i = 0
        while i + needle.count <= scalars.count {
            if scalars[i] == needle[0] && scalars[i..<(i + needle.count)].elementsEqual(needle) {
                result.append(i..<(i + needle.count))
                i += needle.count
            } else {
                i += 1
            }
        }
        return result
    }
}

/// A regular expression from a tokenizer.json (`{"Regex": "..."}`). `tokenizers` compiles these with Oniguruma;
/// robust uses ICU (`NSRegularExpression`), whose syntax agrees for the patterns tokenizers use (classes,
/// `\p{L}`, `\s`, lookahead, alternation, counted repetition). GPT-2's byte-level pattern is not compiled here:
/// ``ByteLevelPreTokenizer`` matches it by hand, exactly as Oniguruma does.
struct CompiledRegex: @unchecked Sendable {
    let pattern: String
    private let regex: NSRegularExpression

    init(_ pattern: String) throws {
        self.pattern = pattern
        do { regex = try NSRegularExpression(pattern: pattern, options: []) } catch {
            throw TokenizerError.invalidOption("invalid regular expression '\(pattern)'")
        }
    }

    /// Non-overlapping matches, as scalar ranges.
    func matches(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        let text = String(view)
        // UTF-16 offset → scalar index.
        var scalarAt = [Int](repeating: 0, count: text.utf16.count + 1)
        var u = 0
        for (index, scalar) in scalars.enumerated() {
            let width = scalar.value > 0xFFFF ? 2 : 1
            for k in 0..<width { scalarAt[u + k] = index }
            u += width
        }
        scalarAt[u] = scalars.count
        let found = regex.matches(in: text, options: [], range: NSRange(location: 0, length: u))
        return found.compactMap { match in
            let r = match.range
            guard r.location != NSNotFound, r.location + r.length <= u else { return nil }
            return scalarAt[r.location]..<scalarAt[r.location + r.length]
        }
    }
}
