// ImageShape: channels × height × width of the images one model or dataset works on. Pixels everywhere in
// robust are Float in [0, 1], channel-major (CHW) per image, images one after another (NCHW), as
// transformers' `pixel_values` before normalisation; datasets store them as UInt8 (value / 255).
public struct ImageShape: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Values per image.
    public var count: Int { channels * height * width }
    public var description: String { "\(channels)×\(height)×\(width)" }
}
