// WordNet: re-inflecting a replacement lemma into the form of the word it replaces, so that a
// synonym attack can swap "movies" for "films" and "walked" for "strolled".
//
// WordNet stores lemmas, not inflections, so this file is heuristics on top of the exception lists
// (`*.exc`, read backwards: base → irregular forms) and the regular English spelling rules.
//
// 1. Which form is the original? (`inflection(of:base:pos:)`, from the original and the base form
//    morphy found for it)
//    - original == base: `.base`.
//    - nouns: `.plural` (WordNet has no other noun inflection).
//    - verbs: `be` by table (is → 3rd person, was/were → past, been → past participle, being → -ing,
//      am/are → base); otherwise -ing → `.presentParticiple`, -ed → `.pastOrPastParticiple`
//      (regular pasts are ambiguous), -s → `.thirdPersonSingular`; otherwise an irregular form,
//      classified among the base's irregular forms as in step 3.
//    - adjectives and adverbs: ending in `st` → `.superlative` (biggest, best, worst), else
//      `.comparative` (bigger, better, worse).
// 2. Inflecting a replacement (`inflect(_:as:pos:)`): an irregular form from the exception list of
//    the matching class wins; otherwise the regular rule:
//    - plural: +es after s/x/z/ch/sh, consonant+y → ies, else +s. Irregular plurals come from
//      noun.exc (`child` → `children`, `potato` → `potatoes`); when a lemma lists several, the first
//      in file order without an apostrophe is used (men-of-war, not men-o'-war). `brethren` and
//      `genii` are never used (archaic/special senses).
//    - 3rd person: +es after s/x/z/ch/sh/o, consonant+y → ies, else +s (`has` from verb.exc).
//    - past and past participle: +d after e, consonant+y → ied, doubled final consonant for
//      one-syllable consonant-vowel-consonant verbs (stop → stopped; not after w/x/y), else +ed.
//      verb.exc also lists most doubled forms of longer verbs (preferred, travelled), so those are
//      right as long as WordNet lists them.
//    - -ing: ie → ying, silent e dropped (not after e/o/y: seeing, hoeing, dyeing), the same doubling,
//      else +ing.
//    - comparative/superlative: from adj.exc/adv.exc (good → better/best, happy → happier); else
//      e → r/st, consonant+y → ier/iest (up to two syllables), doubling for one-syllable CVC
//      (big → bigger), +er/+est for one syllable and for two syllables ending in le/ow/er
//      (simple → simpler). Longer adjectives, participles (-ed, -ing, or a verb.exc form such as
//      grown) and -ly adverbs would need "more"/"most": `nil`. An adverb not in adv.exc is
//      inflected as the adjective of the same spelling, if there is one (fast → faster).
//    - verbs whose past is their base (put, cut, read, hit, set, ...; a built-in list of 37,
//      since verb.exc cannot list them) keep the base as past and participle.
// 3. Irregular verbs with several irregular forms (verb.exc: `went`, `gone` for `go`): forms ending in
//    -ing, -ed and -s are set aside; of the rest, a pair differing only by a → u is past/participle
//    (began/begun, sang/sung); otherwise a form ending in `n` or `ne` is the past participle (gone,
//    taken, seen, lain) and the others are past. If that leaves no past or no participle, all are
//    treated as both. A verb with one irregular form uses it for both (bought), except a form
//    ending in -en/-wn, which is only a participle (proven, shown, sewn: the past is regular), and
//    verbs ending in `come`/`run`, whose participle is the base (come, run).
//    For an original regular -ed form (past or participle: unknowable without context) an irregular
//    replacement gets its past form (walked → went, not gone).
//    A built-in list of 45 verbs whose only verb.exc past is British, archaic or rare, or a spelling
//    variant that is no past at all, get the regular -ed instead (dreamed not dreamt, worked not
//    wrought, blessed not blest, coordinated not co-ordinate). Other British forms listed in
//    verb.exc are used (travelled, cancelled, knelt).
// 4. Collocations: a noun inflects its last word, a verb its first (looked for); adjectives and
//    adverbs of several words are not inflected (`nil`). Letter case of the original is copied:
//    all capitals (`FILMS`) or a capital first letter (`Films`).
//
// Known limits (no context, no frequencies, spelling heuristics only):
//  - past vs. past participle of a regular -ed original is a guess (the past is used);
//  - the doubling rule ignores stress and doubles one-syllable words only, so a longer verb with a
//    stressed last syllable that verb.exc does not list gets one consonant (verb.exc does list
//    occurred, preferred, admitted; it also lists the British travelled, cancelled, used as is);
//  - the two built-in verb lists are short and hand-made: a verb whose past equals its base but
//    is not in the list gets -ed (miscast → miscasted);
//  - the syllable count is vowel groups, so unusual spellings go wrong (enceinte → enceinter);
//    adjectives that are not gradable still get -er/-est when short (deader);
//  - mass nouns are pluralised anyway (informations); Latin/Greek plurals from noun.exc are used
//    even where English prefers the regular one (formulae, indices); identity entries of noun.exc
//    make the plural equal the singular (apparatus, but also gas);
//  - morphy over-generates (hoped → hope and hop), and every base form's synonyms are inflected,
//    so rare senses and wrong bases bring odd candidates (running → scatting, lamming): an attack
//    still needs its own semantic and POS checks.
import Foundation

