// EnginePixelClassifier: an image model of the engine (ViT) as Vision's `PixelClassifier` — logits of a batch
// of [0, 1] pixels (normalisation inside), and the gradient of any loss of the logits with respect to the
// pixels — for pixel attacks, ε sweeps and corruption evaluation. One workspace per call site thread, kept.
import Basics
import Foundation
import Tensors
import Transformer
import Vision

public final class EnginePixelClassifier: PixelClassifier, @unchecked Sendable {
    public let model: EncoderModel
    public let normalization: PixelNormalization
    public let shape: ImageShape
    public var classCount: Int { model.classCount }
    private let lock = NSLock()
    private var inference: [Workspace] = [], training: [Workspace] = []

    public init(model: EncoderModel, normalization: PixelNormalization) throws {
        let geometry = try model.patchGeometry()
        try normalization.validate(channels: geometry.channels)
        self.model = model
        self.normalization = normalization
        shape = ImageShape(channels: geometry.channels, height: geometry.imageSize, width: geometry.imageSize)
    }

    public convenience init(_ handle: ImageModelHandle) throws {
        try self.init(model: handle.model, normalization: handle.preprocessor.normalization)
    }

    private func take(_ training: Bool) -> Workspace {
        lock.lock()
        defer { lock.unlock() }
        if training, let w = self.training.popLast() { return w }
        if !training, let w = inference.popLast() { return w }
        return model.makeWorkspace(training: training)
    }

    private func give(_ workspace: Workspace) {
        lock.lock()
        defer { lock.unlock() }
        if workspace.keepsActivations { training.append(workspace) } else { inference.append(workspace) }
    }

    public func logits(_ images: UnsafePointer<Float>, count: Int) throws -> [Float] {
        let workspace = take(false)
        defer { give(workspace) }
        let logits = try model.classifyImages(images, count: count, normalization: normalization, workspace: workspace)
        return Array(UnsafeBufferPointer(start: logits, count: count * classCount))
    }

    public func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, pixelGradient: UnsafeMutablePointer<Float>,
                                  logitGradient: ([Float]) -> [Float]) throws -> [Float] {
        let workspace = take(true)
        defer { give(workspace) }
        let pointer = try model.classifyImages(images, count: count, normalization: normalization, workspace: workspace)
        let logits = Array(UnsafeBufferPointer(start: pointer, count: count * classCount))
        let gradient = logitGradient(logits)
        guard gradient.count == logits.count else {
            throw EngineError.invalidInput("the loss gave \(gradient.count) logit gradients for \(logits.count) logits")
        }
        try gradient.withUnsafeBufferPointer { g in
            guard let base = g.baseAddress else { return }
            try model.classifyImagesBackward(workspace: workspace, logitGradient: base, parameterGradients: false)
        }
        pixelGradient.update(from: workspace.pixelGradient.pointer, count: count * shape.count)
        return logits
    }
}
