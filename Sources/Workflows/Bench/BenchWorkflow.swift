// BenchWorkflow: `robust bench [--model CKPT] [--precision …]` — in one process, the GEMM peak over a model's
// own shapes, and the engine's forward and classification throughput, for each precision (fp32 through
// OpenBLAS, bf16 and int8 through oneDNN), each with its share of its own precision's peak (FLOPs from the
// family's shapes); the training-step throughput (fp32); the tokenizer's throughput on real English
// sentences (WordNet's glosses); and the process's peak memory.
import Basics
import Foundation
import Tensors
import Tokenizer
import Training
import Transformer

public struct BenchWorkflow {
    public enum Part: String, CaseIterable, Sendable { case gemm, forward, train, tokenize }

    /// The model whose config sets the shapes (its weights are used as they are); `tokenize` alone needs none.
    public var model: ModelFolder?
    /// Seconds spent timing each measurement.
    public var seconds: Double
    public var parts: Set<Part>
    /// (sequences, length) of each forward shape.
    public var forwardShapes: [(Int, Int)]
    /// The model's tokenizer, for `tokenize`.
    public var tokenizer: TextTokenizer?
    /// Precisions to measure gemm and forward in (each must run here: see `OneDNN.require`).
    public var precisions: [Precision] = [.fp32]
    /// An image model's pixel normalisation (its preprocessor's), for the image measurements.
    public var imageNormalization: PixelNormalization?

    public init(model: ModelFolder?, seconds: Double, parts: Set<Part>, forwardShapes: [(Int, Int)]) {
        self.model = model
        self.seconds = seconds
        self.parts = parts
        self.forwardShapes = forwardShapes
    }

    public struct Outcome {
        /// One JSON-ready object per measurement, with its "name".
        public var rows: [[String: Any]]
        /// The machine: BLAS core and threads, workers, and the GEMM peak when measured.
        public var machine: [String: Any]
    }

    /// Measures, saying one line per measurement.
    public func run(reporter: Reporter) throws -> Outcome {
        var rows: [[String: Any]] = []
        let report: (String, [String: Any], String) -> Void = { name, fields, line in
            rows.append(fields.merging(["name": name]) { a, _ in a })
            reporter.say(line)
        }
        reporter.say("robust bench: OpenBLAS \(BLAS.coreName) kernels, single-threaded, split over \(Parallel.workers) workers")
        let engine = model?.model
        if engine == nil && !parts.isSubset(of: [.tokenize]) {
            throw UserError("bench: gemm, forward and train need the model's weights")
        }
        var peak = Double.nan
        var peaks: [Precision: Double] = [:]
        if let engine, let model {
            let c = engine.config
            reporter.say("model: \(model.family.modelType), \(c.blockCount) blocks, hidden \(c.hiddenSize), \(c.headCount) heads, intermediate \(c.intermediateSize)\(c.architecture.gatedFeedForward ? " (gated)" : ""), \(engine.parameters.count) parameters")
            if precisions.contains(where: \.isReduced) {
                let cannot = Precision.allCases.compactMap { p in OneDNN.unavailability(p).map { "\(p.rawValue): \($0)" } }
                reporter.say("oneDNN \(OneDNN.version), ISA \(OneDNN.isa): runs \(OneDNN.runnable.map(\.rawValue).joined(separator: ", "))"
                             + (cannot.isEmpty ? "" : " (not \(cannot.joined(separator: "; ")))"))
            }
            for precision in precisions {
                try engine.prepare(precision: precision)
                if parts.contains(.gemm) {
                    peaks[precision] = try gemmPeak(engine.config, precision: precision, report: report, reporter: reporter)
                }
                if parts.contains(.forward) && c.architecture.patches == nil {
                    try forward(engine, precision: precision, peak: peaks[precision] ?? .nan, report: report)
                }
            }
            peak = peaks[.fp32] ?? .nan
            if c.architecture.patches != nil {
                if parts.contains(.forward) || parts.contains(.train) {
                    try images(engine, normalization: imageNormalization ?? .identity(channels: c.architecture.patches?.channels ?? 1),
                               peak: peak, report: report)
                }
            } else if parts.contains(.train) {
                try trainStep(engine, peak: peak, report: report)
            }
        }
        if parts.contains(.tokenize) { try tokenize(report: report) }

        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let rssMB = Double(usage.ru_maxrss) / 1024
        if let engine {
            let weightsMB = Double(engine.parameters.count * 4) / 1e6
            report("memory", ["max_rss_mb": rssMB, "parameters_mb": weightsMB],
                   String(format: "memory: peak RSS %.0f MB (parameters %.0f MB; training adds Adam moments, %.0f MB)",
                          rssMB, weightsMB, 2 * weightsMB))
        } else {
            report("memory", ["max_rss_mb": rssMB], String(format: "memory: peak RSS %.0f MB (no weights loaded)", rssMB))
        }
        var machine: [String: Any] = ["blas_core": BLAS.coreName, "blas_threads": BLAS.threads, "workers": Parallel.workers]
        if let model { machine["model_type"] = model.family.modelType }
        if peak.isFinite { machine["gemm_peak_gflops"] = peak }
        for (precision, value) in peaks where precision.isReduced && value.isFinite { machine["gemm_peak_gflops_\(precision.rawValue)"] = value }
        if precisions.contains(where: \.isReduced) {
            machine["onednn_version"] = OneDNN.version
            machine["onednn_isa"] = OneDNN.isa
            machine["precisions_runnable"] = OneDNN.runnable.map(\.rawValue)
        }
        return Outcome(rows: rows, machine: machine)
    }

