// AttentionVariantTests: the attention kernels the families add, against naive Double references —
// rotary position embeddings (and their inverse), ModernBERT's local window, DeBERTa's log-bucketed
// relative positions and its disentangled (content→position, position→content) attention.
import Basics
import Foundation
import Tensors
@testable import Transformer
import XCTest

final class AttentionVariantTests: XCTestCase {
    /// A one-layer model of `family` from config keys, with seeded random weights of std 0.3.
    func model(_ family: any ModelFamily, _ json: [String: Any], seed: UInt64 = 21) throws -> EncoderModel {
        let config = try family.config(from: ConfigReader(json))
        let model = try EncoderModel(config: config, classes: 2, seed: seed)
        var random = SeededRandom(seed: seed)
        for entry in model.parameters.entries {
            let values = model.parameters.value(at: entry.offset)
            let gain: Float = entry.name.contains("LayerNorm.weight") ? 1 : 0
            for i in 0..<entry.count { values[i] = gain + 0.3 * random.normal() }
        }
        return model
    }

    func tensor(_ model: EncoderModel, _ name: String) throws -> [Double] {
        try XCTUnwrap(model.parameters.array(name)).map(Double.init)
    }

    /// y = x·Wᵀ + b in Double, x [rows, in], W [out, in].
    func linear(_ x: [Double], rows: Int, _ w: [Double], _ b: [Double]?, out: Int) -> [Double] {
        let input = x.count / rows
        var y = [Double](repeating: 0, count: rows * out)
        for r in 0..<rows {
            for o in 0..<out {
                var s = b?[o] ?? 0
                for i in 0..<input { s += x[r * input + i] * w[o * input + i] }
                y[r * out + o] = s
            }
        }
        return y
    }

    /// Naive multi-head attention context of one sequence from per-head scores.
    func context(n: Int, h: Int, heads: Int, v: [Double], scores: (Int, Int, Int) -> Double?) -> [Double] {
        let dh = h / heads
        var out = [Double](repeating: 0, count: n * h)
        for head in 0..<heads {
            for i in 0..<n {
                let row = (0..<n).map { j in scores(head, i, j) ?? -.infinity }
                let p = referenceSoftmax(row)
                for j in 0..<n { for d in 0..<dh { out[i * h + head * dh + d] += p[j] * v[j * h + head * dh + d] } }
            }
        }
        return out
    }

