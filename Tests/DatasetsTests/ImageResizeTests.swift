// ImageResizeTests: bilinear resizing and channel conversion against Pillow's own output (expected.json, made by
// Tests/Fixtures/images/make_fixtures.py): downscaling (antialiased), upscaling, one axis only, 1×1, RGB, and
// RGB → L luma; every value must match exactly.
import Basics
import Foundation
import XCTest
@testable import Datasets

final class ImageResizeTests: XCTestCase {
    func testBilinearMatchesPillow() throws {
        let cases = try XCTUnwrap(ImageFixtures.expected()["resize"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 14)
        for entry in cases {
            let mode = try XCTUnwrap(entry["mode"] as? String)
            let input = try XCTUnwrap(entry["in"] as? [Int]), output = try XCTUnwrap(entry["out"] as? [Int])
            let expected = try XCTUnwrap(entry["pixels"] as? [Int]).map(UInt8.init)
            let image = ImageFixtures.formula(channels: mode == "L" ? 1 : 3, height: input[1], width: input[0])
            let resized = try ImageResize.bilinear(image, height: output[1], width: output[0])
            XCTAssertEqual(resized.shape, ImageShape(channels: image.channels, height: output[1], width: output[0]))
            XCTAssertEqual(resized.pixels, expected, "\(mode) \(input[0])×\(input[1]) → \(output[0])×\(output[1]) (W×H)")
        }
    }

    func testSameSizeIsACopyAndBadSizesThrow() throws {
        let image = ImageFixtures.formula(channels: 3, height: 4, width: 5)
        XCTAssertEqual(try ImageResize.bilinear(image, height: 4, width: 5), image)
        assertDatasetError(.invalidArgument, ["sides must be at least 1"]) { _ = try ImageResize.bilinear(image, height: 0, width: 5) }
        let resampler = try BilinearResampler(inputHeight: 2, inputWidth: 2, outputHeight: 1, outputWidth: 1)
        assertDatasetError(.invalidArgument, ["does not fit"]) { _ = try ImageResize.resize(image, with: resampler) }
    }

    func testChannelConversionMatchesPillow() throws {
        let entry = try XCTUnwrap(ImageFixtures.expected()["rgb_to_l"] as? [String: Any])
        let input = try XCTUnwrap(entry["in"] as? [Int]).map(UInt8.init)
        let expected = try XCTUnwrap(entry["out"] as? [Int]).map(UInt8.init)
        let rgb = try PixelImage(shape: ImageShape(channels: 3, height: 3, width: 256), pixels: input)
        let grey = try ImageResize.convert(rgb, channels: 1)
        XCTAssertEqual(grey.shape, ImageShape(channels: 1, height: 3, width: 256))
        XCTAssertEqual(grey.pixels, expected)
        // Grey → RGB replicates.
        let back = try ImageResize.convert(grey, channels: 3)
        XCTAssertEqual(back.pixels, grey.pixels + grey.pixels + grey.pixels)
        assertDatasetError(.invalidImage, ["only grey ↔ RGB"]) { _ = try ImageResize.convert(rgb, channels: 4) }

        // conform converts, then resizes, like convert("L").resize(…).
        let both = try XCTUnwrap(ImageFixtures.expected()["convert_then_resize"] as? [String: Any])
        let conformed = try ImageResize.conform(ImageFixtures.formula(channels: 3, height: 6, width: 8),
                                                to: ImageShape(channels: 1, height: 3, width: 5))
        XCTAssertEqual(conformed.pixels, try XCTUnwrap(both["pixels"] as? [Int]).map(UInt8.init))
    }
}
