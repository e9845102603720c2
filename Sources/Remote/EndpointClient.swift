// EndpointClient: the HTTP side of a remote victim, on AsyncHTTPClient — start-up checks (v2 health and model
// metadata), batching, a cap on requests in flight, a requests-per-second limit, timeouts, retries with
// exponential backoff and full jitter on 429, 5xx and connection errors (honouring Retry-After), authentication
// headers taken from the environment (never printed, stored or put in an error), and latency statistics.
// Callers are synchronous attack workers: `classify` blocks the calling thread until every batch is answered.
import AsyncHTTPClient
import Basics
import Foundation
import NIOCore
import NIOHTTP1

/// How to reach and load a served classifier (the `--endpoint…` options).
public struct EndpointSettings: Sendable {
    /// The endpoint as given: for v2 a base URL (`http://host:8080`, with the model in `model`) or the model's
    /// URL (`http://host:8080/v2/models/NAME`); for v1 and json the URL requests are POSTed to.
    public var url: String
    public var wire: EndpointProtocol
    /// The v2 model name (else taken from the URL), or the v1 model name when `url` is a bare base URL.
    public var model: String?
    /// The v2 output tensor to read (else the first that holds one answer per text).
    public var output: String?
    /// The v2 input tensor the texts go in (else the metadata's first BYTES input, else "args").
    public var input: String?
    /// v2 input tensors of one value sent with every request.
    public var extraInputs: [ExtraInput] = []
    /// Label names in the order the service's probability vectors use (else from the service or template).
    public var labels: [String]?
    public var batchSize = 32
    /// Requests in flight at once, across every attack worker.
    public var concurrency = 4
    /// Seconds to wait for one response.
    public var timeout = 30.0
    /// Retries of one request after 429, 5xx or a connection error.
    public var retries = 6
    /// At most this many requests start per second (nil: no limit).
    public var requestsPerSecond: Double?
    /// Header name → value, for authentication; values come from the environment and are never shown.
    public var headers: [String: String] = [:]
    /// The first retry waits up to this long (full jitter), doubling each time up to `maxBackoff`.
    public var backoff = 0.25
    public var maxBackoff = 20.0

    public init(url: String, wire: EndpointProtocol) {
        self.url = url
        self.wire = wire
    }

    /// `--endpoint-header NAME=ENVVAR`: the header's value is the environment variable's.
    public static func header(_ option: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> (name: String, value: String) {
        let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            // Only what can be a header name is shown: the rest may be a credential pasted in by mistake.
            let name = option.prefix { $0 != "=" && $0 != ":" && !$0.isWhitespace }
            throw EndpointError.configuration("--endpoint-header \(name): expected NAME=ENVVAR (the value is read from the environment variable, so it never appears on the command line)")
        }
        guard let value = environment[parts[1]], !value.isEmpty else {
            throw EndpointError.configuration("--endpoint-header \(parts[0]): the environment variable \(parts[1]) is not set")
        }
        guard !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw EndpointError.configuration("--endpoint-header \(parts[0]): the value in \(parts[1]) holds a line break")
        }
        return (parts[0], value)
    }

    /// The URL without credentials: no user or password, and query values hidden (API keys often live there).
    public var displayURL: String { Redaction.url(url) }
}

/// What the service said about itself at start-up (v2 metadata), and what every response says.
public struct ServiceInfo: Sendable, Equatable {
    public var modelName: String?
    public var modelVersion: String?
    public var platform: String?
}

/// Request statistics of a run.
public struct EndpointStatistics: Sendable, Equatable {
    public var requests = 0
    public var texts = 0
    public var retries = 0
    /// Retries by cause ("429", "503", "connection", "timeout").
    public var retryCauses: [String: Int] = [:]
    /// Latency of each successful request, in milliseconds.
    public var latencies: [Double] = []

