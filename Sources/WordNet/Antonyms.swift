// Antonyms: WordNet's antonymy for the validity audit — the lexical antonym pointers (`!`) of a word's
// senses, and for adjectives the indirect antonyms through similar-to (`&`): a satellite ("unthinkable")
// is similar to a head ("unimaginable") whose antonym ("imaginable") and that antonym's own satellites
// count as antonyms of the satellite, as WordNet's own antonym search for satellites shows them.
import Foundation

extension WordNetDatabase {
    /// The antonyms of `word` (lowercased lemmas with spaces), over every base form and sense of it
    /// (`pos` nil: every part of speech).
    public func antonyms(of word: String, pos: PartOfSpeech? = nil) -> Set<String> {
        let key = WordNetDatabase.key(word)
        var result = Set<String>()
        for p in pos.map({ [$0] }) ?? partsOfSpeech {
            let bases = Set(baseFormKeys(key, pos: p).map { WordNetDatabase.spaced($0).lowercased() })
            guard !bases.isEmpty else { continue }
            for synset in synsets(of: word, pos: p) {
                // The word's own positions in the synset (1-based, as pointers number them).
                let positions = synset.words.indices.filter { bases.contains(synset.words[$0].lemma.lowercased()) }.map { $0 + 1 }
                for pointer in synset.pointers(withSymbol: "!")
                where pointer.sourceWord == 0 || positions.contains(pointer.sourceWord) {
                    addAntonym(pointer, into: &result)
                }
                // A satellite adjective: the antonyms of the heads it is similar to.
                guard synset.isSatellite else { continue }
                for similar in synset.pointers(withSymbol: "&") {
                    guard let head = self.synset(similar.target) else { continue }
                    for pointer in head.pointers(withSymbol: "!") { addAntonym(pointer, into: &result) }
                }
            }
        }
        return result
    }

    /// Whether `replacement` is an antonym of `original`: one of the base forms of `replacement` is among
    /// `antonyms(of: original)`.
    public func isAntonym(_ replacement: String, of original: String) -> Bool {
        let antonyms = antonyms(of: original)
        guard !antonyms.isEmpty else { return false }
        return lemmas(of: replacement).contains { antonyms.contains($0.lowercased()) }
            || antonyms.contains(replacement.lowercased())
    }

    /// Adds the word a `!` pointer names (or its synset's words, for a synset-level pointer), and for an
    /// adjective head, the satellites similar to it.
    private func addAntonym(_ pointer: Pointer, into result: inout Set<String>) {
        guard let target = synset(pointer.target) else { return }
        if pointer.targetWord > 0 && pointer.targetWord <= target.words.count {
            result.insert(target.words[pointer.targetWord - 1].lemma.lowercased())
        } else {
            for word in target.words { result.insert(word.lemma.lowercased()) }
        }
        if target.pos == .adjective && !target.isSatellite {
            for similar in target.pointers(withSymbol: "&") {
                guard let satellite = synset(similar.target) else { continue }
                for word in satellite.words { result.insert(word.lemma.lowercased()) }
            }
        }
    }
}
