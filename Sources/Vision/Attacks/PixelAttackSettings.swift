// PixelAttackSettings: what one pixel attack is — its kind (fgsm, pgd, apgd-ce, apgd-dlr, square), norm,
// radius ε and the kind's own knobs — as JSON settings (snake_case keys) with kind-dependent defaults,
// and the one-line errors of pixel attacks (`PixelAttackError`).
//
//     {"kind": "pgd", "norm": "linf", "epsilon": 0.1, "steps": 20, "restarts": 1, "seed": 7}
//
// Defaults follow the papers: PGD's step 2.5·ε/steps (Madry et al. 2018) from a random start; APGD
// (Croce & Hein 2020) 100 iterations, momentum 0.75, ρ 0.75 and checkpoints 0.22 / 0.03 / 0.06; Square
// (Andriushchenko et al. 2020) 5,000 queries and p_init 0.8 as in AutoAttack. Decoding rejects unknown
// keys, keys that do not apply to the kind and values out of range, each with one line naming the key.
import Basics
import Foundation

/// The attack algorithm.
public enum PixelAttackKind: String, Codable, CaseIterable, Sendable {
    /// Fast gradient sign method (Goodfellow et al. 2015): one step of length ε.
    case fgsm
    /// Projected gradient descent (Madry et al. 2018) with a fixed step size.
    case pgd
    /// Auto-PGD on the cross-entropy (Croce & Hein 2020).
    case apgdCE = "apgd-ce"
    /// Auto-PGD on the difference-of-logits-ratio loss (Croce & Hein 2020; needs ≥ 3 classes).
    case apgdDLR = "apgd-dlr"
    /// Square Attack (Andriushchenko et al. 2020): score-based black box, logits only (L∞ here).
    case square

    public var usesGradients: Bool { self != .square }
    var isAPGD: Bool { self == .apgdCE || self == .apgdDLR }
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The norm bounding the perturbation.
public enum PixelNorm: String, Codable, CaseIterable, Sendable {
    case linf, l2
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The loss an attack maximises. Gradient attacks take `crossEntropy` or `dlr`; Square the margin.
public enum PixelAttackLoss: String, Codable, CaseIterable, Sendable {
    /// log Σ exp z − z_y.
    case crossEntropy = "ce"
    /// −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3), the difference of logits ratio (scale-invariant).
    case dlr
    /// −(z_y − max_{i≠y} z_i), maximised by driving the margin below zero (Square).
    case margin
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A pixel attack's error, one line.
public enum PixelAttackError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Settings that cannot be used (the message names the key).
    case settings(String)
    /// Images, labels or batch size that do not fit the classifier.
    case input(String)
    /// The classifier answered something unusable (non-finite logits or gradients, wrong sizes).
    case classifier(String)

    public var description: String {
        switch self {
        case .settings(let message), .input(let message), .classifier(let message): return message
        }
    }
}

public struct PixelAttackSettings: Codable, Sendable, Equatable {
    public var kind: PixelAttackKind
    public var norm: PixelNorm
    /// Radius of the perturbation ball (pixel units, pixels in [0, 1]); 0 leaves images unchanged.
    public var epsilon: Float
    /// PGD's steps, APGD's iterations (per restart); FGSM: always 1; Square: unused (see `queryBudget`).
    public var steps: Int
    /// PGD's step length; nil: 2.5·ε/steps (Madry et al.). APGD sets its own (2ε, halved at checkpoints).
    public var stepSize: Float?
    /// PGD and APGD start from a random point of the ε-ball (PGD: uniform in the ball; APGD: on its
    /// surface, as AutoAttack) instead of the clean image.
    public var randomStart: Bool
    /// PGD and APGD: runs from fresh random starts; each restart attacks only the images not yet fooled.
    public var restarts: Int
    /// APGD's momentum α (0.75).
    public var momentum: Double
    /// APGD's ρ: halve the step when fewer than ρ of the steps since the last checkpoint raised the loss.
    public var rho: Double
    /// APGD's first checkpoint as a share of the iterations (p₁ = 0.22).
    public var checkpointFirst: Double
    /// APGD: how much each checkpoint interval shrinks, as a share of the iterations (0.03).
    public var checkpointDecrement: Double
    /// APGD: the shortest checkpoint interval, as a share of the iterations (0.06).
    public var checkpointMinimum: Double
    /// Square: queries per image, the initialisation included.
    public var queryBudget: Int
    /// Square: the initial share of pixels one square covers (0.8).
    public var pInit: Double
    /// The loss maximised: fgsm and pgd `ce` or `dlr`; apgd-ce `ce`; apgd-dlr `dlr`; square `margin`.
    public var loss: PixelAttackLoss
    /// Image i of a run draws from `SeededRandom(seed: SeededRandom.mix(seed, index, restart))`.
    public var seed: UInt64