    public func percentile(_ p: Double) -> Double? {
        guard !latencies.isEmpty else { return nil }
        let sorted = latencies.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}

public final class EndpointClient: @unchecked Sendable {
    public let settings: EndpointSettings
    /// The URL requests are POSTed to.
    public let inferURL: String
    private let base: String
    private let modelName: String?
    private let http: HTTPClient
    private let gate: RequestGate
    private let lock = NSLock()
    private var statistics = EndpointStatistics()
    private var inputName = "args"
    public private(set) var info = ServiceInfo()
    private var isShutDown = false

    public init(_ settings: EndpointSettings) throws {
        guard let components = URLComponents(string: settings.url), let scheme = components.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty else {
            throw EndpointError.configuration("--endpoint \(settings.displayURL): expected an http:// or https:// URL")
        }
        guard settings.batchSize >= 1, settings.concurrency >= 1, settings.timeout > 0, settings.retries >= 0 else {
            throw EndpointError.configuration("endpoint batch size, concurrency and timeout must be positive")
        }
        if let rate = settings.requestsPerSecond, !(rate > 0) {
            throw EndpointError.configuration("--endpoint-rps must be positive")
        }
        self.settings = settings
        var root = components
        root.path = ""
        root.query = nil
        root.fragment = nil
        base = root.string ?? settings.url
        let path = components.path
        switch settings.wire {
        case .v2:
            // http://host/v2/models/NAME[/versions/V][/infer] or a base URL with --endpoint-model.
            let parts = path.split(separator: "/").map(String.init)
            var name = settings.model
            if name == nil, parts.count >= 3, parts[0] == "v2", parts[1] == "models" { name = parts[2] }
            guard let name, !name.isEmpty else {
                throw EndpointError.configuration("--endpoint \(settings.displayURL): name the model, as http://host:port/v2/models/NAME or with --endpoint-model NAME")
            }
            var modelPath = "/v2/models/\(Self.pathComponent(name))"
            if parts.count >= 5, parts[3] == "versions" { modelPath += "/versions/\(Self.pathComponent(parts[4]))" }
            modelName = name
            inferURL = base + modelPath + "/infer" + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        case .v1:
            if (path.isEmpty || path == "/"), let name = settings.model {
                inferURL = base + "/v1/models/\(Self.pathComponent(name)):predict"
            } else {
                inferURL = settings.url
            }
            modelName = settings.model
        case .json:
            inferURL = settings.url
            modelName = settings.model
        }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(Int64(min(settings.timeout, 10).rounded(.up))),
                                      read: .milliseconds(Int64(settings.timeout * 1000)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: settings.concurrency)
        configuration.redirectConfiguration = .disallow
        // A refused connection fails at once; robust's own retries (backoff, jitter) decide what happens next.
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        gate = RequestGate(concurrency: settings.concurrency, requestsPerSecond: settings.requestsPerSecond)
        if let input = settings.input { inputName = input }
    }

    deinit { shutdown() }

    public func shutdown() {
        lock.lock()
        let done = isShutDown
        isShutDown = true
        lock.unlock()
        if !done { try? http.syncShutdown() }
    }

    private static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }

    // MARK: Start-up

