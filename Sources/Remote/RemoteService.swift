// RemoteService: a served classifier connected for a run — the client started (health and metadata checked),
// its labels resolved from one probe against the data's, and what a run records about it: the endpoint without
// credentials, the protocol, the service's model name and version, and at the end latency and retries.
import Attacks
import Basics
import Foundation

public final class RemoteService: @unchecked Sendable {
    public let client: EndpointClient
    public let serviceLabels: ServiceLabels
    /// The victim `classify` uses (workers get their own from `remoteVictim()`).
    private let ownVictim: RemoteVictim
    public let watch: AnswerWatch
    public let info: ServiceInfo

    init(client: EndpointClient, labels: ServiceLabels, watch: AnswerWatch, info: ServiceInfo) {
        self.client = client
        serviceLabels = labels
        ownVictim = RemoteVictim(client: client, labels: labels, watch: watch)
        self.watch = watch
        self.info = info
    }

    /// Starts the client and asks the service about `probe` (the first text of the data) to learn and check its
    /// labels. `expected`: the data's labels, each of which the service must know.
    public static func connect(_ settings: EndpointSettings, expected: [String]?, probe: String) throws -> RemoteService {
        let client = try EndpointClient(settings)
        do {
            let info = try client.start()
            guard let answer = try client.classify([probe]).first else { throw EndpointError.response("no answer to the first text") }
            var given = settings.labels
            if given == nil, case .json(let template) = settings.wire { given = template.labels }
            let labels = try ServiceLabels.resolve(given: given, probe: answer, expected: expected)
            _ = try labels.probabilities(answer, text: 1)
            return RemoteService(client: client, labels: labels, watch: AnswerWatch(), info: client.info.modelName == nil ? info : client.info)
        } catch {
            client.shutdown()
            throw error
        }
    }

    /// A victim for one attack worker (the client, labels and watch are shared).
    public func remoteVictim() -> RemoteVictim { RemoteVictim(client: client, labels: serviceLabels, watch: watch) }

    /// The endpoint without credentials.
    public var displayURL: String { client.settings.displayURL }

    /// Stands for the weights' hash in the run: the same endpoint, protocol, model and version resume each other.
    public var identity: String {
        SHA256.hex(Data("endpoint\n\(displayURL)\n\(client.settings.wire.name)\n\(info.modelName ?? "")\n\(info.modelVersion ?? "")".utf8))
    }

    /// Texts per call that keep every request slot busy.
    public var textsPerCall: Int { max(1, client.settings.batchSize * client.settings.concurrency) }

    /// Checked probabilities of `texts`, in label order.
    public func classify(_ texts: [String]) throws -> [[Float]] { try ownVictim.classify(texts) }

    /// End-of-run figures (stored as metrics of the "endpoint" recipe): requests, texts, retries, latency
    /// percentiles in milliseconds, canary checks and whether an answer changed.
    public var statistics: [(name: String, value: Double)] {
        let s = client.statisticsSnapshot
        var figures: [(String, Double)] = [("requests", Double(s.requests)), ("texts", Double(s.texts)),
                                           ("retries", Double(s.retries)), ("canary_checks", Double(watch.checks)),
                                           ("answer_changed", watch.changedAfter == nil ? 0 : 1)]
        for p in [50.0, 90.0, 99.0] {
            if let value = s.percentile(p) { figures.append(("latency_p\(Int(p))_ms", value)) }
        }
        return figures
    }

    /// "1,204 requests (3,811 texts), latency p50 41 ms, p90 80 ms, p99 130 ms, 12 retries (429: 10, connection: 2)".
    public var summary: String {
        let s = client.statisticsSnapshot
        var text = "\(FileLimits.grouped(s.requests)) requests (\(FileLimits.grouped(s.texts)) texts)"
        if let p50 = s.percentile(50), let p90 = s.percentile(90), let p99 = s.percentile(99) {
            text += String(format: ", latency p50 %.0f ms, p90 %.0f ms, p99 %.0f ms", p50, p90, p99)
        }
        if s.retries > 0 {
            text += ", \(s.retries) retries (" + s.retryCauses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
        }
        return text
    }

    public func shutdown() { client.shutdown() }
}
