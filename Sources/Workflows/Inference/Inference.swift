// Inference: `robust predict` and `robust embed` — texts run through a model in batches: class
// probabilities with the predicted label, or mean-pooled, L2-normalised sentence embeddings (as
// sentence-transformers computes them); in fp32, or in bf16/int8 where the user asks (`--precision`: these
// outputs are the reduced precision's own, nothing re-checks them).
import Basics
import Foundation
import Tensors
import Transformer

public struct Inference {
    public var model: ModelHandle
    /// Texts are truncated to this many tokens (capped by the model's positions).
    public var maxLength: Int
    public var batchSize: Int
    private let workspace: Workspace

    public init(model: ModelHandle, maxLength: Int, batchSize: Int, precision: Precision = .fp32) throws {
        self.model = model
        self.maxLength = maxLength
        self.batchSize = max(1, batchSize)
        try UserError.wrapping { try model.model.prepare(precision: precision) }
        workspace = model.model.makeWorkspace(training: false)
        workspace.precision = precision
    }

    public struct Prediction: Sendable {
        public var text: String
        public var label: String
        /// By label, in the model's label order.
        public var probabilities: [(label: String, probability: Float)]
    }

    /// Each text's predicted label and class probabilities, in order; `each` is called per batch so
    /// results stream out as they are computed.
    public func predict(_ texts: [String], each: ([Prediction]) throws -> Void) throws {
        let labels = model.labels
        try forEachBatch(texts) { chunk, batch in
            let rows = try UserError.wrapping { try model.model.probabilities(batch, workspace: workspace) }
            try each(zip(chunk, rows).map { text, row in
                let best = row.indices.max { row[$0] < row[$1] } ?? 0
                return Prediction(text: text, label: labels[best], probabilities: row.enumerated().map { (labels[$0.offset], $0.element) })
            })
        }
    }

    /// Each text's sentence embedding, in order, per batch.
    public func embed(_ texts: [String], each: ([(text: String, embedding: [Float])]) throws -> Void) throws {
        try forEachBatch(texts) { chunk, batch in
            let hidden = try UserError.wrapping { try model.model.encode(batch, workspace: workspace) }
            let embeddings = Pooling.mean(hidden: hidden, batch: batch, width: model.config.hiddenSize, normalise: true)
            try each(zip(chunk, embeddings).map { ($0, $1) })
        }
    }

    private func forEachBatch(_ texts: [String], _ body: ([String], TokenBatch) throws -> Void) throws {
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let chunk = Array(texts[start..<min(start + batchSize, texts.count)])
            try body(chunk, model.batch(chunk, maxLength: maxLength))
        }
    }
}

extension Inference {
    /// Each text's predicted label and class probabilities from a served model, checked as an attack's answers
    /// are; `each` is called per group of `batch size × concurrency` texts (sent concurrently).
    public static func predict(_ service: any ServedClassifier, texts: [String], each: ([Prediction]) throws -> Void) throws {
        let labels = service.labels
        let chunk = max(1, service.textsPerCall)
        for start in stride(from: 0, to: texts.count, by: chunk) {
            let part = Array(texts[start..<min(start + chunk, texts.count)])
            let rows = try UserError.wrapping { try service.classify(part) }
            try each(zip(part, rows).map { text, row in
                let best = row.indices.max { row[$0] < row[$1] } ?? 0
                return Prediction(text: text, label: labels[best], probabilities: row.enumerated().map { (labels[$0.offset], $0.element) })
            })
        }
    }
}
