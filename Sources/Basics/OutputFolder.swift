// OutputFolder: the check, before any long work, that a folder robust will write at the end (a
// checkpoint, a dataset, a report) can be written there: it is a folder or absent, its parent can be
// created, and a staging folder can be made beside it (every writer stages, then renames into place).
// Finding out after an epoch of training throws the weights away.
import Foundation

public enum OutputFolder {
    /// Throws a one-line `UserError` naming `folder` (as `what`, e.g. "--out") when it could not be written.
    public static func checkWritable(_ folder: URL, what: String) throws {
        let fileManager = FileManager.default
        let path = folder.path
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw UserError("\(what) \(path) exists and is not a folder") }
            guard fileManager.isWritableFile(atPath: path) else { throw UserError("\(what) \(path) is not writable") }
        }
        let parent = folder.deletingLastPathComponent()
        do { try fileManager.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw UserError("\(what) \(path): cannot create \(parent.path) (\(UserError.oneLine(error.localizedDescription)))")
        }
        let probe = parent.appendingPathComponent(".\(folder.lastPathComponent).probe-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        do { try fileManager.createDirectory(at: probe, withIntermediateDirectories: false) } catch {
            throw UserError("\(what) \(path): cannot write in \(parent.path) (\(UserError.oneLine(error.localizedDescription)))")
        }
        try? fileManager.removeItem(at: probe)
    }
}
