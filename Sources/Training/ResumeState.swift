// ResumeState: the resumable state of an interrupted fine-tuning run, beside the optimiser whose
// moments it keeps — the parameter arena and AdamW's first and second moments (one safetensors file),
// and the loop counters, settings and identity of the run (state.json, written last, so a state.json
// always has its tensors beside it).
import Basics
import Foundation
import SafeTensors
import Transformer

public struct ResumeState: Codable {
    public static let folderName = ".resume"
    public static let stateFile = "state.json"
    static let tensorsFile = "state.safetensors"

    public var state: TrainingState
    public var settings: TrainerSettings
    public var dataSHA256: String
    public var baseModel: String
    public var optimiserStep: Int
    /// The results-store run this training belongs to, continued on resume.
    public var runID: Int64?
    public var firstMoment: [Float] = []
    public var secondMoment: [Float] = []

    enum CodingKeys: String, CodingKey { case state, settings, dataSHA256, baseModel, optimiserStep, runID }

    public init(state: TrainingState, settings: TrainerSettings, dataSHA256: String, baseModel: String, optimiser: AdamW,
                runID: Int64?) {
        self.runID = runID
        self.state = state
        self.settings = settings
        self.dataSHA256 = dataSHA256
        self.baseModel = baseModel
        let saved = optimiser.state()
        optimiserStep = saved.step
        firstMoment = saved.first
        secondMoment = saved.second
    }

    /// Whether this state was saved by a run with these settings, data and base model (resuming needs all three).
    public func matches(settings: TrainerSettings, dataSHA256: String, baseModel: String) -> Bool {
        self.settings == settings && self.dataSHA256 == dataSHA256 && self.baseModel == baseModel
    }

    /// Whether `folder` holds a saved state.
    public static func exists(in folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(stateFile).path)
    }

    public func save(to folder: URL, model: EncoderModel) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = model.parameters
        try SafeTensorsWriter.write([
            SafeTensorsWriter.Tensor(name: "parameters", shape: [store.count]) { body in
                try body(UnsafeBufferPointer(start: store.values.pointer, count: store.count))
            },
            SafeTensorsWriter.Tensor(name: "adam_first_moment", shape: [firstMoment.count], values: firstMoment),
            SafeTensorsWriter.Tensor(name: "adam_second_moment", shape: [secondMoment.count], values: secondMoment),
        ], to: folder.appendingPathComponent(Self.tensorsFile))
        try JSONCoding.encoder(.pretty).encode(self).write(to: folder.appendingPathComponent(Self.stateFile), options: .atomic)
    }

    /// Reads the state and puts the saved weights into `model`.
    public static func load(from folder: URL, into model: EncoderModel) throws -> ResumeState {
        var state: ResumeState
        do {
            state = try JSONCoding.decoder().decode(ResumeState.self, from: FileLimits.read(folder.appendingPathComponent(stateFile), as: .metadata))
        } catch { throw UserError("\(folder.path)/\(stateFile) is unreadable: \(error.localizedDescription)") }
        let tensors = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(tensorsFile))
        let store = model.parameters
        guard tensors.info("parameters")?.elementCount == store.count else {
            throw UserError("the saved state does not match this model's size")
        }
        try tensors.copyFloats("parameters", into: UnsafeMutableBufferPointer(start: store.values.pointer, count: store.count))
        state.firstMoment = try tensors.floats("adam_first_moment")
        state.secondMoment = try tensors.floats("adam_second_moment")
        return state
    }
}