    /// The settings of `kind` with the papers' defaults.
    public init(kind: PixelAttackKind, norm: PixelNorm = .linf, epsilon: Float, seed: UInt64 = 0) {
        self.kind = kind
        self.norm = norm
        self.epsilon = epsilon
        self.seed = seed
        stepSize = nil
        momentum = 0.75
        rho = 0.75
        checkpointFirst = 0.22
        checkpointDecrement = 0.03
        checkpointMinimum = 0.06
        queryBudget = 5000
        pInit = 0.8
        restarts = 1
        switch kind {
        case .fgsm: steps = 1; randomStart = false; loss = .crossEntropy
        case .pgd: steps = 20; randomStart = true; loss = .crossEntropy
        case .apgdCE: steps = 100; randomStart = true; loss = .crossEntropy
        case .apgdDLR: steps = 100; randomStart = true; loss = .dlr
        case .square: steps = 1; randomStart = false; loss = .margin
        }
    }

    /// PGD's step length: `stepSize`, or 2.5·ε/steps.
    public var effectiveStepSize: Float { stepSize ?? 2.5 * epsilon / Float(max(steps, 1)) }

    /// Throws the first problem, one line naming the key.
    public func validate() throws {
        func fail(_ message: String) -> PixelAttackError { .settings(message) }
        guard epsilon.isFinite, epsilon >= 0 else { throw fail("epsilon must be a finite number ≥ 0 (got \(epsilon))") }
        switch kind {
        case .fgsm:
            guard steps == 1 else { throw fail("fgsm takes exactly one step (got steps \(steps)); use pgd for more") }
            guard !randomStart else { throw fail("fgsm starts from the clean image (random_start must be false); use pgd with steps 1") }
            guard restarts == 1 else { throw fail("fgsm is deterministic, restarts must be 1 (got \(restarts))") }
            guard stepSize == nil else { throw fail("step_size applies only to pgd (fgsm's step is ε)") }
            guard loss == .crossEntropy || loss == .dlr else { throw fail("fgsm's loss must be ce or dlr (got \(loss.rawValue))") }
        case .pgd:
            try checkIterations()
            if let stepSize, !(stepSize.isFinite && stepSize > 0) {
                throw fail("step_size must be a finite number > 0 (got \(stepSize))")
            }
            guard loss == .crossEntropy || loss == .dlr else { throw fail("pgd's loss must be ce or dlr (got \(loss.rawValue))") }
        case .apgdCE, .apgdDLR:
            try checkIterations()
            guard stepSize == nil else { throw fail("step_size applies only to pgd (apgd starts at 2ε and halves it itself)") }
            guard momentum >= 0, momentum <= 1 else { throw fail("momentum must lie in [0, 1] (got \(momentum))") }
            guard rho > 0, rho <= 1 else { throw fail("rho must lie in (0, 1] (got \(rho))") }
            for (name, value) in [("checkpoint_first", checkpointFirst), ("checkpoint_decrement", checkpointDecrement),
                                  ("checkpoint_minimum", checkpointMinimum)] {
                guard value > 0, value < 1 else { throw fail("\(name) must lie in (0, 1) (got \(value))") }
            }
            let wanted: PixelAttackLoss = kind == .apgdCE ? .crossEntropy : .dlr
            guard loss == wanted else {
                throw fail("\(kind.rawValue) maximises \(wanted.rawValue), not \(loss.rawValue) (use kind \(kind == .apgdCE ? "apgd-dlr" : "apgd-ce"))")
            }
        case .square:
            guard norm == .linf else { throw fail("square supports only the linf norm (got \(norm.rawValue))") }
            guard queryBudget >= 1, queryBudget <= 1_000_000 else {
                throw fail("query_budget must lie in 1…1000000 (got \(queryBudget))")
            }
            guard pInit > 0, pInit <= 1 else { throw fail("p_init must lie in (0, 1] (got \(pInit))") }
            guard loss == .margin else { throw fail("square minimises the margin of the logits (loss must be margin, got \(loss.rawValue))") }
            guard restarts == 1 else { throw fail("square takes no restarts (got \(restarts)); raise query_budget instead") }
            guard stepSize == nil else { throw fail("step_size applies only to pgd") }
        }
    }