    func referenceSoftmax(_ x: [Double]) -> [Double] {
        let m = x.max() ?? 0
        let e = x.map { $0 == -.infinity ? 0 : Foundation.exp($0 - m) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    // MARK: Rotary

    func testRotaryRotationMatchesDoubleAndInverts() {
        let options = RotaryAttention(globalTheta: 160_000, localTheta: 10_000, localHalfWindow: 2, globalLayers: [true])
        let dh = 8, heads = 2, h = dh * heads
        let tables = RotaryTables(options, headSize: dh, length: 40)
        let batch = TokenBatch([[Int32](repeating: 1, count: 37), [1, 2, 3]])
        var random = SeededRandom(seed: 4)
        let original = (0..<(batch.tokenCount * 3 * h)).map { _ in random.normal() }
        for global in [true, false] {
            var x = original
            x.withUnsafeMutableBufferPointer { tables.rotate($0.baseAddress!, batch: batch, hidden: h, heads: heads, global: global, inverse: false) }
            let theta = Double(global ? options.globalTheta : options.localTheta)
            var worst = 0.0
            for (sequence, start) in batch.starts.enumerated() {
                for p in 0..<batch.lengths[sequence] {
                    for part in 0..<3 {
                        for head in 0..<heads {
                            let base = (start + p) * 3 * h + part * h + head * dh
                            for i in 0..<(dh / 2) {
                                let angle = Double(p) / Foundation.pow(theta, Double(2 * i) / Double(dh))
                                let a = Double(original[base + i]), b = Double(original[base + i + dh / 2])
                                // Queries and keys rotate; values (part 2) do not.
                                let (ea, eb) = part == 2 ? (a, b) : (a * cos(angle) - b * sin(angle), b * cos(angle) + a * sin(angle))
                                worst = max(worst, abs(Double(x[base + i]) - ea), abs(Double(x[base + i + dh / 2]) - eb))
                            }
                        }
                    }
                }
            }
            XCTAssertLessThanOrEqual(worst, 2e-5, "global \(global)")
            x.withUnsafeMutableBufferPointer { tables.rotate($0.baseAddress!, batch: batch, hidden: h, heads: heads, global: global, inverse: true) }
            let back = zip(x, original).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(back, 1e-5, "inverse ∘ rotation, global \(global)")
        }
    }

    /// A one-layer ModernBERT with a local window: the attention context against naive Double attention
    /// (pre-norm input, rotary queries and keys, |i − j| ≤ window).
    func testRotaryLocalAttentionMatchesDouble() throws {
        for window in [2, 100] {   // local layer (window 2 = local_attention 4) and a window wider than the sequence
            let model = try model(ModernBertFamily(), [
                "vocab_size": 30, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
                "intermediate_size": 8, "max_position_embeddings": 32, "local_attention": 2 * window,
                "layer_types": ["sliding_attention"], "local_rope_theta": 50.0, "pad_token_id": 0, "norm_bias": true,
                "attention_bias": true])
            let ids: [Int32] = [3, 9, 4, 17, 22, 5, 11, 2, 8]
            let batch = TokenBatch([ids])
            let workspace = model.makeWorkspace(training: false)
            _ = try model.encode(batch, workspace: workspace)
            let n = ids.count, h = 16, heads = 2, dh = 8
            // Input to the block: LayerNorm(word vectors) (layer 0 has no attention LayerNorm).
            let table = try tensor(model, "embeddings.word_embeddings.weight")
            let gamma = try tensor(model, "embeddings.LayerNorm.weight"), beta = try tensor(model, "embeddings.LayerNorm.bias")
            var x = [Double]()
            for id in ids {
                let row = Array(table[(Int(id) * h)..<(Int(id) * h + h)])
                let mean = row.reduce(0, +) / Double(h)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(h)
                x += row.indices.map { (row[$0] - mean) / (variance + 1e-5).squareRoot() * gamma[$0] + beta[$0] }
            }
            var qkv = linear(x, rows: n, try tensor(model, "encoder.layer.0.attention.self.qkv.weight"),
                             try tensor(model, "encoder.layer.0.attention.self.qkv.bias"), out: 3 * h)
            for p in 0..<n {
                for part in 0..<2 {
                    for head in 0..<heads {
                        let base = p * 3 * h + part * h + head * dh
                        for i in 0..<(dh / 2) {
                            let angle = Double(p) / Foundation.pow(50, Double(2 * i) / Double(dh))
                            let a = qkv[base + i], b = qkv[base + i + dh / 2]
                            qkv[base + i] = a * cos(angle) - b * sin(angle)
                            qkv[base + i + dh / 2] = b * cos(angle) + a * sin(angle)
                        }
                    }
                }
            }
            var v = [Double]()
            for t in 0..<n {
                let first = t * 3 * h + 2 * h
                v += qkv[first..<(first + h)]
            }
            let rotated = qkv
            let expected = context(n: n, h: h, heads: heads, v: v) { (head: Int, i: Int, j: Int) -> Double? in
                guard abs(i - j) <= window else { return nil }
                var s = 0.0
                for d in 0..<dh {
                    let query: Double = rotated[i * 3 * h + head * dh + d]
                    let key: Double = rotated[j * 3 * h + h + head * dh + d]
                    s += query * key
                }
                return s / Double(dh).squareRoot()
            }
            let actual = workspace.activations(0).context.array(n * h)
            let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? .nan
            XCTAssertLessThanOrEqual(worst, 2e-5, "window \(window)")
        }
    }

    // MARK: DeBERTa

    /// transformers' make_log_bucket_position in Double.
    func referenceBucket(_ distance: Int, buckets: Int, maxPosition: Int) -> Int {
        let mid = buckets / 2
        let magnitude = (distance < mid && distance > -mid) ? mid - 1 : abs(distance)
        if magnitude <= mid { return distance }
        let log = (Foundation.log(Double(magnitude) / Double(mid)) / Foundation.log(Double(maxPosition - 1) / Double(mid))
                   * Double(mid - 1)).rounded(.up) + Double(mid)
        return Int(log) * (distance < 0 ? -1 : 1)
    }

    func testLogBucketsMatchTransformersFormula() {
        for (buckets, maxPosition) in [(256, 512), (8, 64), (4, 12), (32, 128)] {
            let d = DisentangledAttention(contentToPosition: true, positionToContent: true, sharesKey: true, buckets: buckets,
                                          maxRelativePositions: maxPosition, normalisesEmbeddings: true)
            for distance in -600...600 {
                XCTAssertEqual(d.bucket(distance), referenceBucket(distance, buckets: buckets, maxPosition: maxPosition),
                               "buckets \(buckets), max \(maxPosition), distance \(distance)")
                let row = d.row(distance)
                XCTAssertEqual(row, min(max(d.bucket(distance) + buckets, 0), 2 * buckets - 1))
            }
        }
        let plain = DisentangledAttention(contentToPosition: true, positionToContent: false, sharesKey: false, buckets: -1,
                                          maxRelativePositions: 6, normalisesEmbeddings: false)
        XCTAssertEqual((-9...9).map(plain.row), (-9...9).map { min(max($0 + 6, 0), 11) })
    }

    /// A one-layer DeBERTa: the attention context against naive Double disentangled attention
    /// (q·k + q·posK[δ] + k·posQ[δ]) / √(3·head size), δ = row(i − j), for shared and separate projections.
    func testDisentangledAttentionMatchesDouble() throws {
        for shares in [true, false] {
            let model = try model(DebertaV2Family(), [
                "vocab_size": 30, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8,
                "max_position_embeddings": 32, "relative_attention": true, "pos_att_type": ["p2c", "c2p"],
                "position_buckets": 4, "max_relative_positions": 20, "share_att_key": shares, "norm_rel_ebd": "layer_norm",
                "position_biased_input": false, "type_vocab_size": 0, "layer_norm_eps": 1e-7])
            guard case .disentangled(let d) = model.config.architecture.attention else { return XCTFail("not disentangled") }
            let ids: [Int32] = [3, 9, 4, 17, 22, 5, 11, 2, 8, 14]
            let workspace = model.makeWorkspace(training: false)
            _ = try model.encode(TokenBatch([ids]), workspace: workspace)
            let n = ids.count, h = 16, heads = 2, dh = 8
            func norm(_ rows: [Double], _ gamma: [Double], _ beta: [Double]) -> [Double] {
                (0..<(rows.count / h)).flatMap { r -> [Double] in
                    let row = Array(rows[(r * h)..<(r * h + h)])
                    let mean = row.reduce(0, +) / Double(h)
                    let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(h)
                    return row.indices.map { (row[$0] - mean) / (variance + 1e-7).squareRoot() * gamma[$0] + beta[$0] }
                }
            }
            let table = try tensor(model, "embeddings.word_embeddings.weight")
            let x = norm(ids.flatMap { Array(table[(Int($0) * h)..<(Int($0) * h + h)]) },
                         try tensor(model, "embeddings.LayerNorm.weight"), try tensor(model, "embeddings.LayerNorm.bias"))
            let p = "encoder.layer.0.attention.self."
            let wq = try tensor(model, p + "query.weight"), wk = try tensor(model, p + "key.weight"), wv = try tensor(model, p + "value.weight")
            let bq = try tensor(model, p + "query.bias"), bk = try tensor(model, p + "key.bias"), bv = try tensor(model, p + "value.bias")
            let q = linear(x, rows: n, wq, bq, out: h), k = linear(x, rows: n, wk, bk, out: h), v = linear(x, rows: n, wv, bv, out: h)
            let relative = norm(try tensor(model, "encoder.relative_embeddings.weight"),
                                try tensor(model, "encoder.relative_embeddings.LayerNorm.weight"),
                                try tensor(model, "encoder.relative_embeddings.LayerNorm.bias"))
            let rows = relative.count / h
            let posK = shares ? linear(relative, rows: rows, wk, bk, out: h)
                : linear(relative, rows: rows, try tensor(model, p + "position_key.weight"), try tensor(model, p + "position_key.bias"), out: h)
            let posQ = shares ? linear(relative, rows: rows, wq, bq, out: h)
                : linear(relative, rows: rows, try tensor(model, p + "position_query.weight"), try tensor(model, p + "position_query.bias"), out: h)
            let scale = (Double(dh) * 3).squareRoot()
            let expected = context(n: n, h: h, heads: heads, v: v) { (head: Int, i: Int, j: Int) -> Double? in
                let r = d.row(i - j)
                var s = 0.0
                for c in (head * dh)..<(head * dh + dh) {
                    let content: Double = q[i * h + c] * k[j * h + c]
                    let c2p: Double = q[i * h + c] * posK[r * h + c]
                    let p2c: Double = k[j * h + c] * posQ[r * h + c]
                    s += content + c2p + p2c
                }
                return s / scale
            }
            let actual = workspace.activations(0).context.array(n * h)
            let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? .nan
            XCTAssertLessThanOrEqual(worst, 2e-5, "share_att_key \(shares)")
        }
    }
}
