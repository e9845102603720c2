// EndpointClientTests: the client against an in-process fake service — start-up checks, batching, the cap on
// requests in flight, retries on 429 (Retry-After), 500s and dropped connections, errors that are not retried,
// an unreachable service, authentication headers kept out of messages, and a changed answer noticed mid-run.
import Attacks
import Basics
import FakeServer
import Foundation
@testable import Remote
import XCTest

final class EndpointClientTests: XCTestCase {
    private var servers: [FakeServer] = []

    override func tearDown() {
        for server in servers { server.stop() }
        servers = []
    }

    private func serve(_ handler: @escaping FakeServer.Handler) throws -> FakeServer {
        let server = try FakeServer(handler: handler)
        servers.append(server)
        return server
    }

    /// Fast retries, so failure tests take milliseconds.
    private func settings(_ url: String, _ wire: EndpointProtocol = .v2) -> EndpointSettings {
        var settings = EndpointSettings(url: url, wire: wire)
        settings.backoff = 0.001
        settings.maxBackoff = 0.01
        settings.timeout = 5
        return settings
    }

    func testAV2ServiceIsCheckedAtStartAndAnswersInBatches() throws {
        let server = try serve(fakeV2Service(name: "clf", version: "7"))
        var options = settings(server.url + "/v2/models/clf")
        options.batchSize = 3
        let client = try EndpointClient(options)
        defer { client.shutdown() }
        let info = try client.start()
        XCTAssertEqual(info, ServiceInfo(modelName: "clf", modelVersion: "7", platform: "fake"))
        let texts = (0..<7).map { "text \($0) " + String(repeating: "good ", count: $0) }
        let answers = try client.classify(texts)
        XCTAssertEqual(answers, texts.map { .probabilities(fakeProbabilities($0)) })
        let posts = server.requests.filter { $0.method == "POST" }
        XCTAssertEqual(posts.map(\.path), Array(repeating: "/v2/models/clf/infer", count: 3))
        // The input is named as the metadata says.
        XCTAssertTrue(posts.allSatisfy { String(decoding: $0.body, as: UTF8.self).contains("\"name\":\"text\"") })
        XCTAssertEqual(client.statisticsSnapshot.requests, 3)
        XCTAssertEqual(client.statisticsSnapshot.texts, 7)
    }

    func testNoMoreRequestsInFlightThanTheConcurrencyAllows() throws {
        let healthy = fakeV2Service()
        let server = try serve { request in
            if case .respond(let status, let headers, let body, _) = healthy(request), request.method == "POST" {
                return .respond(status: status, headers: headers, body: body, delay: 0.05)
            }
            return healthy(request)
        }
        var options = settings(server.url + "/v2/models/clf")
        options.batchSize = 1
        options.concurrency = 3
        let client = try EndpointClient(options)
        defer { client.shutdown() }
        _ = try client.start()
        let texts = (0..<12).map { "t\($0)" }
        XCTAssertEqual(try client.classify(texts).count, 12)
        XCTAssertEqual(server.maxInFlight, 3, "12 slow requests with concurrency 3")
    }

