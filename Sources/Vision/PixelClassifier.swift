// PixelClassifier: what pixel attacks and image evaluation need of a model — logits for a batch of images,
// and the gradient of a loss with respect to the pixels. The engine's ViT (Workflows) and test fakes conform.
import Basics

public protocol PixelClassifier: Sendable {
    var shape: ImageShape { get }
    var classCount: Int { get }
    /// Logits [count, classCount] of `count` images (NCHW, pixels in [0, 1]).
    func logits(_ images: UnsafePointer<Float>, count: Int) throws -> [Float]
    /// Logits of `count` images, and into `pixelGradient` (NCHW, overwritten) d loss / d pixels, where the
    /// loss's gradient with respect to the logits [count, classCount] is what `logitGradient` returns for
    /// the logits (row-major, one row per image).
    func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, pixelGradient: UnsafeMutablePointer<Float>,
                           logitGradient: ([Float]) -> [Float]) throws -> [Float]
}
