// ImagesFuzz (fuzz-images): the readers of image data robust did not write — PNG and JPEG decoding
// (`ImageCodec.decode`, libpng and libjpeg-turbo behind CImageCodecs' setjmp), IDX files plain or gzip
// (`IDXReader`, zlib), and an image dataset's split file (`ImageDataset.readSplit`).
//
// Input: the first byte picks the reader (byte % 4), the rest is the file:
//   0  an image file: refused with a DatasetError, or a grey or RGB image whose PNG encoding decodes back equal
//      and which converts and resizes to 3×5×7 and 1×3×2;
//   1  an IDX image file (gzip when it starts with 1F 8B): refused, or count × rows × columns pixels that
//      encode back to the same (decompressed) bytes;
//   2  an IDX label file for 10 classes: refused, or labels 0…9 that encode back to the same bytes;
//   3  a split file for 1×2×2 images of 3 classes: refused, or labels 0…2 and 4 pixels per image, written back
//      by `ImageDataset.writeSplit` and read again unchanged.
import Basics
import Datasets
import Foundation
import FuzzSupport

@main
enum ImagesFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    guard let first = bytes.first else { return 0 }
    let file = Array(bytes.dropFirst())
    do {
        switch first % 4 {
        case 0:
            let image = try ImageCodec.decode(file, file: "input")
            Fuzz.check(image.channels == 1 || image.channels == 3, "\(image.channels) channels")
            Fuzz.check(image.pixels.count == image.shape.count, "pixel count \(image.pixels.count) for \(image.shape)")
            let png = try ImageCodec.encodePNG(image)
            Fuzz.check(try ImageCodec.decode(png, file: "encoded") == image, "the PNG encoding decodes differently")
            for shape in [ImageShape(channels: 3, height: 5, width: 7), ImageShape(channels: 1, height: 3, width: 2)] {
                Fuzz.check(try ImageResize.conform(image, to: shape).shape == shape, "conform missed \(shape)")
            }
        case 1:
            let plain = try IDXReader.decompressedIfGzip(file, file: "input")
            let images = try IDXReader.images(from: plain, file: "input")
            Fuzz.check(images.pixels.count == images.count * images.rows * images.columns, "pixel count")
            Fuzz.check(IDXReader.encodeImages(images) == plain, "IDX images do not encode back")
        case 2:
            let plain = try IDXReader.decompressedIfGzip(file, file: "input")
            let labels = try IDXReader.labels(from: plain, file: "input", classCount: 10)
            Fuzz.check(labels.allSatisfy { (0..<10).contains($0) }, "label out of range")
            Fuzz.check(IDXReader.encodeLabels(labels.map { UInt8($0) }) == plain, "IDX labels do not encode back")
        default:
            let folder = Fuzz.writeScratch(["train.safetensors": file])
            let shape = ImageShape(channels: 1, height: 2, width: 2)
            let split = try ImageDataset.readSplit(folder.appendingPathComponent("train.safetensors"), shape: shape, classCount: 3)
            Fuzz.check(split.pixels.count == split.count * 4, "pixel count")
            Fuzz.check(split.labels.allSatisfy { (0..<3).contains($0) }, "label out of range")
            let copy = folder.appendingPathComponent("copy.safetensors")
            try ImageDataset.writeSplit(split, name: "train", to: copy)
            Fuzz.check(try ImageDataset.readSplit(copy, shape: shape, classCount: 3) == split, "the split changed on disk")
        }
    } catch is DatasetError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    return 0
}
