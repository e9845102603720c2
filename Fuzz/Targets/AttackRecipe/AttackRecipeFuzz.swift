// AttackRecipeFuzz (fuzz-attack-recipe): attack recipe and suite files, `RecipeParser.parse` (attacks/*.yaml or
// a user's recipe), then the recipe that parsed run by `AttackRunner.attack` on one short text against a
// scripted victim (with gradients) and sentence encoder, without WordNet. The same YAML is also read as an
// audit recipe (`AuditRecipeParser.parse`, audits/*.yaml; they share the parameter checker), and an audit that
// parses and needs no WordNet judges the text against a changed copy of it.
//
// Input: the YAML, a NUL byte, the text to attack (at most 80 scalars are used). An input must be refused with
// an AttackError, or run to an outcome the runner can record: a status, counters that are not negative, and
// an adversarial prediction that is one of the victim's labels.
import Attacks
import Audit
import Basics
import Foundation
import FuzzSupport

@main
enum AttackRecipeFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = Fuzz.split(Fuzz.bytes(data, size), separator: 0, parts: 2)
    guard let yaml = String(validating: parts[0], as: UTF8.self) else { return 0 }
    auditRecipe(yaml, text: String(decoding: parts.count > 1 ? parts[1] : [], as: UTF8.self))
    let parsed: RecipeParser.Parsed
    do {
        parsed = try RecipeParser.parse(yaml: yaml, file: "fuzz.yaml", defaultName: "fuzz")
    } catch is AttackError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    guard case .recipe(let recipe) = parsed else { return 0 }   // suite members name other files: not followed
    Fuzz.check(!recipe.name.isEmpty, "a recipe without a name")
    _ = Recipe.hash([recipe])
    let text = String(String.UnicodeScalarView(String(decoding: parts.count > 1 ? parts[1] : [], as: UTF8.self).unicodeScalars.prefix(80)))
    let victim = ScriptedVictim()
    let clean = (try? victim.probabilities([victim.tokenIDs(text)]))?.first ?? [0.5, 0.5]
    let gold = clean[1] > clean[0] ? "pos" : "neg"
    let result: ExampleResult
    do {
        result = try AttackRunner.attack(AttackInput(index: 3, text: text, gold: gold), procedure: recipe.procedure,
                                         worker: AttackWorker(victim: victim, encoder: ScriptedEncoder()),
                                         lexicon: Lexicon(wordnet: nil), seed: 11)
    } catch {
        // Only a victim that cannot answer throws, and the scripted one always answers.
        Fuzz.fail("the attack threw: \(error)")
    }
    Fuzz.check(result.queries >= 0 && result.cacheHits >= 0 && result.wordsChanged >= 0, "negative counters")
    if let prediction = result.adversarialPrediction {
        Fuzz.check(victim.labels.contains(prediction), "prediction '\(prediction)' is not a label")
    }
    return 0
}

/// The YAML as an audit recipe: refused with an AuditError, or judging a pair (the text and the text with its
/// first word replaced) with one result per check, in order, each with a finite value.
func auditRecipe(_ yaml: String, text: String) {
    let recipe: AuditRecipe
    do {
        recipe = try AuditRecipeParser.parse(yaml: yaml, file: "fuzz.yaml", defaultName: "fuzz")
    } catch is AuditError {
        return
    } catch {
        Fuzz.fail("untyped error from the audit recipe parser: \(error)")
    }
    Fuzz.check(!recipe.checks.isEmpty && !recipe.name.isEmpty, "an audit recipe without checks or a name")
    guard !recipe.needs.contains(.wordNet) else { return }
    let original = String(String.UnicodeScalarView(text.unicodeScalars.prefix(80)))
    var changed = AttackedText(original)
    if changed.count > 0 { changed = changed.replacingWord(at: 0, with: "zzq") }
    let resources = AuditResources(encoder: { ScriptedEncoder() },
                                   labelWords: LabelWordTable(examples: [(original, "pos"), ("zzq zzq", "neg")], source: "fuzz"))
    do {
        let auditor = try Auditor(recipe: recipe, resources: resources)
        let results = try auditor.audit([AuditedPair(index: 0, original: original, adversarial: changed.text, gold: "pos")], workers: 1)
        Fuzz.check(results.count == 1 && results[0].map(\.check) == recipe.checks.map(\.name), "the audit skipped or reordered checks")
        Fuzz.check(results[0].allSatisfy { $0.value.isFinite }, "a check value that is not a finite number")
    } catch {
        Fuzz.fail("the audit threw: \(error)")
    }
}

/// FNV-1a of a word's UTF-8 bytes: a fixed pseudo-random weight per word (Swift's Hasher is seeded per process).
func wordHash(_ word: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in word.lowercased().utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}

/// A victim whose logit is the sum of per-word pseudo-random weights; token ids are the words' hashes.
final class ScriptedVictim: GradientVictim {
    let labels = ["neg", "pos"]
    let unknownToken = "[UNK]"
    let maxTokens = 12

    func tokenIDs(_ text: String) -> [Int32] {
        [101] + AttackedText(text).words.prefix(maxTokens - 2).map { Int32(truncatingIfNeeded: wordHash($0) % 30_000 + 1000) } + [102]
    }

    func visibleScalarLimit(_ text: String) -> Int? {
        let parsed = AttackedText(text)
        guard parsed.count > maxTokens - 2 else { return nil }
        return parsed.scalarRanges()[maxTokens - 3].upperBound
    }

    func probabilities(_ sequences: [[Int32]]) throws -> [[Float]] {
        sequences.map { ids in
            var logit: Float = 0.1
            for id in ids where id >= 1000 { logit += Float(Int(id) % 7) - 3 }
            let p = 1 / (1 + Foundation.exp(-logit))
            return [1 - p, p]
        }
    }

    func wordGradientNorms(_ text: String, wordRanges: [Range<Int>], label: Int) throws -> [Float] {
        let scalars = Array(text.unicodeScalars)
        return wordRanges.map { range in
            guard range.lowerBound >= 0, range.upperBound <= scalars.count else { return 0 }
            return Float(wordHash(String(String.UnicodeScalarView(scalars[range]))) % 100) / 100
        }
    }
}

/// Sentence embeddings: the normalised sum of per-word pseudo-random 4-vectors.
final class ScriptedEncoder: SentenceEncoder {
    func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map { text in
            var sum: [Float] = [0.5, 0, 0, 0]
            for word in AttackedText(text).words {
                let h = wordHash(word)
                for i in 0..<4 { sum[i] += Float((h >> (16 * UInt64(i))) & 0xff) / 255 - 0.5 }
            }
            let norm = max(sum.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
            return sum.map { $0 / norm }
        }
    }
}
