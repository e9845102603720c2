// FileLimits: the documented size limits on the small files robust reads whole (model and tokenizer configs,
// vocabularies, baselines, manifests, resume state), and the one reader that enforces them before reading a
// byte: only regular files (a FIFO would block, /dev/zero never end), at most the kind's limit.
import Foundation

public enum FileLimits {
    /// A kind of file read whole, with its limit in bytes (README, "Limits").
    public struct Kind: Sendable {
        public let name: String
        public let maxBytes: Int
        public init(_ name: String, maxBytes: Int) {
            self.name = name
            self.maxBytes = maxBytes
        }

        /// `config.json`, `tokenizer_config.json`, `special_tokens_map.json`: a few KB in practice (1 MB with a
        /// very large `id2label`).
        public static let modelConfig = Kind("model configuration", maxBytes: 16 << 20)
        /// `tokenizer.json`, `vocab.txt`, `vocab.json`, `merges.txt`: the largest published are about 35 MB.
        public static let tokenizer = Kind("tokenizer file", maxBytes: 256 << 20)
        /// Baselines for the CI gate, dataset manifests, resume state.
        public static let metadata = Kind("metadata file", maxBytes: 64 << 20)
    }

    /// A file that could not be read, or is over its kind's limit: one line naming it.
    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The whole file, read only if it is a regular file of at most `kind.maxBytes` bytes.
    public static func read(_ url: URL, as kind: Kind) throws -> Data {
        let path = url.path
        // O_NONBLOCK: opening a FIFO must not hang; it is refused below as not a regular file.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ReadError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw ReadError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ReadError(path: path, reason: "is a folder, not a file")
        case S_IFIFO: throw ReadError(path: path, reason: "is a FIFO (named pipe), not a regular file")
        default: throw ReadError(path: path, reason: "is a device or socket, not a regular file")
        }
        let size = Int(status.st_size)
        guard size <= kind.maxBytes else {
            throw ReadError(path: path, reason: "\(grouped(size)) bytes; a \(kind.name) may be at most \(describe(bytes: kind.maxBytes))")
        }
        var data = Data(count: size)
        var done = 0
        try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            while done < size {
                let n = Foundation.read(fd, base + done, size - done)
                if n < 0, errno == EINTR { continue }
                guard n >= 0 else { throw ReadError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))") }
                if n == 0 { break }   // the file shrank while being read
                done += n
            }
        }
        return done == size ? data : data.prefix(done)
    }

    /// "262,145".
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// "3.2 GB", "16 MB", "812 bytes" (for limits, which are whole units).
    public static func describe(bytes: Int) -> String {
        if bytes < 1 << 10 { return "\(bytes) bytes" }
        if bytes < 1 << 20 { return "\(bytes >> 10) KB" }
        if bytes < 1 << 30 { return "\(bytes >> 20) MB" }
        return String(format: "%.1f GB", Double(bytes) / Double(1 << 30))
    }
}
