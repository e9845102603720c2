// BenchCommand: `robust bench` — parses which parts and shapes to measure; BenchWorkflow measures.
import ArgumentParser
import Basics
import Foundation
import Tensors
import Tokenizer
import Transformer
import Workflows

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure GEMM peak, forward and training-step throughput on this machine.")

    @OptionGroup var base: BaseModelOption
    var model: String { base.model }

    @Option(help: "Seconds to spend timing each measurement.")
    var seconds: Double = 3

    @Option(help: "Run only some parts: a comma-separated list of gemm, forward, train, tokenize (for profiling; tokenize alone needs only the tokenizer files).")
    var only: String = "gemm,forward,train,tokenize"

    @Option(help: "Forward shapes to time, as BATCHxSEQ, comma-separated.")
    var forwardShapes: String = "32x64,1x32"

    @Option(help: "Precisions to measure the GEMM peak and forward pass in, comma-separated (fp32, bf16, int8; default: every one this machine runs).")
    var precision: String?

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        for part in parts where BenchWorkflow.Part(rawValue: part) == nil {
            throw ValidationError("unknown part '\(part)' in --only; use \(BenchWorkflow.Part.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try shapes()
    }

    func shapes() throws -> [(Int, Int)] {
        try forwardShapes.split(separator: ",").map { item in
            let numbers = item.lowercased().split(separator: "x").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 2, (1...4096).contains(numbers[0]), (2...4096).contains(numbers[1]) else {
                throw ValidationError("--forward-shapes takes BATCHxSEQ items such as 32x64; got '\(item)'")
            }
            return (numbers[0], numbers[1])
        }
    }

    /// The named precisions (each must run here), or every one that does.
    func precisions() throws -> [Precision] {
        guard let precision else { return OneDNN.runnable }
        var chosen: [Precision] = []
        for item in precision.split(separator: ",") {
            let value = try UserError.wrapping { try Precision.parse(item.trimmingCharacters(in: .whitespaces)) }
            try UserError.wrapping { try OneDNN.require(value) }
            if !chosen.contains(value) { chosen.append(value) }
        }
        guard !chosen.isEmpty else { throw UserError("--precision needs at least one of fp32, bf16, int8") }
        return chosen
    }

    var parts: Set<String> { Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }

    func run() throws {
        if let missing = ResourceLocations.baseModelMissing(at: model) { throw UserError(missing) }
        let chosen = Set(parts.compactMap(BenchWorkflow.Part.init(rawValue:)))
        // The tokenizer alone needs no weights, so `--only tokenize` runs on a folder with just tokenizer files.
        let folder = chosen.isSubset(of: [.tokenize]) ? nil
            : try UserError.wrapping { try ModelFolder.load(directory: URL(fileURLWithPath: model), seed: 1) }
        var workflow = BenchWorkflow(model: folder, seconds: seconds, parts: chosen, forwardShapes: try shapes())
        workflow.precisions = try precisions()
        if ImageModelHandle.isImageModel(URL(fileURLWithPath: model)) {
            let handle = try UserError.wrapping { try ImageModelHandle(directory: URL(fileURLWithPath: model), seed: 1) }
            workflow.imageNormalization = handle.preprocessor.normalization
            workflow.parts.remove(.tokenize)
        }
        if workflow.parts.contains(.tokenize) {
            workflow.tokenizer = try UserError.wrapping { try TextTokenizer.load(directory: URL(fileURLWithPath: model)) }
        }
        let outcome = try workflow.run(reporter: TerminalReporter(quiet: json))
        if json { try JSONOutput.print(["machine": outcome.machine, "results": outcome.rows]) }
    }
}
