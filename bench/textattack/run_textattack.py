"""Runs a TextAttack 0.3.11 recipe on the examples a `robust eval` run attacked, with the same
checkpoint, and prints TextAttack's numbers beside robust's, for a same-machine speed comparison.

    python run_textattack.py --model CKPT --db ROBUST_DB --run RUN --recipe pwws|deepwordbug
                             [--max-length 64] [--limit N] [--out results.jsonl] [--summary-out s.json]

The examples (text, gold label) are read from the robust run's `examples` table for the recipe, so
both tools attack exactly the same texts. Time is wall-clock per example of `Attack.attack` only
(model loading excluded), on torch's default threads (one per core).
"""
import argparse, json, sqlite3, sys, time

import torch
import transformers
import textattack
from textattack.attack_recipes import DeepWordBugGao2018, PWWSRen2019
from textattack.attack_results import FailedAttackResult, SkippedAttackResult, SuccessfulAttackResult
from textattack.models.wrappers import HuggingFaceModelWrapper

RECIPES = {"pwws": PWWSRen2019, "deepwordbug": DeepWordBugGao2018}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run", type=int, required=True)
    parser.add_argument("--recipe", choices=sorted(RECIPES), required=True)
    parser.add_argument("--max-length", type=int, default=64,
                        help="TextAttack pads every query to the tokenizer's model_max_length")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=765, help="TextAttack's default random seed")
    parser.add_argument("--out", default=None, help="per-example results, JSON lines")
    parser.add_argument("--summary-out", default=None, help="the summary, as JSON")
    args = parser.parse_args()

    textattack.shared.utils.set_seed(args.seed)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(args.model)
    model.eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.model, model_max_length=args.max_length)
    label2id = model.config.label2id
    wrapper = HuggingFaceModelWrapper(model, tokenizer)
    attack = RECIPES[args.recipe].build(wrapper)

    db = sqlite3.connect(args.db)
    rows = db.execute(
        "SELECT example_index, text, gold, status, queries, milliseconds FROM examples "
        "WHERE run_id = ? AND recipe = ? ORDER BY example_index", (args.run, args.recipe)).fetchall()
    if args.limit:
        rows = rows[: args.limit]
    if not rows:
        sys.exit(f"no examples for recipe {args.recipe} in run {args.run}")

    counts = {"success": 0, "failed": 0, "skipped": 0}
    queries, seconds, perturbed, out = [], [], [], []
    started = time.perf_counter()
    for index, text, gold, robust_status, robust_queries, robust_ms in rows:
        example = textattack.shared.AttackedText(text)
        t0 = time.perf_counter()
        result = attack.attack(example, label2id[gold])
        elapsed = time.perf_counter() - t0
        seconds.append(elapsed)
        if isinstance(result, SuccessfulAttackResult):
            status = "success"
        elif isinstance(result, SkippedAttackResult):
            status = "skipped"
        else:
            status = "failed"
        counts[status] += 1
        if status != "skipped":
            queries.append(result.perturbed_result.num_queries)
        if status == "success":
            changed = len(result.original_result.attacked_text.all_words_diff(result.perturbed_result.attacked_text))
            perturbed.append(changed / max(1, len(result.original_result.attacked_text.words)))
        out.append({"index": index, "status": status, "robust_status": robust_status,
                    "queries": result.perturbed_result.num_queries, "robust_queries": robust_queries,
                    "seconds": elapsed, "robust_seconds_one_worker": robust_ms / 1000,
                    "adversarial": result.perturbed_result.attacked_text.text})
    wall = time.perf_counter() - started

    attacked = counts["success"] + counts["failed"]
    n = len(rows)
    summary = {
        "recipe": args.recipe, "examples": n, "max_length": args.max_length,
        "torch": torch.__version__, "transformers": transformers.__version__,
        "textattack": "0.3.11", "torch_threads": torch.get_num_threads(),
        "successful": counts["success"], "failed": counts["failed"], "skipped": counts["skipped"],
        "original_accuracy": attacked / n,
        "accuracy_under_attack": counts["failed"] / n,
        "attack_success_rate": counts["success"] / attacked if attacked else 0,
        "average_perturbed_word_percent": 100 * sum(perturbed) / len(perturbed) if perturbed else 0,
        "average_queries": sum(queries) / len(queries) if queries else 0,
        "seconds_per_example": wall / n,
        "agreement_with_robust": sum(1 for r in out if r["status"] == r["robust_status"]
                                     or (r["status"] == "skipped" and r["robust_status"] == "clean_wrong")) / n,
    }
    print(json.dumps(summary, indent=2))
    if args.summary_out:
        with open(args.summary_out, "w") as f:
            json.dump(summary, f)
    if args.out:
        with open(args.out, "w") as f:
            for r in out:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
