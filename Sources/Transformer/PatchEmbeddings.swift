// PatchEmbeddings: a Vision Transformer's front end (transformers' `ViTEmbeddings`) — pixels in [0, 1]
// normalised per channel (the preprocessor's image_mean / image_std), cut into non-overlapping patches,
// unfolded and projected with one GEMM (the Conv2d with stride = kernel), a [CLS] row in front, learned
// position vectors added, dropout — and its backward pass to the projection, [CLS] row, position table
// and to the pixels themselves (what pixel attacks and adversarial training need). The encoder blocks,
// final LayerNorm and classifier are the shared ones (PreNormLayer, Heads).
import Foundation
import Tensors

/// Per-channel normalisation of pixels in [0, 1]: (x − mean[c]) / std[c], as the preprocessor applies it
/// after rescaling.
public struct PixelNormalization: Sendable, Equatable, Codable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// No normalisation (`do_normalize: false`).
    public static func identity(channels: Int) -> PixelNormalization {
        PixelNormalization(mean: Array(repeating: 0, count: channels), std: Array(repeating: 1, count: channels))
    }

    public func validate(channels: Int) throws {
        guard mean.count == channels, std.count == channels else {
            throw EngineError.invalidConfig("image_mean and image_std need \(channels) value(s) each, got \(mean.count) and \(std.count)")
        }
        guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw EngineError.invalidConfig("image_mean must be finite and image_std positive")
        }
    }
}

extension EncoderModel {
    /// The image geometry of a ViT; throws for a text model.
    public func patchGeometry() throws -> PatchGeometry {
        guard let geometry = config.architecture.patches, weights.patches != nil else {
            throw EngineError.invalidInput("this \(config.modelType) model reads text, not images")
        }
        return geometry
    }

    /// Logits [count, classes] of `count` images (NCHW, pixels in [0, 1]), valid until the next call on
    /// this workspace. A training workspace keeps what `classifyImagesBackward` needs.
    @discardableResult
    public func classifyImages(_ pixels: UnsafePointer<Float>, count: Int, normalization: PixelNormalization,
                               workspace: Workspace, dropout: DropoutPlan? = nil) throws -> UnsafeMutablePointer<Float> {
        let geometry = try patchGeometry()
        try normalization.validate(channels: geometry.channels)
        guard count >= 1, count <= 1 << 20 else { throw EngineError.invalidInput("an image batch needs 1...1048576 images, got \(count)") }
        guard workspace.config == config else { throw EngineError.invalidInput("workspace belongs to another model") }
        if dropout != nil && !workspace.keepsActivations {
            throw EngineError.invalidInput("training needs a workspace made with training: true")
        }
        let values = count * geometry.channels * geometry.imageSize * geometry.imageSize
        for i in 0..<values where !pixels[i].isFinite {
            throw EngineError.invalidInput("image \(i / (values / count)) holds a \(pixels[i].isNaN ? "NaN" : "infinite") pixel")
        }
        let batch = imageTokenBatch(count: count, geometry: geometry, workspace)
        workspace.pixelNormalization = normalization
        let hidden: UnsafeMutablePointer<Float>
        if dropout == nil, !workspace.keepsActivations, let groups = dataParallelGroups(batch) {
            let imageValues = geometry.channels * geometry.imageSize * geometry.imageSize
            hidden = encodeInGroups(batch, groups: groups, workspace: workspace, onlyCLSAfterLastLayer: false) { sub, group in
                patchEmbeddingsForward(sub, pixels: pixels + group.lowerBound * imageValues, normalization: normalization,
                                       dropout: nil)
            }
        } else {
            workspace.prepare(for: batch, classes: classCount, needsBackward: workspace.keepsActivations)
            patchEmbeddingsForward(workspace, pixels: pixels, normalization: normalization, dropout: dropout)
            hidden = encoderLayers(input: workspace.embeddings.pointer, workspace, dropout: dropout, onlyCLSAfterLastLayer: false)
        }
        return classifierForward(hidden: hidden, workspace, dropout: dropout)
    }

    /// Backward of `classifyImages` from d loss / d logits [count, classes]: parameter gradients accumulate
    /// (unless `parameterGradients` is false) and `workspace.pixelGradient` gets d loss / d pixels [count, C, S, S].
    public func classifyImagesBackward(workspace: Workspace, logitGradient: UnsafePointer<Float>, dropout: DropoutPlan? = nil,
                                       parameterGradients: Bool = true) throws {
        _ = try patchGeometry()
        try classifyBackward(workspace: workspace, logitGradient: logitGradient, dropout: dropout,
                             parameterGradients: parameterGradients)
    }

    /// The embedding rows ([CLS] + patches, positions added; no dropout) of `count` images, [count · (N + 1), H]:
    /// the encoder's input, for tests and inspection.
    public func imageEmbeddings(_ pixels: UnsafePointer<Float>, count: Int, normalization: PixelNormalization) throws -> [Float] {
        let geometry = try patchGeometry()
        try normalization.validate(channels: geometry.channels)
        let workspace = makeWorkspace(training: false)
        let batch = imageTokenBatch(count: count, geometry: geometry, workspace)
        workspace.prepare(for: batch, classes: classCount, needsBackward: false)
        patchEmbeddingsForward(workspace, pixels: pixels, normalization: normalization, dropout: nil)
        return Array(UnsafeBufferPointer(start: workspace.embeddings.pointer, count: batch.tokenCount * config.hiddenSize))
    }

    /// Every image as [CLS] + N patch tokens (id 0); the batch is kept in the workspace while its size holds.
    private func imageTokenBatch(count: Int, geometry: PatchGeometry, _ workspace: Workspace) -> TokenBatch {
        if workspace.imageBatch.count != count || workspace.imageBatch.lengths.first != geometry.sequenceLength {
            var batch = TokenBatch()
            let ids = [Int32](repeating: 0, count: geometry.sequenceLength)
            for _ in 0..<count { batch.append(ids) }
            workspace.imageBatch = batch
        }
        return workspace.imageBatch
    }

