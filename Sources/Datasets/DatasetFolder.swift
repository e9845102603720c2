// DatasetFolder: the atomic write of a dataset folder, shared by text datasets (`DatasetSplits.write`) and
// image datasets (`ImageDataset.write`): every file goes into a hidden sibling `.NAME.partial-PID-RANDOM`,
// which is renamed into place only when complete; an existing dataset is first moved aside to
// `.NAME.old-PID-RANDOM` and deleted after, and put back if the rename fails. Staging folders left by
// processes that no longer run are removed on the next write.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum DatasetFolder {
    /// One file of the folder: its name and how to write it to a given URL.
    struct File {
        var name: String
        var write: (URL) throws -> Void
    }

    /// Writes `files` in order into a staging folder and renames it to `directory`; returns the standardised
    /// destination. `afterEachFile` runs after each file (tests use it to fail mid-way).
    static func write(_ files: [File], to directory: URL, replace: Bool,
                      afterEachFile: (String) throws -> Void = { _ in }) throws -> URL {
        let fileManager = FileManager.default
        let destination = directory.standardizedFileURL
        let parent = destination.deletingLastPathComponent()
        let base = destination.lastPathComponent
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(.io, file: parent.path, "cannot create the folder: \(error.localizedDescription)")
        }
        if fileManager.fileExists(atPath: destination.path) && !replace {
            throw DatasetError(.alreadyExists, file: destination.path, "already exists")
        }
        removeAbandonedStaging(in: parent, base: base)
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let staging = parent.appendingPathComponent(".\(base).partial-\(tag)")
        var committed = false
        defer { if !committed { try? fileManager.removeItem(at: staging) } }
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
            for file in files {
                try file.write(staging.appendingPathComponent(file.name))
                try afterEachFile(file.name)
            }
        } catch let error as DatasetError {
            throw error
        } catch {
            throw DatasetError(.io, file: staging.path, "cannot write: \(error.localizedDescription)")
        }

        var retired: URL?
        if fileManager.fileExists(atPath: destination.path) {
            let aside = parent.appendingPathComponent(".\(base).old-\(tag)")
            guard rename(destination.path, aside.path) == 0 else {
                throw DatasetError(.io, file: destination.path, "cannot move the old dataset aside: \(String(cString: strerror(errno)))")
            }
            retired = aside
        }
        guard rename(staging.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let retired { _ = rename(retired.path, destination.path) }
            throw DatasetError(.io, file: destination.path, "cannot move the new dataset into place: \(reason)")
        }
        committed = true
        if let retired { try? fileManager.removeItem(at: retired) }
        return destination
    }

    /// Deletes `.BASE.partial-PID-…` / `.BASE.old-PID-…` folders left by processes that no longer run.
    private static func removeAbandonedStaging(in parent: URL, base: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for entry in entries {
            for marker in [".\(base).partial-", ".\(base).old-"] where entry.hasPrefix(marker) {
                let rest = entry.dropFirst(marker.count)
                guard let pidText = rest.split(separator: "-").first, let pid = Int32(pidText) else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH {
                    try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
                }
            }
        }
    }
}
