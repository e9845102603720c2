// TextAugmenter: makes augmented versions of one text with a recipe's operations — EDA's synonym
// replacement, random insertion, random swap and random deletion (Wei & Zou 2019, after their
// eda.py), character noise, and UDA's TF-IDF word replacement (`TfIdfReplacement`, which needs the corpus's
// statistics). Unlike eda.py it keeps the text's case and punctuation: edits work
// on the words of an `AttackedText`, and the separators between them stay as they were.
//
// EDA mode (combine: false): ⌊N/k⌋+1 candidates per operation (k operations), shuffled, the first N
// distinct ones kept; if repeats leave fewer than N, further rounds fill up (at most 4 rounds), so a
// short text can yield fewer than N. Combined mode applies every operation to each candidate.
// Randomness comes only from the generator passed in, so the output is a function of (recipe, text, seed).
import Attacks
import Basics

public struct TextAugmenter {
    public let recipe: AugmentationRecipe
    let lexicon: Lexicon
    let stopwords: Set<String>
    let corpus: TfIdfStatistics?

    /// `lexicon` answers synonym lookups (one per thread: it caches); `corpus` holds the statistics of the texts
    /// being augmented, which a recipe with `tfidf_replace` needs (without them the operation changes nothing).
    public init(recipe: AugmentationRecipe, lexicon: Lexicon, stopwords: Set<String> = Stopwords.nltk,
                corpus: TfIdfStatistics? = nil) {
        self.recipe = recipe
        self.lexicon = lexicon
        self.stopwords = stopwords
        self.corpus = corpus
    }

    /// Up to `count` distinct augmented texts, none equal to `text`.
    public func augment(_ text: String, count: Int, random: inout SeededRandom) -> [String] {
        let original = AttackedText(text)
        guard original.count > 0, count > 0, !recipe.operations.isEmpty else { return [] }
        var kept: [String] = []
        var seen: Set<String> = [text]
        for _ in 0..<4 where kept.count < count {
            var round: [String] = []
            if recipe.combine {
                for _ in 0..<count {
                    var edited = original
                    for (operation, rate) in recipe.operations { edited = apply(operation, rate: rate, to: edited, random: &random) }
                    round.append(edited.text)
                }
            } else {
                let perOperation = count / recipe.operations.count + 1
                for (operation, rate) in recipe.operations {
                    for _ in 0..<perOperation { round.append(apply(operation, rate: rate, to: original, random: &random).text) }
                }
                for i in stride(from: round.count - 1, to: 0, by: -1) { round.swapAt(i, random.below(i + 1)) }
            }
            for candidate in round where kept.count < count && !candidate.allSatisfy(\.isWhitespace) {
                if seen.insert(candidate).inserted { kept.append(candidate) }
            }
        }
        return kept
    }

    /// One operation on `text` (returns `text` unchanged when the operation finds nothing to do).
    public func apply(_ operation: AugmentationRecipe.Operation, rate: Double, to text: AttackedText,
                      random: inout SeededRandom) -> AttackedText {
        let words = text.count
        let n = max(1, Int(rate * Double(words)))
        switch operation {
        case .synonymReplacement: return replaceSynonyms(text, n: n, random: &random)
        case .randomInsertion: return insertSynonyms(text, n: n, random: &random)
        case .randomSwap: return swapWords(text, n: n, random: &random)
        case .randomDeletion: return deleteWords(text, probability: rate, random: &random)
        case .charNoise: return addCharacterNoise(text, n: n, random: &random)
        case .tfidfReplace: return corpus?.replace(text, rate: rate, random: &random) ?? text
        }
    }

    /// A capitalised word after the first is likely a name ("The Rock", "Van Damme"); WordNet would
    /// swap it for a common noun ("Careen"), so synonym operations leave it alone.
    static func isLikelyName(_ word: String, at index: Int) -> Bool {
        index > 0 && (word.first?.isUppercase ?? false)
    }

    static func isLetters(_ word: String) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy { ($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A }
    }

