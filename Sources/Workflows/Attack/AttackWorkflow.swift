// AttackWorkflow: `robust attack` — one recipe on one text (the result returned for showing), or recipes
// on a dataset split inside an `attack` run of the results store, resumable.
import Attacks
import Audit
import Basics
import Datasets
import Foundation
import Results
import Transformer

public enum AttackWorkflow {
    /// One text attacked by each recipe. `gold` nil: the model's prediction on the text.
    public struct OneText {
        public var classifier: Classifier
        public var recipes: [Recipe]
        public var text: String
        public var gold: String?
        public var maxLength: Int
        public var attack: AttackSettings
        /// The validity audit of each successful attack (checks that need training data are left out).
        public var audit: AuditRecipe?

        /// `gold` is a property (default: the model's prediction).
        public init(model: ModelHandle, recipes: [Recipe], text: String, maxLength: Int, attack: AttackSettings) {
            self.init(classifier: .checkpoint(model), recipes: recipes, text: text, maxLength: maxLength, attack: attack)
        }

        public init(classifier: Classifier, recipes: [Recipe], text: String, maxLength: Int, attack: AttackSettings) {
            self.classifier = classifier
            self.recipes = recipes
            self.text = text
            self.maxLength = maxLength
            self.attack = attack
        }

        public struct Outcome {
            public var input: AttackInput
            /// The token limit the text was attacked at.
            public var maxLength: Int
            public var results: [(recipe: String, result: ExampleResult)]
            /// Each successful attack's audit results, by recipe (with `audit`).
            public var validity: [String: [CheckResult]] = [:]
            /// The audit's name and the checks it left out, with why.
            public var audit: (name: String, skipped: [String])?
        }

        public func run(reporter: Reporter) throws -> Outcome {
            try classifier.requireUsable()
            let labels = classifier.labels
            if let gold, !labels.contains(gold) {
                throw UserError("label '\(gold)' is not one of the model's labels (\(labels.joined(separator: ", ")))")
            }
            let setup = try AttackSetup.prepare(classifier: classifier, recipes: recipes, encoderPath: attack.encoderPath,
                                                maxLength: maxLength, reporter: reporter)
            var label = gold
            if label == nil {
                let victim = setup.worker().victim
                let probabilities = try UserError.wrapping { try victim.exactProbabilities([victim.tokenIDs(text)]) }
                label = probabilities.first.flatMap { GoalFunction.argmax($0) }.map { labels[$0] }
            }
            let input = AttackInput(index: 0, text: text, gold: label ?? labels[0])
            var results: [(String, ExampleResult)] = []
            for recipe in recipes {
                let (precision, note) = attack.precision(for: recipe, classifier: classifier)
                if let note { reporter.warn("note: \(note)") }
                try setup.prepare(precision)
                let worker = setup.worker(precision: precision)
                try UserError.wrapping { try AttackRunner.check(recipe, kit: worker) }
                results.append((recipe.name, try AttackRunner.attack(input, procedure: recipe.procedure, worker: worker,
                                                                 lexicon: setup.lexicon(), seed: attack.seed)))
            }
            var outcome = Outcome(input: input, maxLength: setup.maxLength, results: results)
            if let audit {
                let prepared = try RunAudit.prepare(audit, dataset: nil, encoderPath: self.attack.encoderPath, skippingUnavailable: true)
                outcome.audit = (audit.name, prepared.skipped)
                for (recipe, result) in results where result.status == .success {
                    guard let adversarial = result.adversarialText else { continue }
                    outcome.validity[recipe] = try prepared.judge(AuditedPair(index: 0, original: text, adversarial: adversarial,
                                                                              gold: input.gold))
                }
            }
            return outcome
        }
    }

    /// The plan's recipes over its examples, every example recorded as it finishes, in an `attack` run.
    public struct OnData {
        public var classifier: Classifier
        public var plan: EvaluationPlan
        public var resume: Int64?

        public init(model: ModelHandle, plan: EvaluationPlan) {
            self.init(classifier: .checkpoint(model), plan: plan)
        }

        public init(classifier: Classifier, plan: EvaluationPlan) {
            self.classifier = classifier
            self.plan = plan
        }

        public func run(reporter: Reporter) throws -> (runID: Int64, outcome: AttackSuite.Outcome) {
            try classifier.requireUsable()
            let (recipes, attack, dataset) = (plan.suite, plan.attack, plan.dataset)
            let setup = try AttackSetup.prepare(classifier: classifier, recipes: recipes, encoderPath: attack.encoderPath,
                                                maxLength: plan.maxLength, reporter: reporter)
            let inputs = plan.attackInputs
            let audit = try plan.runAudit(reporter: reporter)
            let store = try RunRecording.openForWriting(plan.database)
            let modelHash = classifier.identity
            let recipeHash = Recipe.hash(recipes)
            var runRecord = try RunRecording.run(kind: .attack, modelHash: modelHash, dataHash: dataset.manifest.contentSHA256,
                                                 seed: attack.seed, config: plan.config(classifier: classifier))
            runRecord.recipeHash = recipeHash
            if let resume {
                try ResumeCheck.check(store, run: resume, kind: .attack, modelHash: modelHash,
                                      dataHash: dataset.manifest.contentSHA256, recipeHash: recipeHash,
                                      configJSON: runRecord.configJSON)
            }
            Interruption.install()
            var outcome: AttackSuite.Outcome?
            let runID = try UserError.wrapping {
                try store.withRun(runRecord, resuming: resume, interrupted: { Interruption.wasRequested }) { run in
                    outcome = try AttackSuite.run(recipes, setup: setup, inputs: inputs, store: store, runID: run.runID,
                                                  settings: attack, audit: audit, reporter: reporter)
                    try RunRecording.recordService(store, run: run.runID, classifier: classifier, reporter: reporter)
                    return run.runID
                }
            }
            guard let outcome else { throw UserError("the attack produced no result") }
            return (runID, outcome)
        }
    }
}
