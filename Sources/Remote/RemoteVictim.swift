// RemoteVictim: a served classifier as an attack victim — the text itself is the cache key (the service's
// tokenizer is unknown), each answer is checked before anything uses it (one answer per text, every label,
// finite probabilities in [0, 1] that sum to 1), and a canary text is re-asked now and then so that a service
// that starts answering differently mid-run (a redeploy) is noticed and said.
import Attacks
import Basics
import Foundation

/// The labels a service answers with, in robust's order, resolved once at start-up.
public struct ServiceLabels: Sendable, Equatable {
    public let names: [String]

    /// `given` (`--labels`, or the template's) names the positions of probability vectors; label-score answers
    /// name themselves. `probe` is the service's answer to one text. `expected` are the data's labels: every one
    /// must be a label of the service.
    public static func resolve(given: [String]?, probe: ServiceAnswer, expected: [String]?) throws -> ServiceLabels {
        var names: [String]
        switch probe {
        case .probabilities(let values):
            guard let given else {
                throw EndpointError.configuration("the service answers with \(values.count) probabilities and no label names: pass --labels NAME,NAME,… in the service's order")
            }
            guard given.count == values.count else {
                throw EndpointError.configuration("--labels names \(given.count) labels but the service answers with \(values.count) probabilities")
            }
            names = given
        case .scores(let scores):
            if let given {
                guard Set(given) == Set(scores.keys), given.count == scores.count else {
                    throw EndpointError.configuration("--labels \(given.joined(separator: ",")) are not the service's labels (\(scores.keys.sorted().joined(separator: ", ")))")
                }
                names = given
            } else if let expected, Set(expected).isSubset(of: Set(scores.keys)) {
                // The data's order first, then any label only the service has.
                names = expected + scores.keys.filter { !expected.contains($0) }.sorted()
            } else {
                names = scores.keys.sorted()
            }
        }
        guard Set(names).count == names.count else { throw EndpointError.configuration("the labels \(names) repeat a name") }
        if let expected {
            let missing = expected.filter { !names.contains($0) }
            guard missing.isEmpty else {
                throw EndpointError.configuration("the service's labels (\(names.joined(separator: ", "))) do not include the data's \(missing.joined(separator: ", "))")
            }
        }
        return ServiceLabels(names: names)
    }

    /// The answer as probabilities in `names` order, checked.
    public func probabilities(_ answer: ServiceAnswer, text: Int) throws -> [Float] {
        let values: [Double]
        switch answer {
        case .probabilities(let given):
            guard given.count == names.count else {
                throw EndpointError.response("answer \(text): \(given.count) probabilities for \(names.count) labels")
            }
            values = given
        case .scores(let scores):
            guard scores.count == names.count, let ordered = Optional(names.compactMap { scores[$0] }), ordered.count == names.count else {
                throw EndpointError.response("answer \(text): labels \(scores.keys.sorted().joined(separator: ", ")), expected \(names.joined(separator: ", "))")
            }
            values = ordered
        }
        guard values.allSatisfy(\.isFinite) else { throw EndpointError.response("answer \(text): a probability is NaN or infinite") }
        guard values.allSatisfy({ $0 >= -1e-6 && $0 <= 1 + 1e-6 }) else {
            throw EndpointError.response("answer \(text): \(values.map { String(format: "%.4g", $0) }.joined(separator: ", ")) are not probabilities (outside [0, 1]; logits?)")
        }
        let sum = values.reduce(0, +)
        guard abs(sum - 1) <= 1e-3 else {
            throw EndpointError.response("answer \(text): the probabilities sum to \(String(format: "%.4f", sum)), not 1")
        }
        return values.map { Float($0) }
    }
}

/// Watches for a service that answers differently for the same text during a run. Shared by every worker.
public final class AnswerWatch: @unchecked Sendable {
    /// Re-ask the canary after this many requests.
    public let interval: Int
    /// Largest difference in any probability still counted as the same answer (batching in a float32 service
    /// moves probabilities by ~1e-7).
    public let tolerance: Float
    private let lock = NSLock()
    private var canary: (text: String, answer: [Float])?
    private var sinceCheck = 0
    public private(set) var checks = 0
    /// Requests answered before the first changed answer was seen (nil: none seen).
    public private(set) var changedAfter: Int?
    private var requests = 0

    public init(interval: Int = 200, tolerance: Float = 1e-4) {
        self.interval = interval
        self.tolerance = tolerance
    }

    /// Notes answered texts; returns a canary to re-ask when one is due.
    func note(_ texts: [String], _ answers: [[Float]]) -> (text: String, answer: [Float])? {
        lock.lock()
        defer { lock.unlock() }
        requests += 1
        if canary == nil, let text = texts.first, let answer = answers.first { canary = (text, answer) }
        sinceCheck += 1
        guard sinceCheck >= interval, let canary else { return nil }
        sinceCheck = 0
        return canary
    }

    func compare(_ canary: (text: String, answer: [Float]), now: [Float]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        checks += 1
        let same = now.count == canary.answer.count && zip(now, canary.answer).allSatisfy { abs($0 - $1) <= tolerance }
        if !same, changedAfter == nil { changedAfter = requests }
        return same
    }

    public var summary: String? {
        lock.lock()
        defer { lock.unlock() }
        guard let changedAfter else { return nil }
        return "the service answered the same text differently after \(changedAfter) requests (redeployed or not deterministic?): results before and after may not be comparable"
    }
}

/// One attack worker's view of the service (the client, labels and watch are shared).
public final class RemoteVictim: Victim {
    public let client: EndpointClient
    public let serviceLabels: ServiceLabels
    public let watch: AnswerWatch
    public let unknownToken: String
    public var labels: [String] { serviceLabels.names }

    public init(client: EndpointClient, labels: ServiceLabels, watch: AnswerWatch, unknownToken: String = "[UNK]") {
        self.client = client
        serviceLabels = labels
        self.watch = watch
        self.unknownToken = unknownToken
    }

    /// The text itself, as Unicode scalar values: the cache key, since the service's tokenizer is unknown.
    public func tokenIDs(_ text: String) -> [Int32] { text.unicodeScalars.map { Int32(bitPattern: $0.value) } }

    /// Unknown: the service truncates as it likes.
    public func visibleScalarLimit(_ text: String) -> Int? { nil }

    public func probabilities(_ sequences: [[Int32]]) throws -> [[Float]] {
        let texts = sequences.map { ids -> String in
            var scalars = String.UnicodeScalarView()
            for id in ids { if let scalar = Unicode.Scalar(UInt32(bitPattern: id)) { scalars.append(scalar) } }
            return String(scalars)
        }
        return try classify(texts)
    }

    /// Checked probabilities for `texts`, in label order. A service that cannot be reached or answers with
    /// something unusable is `AttackError.unavailable`: the example is not recorded and the run stops.
    public func classify(_ texts: [String]) throws -> [[Float]] {
        do {
            let answers = try client.classify(texts)
            guard answers.count == texts.count else {
                throw EndpointError.response("\(answers.count) answers for \(texts.count) texts")
            }
            let probabilities = try answers.enumerated().map { try serviceLabels.probabilities($0.element, text: $0.offset + 1) }
            if let canary = watch.note(texts, probabilities), let again = try client.classify([canary.text]).first {
                _ = watch.compare(canary, now: try serviceLabels.probabilities(again, text: 1))
            }
            return probabilities
        } catch let error as EndpointError {
            throw AttackError.unavailable(error.description)
        }
    }
}
