// Records: the rows of the results store as GRDB Codable records (one type per table).
import Foundation
import GRDB

/// What a run did.
public enum RunKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case train, eval, attack, retrain, augment
}

/// Where a run is in its life. A run is `running` from `beginRun` until it is marked otherwise;
/// a process killed with SIGKILL leaves its run `running`, and `--resume` picks it up again.
public enum RunStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case running, finished, failed, interrupted
}

/// The outcome of one example under one recipe.
public enum ExampleStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// The attack changed the prediction away from the gold label.
    case success
    /// The model was right before the attack, and the attack did not change that.
    case failed
    /// The attack was not attempted (for example: no word it may change). The clean prediction stands.
    case skipped
    /// The model was already wrong on the clean text, so there was nothing to attack.
    case cleanWrong = "clean_wrong"
}

/// One row of `runs`: what was run, on what, with which code, and how it ended.
public struct RunRecord: Codable, Sendable, Equatable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runs"

    public var id: Int64?
    public var kind: RunKind
    public var status: RunStatus
    /// Hash of the model weights (hex); "" when not applicable.
    public var modelHash: String
    /// Hash of the data slice (hex); "" when not applicable.
    public var dataHash: String
    /// Hash of the recipe set / configuration that defines the attacks (hex); "" when not applicable.
    public var recipeHash: String
    public var seed: Int64
    public var gitCommit: String?
    public var robustVersion: String
    public var commandLine: String
    /// The run's full configuration as a JSON object.
    public var configJSON: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// The run this one derives from (retrain: the "before" run).
    public var parentRunID: Int64?
    public var label: String?
    /// Why the run failed or was interrupted (one line), else nil.
    public var failure: String?

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, kind, status
        case modelHash = "model_hash", dataHash = "data_hash", recipeHash = "recipe_hash"
        case seed
        case gitCommit = "git_commit", robustVersion = "robust_version", commandLine = "command_line"
        case configJSON = "config_json", startedAt = "started_at", finishedAt = "finished_at"
        case parentRunID = "parent_run_id", label, failure
    }
    public typealias Columns = CodingKeys

    public init(id: Int64? = nil, kind: RunKind, status: RunStatus = .running, modelHash: String = "",
                dataHash: String = "", recipeHash: String = "", seed: Int64 = 0, gitCommit: String? = nil,
                robustVersion: String, commandLine: String = "", configJSON: String = "{}",
                startedAt: Date = Date(), finishedAt: Date? = nil, parentRunID: Int64? = nil,
                label: String? = nil, failure: String? = nil) {
        self.id = id
        self.kind = kind
        self.status = status
        self.modelHash = modelHash
        self.dataHash = dataHash
        self.recipeHash = recipeHash
        self.seed = seed
        self.gitCommit = gitCommit
        self.robustVersion = robustVersion
        self.commandLine = commandLine
        self.configJSON = configJSON
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.parentRunID = parentRunID
        self.label = label
        self.failure = failure
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Dates are read from the column's value (`Date.fromDatabaseValue`), the same parse of the same stored
    /// text, rather than by GRDB's fast path over the raw statement: that parser traps (an Int8 overflow) on a
    /// date whose text is not UTF-8, which a damaged database can hold.
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { Date.fromDatabaseValue($0) }
    }

    /// The id of a stored run (0 for a record that was never inserted).
    public var runID: Int64 { id ?? 0 }
}

/// One row of `examples`: one example attacked (or evaluated) under one recipe of one run.
public struct ExampleRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "examples"

    public var id: Int64?
    public var runID: Int64
    /// The attack recipe's name, or "clean" for a plain evaluation.
    public var recipe: String
    /// The example's position in the run's data slice; resume and pairing across runs go by it.
    public var exampleIndex: Int
    public var text: String
    public var gold: String
    public var cleanPrediction: String
    public var adversarialText: String?
    public var adversarialPrediction: String?
    public var status: ExampleStatus
    public var queries: Int
    public var wordsChanged: Int
    public var wordsTotal: Int
    public var similarity: Double?
    public var milliseconds: Double
    public var detailJSON: String?

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, runID = "run_id", recipe, exampleIndex = "example_index", text, gold
        case cleanPrediction = "clean_prediction", adversarialText = "adversarial_text"
        case adversarialPrediction = "adversarial_prediction", status, queries
        case wordsChanged = "words_changed", wordsTotal = "words_total", similarity, milliseconds
        case detailJSON = "detail_json"
    }
    public typealias Columns = CodingKeys

    public init(id: Int64? = nil, runID: Int64, recipe: String, exampleIndex: Int, text: String, gold: String,
                cleanPrediction: String, adversarialText: String? = nil, adversarialPrediction: String? = nil,
                status: ExampleStatus, queries: Int = 0, wordsChanged: Int = 0, wordsTotal: Int = 0,
                similarity: Double? = nil, milliseconds: Double = 0, detailJSON: String? = nil) {
        self.id = id
        self.runID = runID
        self.recipe = recipe
        self.exampleIndex = exampleIndex
        self.text = text
        self.gold = gold
        self.cleanPrediction = cleanPrediction
        self.adversarialText = adversarialText
        self.adversarialPrediction = adversarialPrediction
        self.status = status
        self.queries = queries
        self.wordsChanged = wordsChanged
        self.wordsTotal = wordsTotal
        self.similarity = similarity
        self.milliseconds = milliseconds
        self.detailJSON = detailJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Whether the model was right on the clean text.
    public var isCleanCorrect: Bool { cleanPrediction == gold }

    /// Whether the model is still right after the attack: right on the clean text and the attack did
    /// not succeed. (A skipped attack leaves the clean prediction standing.)
    public var isCorrectUnderAttack: Bool { isCleanCorrect && status != .success && status != .cleanWrong }

    /// Whether an attack was attempted on this example (it was clean-correct and not skipped).
    public var wasAttacked: Bool { status == .success || status == .failed }
}

/// One row of `metrics`: a named value of one recipe of one run, with an optional interval.
public struct MetricRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "metrics"

    public var id: Int64?
    public var runID: Int64
    public var recipe: String
    public var name: String
    public var value: Double
    /// The lower and upper ends of the 95% interval, when there is one.
    public var low: Double?
    public var high: Double?

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, runID = "run_id", recipe, name, value, low, high
    }
    public typealias Columns = CodingKeys

    public init(id: Int64? = nil, runID: Int64, recipe: String, name: String, value: Double,
                low: Double? = nil, high: Double? = nil) {
        self.id = id
        self.runID = runID
        self.recipe = recipe
        self.name = name
        self.value = value
        self.low = low
        self.high = high
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `curves`: one point (x, y) of a named curve (ε sweep, budget curve, training curve).
public struct CurvePointRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "curves"

    public var id: Int64?
    public var runID: Int64
    public var recipe: String
    public var curve: String
    public var xName: String
    public var x: Double
    public var yName: String
    public var y: Double

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, runID = "run_id", recipe, curve, xName = "x_name", x, yName = "y_name", y
    }
    public typealias Columns = CodingKeys

    public init(id: Int64? = nil, runID: Int64, recipe: String, curve: String, xName: String, x: Double,
                yName: String, y: Double) {
        self.id = id
        self.runID = runID
        self.recipe = recipe
        self.curve = curve
        self.xName = xName
        self.x = x
        self.yName = yName
        self.y = y
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
