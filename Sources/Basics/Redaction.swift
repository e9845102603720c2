// Redaction: credentials kept out of everything robust shows or stores — a URL's user and password, and the
// values of its query (API keys often travel there) — for endpoint URLs in messages, run records and the stored
// command line.
import Foundation

public enum Redaction {
    /// The URL without user, password or query values; text that is not a URL with any of them is returned as is.
    public static func url(_ text: String) -> String {
        guard text.contains("://"), var components = URLComponents(string: text), components.scheme != nil else { return text }
        let hasQueryValues = components.queryItems?.contains { $0.value != nil } ?? false
        guard components.user != nil || components.password != nil || hasQueryValues else { return text }
        components.user = nil
        components.password = nil
        if let items = components.queryItems, !items.isEmpty {
            components.queryItems = items.map { URLQueryItem(name: $0.name, value: $0.value == nil ? nil : "redacted") }
        }
        return components.string ?? "(a URL with credentials)"
    }

    /// Each argument redacted as a URL, also in `--option=URL` form.
    public static func arguments(_ arguments: [String]) -> [String] {
        arguments.map { argument in
            if argument.hasPrefix("-"), let equals = argument.firstIndex(of: "=") {
                return String(argument[...equals]) + url(String(argument[argument.index(after: equals)...]))
            }
            return url(argument)
        }
    }
}
