// CheckpointFuzz (fuzz-checkpoint): a checkpoint's weights half, config.json + model.safetensors, as
// `ModelFolder.load(directory:)` reads it (ModelHandle adds the tokenizer), then a forward pass of the model
// that loaded.
//
// Input: config.json, a NUL byte, model.safetensors (JSON text holds no raw NUL). An input must be refused
// with an EngineError, or load into a model that classifies two short sequences into one probability row each
// (the forward pass runs on -Ounchecked kernels, so AddressSanitizer watches its indexing).
import Foundation
import FuzzSupport
import Transformer

@main
enum CheckpointFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = Fuzz.split(Fuzz.bytes(data, size), separator: 0, parts: 2)
    guard parts.count == 2 else { return 0 }
    let folder = Fuzz.writeScratch(["config.json": parts[0], "model.safetensors": parts[1]])
    let loaded: ModelFolder
    do {
        loaded = try ModelFolder.load(directory: folder)
    } catch is EngineError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    let model = loaded.model, config = model.config
    Fuzz.check(model.classCount == config.labels.count && model.classCount >= 2, "\(model.classCount) classes for labels \(config.labels)")
    let vocabulary = Int32(config.vocabSize)
    let longest = min(config.maxSequenceLength, 6)
    let sequences: [[Int32]] = [(0..<longest).map { Int32($0) % vocabulary }, [Int32(config.vocabSize - 1), 0]]
    do {
        let probabilities = try model.probabilities(TokenBatch(sequences), workspace: model.makeWorkspace(training: false))
        Fuzz.check(probabilities.count == 2 && probabilities.allSatisfy { $0.count == model.classCount },
                   "probabilities have the wrong shape")
    } catch is EngineError {
        Fuzz.fail("a valid batch was refused by a loaded model")
    } catch {
        Fuzz.fail("untyped error from the forward pass: \(error)")
    }
    return 0
}
