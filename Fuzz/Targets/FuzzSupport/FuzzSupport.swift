// FuzzSupport: what every fuzz target shares — starting libFuzzer from the target's `@main`, checking an
// invariant (a failed one is a crash, which is what libFuzzer reports), and scratch files on tmpfs for
// entry points that take only a path.
//
// SwiftPM links an executable target's `main` through a renamed entry point (`<module>_main`), so the targets
// keep a Swift `@main` that hands libFuzzer its arguments (`LLVMFuzzerRunDriver`) instead of relying on
// libFuzzer's own `main`.
import Foundation

/// libFuzzer's documented entry for programs with their own `main` (compiler-rt, FuzzerInterface.h).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

public enum Fuzz {
    /// The signature libFuzzer calls once per input.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs libFuzzer with this process's arguments and exits with its status.
    public static func main(_ testOneInput: TestOneInput) -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }

    /// The input as bytes (libFuzzer may pass a null pointer for the empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// A broken invariant: prints why and traps, so libFuzzer saves the input as a crash.
    public static func fail(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        let text = "FUZZ INVARIANT BROKEN (\(file):\(line)): \(message())\n"
        FileHandle.standardError.write(Data(text.utf8))
        abort()
    }

    /// Checks an invariant of an accepted input.
    public static func check(_ condition: Bool, _ message: @autoclosure () -> String,
                             file: StaticString = #fileID, line: UInt = #line) {
        if !condition { fail(message(), file: file, line: line) }
    }

    /// A folder of this process's own, emptied and reused for each input: under `$ROBUST_FUZZ_SCRATCH`
    /// (scripts/fuzz.sh sets it, and removes it afterwards), else /dev/shm (tmpfs), else the temporary folder.
    public static let scratch: URL = {
        let environment = ProcessInfo.processInfo.environment["ROBUST_FUZZ_SCRATCH"] ?? ""
        let base = !environment.isEmpty ? environment
            : FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("robust-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            fail("cannot create the scratch folder \(url.path): \(error)")
        }
        atexit { try? FileManager.default.removeItem(at: Fuzz.scratch) }
        return url
    }()

    /// Empties the scratch folder and writes `files` (name → bytes) into it; returns the folder.
    @discardableResult
    public static func writeScratch(_ files: [String: [UInt8]]) -> URL {
        let fm = FileManager.default
        if let names = try? fm.contentsOfDirectory(atPath: scratch.path) {
            for name in names { try? fm.removeItem(at: scratch.appendingPathComponent(name)) }
        }
        for (name, bytes) in files {
            let url = scratch.appendingPathComponent(name)
            guard fm.createFile(atPath: url.path, contents: Data(bytes)) else { fail("cannot write \(url.path)") }
        }
        return scratch
    }

    /// Splits `bytes` at the first occurrence of `separator` into at most `parts` pieces (the last keeps the rest).
    public static func split(_ bytes: [UInt8], separator: UInt8, parts: Int) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var rest = bytes[...]
        while result.count < parts - 1, let index = rest.firstIndex(of: separator) {
            result.append(Array(rest[..<index]))
            rest = rest[(index + 1)...]
        }
        result.append(Array(rest))
        return result
    }
}