    func testRetriesHonourRetryAfterAndRecoverFrom5xxAndDroppedConnections() throws {
        let healthy = fakeV2Service()
        let counter = Counter()
        let server = try serve { request in
            guard request.method == "POST" else { return healthy(request) }
            switch counter.next() {
            case 0: return .respond(status: 429, headers: [("Retry-After", "1")], body: Data("slow down".utf8))
            case 1: return .respond(status: 503, body: Data("busy".utf8))
            case 2: return .drop
            default: return healthy(request)
            }
        }
        let client = try EndpointClient(settings(server.url + "/v2/models/clf"))
        defer { client.shutdown() }
        _ = try client.start()
        let started = Date()
        XCTAssertEqual(try client.classify(["a good day"]), [.probabilities(fakeProbabilities("a good day"))])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 1.0, "Retry-After: 1 waits a second, not the 10 ms backoff")
        let statistics = client.statisticsSnapshot
        XCTAssertEqual(statistics.retries, 3)
        XCTAssertEqual(statistics.retryCauses["429"], 1)
        XCTAssertEqual(statistics.retryCauses["503"], 1)
        XCTAssertEqual(statistics.retryCauses["connection"], 1)
    }

    func testAServiceThatKeepsFailingOrAnswersBadlyIsOneLine() throws {
        let server = try serve { request in
            if request.method == "GET" { return fakeV2Service()(request) }
            return request.path.hasSuffix("/infer") ? .respond(status: 500, body: Data("Traceback…\nKeyError".utf8)) : .drop
        }
        var options = settings(server.url + "/v2/models/clf")
        options.retries = 2
        let client = try EndpointClient(options)
        defer { client.shutdown() }
        _ = try client.start()
        XCTAssertThrowsError(try client.classify(["x"])) {
            XCTAssertEqual(String(describing: $0), "/v2/models/clf/infer answered 500 (\"Traceback… KeyError\"), after 3 attempts")
        }
        // A 4xx is the request's fault: not retried.
        server.setHandler { request in request.method == "GET" ? fakeV2Service()(request) : .json(["error": "bad input"], status: 422) }
        let before = server.requests.count
        XCTAssertThrowsError(try client.classify(["x"])) {
            XCTAssertEqual(String(describing: $0), "/v2/models/clf/infer answered 422: \"{\"error\":\"bad input\"}\"")
        }
        XCTAssertEqual(server.requests.count - before, 1)
        // Malformed JSON with a 200 is not retried either.
        server.setHandler { request in request.method == "GET" ? fakeV2Service()(request) : .respond(status: 200, body: Data("{\"outputs\": [".utf8)) }
        XCTAssertThrowsError(try client.classify(["x"])) {
            XCTAssertEqual(String(describing: $0), "the response is not JSON (\"{\"outputs\": [\")")
        }
    }

    func testUnreachableWrongModelAndNotReady() throws {
        // A port nobody listens on.
        let closed = try serve(fakeV2Service())
        let url = closed.url
        closed.stop()
        var options = settings(url + "/v2/models/clf")
        options.retries = 1
        XCTAssertThrowsError(try EndpointClient(options).start()) {
            XCTAssertTrue(String(describing: $0).hasPrefix("cannot reach \(url)/v2/models/clf ("), String(describing: $0))
        }
        let server = try serve(fakeV2Service(name: "clf"))
        XCTAssertThrowsError(try EndpointClient(settings(server.url + "/v2/models/other")).start()) {
            XCTAssertTrue(String(describing: $0).contains("the service has no model \"other\""), String(describing: $0))
        }
        server.setHandler { _ in .respond(status: 503, body: Data("loading".utf8)) }
        XCTAssertThrowsError(try EndpointClient(settings(server.url + "/v2/models/clf")).start()) {
            XCTAssertEqual(String(describing: $0), "\(server.url)/v2/models/clf: /v2/health/ready answered 503 (\"loading\"): the service is not ready")
        }
        XCTAssertThrowsError(try EndpointClient(settings(server.url))) {
            XCTAssertEqual(String(describing: $0), "--endpoint \(server.url): name the model, as http://host:port/v2/models/NAME or with --endpoint-model NAME")
        }
        XCTAssertThrowsError(try EndpointClient(settings("ftp://x/y"))) {
            XCTAssertEqual(String(describing: $0), "--endpoint ftp://x/y: expected an http:// or https:// URL")
        }
    }

    func testAuthenticationHeadersAreSentButNeverShown() throws {
        let server = try serve { request in
            guard request.header("Authorization") == "Bearer s3cr3t" else { return .respond(status: 401, body: Data("no".utf8)) }
            return fakeV2Service()(request)
        }
        var options = settings("http://user:pw@127.0.0.1:\(server.port)/v2/models/clf?token=abc")
        options.headers = ["Authorization": "Bearer s3cr3t"]
        let client = try EndpointClient(options)
        defer { client.shutdown() }
        _ = try client.start()
        XCTAssertEqual(try client.classify(["good"]).count, 1)
        XCTAssertFalse(options.displayURL.contains("pw") || options.displayURL.contains("abc"), options.displayURL)
        server.setHandler { _ in .respond(status: 401, body: Data("no".utf8)) }
        XCTAssertThrowsError(try client.classify(["good"])) {
            XCTAssertFalse(String(describing: $0).contains("s3cr3t"))
        }
    }

    func testAV1ServiceAndLabelScores() throws {
        let server = try serve { request in
            guard let root = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
                  let texts = root["instances"] as? [String] else { return .json(["error": "x"], status: 400) }
            return .json(["predictions": texts.map { text -> [String: Double] in
                let p = fakeProbabilities(text)
                return ["neg": p[0], "pos": p[1]]
            }])
        }
        var options = settings(server.url, .v1)
        options.model = "sentiment"
        let client = try EndpointClient(options)
        defer { client.shutdown() }
        XCTAssertEqual(client.inferURL, server.url + "/v1/models/sentiment:predict")
        let answers = try client.classify(["good", "bad"])
        let labels = try ServiceLabels.resolve(given: nil, probe: answers[0], expected: ["neg", "pos"])
        XCTAssertEqual(try labels.probabilities(answers[1], text: 2).map(Double.init), fakeProbabilities("bad").map { Double(Float($0)) })
        XCTAssertEqual(server.requests.map(\.path), ["/v1/models/sentiment:predict"])
    }

    func testAChangedAnswerMidRunIsNoticed() throws {
        let counter = Counter()
        let server = try serve { request in
            guard request.method == "POST" else { return fakeV2Service()(request) }
            // After 5 requests the "redeployed" model leans positive.
            if counter.next() < 5 { return fakeV2Service()(request) }
            return .json(["outputs": [["name": "o", "datatype": "FP32", "shape": [1, 2], "data": [0.1, 0.9]]]])
        }
        let client = try EndpointClient(settings(server.url + "/v2/models/clf"))
        defer { client.shutdown() }
        _ = try client.start()
        let watch = AnswerWatch(interval: 3)
        let victim = RemoteVictim(client: client, labels: ServiceLabels(names: ["neg", "pos"]), watch: watch)
        for text in ["a", "b", "c"] { _ = try victim.classify([text]) }
        XCTAssertNil(watch.summary, "the canary was re-asked once and answered the same")
        for text in ["d", "e", "f"] { _ = try victim.classify([text]) }
        XCTAssertEqual(watch.checks, 2)
        XCTAssertEqual(watch.summary, "the service answered the same text differently after 6 requests (redeployed or not deterministic?): results before and after may not be comparable")
    }

    func testAnUnusableAnswerStopsTheExampleInsteadOfBeingRecorded() throws {
        let server = try serve { request in
            guard request.method == "POST" else { return fakeV2Service()(request) }
            return .json(["outputs": [["name": "o", "datatype": "FP32", "shape": [1, 2], "data": [0.6, 0.9]]]])
        }
        let client = try EndpointClient(settings(server.url + "/v2/models/clf"))
        defer { client.shutdown() }
        _ = try client.start()
        let victim = RemoteVictim(client: client, labels: ServiceLabels(names: ["neg", "pos"]), watch: AnswerWatch())
        let recipe = try RecipeLibrary().load(["deepwordbug"])[0]
        XCTAssertThrowsError(try AttackRunner.attack(AttackInput(index: 0, text: "a good film", gold: "pos"), procedure: recipe.procedure,
                                                     worker: AttackWorker(victim: victim, encoder: nil),
                                                     lexicon: Lexicon(wordnet: nil), seed: 1)) {
            XCTAssertEqual($0 as? AttackError, .unavailable("answer 1: the probabilities sum to 1.5000, not 1"))
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}

final class FlakyServiceTests: XCTestCase {
    /// Attacks `texts` with deepwordbug through the fake v2 service `handler` on 3 workers.
    private func attack(_ texts: [String], handler: @escaping FakeServer.Handler) throws -> [Int: ExampleResult] {
        let server = try FakeServer(handler: handler)
        defer { server.stop() }
        var settings = EndpointSettings(url: server.url + "/v2/models/clf", wire: .v2)
        (settings.backoff, settings.maxBackoff, settings.retries, settings.batchSize) = (0.001, 0.01, 8, 4)
        settings.labels = ["neg", "pos"]
        let service = try RemoteService.connect(settings, expected: ["neg", "pos"], probe: texts[0])
        defer { service.shutdown() }
        let recipe = try RecipeLibrary().load(["deepwordbug"])[0]
        let runner = AttackRunner(recipe: recipe, workers: 3, seed: 11, wordnet: nil) { _ in
            AttackWorker(victim: service.remoteVictim(), encoder: nil)
        }
        var results: [Int: ExampleResult] = [:]
        let inputs = texts.enumerated().map { AttackInput(index: $0.offset, text: $0.element, gold: "pos") }
        try runner.run(inputs) { results[$0.input.index] = $0 }
        return results
    }

    func testAServiceFailingOneRequestInFiveGivesTheSameResultsAsAHealthyOne() throws {
        let texts = ["a good film with a good cast", "good acting but a bad plot and good music", "good good good",
                     "the good parts outweigh the bad", "good fun"]
        let healthy = try attack(texts, handler: fakeV2Service())
        let counter = Counter()
        let flaky = try attack(texts) { request in
            guard request.method == "POST" else { return fakeV2Service()(request) }
            // Every fifth request fails, in turn with 429 + Retry-After 0, 500, 503 and a dropped connection.
            let n = counter.next()
            guard n % 5 == 4 else { return fakeV2Service()(request) }
            switch (n / 5) % 4 {
            case 0: return .respond(status: 429, headers: [("Retry-After", "0")], body: Data())
            case 1: return .respond(status: 500, body: Data("oops".utf8))
            case 2: return .respond(status: 503, body: Data())
            default: return .drop
            }
        }
        XCTAssertGreaterThan(counter.next(), 20, "enough requests that some failed")
        XCTAssertEqual(healthy.count, texts.count)
        for index in texts.indices {
            let (a, b) = (try XCTUnwrap(healthy[index]), try XCTUnwrap(flaky[index]))
            XCTAssertEqual(a.status, b.status, texts[index])
            XCTAssertEqual(a.adversarialText, b.adversarialText, texts[index])
            XCTAssertEqual(a.queries, b.queries, texts[index])
            XCTAssertEqual(a.cleanPrediction, b.cleanPrediction, texts[index])
        }
        XCTAssertTrue(healthy.values.contains { $0.status == .success }, "the attack succeeds on some texts")
    }
}
