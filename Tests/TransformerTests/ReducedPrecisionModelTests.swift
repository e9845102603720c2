// The encoder in bf16 and int8 (MiniLM's real weights): close to fp32, fp32 itself untouched by packing,
// the data-parallel groups of a large batch in the same precision as the batch, and a precision this CPU
// cannot run refused in one line.
import Foundation
import Tensors
import TestSupport
import Tokenizer
import Transformer
import XCTest

final class ReducedPrecisionModelTests: XCTestCase {
    static let shared: Result<ModelHandle, Error> = Result { try ModelHandle(directory: try requireMiniLM()) }

    func batch(_ model: EncoderModel, sequences: Int, length: Int, seed: UInt64) -> TokenBatch {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        return TokenBatch((0..<sequences).map { s in
            [101] + (0..<(length - 2 - s % 5)).map { _ in Int32(1000 + next() % 20_000) } + [102]
        })
    }

    func hidden(_ model: EncoderModel, _ batch: TokenBatch, _ precision: Precision) throws -> [Float] {
        let workspace = model.makeWorkspace(training: false)
        workspace.precision = precision
        let output = try model.encode(batch, workspace: workspace)
        return Array(UnsafeBufferPointer(start: output, count: batch.tokenCount * model.config.hiddenSize))
    }

    func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        var error = 0.0, norm = 0.0
        for (x, y) in zip(a, b) {
            error += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
        }
        return (error / norm).squareRoot()
    }

    func testReducedPrecisionsStayCloseToFp32AndFp32IsUntouched() throws {
        let model = try Self.shared.get().model
        let input = batch(model, sequences: 3, length: 16, seed: 3)
        let before = try hidden(model, input, .fp32)
        for precision in [Precision.bf16, .int8] where OneDNN.unavailability(precision) == nil {
            try model.prepare(precision: precision)
            XCTAssertGreaterThan(model.packedBytes(precision), 0)
            let reduced = try hidden(model, input, precision)
            let error = relativeError(reduced, before)
            // Six blocks of bf16 products: about 1% of the hidden states' norm; int8 several times that.
            XCTAssertLessThan(error, precision == .bf16 ? 0.03 : 0.12, "\(precision)")
            XCTAssertGreaterThan(error, 1e-5, "\(precision) really runs in reduced precision")
        }
        // Packing changed nothing about fp32.
        XCTAssertEqual(try hidden(model, input, .fp32), before)
    }

    func testALargeBatchSplitIntoGroupsKeepsItsPrecision() throws {
        try XCTSkipIf(OneDNN.unavailability(.bf16) != nil, OneDNN.unavailability(.bf16) ?? "")
        let model = try Self.shared.get().model
        try model.prepare(precision: .bf16)
        // 8 sequences of ~38 tokens (≥ 256 tokens): the encoder splits them into one group per worker.
        let large = batch(model, sequences: 8, length: 40, seed: 9)
        let grouped = try hidden(model, large, .bf16)
        let fp32 = try hidden(model, large, .fp32)
        let error = relativeError(grouped, fp32)
        XCTAssertLessThan(error, 0.03)
        XCTAssertGreaterThan(error, 1e-5, "the groups ran in bf16, not fp32")
    }

    func testWithoutPreparingAReducedWorkspaceRunsFp32() throws {
        let handle = try ModelHandle(directory: try requireMiniLM())
        let input = batch(handle.model, sequences: 2, length: 12, seed: 5)
        XCTAssertEqual(try hidden(handle.model, input, .bf16), try hidden(handle.model, input, .fp32))
        handle.model.discardPackedWeights()
        XCTAssertEqual(handle.model.packedBytes(.bf16), 0)
    }

    func testAPrecisionThisCPUCannotRunIsRefusedInOneLine() throws {
        for precision in Precision.allCases {
            if let reason = OneDNN.unavailability(precision) {
                XCTAssertThrowsError(try OneDNN.require(precision)) { error in
                    XCTAssertFalse("\(error)".contains("\n"))
                    XCTAssertTrue("\(error)".contains(reason))
                }
            } else {
                XCTAssertNoThrow(try OneDNN.require(precision))
            }
        }
        XCTAssertTrue(OneDNN.runnable.contains(.fp32))
    }
}
