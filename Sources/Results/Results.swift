// Results: the results store — records, schema and migrations, run sessions and their locks. Knows SQL;
// knows nothing about models or statistics (those are in Analysis).
//
// Where the database lives (`ResultStoreLocation.resolve`): `--db PATH`, else `$ROBUST_DB`, else
// `robust.db` in the working directory (git ignores `/robust.db*`).
//
// Schema (`ResultSchema`, migrations "v1-runs-examples-metrics-curves" and "v2-audits-human-labels";
// `PRAGMA user_version` = 2,
// `PRAGMA application_id` = 0x52425354 "RBST"):
//   runs      id, kind [train|eval|attack|retrain|augment], status [running|finished|failed|interrupted],
//             model_hash, data_hash, recipe_hash, seed, git_commit?, robust_version, command_line,
//             config_json, started_at, finished_at?, parent_run_id? → runs, label?, failure?
//   examples  run_id → runs, recipe, example_index, text, gold, clean_prediction, adversarial_text?,
//             adversarial_prediction?, status [success|failed|skipped|clean_wrong], queries,
//             words_changed, words_total, similarity?, milliseconds, detail_json?;
//             UNIQUE(run_id, recipe, example_index)
//   metrics   run_id → runs, recipe, name, value, low?, high?; UNIQUE(run_id, recipe, name)
//   curves    run_id → runs, recipe, curve, x_name, x, y_name, y; UNIQUE(run_id, recipe, curve, x)
//   audits        run_id → runs, audit, recipe_hash, config_json, audited_at; UNIQUE(run_id, audit)
//   audit_checks  run_id → runs, recipe, example_index, audit, check_name, value, passed, detail?;
//                 UNIQUE(run_id, recipe, audit, example_index, check_name)
//   human_labels  run_id → runs, recipe, example_index, annotator, same_label?, natural?, note?, source,
//                 imported_at; UNIQUE(run_id, recipe, example_index, annotator)
// Deleting a run deletes its examples, metrics, curves, audits and labels. Times are UTC ("YYYY-MM-DD HH:MM:SS.SSS").
// Beside the store, `STORE.run-ID.lock` is held (flock) by the process recording run ID (`RunLock`):
// left behind unheld, it marks the run abandoned.
//
// How a command records a run:
//
//     let store = try ResultStore(path: ResultStoreLocation.resolve(option: db))
//     try store.withRun(RunRecord(kind: .attack, modelHash: …, robustVersion: Robust.version,
//                                 commandLine: Provenance.commandLine(), …),
//                       resuming: resumeID, interrupted: { Interruption.wasRequested }) { run in
//         let done = try store.completedExampleIndices(run: run.runID, recipe: recipe)
//         for (index, text) in data.enumerated() where !done.contains(index) {
//             … attack …
//             try store.recordExample(ExampleRecord(runID: run.runID, recipe: recipe, exampleIndex: index, …))
//         }
//         try store.recordSummaryMetrics(run: run.runID, recipe: recipe)   // standard metrics + 95% intervals
//     }
//
// Each recorded example is its own committed transaction, so a killed run loses at most the example
// in flight, and `--resume` skips what is already there. `withRun` marks the run finished, failed (with
// the error) or interrupted. Every failure is a one-line `ResultStoreError` naming the file.
//
// What the stored numbers mean (standard metrics, bootstrap intervals, McNemar, baselines and the gate)
// is the Analysis module's.
