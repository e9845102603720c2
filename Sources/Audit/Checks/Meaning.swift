// Meaning: does the adversarial text still say what the original said? Cosines of MiniLM embeddings
// (mean pooled, normalised: the encoder of robust's similarity constraint) — of the whole texts, of the
// windows of words around each change (the lowest counts: one bad swap in a long text barely moves the
// whole-text cosine), and of each swapped word against its original alone.

/// The cosine of the whole original and adversarial texts is at least `min`.
public struct SentenceCosine: ValidityCheck {
    public let minimum: Double
    public init(minimum: Double) { self.minimum = minimum }
    public var name: String { "sentence-cosine" }
    public var settings: [String: String] { ["min": "\(minimum)"] }
    public var needs: AuditNeeds { .encoder }

    public func texts(for pair: AuditedPair) -> [String] { [pair.original, pair.adversarial] }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        let cosine = try context.cosine(pair.original, pair.adversarial)
        return CheckResult(check: name, value: cosine, passed: cosine >= minimum)
    }
}

/// For each changed run of words, the cosine of the `window` words around it in the original and in the
/// adversarial text (TextFooler's windowed similarity, 15 words); the lowest is at least `min`.
public struct WindowCosine: ValidityCheck {
    public let minimum: Double
    public let window: Int
    public init(minimum: Double, window: Int) {
        self.minimum = minimum
        self.window = max(1, window)
    }
    public var name: String { "window-cosine" }
    public var settings: [String: String] { ["min": "\(minimum)", "window": "\(window)"] }
    public var needs: AuditNeeds { .encoder }

    /// (original window, adversarial window) of each changed run.
    func windows(_ pair: AuditedPair) -> [(String, String)] {
        let alignment = pair.alignment
        let a = alignment.originalWords, b = alignment.adversarialWords
        let half = window / 2
        return alignment.changes.map { change in
            let old = a[max(0, change.old.lowerBound - half)..<min(a.count, change.old.upperBound + half)]
            let new = b[max(0, change.new.lowerBound - half)..<min(b.count, change.new.upperBound + half)]
            return (old.joined(separator: " "), new.joined(separator: " "))
        }
    }

    public func texts(for pair: AuditedPair) -> [String] { windows(pair).flatMap { [$0.0, $0.1] } }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        let (lowest, worst) = try context.lowestCosine(windows(pair))
        let passed = lowest >= minimum
        return CheckResult(check: name, value: lowest, passed: passed,
                           detail: passed ? nil : worst.map { "\"\($0.0)\" → \"\($0.1)\"" })
    }
}

/// The cosine of each swapped word's embedding against its original's, embedded alone: the lowest is at
/// least `min`. (Morris et al. use counter-fitted word vectors; robust ships no word vectors, so MiniLM's
/// embedding of the word alone stands in.)
public struct WordCosine: ValidityCheck {
    public let minimum: Double
    public init(minimum: Double) { self.minimum = minimum }
    public var name: String { "word-cosine" }
    public var settings: [String: String] { ["min": "\(minimum)"] }
    public var needs: AuditNeeds { .encoder }

    func swaps(_ pair: AuditedPair) -> [(String, String)] {
        pair.alignment.substitutions.map {
            (pair.alignment.originalWords[$0.original], pair.alignment.adversarialWords[$0.adversarial])
        }.filter { $0.0.lowercased() != $0.1.lowercased() }
    }

    public func texts(for pair: AuditedPair) -> [String] { swaps(pair).flatMap { [$0.0, $0.1] } }

    public func judge(_ pair: AuditedPair, context: AuditContext) throws -> CheckResult {
        let (lowest, worst) = try context.lowestCosine(swaps(pair))
        let passed = lowest >= minimum
        return CheckResult(check: name, value: lowest, passed: passed,
                           detail: passed ? nil : worst.map { "\($0.0) → \($0.1)" })
    }
}

extension AuditContext {
    /// The lowest cosine over text pairs (1 when there are none), and the pair that has it.
    func lowestCosine(_ pairs: [(String, String)]) throws -> (Double, (String, String)?) {
        var lowest = 1.0
        var worst: (String, String)?
        for (old, new) in pairs {
            let cosine = try self.cosine(old, new)
            if cosine < lowest {
                lowest = cosine
                worst = (old, new)
            }
        }
        return (lowest, worst)
    }
}
