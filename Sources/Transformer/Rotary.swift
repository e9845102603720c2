// Rotary: ModernBERT's rotary position embeddings — cos/sin tables for the global and the local theta,
// computed once per model in float32 as transformers computes them, and the rotation of the query and
// key halves of a packed [T, 3H] projection (and its inverse, for the backward pass).
import Foundation
import Tensors

final class RotaryTables: @unchecked Sendable {
    let half: Int
    let length: Int
    /// [length, half] each: cos and sin of position · inverse frequency.
    let globalCos: [Float], globalSin: [Float], localCos: [Float], localSin: [Float]

    init(_ options: RotaryAttention, headSize: Int, length: Int) {
        half = headSize / 2
        self.length = max(length, 1)
        (globalCos, globalSin) = RotaryTables.table(theta: options.globalTheta, headSize: headSize, length: self.length)
        (localCos, localSin) = RotaryTables.table(theta: options.localTheta, headSize: headSize, length: self.length)
    }

    /// inv_freq[i] = 1 / theta^(2i / d) and angle = position · inv_freq, each rounded to float32 as torch does.
    static func table(theta: Float, headSize: Int, length: Int) -> ([Float], [Float]) {
        let half = headSize / 2
        let inverse: [Float] = (0..<half).map { i in
            let exponent = Float(2 * i) / Float(headSize)
            return 1 / Float(Foundation.pow(Double(theta), Double(exponent)))
        }
        var cosines = [Float](repeating: 0, count: length * half), sines = cosines
        for position in 0..<length {
            for i in 0..<half {
                let angle = Double(Float(position) * inverse[i])
                cosines[position * half + i] = Float(Foundation.cos(angle))
                sines[position * half + i] = Float(Foundation.sin(angle))
            }
        }
        return (cosines, sines)
    }

    /// Rotates the query and key parts of `qkv` [T, 3H] in place, each sequence from position 0:
    /// x′[i] = x[i]·cos − x[i + d/2]·sin, x′[i + d/2] = x[i + d/2]·cos + x[i]·sin. `inverse` applies the
    /// transpose (the backward pass of the rotation).
    func rotate(_ qkv: UnsafeMutablePointer<Float>, batch: TokenBatch, hidden h: Int, heads: Int, global: Bool, inverse: Bool) {
        let cosines = global ? globalCos : localCos, sines = global ? globalSin : localSin
        let half = self.half, dh = 2 * half
        cosines.withUnsafeBufferPointer { cosTable in
            sines.withUnsafeBufferPointer { sinTable in
                guard let cosBase = cosTable.baseAddress, let sinBase = sinTable.baseAddress else { return }
                Parallel.forEach(batch.count, serial: batch.tokenCount * h < 1 << 16) { sequence, _ in
                    let start = batch.starts[sequence]
                    for position in 0..<batch.lengths[sequence] {
                        let c = cosBase + position * half, s = sinBase + position * half
                        let row = qkv + (start + position) * 3 * h
                        for part in 0..<2 {
                            for head in 0..<heads {
                                let x = row + part * h + head * dh
                                for i in 0..<half {
                                    let a = x[i], b = x[i + half]
                                    if inverse {
                                        x[i] = a * c[i] + b * s[i]
                                        x[i + half] = b * c[i] - a * s[i]
                                    } else {
                                        x[i] = a * c[i] - b * s[i]
                                        x[i + half] = b * c[i] + a * s[i]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
