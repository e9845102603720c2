// TokenizerError: the typed errors thrown while building or loading a tokenizer (each a one-line description).
import Foundation

/// Everything that can go wrong while loading or constructing a ``TextTokenizer``.
/// Each case has a one-line, human-readable ``description``.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model folder has no `vocab.txt` (path given).
    case missingVocabulary(path: String)
    /// `vocab.txt` exists but could not be read or is not UTF-8.
    case unreadableVocabulary(path: String, reason: String)
    /// The vocabulary has no tokens at all.
    case emptyVocabulary
    /// The vocabulary has more entries than `Int32` ids can address.
    case vocabularyTooLarge(count: Int)
    /// A required special token (e.g. `[UNK]`) is not in the vocabulary.
    case missingSpecialToken(role: String, token: String)
    /// `tokenizer_config.json` is not valid JSON or has a value of the wrong type.
    case malformedConfig(path: String, reason: String)
    /// An option value is out of range (e.g. an empty special-token string).
    case invalidOption(String)
    /// A tokenizer file (tokenizer.json, vocab.json, merges.txt) is malformed or has an unsupported part at `path`.
    case malformedFile(file: String, path: String, reason: String)
    /// A folder has none of the tokenizer files robust reads.
    case noTokenizerFiles(directory: String, lookedFor: [String])

    public var description: String {
        switch self {
        case .missingVocabulary(let path):
            return "tokenizer vocabulary not found: \(path)"
        case .unreadableVocabulary(let path, let reason):
            return "tokenizer vocabulary could not be read: \(path) (\(reason))"
        case .emptyVocabulary:
            return "tokenizer vocabulary is empty"
        case .vocabularyTooLarge(let count):
            return "tokenizer vocabulary has \(count) entries, more than Int32 ids allow"
        case .missingSpecialToken(let role, let token):
            return "tokenizer vocabulary has no \(role) token \(token)"
        case .malformedConfig(let path, let reason):
            return "malformed tokenizer config \(path): \(reason)"
        case .invalidOption(let what):
            return "invalid tokenizer option: \(what)"
        case .malformedFile(let file, let path, let reason):
            return path.isEmpty ? "\(file): \(reason)" : "\(file): \(path): \(reason)"
        case .noTokenizerFiles(let directory, let lookedFor):
            return "no tokenizer in \(directory): looked for \(lookedFor.joined(separator: ", then "))"
        }
    }
}
