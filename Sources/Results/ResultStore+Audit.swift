// ResultStore+Audit: recording and querying the validity audit (audits, audit_checks) and people's labels
// (human_labels).
import Foundation
import GRDB

extension ResultStore {
    // MARK: - Audits

    /// Records an audit of `run` in one transaction: its row (replacing an earlier audit of the same name)
    /// and the check values of the examples given, replacing earlier values of the same (recipe, example,
    /// check). With `replacingRecipes`, the earlier values of those recipes under this audit are removed
    /// first, so a re-audit leaves no value of a check the recipe no longer has.
    public func recordAudit(_ audit: AuditRecord, checks: [AuditCheckRecord], replacingRecipes: [String] = []) throws {
        for check in checks where !check.value.isFinite {
            throw ResultStoreError.invalidRequest(path: path, detail: "audit check \(check.recipe)/\(check.exampleIndex)/\(check.checkName) is \(check.value), not a finite number")
        }
        try write(run: audit.runID) { db in
            guard try RunRecord.exists(db, key: audit.runID) else { throw ResultStoreError.noSuchRun(id: audit.runID, path: path) }
            for recipe in replacingRecipes {
                try AuditCheckRecord.filter(AuditCheckRecord.Columns.runID == audit.runID && AuditCheckRecord.Columns.audit == audit.audit
                                            && AuditCheckRecord.Columns.recipe == recipe).deleteAll(db)
            }
            var row = audit
            row.id = nil
            try row.insert(db, onConflict: .replace)
            for check in checks {
                var check = check
                check.id = nil
                try check.insert(db, onConflict: .replace)
            }
        }
    }

    /// The audits of a run, by name.
    public func audits(run id: Int64) throws -> [AuditRecord] {
        try read(run: id) { db in
            try requireRunExists(id, db)
            return try AuditRecord.filter(AuditRecord.Columns.runID == id).order(AuditRecord.Columns.audit).fetchAll(db)
        }
    }

    /// A run's check values (of one audit and/or recipe, or all), by audit, recipe, example index, check.
    public func auditChecks(run id: Int64, audit: String? = nil, recipe: String? = nil) throws -> [AuditCheckRecord] {
        try read(run: id) { db in
            try requireRunExists(id, db)
            var request = AuditCheckRecord.filter(AuditCheckRecord.Columns.runID == id)
            if let audit { request = request.filter(AuditCheckRecord.Columns.audit == audit) }
            if let recipe { request = request.filter(AuditCheckRecord.Columns.recipe == recipe) }
            return try request.order(AuditCheckRecord.Columns.audit, AuditCheckRecord.Columns.recipe,
                                     AuditCheckRecord.Columns.exampleIndex, AuditCheckRecord.Columns.checkName).fetchAll(db)
        }
    }

    // MARK: - Human labels

    /// Records people's labels in one transaction (all or nothing); a label already stored for the same
    /// (run, recipe, example, annotator) is replaced. In the same transaction, the metrics named in
    /// `replacingMetrics` are removed from every (run, recipe) the labels belong to, and `metrics` are
    /// recorded (replacing any of the same run, recipe and name), so the statistics of the labels can never
    /// be stored without them, nor stale ones left beside them.
    public func recordHumanLabels(_ labels: [HumanLabelRecord], metrics: [MetricRecord] = [],
                                  replacingMetrics names: Set<String> = []) throws {
        guard let first = labels.first else { return }
        for metric in metrics where !metric.value.isFinite {
            throw ResultStoreError.invalidRequest(path: path, detail: "metric \(metric.recipe)/\(metric.name) is \(metric.value), not a finite number")
        }
        try write(run: first.runID) { db in
            var recipes: [Int64: Set<String>] = [:]
            for label in labels {
                guard try RunRecord.exists(db, key: label.runID) else { throw ResultStoreError.noSuchRun(id: label.runID, path: path) }
                var label = label
                label.id = nil
                try label.insert(db, onConflict: .replace)
                recipes[label.runID, default: []].insert(label.recipe)
            }
            if !names.isEmpty {
                for (run, runRecipes) in recipes {
                    try MetricRecord.filter(MetricRecord.Columns.runID == run && runRecipes.contains(MetricRecord.Columns.recipe)
                                            && names.contains(MetricRecord.Columns.name)).deleteAll(db)
                }
            }
            for metric in metrics {
                var metric = metric
                metric.id = nil
                try metric.insert(db, onConflict: .replace)
            }
        }
    }

    /// A run's human labels (of one recipe, or all), by recipe, example index, annotator.
    public func humanLabels(run id: Int64, recipe: String? = nil) throws -> [HumanLabelRecord] {
        try read(run: id) { db in
            try requireRunExists(id, db)
            var request = HumanLabelRecord.filter(HumanLabelRecord.Columns.runID == id)
            if let recipe { request = request.filter(HumanLabelRecord.Columns.recipe == recipe) }
            return try request.order(HumanLabelRecord.Columns.recipe, HumanLabelRecord.Columns.exampleIndex,
                                     HumanLabelRecord.Columns.annotator).fetchAll(db)
        }
    }

    private func requireRunExists(_ id: Int64, _ db: Database) throws {
        guard try RunRecord.exists(db, key: id) else { throw ResultStoreError.noSuchRun(id: id, path: path) }
    }
}
