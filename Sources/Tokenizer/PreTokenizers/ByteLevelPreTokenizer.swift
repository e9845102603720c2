// ByteLevelPreTokenizer: HF `ByteLevel` — optional prefix space, GPT-2's split pattern, and every UTF-8 byte
// mapped to a printable scalar (the byte-to-unicode table byte-level BPE vocabularies are written in).

struct ByteLevelPreTokenizer: PreTokenizer {
    var addPrefixSpace = true
    var useRegex = true

    init(addPrefixSpace: Bool = true, useRegex: Bool = true) {
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
    }

    init(_ node: JSONNode) throws {
        addPrefixSpace = try node["add_prefix_space"].optional(true) { try $0.bool() }
        useRegex = try node["use_regex"].optional(true) { try $0.bool() }
    }

    /// GPT-2's byte → scalar table: printable Latin-1 bytes map to themselves, the others to U+0100 upwards.
    static let byteToScalar: [Unicode.Scalar] = {
        var printable = Array(UInt32(0x21)...0x7E) + Array(UInt32(0xA1)...0xAC) + Array(UInt32(0xAE)...0xFF)
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for b in printable { table[Int(b)] = Unicode.Scalar(b) ?? " " }
        var next: UInt32 = 0
        for b in 0..<256 where !printable.contains(UInt32(b)) {
            table[b] = Unicode.Scalar(256 + next) ?? " "
            next += 1
            printable.append(UInt32(b))
        }
        return table
    }()

    func preTokenize(_ pieces: inout [TextPiece]) {
        pieces.split { text in
            var text = text
            if addPrefixSpace && text.scalars.first != " " { text.prepend([" "]) }
            guard useRegex else { return [text] }
            return text.split(matches: Self.gpt2Matches(text.scalars), behavior: .isolated)
        }
        for index in pieces.indices where pieces[index].addedToken == nil {
            if pieces[index].text.scalars.allSatisfy({ $0.value < 0x80 }) {
                // One byte per scalar: the alignments stay, only the scalars change.
                for k in pieces[index].text.scalars.indices {
                    pieces[index].text.scalars[k] = Self.byteToScalar[Int(pieces[index].text.scalars[k].value)]
                }
                continue
            }
            var changes: [(Unicode.Scalar, Int)] = []
            changes.reserveCapacity(pieces[index].text.count * 2)
            for scalar in pieces[index].text.scalars {
                var first = true
                UTF8.encode(scalar) { byte in
                    changes.append((Self.byteToScalar[Int(byte)], first ? 0 : 1))
                    first = false
                }
            }
            pieces[index].text.transform(changes)
        }
    }

    /// The matches of `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, found as
    /// Oniguruma finds them (leftmost, first alternative that matches, greedy).
    static func gpt2Matches(_ s: [Unicode.Scalar]) -> [TextPattern.Match] {
        if s.isEmpty { return [TextPattern.Match(range: 0..<0, isMatch: false)] }
        func isSpace(_ i: Int) -> Bool { UnicodeClasses.isWhitespace(s[i]) }
        func isLetter(_ i: Int) -> Bool { UnicodeClasses.isLetter(s[i]) }
        func isNumber(_ i: Int) -> Bool { UnicodeClasses.isNumber(s[i]) }
        func isOther(_ i: Int) -> Bool { !isSpace(i) && !isLetter(i) && !isNumber(i) }
        func run(from start: Int, _ test: (Int) -> Bool) -> Int {
            var j = start
            while j < s.count, test(j) { j += 1 }
            return j
        }
        var result: [TextPattern.Match] = []
        var i = 0
        while i < s.count {
            var end = -1
            if s[i] == "'", i + 1 < s.count {
                let a = s[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" {
                    end = i + 2
                } else if i + 2 < s.count {
                    let b = s[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { end = i + 3 }
                }
            }
            if end < 0 {
                let body = s[i] == " " && i + 1 < s.count ? i + 1 : i
                // ` ?\p{L}+`, then ` ?\p{N}+`, then ` ?[^\s\p{L}\p{N}]+` (no array of closures: this runs per match).
                if isLetter(body) { end = run(from: body, isLetter) } else if body != i, isLetter(i) { end = run(from: i, isLetter) }
                else if isNumber(body) { end = run(from: body, isNumber) } else if body != i, isNumber(i) { end = run(from: i, isNumber) }
                else if isOther(body) { end = run(from: body, isOther) } else if body != i, isOther(i) { end = run(from: i, isOther) }
            }
            if end < 0 {
                // Whitespace: \s+(?!\S), else \s+.
                let runEnd = run(from: i, isSpace)
                if runEnd == s.count || runEnd - i == 1 {
                    end = runEnd
                } else {
                    end = runEnd - 1
                }
            }
            result.append(TextPattern.Match(range: i..<end, isMatch: true))
            i = end
        }
        return result
    }
}
