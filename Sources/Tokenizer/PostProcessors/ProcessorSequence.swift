// ProcessorSequence: HF post-processor `Sequence` — its processors in order.

struct ProcessorSequence: PostProcessor {
    let processors: [any PostProcessor]

    init(_ processors: [any PostProcessor]) { self.processors = processors }

    func addedTokens(pair: Bool) -> Int { processors.reduce(0) { $0 + $1.addedTokens(pair: pair) } }

    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        processors.reduce(encodings) { $1.process($0, addSpecialTokens: addSpecialTokens) }
    }
}