    func forward(_ engine: EncoderModel, precision: Precision, peak: Double,
                 report: (String, [String: Any], String) -> Void) throws {
        let config = engine.config
        let workspace = engine.makeWorkspace(training: false)
        workspace.precision = precision
        // fp32 rows keep their names; the others end in _bf16 / _int8.
        let suffix = precision.isReduced ? "_\(precision.rawValue)" : ""
        let label = precision.rawValue
        for (sequences, length) in forwardShapes {
            guard length <= config.maxSequenceLength else {
                throw UserError("sequence length \(length) exceeds the model's \(config.maxSequenceLength) positions")
            }
            let batch = randomBatch(config, sequences: sequences, length: length, seed: 11)
            let time = try measure { try engine.encode(batch, workspace: workspace) }
            let tokens = Double(sequences * length)
            let gflops = config.forwardFLOPsPerToken(sequenceLength: length) * tokens / time / 1e9
            report("forward_\(sequences)x\(length)\(suffix)", withShare([
                "batch": sequences, "seq": length, "precision": label, "ms_per_call": time * 1e3, "tokens_per_s": tokens / time,
                "gflops": gflops, "workspace_mb": Double(workspace.allocatedBytes) / 1e6,
            ], gflops, peak), String(format: "forward %@ %2d×%-3d %8.2f ms/call  %7.0f tokens/s  %6.1f GFLOPS%@  workspace %.0f MB",
                      label, sequences, length, time * 1e3, tokens / time, gflops, shareText(gflops, peak),
                      Double(workspace.allocatedBytes) / 1e6))
            // Classification (what attack queries run) finishes the last layer for [CLS] rows only.
            let classifyTime = try measure { try engine.classify(batch, workspace: workspace) }
            report("classify_\(sequences)x\(length)\(suffix)", [
                "batch": sequences, "seq": length, "precision": label, "ms_per_call": classifyTime * 1e3,
                "tokens_per_s": tokens / classifyTime, "speedup_vs_forward": time / classifyTime,
            ], String(format: "classify %@ %2d×%-3d %7.2f ms/call  %7.0f tokens/s  %.2f× the full forward pass",
                      label, sequences, length, classifyTime * 1e3, tokens / classifyTime, time / classifyTime))
        }
    }

