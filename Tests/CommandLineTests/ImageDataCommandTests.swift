// ImageDataCommandTests: image datasets at the command line, run as a user runs them — `robust data import DIR`
// for a folder of class folders (with --size and --channels), `data list` and `data show` (with --png), text
// commands refusing an image dataset, `data fetch fashion-mnist` without its Debian package, and bad input as
// one error line with nothing half-written.
import Basics
import Datasets
import Foundation
import TestSupport
import XCTest

final class ImageDataCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder(self)
        for (label, seed) in [("circle", 1), ("square", 2)] {
            let classFolder = folder.appendingPathComponent("pictures/\(label)")
            try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
            for i in 0..<10 {
                let shape = ImageShape(channels: i % 2 == 0 ? 3 : 1, height: 6 + i % 3, width: 7)
                let pixels: [UInt8] = (0..<shape.count).map { (p: Int) -> UInt8 in UInt8((p * 17 + i * 31 + seed * 101) % 256) }
                try ImageCodec.writePNG(try PixelImage(shape: shape, pixels: pixels), to: classFolder.appendingPathComponent("\(i).png"))
            }
        }
        try Data("a note".utf8).write(to: folder.appendingPathComponent("pictures/circle/notes.txt"))
    }

    func robust(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try runRobust(arguments, folder: folder, environment: environment)
    }

    func testImportListShowAndRefusals() throws {
        let imported = try robust(["data", "import", "pictures", "--name", "shapes", "--size", "8x8", "--channels", "3", "--data-dir", "data"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("shapes: imported: 20 images of 3×8×8 in"), imported.stdout)
        XCTAssertTrue(imported.stdout.contains("stratified 80/10/10, seed 42"), imported.stdout)
        XCTAssertTrue(imported.stdout.contains("skipped 1 files that are not PNG or JPEG: circle/notes.txt"), imported.stdout)
        XCTAssertTrue(imported.stdout.contains("train     16  circle 8, square 8"), imported.stdout)
        let dataset = try ImageDataset.load(directory: folder.appendingPathComponent("data/shapes"))
        XCTAssertEqual(dataset.shape, ImageShape(channels: 3, height: 8, width: 8))

        let listed = try robust(["data", "list", "--data-dir", "data"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains("fashion-mnist: not fetched (robust data fetch fashion-mnist)"), listed.stdout)
        XCTAssertTrue(listed.stdout.contains("shapes: imported from pictures/ — images 3×8×8; train 16 (circle 8, square 8)"), listed.stdout)

        let shown = try robust(["data", "show", "shapes", "--split", "train", "--limit", "2", "--png", "out", "--data-dir", "data"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.contains("shapes train: showing 2 of 16 images of 3×8×8 (circle 8, square 8)"), shown.stdout)
        let png = folder.appendingPathComponent("out/train-0-circle.png")
        XCTAssertEqual(try ImageCodec.decode(contentsOf: png), dataset.train.image(0))
        let json = try robust(["data", "show", "shapes", "--limit", "1", "--json", "--data-dir", "data"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertTrue(json.stdout.hasPrefix("{\"index\":0,\"label\":"), json.stdout)

        // Text commands refuse the image dataset in one line.
        try expectOneLineRobustFailure(["eval", "--model", "nowhere", "--data", "shapes"], folder: folder,
                                       environment: ["ROBUST_DATA_DIR": folder.appendingPathComponent("data").path], [])
        // Flags that do not fit the input.
        try expectOneLineRobustFailure(["data", "import", "pictures", "--name", "x", "--text-column", "t", "--data-dir", "data"],
                                       folder: folder, ["--text-column, --label-column and --format are for text files"])
        try expectOneLineRobustFailure(["data", "import", "pictures", "--name", "x", "--size", "8by8", "--data-dir", "data"],
                                       folder: folder, ["--size must be HEIGHTxWIDTH"])
        try expectOneLineRobustFailure(["data", "import", "pictures", "--name", "x", "--channels", "4", "--data-dir", "data"],
                                       folder: folder, ["--channels must be 1 (grey) or 3 (RGB)"])
        try Data("text,label\na,b\n".utf8).write(to: folder.appendingPathComponent("t.csv"))
        try expectOneLineRobustFailure(["data", "import", "t.csv", "--name", "x", "--size", "8x8", "--data-dir", "data"],
                                       folder: folder, ["--size and --channels are for a folder of images"])
        try expectOneLineRobustFailure(["data", "import", "pictures/square/1.png", "--name", "one", "--data-dir", "data"],
                                       folder: folder, ["pictures/square/1.png: is a PNG image", "one sub-folder of images per class"])
        try expectOneLineRobustFailure(["data", "import", "pictures", "--name", "fashion-mnist", "--data-dir", "data"],
                                       folder: folder, ["is a built-in dataset name"])
        try expectOneLineRobustFailure(["data", "import", "pictures", "--name", "shapes", "--data-dir", "data"],
                                       folder: folder, ["already exists; pass --force"])
        // Without --size and --channels the mixed images are refused, naming the file and the flag.
        try expectOneLineRobustFailure(["data", "import", "pictures", "--name", "mixed", "--data-dir", "data"],
                                       folder: folder, ["pictures/circle/1.png", "pass --channels 1 or 3"])

        // A corrupt image: one line naming it, and nothing written (no dataset, no staging folder).
        let corrupt = folder.appendingPathComponent("pictures/square/5.png")
        let bytes = try Data(contentsOf: corrupt)
        try bytes.prefix(bytes.count / 2).write(to: corrupt)
        try expectOneLineRobustFailure(["data", "import", "pictures", "--name", "broken", "--size", "8x8", "--channels", "1", "--data-dir", "data"],
                                       folder: folder, ["pictures/square/5.png", "cannot decode the PNG"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("data").path), ["shapes"])
    }

    func testFetchFashionMNISTWithoutThePackage() throws {
        let empty = try temporaryFolder(self)
        try expectOneLineRobustFailure(["data", "fetch", "fashion-mnist", "--data-dir", "data"], folder: folder,
                                       environment: ["ROBUST_FASHION_MNIST_DIR": empty.path],
                                       ["train-images-idx3-ubyte.gz", "apt-get install dataset-fashion-mnist"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/fashion-mnist").path))
        try expectOneLineRobustFailure(["data", "fetch", "mnist", "--data-dir", "data"], folder: folder, ["fashion-mnist"])
    }
}
