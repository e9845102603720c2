// PixelAttackEngine: what every pixel attack shares — the public entry points (`PixelAttacks.run` and the
// per-kind functions in FGSM.swift, PGD.swift, APGD.swift and SquareAttack.swift), checking the inputs,
// the classifier wrapper that checks every answer (sizes, non-finite logits or gradients become a
// `PixelAttackError`, never a trap), per-batch buffers allocated once per call, and the driver that
// takes images `batchSize` at a time, predicts them clean, skips the misclassified ones and keeps, per
// image, the best point an attack offers.
//
// The best point: a successful one over an unsuccessful one, else the one with the higher loss; so
// within a run the highest-loss successful iterate (or the highest-loss iterate), and across restarts
// the first successful run (later restarts only attack images not yet fooled) or the highest-loss one.
//
// Determinism: image i draws only from `SeededRandom(seed: SeededRandom.mix(seed, firstIndex + i,
// restart))`, and each image's trajectory uses only its own logits, so results do not depend on
// `batchSize` or on which other images share a batch (given a classifier whose rows are independent).
// The clean prediction is one extra forward pass per image, counted in neither `gradientEvaluations`
// nor `queries`.
import Basics
import Foundation

/// The pixel attacks: run any of them from its settings, or sweep ε.
public enum PixelAttacks {
    /// Attacks `labels.count` images (NCHW in `images`, pixels in [0, 1]) with `settings`, `batchSize`
    /// images per classifier call at most. `firstIndex` is added to each image's position for its
    /// `index` and seed (attack a dataset in slices with the same results).
    public static func run(_ settings: PixelAttackSettings, classifier: some PixelClassifier, images: [Float],
                           labels: [Int], batchSize: Int = 64, firstIndex: Int = 0) throws -> [PixelAttackResult] {
        switch settings.kind {
        case .fgsm:
            return try fgsm(settings, classifier: classifier, images: images, labels: labels, batchSize: batchSize,
                            firstIndex: firstIndex)
        case .pgd:
            return try pgd(settings, classifier: classifier, images: images, labels: labels, batchSize: batchSize,
                           firstIndex: firstIndex)
        case .apgdCE, .apgdDLR:
            return try apgd(settings, classifier: classifier, images: images, labels: labels, batchSize: batchSize,
                            firstIndex: firstIndex)
        case .square:
            return try square(settings, classifier: classifier, images: images, labels: labels, batchSize: batchSize,
                              firstIndex: firstIndex)
        }
    }

    static func require(_ settings: PixelAttackSettings, _ kinds: [PixelAttackKind], function: String) throws {
        guard kinds.contains(settings.kind) else {
            throw PixelAttackError.settings("\(function) runs \(kinds.map(\.rawValue).joined(separator: " or ")), "
                + "not \(settings.kind.rawValue) (use PixelAttacks.run)")
        }
    }
}

extension Array where Element == Float {
    /// Runs `body` with the address of the first value (sizes were checked before; an empty array is an
    /// error, not a trap).
    func withBase<R>(_ body: (UnsafePointer<Float>) throws -> R) throws -> R {
        try withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else {
                throw PixelAttackError.classifier("internal: an empty buffer where values were expected")
            }
            return try body(base)
        }
    }
}

