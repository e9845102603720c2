// TfIdfReplacement: UDA's TF-IDF word replacement (Xie et al. 2020, the `TfIdfWordRep` of their code), as the
// `tfidf_replace` operation of augmentation recipes. Uninformative words of a text are replaced, keywords kept:
// - corpus statistics (`TfIdfStatistics`, from the texts being augmented): idf(w) = ln(N / df(w)) over N texts,
//   and the corpus score s(w) = Σ_texts tf(w, text) · idf(w), with tf = count / the text's word count;
// - in a text of n words, word i has score c_i = tf(w_i, text) · idf(w_i); its replacement probability is
//   rate · n · (max_j c_j − c_i) / Σ_j (max_j c_j − c_i) (the text's keyword — highest score — is never replaced;
//   a text whose words all score alike is left as it is);
// - a replaced word is drawn from the corpus vocabulary with probability ∝ max_w s(w) − s(w), so common,
//   uninformative words come in; it takes the replaced word's capitalisation.
// Words are compared lowercased; only the text's words change, never its separators.
import Attacks
import Basics
import Foundation

public struct TfIdfStatistics: Sendable {
    public let documents: Int
    /// idf by lowercased word.
    public let idf: [String: Double]
    /// The replacement vocabulary (sorted, for a deterministic draw) and the cumulative sampling weights.
    let vocabulary: [String]
    let cumulative: [Double]

    /// Statistics of `texts` (duplicates count as separate texts, as UDA's did).
    public init(texts: [String]) {
        var documentFrequency: [String: Int] = [:]
        var termFrequencies: [[String: Double]] = []
        termFrequencies.reserveCapacity(texts.count)
        for text in texts {
            let words = AttackedText(text).words.map { $0.lowercased() }
            guard !words.isEmpty else { continue }
            var counts: [String: Double] = [:]
            for word in words { counts[word, default: 0] += 1 }
            for word in counts.keys { documentFrequency[word, default: 0] += 1 }
            termFrequencies.append(counts.mapValues { $0 / Double(words.count) })
        }
        documents = termFrequencies.count
        let n = Double(max(documents, 1))
        var idf: [String: Double] = [:]
        for (word, df) in documentFrequency { idf[word] = log(n / Double(df)) }
        var score: [String: Double] = [:]
        for frequencies in termFrequencies {
            for (word, tf) in frequencies { score[word, default: 0] += tf * (idf[word] ?? 0) }
        }
        self.idf = idf
        let vocabulary = score.keys.sorted()
        let top = score.values.max() ?? 0
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(vocabulary.count)
        for word in vocabulary {
            total += top - (score[word] ?? 0)
            cumulative.append(total)
        }
        self.vocabulary = vocabulary
        self.cumulative = cumulative
    }

    /// A replacement word drawn with probability ∝ max s − s(w); nil when every word scores alike.
    func drawWord(_ random: inout SeededRandom) -> String? {
        guard let total = cumulative.last, total > 0 else { return nil }
        let target = Double(random.uniform()) * total
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return vocabulary[low]
    }

    /// Each word's replacement probability in `text` (see the header).
    public func replacementProbabilities(_ words: [String], rate: Double) -> [Double] {
        let lower = words.map { $0.lowercased() }
        var counts: [String: Double] = [:]
        for word in lower { counts[word, default: 0] += 1 }
        let n = Double(lower.count)
        let scores = lower.map { (counts[$0] ?? 0) / n * (idf[$0] ?? log(Double(max(documents, 1)))) }
        let top = scores.max() ?? 0
        let gaps = scores.map { top - $0 }
        let sum = gaps.reduce(0, +)
        guard sum > 0 else { return [Double](repeating: 0, count: words.count) }
        return gaps.map { min(1, $0 / sum * rate * n) }
    }

    /// `text` with words replaced as UDA's TF-IDF word replacement does, at `rate`.
    public func replace(_ text: AttackedText, rate: Double, random: inout SeededRandom) -> AttackedText {
        guard text.count > 0 else { return text }
        let probabilities = replacementProbabilities(text.words, rate: rate)
        var result = text
        for (index, probability) in probabilities.enumerated() where Double(random.uniform()) < probability {
            guard var word = drawWord(&random) else { break }
            let original = text.words[index]
            if original.first?.isUppercase == true, original.dropFirst().allSatisfy({ !$0.isUppercase }) {
                word = word.prefix(1).uppercased() + word.dropFirst()
            } else if original.count > 1, original.allSatisfy({ !$0.isLetter || $0.isUppercase }) {
                word = word.uppercased()
            }
            if word != original { result = result.replacingWord(at: index, with: word) }
        }
        return result
    }
}
