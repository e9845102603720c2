// ImageInference: `robust predict --model VIT IMAGE…` — each PNG/JPEG file decoded (libpng, libjpeg), converted to
// the model's channels and resized to its image size (bilinear, as Pillow), rescaled to [0, 1] and classified:
// its label and class probabilities. A file that cannot be read or decoded is one line naming it, before any
// prediction is printed.
import Basics
import Datasets
import Foundation
import Tensors
import Transformer

public struct ImageInference {
    public let model: ImageModelHandle
    public var batchSize = 64

    public init(model: ImageModelHandle) { self.model = model }

    /// Decodes and conforms every file first (so a bad file stops the run before any output), then predicts in
    /// batches, calling `each` with each batch's predictions in order.
    public func predict(_ paths: [String], each: ([Inference.Prediction]) throws -> Void) throws {
        let shape = model.shape
        var pixels: [Float] = []
        pixels.reserveCapacity(paths.count * shape.count)
        for path in paths {
            let image = try UserError.wrapping {
                try ImageResize.conform(try ImageCodec.decode(contentsOf: URL(fileURLWithPath: path)), to: shape)
            }
            pixels += image.pixels.map { Float($0) / 255 }
        }
        let workspace = model.model.makeWorkspace(training: false)
        let c = model.model.classCount, labels = model.labels
        var start = 0
        while start < paths.count {
            let count = min(batchSize, paths.count - start)
            let logits = try UserError.wrapping {
                try pixels.withUnsafeBufferPointer { buffer -> UnsafeMutablePointer<Float> in
                    guard let base = buffer.baseAddress else { throw UserError("no pixels") }
                    return try model.model.classifyImages(base + start * shape.count, count: count,
                                                          normalization: model.preprocessor.normalization, workspace: workspace)
                }
            }
            var batch: [Inference.Prediction] = []
            for row in 0..<count {
                let p = Loss.softmax(Array(UnsafeBufferPointer(start: logits + row * c, count: c)))
                let best = p.indices.max { p[$0] < p[$1] } ?? 0
                batch.append(Inference.Prediction(text: paths[start + row], label: labels[best],
                                                  probabilities: zip(labels, p).map { (label: $0.0, probability: $0.1) }))
            }
            try each(batch)
            start += count
        }
    }
}
