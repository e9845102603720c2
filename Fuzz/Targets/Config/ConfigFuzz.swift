// ConfigFuzz (fuzz-config): config.json as a checkpoint is read — `ConfigReader(data:)` and
// `ModelFamilies.load` (the family from model_type, its keys into an EncoderConfig, the labels).
//
// An input must be refused with an EngineError, or give a config that names as many labels as id2label has
// entries and that survives its own writer: `configData` (what saving a checkpoint writes) reads back into the
// same family and an equal EncoderConfig.
import Foundation
import FuzzSupport
import Transformer

@main
enum ConfigFuzz {
    static func main() { Fuzz.main(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(Fuzz.bytes(data, size))
    let json: ConfigReader, family: any ModelFamily, config: EncoderConfig
    do {
        json = try ConfigReader(data: bytes)
        (family, config) = try ModelFamilies.load(json)
    } catch is EngineError {
        return 0
    } catch {
        Fuzz.fail("untyped error: \(error)")
    }
    if let id2label = json.raw["id2label"] as? [String: Any] {
        Fuzz.check(config.labels.count == id2label.count, "id2label has \(id2label.count) entries but \(config.labels.count) labels were read")
    }
    Fuzz.check(config.hiddenSize % config.headCount == 0 && config.maxSequenceLength >= 2, "an invalid config was accepted")
    do {
        let written = try family.configData(config, mergingInto: json.raw)
        let (family2, config2) = try ModelFamilies.load(try ConfigReader(data: written))
        Fuzz.check(family2.modelType == family.modelType, "family \(family.modelType) read back as \(family2.modelType)")
        Fuzz.check(config2 == config, "config changed on rewrite:\n\(config)\n\(config2)\n\(String(decoding: written, as: UTF8.self))")
    } catch {
        Fuzz.fail("the rewritten config.json is refused: \(error)")
    }
    return 0
}
