// Workflows: what users run — train, eval, attack, augment, retrain — each a type with inputs and a
// result, between the engine modules and the command line. A command parses its options, builds one
// workflow's inputs, calls it and prints its result; tests call workflows directly.
//
// Workflows are the only writers of the results store: they open runs (`RunRecording`), map attack
// results to stored records (`AttackRecording`, `AttackSummary`), and keep the seeds, hashes and
// resume rules that make a stored run reproducible. Attacks, Augmentation and the engine know nothing
// about storage.
//
// Layout:
//   Reporting.swift           `Reporter`: where a workflow's lines, warnings and progress go
//   Recording/                runs, clean evaluations, training curves; attack results ↔ records
//   Data/                     a dataset resolved, checked against a model's labels, tokenised
//   Attack/                   AttackSetup (victim, encoder, WordNet), recipes, the suite, one text
//   Eval/, Train/, Augment/, Retrain/   the workflows
//   Audit/                    people's labels of adversarial pairs: the labelling sheet out, its answers in
import Foundation
