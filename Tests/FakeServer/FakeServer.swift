// FakeServer: an in-process HTTP/1.1 server on 127.0.0.1 (SwiftNIO) for the remote-victim tests. A handler
// decides each response — a status, headers and body after a delay, or a dropped connection — so tests can
// play a healthy classifier, a slow one, one that answers 429 with Retry-After, 500s, malformed JSON, or dies.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

public struct FakeRequest: Sendable {
    public var method: String
    /// The path without the query.
    public var path: String
    public var query: String?
    public var headers: [(String, String)]
    public var body: Data

    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

public enum FakeResponse: Sendable {
    case respond(status: Int, headers: [(String, String)] = [], body: Data, delay: Double = 0)
    /// Closes the connection without answering.
    case drop

    public static func json(_ object: Any, status: Int = 200, delay: Double = 0) -> FakeResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return .respond(status: status, headers: [("Content-Type", "application/json")], body: data, delay: delay)
    }
}

public final class FakeServer: @unchecked Sendable {
    public typealias Handler = @Sendable (FakeRequest) -> FakeResponse
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let state: State
    public let port: Int

    final class State: @unchecked Sendable {
        let lock = NSLock()
        var handler: Handler
        var requests: [FakeRequest] = []
        var inFlight = 0
        var maxInFlight = 0
        init(handler: @escaping Handler) { self.handler = handler }
    }

    public init(handler: @escaping Handler) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let state = State(handler: handler)
        self.state = state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(RequestHandler(state: state))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Replaces the handler (e.g. a healthy service that starts failing).
    public func setHandler(_ handler: @escaping Handler) {
        state.lock.lock()
        state.handler = handler
        state.lock.unlock()
    }

    public var requests: [FakeRequest] {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.requests
    }

    /// The most requests that were being answered at once.
    public var maxInFlight: Int {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.maxInFlight
    }

    private let stopLock = NSLock()
    private var stopped = false

    /// Stops listening and shuts the event loops down (once; later calls do nothing).
    public func stop() {
        stopLock.lock()
        defer { stopLock.unlock() }
        guard !stopped else { return }
        stopped = true
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let state: State
        var head: HTTPRequestHead?
        var body = Data()

        init(state: State) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = Data()
            case .body(var buffer):
                if let bytes = buffer.readBytes(length: buffer.readableBytes) { body.append(contentsOf: bytes) }
            case .end:
                guard let head else { return }
                let parts = head.uri.split(separator: "?", maxSplits: 1).map(String.init)
                let request = FakeRequest(method: head.method.rawValue, path: parts.first ?? "", query: parts.count > 1 ? parts[1] : nil,
                                          headers: head.headers.map { ($0.name, $0.value) }, body: body)
                state.lock.lock()
                state.requests.append(request)
                state.inFlight += 1
                state.maxInFlight = max(state.maxInFlight, state.inFlight)
                let handler = state.handler
                state.lock.unlock()
                let response = handler(request)
                let keepAlive = head.isKeepAlive
                let loop = context.eventLoop
                let finish: @Sendable () -> Void = { [state] in
                    state.lock.lock()
                    state.inFlight -= 1
                    state.lock.unlock()
                }
                switch response {
                case .drop:
                    finish()
                    context.close(promise: nil)
                case .respond(let status, let headers, let data, let delay):
                    let send = {
                        var fields = HTTPHeaders(headers)
                        fields.replaceOrAdd(name: "Content-Length", value: "\(data.count)")
                        if !keepAlive { fields.replaceOrAdd(name: "Connection", value: "close") }
                        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: fields)
                        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
                        var buffer = context.channel.allocator.buffer(capacity: data.count)
                        buffer.writeBytes(data)
                        context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                            finish()
                            if !keepAlive { context.close(promise: nil) }
                        }
                    }
                    if delay > 0 {
                        loop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { send() }
                    } else {
                        send()
                    }
                }
            }
        }
    }
}

/// A fake classifier's answer for a text: p(pos) grows with the number of "good" in it.
public func fakeProbabilities(_ text: String) -> [Double] {
    let goods = text.lowercased().components(separatedBy: "good").count - 1
    let bads = text.lowercased().components(separatedBy: "bad").count - 1
    let logit = Double(goods - bads) + 0.25
    let p = 1 / (1 + exp(-logit))
    return [1 - p, p]
}

/// A healthy Open Inference Protocol v2 service for the model `name` answering FP32 [n, 2] probabilities
/// (or, with `labelScores`, a BYTES tensor of Hugging Face pipeline label scores, as MLServer does).
public func fakeV2Service(name: String = "clf", labelScores: Bool = false, version: String = "1") -> FakeServer.Handler {
    return { request in
        if request.method == "GET" && request.path == "/v2/health/ready" { return .respond(status: 200, body: Data()) }
        if request.method == "GET" && request.path == "/v2/models/\(name)" {
            return .json(["name": name, "versions": [version], "platform": "fake",
                          "inputs": [["name": "text", "datatype": "BYTES", "shape": [-1]]],
                          "outputs": [["name": "output", "datatype": labelScores ? "BYTES" : "FP32", "shape": [-1, 2]]]])
        }
        guard request.method == "POST", request.path == "/v2/models/\(name)/infer",
              let root = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
              let inputs = root["inputs"] as? [[String: Any]], let texts = inputs.first?["data"] as? [String] else {
            return .json(["error": "bad request"], status: 400)
        }
        let answers = texts.map(fakeProbabilities)
        if labelScores {
            let data = answers.map { p -> String in
                let entries = [["label": "pos", "score": p[1]], ["label": "neg", "score": p[0]]]
                let json = (try? JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys])) ?? Data()
                return String(decoding: json, as: UTF8.self)
            }
            return .json(["model_name": name, "model_version": version,
                          "outputs": [["name": "output", "shape": [texts.count], "datatype": "BYTES", "data": data]]])
        }
        return .json(["model_name": name, "model_version": version,
                      "outputs": [["name": "output", "shape": [texts.count, 2], "datatype": "FP32", "data": answers.flatMap { $0 }]]])
    }
}