/// A Float buffer allocated once and reused across batches.
final class PixelBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let capacity: Int

    init(_ capacity: Int) {
        self.capacity = max(capacity, 1)
        pointer = .allocate(capacity: self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// Image `slot` of `width` values.
    @inline(__always) func image(_ slot: Int, _ width: Int) -> UnsafeMutablePointer<Float> { pointer + slot * width }
}

/// The classifier, with every answer checked.
struct CheckedClassifier<C: PixelClassifier> {
    let classifier: C
    let classes: Int
    let width: Int

    private func check(_ logits: [Float], count: Int, indices: [Int]) throws {
        guard logits.count == count * classes else {
            throw PixelAttackError.classifier("the classifier returned \(logits.count) logits for \(count) images of "
                + "\(classes) classes (expected \(count * classes))")
        }
        for (i, value) in logits.enumerated() where !value.isFinite {
            throw PixelAttackError.classifier("the classifier returned a non-finite logit (\(value)) for image "
                + "\(indices[i / classes])")
        }
    }

    /// Logits of the first `count` images of `images`; `indices` name them in errors.
    func logits(_ images: UnsafePointer<Float>, count: Int, indices: [Int]) throws -> [Float] {
        let logits = try classifier.logits(images, count: count)
        try check(logits, count: count, indices: indices)
        return logits
    }

    /// Logits, and into `gradient` d loss / d pixels of the first `count` images for their `labels`.
    func logitsAndGradient(_ images: UnsafePointer<Float>, count: Int, labels: [Int], loss: PixelAttackLoss,
                           gradient: UnsafeMutablePointer<Float>, indices: [Int]) throws -> [Float] {
        let classes = self.classes
        let logits = try classifier.logitsAndGradient(images, count: count, pixelGradient: gradient) { logits in
            // Answer a malformed or non-finite row with zeros; the checks below then report it.
            var rows = [Float](repeating: 0, count: logits.count)
            guard logits.count == count * classes else { return rows }
            logits.withUnsafeBufferPointer { z in
                rows.withUnsafeMutableBufferPointer { g in
                    guard let zBase = z.baseAddress, let gBase = g.baseAddress else { return }
                    for n in 0..<count {
                        let row = zBase + n * classes
                        guard (0..<classes).allSatisfy({ row[$0].isFinite }) else { continue }
                        PixelLosses.gradient(loss, row, classes: classes, label: labels[n], into: gBase + n * classes)
                    }
                }
            }
            return rows
        }
        try check(logits, count: count, indices: indices)
        for i in 0..<(count * width) where !gradient[i].isFinite {
            throw PixelAttackError.classifier("the classifier returned a non-finite pixel gradient (\(gradient[i])) for image "
                + "\(indices[i / width])")
        }
        return logits
    }
}

/// The inputs of one attack call, checked.
struct PixelAttackInputs {
    let images: [Float]
    let labels: [Int]
    let width: Int
    let classes: Int
    let shape: ImageShape

    init(classifier: some PixelClassifier, images: [Float], labels: [Int], batchSize: Int) throws {
        shape = classifier.shape
        width = shape.count
        classes = classifier.classCount
        guard shape.channels > 0, shape.height > 0, shape.width > 0 else {
            throw PixelAttackError.input("the classifier's image shape \(shape) is empty")
        }
        guard classes >= 2 else { throw PixelAttackError.input("the classifier must have at least 2 classes (has \(classes))") }
        guard batchSize >= 1 else { throw PixelAttackError.input("batch size must be at least 1 (got \(batchSize))") }
        guard images.count == labels.count * width else {
            throw PixelAttackError.input("\(images.count) pixel values for \(labels.count) images of \(shape) "
                + "(expected \(labels.count * width))")
        }
        for (i, label) in labels.enumerated() where !(0..<classes).contains(label) {
            throw PixelAttackError.input("label \(label) of image \(i) is not a class of the classifier (0…\(classes - 1))")
        }
        for (i, value) in images.enumerated() where !(value >= 0 && value <= 1) {
            throw PixelAttackError.input("image \(i / width) has pixel value \(value) outside [0, 1]")
        }
        self.images = images
        self.labels = labels
    }
}

/// One batch being attacked: the best point offered so far for each of its images.
final class PixelBatchRecords {
    let width: Int
    let best: PixelBuffer
    var count = 0
    var offered: [Bool]
    var success: [Bool]
    var loss: [Float]
    var prediction: [Int]
    var margin: [Float]
    var gradientEvaluations: [Int]
    var queries: [Int]

    init(capacity: Int, width: Int) {
        self.width = width
        best = PixelBuffer(capacity * width)
        offered = Array(repeating: false, count: capacity)
        success = offered
        loss = Array(repeating: 0, count: capacity)
        prediction = Array(repeating: 0, count: capacity)
        margin = loss
        gradientEvaluations = prediction
        queries = prediction
    }

    func reset(count: Int) {
        self.count = count
        for i in 0..<count {
            offered[i] = false
            success[i] = false
            loss[i] = 0
            prediction[i] = 0
            margin[i] = 0
            gradientEvaluations[i] = 0
            queries[i] = 0
        }
    }

    /// Keeps `image` for batch image `i` if it beats the point kept so far (see the file's header).
    func offer(_ i: Int, image: UnsafePointer<Float>, prediction: Int, label: Int, margin: Float, loss: Float) {
        let fooled = prediction != label
        let better = !offered[i] || (fooled && !success[i]) || (fooled == success[i] && loss > self.loss[i])
        guard better else { return }
        offered[i] = true
        success[i] = fooled
        self.loss[i] = loss
        self.prediction[i] = prediction
        self.margin[i] = margin
        best.image(i, width).update(from: image, count: width)
    }

    /// Offers `image` with the values of its logits row `z`.
    func offer(_ i: Int, image: UnsafePointer<Float>, logits z: UnsafePointer<Float>, classes: Int, label: Int,
               loss: PixelAttackLoss) {
        offer(i, image: image, prediction: PixelLosses.prediction(z, classes: classes), label: label,
              margin: PixelLosses.margin(z, classes: classes, label: label),
              loss: PixelLosses.value(loss, z, classes: classes, label: label))
    }
}

/// The images of one batch that an attack works on, copied into contiguous slots.
struct PixelBatch {
    /// Batch positions of the images attacked (clean prediction right).
    let members: [Int]
    /// Position of batch image 0 in the input.
    let start: Int
    let firstIndex: Int
    let labels: [Int]

    /// The image's `index` (and seed index).
    func index(ofMember slot: Int) -> Int { firstIndex + start + members[slot] }
}

/// Buffers for `capacity` images, allocated once per attack call (APGD's on first use).
final class PixelWorkspace {
    let capacity: Int
    let width: Int
    /// The whole batch's clean images, by batch position (never overwritten by attacks).
    let clean: PixelBuffer
    /// The clean images of the images in the current run, consecutively.
    let origin: PixelBuffer
    /// The current iterates of the run.
    let current: PixelBuffer
    let gradient: PixelBuffer
    let scratch: PixelBuffer
    let records: PixelBatchRecords
    lazy var previous = PixelBuffer(capacity * width)
    lazy var best = PixelBuffer(capacity * width)
    lazy var bestGradient = PixelBuffer(capacity * width)

    init(capacity: Int, width: Int) {
        self.capacity = capacity
        self.width = width
        clean = PixelBuffer(capacity * width)
        origin = PixelBuffer(capacity * width)
        current = PixelBuffer(capacity * width)
        gradient = PixelBuffer(capacity * width)
        scratch = PixelBuffer(capacity * width)
        records = PixelBatchRecords(capacity: capacity, width: width)
    }
}

enum PixelAttackDriver {
    /// Runs `attack` on every batch of `batchSize` images (after validating `settings` and the inputs)
    /// and turns the batch records into results. `attack` receives the batch's clean-correct images and
    /// fills `workspace.records` for them (batch positions `members`); `workspace.clean` holds the whole
    /// batch's clean images when it is called.
    static func run<C: PixelClassifier>(
        _ settings: PixelAttackSettings, classifier: C, images: [Float], labels: [Int], batchSize: Int, firstIndex: Int,
        attack: (CheckedClassifier<C>, PixelWorkspace, PixelBatch) throws -> Void
    ) throws -> [PixelAttackResult] {
        try settings.validate()
        let inputs = try PixelAttackInputs(classifier: classifier, images: images, labels: labels, batchSize: batchSize)
        if settings.loss == .dlr && inputs.classes < 3 {
            throw PixelAttackError.settings("the dlr loss needs at least 3 classes (the classifier has \(inputs.classes))")
        }
        let total = labels.count
        guard total > 0 else { return [] }
        let width = inputs.width, classes = inputs.classes
        let model = CheckedClassifier(classifier: classifier, classes: classes, width: width)
        let capacity = min(batchSize, total)
        let workspace = PixelWorkspace(capacity: capacity, width: width)
        let records = workspace.records
        var results: [PixelAttackResult] = []
        results.reserveCapacity(total)
        var start = 0
        while start < total {
            let count = min(capacity, total - start)
            try images.withBase { source in
                workspace.clean.pointer.update(from: source + start * width, count: count * width)
            }
            let batchLabels = Array(labels[start..<(start + count)])
            let clean = try model.logits(workspace.clean.pointer, count: count,
                                         indices: (0..<count).map { firstIndex + start + $0 })
            var cleanPredictions = [Int](repeating: 0, count: count)
            try clean.withBase { z in
                for i in 0..<count { cleanPredictions[i] = PixelLosses.prediction(z + i * classes, classes: classes) }
            }
            let members = (0..<count).filter { cleanPredictions[$0] == batchLabels[$0] }
            records.reset(count: count)
            if !members.isEmpty {
                try attack(model, workspace, PixelBatch(members: members, start: start, firstIndex: firstIndex,
                                                        labels: members.map { batchLabels[$0] }))
            }
            try images.withBase { source in
                try clean.withBase { z in
                    for i in 0..<count {
                        let original = source + (start + i) * width
                        let row = z + i * classes
                        let label = batchLabels[i]
                        guard cleanPredictions[i] == label else {
                            results.append(PixelAttackResult(
                                index: firstIndex + start + i, label: label, cleanPrediction: cleanPredictions[i],
                                adversarialPrediction: cleanPredictions[i], status: .skipped,
                                adversarialImage: Array(UnsafeBufferPointer(start: original, count: width)),
                                linfDistance: 0, l2Distance: 0, gradientEvaluations: 0, queries: 0,
                                margin: PixelLosses.margin(row, classes: classes, label: label),
                                loss: PixelLosses.value(settings.loss, row, classes: classes, label: label)))
                            continue
                        }
                        guard records.offered[i] else {
                            throw PixelAttackError.classifier("internal: the attack left image \(firstIndex + start + i) without a result")
                        }
                        let adversarial = records.best.image(i, width)
                        let distance = PixelGeometry.distances(adversarial, original, count: width)
                        results.append(PixelAttackResult(
                            index: firstIndex + start + i, label: label, cleanPrediction: cleanPredictions[i],
                            adversarialPrediction: records.prediction[i], status: records.success[i] ? .success : .failed,
                            adversarialImage: Array(UnsafeBufferPointer(start: adversarial, count: width)),
                            linfDistance: distance.linf, l2Distance: distance.l2,
                            gradientEvaluations: records.gradientEvaluations[i], queries: records.queries[i],
                            margin: records.margin[i], loss: records.loss[i]))
                    }
                }
            }
            start += count
        }
        return results
    }

    /// Runs `run(slots, restart)` for restart 0, 1, … on the batch's members (`slots`: positions in
    /// `batch.members`) not yet fooled, as long as there are any.
    static func restarting(_ restarts: Int, _ batch: PixelBatch, _ workspace: PixelWorkspace,
                           run: ([Int], Int) throws -> Void) throws {
        for restart in 0..<restarts {
            let slots = batch.members.indices.filter { !workspace.records.success[batch.members[$0]] }
            guard !slots.isEmpty else { return }
            try run(slots, restart)
        }
    }

    /// Copies the clean images of `slots` (positions in `batch.members`) from `workspace.clean` into
    /// consecutive images of `workspace.origin`.
    static func gather(_ slots: [Int], of batch: PixelBatch, in workspace: PixelWorkspace) {
        let width = workspace.width
        for (position, slot) in slots.enumerated() {
            workspace.origin.image(position, width).update(from: workspace.clean.image(batch.members[slot], width), count: width)
        }
    }
}