    private func checkIterations() throws {
        guard steps >= 1 else { throw PixelAttackError.settings("steps must be at least 1 (got \(steps))") }
        guard steps <= 100_000 else { throw PixelAttackError.settings("steps must be at most 100000 (got \(steps))") }
        guard restarts >= 1, restarts <= 1000 else {
            throw PixelAttackError.settings("restarts must lie in 1…1000 (got \(restarts))")
        }
    }

    // MARK: JSON

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, norm, epsilon, steps, loss, seed, restarts, momentum, rho
        case stepSize = "step_size"
        case randomStart = "random_start"
        case checkpointFirst = "checkpoint_first"
        case checkpointDecrement = "checkpoint_decrement"
        case checkpointMinimum = "checkpoint_minimum"
        case queryBudget = "query_budget"
        case pInit = "p_init"
    }

    /// The keys that mean something for `kind` (others are refused when decoding, omitted when encoding).
    static func keys(for kind: PixelAttackKind) -> Set<CodingKeys> {
        var keys: Set<CodingKeys> = [.kind, .norm, .epsilon, .loss, .seed]
        switch kind {
        case .fgsm: break
        case .pgd: keys.formUnion([.steps, .stepSize, .randomStart, .restarts])
        case .apgdCE, .apgdDLR:
            keys.formUnion([.steps, .randomStart, .restarts, .momentum, .rho, .checkpointFirst, .checkpointDecrement,
                            .checkpointMinimum])
        case .square: keys.formUnion([.queryBudget, .pInit])
        }
        return keys
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let raw = try decoder.container(keyedBy: AnyKey.self)
        let known = CodingKeys.allCases.map(\.rawValue)
        for key in raw.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
            throw PixelAttackError.settings("unknown attack setting '\(key.stringValue)'"
                + DidYouMean.hint(for: key.stringValue, in: known))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ type: T.Type, _ what: String) throws -> T? {
            do { return try container.decodeIfPresent(T.self, forKey: key) } catch {
                throw PixelAttackError.settings("attack setting '\(key.rawValue)' must be \(what)")
            }
        }
        guard let kindName = try value(.kind, String.self, "a string") else {
            throw PixelAttackError.settings("attack settings need 'kind' (one of \(PixelAttackKind.names))")
        }
        guard let kind = PixelAttackKind(rawValue: kindName) else {
            throw PixelAttackError.settings("unknown attack kind '\(kindName)'"
                + DidYouMean.hint(for: kindName, in: PixelAttackKind.allCases.map(\.rawValue))
                + "; expected one of \(PixelAttackKind.names)")
        }
        let relevant = Self.keys(for: kind)
        for key in CodingKeys.allCases where container.contains(key) && !relevant.contains(key) {
            throw PixelAttackError.settings("attack setting '\(key.rawValue)' does not apply to \(kind.rawValue)")
        }
        guard let epsilon = try value(.epsilon, Float.self, "a number") else {
            throw PixelAttackError.settings("attack settings need 'epsilon' (the perturbation radius)")
        }
        var norm = PixelNorm.linf
        if let name = try value(.norm, String.self, "a string") {
            guard let parsed = PixelNorm(rawValue: name) else {
                throw PixelAttackError.settings("unknown norm '\(name)'" + DidYouMean.hint(for: name, in: PixelNorm.allCases.map(\.rawValue))
                    + "; expected one of \(PixelNorm.names)")
            }
            norm = parsed
        }
        self.init(kind: kind, norm: norm, epsilon: epsilon, seed: try value(.seed, UInt64.self, "a whole number ≥ 0") ?? 0)
        if let name = try value(.loss, String.self, "a string") {
            guard let parsed = PixelAttackLoss(rawValue: name) else {
                throw PixelAttackError.settings("unknown loss '\(name)'" + DidYouMean.hint(for: name, in: PixelAttackLoss.allCases.map(\.rawValue))
                    + "; expected one of \(PixelAttackLoss.names)")
            }
            loss = parsed
        }
        steps = try value(.steps, Int.self, "a whole number") ?? steps
        stepSize = try value(.stepSize, Float.self, "a number") ?? stepSize
        randomStart = try value(.randomStart, Bool.self, "true or false") ?? randomStart
        restarts = try value(.restarts, Int.self, "a whole number") ?? restarts
        momentum = try value(.momentum, Double.self, "a number") ?? momentum
        rho = try value(.rho, Double.self, "a number") ?? rho
        checkpointFirst = try value(.checkpointFirst, Double.self, "a number") ?? checkpointFirst
        checkpointDecrement = try value(.checkpointDecrement, Double.self, "a number") ?? checkpointDecrement
        checkpointMinimum = try value(.checkpointMinimum, Double.self, "a number") ?? checkpointMinimum
        queryBudget = try value(.queryBudget, Int.self, "a whole number") ?? queryBudget
        pInit = try value(.pInit, Double.self, "a number") ?? pInit
        try validate()
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let relevant = Self.keys(for: kind)
        func put<T: Encodable>(_ key: CodingKeys, _ value: T) throws {
            if relevant.contains(key) { try container.encode(value, forKey: key) }
        }
        try put(.kind, kind)
        try put(.norm, norm)
        try put(.epsilon, epsilon)
        try put(.loss, loss)
        try put(.seed, seed)
        try put(.steps, steps)
        if let stepSize { try put(.stepSize, stepSize) }
        try put(.randomStart, randomStart)
        try put(.restarts, restarts)
        try put(.momentum, momentum)
        try put(.rho, rho)
        try put(.checkpointFirst, checkpointFirst)
        try put(.checkpointDecrement, checkpointDecrement)
        try put(.checkpointMinimum, checkpointMinimum)
        try put(.queryBudget, queryBudget)
        try put(.pInit, pInit)
    }

    /// Settings from JSON text; every failure is one line (malformed JSON included).
    public static func decode(json: Data) throws -> PixelAttackSettings {
        do { return try JSONCoding.decoder().decode(PixelAttackSettings.self, from: json) } catch let error as PixelAttackError {
            throw error
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw PixelAttackError.settings("attack settings must be a JSON object")
        } catch DecodingError.dataCorrupted(let context) {
            let detail = context.underlyingError.map {
                ($0 as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? String(describing: $0)
            } ?? context.debugDescription
            throw PixelAttackError.settings("attack settings are not valid JSON: " + UserError.oneLine(detail))
        } catch {
            throw PixelAttackError.settings("attack settings could not be read: " + UserError.oneLine(String(describing: error)))
        }
    }
}
