// Character edits inside one word, as in DeepWordBug (Gao et al. 2018) and TextAttack's character
// swaps, plus keyboard-neighbour and homoglyph substitutions:
//   swap        exchange two neighbouring characters          (film → flim)
//   substitute  replace a character by a random letter        (film → fizm)
//   delete      drop a character (words of 2+ characters)      (film → flm)
//   insert      add a random letter before a character         (film → fiilm)
//   keyboard    replace a letter by a QWERTY neighbour          (film → filn)
//   homoglyph   replace a letter by a look-alike from another script (film → fіlm, Cyrillic і)
// `random_one` (the default, as in TextAttack's DeepWordBug) gives one random edit per word; without
// it, every edit (every position; every neighbour or look-alike) is a candidate, and substitute and
// insert draw one random letter per position. `skip_first` / `skip_last` keep the word's first / last
// character. Random letters are a–z, upper case where the original character is upper case.
import Basics

public struct CharacterEdit: Transformation {
    public enum Kind: String, Sendable, CaseIterable {
        case swap, substitute, delete, insert, keyboard, homoglyph
    }

    public var kind: Kind
    public var randomOne: Bool
    public var skipFirst: Bool
    public var skipLast: Bool

    public init(_ kind: Kind, randomOne: Bool = true, skipFirst: Bool = false, skipLast: Bool = false) {
        self.kind = kind
        self.randomOne = randomOne
        self.skipFirst = skipFirst
        self.skipLast = skipLast
    }

    public var name: String { "char-\(kind.rawValue)" }

    public func candidates(of text: AttackedText, at index: Int, context: AttackContext) -> [AttackedText] {
        let word = Array(text.words[index])
        var edits = editedWords(word, random: &context.random)
        edits.removeAll { $0 == text.words[index] }
        return edits.map { text.replacingWord(at: index, with: $0) }
    }

    /// The edited forms of one word (exposed for tests).
    public func editedWords(_ word: [Character], random: inout SeededRandom) -> [String] {
        let n = word.count
        let first = skipFirst ? 1 : 0
        let last = skipLast ? n - 1 : n          // positions first..<last may change
        switch kind {
        case .swap:
            // positions i, i+1 both inside the editable range
            let positions = Array(stride(from: first, to: last - 1, by: 1))
            return pick(positions, &random).map { i in
                var w = word
                w.swapAt(i, i + 1)
                return String(w)
            }
        case .substitute:
            let positions = Array(first..<max(first, last))
            return pick(positions, &random).map { i in
                var w = word
                w[i] = CharacterEdit.randomLetter(like: word[i], avoiding: word[i], &random)
                return String(w)
            }
        case .delete:
            guard n > 1 else { return [] }
            let positions = Array(first..<max(first, last))
            return pick(positions, &random).map { i in
                var w = word
                w.remove(at: i)
                return String(w)
            }
        case .insert:
            let positions = Array(first..<max(first, last))
            return pick(positions, &random).map { i in
                var w = word
                w.insert(CharacterEdit.randomLetter(like: word[i], avoiding: nil, &random), at: i)
                return String(w)
            }
        case .keyboard, .homoglyph:
            var options: [(Int, Character)] = []
            for i in first..<max(first, last) {
                let replacements = kind == .keyboard ? CharacterEdit.keyboardNeighbours(word[i])
                                                     : CharacterEdit.homoglyphs[word[i]].map { [$0] } ?? []
                for r in replacements { options.append((i, r)) }
            }
            if options.isEmpty { return [] }
            let chosen = randomOne ? [options[random.below(options.count)]] : options
            return chosen.map { i, r in
                var w = word
                w[i] = r
                return String(w)
            }
        }
    }

    private func pick(_ positions: [Int], _ random: inout SeededRandom) -> [Int] {
        guard !positions.isEmpty else { return [] }
        return randomOne ? [positions[random.below(positions.count)]] : positions
    }

    static let letters: [Character] = Array("abcdefghijklmnopqrstuvwxyz")

    static func randomLetter(like original: Character, avoiding: Character?, _ random: inout SeededRandom) -> Character {
        var k = random.below(letters.count)
        if let avoiding, String(letters[k]) == avoiding.lowercased() {
            k = (k + 1 + random.below(letters.count - 1)) % letters.count
        }
        return original.isUppercase ? Character(letters[k].uppercased()) : letters[k]
    }

    static let keyboardRows: [[Character]] = [Array("qwertyuiop"), Array("asdfghjkl"), Array("zxcvbnm")]

    /// QWERTY neighbours of a letter: left and right on its row, and the keys touching it on the rows
    /// above and below (the rows are staggered). Case follows the original.
    static func keyboardNeighbours(_ character: Character) -> [Character] {
        let lower = Character(character.lowercased())
        for (r, row) in keyboardRows.enumerated() {
            guard let c = row.firstIndex(of: lower) else { continue }
            var out: [Character] = []
            func add(_ rr: Int, _ cc: Int) {
                guard keyboardRows.indices.contains(rr), keyboardRows[rr].indices.contains(cc) else { return }
                out.append(keyboardRows[rr][cc])
            }
            add(r, c - 1)
            add(r, c + 1)
            add(r - 1, c)
            add(r - 1, c + 1)
            add(r + 1, c - 1)
            add(r + 1, c)
            return character.isUppercase ? out.map { Character($0.uppercased()) } : out
        }
        return []
    }

    /// Latin letters and look-alikes from Cyrillic, Greek and Armenian (all letters, so the edited word
    /// stays one word).
    static let homoglyphs: [Character: Character] = [
        "a": "\u{0430}", "c": "\u{0441}", "d": "\u{0501}", "e": "\u{0435}", "g": "\u{0261}", "h": "\u{04BB}",
        "i": "\u{0456}", "j": "\u{0458}", "k": "\u{03BA}", "l": "\u{04CF}", "n": "\u{0578}", "o": "\u{043E}",
        "p": "\u{0440}", "q": "\u{051B}", "s": "\u{0455}", "u": "\u{057D}", "v": "\u{0475}", "w": "\u{051D}",
        "x": "\u{0445}", "y": "\u{0443}",
        "A": "\u{0410}", "B": "\u{0412}", "C": "\u{0421}", "E": "\u{0415}", "H": "\u{041D}", "I": "\u{0406}",
        "J": "\u{0408}", "K": "\u{041A}", "M": "\u{041C}", "O": "\u{041E}", "P": "\u{0420}", "S": "\u{0405}",
        "T": "\u{0422}", "X": "\u{0425}", "Y": "\u{04AE}",
    ]
}
