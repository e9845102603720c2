// Parameters of recipe components: each component declares its parameters (name, type, default, one
// line of help); the recipe parser checks a recipe's values against them, so an unknown name or a bad
// value is an error that lists what is valid.

/// A parameter value as a recipe gives it (after checking).
public enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case text(String)
    case words([String])
    case numbers([Double])

    public var description: String {
        switch self {
        case .null: return "null"
        case .integer(let v): return String(v)
        case .number(let v): return String(v)
        case .boolean(let v): return v ? "true" : "false"
        case .text(let v): return v
        case .words(let v): return "[" + v.joined(separator: ", ") + "]"
        case .numbers(let v): return "[" + v.map { String($0) }.joined(separator: ", ") + "]"
        }
    }
}

public struct ParameterSpec: Sendable {
    public enum Kind: Sendable {
        /// An integer in `minimum...maximum`.
        case integer(minimum: Int, maximum: Int)
        /// A number in `minimum...maximum`.
        case number(minimum: Double, maximum: Double)
        case boolean
        /// One of a fixed list of words.
        case choice([String])
        /// Any text (e.g. a label name).
        case text
        /// A list of words.
        case words
        /// A list of numbers in `minimum...maximum` (e.g. an ε sweep).
        case numbers(minimum: Double, maximum: Double)

        public var description: String {
            switch self {
            case let .integer(minimum, maximum):
                return maximum == Int.max ? "an integer ≥ \(minimum)" : "an integer in \(minimum)...\(maximum)"
            case let .number(minimum, maximum):
                return "a number in \(ParameterSpec.format(minimum))...\(ParameterSpec.format(maximum))"
            case .boolean: return "true or false"
            case .choice(let options): return "one of " + options.joined(separator: ", ")
            case .text: return "a text"
            case .words: return "a list of words"
            case let .numbers(minimum, maximum):
                return "a list of numbers in \(ParameterSpec.format(minimum))...\(ParameterSpec.format(maximum))"
            }
        }
    }

    public let name: String
    public let kind: Kind
    /// The value used when the recipe does not give one (`.null`: unset, e.g. no budget).
    public let defaultValue: ParameterValue
    /// Whether `null` is accepted.
    public let nullable: Bool
    /// Whether the recipe must give it.
    public let required: Bool
    public let help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: ParameterValue = .null, nullable: Bool = false,
                required: Bool = false, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.nullable = nullable || defaultValue == .null
        self.required = required
        self.help = help
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// A component's checked parameters, defaults filled in.
public struct ParameterValues: Sendable {
    public let values: [String: ParameterValue]
    public init(_ values: [String: ParameterValue]) { self.values = values }

    public func integer(_ name: String) -> Int? {
        if case .integer(let v)? = values[name] { return v }
        return nil
    }
    public func number(_ name: String) -> Double? {
        switch values[name] {
        case .number(let v)?: return v
        case .integer(let v)?: return Double(v)
        default: return nil
        }
    }
    public func boolean(_ name: String) -> Bool? {
        if case .boolean(let v)? = values[name] { return v }
        return nil
    }
    public func text(_ name: String) -> String? {
        if case .text(let v)? = values[name] { return v }
        return nil
    }
    public func words(_ name: String) -> [String]? {
        if case .words(let v)? = values[name] { return v }
        return nil
    }
    public func numbers(_ name: String) -> [Double]? {
        if case .numbers(let v)? = values[name] { return v }
        return nil
    }
}

/// A named, parameterised recipe part that makes a `Product` (a goal, a transformation, a constraint, a
/// search or a whole procedure).
public struct Component<Product>: Sendable {
    public let name: String
    public let summary: String
    public let parameters: [ParameterSpec]
    public let make: @Sendable (ParameterValues) throws -> Product

    public init(_ name: String, _ summary: String, parameters: [ParameterSpec] = [],
                make: @escaping @Sendable (ParameterValues) throws -> Product) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.make = make
    }
}

/// The closest of `options` to `word` when it is a plausible typo (edit distance at most 2, and less
/// than half the word), for "did you mean" hints (also Augmentation's).
public func closest(to word: String, in options: [String]) -> String? {
    let target = Array(word.lowercased())
    var best: (String, Int)?
    for option in options {
        let d = LevenshteinDistance.distance(target, Array(option.lowercased()))
        guard d <= 2 && d * 2 < max(target.count, 2) else { continue }
        if let current = best, current.1 <= d { continue }
        best = (option, d)
    }
    return best?.0
}
