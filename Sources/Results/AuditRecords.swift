// AuditRecords: the rows of the validity audit (schema v2) — which audit recipes a run was audited with,
// each check's value on each successful adversarial example, and people's labels of sampled pairs.
import Foundation
import GRDB

/// One row of `audits`: run `runID` was audited with the audit recipe `audit`.
public struct AuditRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audits"

    public var id: Int64?
    public var runID: Int64
    /// The audit recipe's name (`default`, `morris2020`, a user's).
    public var audit: String
    /// SHA-256 of the audit recipe's text.
    public var recipeHash: String
    /// What the audit was computed with (thresholds, label-word source, encoder), as a JSON object.
    public var configJSON: String
    public var auditedAt: Date

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, runID = "run_id", audit, recipeHash = "recipe_hash", configJSON = "config_json", auditedAt = "audited_at"
    }
    public typealias Columns = CodingKeys

    public init(id: Int64? = nil, runID: Int64, audit: String, recipeHash: String, configJSON: String = "{}",
                auditedAt: Date = Date()) {
        self.id = id
        self.runID = runID
        self.audit = audit
        self.recipeHash = recipeHash
        self.configJSON = configJSON
        self.auditedAt = auditedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { Date.fromDatabaseValue($0) }
    }
}

/// One row of `audit_checks`: the value of one check of one audit on one successful adversarial example.
public struct AuditCheckRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit_checks"

    public var id: Int64?
    public var runID: Int64
    public var recipe: String
    public var exampleIndex: Int
    public var audit: String
    /// The check's name as audit recipes spell it (`sentence-cosine`, `antonym`, …).
    public var checkName: String
    /// What the check measured (a cosine, a count, a share), whatever its threshold.
    public var value: Double
    /// Whether the example passed the check under the audit's threshold.
    public var passed: Bool
    /// What it found, for people ("good → bad", "great (pos 0.94, 51×)"), when there is something to say.
    public var detail: String?

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, runID = "run_id", recipe, exampleIndex = "example_index", audit, checkName = "check_name", value
        case passed, detail
    }
    public typealias Columns = CodingKeys

    public init(id: Int64? = nil, runID: Int64, recipe: String, exampleIndex: Int, audit: String, checkName: String,
                value: Double, passed: Bool, detail: String? = nil) {
        self.id = id
        self.runID = runID
        self.recipe = recipe
        self.exampleIndex = exampleIndex
        self.audit = audit
        self.checkName = checkName
        self.value = value
        self.passed = passed
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `human_labels`: a person's judgement of one adversarial pair.
public struct HumanLabelRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "human_labels"

    public var id: Int64?
    public var runID: Int64
    public var recipe: String
    public var exampleIndex: Int
    /// Who labelled ("" when the sheet did not say).
    public var annotator: String
    /// Whether the adversarial text keeps the original's label (nil: not answered).
    public var sameLabel: Bool?
    /// Whether the adversarial text still reads as natural text (nil: not answered).
    public var natural: Bool?
    public var note: String?
    /// The file the answers were imported from.
    public var source: String
    public var importedAt: Date

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, runID = "run_id", recipe, exampleIndex = "example_index", annotator, sameLabel = "same_label"
        case natural, note, source, importedAt = "imported_at"
    }
    public typealias Columns = CodingKeys

    public init(id: Int64? = nil, runID: Int64, recipe: String, exampleIndex: Int, annotator: String = "",
                sameLabel: Bool?, natural: Bool?, note: String? = nil, source: String = "", importedAt: Date = Date()) {
        self.id = id
        self.runID = runID
        self.recipe = recipe
        self.exampleIndex = exampleIndex
        self.annotator = annotator
        self.sameLabel = sameLabel
        self.natural = natural
        self.note = note
        self.source = source
        self.importedAt = importedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { Date.fromDatabaseValue($0) }
    }

    /// Whether the person judged the pair a valid adversarial example: same label and natural. Nil when
    /// either answer is missing.
    public var isValid: Bool? {
        guard let sameLabel, let natural else { return nil }
        return sameLabel && natural
    }
}
