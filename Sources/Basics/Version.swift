// Version: robust's version, as runs, checkpoints and datasets record it.
public enum RobustVersion {
    public static let current = "0.1.0"
}
