// EndpointOptions: `--endpoint URL` and its companions, shared by eval, attack, augment and predict — a served
// classifier in place of `--model`, and the client's limits. Header values come from environment variables named
// on the command line, so credentials never appear in it (nor in the stored command line, the database or errors).
import ArgumentParser
import Basics
import Foundation
import Attacks
import Remote
import Workflows

struct EndpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A served classifier to attack instead of --model (black-box recipes only): for v2, http://HOST:PORT/v2/models/NAME.",
                               valueName: "URL"))
    var endpoint: String?

    @Option(help: ArgumentHelp("The endpoint's protocol: v2 (Open Inference Protocol: Triton, MLServer, KServe), v1 (instances → predictions) or json (--endpoint-template).",
                               valueName: "v2|v1|json"))
    var endpointProtocol: String = "v2"

    @Option(help: ArgumentHelp("For --endpoint-protocol json: a YAML file with the request body ($texts), the answers path and optionally the labels.",
                               valueName: "FILE"))
    var endpointTemplate: String?

    @Option(help: ArgumentHelp("The model's name on the service, when the URL does not say it.", valueName: "NAME"))
    var endpointModel: String?

    @Option(help: ArgumentHelp("v2: the output tensor holding the probabilities (default: the first with one answer per text).", valueName: "NAME"))
    var endpointOutput: String?

    @Option(help: ArgumentHelp("v2: the input tensor the texts go in (default: the model metadata's first BYTES input; MLServer's Hugging Face runtime: array_inputs).",
                               valueName: "NAME"))
    var endpointInput: String?

    @Option(help: ArgumentHelp("v2: an input tensor of one value sent with every request, e.g. return_all_scores=BOOL:true; repeatable.",
                               valueName: "NAME=DATATYPE:VALUE"))
    var endpointExtraInput: [String] = []

    @Option(help: ArgumentHelp("The service's label names in the order of its probabilities, comma-separated (not needed when it answers with label scores).",
                               valueName: "NAMES"))
    var labels: String?

    @Option(help: "Texts per request.")
    var endpointBatch = 32

    @Option(help: "Requests in flight at once (attack workers default to this many).")
    var endpointConcurrency = 4

    @Option(help: "Seconds to wait for one response.")
    var endpointTimeout = 30.0

    @Option(help: "Retries of a request after 429, 5xx or a connection error (exponential backoff with jitter; Retry-After honoured).")
    var endpointRetries = 6

    @Option(help: ArgumentHelp("At most this many requests per second.", valueName: "RATE"))
    var endpointRps: Double?

    @Option(help: ArgumentHelp("A header for every request, its value read from an environment variable (e.g. Authorization=API_TOKEN); repeatable.",
                               valueName: "NAME=ENVVAR"))
    var endpointHeader: [String] = []

    var isSet: Bool { endpoint != nil }

    func validate() throws {
        guard endpoint != nil else {
            let stray = [endpointTemplate, endpointModel, endpointOutput, endpointInput, labels].contains { $0 != nil }
                || !endpointHeader.isEmpty || !endpointExtraInput.isEmpty
            if stray { throw ValidationError("--endpoint-… options and --labels need --endpoint") }
            return
        }
        guard ["v2", "v1", "json"].contains(endpointProtocol) else {
            throw ValidationError("--endpoint-protocol must be v2, v1 or json, not '\(endpointProtocol)'")
        }
        if endpointProtocol == "json" && endpointTemplate == nil { throw ValidationError("--endpoint-protocol json needs --endpoint-template FILE") }
        if endpointProtocol != "json" && endpointTemplate != nil { throw ValidationError("--endpoint-template goes with --endpoint-protocol json") }
        if endpointBatch < 1 || endpointConcurrency < 1 || endpointRetries < 0 || !(endpointTimeout > 0) {
            throw ValidationError("--endpoint-batch, --endpoint-concurrency and --endpoint-timeout must be positive, --endpoint-retries at least 0")
        }
        if let endpointRps, !(endpointRps > 0) { throw ValidationError("--endpoint-rps must be positive") }
    }

    /// The client settings, reading header values from the environment.
    func settings() throws -> EndpointSettings? {
        guard let endpoint else { return nil }
        return try UserError.wrapping {
            let wire: EndpointProtocol
            switch endpointProtocol {
            case "v1": wire = .v1
            case "json": wire = .json(try RequestTemplate.load(URL(fileURLWithPath: endpointTemplate ?? "")))
            default: wire = .v2
            }
            var settings = EndpointSettings(url: endpoint, wire: wire)
            settings.model = endpointModel
            settings.output = endpointOutput
            settings.input = endpointInput
            settings.extraInputs = try endpointExtraInput.map { try ExtraInput(parsing: $0) }
            settings.labels = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            settings.batchSize = endpointBatch
            settings.concurrency = endpointConcurrency
            settings.timeout = endpointTimeout
            settings.retries = endpointRetries
            settings.requestsPerSecond = endpointRps
            for option in endpointHeader {
                let header = try EndpointSettings.header(option)
                settings.headers[header.name] = header.value
            }
            return settings
        }
    }

    /// The classifier: the service when --endpoint is given (connected, its labels checked against `expected`,
    /// probed with `probe`), else the checkpoint `model` (required then).
    func classifier(model: String?, expected: [String]?, probe: String?, requireHead: Bool = true) throws -> Classifier {
        if let settings = try settings() {
            if model != nil { throw ValidationError("--model and --endpoint name two victims; give one") }
            let service = try UserError.wrapping {
                try RemoteService.connect(settings, expected: expected, probe: probe ?? "hello")
            }
            return .service(service)
        }
        guard let model else { throw ValidationError("give --model CHECKPOINT or --endpoint URL") }
        let handle = try loadModel(model)
        if requireHead { try handle.requireTrainedHead() }
        return .checkpoint(handle)
    }

    /// Attack settings with workers defaulting to the endpoint's concurrency against a service.
    func attackSettings(_ settings: AttackSettings) -> AttackSettings {
        var settings = settings
        if isSet && settings.workers == nil { settings.workers = endpointConcurrency }
        return settings
    }
}

/// The served classifier as workflows see it.
extension RemoteService: ServedClassifier {
    public var labels: [String] { serviceLabels.names }
    public var endpoint: EndpointRecord {
        EndpointRecord(url: displayURL, protocol: client.settings.wire.name, model: info.modelName, version: info.modelVersion)
    }
    public func victim() -> any Victim { remoteVictim() }
    public var warning: String? { watch.summary }
}