/// The inflected form of a word relative to its base form.
public enum Inflection: String, Sendable, Hashable, CaseIterable {
    case base
    /// Noun plural (dogs, children).
    case plural
    /// Verb, 3rd person singular present (walks, has).
    case thirdPersonSingular
    /// Verb, simple past when it differs from the participle (went, took).
    case past
    /// Verb, past participle when it differs from the past (gone, taken).
    case pastParticiple
    /// Verb, a form that is past or past participle (walked, bought).
    case pastOrPastParticiple
    /// Verb, -ing form (running).
    case presentParticiple
    /// Adjective or adverb, comparative (bigger, better).
    case comparative
    /// Adjective or adverb, superlative (biggest, best).
    case superlative
}

extension WordNetDatabase {
    /// Which inflection `original` is of `base` (a base form morphy found for it, in `pos`).
    public func inflection(of original: String, base: String, pos: PartOfSpeech) -> Inflection {
        let o = WordNetDatabase.key(original), b = WordNetDatabase.key(base)
        if o == b { return .base }
        switch pos {
        case .noun:
            return .plural
        case .verb:
            let word = firstWord(o), baseWord = firstWord(b)
            if word == baseWord { return .base }
            if baseWord == "be" { return WordNetDatabase.formsOfBe[word] ?? .base }
            if word.hasSuffix("ing") { return .presentParticiple }
            if word.hasSuffix("ed") { return .pastOrPastParticiple }
            if word.hasSuffix("s") && !word.hasSuffix("ss") { return .thirdPersonSingular }
            return irregularVerbForms(baseWord)[word] ?? .pastOrPastParticiple
        case .adjective, .adverb:
            return lastWord(o).hasSuffix("st") ? .superlative : .comparative
        }
    }

    /// `lemma` (a lemma of `pos`) in the given inflection, or nil when there is no one-word form
    /// (an adjective that needs "more"), or the inflection does not apply to `pos`.
    /// The result is lowercase, with spaces between the words of a collocation.
    public func inflect(_ lemma: String, as inflection: Inflection, pos: PartOfSpeech) -> String? {
        let key = WordNetDatabase.key(lemma)
        guard !key.isEmpty else { return nil }
        if inflection == .base { return WordNetDatabase.spaced(key) }
        var words = key.split(separator: "_").map(String.init)
        switch pos {
        case .noun:
            guard inflection == .plural else { return nil }
            if let whole = irregularPlural(key) { return WordNetDatabase.spaced(whole) }
            words[words.count - 1] = irregularPlural(words[words.count - 1]) ?? WordNetDatabase.regularPlural(words[words.count - 1])
        case .verb:
            guard let first = inflectVerb(words[0], as: inflection) else { return nil }
            words[0] = first
        case .adjective, .adverb:
            guard words.count == 1, let form = inflectGradable(words[0], as: inflection, pos: pos) else { return nil }
            words[0] = form
        }
        return words.joined(separator: " ")
    }

    /// `lemma` inflected like `original` is inflected from `base`, with the original's letter case:
    /// `inflect("film", like: "Movies", base: "movie", pos: .noun) == "Films"`.
    public func inflect(_ lemma: String, like original: String, base: String, pos: PartOfSpeech) -> String? {
        inflect(lemma, as: inflection(of: original, base: base, pos: pos), pos: pos)
            .map { WordNetDatabase.matchingCase(of: original, $0) }
    }