    /// v2: waits for `GET /v2/health/ready`, then reads the model's metadata (name, versions, platform, its BYTES
    /// input). v1 and json have no standard probe: the first request is the check.
    public func start() throws -> ServiceInfo {
        guard case .v2 = settings.wire, let modelName else { return info }
        // A service still starting refuses connections or answers 503: asked again with the retries' backoff.
        var attempt = 0
        var health: Response
        while true {
            do {
                health = try blocking { try await self.get(self.base + "/v2/health/ready") }
                if health.status == 200 || attempt >= settings.retries || ![429, 502, 503, 504].contains(health.status) { break }
            } catch let error as EndpointError {
                guard case .unavailable = error, attempt < settings.retries else { throw error }
            }
            Thread.sleep(forTimeInterval: backoff(attempt, retryAfter: nil))
            attempt += 1
        }
        guard health.status == 200 else {
            throw EndpointError.unavailable("\(settings.displayURL): /v2/health/ready answered \(health.status) (\(EndpointProtocol.preview(health.body))): the service is not ready")
        }
        let metadataURL = base + "/v2/models/\(Self.pathComponent(modelName))"
        let metadata = try blocking { try await self.get(metadataURL) }
        guard metadata.status == 200 else {
            throw EndpointError.configuration("\(settings.displayURL): the service has no model \"\(modelName)\" (GET /v2/models/\(modelName) answered \(metadata.status): \(EndpointProtocol.preview(metadata.body)))")
        }
        guard let root = try? JSONValue.parse(metadata.body) else {
            throw EndpointError.response("\(settings.displayURL): the model metadata is not JSON (\(EndpointProtocol.preview(metadata.body)))")
        }
        var found = ServiceInfo(modelName: root["name"]?.stringValue ?? modelName, modelVersion: nil, platform: root["platform"]?.stringValue)
        if let versions = root["versions"]?.arrayValue?.compactMap(\.stringValue), !versions.isEmpty {
            found.modelVersion = versions.joined(separator: ",")
        }
        if settings.input == nil, let inputs = root["inputs"]?.arrayValue, !inputs.isEmpty {
            guard let bytes = inputs.first(where: { $0["datatype"]?.stringValue == "BYTES" }),
                  let name = bytes["name"]?.stringValue else {
                throw EndpointError.configuration("\(settings.displayURL): model \"\(modelName)\" takes no BYTES input, so it cannot be given texts")
            }
            lock.lock()
            inputName = name
            lock.unlock()
        }
        lock.lock()
        info = found
        lock.unlock()
        return found
    }

    // MARK: Classifying

    /// The service's answer for each text, in order: batches of `batchSize` sent concurrently (within the
    /// gate's limits), each retried on 429, 5xx and connection errors. Blocks the calling thread.
    public func classify(_ texts: [String]) throws -> [ServiceAnswer] {
        guard !texts.isEmpty else { return [] }
        let size = settings.batchSize
        let chunks = stride(from: 0, to: texts.count, by: size).map { Array(texts[$0..<min($0 + size, texts.count)]) }
        return try blocking {
            try await withThrowingTaskGroup(of: (Int, [ServiceAnswer]).self) { group in
                for (index, chunk) in chunks.enumerated() {
                    group.addTask { (index, try await self.send(chunk)) }
                }
                var answers = [[ServiceAnswer]](repeating: [], count: chunks.count)
                for try await (index, part) in group { answers[index] = part }
                return answers.flatMap { $0 }
            }
        }
    }

    public var statisticsSnapshot: EndpointStatistics {
        lock.lock()
        defer { lock.unlock() }
        return statistics
    }

    private func send(_ texts: [String]) async throws -> [ServiceAnswer] {
        lock.lock()
        let input = inputName
        lock.unlock()
        let body = try settings.wire.requestBody(texts, inputName: input, extra: settings.extraInputs)
        var attempt = 0
        while true {
            let started = DispatchTime.now().uptimeNanoseconds
            let outcome: Outcome
            do {
                let response = try await gate.run { try await self.post(body) }
                let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                switch response.status {
                case 200..<300:
                    let reply = try settings.wire.reply(response.body, count: texts.count, output: settings.output)
                    record(latency: milliseconds, texts: texts.count, reply: reply)
                    return reply.answers
                case 429, 500..<600:
                    outcome = .retry(cause: "\(response.status)", after: Self.retryAfter(response.headers),
                                     message: "\(inferPath) answered \(response.status) (\(EndpointProtocol.preview(response.body)))")
                default:
                    throw EndpointError.response("\(inferPath) answered \(response.status): \(EndpointProtocol.preview(response.body))")
                }
            } catch let error as EndpointError {
                throw error
            } catch let error as HTTPClientError where error == .readTimeout || error == .deadlineExceeded {
                outcome = .retry(cause: "timeout", after: nil, message: "no answer within \(settings.timeout) s")
            } catch is CancellationError {
                throw EndpointError.unavailable("cancelled")
            } catch {
                outcome = .retry(cause: "connection", after: nil, message: "cannot reach \(settings.displayURL) (\(UserError.oneLine(String(describing: error))))")
            }
            guard case .retry(let cause, let after, let message) = outcome else { continue }
            guard attempt < settings.retries else {
                throw EndpointError.unavailable("\(message), after \(attempt + 1) attempts")
            }
            if Interruption.wasRequested { throw EndpointError.unavailable("\(message); interrupted while waiting to retry") }
            let delay = backoff(attempt, retryAfter: after)
            attempt += 1
            lock.lock()
            statistics.retries += 1
            statistics.retryCauses[cause, default: 0] += 1
            lock.unlock()
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        }
    }

