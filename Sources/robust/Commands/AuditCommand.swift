// AuditCommand: `robust audit` — the validity audit of adversarial examples: re-audit a stored run
// (`robust audit RUN`, the default subcommand `run`).
import ArgumentParser

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit adversarial examples: re-audit a run with an audit recipe.",
        subcommands: [AuditRunCommand.self],
        defaultSubcommand: AuditRunCommand.self)
}