    /// Synonym candidates already in the form of `word`: for every base form (as in
    /// `synonyms(of:pos:options:)`, same order), each synonym is inflected like the word.
    /// Candidates without a one-word inflection are dropped; so is the word itself.
    /// `synonymsInflected(for: "movies", pos: .noun)` starts with `films`, `pictures`.
    public func synonymsInflected(for word: String, pos: PartOfSpeech? = nil,
                                  options: SynonymOptions = .default) -> [String] {
        let key = WordNetDatabase.key(word)
        let original = WordNetDatabase.spaced(key)
        var seen: Set<String> = [original]
        var out: [String] = []
        for group in synonymGroups(key, pos: pos, options: options) {
            let form = inflection(of: key, base: group.baseKey, pos: group.pos)
            for synonym in group.synonyms {
                guard let inflected = inflect(synonym, as: form, pos: group.pos),
                      options.accepts(inflected), seen.insert(inflected).inserted else { continue }
                out.append(WordNetDatabase.matchingCase(of: word, inflected))
            }
        }
        return out
    }

    // MARK: - Verbs

    static let formsOfBe: [String: Inflection] = [
        "is": .thirdPersonSingular, "was": .past, "were": .past, "been": .pastParticiple,
        "being": .presentParticiple, "am": .base, "are": .base, "art": .base,
    ]

    static let beForms: [Inflection: String] = [
        .thirdPersonSingular: "is", .past: "was", .pastOrPastParticiple: "was",
        .pastParticiple: "been", .presentParticiple: "being",
    ]

    /// Verbs whose verb.exc past is a British, archaic or rare variant (dreamt, wrought, blest), or
    /// not a past at all (co-ordinate, squilgee, overflown): they get the regular -ed past.
    static let preferRegularPast: Set<String> = [
        "address", "begird", "bless", "burn", "bypass", "coordinate", "curse", "deepfreeze", "dream",
        "geld", "gild", "gird", "gnaw", "grip", "heave", "ken", "lade", "lean", "leap", "learn", "melt",
        "misspell", "overflow", "overpass", "overspill", "pasquinade", "pen", "plead", "reave", "reeve",
        "shave", "shew", "smell", "spell", "spill", "spoil", "squeegee", "stave", "torrefy", "transfix",
        "transship", "undergird", "unlearn", "upheave", "work",
    ]

    /// Common verbs whose past (and usually participle) is the base form; verb.exc cannot list
    /// them because morphy finds them as they are (put, cut, read).
    static let invariantPast: Set<String> = [
        "beat", "bet", "broadcast", "burst", "bust", "cast", "cost", "cut", "forecast", "hit", "hurt",
        "input", "let", "mishit", "offset", "output", "podcast", "put", "quit", "read", "recast", "reset",
        "rid", "set", "shed", "shut", "slit", "split", "spread", "sublet", "telecast", "thrust",
        "typeset", "undercut", "upset", "wed", "wet",
    ]

    static let archaicPlurals: Set<String> = ["brethren", "genii"]

    /// The irregular forms verb.exc lists for `base`, each with its inflection (step 3 of the header).
    func irregularVerbForms(_ base: String) -> [String: Inflection] {
        if base == "be" { return WordNetDatabase.formsOfBe }
        let forms = tables[.verb]?.inflections[base] ?? []
        var result: [String: Inflection] = [:]
        var rest: [String] = []
        for form in forms where form != base {
            if form.hasSuffix("ing") { result[form] = .presentParticiple }
            else if form.hasSuffix("ed") { result[form] = .pastOrPastParticiple }
            else if form.hasSuffix("s") && !form.hasSuffix("ss") { result[form] = .thirdPersonSingular }
            else { rest.append(form) }
        }
        if rest.count == 1 {
            let form = rest[0]
            result[form] = form.hasSuffix("en") || form.hasSuffix("wn") ? .pastParticiple : .pastOrPastParticiple
            return result
        }
        var classes: [String: Inflection] = [:]
        for past in rest {
            for participle in rest where past != participle && WordNetDatabase.isAblautPair(past, participle) {
                classes[past] = .past
                classes[participle] = .pastParticiple
            }
        }
        for form in rest where classes[form] == nil {
            classes[form] = form.hasSuffix("n") || form.hasSuffix("ne") ? .pastParticiple : .past
        }
        let hasBoth = classes.values.contains(.past) && classes.values.contains(.pastParticiple)
        for (form, kind) in classes { result[form] = hasBoth ? kind : .pastOrPastParticiple }
        return result
    }