    /// Unfolds, normalises and projects the patches of the workspace's images into `workspace.embeddings`.
    func patchEmbeddingsForward(_ workspace: Workspace, pixels: UnsafePointer<Float>, normalization: PixelNormalization,
                                dropout: DropoutPlan?) {
        guard let geometry = config.architecture.patches, let slots = weights.patches,
              let positionTable = value(weights.positionEmbeddings) else { return }
        let images = workspace.batch.count, h = config.hiddenSize
        let n = geometry.patchCount, values = geometry.patchValues, length = geometry.sequenceLength
        let columns = workspace.patchColumns.reserve(images * n * values)
        let projected = workspace.patchOutput.reserve(images * n * h)
        unfold(pixels, images: images, geometry, normalization, into: columns)
        linear(columns, rows: images * n, slots.projection, into: projected)
        let output = workspace.embeddings.pointer, cls = value(slots.cls)
        Parallel.forEachRange(images, grain: 16) { range in
            for image in range {
                let base = output + image * length * h
                for i in 0..<h { base[i] = cls[i] + positionTable[i] }
                for patch in 0..<n {
                    let row = base + (patch + 1) * h, source = projected + (image * n + patch) * h
                    let position = positionTable + (patch + 1) * h
                    for i in 0..<h { row[i] = source[i] + position[i] }
                }
            }
        }
        dropout?.apply(output, count: images * length * h, layer: -1, .embeddings)
    }

    /// `embeddingGradient` is d loss / d (dropped-out) embedding output [T, H]; it is overwritten.
    func patchEmbeddingsBackward(_ workspace: Workspace, embeddingGradient: UnsafeMutablePointer<Float>, dropout: DropoutPlan?,
                                 parameterGradients wanted: Bool) {
        guard let geometry = config.architecture.patches, let slots = weights.patches else { return }
        let images = workspace.batch.count, h = config.hiddenSize
        let n = geometry.patchCount, values = geometry.patchValues, length = geometry.sequenceLength
        dropout?.apply(embeddingGradient, count: images * length * h, layer: -1, .embeddings)
        if wanted, let dPosition = gradient(weights.positionEmbeddings, if: true) {
            let dCLS = gradient(slots.cls)
            // By columns, so that no two workers add into the same row of the tables.
            Parallel.forEachRange(h, grain: 16) { columns in
                for image in 0..<images {
                    let base = embeddingGradient + image * length * h
                    for i in columns { dCLS[i] += base[i] }
                    for t in 0..<length {
                        let g = base + t * h, d = dPosition + t * h
                        for i in columns { d[i] += g[i] }
                    }
                }
            }
        }
        // Gather the patch rows, then the projection's backward gives d unfolded patches.
        let dProjected = workspace.patchOutput.reserve(images * n * h)
        for image in 0..<images {
            (dProjected + image * n * h).update(from: embeddingGradient + (image * length + 1) * h, count: n * h)
        }
        let dColumns = workspace.gradientPatchColumns.reserve(images * n * values)
        linearBackward(workspace.patchColumns.pointer, dY: dProjected, rows: images * n, slots.projection, dX: dColumns,
                       accumulate: false, wanted: wanted)
        let side = geometry.imageSize
        let dPixels = workspace.pixelGradient.reserve(images * geometry.channels * side * side)
        fold(dColumns, images: images, geometry, scale: workspace.pixelNormalization.std, into: dPixels)
    }

    /// pixels [images, C, S, S] → columns [images · N, C·p·p], each value (x − mean[c]) / std[c].
    private func unfold(_ pixels: UnsafePointer<Float>, images: Int, _ g: PatchGeometry, _ normalization: PixelNormalization,
                        into columns: UnsafeMutablePointer<Float>) {
        let p = g.patchSize, side = g.imageSize, perSide = g.patchesPerSide, n = g.patchCount, values = g.patchValues
        let scale = normalization.std.map { 1 / $0 }, mean = normalization.mean
        Parallel.forEachRange(images, grain: 16) { range in
            for image in range {
                let source = pixels + image * g.channels * side * side
                for patch in 0..<n {
                    let top = (patch / perSide) * p, left = (patch % perSide) * p
                    let row = columns + (image * n + patch) * values
                    for c in 0..<g.channels {
                        let m = mean[c], s = scale[c]
                        for i in 0..<p {
                            let from = source + (c * side + top + i) * side + left, to = row + (c * p + i) * p
                            for j in 0..<p { to[j] = (from[j] - m) * s }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `unfold` (patches do not overlap, so each pixel receives one value), times 1 / std[c].
    private func fold(_ columns: UnsafePointer<Float>, images: Int, _ g: PatchGeometry, scale std: [Float],
                      into pixels: UnsafeMutablePointer<Float>) {
        let p = g.patchSize, side = g.imageSize, perSide = g.patchesPerSide, n = g.patchCount, values = g.patchValues
        let scale = std.map { 1 / $0 }
        Parallel.forEachRange(images, grain: 16) { range in
            for image in range {
                let target = pixels + image * g.channels * side * side
                for patch in 0..<n {
                    let top = (patch / perSide) * p, left = (patch % perSide) * p
                    let row = columns + (image * n + patch) * values
                    for c in 0..<g.channels {
                        let s = scale[c]
                        for i in 0..<p {
                            let to = target + (c * side + top + i) * side + left, from = row + (c * p + i) * p
                            for j in 0..<p { to[j] = from[j] * s }
                        }
                    }
                }
            }
        }
    }
}
