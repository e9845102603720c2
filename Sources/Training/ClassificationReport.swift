// ClassificationReport: per-class precision, recall, F1 and support, accuracy, macro and weighted
// averages and the confusion matrix (as scikit-learn's classification_report computes them).
import Foundation

public struct ClassificationReport: Sendable, Codable, Equatable {
    public struct ClassRow: Sendable, Codable, Equatable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    public var rows: [ClassRow]
    public var accuracy: Double
    public var macroPrecision: Double, macroRecall: Double, macroF1: Double
    public var weightedPrecision: Double, weightedRecall: Double, weightedF1: Double
    /// confusion[gold][predicted]
    public var confusion: [[Int]]
    public var total: Int

    public init(labels: [String], gold: [Int], predicted: [Int]) {
        let k = labels.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (g, p) in zip(gold, predicted) where g >= 0 && g < k && p >= 0 && p < k { confusion[g][p] += 1 }
        let total = gold.count
        var rows: [ClassRow] = []
        for c in 0..<k {
            let truePositives = confusion[c][c]
            let predictedCount = (0..<k).reduce(0) { $0 + confusion[$1][c] }
            let support = confusion[c].reduce(0, +)
            // Zero-division gives 0, as scikit-learn's default (with a warning there).
            let precision = predictedCount == 0 ? 0 : Double(truePositives) / Double(predictedCount)
            let recall = support == 0 ? 0 : Double(truePositives) / Double(support)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            rows.append(ClassRow(label: labels[c], precision: precision, recall: recall, f1: f1, support: support))
        }
        let correct = (0..<k).reduce(0) { $0 + confusion[$1][$1] }
        self.rows = rows
        self.confusion = confusion
        self.total = total
        accuracy = total == 0 ? 0 : Double(correct) / Double(total)
        let n = Double(max(k, 1)), weight = Double(max(total, 1))
        macroPrecision = rows.reduce(0) { $0 + $1.precision } / n
        macroRecall = rows.reduce(0) { $0 + $1.recall } / n
        macroF1 = rows.reduce(0) { $0 + $1.f1 } / n
        weightedPrecision = rows.reduce(0) { $0 + $1.precision * Double($1.support) } / weight
        weightedRecall = rows.reduce(0) { $0 + $1.recall * Double($1.support) } / weight
        weightedF1 = rows.reduce(0) { $0 + $1.f1 * Double($1.support) } / weight
    }

    public func f1(of label: String) -> Double? { rows.first { $0.label == label }?.f1 }

    /// The report as text, laid out like scikit-learn's, followed by the confusion matrix.
    public func rendered() -> String {
        let width = max(12, (rows.map(\.label.count).max() ?? 0) + 2)
        func pad(_ text: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - text.count)) + text }
        func number(_ value: Double) -> String { String(format: "%.4f", value) }
        var lines = [pad("", width) + pad("precision", 11) + pad("recall", 9) + pad("f1-score", 10) + pad("support", 9), ""]
        for row in rows {
            lines.append(pad(row.label, width) + pad(number(row.precision), 11) + pad(number(row.recall), 9)
                         + pad(number(row.f1), 10) + pad(String(row.support), 9))
        }
        lines.append("")
        lines.append(pad("accuracy", width) + pad("", 11) + pad("", 9) + pad(number(accuracy), 10) + pad(String(total), 9))
        lines.append(pad("macro avg", width) + pad(number(macroPrecision), 11) + pad(number(macroRecall), 9)
                     + pad(number(macroF1), 10) + pad(String(total), 9))
        lines.append(pad("weighted avg", width) + pad(number(weightedPrecision), 11) + pad(number(weightedRecall), 9)
                     + pad(number(weightedF1), 10) + pad(String(total), 9))
        lines.append("")
        lines.append("confusion matrix (rows: gold, columns: predicted)")
        let cell = max(7, (confusion.flatMap { $0 }.map { String($0).count }.max() ?? 1) + 2,
                       (rows.map(\.label.count).max() ?? 0) + 2)
        lines.append(pad("", width) + rows.map { pad($0.label, cell) }.joined())
        for (index, row) in confusion.enumerated() {
            lines.append(pad(rows[index].label, width) + row.map { pad(String($0), cell) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