    /// began/begun, sang/sung: same length, differing only in one a → u.
    static func isAblautPair(_ past: String, _ participle: String) -> Bool {
        let a = Array(past), u = Array(participle)
        guard a.count == u.count else { return false }
        var differences = 0
        for i in a.indices where a[i] != u[i] {
            differences += 1
            if a[i] != "a" || u[i] != "u" { return false }
        }
        return differences == 1
    }

    private func inflectVerb(_ word: String, as inflection: Inflection) -> String? {
        if word == "be" { return WordNetDatabase.beForms[inflection] }
        let irregular = irregularVerbForms(word)
        // Deterministic choice: the first form in verb.exc order with an acceptable class.
        let listed = (tables[.verb]?.inflections[word] ?? []).filter { irregular[$0] != nil }
        func first(_ kinds: [Inflection], skipIrregularPast: Bool = false) -> String? {
            for kind in kinds {
                for form in listed where irregular[form] == kind {
                    if skipIrregularPast && !form.hasSuffix("ed") { continue }
                    return form
                }
            }
            return nil
        }
        let regularPast = WordNetDatabase.preferRegularPast.contains(word)
        if WordNetDatabase.invariantPast.contains(word) {
            switch inflection {
            case .past, .pastOrPastParticiple: return word
            case .pastParticiple: return first([.pastParticiple]) ?? word   // beat → beaten
            default: break
            }
        }
        switch inflection {
        case .thirdPersonSingular:
            return first([.thirdPersonSingular]) ?? WordNetDatabase.regularThirdPerson(word)
        case .presentParticiple:
            return first([.presentParticiple]) ?? WordNetDatabase.regularPresentParticiple(word)
        case .past:
            return first([.past, .pastOrPastParticiple], skipIrregularPast: regularPast)
                ?? WordNetDatabase.regularPast(word)
        case .pastOrPastParticiple:
            return first([.past, .pastOrPastParticiple], skipIrregularPast: regularPast)
                ?? WordNetDatabase.regularPast(word)
        case .pastParticiple:
            if word.hasSuffix("come") || word.hasSuffix("run") { return word }
            return first([.pastParticiple, .pastOrPastParticiple], skipIrregularPast: regularPast)
                ?? WordNetDatabase.regularPast(word)
        case .base:
            return word
        case .plural, .comparative, .superlative:
            return nil
        }
    }

    static func regularThirdPerson(_ word: String) -> String {
        if endsWithConsonantY(word) { return String(word.dropLast()) + "ies" }
        for suffix in ["s", "x", "z", "ch", "sh", "o"] where word.hasSuffix(suffix) { return word + "es" }
        return word + "s"
    }

    static func regularPast(_ word: String) -> String {
        if word.hasSuffix("e") { return word + "d" }
        if endsWithConsonantY(word) { return String(word.dropLast()) + "ied" }
        if doublesFinalConsonant(word) { return word + String(word.last!) + "ed" }
        return word + "ed"
    }

    static func regularPresentParticiple(_ word: String) -> String {
        if word.hasSuffix("ie") { return String(word.dropLast(2)) + "ying" }
        if word.hasSuffix("e") && word.count > 2 && !word.hasSuffix("ee") && !word.hasSuffix("oe")
            && !word.hasSuffix("ye") {
            return String(word.dropLast()) + "ing"
        }
        if doublesFinalConsonant(word) { return word + String(word.last!) + "ing" }
        return word + "ing"
    }

    // MARK: - Nouns

    private func irregularPlural(_ key: String) -> String? {
        let forms = (tables[.noun]?.inflections[key] ?? []).filter { !WordNetDatabase.archaicPlurals.contains($0) }
        return forms.first { !$0.contains("'") } ?? forms.first   // men-of-war before men-o'-war
    }

