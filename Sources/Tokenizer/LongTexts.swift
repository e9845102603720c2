// LongTexts: how much of a long text the tokenizer reads before truncation. A model sees its first
// `maxLength` tokens, so a 50 MB text is not analysed whole: a prefix is, and grows until it provably holds
// every token the truncated encoding keeps (or reaches ``TextLimits/scalarsRead``).

/// The documented limits on the text the tokenizer reads (README, "Limits").
public enum TextLimits {
    /// At most this many Unicode scalars (characters) of a text are read: 1,048,576. A text's truncated
    /// encoding is exactly Hugging Face's whenever its first `maxLength` tokens come from words that end within
    /// that prefix, i.e. for every text but one whose first words are hundreds of thousands of characters long.
    /// Each text of a pair longer than this is cut to it before encoding.
    public static let scalarsRead = 1 << 20
    /// Scalars left unused at the end of a prefix, so that a word, literal special token or normalisation that
    /// crosses the prefix's end never contributes a kept token (at least twice the longest literal token).
    static let minimumMargin = 1024
}

/// Encodes a single text from the shortest prefix that gives the same truncated encoding as the whole text.
struct BoundedPrefix {
    /// Content tokens (without post-processor specials) the truncated encoding keeps.
    let contentLimit: Int
    /// Scalars at the end of a prefix whose tokens are not trusted.
    let margin: Int
    /// The first prefix's length in scalars (tests set it small to cut texts everywhere); by default 16 scalars
    /// per kept token, at least 4,096.
    var firstLength: Int? = nil

    /// The text, or a prefix of it (on a scalar boundary) whose encoding truncated to `contentLimit` content
    /// tokens equals the whole text's. `content` encodes a text without truncation or special tokens.
    ///
    /// A prefix is enough when its tokens from words that end before `count - margin` (leaving out the last word,
    /// which may go on past the prefix) number at least `contentLimit`: those words, their literal special tokens
    /// and their normalisation are the same in the whole text, so its first `contentLimit` tokens are too.
    func text(_ text: String, content: (String) -> Encoding) -> String {
        // No truncation to speak of (maxLength beyond any text read): the whole text.
        guard contentLimit < TextLimits.scalarsRead else { return text }
        let first = firstLength ?? max(16 * contentLimit + margin, 4096)
        // A text of at most `first` UTF-8 bytes has at most that many scalars: the common case costs nothing.
        guard text.utf8.count > first else { return text }
        let scalars = text.unicodeScalars
        var length = first
        while true {
            guard let end = scalars.index(scalars.startIndex, offsetBy: length, limitedBy: scalars.endIndex),
                  end != scalars.endIndex else { return text }
            let prefix = String(scalars[..<end])
            if length >= TextLimits.scalarsRead || isEnough(content(prefix), length: length) { return prefix }
            length = min(max(length * 4, margin + 1), TextLimits.scalarsRead)
        }
    }

    /// Whether the prefix's encoding (of `length` scalars) provably starts with the whole text's first
    /// `contentLimit` tokens.
    func isEnough(_ encoding: Encoding, length: Int) -> Bool {
        if contentLimit <= 0 { return true }
        guard encoding.count > contentLimit else { return false }
        let trusted = length - margin
        // The first word that may differ in the whole text: the last word of the prefix, or the word of the first
        // token that reaches into the margin, whichever comes first. Word ids do not decrease along a text.
        var firstUntrusted = encoding.wordIDs.last(where: { $0 != nil }).flatMap { $0 } ?? Int.max
        for (offsets, word) in zip(encoding.offsets, encoding.wordIDs) where offsets.upperBound > trusted {
            if let word { firstUntrusted = min(firstUntrusted, word) }
            break
        }
        var kept = 0
        for (index, word) in encoding.wordIDs.enumerated() {
            guard let word, word < firstUntrusted, encoding.offsets[index].upperBound <= trusted else { break }
            kept += 1
            if kept >= contentLimit { return true }
        }
        return false
    }
}

extension String {
    /// The text cut to at most ``TextLimits/scalarsRead`` scalars.
    var boundedForReading: String {
        guard utf8.count > TextLimits.scalarsRead,
              let end = unicodeScalars.index(unicodeScalars.startIndex, offsetBy: TextLimits.scalarsRead,
                                             limitedBy: unicodeScalars.endIndex) else { return self }
        return String(unicodeScalars[..<end])
    }
}
