// PixelLosses: the losses pixel attacks maximise, per row of logits — cross-entropy, DLR (Croce & Hein
// 2020, eq. 7: −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3)) and the margin — their gradients with respect to the
// logits (what `PixelClassifier.logitsAndGradient` back-propagates), the prediction (the first largest
// logit) and the margin z_y − max_{i≠y} z_i. Sums run in Double; results are Float.
import Foundation

enum PixelLosses {
    /// The index of the first largest logit.
    static func prediction(_ z: UnsafePointer<Float>, classes: Int) -> Int {
        var best = 0
        for k in 1..<classes where z[k] > z[best] { best = k }
        return best
    }

    /// The largest logit other than `label`'s, and its (first) index.
    static func bestOther(_ z: UnsafePointer<Float>, classes: Int, label: Int) -> (index: Int, value: Float) {
        var index = label == 0 ? 1 : 0
        for k in 0..<classes where k != label && z[k] > z[index] { index = k }
        return (index, z[index])
    }

    /// z_label − max_{i≠label} z_i.
    static func margin(_ z: UnsafePointer<Float>, classes: Int, label: Int) -> Float {
        z[label] - bestOther(z, classes: classes, label: label).value
    }

    /// The indices of the three largest logits (first ones on ties); needs `classes` ≥ 3.
    private static func topThree(_ z: UnsafePointer<Float>, classes: Int) -> (Int, Int, Int) {
        var first = -1, second = -1, third = -1
        for k in 0..<classes {
            if first < 0 || z[k] > z[first] {
                third = second; second = first; first = k
            } else if second < 0 || z[k] > z[second] {
                third = second; second = k
            } else if third < 0 || z[k] > z[third] {
                third = k
            }
        }
        return (first, second, third)
    }

    private static let dlrFloor: Double = 1e-12

    /// The loss of one row of logits (higher is more adversarial).
    static func value(_ loss: PixelAttackLoss, _ z: UnsafePointer<Float>, classes: Int, label: Int) -> Float {
        switch loss {
        case .crossEntropy:
            var top = z[0]
            for k in 1..<classes { top = max(top, z[k]) }
            var sum: Double = 0
            for k in 0..<classes { sum += Foundation.exp(Double(z[k] - top)) }
            return Float(Double(top) + Foundation.log(sum) - Double(z[label]))
        case .dlr:
            let (first, _, third) = topThree(z, classes: classes)
            let gap = Double(z[label]) - Double(bestOther(z, classes: classes, label: label).value)
            return Float(-gap / (Double(z[first]) - Double(z[third]) + dlrFloor))
        case .margin:
            return -margin(z, classes: classes, label: label)
        }
    }

    /// d loss / d logits of one row into `gradient` (`classes` values, overwritten).
    static func gradient(_ loss: PixelAttackLoss, _ z: UnsafePointer<Float>, classes: Int, label: Int,
                         into gradient: UnsafeMutablePointer<Float>) {
        switch loss {
        case .crossEntropy:
            var top = z[0]
            for k in 1..<classes { top = max(top, z[k]) }
            var sum: Double = 0
            for k in 0..<classes { sum += Foundation.exp(Double(z[k] - top)) }
            for k in 0..<classes { gradient[k] = Float(Foundation.exp(Double(z[k] - top)) / sum) }
            gradient[label] -= 1
        case .dlr:
            for k in 0..<classes { gradient[k] = 0 }
            let (first, _, third) = topThree(z, classes: classes)
            let other = bestOther(z, classes: classes, label: label).index
            let gap = Double(z[label]) - Double(z[other])
            let spread = Double(z[first]) - Double(z[third]) + dlrFloor
            // loss = −gap / spread
            gradient[label] += Float(-1 / spread)
            gradient[other] += Float(1 / spread)
            gradient[first] += Float(gap / (spread * spread))
            gradient[third] -= Float(gap / (spread * spread))
        case .margin:
            for k in 0..<classes { gradient[k] = 0 }
            gradient[label] = -1
            gradient[bestOther(z, classes: classes, label: label).index] += 1
        }
    }
}
