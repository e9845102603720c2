// UserError: an error shown to the user as one line. Every layer above the engine throws it for bad
// input, and the command line prints "Error: <description>" and exits non-zero.
import Foundation

public struct UserError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// Runs `body`, turning any error it throws into a `UserError` with its description (every module's
    /// errors are one line already); a `UserError` passes through unchanged.
    public static func wrapping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as UserError { throw error } catch {
            throw UserError(String(describing: error))
        }
    }

    /// The first line of `text`, trimmed, so that a message from elsewhere (a system error, a parser)
    /// stays one line.
    public static func oneLine(_ text: String) -> String {
        (text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text).trimmingCharacters(in: .whitespaces)
    }
}