    static func regularPlural(_ word: String) -> String {
        if endsWithConsonantY(word) { return String(word.dropLast()) + "ies" }
        for suffix in ["s", "x", "z", "ch", "sh"] where word.hasSuffix(suffix) { return word + "es" }
        return word + "s"
    }

    // MARK: - Adjectives and adverbs

    private func inflectGradable(_ word: String, as inflection: Inflection, pos: PartOfSpeech) -> String? {
        guard inflection == .comparative || inflection == .superlative else { return nil }
        let superlative = inflection == .superlative
        // adj.exc and adv.exc list both degrees; pick by ending, first in file order.
        let listed = tables[pos]?.inflections[word] ?? []
        if let form = listed.first(where: { $0 != word && $0.hasSuffix("st") == superlative }) { return form }
        if pos == .adverb {
            // Adverbs only through adv.exc, or as the adjective of the same spelling (fast, hard,
            // good → better); -ly adverbs would need "more".
            guard tables[.adjective]?.index[word] != nil else { return nil }
            return inflectGradable(word, as: inflection, pos: .adjective)
        }
        // Participles used as adjectives (grown, tired, boring) take "more".
        if word.hasSuffix("ed") || word.hasSuffix("ing") || tables[.verb]?.exceptions[word] != nil { return nil }
        let syllables = WordNetDatabase.syllableCount(word)
        let er = superlative ? "est" : "er"
        if word.hasSuffix("e") && syllables <= 2 { return word + er.dropFirst() }
        if endsWithConsonantY(word) && syllables <= 2 { return String(word.dropLast()) + "i" + er }
        if syllables == 1 {
            return WordNetDatabase.doublesFinalConsonant(word) ? word + String(word.last!) + er : word + er
        }
        if syllables == 2 && (word.hasSuffix("le") || word.hasSuffix("ow") || word.hasSuffix("er")) {
            return word.hasSuffix("le") ? word + er.dropFirst() : word + er
        }
        return nil
    }

    // MARK: - Spelling helpers

    private static func isVowel(_ c: Character) -> Bool { "aeiou".contains(c) }

    private func endsWithConsonantY(_ word: String) -> Bool { WordNetDatabase.endsWithConsonantY(word) }

    static func endsWithConsonantY(_ word: String) -> Bool {
        let c = Array(word)
        return c.count >= 2 && c[c.count - 1] == "y" && !isVowel(c[c.count - 2]) && c[c.count - 2].isLetter
    }

    /// One syllable ending consonant-vowel-consonant (not w, x, y): stop, big, run, quit.
    static func doublesFinalConsonant(_ word: String) -> Bool {
        let c = Array(word)
        let n = c.count
        guard n >= 3, syllableCount(word) == 1, c.allSatisfy({ $0.isLetter }) else { return false }
        let last = c[n - 1], vowel = c[n - 2], before = c[n - 3]
        guard !isVowel(last), !"wxy".contains(last), isVowel(vowel) else { return false }
        if !isVowel(before) && before != "y" { return true }
        return before == "u" && n >= 4 && c[n - 4] == "q"   // qu counts as a consonant: quit → quitting
    }

    /// Vowel groups (y counts after the first letter), minus a silent final e (not -le, -ee).
    static func syllableCount(_ word: String) -> Int {
        let c = Array(word)
        var count = 0
        var previousVowel = false
        for (i, ch) in c.enumerated() {
            let vowel = isVowel(ch) || (ch == "y" && i > 0)
            if vowel && !previousVowel { count += 1 }
            previousVowel = vowel
        }
        if count > 1 && word.hasSuffix("e") && !word.hasSuffix("le") && !word.hasSuffix("ee") { count -= 1 }
        return max(count, 1)
    }

    private func firstWord(_ key: String) -> String {
        key.split(separator: "_", maxSplits: 1).first.map(String.init) ?? key
    }

    private func lastWord(_ key: String) -> String {
        key.split(separator: "_").last.map(String.init) ?? key
    }

    /// `result` with the letter case of `original`: all capitals, a capital first letter, or as is.
    static func matchingCase(of original: String, _ result: String) -> String {
        let letters = original.filter(\.isLetter)
        if letters.count >= 2 && letters.allSatisfy(\.isUppercase) { return result.uppercased() }
        if let first = original.first, first.isUppercase, let head = result.first {
            return head.uppercased() + result.dropFirst()
        }
        return result
    }
}