    /// Forward + backward + clipping + AdamW at 16×64, with the config's dropout on; then the same step
    /// with FGM and with FreeLB-1 adversarial training, as multiples of the clean step.
    func trainStep(_ engine: EncoderModel, peak: Double, report: (String, [String: Any], String) -> Void) throws {
        let config = engine.config
        let workspace = engine.makeWorkspace(training: true)
        let optimiser = AdamW(store: engine.parameters)
        let batch = randomBatch(config, sequences: 16, length: 64, seed: 12)
        var labelRandom = SeededRandom(seed: 13)
        let labels = (0..<16).map { _ in Int(labelRandom.next() % UInt64(engine.classCount)) }
        let tokens = Double(batch.tokenCount)
        engine.parameters.zeroGradients()
        var cleanTime = 0.0
        for method in [nil] + [AdversarialTraining.Method.fgm, .freelb] {
            let adversarial = method.map { AdversarialTraining(method: $0, steps: $0 == .freelb ? 1 : nil) }
            let step = TrainingStep(model: engine, optimiser: optimiser, adversarial: adversarial)
            var count = 0
            let time = try measure {
                count += 1
                try step.run(batch, labels: labels, workspace: workspace,
                             dropout: DropoutPlan(seed: UInt64(count), config: config), learningRate: 1e-5, maxGradNorm: 1, seed: UInt64(count))
            }
            let name = method.map { $0 == .freelb ? "FreeLB-1" : "FGM" } ?? "clean"
            if method == nil { cleanTime = time }
            let passes = Double(adversarial.map { $0.method == .fgm ? 2 : $0.steps } ?? 1)   // forward+backward passes
            let gflops = 3 * passes * config.forwardFLOPsPerToken(sequenceLength: 64) * tokens / time / 1e9
            report(method == nil ? "train_step_16x64" : "train_step_16x64_\(name.lowercased())", withShare([
                "batch": 16, "seq": 64, "ms_per_step": time * 1e3, "tokens_per_s": tokens / time, "gflops": gflops,
                "cost_vs_clean": time / cleanTime, "workspace_mb": Double(workspace.allocatedBytes) / 1e6,
            ], gflops, peak), String(format: "train step 16×64 %@ %7.1f ms/step  %7.0f tokens/s  %6.1f GFLOPS%@  %.2f× clean",
                      name.padding(toLength: 8, withPad: " ", startingAt: 0), time * 1e3, tokens / time, gflops,
                      shareText(gflops, peak), time / cleanTime))
        }
        // Consistency training: the same labelled step plus 3 unlabelled sequences per labelled one (UDA: eval-mode
        // targets and a pass on augmented copies; VAT: targets, the power-iteration probe and the adversarial pass).
        let originals = randomBatch(config, sequences: 48, length: 64, seed: 14)
        let copies = randomBatch(config, sequences: 48, length: 64, seed: 15)
        func examples(_ batch: TokenBatch) -> [TokenizedExample] {
            batch.starts.indices.map { TokenizedExample(ids: Array(batch.tokenIDs[batch.starts[$0]..<(batch.starts[$0] + batch.lengths[$0])]), label: 0) }
        }
        let unlabeled = UnlabeledBatch(originals: examples(originals), augmented: examples(copies))
        for method in ConsistencyTraining.Method.allCases {
            var consistency = ConsistencyTraining(method: method)
            consistency.augmentation = ["bench"]
            let step = TrainingStep(model: engine, optimiser: optimiser, adversarial: nil, consistency: consistency)
            var count = 0
            let time = try measure {
                count += 1
                try step.run(batch, labels: labels, workspace: workspace, dropout: DropoutPlan(seed: UInt64(count), config: config),
                             learningRate: 1e-5, maxGradNorm: 1, seed: UInt64(count), unlabeled: unlabeled)
            }
            report("train_step_16x64_\(method.rawValue.replacingOccurrences(of: "+", with: "_"))_ratio3", [
                "batch": 16, "unlabeled": 48, "seq": 64, "ms_per_step": time * 1e3, "cost_vs_clean": time / cleanTime,
            ], String(format: "train step 16×64 + 48 unlabelled, %@ %7.1f ms/step  %.2f× clean",
                      method.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0), time * 1e3, time / cleanTime))
        }
        // bf16 mixed precision: the clean step with bf16 products forward and backward (fp32 master weights).
        guard precisions.contains(.bf16) else { return }
        let mixed = engine.makeWorkspace(training: true)
        mixed.precision = .bf16
        let step = TrainingStep(model: engine, optimiser: optimiser, adversarial: nil)
        var count = 0
        let time = try measure {
            count += 1
            try step.run(batch, labels: labels, workspace: mixed, dropout: DropoutPlan(seed: UInt64(count), config: config),
                         learningRate: 1e-5, maxGradNorm: 1, seed: UInt64(count))
        }
        let gflops = 3 * config.forwardFLOPsPerToken(sequenceLength: 64) * tokens / time / 1e9
        report("train_step_16x64_bf16", [
            "batch": 16, "seq": 64, "precision": "bf16", "ms_per_step": time * 1e3, "tokens_per_s": tokens / time,
            "gflops": gflops, "speedup_vs_fp32": cleanTime / time,
        ], String(format: "train step 16×64 bf16     %7.1f ms/step  %7.0f tokens/s  %6.1f GFLOPS  %.2f× the fp32 step (packing the weights each step included)",
                  time * 1e3, tokens / time, gflops, cleanTime / time))
    }

    /// Single-threaded encoding (as each attack worker does it) of 2,000 WordNet glosses, truncated at 128.
    func tokenize(report: (String, [String: Any], String) -> Void) throws {
        guard let tokenizer else { throw UserError("bench: tokenize needs the model's tokenizer") }
        let folder = try ResourceLocations.wordNet().require()
        guard let data = FileManager.default.contents(atPath: folder + "/data.noun") else {
            throw UserError("bench: cannot read \(folder)/data.noun for the tokenizer's sentences")
        }
        let texts = String(decoding: data, as: UTF8.self).split(separator: "\n").lazy
            .filter { !$0.hasPrefix("  ") }
            .compactMap { line in line.range(of: " | ").map { String(line[$0.upperBound...]).trimmingCharacters(in: .whitespaces) } }
            .prefix(2_000)
        let sentences = Array(texts)
        guard !sentences.isEmpty else { throw UserError("bench: no glosses in \(folder)/data.noun") }
        var tokens = 0
        let time = try measure {
            tokens = 0
            for text in sentences { tokens += tokenizer.encode(text, maxLength: 128).count }
        }
        let perText = time / Double(sentences.count)
        let engine = tokenizer.isFusedWordPiece ? "fused WordPiece" : "general pipeline"
        report("tokenize", ["texts": sentences.count, "tokens": tokens, "texts_per_s": 1 / perText,
                            "tokens_per_s": Double(tokens) / time, "us_per_text": perText * 1e6, "source": tokenizer.source.rawValue,
                            "engine": engine],
               String(format: "tokenize (%@, %@)   %7.1f µs/text  %9.0f tokens/s  (%d WordNet glosses, %d tokens, one thread)",
                      tokenizer.source.rawValue, engine, perText * 1e6, Double(tokens) / time, sentences.count, tokens))
    }

    /// The share of the GEMM peak, when the peak was measured (`--only` without gemm leaves it NaN,
    /// which JSON cannot hold).
    func withShare(_ fields: [String: Any], _ gflops: Double, _ peak: Double) -> [String: Any] {
        guard peak.isFinite && peak > 0 else { return fields }
        return fields.merging(["share_of_gemm_peak": gflops / peak]) { first, _ in first }
    }

    func shareText(_ gflops: Double, _ peak: Double) -> String {
        peak.isFinite && peak > 0 ? String(format: "  %5.1f%% of GEMM peak", 100 * gflops / peak) : ""
    }

    func randomBatch(_ config: EncoderConfig, sequences: Int, length: Int, seed: UInt64) -> TokenBatch {
        var random = SeededRandom(seed: seed)
        let vocabulary = UInt64(config.vocabSize)
        return TokenBatch((0..<sequences).map { _ in
            (0..<length).map { _ in Int32(random.next() % vocabulary) }
        })
    }

    /// Median seconds per call after warm-up, over at least 5 calls or `seconds`.
    func measure(_ body: () throws -> Void) throws -> Double {
        for _ in 0..<2 { try body() }
        var times: [Double] = []
        let deadline = Date().addingTimeInterval(seconds)
        while times.count < 5 || (Date() < deadline && times.count < 10_000) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// The best GEMM rate over the model's own shapes (and a square one): sgemm through the engine's BLAS
    /// for fp32, the packed oneDNN product (as the engine runs it, per-call input conversion included) for
    /// bf16 and int8.
    func gemmPeak(_ c: EncoderConfig, precision: Precision, report: (String, [String: Any], String) -> Void,
                  reporter: Reporter) throws -> Double {
        let intermediateOut = c.architecture.gatedFeedForward ? 2 * c.intermediateSize : c.intermediateSize
        let shapes = [(2048, 3 * c.hiddenSize, c.hiddenSize), (2048, intermediateOut, c.hiddenSize),
                      (2048, c.hiddenSize, c.intermediateSize), (1024, 1024, 1024)]
        var best = 0.0
        for (m, n, k) in shapes {
            let a = FloatBuffer(capacity: m * k), b = FloatBuffer(capacity: n * k), out = FloatBuffer(capacity: m * n)
            for i in 0..<(m * k) { a.pointer[i] = Float(i % 7) * 0.1 }
            for i in 0..<(n * k) { b.pointer[i] = Float(i % 5) * 0.1 }
            let time: Double
            if precision.isReduced {
                let packed = try PackedLinear(weight: b.pointer, outFeatures: n, inFeatures: k, precision: precision)
                time = try measure { packed.apply(a.pointer, rows: m, bias: nil, into: out.pointer) }
            } else {
                time = (try? measure {
                    BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: out.pointer, ldc: n)
                }) ?? .infinity
            }
            let gflops = 2 * Double(m) * Double(n) * Double(k) / time / 1e9
            best = max(best, gflops)
            let name = precision.isReduced ? "gemm_\(precision.rawValue)_\(m)x\(n)x\(k)" : "gemm_\(m)x\(n)x\(k)"
            report(name, ["m": m, "n": n, "k": k, "precision": precision.rawValue, "gflops": gflops],
                   String(format: "gemm %@ %4d×%4d×%4d  %6.1f G%@/s", precision.rawValue, m, n, k, gflops,
                          precision == .int8 ? "OP" : "FLOP"))
        }
        reporter.say(String(format: "GEMM peak %@: %.1f G%@/s", precision.rawValue, best, precision == .int8 ? "OP" : "FLOP"))
        return best
    }
}