    /// EDA's synonym replacement: distinct non-stopwords in random order; each that has synonyms has
    /// all its occurrences replaced by one random synonym, until n words were replaced.
    func replaceSynonyms(_ text: AttackedText, n: Int, random: inout SeededRandom) -> AttackedText {
        // Positions per distinct word, found once: a replaced word is never picked again, and a name
        // spelled like an eligible word (a capitalised "Rock" later on) stays.
        var positions: [String: [Int]] = [:]
        var distinct: [String] = []
        for (index, word) in text.words.enumerated()
        where Self.isLetters(word) && !Self.isLikelyName(word, at: index) && !stopwords.contains(word.lowercased()) {
            if positions[word] == nil { distinct.append(word) }
            positions[word, default: []].append(index)
        }
        shuffle(&distinct, &random)
        var result = text
        var replaced = 0
        for word in distinct where replaced < n {
            let synonyms = acceptable(lexicon.synonyms(of: word, inflect: true, maxSenses: nil))
            guard !synonyms.isEmpty else { continue }
            let synonym = synonyms[random.below(synonyms.count)]
            for index in positions[word] ?? [] { result = result.replacingWord(at: index, with: synonym) }
            replaced += 1
        }
        return result
    }

    /// WordNet lists vulgar senses among the synonyms of everyday words ("love", "have"); augmented
    /// training data should not pick them up.
    static let vulgar: Set<String> = ["fuck", "fucks", "fucked", "fucking", "shag", "shags", "shagged", "shagging",
                                      "bonk", "bonks", "bonked", "bonking", "hump", "humps", "humped", "humping",
                                      "nookie", "nooky", "screwing"]

    func acceptable(_ synonyms: [String]) -> [String] {
        synonyms.filter { !Self.vulgar.contains($0.lowercased()) }
    }

    /// EDA's random insertion: n times, a random synonym of a random word (10 tries to find a word
    /// with synonyms) goes to a random position.
    func insertSynonyms(_ text: AttackedText, n: Int, random: inout SeededRandom) -> AttackedText {
        guard text.count > 0 else { return text }
        var result = text
        for _ in 0..<n {
            var synonyms: [String] = []
            for _ in 0..<10 where synonyms.isEmpty {
                let index = random.below(result.count)
                let word = result.words[index]
                if Self.isLetters(word) && !Self.isLikelyName(word, at: index) {
                    synonyms = acceptable(lexicon.synonyms(of: word.lowercased(), inflect: true, maxSenses: nil))
                }
            }
            guard !synonyms.isEmpty else { break }
            result = result.insertingWord(synonyms[random.below(synonyms.count)], at: random.below(result.count + 1))
        }
        return result
    }

    /// EDA's random swap: n times, two random positions (3 tries to find a different word) swap.
    func swapWords(_ text: AttackedText, n: Int, random: inout SeededRandom) -> AttackedText {
        guard text.count > 1 else { return text }
        var result = text
        for _ in 0..<n {
            let i = random.below(result.count)
            for _ in 0..<3 {
                let j = random.below(result.count)
                if j != i && result.words[j] != result.words[i] {
                    result = result.swappingWords(i, j)
                    break
                }
            }
        }
        return result
    }

    /// EDA's random deletion: each word goes with probability p; a one-word text stays, and if every
    /// word would go, one random word stays.
    func deleteWords(_ text: AttackedText, probability: Double, random: inout SeededRandom) -> AttackedText {
        guard text.count > 1 else { return text }
        var doomed = (0..<text.count).filter { _ in Double(random.uniform()) < probability }
        if doomed.count == text.count { doomed.remove(at: random.below(doomed.count)) }
        var result = text
        for index in doomed.reversed() { result = result.deletingWord(at: index) }
        return result
    }

    /// Character noise: n distinct random words of 3+ letters each get one random character edit
    /// (swap, substitute, delete or insert), as DeepWordBug's edits.
    func addCharacterNoise(_ text: AttackedText, n: Int, random: inout SeededRandom) -> AttackedText {
        var positions = text.words.indices.filter { text.words[$0].count >= 3 && Self.isLetters(text.words[$0]) }
        shuffle(&positions, &random)
        var result = text
        for index in positions.prefix(n) {
            let kinds: [CharacterEdit.Kind] = [.swap, .substitute, .delete, .insert]
            let edit = CharacterEdit(kinds[random.below(kinds.count)], randomOne: true)
            if let edited = edit.editedWords(Array(result.words[index]), random: &random).first, edited != result.words[index] {
                result = result.replacingWord(at: index, with: edited)
            }
        }
        return result
    }

    func shuffle<T>(_ items: inout [T], _ random: inout SeededRandom) {
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, random.below(i + 1)) }
    }
}
