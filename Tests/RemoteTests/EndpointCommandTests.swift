// EndpointCommandTests: `robust eval`, `attack`, `predict` with --endpoint as a user runs them, against the fake
// service: results stored as for a checkpoint with the endpoint recorded without credentials, gradient recipes
// left out with the reason, and a service that goes away mid-run leaving a failed run with its finished examples.
import Basics
import FakeServer
import Foundation
import TestSupport
import XCTest

final class EndpointCommandTests: XCTestCase {
    private func dataFile(_ folder: URL) throws -> URL {
        let rows = ["text,label", "a good film with a good cast,pos", "bad acting and a bad plot,neg", "good fun,pos",
                    "good good good,pos", "the bad parts outweigh the good,neg", "a bad bad day,neg"]
        let url = folder.appendingPathComponent("reviews.csv")
        try rows.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testEvalAgainstAServiceStoresItsRunWithoutCredentials() throws {
        let folder = try temporaryFolder(self)
        let server = try FakeServer(handler: fakeV2Service(name: "clf", labelScores: true, version: "3"))
        defer { server.stop() }
        let data = try dataFile(folder)
        let url = "http://user:hunter2@127.0.0.1:\(server.port)/v2/models/clf?key=topsecret"
        let result = try runRobust(["eval", "--endpoint", url, "--data", data.path, "--split", "all",
                                    "--endpoint-header", "X-Api-Key=FAKE_KEY", "--workers", "2"],
                                   folder: folder, environment: ["FAKE_KEY": "k3y-value", "ROBUST_BASE_MODEL": try requireMiniLM().path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        // Gradient and embedding recipes of the default suite are left out, saying why.
        XCTAssertTrue(result.stderr.contains("which a service does not expose"), result.stderr)
        XCTAssertTrue(result.stdout.contains("deepwordbug"), result.stdout)
        XCTAssertTrue(server.requests.filter { $0.method == "POST" }.allSatisfy { $0.header("X-Api-Key") == "k3y-value" })
        let show = try runRobust(["show", "1", "--json"], folder: folder)
        XCTAssertEqual(show.status, 0, show.stderr)
        for secret in ["hunter2", "topsecret", "k3y-value"] {
            XCTAssertFalse(result.stdout.contains(secret) || result.stderr.contains(secret) || show.stdout.contains(secret), secret)
            let database = try Data(contentsOf: folder.appendingPathComponent("robust.db"))
            XCTAssertNil(database.range(of: Data(secret.utf8)), "\(secret) is in the database")
        }
        XCTAssertTrue(show.stdout.contains("\"version\":\"3\"") || show.stdout.contains("\"version\" : \"3\""), show.stdout)
        XCTAssertTrue(show.stdout.contains("latency_p50_ms"), show.stdout)
    }

    func testAugmentAttacksAServiceForAdversarialExamples() throws {
        let folder = try temporaryFolder(self)
        let server = try FakeServer(handler: fakeV2Service(labelScores: true))
        defer { server.stop() }
        let rows = ["text,label"] + (0..<20).map { "a good film number \($0) with a good cast,pos" }
            + (0..<20).map { "a bad film number \($0) with bad acting,neg" }
        let data = folder.appendingPathComponent("reviews.csv")
        try rows.joined(separator: "\n").write(to: data, atomically: true, encoding: .utf8)
        let result = try runRobust(["augment", "--data", data.path, "--recipe", "deepwordbug", "--endpoint", server.url + "/v2/models/clf",
                                    "--out", folder.appendingPathComponent("augmented").path],
                                   folder: folder, environment: ["ROBUST_BASE_MODEL": try requireMiniLM().path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("deepwordbug:") && result.stdout.contains("adversarial examples"), result.stdout)
        XCTAssertTrue(result.stdout.contains("endpoint http://127.0.0.1:\(server.port)/v2/models/clf:"), result.stdout)
        XCTAssertTrue(server.requests.contains { $0.method == "POST" })
    }

    func testNamingAGradientRecipeForAServiceIsAnError() throws {
        let folder = try temporaryFolder(self)
        let server = try FakeServer(handler: fakeV2Service())
        defer { server.stop() }
        let result = try runRobust(["attack", "--endpoint", server.url + "/v2/models/clf", "--labels", "neg,pos",
                                    "--recipe", "pgd", "--text", "a good film"], folder: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: recipe pgd needs the model's weights (gradients or embeddings), which a service does not expose\n")
    }

    func testPredictAndUnreachableServices() throws {
        let folder = try temporaryFolder(self)
        let server = try FakeServer(handler: fakeV2Service())
        let ok = try runRobust(["predict", "--endpoint", server.url + "/v2/models/clf", "--labels", "neg,pos", "good day", "bad day"],
                               folder: folder)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout.split(separator: "\n").map { $0.split(separator: "\t").first.map(String.init) ?? "" }, ["pos", "neg"])
        let port = server.port
        server.stop()
        let down = try runRobust(["predict", "--endpoint", "http://127.0.0.1:\(port)/v2/models/clf", "--endpoint-retries", "1", "x"],
                                 folder: folder)
        XCTAssertEqual(down.status, 1)
        XCTAssertTrue(down.stderr.hasPrefix("Error: cannot reach http://127.0.0.1:\(port)/v2/models/clf ("), down.stderr)
        XCTAssertEqual(down.stderr.filter { $0 == "\n" }.count, 1, down.stderr)
    }

    func testAServiceThatDiesMidRunLeavesAFailedRunThatResumes() throws {
        let folder = try temporaryFolder(self)
        let counter = Counter()
        let server = try FakeServer { request in
            // Healthy for the start-up probe, the clean pass and the first attacks, then down for good.
            if request.method == "POST", counter.next() >= 6 { return .respond(status: 503, body: Data("down".utf8)) }
            return fakeV2Service()(request)
        }
        defer { server.stop() }
        let data = try dataFile(folder)
        let first = try runRobust(["eval", "--endpoint", server.url + "/v2/models/clf", "--labels", "neg,pos", "--data", data.path,
                                   "--split", "all", "--recipes", "deepwordbug", "--workers", "1", "--endpoint-retries", "1"],
                                  folder: folder)
        XCTAssertEqual(first.status, 1, first.stdout + first.stderr)
        XCTAssertTrue(first.stderr.contains("answered 503"), first.stderr)
        let runs = try runRobust(["runs", "--json"], folder: folder)
        XCTAssertTrue(runs.stdout.contains("\"failed\""), runs.stdout)
        server.setHandler(fakeV2Service())
        let resumed = try runRobust(["eval", "--endpoint", server.url + "/v2/models/clf", "--labels", "neg,pos", "--data", data.path,
                                     "--split", "all", "--recipes", "deepwordbug", "--workers", "1", "--resume", "1"], folder: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("run 1 recorded"), resumed.stdout)
        // No base model in this folder: the default audit is skipped with a warning; one asked for by name is an error.
        XCTAssertTrue(resumed.stderr.contains("warning: the run is not audited (audit 'default' needs the sentence encoder"), resumed.stderr)
        let named = try runRobust(["eval", "--endpoint", server.url + "/v2/models/clf", "--labels", "neg,pos", "--data", data.path,
                                   "--split", "all", "--recipes", "deepwordbug", "--workers", "1", "--audit", "default"], folder: folder)
        XCTAssertEqual(named.status, 1, named.stdout + named.stderr)
        XCTAssertTrue(named.stderr.hasPrefix("warning: no sentence encoder"), named.stderr)
        XCTAssertTrue(named.stderr.contains("Error: audit 'default' needs the sentence encoder, which failed to load"), named.stderr)
    }
}