    private enum Outcome { case retry(cause: String, after: Double?, message: String) }

    /// Seconds before retry `attempt` + 1: full jitter over an exponential bound, but at least `Retry-After`.
    private func backoff(_ attempt: Int, retryAfter: Double?) -> Double {
        let exponential = min(settings.maxBackoff, settings.backoff * pow(2, Double(attempt)))
        return min(max(retryAfter ?? 0, Double.random(in: 0...exponential)), max(settings.maxBackoff, retryAfter ?? 0))
    }

    private var inferPath: String { URLComponents(string: inferURL)?.path ?? "the service" }

    private func record(latency: Double, texts: Int, reply: EndpointProtocol.Reply) {
        let (name, version) = (reply.modelName, reply.modelVersion)
        lock.lock()
        statistics.requests += 1
        statistics.texts += texts
        statistics.latencies.append(latency)
        if let version, info.modelVersion == nil || info.modelVersion?.contains(",") == true { info.modelVersion = version }
        if let name, info.modelName == nil { info.modelName = name }
        lock.unlock()
    }

    /// `Retry-After` in seconds (delta-seconds or an HTTP date), capped at 5 minutes.
    static func retryAfter(_ headers: HTTPHeaders) -> Double? {
        guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return min(seconds, 300) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return min(max(0, date.timeIntervalSinceNow), 300)
    }

    // MARK: HTTP

    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    /// Responses larger than this are refused (a classifier's answer for a batch is a few KB).
    static let maxResponseBytes = 64 << 20

    private func post(_ body: Data) async throws -> Response {
        var request = HTTPClientRequest(url: inferURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in settings.headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await execute(request)
    }

    private func get(_ url: String) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in settings.headers { request.headers.replaceOrAdd(name: name, value: value) }
        do { return try await execute(request) } catch let error as EndpointError { throw error } catch {
            throw EndpointError.unavailable("cannot reach \(settings.displayURL) (\(UserError.oneLine(String(describing: error))))")
        }
    }

    private func execute(_ request: HTTPClientRequest) async throws -> Response {
        let response = try await http.execute(request, timeout: .milliseconds(Int64(settings.timeout * 1000)))
        let buffer: ByteBuffer
        do { buffer = try await response.body.collect(upTo: Self.maxResponseBytes) } catch let error as NIOTooManyBytesError {
            _ = error
            throw EndpointError.response("a response over \(Self.maxResponseBytes >> 20) MB")
        }
        return Response(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
    }
}

/// Runs async work to completion from a synchronous caller (an attack worker thread, never a task).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    guard let result = box.result else { throw EndpointError.unavailable("no result") }
    return try result.get()
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}

/// At most `concurrency` requests in flight and at most `requestsPerSecond` started per second, across every
/// worker; waiters are served in order.
actor RequestGate {
    private let concurrency: Int
    private let interval: Double?
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var nextStart = 0.0

    init(concurrency: Int, requestsPerSecond: Double?) {
        self.concurrency = concurrency
        interval = requestsPerSecond.map { 1 / $0 }
    }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        if let interval {
            let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
            let start = max(now, nextStart)
            nextStart = start + interval
            if start > now { try await Task.sleep(nanoseconds: UInt64((start - now) * 1e9)) }
        }
        return try await body()
    }

    private func acquire() async {
        if inFlight < concurrency {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            inFlight -= 1
        } else {
            waiting.removeFirst().resume()   // the slot passes straight to the next waiter
        }
    }
}
