// Classifier: the model a workflow scores and attacks — a checkpoint on disk, which every recipe can attack, or
// a classifier served over HTTP (`--endpoint`), of which only class probabilities are known: the black-box
// recipes run against it, and those that need the weights (gradients, embeddings) are left out with the reason.
import Attacks
import Basics
import Foundation
import Tensors
import Training
import Transformer

/// A classifier served over HTTP, as workflows use it (the `Remote` module implements it; workflows need no HTTP).
public protocol ServedClassifier: AnyObject {
    /// Label names in the order of `classify`'s probabilities.
    var labels: [String] { get }
    /// Stands for the weights' hash in a run: the same endpoint, protocol, model and version.
    var identity: String { get }
    /// What a run records about the service (never credentials).
    var endpoint: EndpointRecord { get }
    /// Texts per `classify` call that keep every request slot busy.
    var textsPerCall: Int { get }
    /// A victim for one attack worker.
    func victim() -> any Victim
    /// Checked probabilities of `texts`, in label order (`AttackError.unavailable` when the service cannot answer).
    func classify(_ texts: [String]) throws -> [[Float]]
    /// End-of-run figures stored as metrics of the "endpoint" recipe.
    var statistics: [(name: String, value: Double)] { get }
    /// One line on the requests made.
    var summary: String { get }
    /// Said as a warning at the end, e.g. the service changed its answer mid-run.
    var warning: String? { get }
    /// Closes its connections.
    func shutdown()
}

public enum Classifier {
    case checkpoint(ModelHandle)
    case service(any ServedClassifier)

    public var labels: [String] {
        switch self {
        case .checkpoint(let model): return model.labels
        case .service(let service): return service.labels
        }
    }

    /// The run's model hash: the weights' SHA-256, or one for the endpoint, protocol, model name and version.
    public var identity: String {
        switch self {
        case .checkpoint(let model): return model.weightsSHA256
        case .service(let service): return service.identity
        }
    }

    /// The run's model: the checkpoint folder, or the endpoint URL without credentials.
    public var name: String {
        switch self {
        case .checkpoint(let model): return model.path
        case .service(let service): return service.endpoint.url
        }
    }

    public var endpoint: EndpointRecord? {
        if case .service(let service) = self { return service.endpoint }
        return nil
    }

    public var checkpoint: ModelHandle? {
        if case .checkpoint(let model) = self { return model }
        return nil
    }

    /// A checkpoint must have a trained head; a service is usable once connected.
    public func requireUsable() throws {
        if case .checkpoint(let model) = self { try model.requireTrainedHead() }
    }

    /// The longest input, in tokens, it is attacked at (a service truncates as it likes).
    func maxLength(_ requested: Int) -> Int {
        switch self {
        case .checkpoint(let model): return min(requested, model.config.maxSequenceLength)
        case .service: return requested
        }
    }

    /// A victim for one attack worker.
    func victim(maxLength: Int, precision: Precision = .fp32) -> any Victim {
        switch self {
        case .checkpoint(let model): return ModelVictim(checkpoint: model, maxLength: maxLength, precision: precision)
        case .service(let service): return service.victim()
        }
    }

    /// The recipes it can run. Against a service, recipes that need the model's weights are dropped: an error when
    /// the user named them, a warning when they came with the default suite.
    public func runnable(_ recipes: [Recipe], named: Bool, reporter: Reporter) throws -> [Recipe] {
        guard case .service = self else { return recipes }
        let needWeights = recipes.filter { $0.procedure.needsGradients }
        guard !needWeights.isEmpty else { return recipes }
        let names = needWeights.map(\.name).joined(separator: ", ")
        let reason = "the model's weights (gradients or embeddings), which a service does not expose"
        if named { throw UserError("recipe\(needWeights.count == 1 ? " \(names) needs" : "s \(names) need") \(reason)") }
        reporter.warn("warning: skipping \(names): they need \(reason)")
        return recipes.filter { !$0.procedure.needsGradients }
    }

    /// Clean probabilities of `texts` (a checkpoint's through its own evaluation; this serves a service, in batches,
    /// with a progress line).
    func serviceEvaluation(_ service: any ServedClassifier, texts: [String], gold: [Int], reporter: Reporter) throws -> Evaluation.Result {
        var probabilities: [[Float]] = []
        probabilities.reserveCapacity(texts.count)
        let chunk = max(1, service.textsPerCall)
        defer { reporter.endProgress() }
        for start in stride(from: 0, to: texts.count, by: chunk) {
            try Interruption.check()
            let part = Array(texts[start..<min(start + chunk, texts.count)])
            probabilities += try UserError.wrapping { try service.classify(part) }
            reporter.progress("clean: \(probabilities.count)/\(texts.count) texts from the service")
        }
        return Evaluation.result(probabilities: probabilities, gold: gold, labels: labels)
    }
}
